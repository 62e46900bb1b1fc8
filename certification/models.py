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
