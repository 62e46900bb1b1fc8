from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .history import save_tracked
from .models import BackgroundJob


class ReadOnlyAdminMixin:
    """For records that change only through their services (rules checked, reason kept) or never change
    at all (the audit trail): the admin lists and shows them, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "title", "kind", "requested_by", "status", "progress_done", "progress_total"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in BackgroundJob._meta.fields]


# Staff accounts are deactivated, never deleted: history rows and audit events point at them, and
# the insert-only history tables refuse the SET_NULL a deletion would cause.
User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffAccountAdmin(UserAdmin, SimpleHistoryAdmin):
    """Django's user admin, with history, a deactivate action and no way to delete an account."""

    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "role_names"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    actions = ["deactivate_accounts"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def role_names(self, obj) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all())) or "—"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Deactivate selected accounts", permissions=["change"])
    def deactivate_accounts(self, request, queryset):
        deactivated = 0
        for user in queryset.filter(is_active=True):
            if user.pk == request.user.pk:
                self.message_user(request, "You cannot deactivate your own account.", messages.ERROR)
                continue
            user.is_active = False
            save_tracked(
                user, actor=request.user, reason=f"Account deactivated in the admin by {request.user.username}",
                update_fields=["is_active"], clean=False,
            )
            deactivated += 1
        if deactivated:
            self.message_user(request, f"{deactivated} account(s) deactivated. They can no longer sign in; their history is kept.",
                              messages.SUCCESS)
