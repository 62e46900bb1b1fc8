"""The five printable audit reports for senior management: the figures, as selector-style reads.

Each `*_report(user=, date_from=, date_to=, programme=None)` returns a `Report` whose figures are
computed with a fixed number of aggregate queries (no query per row), whatever the amount of data:
per-programme summary rows for the screen and the PDF, and `detail()` (one more query) for the `.xlsx`.

    report = build("registrations", user=request.user, date_from=..., date_to=..., programme=None)

Periods are inclusive of both dates; a date-time (submitted_at, raised_at, ...) falls in the period
when its local date does.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from core.roles import sees_whole_centre

NO_PROGRAMME = "No programme"


@dataclass
class Bar:
    label: str
    value: int
    y: int = 0
    width: int = 0


@dataclass
class Chart:
    """A horizontal bar chart drawn as inline SVG by templates/audit/reports/_chart.html."""

    title: str
    bars: list[Bar]
    label_width: int = 190
    plot_width: int = 300
    bar_height: int = 16
    gap: int = 6

    def __post_init__(self):
        top = max([b.value for b in self.bars] + [1])
        for i, bar in enumerate(self.bars):
            bar.y = i * (self.bar_height + self.gap)
            bar.width = round(self.plot_width * bar.value / top) if bar.value > 0 else 0

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * (self.bar_height + self.gap)

    @property
    def width(self) -> int:
        return self.label_width + self.plot_width + 50

    @property
    def text_dy(self) -> int:
        return self.bar_height - 4


@dataclass
class Report:
    slug: str
    title: str
    date_from: date
    date_to: date
    programme: object = None
    headline: list[tuple[str, object]] = field(default_factory=list)  # [(label, value)]
    charts: list[Chart] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # summary table headers
    rows: list[list] = field(default_factory=list)  # summary table rows (first cell: programme)
    totals: list | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # report-specific sections for the template
    detail: Callable[[], tuple[list[str], list[list]]] | None = None  # for the .xlsx

    @property
    def table(self) -> list[list[tuple[str, bool]]]:
        """Summary rows as (text, is_number) cells for the templates (UK dates)."""
        return [[_cell(v) for v in row] for row in self.rows]

    @property
    def totals_cells(self) -> list[tuple[str, bool]]:
        return [_cell(v) for v in self.totals] if self.totals else []

    @property
    def period(self) -> str:
        return f"{self.date_from:%d/%m/%Y} to {self.date_to:%d/%m/%Y}"


def _cell(value) -> tuple[str, bool]:
    if isinstance(value, bool):
        return ("Yes" if value else "No"), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, (date, datetime)):
        return _fmt(value), False
    return ("" if value is None else str(value)), False


# --- helpers ----------------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _day_end(day: date) -> datetime:
    return _day_start(day + timedelta(days=1))


def _programmes(user, programme):
    from registrations.models import Programme

    qs = Programme.objects.visible_to(user) if sees_whole_centre(user) else Programme.objects.none()
    if programme is not None:
        qs = qs.filter(pk=programme.pk)
    return {p.pk: p.name for p in qs.order_by("name").only("pk", "name")}


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _totals(rows: list[list], first: str = "All programmes") -> list:
    if not rows:
        return []
    out = [first]
    for i in range(1, len(rows[0])):
        values = [r[i] for r in rows]
        out.append(sum(values) if all(isinstance(v, int) for v in values) else "")
    return out


def _fmt(d) -> str:
    if isinstance(d, datetime):
        return timezone.localtime(d).strftime("%d/%m/%Y %H:%M")
    return d.strftime("%d/%m/%Y") if d else ""


# --- a. registration timeliness and accuracy --------------------------------------------------------


def _registration_rules():
    from registrations.deadlines import _rules

    return _rules()  # two small queries: the rules and their fee bands


def _deadlines(rules) -> dict:
    """(academic year, mode) -> (fixed deadline or None, weeks after enrolment or None, [(from_days_late, band)])."""
    from registrations.models import RegistrationMode

    return {
        key: (rule.deadline if rule.registration_mode == RegistrationMode.ACADEMIC_YEAR else None,
              rule.weeks_after_enrolment if rule.registration_mode != RegistrationMode.ACADEMIC_YEAR else None,
              [(b.from_days_late, b) for b in sorted(rule.fee_bands.all(), key=lambda b: b.from_days_late)])
        for key, rule in rules.items()
    }


def _due(deadlines, academic_year, mode, enrolment_date):
    found = deadlines.get((academic_year, mode))
    if found is None:
        return None
    deadline, weeks, _bands = found
    return deadline if deadline is not None else enrolment_date + timedelta(weeks=weeks)


def _timeliness(deadlines, academic_year, mode, enrolment_date, sent_on):
    """('on_time' | 'late' | 'no_rule', due date, fee band or None) for one sent registration."""
    due = _due(deadlines, academic_year, mode, enrolment_date)
    if due is None:
        return "no_rule", None, None
    if sent_on <= due:
        return "on_time", due, None
    days = (sent_on - due).days
    bands = [band for start, band in deadlines[(academic_year, mode)][2] if start <= days]
    return "late", due, bands[-1] if bands else None


def registration_report(*, user, date_from: date, date_to: date, programme=None) -> Report:
    from checks.models import Discrepancy, ProgrammeCheck
    from registrations.models import PearsonNotification, Registration

    names = _programmes(user, programme)
    deadlines = _deadlines(_registration_rules())
    start, end = _day_start(date_from), _day_end(date_to)
    per = defaultdict(lambda: defaultdict(int))
    bands_seen: dict[str, int] = {}
    rule_fields = ("programme_id", "programme__academic_year", "programme__registration_mode", "enrolment_date")

    # Counted in the database per (programme, enrolment date, moment sent): a bulk registration file
    # stamps all its learners with one moment, so a year's thousands of rows come back as a few hundred
    # groups (grouping by the raw value also spares SQLite a time-zone conversion per row).
    sent = Registration.objects.filter(programme_id__in=names, submitted_at__gte=start, submitted_at__lt=end)
    for g in sent.values(*rule_fields, "submitted_at").annotate(n=Count("pk")).order_by():
        pid, enrolled, sent_on, n = g["programme_id"], g["enrolment_date"], timezone.localdate(g["submitted_at"]), g["n"]
        verdict, _due_on, band = _timeliness(deadlines, g["programme__academic_year"], g["programme__registration_mode"],
                                             enrolled, sent_on)
        row = per[pid]
        row["sent"] += n
        row[verdict] += n
        if sent_on < enrolled:
            row["early"] += n
        if verdict == "late":
            key = str(band) if band else "Late, no fee band"
            bands_seen.setdefault(key, band.from_days_late if band else -1)
            row["band:" + key] += n

    # Still not sent at the end of the period although due by then (drafts, or sent after the period).
    unsent = Registration.objects.filter(programme_id__in=names).filter(
        Q(state=Registration.State.DRAFT, submitted_at__isnull=True) | Q(submitted_at__gte=end)
    ).exclude(state__in=Registration.CLOSED_STATES)
    for g in unsent.values(*rule_fields).annotate(n=Count("pk")).order_by():
        due = _due(deadlines, g["programme__academic_year"], g["programme__registration_mode"], g["enrolment_date"])
        if due is not None and due < date_to:
            per[g["programme_id"]]["overdue"] += g["n"]

    checks = ProgrammeCheck.objects.filter(programme_id__in=names, round__opened_at__gte=start, round__opened_at__lt=end)
    for r in checks.values("programme_id").annotate(
        lists=Count("pk"),
        signed=Count("pk", filter=Q(signed_off_at__isnull=False, signed_off_at__lt=end)),
    ):
        per[r["programme_id"]]["lists"] += r["lists"]
        per[r["programme_id"]]["signed"] += r["signed"]

    discrepancies = Discrepancy.objects.filter(programme_id__in=names, raised_at__gte=start, raised_at__lt=end).exclude(
        state=Discrepancy.State.DRAFT)
    for r in discrepancies.values("programme_id").annotate(
        raised=Count("pk"), unresolved=Count("pk", filter=Q(state=Discrepancy.State.OPEN)),
    ):
        per[r["programme_id"]]["discrepancies"] += r["raised"]
        per[r["programme_id"]]["unresolved"] += r["unresolved"]

    owed = PearsonNotification.objects.filter(raised_at__lt=end).filter(Q(sent_at__isnull=True) | Q(sent_at__gte=end))
    owed = owed.filter(registration__programme_id__in=names) if programme is not None or not sees_whole_centre(user) else owed.filter(
        Q(registration__programme_id__in=names) | Q(registration__isnull=True))
    for r in owed.values("registration__programme_id").annotate(n=Count("pk")):
        per[r["registration__programme_id"]]["owed"] += r["n"]

    band_labels = sorted(bands_seen, key=bands_seen.get)
    rows = []
    for pid, name in names.items():
        p = per.get(pid, {})
        rows.append([
            name, p.get("sent", 0), p.get("on_time", 0), p.get("late", 0),
            "; ".join(f"{b}: {p['band:' + b]}" for b in band_labels if p.get("band:" + b)) or "—",
            p.get("early", 0), p.get("overdue", 0), p.get("lists", 0), p.get("signed", 0),
            p.get("discrepancies", 0), p.get("unresolved", 0), p.get("owed", 0),
        ])
    if programme is None and per.get(None, {}).get("owed"):
        rows.append([NO_PROGRAMME, 0, 0, 0, "—", 0, 0, 0, 0, 0, 0, per[None]["owed"]])
    totals = _totals(rows)
    if totals:
        late_by_band = defaultdict(int)
        for pid in names:
            for b in band_labels:
                late_by_band[b] += per.get(pid, {}).get("band:" + b, 0)
        totals[4] = "; ".join(f"{b}: {late_by_band[b]}" for b in band_labels if late_by_band[b]) or "—"
    t = totals or ["", 0, 0, 0, "", 0, 0, 0, 0, 0, 0, 0]

    def detail():
        headers = ["Programme", "Learner", "Pearson number", "State", "Enrolled", "Sent to Pearson", "Due", "Timeliness",
                   "Late fee band", "Late reason"]
        out = []
        for (pname, year, mode, enrolled, submitted_at, first, last, number, state, late_reason) in sent.order_by(
            "programme__name", "learner__legal_last_name", "learner__legal_first_name", "pk"
        ).values_list("programme__name", "programme__academic_year", "programme__registration_mode", "enrolment_date",
                      "submitted_at", "learner__legal_first_name", "learner__legal_last_name",
                      "pearson_registration_number", "state", "late_reason").iterator(chunk_size=2000):
            sent_on = timezone.localdate(submitted_at)
            verdict, due, band = _timeliness(deadlines, year, mode, enrolled, sent_on)
            out.append([pname, f"{last.upper()}, {first}", number, Registration.State(state).label, enrolled, sent_on,
                        due, {"on_time": "On time", "late": "Late", "no_rule": "No deadline rule"}[verdict],
                        str(band) if band else "", late_reason])
        return headers, out

    return Report(
        slug="registrations", title="Registration timeliness and accuracy", date_from=date_from, date_to=date_to,
        programme=programme,
        headline=[
            ("Registrations sent to Pearson", t[1]), ("On time", f"{t[2]} ({_pct(t[2], t[1])})"),
            ("Late", f"{t[3]} ({_pct(t[3], t[1])})"), ("Due but not sent by the end of the period", t[6]),
            ("Check lists signed off", f"{t[8]} of {t[7]}"), ("Pearson notifications outstanding", t[11]),
        ],
        charts=[
            Chart("Registrations sent to Pearson", [Bar("On time", t[2]), Bar("Late", t[3]), Bar("Due, not sent", t[6])]),
            Chart("Late registrations by fee band", [Bar(b, sum(per.get(pid, {}).get("band:" + b, 0) for pid in names)) for b in band_labels]),
        ] if names else [],
        columns=["Programme", "Sent", "On time", "Late", "Late by fee band", "Sent before enrolment",
                 "Due, not sent", "Check lists", "Signed off", "Discrepancies raised", "Still open", "Notifications owed"],
        rows=rows, totals=totals or None,
        notes=[
            "Sent: registrations sent to Pearson in the period. On time / late: against the deadline rule for the "
            "programme's year and mode; late registrations are shown in their late-fee band.",
            "Due, not sent: registrations due before the end of the period that Pearson did not have by then.",
            "Check lists: lists in check rounds opened in the period, and how many were signed off by its end. "
            "Discrepancies: raised in the period by subject leads or learners; still open: not yet resolved.",
            "Notifications owed: things Pearson had to be told, raised by the end of the period and not sent by then.",
        ],
        detail=detail,
    )


# --- b. certification claims -------------------------------------------------------------------------


def _claims_in_period(names, date_from, date_to):
    from certification.models import CertificateClaim

    return CertificateClaim.objects.filter(
        registration__programme_id__in=names, submitted_on__gte=date_from, submitted_on__lte=date_to
    )


def claims_report(*, user, date_from: date, date_to: date, programme=None) -> Report:
    from certification.models import CertificateClaim, ClaimUnit, SampledClaim

    CS = CertificateClaim.State
    names = _programmes(user, programme)
    claims = _claims_in_period(names, date_from, date_to)
    per = defaultdict(lambda: defaultdict(int))
    for r in claims.values("registration__programme_id").annotate(
        n=Count("pk"),
        early=Count("pk", filter=Q(timing=CertificateClaim.Timing.EARLY)),
        on_time=Count("pk", filter=Q(timing=CertificateClaim.Timing.ON_TIME)),
        late=Count("pk", filter=Q(timing=CertificateClaim.Timing.LATE)),
        blocked=Count("pk", filter=Q(state=CS.BLOCKED)),
    ):
        per[r["registration__programme_id"]].update(r)
    # Gate 3 after the event: a claim that went to Pearson with a unit not backed by a verified record.
    unbacked = ClaimUnit.objects.filter(claim__in=claims).exclude(record__iv_outcome="agreed")
    for r in unbacked.values("claim__registration__programme_id").annotate(n=Count("claim", distinct=True)):
        per[r["claim__registration__programme_id"]]["unbacked"] = r["n"]
    samples = SampledClaim.objects.filter(claim__in=claims)
    for r in samples.values("claim__registration__programme_id").annotate(
        sampled=Count("claim", distinct=True),
        agreed=Count("pk", filter=Q(outcome=SampledClaim.Outcome.AGREED)),
        discrepancy=Count("pk", filter=Q(outcome=SampledClaim.Outcome.DISCREPANCY)),
        unresolved=Count("pk", filter=Q(outcome=SampledClaim.Outcome.DISCREPANCY, resolved=False)),
        pending=Count("pk", filter=Q(outcome=SampledClaim.Outcome.PENDING)),
    ):
        row = per[r.pop("claim__registration__programme_id")]
        row.update(r)

    rows = []
    for pid, name in names.items():
        p = per.get(pid, {})
        n, sampled = p.get("n", 0), p.get("sampled", 0)
        rows.append([name, n, p.get("early", 0), p.get("on_time", 0), p.get("late", 0), p.get("blocked", 0),
                     p.get("unbacked", 0), sampled, _pct(sampled, n), p.get("agreed", 0), p.get("discrepancy", 0),
                     p.get("unresolved", 0), p.get("pending", 0)])
    totals = _totals(rows)
    if totals:
        totals[8] = _pct(totals[7], totals[1])
    t = totals or ["", 0, 0, 0, 0, 0, 0, 0, "—", 0, 0, 0, 0]

    def detail():
        headers = ["Programme", "Learner", "Kind", "State", "Submitted", "Deadline", "Timing", "Reason for timing",
                   "Blocked because", "Sampled", "Sample outcome"]
        outcomes = defaultdict(list)
        for claim_id, outcome in samples.values_list("claim_id", "outcome"):
            outcomes[claim_id].append(SampledClaim.Outcome(outcome).label)
        out = []
        for (pk, pname, first, last, kind, state, submitted, deadline, timing, reason, block) in claims.order_by(
            "registration__programme__name", "registration__learner__legal_last_name", "pk"
        ).values_list("pk", "registration__programme__name", "registration__learner__legal_first_name",
                      "registration__learner__legal_last_name", "kind", "state", "submitted_on", "deadline", "timing",
                      "timing_reason", "block_reason").iterator(chunk_size=2000):
            out.append([pname, f"{last.upper()}, {first}", CertificateClaim.Kind(kind).label, CS(state).label,
                        submitted, deadline, CertificateClaim.Timing(timing).label if timing else "", reason, block,
                        "Yes" if pk in outcomes else "No", ", ".join(outcomes.get(pk, []))])
        return headers, out

    return Report(
        slug="claims", title="Certification claims", date_from=date_from, date_to=date_to, programme=programme,
        headline=[
            ("Claims submitted to Pearson", t[1]), ("Early", t[2]), ("On time", t[3]), ("Late", t[4]),
            ("Gate failures (blocked, or a unit not verified)", t[5] + t[6]),
            ("Sampled by the quality nominee", f"{t[7]} ({t[8]})"),
            ("Sampling discrepancies (still unresolved)", f"{t[10]} ({t[11]})"),
        ],
        charts=[
            Chart("Claim timeliness", [Bar("Early", t[2]), Bar("On time", t[3]), Bar("Late", t[4])]),
            Chart("Quality nominee sampling", [Bar("Sampled", t[7]), Bar("Agreed", t[9]), Bar("Discrepancy", t[10]),
                                               Bar("Not yet sampled", t[12])]),
        ] if names else [],
        columns=["Programme", "Claims", "Early", "On time", "Late", "Blocked", "Unit not verified", "Sampled",
                 "Coverage", "Agreed", "Discrepancy", "Unresolved", "Pending"],
        rows=rows, totals=totals or None,
        notes=[
            "Claims submitted to Pearson in the period, by timeliness against the claims deadline for the year.",
            "Gate failures: claims now blocked, and claims that went to Pearson with a unit whose assessment record "
            "is not internally verified (gate 3).",
            "Sampling: claims of the period drawn in any quality nominee round; coverage is sampled ÷ claims. "
            "Outcomes count each sample.",
        ],
        detail=detail,
    )


# --- c. certificates ---------------------------------------------------------------------------------


def certificates_report(*, user, date_from: date, date_to: date, programme=None) -> Report:
    from certification.models import Certificate

    names = _programmes(user, programme)
    claims = _claims_in_period(names, date_from, date_to)
    per = defaultdict(lambda: defaultdict(int))
    for r in claims.values("registration__programme_id").annotate(
        claimed=Count("pk", distinct=True),
        received=Count("pk", filter=Q(certificates__isnull=False), distinct=True),
    ):
        per[r["registration__programme_id"]].update(r)
    certificates = Certificate.objects.filter(claim__in=claims)
    for r in certificates.values("claim__registration__programme_id").annotate(
        certificates=Count("pk"),
        discrepancies=Count("pk", filter=~Q(differences=[])),
        replaced=Count("pk", filter=Q(superseded=True)),
        issued=Count("pk", filter=Q(issued_on__isnull=False)),
        unclaimed=Count("pk", filter=Q(unclaimed_on__isnull=False)),
        destroyed=Count("pk", filter=Q(destroyed_on__isnull=False)),
        waiting=Count("pk", filter=Q(superseded=False, issued_on__isnull=True, unclaimed_on__isnull=True,
                                      destroyed_on__isnull=True)),
    ):
        per[r.pop("claim__registration__programme_id")].update(r)

    rows = []
    for pid, name in names.items():
        p = per.get(pid, {})
        claimed, received = p.get("claimed", 0), p.get("received", 0)
        rows.append([name, claimed, received, claimed - received, p.get("discrepancies", 0), p.get("replaced", 0),
                     p.get("issued", 0), p.get("unclaimed", 0), p.get("destroyed", 0), p.get("waiting", 0)])
    totals = _totals(rows)
    t = totals or ["", 0, 0, 0, 0, 0, 0, 0, 0, 0]

    def detail():
        headers = ["Programme", "Learner", "Certificate number", "Qualification", "Grade", "Received", "Checked",
                   "Differences", "Replaced", "Issued", "How issued", "Unclaimed", "Destroyed"]
        out = []
        for (pname, first, last, number, qual, grade, received, checked, differences, superseded, issued, method,
             unclaimed, destroyed) in certificates.order_by(
            "claim__registration__programme__name", "claim__registration__learner__legal_last_name", "number"
        ).values_list("claim__registration__programme__name", "claim__registration__learner__legal_first_name",
                      "claim__registration__learner__legal_last_name", "number", "qualification", "grade",
                      "received_on", "checked_on", "differences", "superseded", "issued_on", "issue_method",
                      "unclaimed_on", "destroyed_on").iterator(chunk_size=2000):
            diffs = ", ".join(str(d.get("field", d)) if isinstance(d, dict) else str(d) for d in differences or [])
            out.append([pname, f"{last.upper()}, {first}", number, qual, grade, received, checked, diffs,
                        "Yes" if superseded else "", issued,
                        Certificate.IssueMethod(method).label if method else "", unclaimed, destroyed])
        return headers, out

    return Report(
        slug="certificates", title="Certificates", date_from=date_from, date_to=date_to, programme=programme,
        headline=[
            ("Claims submitted in the period", t[1]), ("Certificates received for them", t[2]),
            ("Still awaited from Pearson", t[3]), ("Certificates with discrepancies", t[4]),
            ("Issued to learners", t[6]), ("Unclaimed", t[7]),
        ],
        charts=[
            Chart("Claimed and received", [Bar("Claimed", t[1]), Bar("Received", t[2]), Bar("Awaited", t[3])]),
            Chart("What happened to the certificates", [Bar("Issued", t[6]), Bar("Waiting to issue", t[9]),
                                                        Bar("Unclaimed", t[7]), Bar("Discrepancy", t[4]),
                                                        Bar("Destroyed", t[8])]),
        ] if names else [],
        columns=["Programme", "Claimed", "Received", "Awaited", "Discrepancies", "Replaced", "Issued", "Unclaimed",
                 "Destroyed", "Waiting to issue"],
        rows=rows, totals=totals or None,
        notes=[
            "For the claims submitted to Pearson in the period: how many certificates came back, whether they "
            "matched the claim and the assessment records, and whether they reached the learner.",
            "Discrepancies: certificates whose check found a difference (a replaced certificate counts too).",
        ],
        detail=detail,
    )


# --- d. investigations register ------------------------------------------------------------------


def investigations_report(*, user, date_from: date, date_to: date, programme=None) -> Report:
    from .models import Investigation
    from .selectors import investigation_list

    qs = investigation_list(user=user).filter(opened_on__lte=date_to).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=date_from))
    if programme is not None:
        qs = qs.filter(programme=programme)
    register = list(qs.order_by("opened_on", "reference"))
    by_kind = defaultdict(int)
    by_state = defaultdict(int)
    for inv in register:
        by_kind[inv.get_kind_display()] += 1
        by_state[inv.get_state_display()] += 1
    opened = sum(1 for i in register if i.opened_on >= date_from)
    closed = sum(1 for i in register if i.closed_on and i.closed_on <= date_to)
    acknowledged = sum(1 for i in register if i.acknowledged_at)
    to_pearson = sum(1 for i in register if i.pearson_sent_on)
    rows = [[
        inv.reference, inv.get_kind_display(), inv.opened_on, str(inv.programme) if inv.programme_id else "—",
        inv.get_state_display(), inv.get_outcome_display() or "—",
        inv.acknowledged_at.date() if inv.acknowledged_at else "—",
        f"{inv.pearson_form} {_fmt(inv.pearson_sent_on)}".strip() if inv.pearson_sent_on else "—",
        inv.closed_on or "—",
    ] for inv in register]

    def detail():
        headers = ["Reference", "Kind", "Summary", "Learner", "Programme", "Record", "Investigator", "Opened",
                   "State", "Outcome", "Conclusion", "Concluded", "Reported to senior leaders", "Acknowledged by",
                   "Acknowledged", "Pearson form", "Sent to Pearson", "Pearson reference", "Closed"]
        return headers, [[
            i.reference, i.get_kind_display(), i.summary, str(i.learner) if i.learner_id else "",
            str(i.programme) if i.programme_id else "", i.object_repr,
            i.investigator.get_full_name() or i.investigator.username, i.opened_on, i.get_state_display(),
            i.get_outcome_display(), i.conclusion, i.concluded_on, i.reported_to_senior_leaders_on,
            (i.acknowledged_by.get_full_name() or i.acknowledged_by.username) if i.acknowledged_by_id else "",
            _fmt(i.acknowledged_at) if i.acknowledged_at else "", i.pearson_form, i.pearson_sent_on,
            i.pearson_reference, i.closed_on,
        ] for i in register]

    return Report(
        slug="investigations", title="Investigations register", date_from=date_from, date_to=date_to,
        programme=programme,
        headline=[
            ("Investigations on the register in the period", len(register)), ("Opened in the period", opened),
            ("Closed by the end of the period", closed), ("Acknowledged by senior leaders", acknowledged),
            ("Reported to Pearson", to_pearson),
        ],
        charts=[
            Chart("By kind", [Bar(k, v) for k, v in sorted(by_kind.items())]),
            Chart("By stage", [Bar(label, by_state.get(label, 0)) for label in Investigation.State.labels]),
        ] if register else [],
        columns=["Reference", "Kind", "Opened", "Programme", "Stage", "Outcome", "Acknowledged", "Pearson", "Closed"],
        rows=rows, totals=None,
        notes=["Every investigation open at any time in the period: opened by its end and not closed before its start."],
        extra={"acknowledged_missing": [i.reference for i in register if i.reported_to_senior_leaders_on and not i.acknowledged_at]},
        detail=detail,
    )


# --- e. audit-trail integrity and retention --------------------------------------------------------


def integrity_report(*, user, date_from: date, date_to: date, programme=None, verify_now: bool = False,
                     retention_counts: bool = False, progress=None) -> Report:
    """The trail's state and what the next purge would remove.

    On screen (`verify_now=False`) the last verification recorded is shown, so a page view never runs
    the full check; the PDF job verifies the whole trail afresh and counts the purge's rows per table.
    """
    from . import integrity, retention
    from .models import AuditEvent, PurgeRun, RetentionHold, RetentionPolicy, TrailSeal

    start, end = _day_start(date_from), _day_end(date_to)
    verification = None
    if verify_now:
        result = integrity.verify(progress=progress)
        verification = {
            "at": timezone.now(), "by": "this report", "intact": result.intact, "rows": result.rows_checked,
            "seals": result.seals_checked, "unsealed": result.unsealed_entries,
            "problems": [str(p) for p in result.problems[:20]], "problem_count": len(result.problems),
            "tables_without_trigger": result.tables_without_trigger,
        }
    else:
        last = AuditEvent.objects.filter(action="audit.trail.verified").order_by("-at", "-id").first()
        if last is not None:
            verification = {
                "at": last.at, "by": last.actor_username or "the scheduled check", "intact": bool(last.data.get("intact")),
                "rows": last.data.get("rows", 0), "problems": last.data.get("broken", []), "problem_count": last.data.get("problems", 0),
                "tables_without_trigger": [],
            }
    protected = integrity.protected_tables()
    with_trigger = integrity.tables_with_triggers()
    missing = [t for t in protected if t not in with_trigger]
    last_seal = TrailSeal.objects.order_by("-id").first()

    today = timezone.localdate()
    years = RetentionPolicy.current_years()
    if retention_counts:
        due, held, counts = retention.dry_run(today)
    else:
        (due, held), counts = retention.assess(today, years), {}
    holds = list(RetentionHold.objects.filter(released_on__isnull=True).select_related("learner", "placed_by")
                 .order_by("placed_on", "pk"))
    purges = list(PurgeRun.objects.filter(started_at__gte=start, started_at__lt=end).order_by("started_at"))
    events = dict(AuditEvent.objects.filter(at__gte=start, at__lt=end, action__in=[
        "auth.login_failed", "audit.trail.verified", "audit.retention.purged",
    ]).values("action").annotate(n=Count("pk")).values_list("action", "n"))
    exports = AuditEvent.objects.filter(at__gte=start, at__lt=end).filter(
        Q(action__contains=".exported") | Q(action__contains=".downloaded") | Q(action__startswith="audit.report.")
    ).count()

    intact = verification["intact"] and not missing if verification else None
    rows = [[table, n] for table, n in sorted(counts.items())]
    return Report(
        slug="integrity", title="Audit-trail integrity and retention", date_from=date_from, date_to=date_to,
        headline=[
            ("Audit trail", "intact" if intact else "never verified" if intact is None else "NOT intact"),
            ("Insert-only tables", f"{len(protected)}" + (f" ({len(missing)} missing their trigger)" if missing else "")),
            ("Retention period", f"{years} years"),
            ("Learners the next purge would remove", len(due)), ("Kept by a retention hold", len(held)),
            ("Active retention holds", len(holds)), ("Purges in the period", len(purges)),
        ],
        charts=[Chart("Next purge", [Bar("Would be removed", len(due)), Bar("Past retention, on hold", len(held))]),
                Chart("Audit events in the period", [
                    Bar("Failed sign-ins", events.get("auth.login_failed", 0)),
                    Bar("Exports, downloads, reports", exports),
                    Bar("Trail verifications", events.get("audit.trail.verified", 0)),
                    Bar("Purges", events.get("audit.retention.purged", 0)),
                ])],
        columns=["Table", "Rows the next purge would remove"] if counts else [],
        rows=rows, totals=["All tables", sum(counts.values())] if counts else None,
        notes=[
            "The trail is verified by recomputing each history row's keyed digest and the chain of seals; "
            "`python manage.py verify_audit_trail` runs the same check.",
            f"Retention: a learner's records are removed {years} years after their last certification (or the end "
            "of their last registration); learners under a hold are kept.",
        ],
        extra={"verification": verification, "missing_triggers": missing, "last_seal": last_seal, "holds": holds,
               "purges": purges, "as_of": today, "fresh": verify_now},
        detail=None,
    )


# --- registry ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    slug: str
    title: str
    build: Callable[..., Report]
    by_programme: bool
    tabular: bool
    blurb: str


REPORTS = {s.slug: s for s in [
    Spec("registrations", "Registration timeliness and accuracy", registration_report, True, True,
         "Per programme: registrations on time, late with their fee band, check lists signed off, "
         "discrepancies and notifications still owed to Pearson."),
    Spec("claims", "Certification claims", claims_report, True, True,
         "Claims early, on time and late; gate failures; quality nominee sampling coverage and outcomes."),
    Spec("certificates", "Certificates", certificates_report, True, True,
         "Certificates received against claims made, discrepancies, issued and unclaimed."),
    Spec("investigations", "Investigations register", investigations_report, True, True,
         "Every investigation open in the period, its stage, outcome and reports."),
    Spec("integrity", "Audit-trail integrity and retention", integrity_report, False, False,
         "Whether the audit trail verifies, and what the next retention purge would remove."),
]}


def build(slug: str, **kwargs) -> Report:
    return REPORTS[slug].build(**kwargs)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The academic year (1 September to 31 August) containing `today`."""
    today = today or timezone.localdate()
    year = today.year if today.month >= 9 else today.year - 1
    return date(year, 9, 1), date(year + 1, 8, 31)
