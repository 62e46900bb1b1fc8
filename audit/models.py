"""The audit trail: field-level history (django-simple-history on every domain model) plus
events for actions that change no row but matter (logins, imports, exports, downloads, purges)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from simple_history import register
from simple_history.models import HistoricalRecords


class AuditEvent(models.Model):
    """One thing that happened, with a dotted action code (`registrations.batch.exported`)."""

    action = models.CharField(max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True, help_text="Kept if the account goes")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.object_repr}"


# Staff accounts and their role (group) membership are audited too. The password hash and the
# last-login stamp are left out: history must not hold secrets, nor a row per login.
register(
    get_user_model(),
    app="audit",
    excluded_fields=["password", "last_login"],
    m2m_fields=["groups"],
)


# --- The tamper-evident ledger (see audit/integrity.py). All three tables are insert-only. -------


class TrailEntry(models.Model):
    """The keyed digest of one history row or audit event, written in the same transaction."""

    table = models.CharField(max_length=120)  # model label, e.g. "registrations.historicalregistration"
    row_id = models.BigIntegerField()
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["table", "row_id"])]
        verbose_name_plural = "trail entries"

    def __str__(self) -> str:
        return f"{self.table} #{self.row_id}"


class TrailSeal(models.Model):
    """Seals every entry written since the previous seal: count, digest, link to the previous seal, MAC."""

    sealed_at = models.DateTimeField()
    first_entry_id = models.BigIntegerField()
    last_entry_id = models.BigIntegerField()
    entry_count = models.PositiveIntegerField()
    entries_digest = models.CharField(max_length=64)
    previous_mac = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Seal {self.pk}: entries {self.first_entry_id}–{self.last_entry_id}"


class TrailTombstone(models.Model):
    """Entries removed by a legitimate retention purge: table label, row id and digest only (no personal data)."""

    purge_reference = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)
    entries = models.JSONField(default=list)  # [[entry_id, table, row_id, digest], ...]
    mac = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"Purge tombstone {self.purge_reference[:8]} ({len(self.entries)} entries)"


# --- Retention -----------------------------------------------------------------------------------


class RetentionPolicy(models.Model):
    """How long learners' records are kept after their last certification (or last registration end).

    One row, edited by an administrator; the centre's policy says three years.
    """

    years = models.PositiveSmallIntegerField(default=3, help_text="Years kept after the last certification.")
    note = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "retention policy"

    def __str__(self) -> str:
        return f"Keep records {self.years} years after certification"

    @classmethod
    def current_years(cls) -> int:
        row = cls.objects.order_by("id").first()
        return row.years if row else 3


class RetentionHold(models.Model):
    """Keeps a learner's records past the retention period (an investigation, an appeal, a legal hold)."""

    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="retention_holds")
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_on = models.DateField(auto_now_add=True)
    released_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-placed_on", "-id"]

    def __str__(self) -> str:
        return f"Hold on {self.learner_id}: {self.reason[:60]}"


class PurgeRun(models.Model):
    """The purge log. Counts only: never names, ids of learners, or anything personal."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        INTERRUPTED = "stopped", "Interrupted (the next run finished the work)"
        DRY_RUN = "dry_run", "Dry run"

    reference = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField()
    retention_years = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    learners_purged = models.PositiveIntegerField(default=0)
    learners_held = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="Rows removed per table.")
    run_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Purge {self.started_at:%d/%m/%Y} as of {self.as_of:%d/%m/%Y}: {self.learners_purged} learners"


# --- Investigations ------------------------------------------------------------------------------


class Investigation(models.Model):
    """An inaccurate, early, late or fraudulent registration or claim, or a certificate discrepancy.

    Workflow (audit.services.INVESTIGATION_TRANSITIONS): open → gathering_evidence → concluded →
    reported_to_senior_leaders → reported_to_pearson → closed.
    """

    class Kind(models.TextChoices):
        INACCURATE_REGISTRATION = "inaccurate_registration", "Inaccurate registration"
        EARLY_REGISTRATION = "early_registration", "Early registration"
        LATE_REGISTRATION = "late_registration", "Late registration"
        FRAUDULENT_REGISTRATION = "fraudulent_registration", "Fraudulent registration"
        INACCURATE_CLAIM = "inaccurate_claim", "Inaccurate certification claim"
        EARLY_CLAIM = "early_claim", "Early certification claim"
        LATE_CLAIM = "late_claim", "Late certification claim"
        FRAUDULENT_CLAIM = "fraudulent_claim", "Fraudulent certification claim"
        CERTIFICATE_DISCREPANCY = "certificate_discrepancy", "Certificate discrepancy"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        GATHERING_EVIDENCE = "gathering_evidence", "Gathering evidence"
        CONCLUDED = "concluded", "Concluded"
        REPORTED_TO_SENIOR_LEADERS = "reported_to_senior_leaders", "Reported to senior leaders"
        REPORTED_TO_PEARSON = "reported_to_pearson", "Reported to Pearson"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        NO_CASE = "no_case", "No case to answer"
        MALADMINISTRATION = "maladministration", "Maladministration (staff or centre)"
        MALPRACTICE = "malpractice", "Malpractice (candidate)"

    class PearsonForm(models.TextChoices):
        M1 = "M1", "JCQ M1 (candidate malpractice)"
        M2 = "M2", "JCQ M2 (staff/centre maladministration)"

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    state = models.CharField(max_length=30, choices=State.choices, default=State.OPEN, db_index=True)
    summary = models.TextField(help_text="What is suspected, in plain words.")
    learner = models.ForeignKey(
        "learners.Learner", null=True, blank=True, on_delete=models.PROTECT, related_name="investigations"
    )
    programme = models.ForeignKey(
        "registrations.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="investigations"
    )
    object_type = models.CharField(max_length=100, blank=True, help_text="Model label of the record concerned")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    breach_key = models.CharField(max_length=120, blank=True, db_index=True)
    investigator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="investigations")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    conclusion = models.TextField(blank=True)
    concluded_on = models.DateField(null=True, blank=True)
    reported_to_senior_leaders_on = models.DateField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    pearson_form = models.CharField(max_length=2, choices=PearsonForm.choices, blank=True)
    pearson_sent_on = models.DateField(null=True, blank=True)
    pearson_reference = models.CharField(max_length=60, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_on", "-id"]
        permissions = [
            ("run_investigation", "Can open and run investigations"),
            ("acknowledge_investigation", "Can acknowledge an investigation report as a senior leader"),
            ("view_integrity", "Can see the audit-trail integrity and retention pages"),
            ("view_reports", "Can view, print and download the audit reports for senior management"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["breach_key"], condition=~models.Q(breach_key=""), name="one_investigation_per_breach"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("audit:investigation_detail", args=[self.pk])


class InvestigationEvidence(models.Model):
    """A note and/or a file. File bytes are kept in the database so the retention purge covers them."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="evidence")
    note = models.TextField(blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    file_data = models.BinaryField(null=True, blank=True, editable=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["file_data"])

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.file_name or self.note[:60]
