"""Registration check lists for subject leads, and learners' registration statements.

A *round* (opened by the exams officer) takes a snapshot, per programme, of what Pearson holds for
each registered or submitted learner. The programme's subject lead gives each snapshot line a verdict
and signs the list off; verdicts that say something is wrong, learners missing from the list and
learners' own reports become *discrepancies* that the exams officer resolves by acting on them.
A *statement* tells one learner what Pearson holds for them and carries a personal link on which the
learner confirms the details or reports what is wrong.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.scoping import scope_by_programme
from learners.models import Sex
from registrations.models import Programme, Registration

# Fields a subject lead or a learner can say are wrong, and how to put each right.
LEARNER_FIELDS = {
    "legal_first_name": "Legal first name(s)",
    "legal_last_name": "Legal last name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "uln": "ULN",
}
FIELD_CHOICES = [*LEARNER_FIELDS.items(), ("qualification", "Qualification"), ("other", "Something else")]


class CheckRound(models.Model):
    """One round of registration checks with the subject leads (e.g. "Autumn term 2026")."""

    name = models.CharField(max_length=120)
    due_date = models.DateField(help_text="When subject leads must have signed off their lists.")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("checks:round_detail", args=[self.pk])


class ProgrammeCheckQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProgrammeCheckQuerySet":
        return scope_by_programme(self, user, "programme")


class ProgrammeCheck(models.Model):
    """One programme's check list in a round: the snapshot lines, and who signed it off when."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        SIGNED_OFF = "signed_off", "Signed off"
        OVERDUE = "overdue", "Overdue"

    round = models.ForeignKey(CheckRound, on_delete=models.CASCADE, related_name="checks")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="registration_checks")
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    reopened_reason = models.TextField(blank=True, help_text="Why the exams officer last reopened the list.")
    history = HistoricalRecords()
    objects = ProgrammeCheckQuerySet.as_manager()

    class Meta:
        ordering = ["round", "programme__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "programme"], name="one_check_list_per_programme_per_round"),
            models.CheckConstraint(
                condition=Q(signed_off_at__isnull=True, signed_off_by__isnull=True)
                | Q(signed_off_at__isnull=False, signed_off_by__isnull=False),
                name="check_sign_off_has_who_and_when",
            ),
        ]
        permissions = [
            ("sign_off_programmecheck", "Can record verdicts on and sign off a check list"),
            ("reopen_programmecheck", "Can reopen a signed-off check list"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} — {self.round}"

    def get_absolute_url(self) -> str:
        return reverse("checks:checklist", args=[self.pk])

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    def state_for(self, *, decided: int, total: int, today=None) -> str:
        """The list's state given how many of its `total` lines have a verdict."""
        if self.is_signed_off:
            return self.State.SIGNED_OFF
        today = today or timezone.localdate()
        if self.round.due_date < today:
            return self.State.OVERDUE
        return self.State.IN_PROGRESS if decided else self.State.NOT_STARTED


class CheckLine(models.Model):
    """What Pearson held for one learner when the round was opened. Never changed after it is
    written (so it keeps no history of its own); the subject lead's verdict is a CheckVerdict."""

    check_list = models.ForeignKey(ProgrammeCheck, on_delete=models.CASCADE, related_name="lines")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="check_lines")
    legal_first_name = models.CharField(max_length=60)
    legal_last_name = models.CharField(max_length=60)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    uln = models.CharField("ULN", max_length=10, blank=True)
    qualification = models.CharField(max_length=230)
    pearson_registration_number = models.CharField(max_length=40, blank=True)
    registration_state = models.CharField(max_length=20, choices=Registration.State.choices)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["check_list", "registration"], name="one_line_per_registration_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.legal_last_name.upper()}, {self.legal_first_name}"

    @property
    def current_verdict(self) -> "CheckVerdict | None":
        """The verdict, or None (templates: one lookup instead of an exception per attribute)."""
        return getattr(self, "verdict", None)

    @property
    def current_discrepancy(self) -> "Discrepancy | None":
        return getattr(self, "discrepancy", None)

    def snapshot_value(self, field: str) -> str:
        if field == "date_of_birth":
            return self.date_of_birth.strftime("%d/%m/%Y")
        if field == "sex":
            return self.get_sex_display()
        if field == "uln":
            return self.uln or "not yet known"
        return str(getattr(self, field, ""))


class CheckVerdict(models.Model):
    """A subject lead's verdict on one line. `version` goes up at every change, so two leads
    working on the same list at once cannot overwrite each other's verdicts unknowingly."""

    class Verdict(models.TextChoices):
        CORRECT = "correct", "Correct"
        INCORRECT = "incorrect", "Incorrect"
        NOT_ON_PROGRAMME = "not_on_programme", "Should not be on this programme"

    line = models.OneToOneField(CheckLine, on_delete=models.CASCADE, related_name="verdict")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    field = models.CharField(max_length=20, choices=FIELD_CHOICES, blank=True, help_text="The field that is wrong.")
    correct_value = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(verdict="incorrect") | ~Q(field=""),
                name="incorrect_verdict_names_the_field",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} ({self.line})"

    @property
    def summary(self) -> str:
        if self.verdict == self.Verdict.INCORRECT:
            return f"{self.get_field_display()} should be “{self.correct_value}”"
        return self.get_verdict_display()


class DiscrepancyQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DiscrepancyQuerySet":
        return scope_by_programme(self, user, "programme")

    def unresolved(self) -> "DiscrepancyQuerySet":
        return self.filter(state=Discrepancy.State.OPEN)


class Discrepancy(models.Model):
    """Something a subject lead or a learner says is wrong with a registration, for the exams
    officer to put right (or dismiss, with a reason)."""

    class Kind(models.TextChoices):
        INCORRECT_DETAIL = "incorrect_detail", "Incorrect detail"
        NOT_ON_PROGRAMME = "not_on_programme", "Should not be on this programme"
        MISSING_LEARNER = "missing_learner", "Attends but is missing from the list"
        LEARNER_REPORT = "learner_report", "Reported by the learner"

    class State(models.TextChoices):
        DRAFT = "draft", "Not yet submitted"
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"
        WITHDRAWN = "withdrawn", "Withdrawn by the subject lead"

    class Action(models.TextChoices):
        CORRECT = "correct", "Correct the learner's details (Pearson is told)"
        REGISTER = "register", "Register the missing learner (a draft registration)"
        WITHDRAW = "withdraw", "Withdraw the registration (Pearson is told)"
        TRANSFER = "transfer", "Transfer to another programme (Pearson is told)"
        DISMISS = "dismiss", "Dismiss (nothing needs changing)"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="discrepancies")
    check_list = models.ForeignKey(
        ProgrammeCheck, null=True, blank=True, on_delete=models.CASCADE, related_name="discrepancies"
    )
    line = models.OneToOneField(
        CheckLine, null=True, blank=True, on_delete=models.CASCADE, related_name="discrepancy"
    )
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancies"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    field = models.CharField(max_length=20, choices=FIELD_CHOICES, blank=True)
    correct_value = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    # A learner missing from the list: who they are, as the subject lead knows them.
    first_name = models.CharField("first name(s)", max_length=60, blank=True)
    last_name = models.CharField(max_length=60, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    mis_id = models.CharField("MIS id", max_length=30, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty when the learner reported it through their personal link.",
    )
    raised_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=Action.choices, blank=True)
    outcome = models.TextField(blank=True, help_text="What the exams officer did, and why.")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resulting_registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The registration created by registering or transferring the learner.",
    )
    history = HistoricalRecords()
    objects = DiscrepancyQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name_plural = "discrepancies"
        permissions = [("resolve_discrepancy", "Can resolve or dismiss a discrepancy")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["resolved", "dismissed"])
                | Q(resolved_by__isnull=False, resolved_at__isnull=False),
                name="discrepancy_resolution_has_who_and_when",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.who}"

    def get_absolute_url(self) -> str:
        return reverse("checks:discrepancy_detail", args=[self.pk])

    @property
    def who(self) -> str:
        if self.registration_id:
            return self.registration.learner.full_legal_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def what(self) -> str:
        if self.kind == self.Kind.MISSING_LEARNER:
            dob = f", born {self.date_of_birth:%d/%m/%Y}" if self.date_of_birth else ""
            return f"{self.first_name} {self.last_name}{dob} attends but is not on the list"
        if self.kind == self.Kind.NOT_ON_PROGRAMME:
            return "Should not be on this programme" + (f": {self.description}" if self.description else "")
        if self.field and self.field != "other":
            text = f"{self.get_field_display()} should be “{self.correct_value}”"
            return text + (f" ({self.description})" if self.description else "")
        return self.description or self.correct_value


class StatementQuerySet(models.QuerySet):
    def visible_to(self, user) -> "StatementQuerySet":
        return scope_by_programme(self, user, "registration__programme")


class Statement(models.Model):
    """A registration statement given to a learner (printed or e-mailed): what Pearson holds, as
    it stood when the statement was made, and the learner's answer through their personal link."""

    class Method(models.TextChoices):
        PRINTED = "printed", "Printed"
        EMAILED = "emailed", "E-mailed"

    class Response(models.TextChoices):
        NONE = "", "No answer yet"
        CONFIRMED = "confirmed", "Confirmed the details"
        REPORTED = "reported", "Reported a problem"

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="statements")
    method = models.CharField(max_length=10, choices=Method.choices)
    details = models.JSONField(help_text="The learner's details exactly as on the statement.")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    email_to = models.EmailField(blank=True)
    nonce = models.CharField(max_length=40, unique=True, help_text="Identifies the personal link (signed).")
    expires_at = models.DateTimeField()
    response = models.CharField(max_length=10, choices=Response.choices, blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    report_text = models.TextField(blank=True)
    history = HistoricalRecords()
    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        permissions = [("issue_statement", "Can print or e-mail registration statements")]
        indexes = [models.Index(fields=["registration", "issued_at"])]

    def __str__(self) -> str:
        return f"Statement {self.issued_at:%d/%m/%Y} ({self.get_method_display().lower()}) for {self.registration}"

    @property
    def link_used(self) -> bool:
        return self.responded_at is not None

