"""Assessment records and their internal verification: the only ground for a certificate claim."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.scoping import scope_by_programme
from registrations.models import Registration, Unit


class UnitGrade(models.TextChoices):
    UNCLASSIFIED = "U", "U (Unclassified)"
    NEAR_PASS = "N", "N (Near pass)"
    PASS = "P", "P (Pass)"
    MERIT = "M", "M (Merit)"
    DISTINCTION = "D", "D (Distinction)"


class AssessmentRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AssessmentRecordQuerySet":
        return scope_by_programme(self, user, "registration__programme")

    def verified(self) -> "AssessmentRecordQuerySet":
        return self.filter(iv_outcome=AssessmentRecord.IVOutcome.AGREED)


class AssessmentRecord(models.Model):
    """An assessor's decision on one attempt at an internally assessed unit, and its internal
    verification (IV). Only records whose IV outcome is *agreed* can back a certificate claim."""

    class Attempt(models.TextChoices):
        FIRST = "first", "First submission"
        RESUBMISSION = "resubmission", "Resubmission"
        RETAKE = "retake", "Retake (capped at Pass)"

    class IVOutcome(models.TextChoices):
        AGREED = "agreed", "Agreed"
        DISAGREED = "disagreed", "Disagreed (sent back to the assessor)"

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="assessment_records")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assessment_records")
    attempt = models.CharField(max_length=12, choices=Attempt.choices, default=Attempt.FIRST)
    grade = models.CharField(max_length=1, choices=UnitGrade.choices)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessed_records")
    date_assessed = models.DateField()
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Lead Internal Verifier who authorised a resubmission or retake.",
    )
    internal_verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="verified_records"
    )
    iv_date = models.DateField("IV date", null=True, blank=True)
    iv_outcome = models.CharField("IV outcome", max_length=10, choices=IVOutcome.choices, blank=True)
    iv_notes = models.TextField("IV notes", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = AssessmentRecordQuerySet.as_manager()

    class Meta:
        ordering = ["registration", "unit", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "unit", "attempt"], name="one_record_per_unit_attempt",
                violation_error_message="This learner already has a record for this attempt at this unit.",
            ),
            models.CheckConstraint(
                condition=~Q(attempt="retake") | Q(grade__in=["U", "N", "P"]),
                name="retake_grade_capped_at_pass",
                violation_error_message="A retake is capped at Pass.",
            ),
            models.CheckConstraint(
                condition=Q(attempt="first") | Q(authorised_by__isnull=False),
                name="reassessment_needs_lead_iv_authorisation",
                violation_error_message="A resubmission or retake needs the Lead IV's authorisation.",
            ),
            models.CheckConstraint(
                condition=Q(internal_verifier__isnull=True) | ~Q(internal_verifier=F("assessor")),
                name="verifier_is_not_the_assessor",
                violation_error_message="The internal verifier cannot verify their own assessment decision.",
            ),
            models.CheckConstraint(
                condition=Q(iv_outcome="", iv_date__isnull=True, internal_verifier__isnull=True)
                | (~Q(iv_outcome="") & Q(iv_date__isnull=False, internal_verifier__isnull=False)),
                name="iv_outcome_has_verifier_and_date",
            ),
            models.CheckConstraint(
                condition=Q(iv_date__isnull=True) | Q(iv_date__gte=F("date_assessed")),
                name="iv_not_before_assessment",
                violation_error_message="Internal verification cannot be dated before the assessment.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.grade} ({self.get_attempt_display()})"

    @property
    def is_verified(self) -> bool:
        return self.iv_outcome == self.IVOutcome.AGREED


# ---------------------------------------------------------------------------------------------
# Claims, sampling and certificates
# ---------------------------------------------------------------------------------------------

GRADE_ORDER = {"U": 0, "N": 1, "P": 2, "M": 3, "D": 4}


class ClaimsDeadline(models.Model):
    """Pearson's summer deadline for unit grades and full claims (5 July in 2024): yearly data.

    `academic_year` is the year in which the learners complete (e.g. 2027/28 → 5 July 2028)."""

    academic_year = models.CharField(max_length=7, unique=True)
    opens = models.DateField(help_text="Full claims made before this date are flagged early and need a reason.")
    deadline = models.DateField(help_text="Full claims made after this date are flagged late and need a reason.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-academic_year"]
        constraints = [models.CheckConstraint(condition=Q(deadline__gt=F("opens")), name="claims_deadline_after_opening")]

    def __str__(self) -> str:
        return f"{self.academic_year}: claims by {self.deadline:%d/%m/%Y}"


class CertificationSetting(models.Model):
    """Centre-wide certification settings (one row per centre; defaults apply when absent)."""

    centre = models.OneToOneField("learners.Centre", on_delete=models.CASCADE, related_name="certification_setting")
    sample_before_export = models.BooleanField(
        default=True, help_text="A claim batch can be exported only once its quality nominee sample is finished."
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Certification settings for {self.centre}"


class ClaimBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ClaimBatchQuerySet":
        from core.roles import sees_whole_centre

        return self if sees_whole_centre(user) else self.none()


class ClaimBatch(models.Model):
    """Claims sent to Pearson together (one grade-reporting spreadsheet)."""

    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_on = models.DateField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()
    objects = ClaimBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class CertificateClaimQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CertificateClaimQuerySet":
        return scope_by_programme(self, user, "registration__programme")


class CertificateClaim(models.Model):
    """A claim to Pearson for a learner's certificate, built only from verified assessment records.
    States and moves: `certification.services.CLAIM_TRANSITIONS`."""

    class Kind(models.TextChoices):
        FULL = "full", "Full award"
        INTERIM = "interim", "Interim (unit certificate)"
        FALLBACK = "fallback", "Fallback (smaller qualification)"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        READY = "ready", "Ready (all gates pass)"
        SUBMITTED = "submitted", "Submitted to Pearson"
        FORM_QUERY = "form_query", "Form query from Pearson"
        BLOCKED = "blocked", "Blocked"
        CERTIFICATE_RECEIVED = "certificate_received", "Certificate received"
        DISCREPANCY = "discrepancy", "Certificate discrepancy"
        REPLACEMENT_REQUESTED = "replacement_requested", "Replacement requested"
        CHECKED_OK = "checked_ok", "Checked, ready to issue"
        ISSUED = "issued", "Issued"
        UNCLAIMED = "unclaimed", "Unclaimed"
        DESTROYED = "destroyed", "Destroyed"

    class Timing(models.TextChoices):
        ON_TIME = "on_time", "On time"
        EARLY = "early", "Early"
        LATE = "late", "Late"

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="claims")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FULL)
    fallback_qualification = models.CharField(
        max_length=200, blank=True, help_text="For a fallback claim: the smaller qualification claimed."
    )
    state = models.CharField(max_length=25, choices=State.choices, default=State.DRAFT, db_index=True)
    deadline = models.DateField(null=True, blank=True)
    timing = models.CharField(max_length=8, choices=Timing.choices, blank=True)
    timing_reason = models.TextField(blank=True, help_text="Why the claim is early or late.")
    batch = models.ForeignKey(ClaimBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    submitted_on = models.DateField(null=True, blank=True)
    declined = models.BooleanField(default=False, help_text="The learner declined the certificated grade.")
    block_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()
    objects = CertificateClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(timing__in=["early", "late"]) | ~Q(timing_reason=""),
                name="early_or_late_claim_has_reason",
                violation_error_message="An early or late claim needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} claim for {self.registration.learner}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("certification:claim_detail", args=[self.pk])


class ClaimUnit(models.Model):
    """A unit on a claim: its grade is copied from the verified assessment record behind it."""

    claim = models.ForeignKey(CertificateClaim, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(AssessmentRecord, on_delete=models.PROTECT, related_name="claim_units")
    grade = models.CharField(max_length=1, choices=UnitGrade.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "unit__number"]
        constraints = [models.UniqueConstraint(fields=["claim", "unit"], name="one_claim_unit_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit}: {self.grade}"


class SamplingRoundQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SamplingRoundQuerySet":
        from core.roles import sees_whole_centre

        return self if sees_whole_centre(user) else self.none()


class SamplingRound(models.Model):
    """A quality nominee's sample of certificate claims, drawn reproducibly from a stored seed."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        FINISHED = "finished", "Finished"

    name = models.CharField(max_length=100)
    batch = models.ForeignKey(ClaimBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="sampling_rounds")
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    percentage = models.PositiveSmallIntegerField(default=25)
    min_per_programme = models.PositiveSmallIntegerField(default=1)
    min_per_assessor = models.PositiveSmallIntegerField(default=1)
    sample_all = models.BooleanField(default=False)
    seed = models.BigIntegerField()
    population = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()
    objects = SamplingRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(condition=Q(percentage__lte=100), name="sampling_percentage_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("certification:round_detail", args=[self.pk])


class SampledClaim(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", "Not yet sampled"
        AGREED = "agreed", "Agreed"
        DISCREPANCY = "discrepancy", "Discrepancy"

    round = models.ForeignKey(SamplingRound, on_delete=models.CASCADE, related_name="samples")
    claim = models.ForeignKey(CertificateClaim, on_delete=models.PROTECT, related_name="samples")
    why = models.CharField(max_length=200, blank=True, help_text="Why it was drawn (random, programme minimum, assessor minimum).")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    resolved = models.BooleanField(default=False)
    resolution = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "claim"], name="claim_sampled_once_per_round")]
        permissions = [("record_sample_outcome", "Can record quality nominee sampling outcomes")]

    def __str__(self) -> str:
        return f"{self.claim} in {self.round}"


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CertificateQuerySet":
        return scope_by_programme(self, user, "claim__registration__programme")


