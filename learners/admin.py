from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Centre, Learner, LearnerImport


@admin.register(Centre)
class CentreAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name"]
    search_fields = ["number", "name"]


@admin.register(Learner)
class LearnerAdmin(SimpleHistoryAdmin):
    list_display = ["legal_last_name", "legal_first_name", "mis_id", "uln", "candidate_number", "centre", "status"]
    list_filter = ["centre", "status", "uln_not_yet_known"]
    search_fields = ["legal_last_name", "legal_first_name", "mis_id", "uln", "uci", "candidate_number"]
    list_select_related = ["centre"]


@admin.register(LearnerImport)
class LearnerImportAdmin(SimpleHistoryAdmin):
    list_display = ["filename", "centre", "state", "uploaded_by", "uploaded_at"]
    list_filter = ["state", "centre"]
    exclude = ["file_data", "rows"]
    readonly_fields = ["filename", "file_sha256", "column_mapping", "summary", "problems", "fingerprint", "state",
                       "uploaded_by", "confirmed_by", "confirmed_at", "centre"]
