from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import (
    AuditEvent,
    Investigation,
    InvestigationEvidence,
    PurgeRun,
    RetentionHold,
    RetentionPolicy,
    TrailSeal,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail is never edited, not even here (the database would refuse it anyway)."""


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor_username", "object_repr"]
    list_filter = ["action"]
    search_fields = ["action", "actor_username", "object_repr", "object_id"]
    date_hierarchy = "at"


@admin.register(TrailSeal)
class TrailSealAdmin(ReadOnlyAdmin):
    list_display = ["id", "sealed_at", "first_entry_id", "last_entry_id", "entry_count"]


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "as_of", "status", "learners_purged", "learners_held"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["years", "note"]

    def has_add_permission(self, request):
        return not RetentionPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RetentionHold)
class RetentionHoldAdmin(SimpleHistoryAdmin):
    """Administrators place and release holds; a hold is released (dated), never deleted."""

    list_display = ["learner", "reason", "placed_by", "placed_on", "released_on"]
    list_filter = ["released_on"]
    autocomplete_fields = ["learner"]
    readonly_fields = ["placed_by", "placed_on"]
    search_fields = ["learner__legal_last_name", "learner__mis_id", "reason"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.placed_by = request.user
        obj._change_reason = "Retention hold " + ("changed" if change else "placed") + " in the admin"
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    model = InvestigationEvidence
    fields = ["added_at", "added_by", "note", "file_name"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Investigation)
class InvestigationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read here; the workflow runs in the app (audit.services), which checks every step."""

    list_display = ["reference", "kind", "state", "outcome", "opened_on", "investigator"]
    list_filter = ["state", "kind", "outcome"]
    search_fields = ["reference", "summary"]
    inlines = [EvidenceInline]
