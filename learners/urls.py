from django.urls import path

from . import views

app_name = "learners"
urlpatterns = [
    path("", views.learner_list, name="list"),
    path("<int:pk>/", views.learner_detail, name="detail"),
    path("<int:pk>/correct/", views.learner_correct, name="correct"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/columns/", views.import_remap, name="import_remap"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/abandon/", views.import_abandon, name="import_abandon"),
]
