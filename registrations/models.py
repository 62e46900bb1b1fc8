"""Qualifications, programmes and learners' registrations with Pearson."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.scoping import scope_by_programme
from core.validators import validate_academic_year, validate_centre_number, validate_qualification_number
from learners.models import Centre, Learner


class QualificationSuite(models.Model):
    """A family of BTEC qualifications (e.g. "BTEC Nationals (2016)") and the rules that
    Pearson sets for it, which change over time and so are data, not code."""

    name = models.CharField(max_length=100, unique=True)
    external_resit_limit = models.PositiveSmallIntegerField(
        default=1, help_text="How many resits of an externally assessed unit are allowed (DOMAIN: one)."
    )
    terminal_rule = models.BooleanField(
        default=False,
        help_text="External component must be taken in the series in which the learner certificates "
        "(Tech Awards 2022).",
    )
    near_pass_grade = models.BooleanField(default=False, help_text="Units may be graded N (near pass).")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GradingScale(models.TextChoices):
    SINGLE = "single", "Single (P, M, D, D*)"
    DOUBLE = "double", "Double (PP … D*D*)"
    TRIPLE = "triple", "Triple (PPP … D*D*D*)"
    TECH_AWARD = "tech_award", "Tech Award (L1P … L2D*)"


QUALIFICATION_GRADES = {
    GradingScale.SINGLE: ["U", "P", "M", "D", "D*"],
    GradingScale.DOUBLE: ["U", "PP", "MP", "MM", "DM", "DD", "D*D", "D*D*"],
    GradingScale.TRIPLE: ["U", "PPP", "MPP", "MMP", "MMM", "DMM", "DDM", "DDD", "D*DD", "D*D*D", "D*D*D*"],
    GradingScale.TECH_AWARD: ["U", "L1P", "L1M", "L1D", "L2P", "L2M", "L2D", "L2D*"],
}


class Qualification(models.Model):
    """A BTEC qualification as Pearson lists it, identified by its qualification number."""

    qan = models.CharField(
        "qualification number", max_length=10, unique=True, validators=[validate_qualification_number]
    )
    title = models.CharField(max_length=200)
    level = models.CharField(max_length=10, help_text="e.g. 1, 2, 3 or 1/2")
    suite = models.ForeignKey(QualificationSuite, on_delete=models.PROTECT, related_name="qualifications")
    size_glh = models.PositiveIntegerField("size (GLH)")
    grading_scale = models.CharField(max_length=12, choices=GradingScale.choices, default=GradingScale.SINGLE)
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        constraints = [models.CheckConstraint(condition=Q(size_glh__gt=0), name="qualification_size_positive")]

    def __str__(self) -> str:
        return f"{self.title} ({self.qan})"

    @property
    def grades(self) -> list[str]:
        return QUALIFICATION_GRADES[self.grading_scale]


class Unit(models.Model):
    """A unit of a qualification: internally assessed (centre-marked, internally verified) or
    externally assessed (set and marked by Pearson in a series)."""

    class Assessment(models.TextChoices):
        INTERNAL = "internal", "Internally assessed"
        EXTERNAL = "external", "Externally assessed"

    qualification = models.ForeignKey(Qualification, on_delete=models.CASCADE, related_name="units")
    number = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    glh = models.PositiveIntegerField("GLH")
    assessment = models.CharField(max_length=8, choices=Assessment.choices, default=Assessment.INTERNAL)
    mandatory = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["qualification", "number"]
        constraints = [
            models.UniqueConstraint(fields=["qualification", "number"], name="unit_number_unique_per_qualification")
        ]

    def __str__(self) -> str:
        return f"Unit {self.number}: {self.title}"

    @property
    def is_external(self) -> bool:
        return self.assessment == self.Assessment.EXTERNAL


class RegistrationMode(models.TextChoices):
    ACADEMIC_YEAR = "academic_year", "Academic year (register by the yearly deadline)"
    ROLL_ON_ROLL_OFF = "roll_on_roll_off", "Roll-on/roll-off (register within weeks of enrolment)"


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProgrammeQuerySet":
        return scope_by_programme(self, user, None)


class Programme(models.Model):
    """A qualification delivered at a centre to one cohort, led by one or more subject leads."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="programmes")
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(max_length=120, help_text="How staff know the cohort, e.g. “Sport L3 Year 12 (2026–28)”")
    academic_year = models.CharField(
        max_length=7, validators=[validate_academic_year], help_text="Year the cohort starts, e.g. 2026/27"
    )
    registration_mode = models.CharField(
        max_length=20, choices=RegistrationMode.choices, default=RegistrationMode.ACADEMIC_YEAR
    )
    start_date = models.DateField()
    planned_end_date = models.DateField()
    approved_to = models.DateField(
        "Approved To", help_text="Pearson's approval ends: no registrations after this date."
    )
    certificate_end = models.DateField(
        "Certificate End", help_text="Last date Pearson accepts certificate claims for this programme."
    )
    subject_leads = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="led_programmes")
    is_active = models.BooleanField(default=True)
    certification_blocked = models.BooleanField(
        default=False, help_text="Pearson has blocked certification (e.g. a failed standards-verification sample)."
    )
    history = HistoricalRecords(m2m_fields=[subject_leads])
    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["-academic_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__gt=F("start_date")),
                name="programme_ends_after_it_starts",
                violation_error_message="The planned end date must be after the start date.",
            ),
            models.CheckConstraint(
                condition=Q(certificate_end__gte=F("start_date")),
                name="programme_certificate_end_after_start",
                violation_error_message="The Certificate End date must be after the start date.",
            ),
            models.UniqueConstraint(fields=["centre", "name"], name="programme_name_unique_per_centre"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registrations:programme_detail", args=[self.pk])


class DeadlineRule(models.Model):
    """When registrations are due, per academic year and mode. Edited yearly by an administrator.

    Academic-year programmes: due by `deadline` (1 November). Roll-on/roll-off: due
    `weeks_after_enrolment` weeks after the learner's enrolment date.
    """

    academic_year = models.CharField(max_length=7, validators=[validate_academic_year])
    registration_mode = models.CharField(max_length=20, choices=RegistrationMode.choices)
    deadline = models.DateField(null=True, blank=True)
    weeks_after_enrolment = models.PositiveSmallIntegerField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-academic_year", "registration_mode"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "registration_mode"], name="one_deadline_rule_per_year_mode"),
            models.CheckConstraint(
                condition=(Q(registration_mode=RegistrationMode.ACADEMIC_YEAR, deadline__isnull=False))
                | (Q(registration_mode=RegistrationMode.ROLL_ON_ROLL_OFF, weeks_after_enrolment__isnull=False)),
                name="deadline_rule_has_its_date_or_weeks",
            ),
        ]

    def __str__(self) -> str:
        if self.deadline:
            return f"{self.academic_year} {self.get_registration_mode_display()}: by {self.deadline:%d/%m/%Y}"
        return f"{self.academic_year} {self.get_registration_mode_display()}: {self.weeks_after_enrolment} weeks"


