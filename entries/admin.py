from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import AssessmentSeries, Entry, Result


@admin.register(AssessmentSeries)
class AssessmentSeriesAdmin(SimpleHistoryAdmin):
    list_display = ["name", "entry_deadline", "late_entry_end", "standard_fee", "late_fee", "results_date"]
    search_fields = ["name"]


class ReadOnlyAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Entries and results change only through the services (the rules, the notifications owed to
    Pearson, the reason in the history); the admin shows them and their history."""


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["series", "registration", "unit", "state", "is_late", "fee", "entered_on"]
    list_filter = ["series", "state", "is_late"]
    search_fields = ["registration__learner__legal_last_name", "registration__pearson_registration_number"]
    list_select_related = ["series", "registration__learner", "registration__programme", "unit"]
    raw_id_fields = ["registration", "unit", "swapped_to"]


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ["series", "registration", "unit", "grade", "received_on"]
    list_filter = ["series", "grade"]
    search_fields = ["registration__learner__legal_last_name", "registration__pearson_registration_number"]
    list_select_related = ["series", "registration__learner", "registration__programme", "unit"]
    raw_id_fields = ["registration", "unit", "entry"]
