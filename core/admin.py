from django.contrib import admin

from .models import BackgroundJob


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "title", "kind", "requested_by", "status", "progress_done", "progress_total"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in BackgroundJob._meta.fields]