class LateFeeBand(models.Model):
    """A late-fee band: registrations made `from_days_late` or more days after the due date cost
    `multiplier` × the normal fee (2024/25: 1 day ×1.05, 53 days ×1.10, 92 days ×1.25)."""

    rule = models.ForeignKey(DeadlineRule, on_delete=models.CASCADE, related_name="fee_bands")
    from_days_late = models.PositiveIntegerField()
    multiplier = models.DecimalField(max_digits=4, decimal_places=2)
    label = models.CharField(max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rule", "from_days_late"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "from_days_late"], name="fee_band_unique_start"),
            models.CheckConstraint(condition=Q(multiplier__gte=1), name="fee_band_multiplier_at_least_one"),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.from_days_late}+ days late ×{self.multiplier}"


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RegistrationQuerySet":
        return scope_by_programme(self, user, "programme")

    def live(self) -> "RegistrationQuerySet":
        """Registrations that still count: not deleted, not transferred away."""
        return self.exclude(state__in=Registration.CLOSED_STATES)


class Registration(models.Model):
    """A learner's registration on a programme with Pearson.

    States and the moves between them are in `registrations.services.TRANSITIONS`; every move goes
    through a service function that checks it and records who and why.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted to Pearson"
        REGISTERED = "registered", "Registered"
        WITHDRAWN = "withdrawn", "Withdrawn"
        DELETED = "deleted", "Deleted"
        TRANSFERRED_OUT = "transferred_out", "Transferred out"
        CERTIFICATED = "certificated", "Certificated"
        GRADE_DECLINED = "grade_declined", "Grade declined"

    class RegistrationType(models.TextChoices):
        FULL_AWARD = "full_award", "Full Award"
        INDIVIDUAL_UNITS = "individual_units", "Individual Units"

    CLOSED_STATES = (State.DELETED, State.TRANSFERRED_OUT)
    # Pearson holds the learner's details from submission on (a deleted registration is gone, a
    # transferred one is not): a correction of legal name, date of birth, sex or ULN must be notified.
    HELD_BY_PEARSON = (State.SUBMITTED, State.REGISTERED, State.WITHDRAWN, State.TRANSFERRED_OUT,
                       State.CERTIFICATED, State.GRADE_DECLINED)

    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="registrations")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="registrations")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    registration_type = models.CharField(
        max_length=20, choices=RegistrationType.choices, default=RegistrationType.FULL_AWARD
    )
    pearson_registration_number = models.CharField(max_length=40, blank=True, db_index=True)
    enrolment_date = models.DateField(help_text="When the learner started the programme.")
    planned_completion_date = models.DateField()
    late_reason = models.TextField(blank=True, help_text="Why the registration went to Pearson after its due date.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    registered_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    deleted_on = models.DateField(null=True, blank=True)
    transferred_on = models.DateField(null=True, blank=True)
    certificated_on = models.DateField(
        null=True, blank=True, help_text="Date of certification: starts the three-year retention clock."
    )
    transferred_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="transferred_from"
    )
    batch = models.ForeignKey(
        "RegistrationBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="registrations",
        help_text="The bulk registration file this registration was sent to Pearson in.",
    )
    centre_reference = models.CharField(
        max_length=10, null=True, blank=True, unique=True,
        help_text="Our reference for the row in Pearson's file (≤ 10 letters/digits); Pearson's report quotes it back.",
    )
    pearson_first_names = models.CharField(
        max_length=20, blank=True, help_text="First names as sent to Pearson (upper case, transliterated with the officer's confirmation)."
    )
    pearson_last_names = models.CharField(max_length=30, blank=True, help_text="Last names as sent to Pearson.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "learner"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "programme"],
                condition=~Q(state__in=["deleted", "transferred_out"]),
                name="one_live_registration_per_learner_and_programme",
                violation_error_message="This learner is already registered on this programme.",
            ),
            models.CheckConstraint(
                condition=Q(planned_completion_date__gt=F("enrolment_date")),
                name="registration_completes_after_enrolment",
                violation_error_message="Planned completion must be after the enrolment date.",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["registered", "withdrawn", "certificated", "grade_declined"])
                | ~Q(pearson_registration_number=""),
                name="registered_has_pearson_number",
                violation_error_message="A registered learner must have Pearson's registration number.",
            ),
        ]
        indexes = [models.Index(fields=["programme", "state"]), models.Index(fields=["state", "enrolment_date"])]

    def __str__(self) -> str:
        return f"{self.learner} on {self.programme}"

    def get_absolute_url(self) -> str:
        return reverse("registrations:registration_detail", args=[self.pk])


class PearsonNotification(models.Model):
    """Something Pearson must be told (a withdrawal, a transfer, a corrected name, a changed entry).

    Raised by the service that made the change; it stays *owed* until an exams officer records
    when it was sent. The queue of owed notifications is on the exams officer's home page.
    """

    class Kind(models.TextChoices):
        WITHDRAWAL = "withdrawal", "Withdrawal"
        REINSTATEMENT = "reinstatement", "Reinstatement"
        DELETION = "deletion", "Deletion"
        TRANSFER_PROGRAMME = "transfer_programme", "Transfer between programmes"
        TRANSFER_SITE = "transfer_site", "Transfer between sites"
        TRANSFER_OUT = "transfer_out", "Transfer out"
        TRANSFER_IN = "transfer_in", "Transfer in from another centre"
        LEARNER_DETAILS = "learner_details", "Change of learner details"
        REGISTRATION_DETAILS = "registration_details", "Change of registration details"
        GRADE_DECLINE = "grade_decline", "Certificated grade declined"
        ENTRY_WITHDRAWAL = "entry_withdrawal", "Exam entry withdrawn"
        ENTRY_SWAP = "entry_swap", "Exam entry changed"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="pearson_notifications")
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.PROTECT, related_name="pearson_notifications"
    )
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True, help_text="What changed: field → [old, new].")
    reason = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_reference = models.CharField(max_length=100, blank=True, help_text="Pearson's reference, if any.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True, sent_by__isnull=True) | Q(sent_at__isnull=False, sent_by__isnull=False),
                name="notification_sent_has_who_and_when",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    @property
    def is_owed(self) -> bool:
        return self.sent_at is None


class RegistrationBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RegistrationBatchQuerySet":
        return scope_by_programme(self, user, "programme")


class RegistrationBatch(models.Model):
    """One bulk registration file sent to Pearson: the group header, its learners and the file itself."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="registration_batches")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="registration_batches")
    registration_type = models.CharField(max_length=20, choices=Registration.RegistrationType.choices)
    enrolment_date = models.DateField()
    order_number = models.CharField(max_length=12, help_text="Up to 12 letters and digits; quoted on Pearson's invoice.")
    study_mode = models.CharField(max_length=2, choices=[("FT", "Full-time"), ("PT", "Part-time")], default="FT")
    late_reason = models.TextField(blank=True)
    filename = models.CharField(max_length=120)
    file_data = models.BinaryField(help_text="The spreadsheet exactly as it was downloaded for Pearson.")
    learner_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["file_data"])
    objects = RegistrationBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "order_number"], name="batch_order_number_unique_per_centre"),
            models.CheckConstraint(condition=Q(order_number__regex=r"^[A-Za-z0-9]{1,12}$"), name="batch_order_number_alphanumeric"),
        ]

    def __str__(self) -> str:
        return f"Batch {self.order_number} ({self.programme})"

    def get_absolute_url(self) -> str:
        return reverse("registrations:batch_detail", args=[self.pk])


class TransferInQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TransferInQuerySet":
        return scope_by_programme(self, user, "registration__programme")


class TransferIn(models.Model):
    """A learner arriving from another centre part-way through a qualification, and the checks that
    their previous registration and achievement are accounted for (policy: in-year transfers)."""

    CHECKS = {
        "previous_registration_confirmed": "Previous registration confirmed",
        "prior_achievement_accounted_for": "Prior achievement accounted for",
        "records_received": "Records received from the previous centre",
    }

    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="transfer_in")
    previous_centre_number = models.CharField(max_length=5, validators=[validate_centre_number])
    previous_registration_number = models.CharField(max_length=40)
    previous_centre_name = models.CharField(max_length=200, blank=True)
    previous_registration_confirmed = models.BooleanField(default=False)
    prior_achievement_accounted_for = models.BooleanField(default=False)
    records_received = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    objects = TransferInQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Transfer in of {self.registration.learner} from centre {self.previous_centre_number}"

    @property
    def checklist(self) -> list[tuple[str, str, bool]]:
        return [(name, label, getattr(self, name)) for name, label in self.CHECKS.items()]

    @property
    def is_complete(self) -> bool:
        return all(getattr(self, name) for name in self.CHECKS)

    @property
    def state_label(self) -> str:
        done = sum(getattr(self, name) for name in self.CHECKS)
        return "Checked and accounted for" if self.is_complete else f"Checks outstanding ({done} of {len(self.CHECKS)} done)"


class TransferInUnit(models.Model):
    """A unit the learner achieved at the previous centre, with its grade."""

    transfer = models.ForeignKey(TransferIn, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=4)
    history = HistoricalRecords()

    class Meta:
        ordering = ["transfer", "unit"]
        constraints = [models.UniqueConstraint(fields=["transfer", "unit"], name="transfer_in_unit_once")]

    def __str__(self) -> str:
        return f"{self.unit}: {self.grade}"
