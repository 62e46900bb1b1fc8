from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AssessmentRecord


@admin.register(AssessmentRecord)
class AssessmentRecordAdmin(SimpleHistoryAdmin):
    list_display = ["registration", "unit", "attempt", "grade", "date_assessed", "iv_outcome", "iv_date"]
    list_filter = ["attempt", "iv_outcome", "grade"]
    raw_id_fields = ["registration", "unit", "assessor", "authorised_by", "internal_verifier"]
    list_select_related = ["registration__learner", "registration__programme", "unit"]