class Certificate(models.Model):
    """A certificate Pearson sent, checked against the claim and the assessment records before issue."""

    class IssueMethod(models.TextChoices):
        COLLECTED = "collected", "Collected"
        POSTED = "posted", "Posted"
        SIGNATURE = "signature", "Signed for"

    claim = models.ForeignKey(CertificateClaim, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField("certificate number", max_length=40, unique=True)
    name_printed = models.CharField("learner name as printed", max_length=120)
    date_of_birth = models.DateField(null=True, blank=True)
    qualification = models.CharField(max_length=200, help_text="Qualification number (or title) as printed.")
    grade = models.CharField(max_length=10, blank=True)
    units = models.JSONField(default=list, blank=True, help_text='[{"number": "1", "grade": "M"}, ...]')
    received_on = models.DateField()
    differences = models.JSONField(default=list, blank=True)
    checked_on = models.DateField(null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lead_asked_on = models.DateField(null=True, blank=True)
    lead_response = models.TextField(blank=True)
    replacement_requested_on = models.DateField(null=True, blank=True)
    superseded = models.BooleanField(default=False, help_text="Replaced by a later certificate from Pearson.")
    issued_on = models.DateField(null=True, blank=True)
    issue_method = models.CharField(max_length=10, choices=IssueMethod.choices, blank=True)
    unclaimed_on = models.DateField(null=True, blank=True)
    destroyed_on = models.DateField(null=True, blank=True)
    destroy_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "number"]
        permissions = [("respond_certificate_query", "Can answer a certificate cross-check as subject lead")]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | ~Q(issue_method=""),
                name="issued_certificate_has_method",
                violation_error_message="Say how the certificate was issued.",
            ),
        ]

    def __str__(self) -> str:
        return f"Certificate {self.number}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("certification:certificate_detail", args=[self.pk])
