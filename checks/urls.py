from django.urls import path

from . import views

app_name = "checks"
urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/new/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/remind/", views.round_remind, name="round_remind"),
    path("lists/<int:pk>/", views.checklist, name="checklist"),
    path("lists/<int:pk>/missing/", views.missing_add, name="missing_add"),
    path("lists/<int:pk>/sign-off/", views.sign_off, name="sign_off"),
    path("lists/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("lists/<int:pk>/check-list.pdf", views.checklist_pdf, name="checklist_pdf"),
    path("lists/<int:pk>/check-list.xlsx", views.checklist_xlsx, name="checklist_xlsx"),
    path("lines/<int:pk>/verdict/", views.line_verdict, name="line_verdict"),
    path("discrepancies/", views.discrepancy_list, name="discrepancy_list"),
    path("discrepancies/<int:pk>/", views.discrepancy_detail, name="discrepancy_detail"),
    path("discrepancies/<int:pk>/remove/", views.missing_remove, name="missing_remove"),
    path("programmes/<int:pk>/statements/", views.programme_statements, name="programme_statements"),
    path("registrations/<int:pk>/statement.pdf", views.registration_statement_pdf, name="registration_statement_pdf"),
    path("s/<str:token>/", views.statement_link, name="statement_link"),
]
