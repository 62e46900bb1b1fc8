from django.urls import path

from . import views

app_name = "entries"
urlpatterns = [
    path("", views.series_list, name="series_list"),
    path("series/new/", views.series_create, name="series_create"),
    path("series/<int:pk>/", views.series_detail, name="series_detail"),
    path("series/<int:pk>/edit/", views.series_edit, name="series_edit"),
    path("series/<int:pk>/programmes/<int:programme_pk>/", views.entry_grid, name="entry_grid"),
    path("series/<int:pk>/export/", views.series_export, name="series_export"),
    path("series/<int:pk>/results/", views.results_import, name="results_import"),
    path("<int:pk>/", views.entry_detail, name="entry_detail"),
    path("<int:pk>/withdraw/", views.entry_withdraw, name="entry_withdraw"),
    path("<int:pk>/swap/", views.entry_swap, name="entry_swap"),
    path("statement/<int:registration_pk>.pdf", views.statement_pdf, name="statement_pdf"),
]
