from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "BTEC registration and certification"
admin.site.site_title = "Exams office admin"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("learners/", include("learners.urls")),
    path("registrations/", include("registrations.urls")),
    path("checks/", include("checks.urls")),
    path("entries/", include("entries.urls")),
    path("certification/", include("certification.urls")),
    path("audit/", include("audit.urls")),
    path("", include("core.urls")),
]
