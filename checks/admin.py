from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CheckLine, CheckRound, CheckVerdict, Discrepancy, ProgrammeCheck, Statement


@admin.register(CheckRound)
class CheckRoundAdmin(SimpleHistoryAdmin):
    list_display = ["name", "due_date", "opened_by", "opened_at"]


@admin.register(ProgrammeCheck)
class ProgrammeCheckAdmin(SimpleHistoryAdmin):
    list_display = ["programme", "round", "signed_off_by", "signed_off_at"]
    list_filter = ["round"]
    raw_id_fields = ["programme"]


@admin.register(CheckLine)
class CheckLineAdmin(admin.ModelAdmin):
    """Snapshot rows: read-only (they record what Pearson held when the round opened)."""

    list_display = ["legal_last_name", "legal_first_name", "check_list", "pearson_registration_number"]
    raw_id_fields = ["check_list", "registration"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CheckVerdict)
class CheckVerdictAdmin(SimpleHistoryAdmin):
    list_display = ["line", "verdict", "field", "decided_by", "decided_at", "version"]
    raw_id_fields = ["line"]


@admin.register(Discrepancy)
class DiscrepancyAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "programme", "state", "raised_at", "resolved_by"]
    list_filter = ["state", "kind"]
    raw_id_fields = ["programme", "check_list", "line", "registration", "resulting_registration"]


@admin.register(Statement)
class StatementAdmin(SimpleHistoryAdmin):
    list_display = ["registration", "method", "issued_at", "response", "responded_at"]
    list_filter = ["method", "response"]
    raw_id_fields = ["registration"]
    exclude = ["nonce"]
