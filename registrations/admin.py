from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    DeadlineRule,
    LateFeeBand,
    PearsonNotification,
    Programme,
    Qualification,
    QualificationSuite,
    Registration,
    RegistrationBatch,
    TransferIn,
    TransferInUnit,
    Unit,
)


@admin.register(QualificationSuite)
class QualificationSuiteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "external_resit_limit", "terminal_rule", "near_pass_grade"]


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Qualification)
class QualificationAdmin(SimpleHistoryAdmin):
    list_display = ["qan", "title", "level", "suite", "size_glh", "grading_scale"]
    list_filter = ["suite", "level"]
    search_fields = ["qan", "title"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["qualification", "number", "title", "glh", "assessment", "mandatory"]
    list_filter = ["assessment", "mandatory", "qualification__suite"]
    search_fields = ["title", "number", "qualification__title"]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "qualification", "academic_year", "approved_to", "certificate_end", "is_active"]
    list_filter = ["academic_year", "is_active", "registration_mode", "centre"]
    search_fields = ["name", "qualification__title"]
    filter_horizontal = ["subject_leads"]


class LateFeeBandInline(admin.TabularInline):
    model = LateFeeBand
    extra = 0


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(SimpleHistoryAdmin):
    list_display = ["academic_year", "registration_mode", "deadline", "weeks_after_enrolment"]
    inlines = [LateFeeBandInline]


@admin.register(LateFeeBand)
class LateFeeBandAdmin(SimpleHistoryAdmin):
    list_display = ["rule", "from_days_late", "multiplier", "label"]


@admin.register(Registration)
class RegistrationAdmin(SimpleHistoryAdmin):
    list_display = ["learner", "programme", "state", "pearson_registration_number", "registered_on"]
    list_filter = ["state", "programme__academic_year", "programme"]
    search_fields = ["learner__legal_last_name", "learner__mis_id", "pearson_registration_number"]
    list_select_related = ["learner", "programme"]
    raw_id_fields = ["learner", "transferred_to"]
    # State changes must go through the services (with their rules and notifications).
    readonly_fields = ["state", "submitted_at", "registered_on", "withdrawn_on", "deleted_on", "transferred_on", "certificated_on", "transferred_to"]


@admin.register(PearsonNotification)
class PearsonNotificationAdmin(SimpleHistoryAdmin):
    list_display = ["raised_at", "kind", "summary", "sent_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["learner", "registration"]


@admin.register(RegistrationBatch)
class RegistrationBatchAdmin(SimpleHistoryAdmin):
    list_display = ["order_number", "programme", "registration_type", "learner_count", "created_by", "created_at"]
    list_filter = ["registration_type", "centre"]
    exclude = ["file_data"]
    readonly_fields = ["centre", "programme", "registration_type", "enrolment_date", "order_number", "study_mode",
                       "late_reason", "filename", "learner_count", "created_by"]


class TransferInUnitInline(admin.TabularInline):
    model = TransferInUnit
    extra = 0


@admin.register(TransferIn)
class TransferInAdmin(SimpleHistoryAdmin):
    list_display = ["registration", "previous_centre_number", "previous_registration_number", "records_received"]
    raw_id_fields = ["registration"]
    inlines = [TransferInUnitInline]
