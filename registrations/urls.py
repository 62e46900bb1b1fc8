from django.urls import path

from . import views

app_name = "registrations"
urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("<int:pk>/", views.registration_detail, name="registration_detail"),
]
