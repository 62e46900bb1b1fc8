from django.urls import path

from . import views

app_name = "certification"
urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/<int:pk>/records/", views.programme_records, name="programme_records"),
    path("programmes/<int:pk>/records/import/", views.records_import, name="records_import"),
    path("programmes/<int:pk>/readiness/", views.programme_readiness, name="programme_readiness"),
    path("programmes/<int:pk>/claims/new/", views.claim_create, name="claim_create"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/<slug:action>/", views.claim_action, name="claim_action"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/export/", views.batch_export, name="batch_export"),
    path("sampling/", views.round_list, name="round_list"),
    path("sampling/<int:pk>/", views.round_detail, name="round_detail"),
    path("sampling/<int:pk>/report.pdf", views.round_report, name="round_report"),
    path("sampling/samples/<int:pk>/", views.sample_detail, name="sample_detail"),
    path("certificates/", views.certificate_list, name="certificate_list"),
    path("certificates/log/", views.certificate_log, name="certificate_log"),
    path("certificates/unclaimed-sweep/", views.certificates_unclaimed_sweep, name="certificates_unclaimed_sweep"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/<slug:action>/", views.certificate_action, name="certificate_action"),
]
