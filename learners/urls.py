from django.urls import path

from . import views

app_name = "learners"
urlpatterns = [
    path("", views.learner_list, name="list"),
    path("<int:pk>/", views.learner_detail, name="detail"),
    path("<int:pk>/correct/", views.learner_correct, name="correct"),
]
