from django.urls import path

from . import views

app_name = "registrations"
urlpatterns = [
    path("", views.registration_list, name="list"),
    path("register/", views.register, name="register"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_edit, name="programme_new"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("qualifications/", views.qualification_list, name="qualification_list"),
    path("qualifications/new/", views.qualification_edit, name="qualification_new"),
    path("qualifications/<int:pk>/", views.qualification_detail, name="qualification_detail"),
    path("qualifications/<int:pk>/edit/", views.qualification_edit, name="qualification_edit"),
    path("qualifications/<int:pk>/units/", views.unit_add, name="unit_add"),
    path("qualifications/<int:pk>/units/import/", views.units_upload, name="units_upload"),
    path("<int:pk>/", views.registration_detail, name="registration_detail"),
    path("<int:pk>/<slug:action>/", views.registration_action, name="action"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/download/", views.batch_download, name="batch_download"),
    path("confirmations/", views.confirmations_upload, name="confirmations_upload"),
    path("transfer-in/learner/<int:learner_pk>/", views.transfer_in_new, name="transfer_in_new"),
    path("transfer-in/<int:pk>/check/", views.transfer_in_tick, name="transfer_in_tick"),
    path("rules/", views.rules, name="rules"),
    path("rules/deadlines/new/", views.deadline_rule_edit, name="deadline_rule_new"),
    path("rules/deadlines/<int:pk>/", views.deadline_rule_edit, name="deadline_rule_edit"),
    path("rules/suites/<int:pk>/", views.suite_rules_edit, name="suite_rules_edit"),
    path("notifications/", views.notification_queue, name="notification_queue"),
    path("notifications/export/", views.notification_export, name="notification_export"),
    path("notifications/mark-sent/", views.notification_mark_sent, name="notification_mark_sent"),
]
