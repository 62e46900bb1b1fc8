from django.urls import path

from . import report_views, views

app_name = "audit"
urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("integrity/", views.integrity_page, name="integrity"),
    path("integrity/verify/", views.integrity_verify, name="integrity_verify"),
    path("retention/", views.retention_page, name="retention"),
    path("investigations/", views.investigation_list, name="investigation_list"),
    path("investigations/new/", views.investigation_new, name="investigation_new"),
    path("investigations/<int:pk>/", views.investigation_detail, name="investigation_detail"),
    path("investigations/<int:pk>/evidence/", views.investigation_evidence_add, name="investigation_evidence_add"),
    path("investigations/<int:pk>/evidence/<int:evidence_pk>/", views.investigation_evidence_download, name="investigation_evidence_download"),
    path("investigations/<int:pk>/<slug:action>/", views.investigation_action, name="investigation_action"),
    path("trace/learner/<int:learner_pk>/", views.learner_trace, name="learner_trace"),
    path("broken-links/", views.broken_links, name="broken_links"),
    path("reports/", report_views.report_index, name="report_index"),
    path("reports/<slug:slug>/", report_views.report_detail, name="report_detail"),
    path("reports/<slug:slug>/pdf/", report_views.report_pdf, name="report_pdf"),
    path("reports/<slug:slug>/xlsx/", report_views.report_xlsx, name="report_xlsx"),
]
