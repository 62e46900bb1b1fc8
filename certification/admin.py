from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AssessmentRecord,
    Certificate,
    CertificateClaim,
    CertificationSetting,
    ClaimBatch,
    ClaimsDeadline,
    ClaimUnit,
    SampledClaim,
    SamplingRound,
)


@admin.register(AssessmentRecord)
class AssessmentRecordAdmin(SimpleHistoryAdmin):
    list_display = ["registration", "unit", "attempt", "grade", "date_assessed", "iv_outcome", "iv_date"]
    list_filter = ["attempt", "iv_outcome", "grade"]
    raw_id_fields = ["registration", "unit", "assessor", "authorised_by", "internal_verifier"]
    list_select_related = ["registration__learner", "registration__programme", "unit"]


@admin.register(ClaimsDeadline)
class ClaimsDeadlineAdmin(SimpleHistoryAdmin):
    list_display = ["academic_year", "opens", "deadline"]


@admin.register(CertificationSetting)
class CertificationSettingAdmin(SimpleHistoryAdmin):
    list_display = ["centre", "sample_before_export"]


@admin.register(CertificateClaim)
class CertificateClaimAdmin(SimpleHistoryAdmin):
    list_display = ["registration", "kind", "state", "timing", "submitted_on"]
    list_filter = ["kind", "state", "timing"]
    raw_id_fields = ["registration", "batch", "created_by"]


@admin.register(ClaimUnit)
class ClaimUnitAdmin(SimpleHistoryAdmin):
    list_display = ["claim", "unit", "grade"]
    raw_id_fields = ["claim", "unit", "record"]


@admin.register(ClaimBatch)
class ClaimBatchAdmin(SimpleHistoryAdmin):
    list_display = ["name", "created_at", "submitted_on"]


@admin.register(SamplingRound)
class SamplingRoundAdmin(SimpleHistoryAdmin):
    list_display = ["name", "seed", "percentage", "state", "opened_at"]


@admin.register(SampledClaim)
class SampledClaimAdmin(SimpleHistoryAdmin):
    list_display = ["round", "claim", "outcome", "resolved"]
    raw_id_fields = ["round", "claim", "recorded_by"]


@admin.register(Certificate)
class CertificateAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name_printed", "received_on", "issued_on", "destroyed_on"]
    raw_id_fields = ["claim", "checked_by"]
