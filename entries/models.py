"""Entries for externally set assessments and their results (issue 5).

An exams officer sets up an assessment series (January, May/June) with its deadlines and fees,
enters registered learners for the externally assessed units of their qualification, and imports
the unit grades Pearson returns. The rules that decide whether an entry is allowed are in
`entries.rules`; every change goes through `entries.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.scoping import scope_by_programme
from registrations.models import GradingScale, Registration, Unit

# Unit grades of externally assessed units, worst first (the best result per unit counts).
UNIT_GRADES = ["U", "N", "P", "M", "D"]
TECH_AWARD_UNIT_GRADES = ["U", "L1P", "L1M", "L1D", "L2P", "L2M", "L2D", "L2D*"]


def unit_grades_for(qualification) -> list[str]:
    """The grades a result for an external unit of this qualification may carry, worst first."""
    if qualification.grading_scale == GradingScale.TECH_AWARD:
        return TECH_AWARD_UNIT_GRADES
    if qualification.suite.near_pass_grade:
        return UNIT_GRADES
    return [g for g in UNIT_GRADES if g != "N"]


def grade_rank(grade: str) -> int:
    if grade in TECH_AWARD_UNIT_GRADES:
        return TECH_AWARD_UNIT_GRADES.index(grade)
    return UNIT_GRADES.index(grade) if grade in UNIT_GRADES else -1


class AssessmentSeries(models.Model):
    """A Pearson external assessment series ("January 2027", "May/June 2027").

    Entries made on or before `entry_deadline` cost `standard_fee`; entries made after it and up to
    `late_entry_end` are late, need a reason and cost `late_fee`. After `late_entry_end` no entry can
    be made, withdrawn or swapped (the series' cut-off).
    """

    name = models.CharField(max_length=60, unique=True, help_text="e.g. “May/June 2027”")
    entry_deadline = models.DateField(help_text="Last day for entries at the standard fee.")
    late_entry_end = models.DateField(
        "late entries close", help_text="Last day Pearson accepts late entries, withdrawals and swaps (the cut-off)."
    )
    standard_fee = models.DecimalField(max_digits=7, decimal_places=2, help_text="Fee per unit entry (£).")
    late_fee = models.DecimalField(max_digits=7, decimal_places=2, help_text="Fee per late unit entry (£).")
    results_date = models.DateField(help_text="When Pearson releases results for the series.")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-results_date", "name"]
        verbose_name_plural = "assessment series"
        constraints = [
            models.CheckConstraint(
                condition=Q(late_entry_end__gte=F("entry_deadline")),
                name="series_late_period_after_deadline",
                violation_error_message="Late entries must close on or after the entry deadline.",
            ),
            models.CheckConstraint(
                condition=Q(results_date__gt=F("late_entry_end")),
                name="series_results_after_entries_close",
                violation_error_message="The results date must be after late entries close.",
            ),
            models.CheckConstraint(
                condition=Q(late_fee__gte=F("standard_fee")),
                name="series_late_fee_at_least_standard",
                violation_error_message="The late fee cannot be less than the standard fee.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("entries:series_detail", args=[self.pk])


class EntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> "EntryQuerySet":
        return scope_by_programme(self, user, "registration__programme")

    def current(self) -> "EntryQuerySet":
        return self.filter(state=Entry.State.ENTERED)


class Entry(models.Model):
    """A learner (through their registration) entered for one external unit in one series."""

    class State(models.TextChoices):
        ENTERED = "entered", "Entered"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SWAPPED = "swapped", "Swapped to another unit"

    series = models.ForeignKey(AssessmentSeries, on_delete=models.PROTECT, related_name="entries")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="entries")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="entries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.ENTERED, db_index=True)
    is_late = models.BooleanField("late entry", default=False)
    late_reason = models.TextField(blank=True)
    fee = models.DecimalField(max_digits=7, decimal_places=2)
    entered_on = models.DateField()
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_on = models.DateField("withdrawn/swapped on", null=True, blank=True)
    swapped_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="swapped_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["series", "registration", "unit"]
        verbose_name_plural = "entries"
        permissions = [("export_entry", "Can export a series' entries for Pearson")]
        constraints = [
            # Duplicate entries are impossible, even when two people submit at once.
            models.UniqueConstraint(
                fields=["series", "registration", "unit"],
                condition=Q(state="entered"),
                name="one_current_entry_per_series_registration_unit",
                violation_error_message="This learner is already entered for this unit in this series.",
            ),
            models.CheckConstraint(
                condition=Q(is_late=False) | ~Q(late_reason=""),
                name="late_entry_has_reason",
                violation_error_message="A late entry needs a reason.",
            ),
        ]
        indexes = [models.Index(fields=["registration", "unit"])]

    def __str__(self) -> str:
        return f"{self.registration.learner} – Unit {self.unit.number} – {self.series}"

    def get_absolute_url(self) -> str:
        return reverse("entries:entry_detail", args=[self.pk])


class ResultQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ResultQuerySet":
        return scope_by_programme(self, user, "registration__programme")


class Result(models.Model):
    """The unit grade Pearson returned for a learner's external unit in a series."""

    series = models.ForeignKey(AssessmentSeries, on_delete=models.PROTECT, related_name="results")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="external_results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="external_results")
    entry = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="results")
    grade = models.CharField(max_length=4)
    received_on = models.DateField()
    history = HistoricalRecords()
    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["series", "registration", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "registration", "unit"], name="one_result_per_series_registration_unit"
            ),
        ]
        indexes = [models.Index(fields=["registration", "unit"])]

    def __str__(self) -> str:
        return f"{self.registration.learner} – Unit {self.unit.number} – {self.series}: {self.grade}"
