"""Centres and learners, as the MIS knows them and as Pearson must receive them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.scoping import scope_learners
from core.validators import (
    validate_candidate_number,
    validate_centre_number,
    validate_uci,
    validate_uln,
)


class Centre(models.Model):
    """A Pearson-approved centre. A trust may run several centres in one install."""

    number = models.CharField("centre number", max_length=5, unique=True, validators=[validate_centre_number])
    name = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__length=5), name="centre_number_is_five_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"


class LearnerQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LearnerQuerySet":
        return scope_learners(self, user)


class Learner(models.Model):
    """A learner at a centre. Legal names, date of birth, sex and ULN are what Pearson holds."""

    class Status(models.TextChoices):
        ON_ROLL = "on_roll", "On roll"
        LEFT = "left", "Left the centre"

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="learners")
    mis_id = models.CharField("MIS id", max_length=30)
    legal_first_name = models.CharField("legal first name(s)", max_length=60)
    legal_last_name = models.CharField("legal last name", max_length=60)
    preferred_name = models.CharField(max_length=60, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    uln = models.CharField(
        "ULN", max_length=10, null=True, blank=True, unique=True, validators=[validate_uln],
        help_text="Unique Learner Number: 10 digits with a check digit.",
    )
    uln_not_yet_known = models.BooleanField(
        "ULN not yet known", default=False,
        help_text="Tick when the learner has no ULN yet; Pearson accepts registrations without one.",
    )
    uci = models.CharField(
        "UCI", max_length=13, null=True, blank=True, unique=True, validators=[validate_uci],
        help_text="Unique Candidate Identifier: stays with the learner for life.",
    )
    candidate_number = models.CharField(
        max_length=4, null=True, blank=True, validators=[validate_candidate_number]
    )
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ON_ROLL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = LearnerQuerySet.as_manager()

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "mis_id"], name="learner_mis_id_unique_per_centre"),
            models.UniqueConstraint(
                fields=["centre", "candidate_number"],
                condition=Q(candidate_number__isnull=False),
                name="learner_candidate_number_unique_per_centre",
            ),
            models.CheckConstraint(
                condition=Q(uln__isnull=True, uln_not_yet_known=True) | Q(uln__isnull=False, uln_not_yet_known=False),
                name="learner_uln_present_or_explicitly_not_known",
                violation_error_message="Enter the ULN, or tick “ULN not yet known”.",
            ),
            models.CheckConstraint(
                condition=Q(uln__isnull=True) | (Q(uln__length=10) & ~Q(uln__startswith="0")),
                name="learner_uln_format",
            ),
            models.CheckConstraint(
                condition=Q(candidate_number__isnull=True) | Q(candidate_number__length=4),
                name="learner_candidate_number_format",
            ),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="learner_sex_m_or_f"),
        ]
        indexes = [
            models.Index(fields=["legal_last_name", "legal_first_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.legal_last_name.upper()}, {self.legal_first_name} ({self.mis_id})"

    def get_absolute_url(self) -> str:
        return reverse("learners:detail", args=[self.pk])

    @property
    def full_legal_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}"

    @property
    def uln_display(self) -> str:
        return self.uln or ("not yet known" if self.uln_not_yet_known else "missing")

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from django.utils import timezone

        errors = {}
        if self.date_of_birth and self.date_of_birth >= timezone.localdate():
            errors["date_of_birth"] = "Date of birth must be in the past."
        if self.uln and self.uln_not_yet_known:
            errors["uln_not_yet_known"] = "Untick “ULN not yet known” when you enter a ULN."
        if not self.uln and not self.uln_not_yet_known:
            errors["uln"] = "Enter the ULN, or tick “ULN not yet known”."
        if errors:
            raise ValidationError(errors)


class LearnerImport(models.Model):
    """One upload of an MIS export: parsed and checked (the preview), then confirmed or abandoned.

    The preview is stored here, so confirming writes exactly what the officer saw and never re-trusts
    the browser; `fingerprint` captures the learners the preview compared against, so a confirm after
    somebody else changed them is refused.
    """

    class State(models.TextChoices):
        PREVIEWED = "previewed", "Previewed (nothing saved yet)"
        CONFIRMED = "confirmed", "Confirmed and saved"
        ABANDONED = "abandoned", "Abandoned"

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="learner_imports")
    filename = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    file_data = models.BinaryField(help_text="The file as uploaded (re-read when the officer maps an unknown heading).")
    column_mapping = models.JSONField(default=dict, help_text="Our field → the file's heading.")
    rows = models.JSONField(default=list, help_text="Every row as checked: action, values, changes, errors, flags.")
    summary = models.JSONField(default=dict)
    problems = models.JSONField(default=list, help_text="Problems with the file as a whole (e.g. a missing column).")
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PREVIEWED)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty when imported from the command line without --user.",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["rows", "file_data"])

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="confirmed", confirmed_at__isnull=False) | ~Q(state="confirmed"),
                name="learner_import_confirmed_has_who_and_when",
            )
        ]

    def __str__(self) -> str:
        return f"Import of {self.filename} ({self.uploaded_at:%d/%m/%Y %H:%M})" if self.uploaded_at else self.filename

    def get_absolute_url(self) -> str:
        return reverse("learners:import_preview", args=[self.pk])

    @property
    def rejected(self) -> int:
        return self.summary.get("rejected", 0)
