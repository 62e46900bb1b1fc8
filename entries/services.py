"""Every change to assessment series, entries and results.

Keyword-only functions, one transaction each, recording who and why (history rows via
`save_tracked` / `bulk_create_tracked`). Refusals raise `DomainError`; a bulk entry saves the
entries that pass the rules and returns the refused ones with their reasons (each entry is a separate
line on Pearson's entry file, so one learner's problem should not hold up the rest of the group).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record
from core.exceptions import DomainError
from core.history import bulk_create_tracked, bulk_update_tracked, save_tracked
from core.spreadsheets import Table, match_headers, normalise_header
from registrations.models import PearsonNotification, Registration, Unit
from registrations.services import notification_raise

from .models import AssessmentSeries, Entry, Result, grade_rank, unit_grades_for
from .rules import entry_refusal

SERIES_FIELDS = ["name", "entry_deadline", "late_entry_end", "standard_fee", "late_fee", "results_date", "notes"]


@transaction.atomic
def series_create(*, actor, reason: str = "Assessment series set up", **values) -> AssessmentSeries:
    series = AssessmentSeries(**{k: values[k] for k in SERIES_FIELDS if k in values})
    save_tracked(series, actor=actor, reason=reason)
    return series


@transaction.atomic
def series_update(*, actor, series: AssessmentSeries, reason: str, **values) -> AssessmentSeries:
    series = AssessmentSeries.objects.select_for_update().get(pk=series.pk)
    changed = [k for k in SERIES_FIELDS if k in values and getattr(series, k) != values[k]]
    for k in changed:
        setattr(series, k, values[k])
    if changed:
        save_tracked(series, actor=actor, reason=reason, update_fields=changed)
    return series


# --- entering learners -------------------------------------------------------------------------


@dataclass
class Refusal:
    registration: Registration | None
    unit: Unit | None
    reason: str


@dataclass
class EntryOutcome:
    created: list[Entry] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    fee_total: Decimal = Decimal("0")


def series_window(series: AssessmentSeries, on: date) -> str:
    """'open', 'late' or 'closed' for entries made on `on`."""
    if on <= series.entry_deadline:
        return "open"
    if on <= series.late_entry_end:
        return "late"
    return "closed"


def _check_entries_open(series: AssessmentSeries, today: date, late_reason: str) -> bool:
    window = series_window(series, today)
    if window == "closed":
        raise DomainError(
            f"Entries for {series} closed on {series.late_entry_end:%d/%m/%Y}: Pearson accepts no more entries or changes."
        )
    if window == "late" and not late_reason.strip():
        raise DomainError(
            f"The entry deadline for {series} was {series.entry_deadline:%d/%m/%Y}: these are late entries "
            f"(£{series.late_fee} each). Say why they are late (a reason is required).",
            field="late_reason",
        )
    return window == "late"


def attempts_by_registration_unit(registration_ids, unit_ids=None, *, exclude_series=None) -> dict[tuple[int, int], set[str]]:
    """{(registration id, unit id): names of series with a current entry or a result}, in two queries."""
    attempts: dict[tuple[int, int], set[str]] = defaultdict(set)
    entries = Entry.objects.current().filter(registration_id__in=registration_ids)
    results = Result.objects.filter(registration_id__in=registration_ids)
    if unit_ids is not None:
        entries = entries.filter(unit_id__in=unit_ids)
        results = results.filter(unit_id__in=unit_ids)
    if exclude_series is not None:
        entries = entries.exclude(series=exclude_series)
        results = results.exclude(series=exclude_series)
    for qs in (entries, results):
        for reg_id, unit_id, name in qs.values_list("registration_id", "unit_id", "series__name"):
            attempts[(reg_id, unit_id)].add(name)
    return attempts


@transaction.atomic
def entries_create(
    *, actor, series: AssessmentSeries, picks, late_reason: str = "", reason: str = "Entered for external assessment",
) -> EntryOutcome:
    """Enter learners for external units in a series. `picks` is an iterable of (registration id, unit id).

    Valid entries are saved (one history row each, with who and why); refused ones come back with the
    rule they break. The series row is locked so two officers entering at once queue behind each other,
    and the database refuses a duplicate current entry whatever happens.
    """
    from certification.selectors import full_claim_made

    series = AssessmentSeries.objects.select_for_update().get(pk=series.pk)
    today = timezone.localdate()
    is_late = _check_entries_open(series, today, late_reason)
    fee = series.late_fee if is_late else series.standard_fee

    seen = set()
    wanted = []
    for reg_id, unit_id in picks:
        key = (int(reg_id), int(unit_id))
        if key not in seen:
            seen.add(key)
            wanted.append(key)
    outcome = EntryOutcome()
    if not wanted:
        raise DomainError("Choose at least one learner and unit to enter.")

    reg_ids = {r for r, _ in wanted}
    unit_ids = {u for _, u in wanted}
    registrations = {
        r.pk: r for r in Registration.objects.visible_to(actor).filter(pk__in=reg_ids)
        .select_related("learner", "programme__qualification__suite")
    }
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)}
    current_here = set(
        Entry.objects.current().filter(series=series, registration_id__in=reg_ids).values_list("registration_id", "unit_id")
    )
    attempts = attempts_by_registration_unit(reg_ids, unit_ids, exclude_series=series)
    claim_cache: dict[int, bool] = {}

    def claim_made(registration: Registration) -> bool:
        if registration.pk not in claim_cache:
            claim_cache[registration.pk] = full_claim_made(registration)
        return claim_cache[registration.pk]

    new_entries = []
    for reg_id, unit_id in wanted:
        registration, unit = registrations.get(reg_id), units.get(unit_id)
        if registration is None:
            outcome.refused.append(Refusal(None, unit, f"Registration #{reg_id} does not exist or is not yours to enter."))
            continue
        if unit is None:
            outcome.refused.append(Refusal(registration, None, f"Unit #{unit_id} does not exist."))
            continue
        problem = entry_refusal(
            registration=registration, unit=unit, series=series,
            earlier_attempts=attempts.get((reg_id, unit_id), set()),
            already_entered=(reg_id, unit_id) in current_here, full_claim_made=claim_made,
        )
        if problem:
            outcome.refused.append(Refusal(registration, unit, problem))
            continue
        new_entries.append(
            Entry(
                series=series, registration=registration, unit=unit, is_late=is_late,
                late_reason=late_reason.strip() if is_late else "", fee=fee, entered_on=today, entered_by=actor,
            )
        )
    if new_entries:
        change_reason = reason.strip() + (f" (late: {late_reason.strip()})" if is_late else "")
        try:
            with transaction.atomic():
                created = bulk_create_tracked(Entry, new_entries, actor=actor, reason=change_reason)
        except IntegrityError:
            raise DomainError(
                f"Someone else entered some of these learners for {series} at the same moment. "
                "Nothing was saved: reload the page and try again."
            )
        outcome.created = created
        outcome.fee_total = fee * len(created)
    return outcome


# --- changing entries --------------------------------------------------------------------------


def _lock_entry(entry: Entry) -> Entry:
    return (
        Entry.objects.select_for_update(of=("self",))
        .select_related("series", "unit", "registration__learner", "registration__programme__qualification__suite")
        .get(pk=entry.pk)
    )


def _check_changeable(entry: Entry, today: date) -> None:
    if entry.state != Entry.State.ENTERED:
        raise DomainError(f"This entry is already {entry.get_state_display().lower()}.")
    if today > entry.series.late_entry_end:
        raise DomainError(
            f"Changes to {entry.series} entries closed on {entry.series.late_entry_end:%d/%m/%Y} (the series' cut-off)."
        )


@transaction.atomic
def entry_withdraw(*, actor, entry: Entry, reason: str) -> Entry:
    if not (reason or "").strip():
        raise DomainError("Say why the entry is being withdrawn (a reason is required).", field="reason")
    entry = _lock_entry(entry)
    today = timezone.localdate()
    _check_changeable(entry, today)
    entry.state = Entry.State.WITHDRAWN
    entry.ended_on = today
    save_tracked(entry, actor=actor, reason=reason, update_fields=["state", "ended_on"])
    learner = entry.registration.learner
    notification_raise(
        actor=actor, kind=PearsonNotification.Kind.ENTRY_WITHDRAWAL, learner=learner, registration=entry.registration,
        reason=reason,
        summary=f"Withdraw {learner.legal_first_name} {learner.legal_last_name.upper()} from Unit {entry.unit.number} in {entry.series}",
        details={"series": entry.series.name, "unit": entry.unit.number, "entry": entry.pk},
    )
    return entry


@transaction.atomic
def entry_swap(*, actor, entry: Entry, unit: Unit, reason: str) -> Entry:
    """Move a learner's entry in a series to another external unit of their qualification."""
    from certification.selectors import full_claim_made

    if not (reason or "").strip():
        raise DomainError("Say why the entry is being changed (a reason is required).", field="reason")
    entry = _lock_entry(entry)
    today = timezone.localdate()
    _check_changeable(entry, today)
    if unit.pk == entry.unit_id:
        raise DomainError("Choose a different unit to swap to.", field="unit")
    registration = entry.registration
    already = Entry.objects.current().filter(series=entry.series, registration=registration, unit=unit).exists()
    attempts = attempts_by_registration_unit([registration.pk], [unit.pk], exclude_series=entry.series)
    problem = entry_refusal(
        registration=registration, unit=unit, series=entry.series,
        earlier_attempts=attempts.get((registration.pk, unit.pk), set()), already_entered=already,
        full_claim_made=full_claim_made,
    )
    if problem:
        raise DomainError(problem, field="unit")
    entry.state = Entry.State.SWAPPED
    entry.ended_on = today
    save_tracked(entry, actor=actor, reason=reason, update_fields=["state", "ended_on"])
    new_entry = Entry(
        series=entry.series, registration=registration, unit=unit, is_late=entry.is_late, late_reason=entry.late_reason,
        fee=entry.fee, entered_on=today, entered_by=actor,
    )
    try:
        with transaction.atomic():
            save_tracked(new_entry, actor=actor, reason=f"Swapped from Unit {entry.unit.number}: {reason}")
    except IntegrityError:
        raise DomainError("The learner is already entered for that unit in this series.", field="unit")
    entry.swapped_to = new_entry
    save_tracked(entry, actor=actor, reason=reason, update_fields=["swapped_to"])
    learner = registration.learner
    notification_raise(
        actor=actor, kind=PearsonNotification.Kind.ENTRY_SWAP, learner=learner, registration=registration, reason=reason,
        summary=f"Change {learner.legal_first_name} {learner.legal_last_name.upper()}'s {entry.series} entry "
        f"from Unit {entry.unit.number} to Unit {unit.number}",
        details={"series": entry.series.name, "unit": [entry.unit.number, unit.number], "entry": [entry.pk, new_entry.pk]},
    )
    return new_entry


# --- results -----------------------------------------------------------------------------------

RESULT_COLUMNS = {
    "registration_number": ["Registration number", "Pearson registration number", "Reg no", "Registration no",
                            "Learner registration number"],
    "candidate_number": ["Candidate number", "Candidate no", "Cand no"],
    "unit": ["Unit", "Unit number", "Unit no", "Component"],
    "grade": ["Grade", "Unit grade", "Result"],
    "series": ["Series", "Assessment series"],
}


class ResultsImportRefused(DomainError):
    """The results file has problems; nothing was saved. `errors` names each row's problem."""

    def __init__(self, errors: list[str]):
        super().__init__(f"The results file has {len(errors)} problem{'' if len(errors) == 1 else 's'}; nothing was saved.")
        self.errors = errors


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_entered: list[str] = field(default_factory=list)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip()


@transaction.atomic
def results_import(*, actor, series: AssessmentSeries, table: Table, filename: str, reason: str = "") -> ImportOutcome:
    """Import Pearson's unit grades for a series: validate every row, then save them all or none.

    Rows are matched on Pearson registration number (or candidate number) and unit number. A learner's
    earlier results stay: every attempt is kept and the best grade per unit counts.
    """
    series = AssessmentSeries.objects.select_for_update().get(pk=series.pk)
    reason = (reason or "").strip() or f"Results for {series} imported from {filename}"
    columns = match_headers(table.headers, RESULT_COLUMNS, required=["unit", "grade"])
    errors: list[str] = []
    if columns.missing:
        errors.append(f"The file has no {' or '.join(c.replace('_', ' ') for c in columns.missing)} column.")
    col = columns.mapping
    if "registration_number" not in col and "candidate_number" not in col:
        errors.append("The file needs a Registration number or a Candidate number column to find each learner.")
    if errors:
        raise ResultsImportRefused(errors)

    rows = [
        (
            row.number, _text(row.get(col.get("registration_number"))), _text(row.get(col.get("candidate_number"))),
            _text(row.get(col["unit"])), _text(row.get(col["grade"])).upper(), _text(row.get(col.get("series"))),
        )
        for row in table.rows
    ]
    reg_numbers = {r[1] for r in rows if r[1]}
    cand_numbers = {r[2].zfill(4) for r in rows if r[2] and not r[1]}
    candidates = Registration.objects.live().select_related("learner", "programme__qualification__suite")
    by_number: dict[str, list[Registration]] = defaultdict(list)
    for reg in candidates.filter(pearson_registration_number__in=reg_numbers):
        by_number[reg.pearson_registration_number].append(reg)
    by_candidate: dict[str, list[Registration]] = defaultdict(list)
    if cand_numbers:
        for reg in candidates.filter(learner__candidate_number__in=cand_numbers):
            by_candidate[reg.learner.candidate_number].append(reg)
    qualification_ids = {r.programme.qualification_id for regs in (*by_number.values(), *by_candidate.values()) for r in regs}
    external_units: dict[tuple[int, str], Unit] = {
        (u.qualification_id, u.number.upper()): u
        for u in Unit.objects.filter(qualification_id__in=qualification_ids, assessment=Unit.Assessment.EXTERNAL)
    }

    matched: dict[tuple[int, int], tuple[int, Registration, Unit, str]] = {}
    for number, reg_no, cand_no, unit_no, grade, series_name in rows:
        where = f"Row {number}"
        if series_name and normalise_header(series_name) != normalise_header(series.name):
            errors.append(f"{where}, Series: “{series_name}” is not {series.name}.")
            continue
        if reg_no:
            regs = by_number.get(reg_no, [])
            if not regs:
                errors.append(f"{where}, Registration number: no registered learner has Pearson registration number “{reg_no}”.")
                continue
        elif cand_no:
            regs = by_candidate.get(cand_no.zfill(4), [])
            if not regs:
                errors.append(f"{where}, Candidate number: no learner has candidate number “{cand_no}”.")
                continue
        else:
            errors.append(f"{where}: give the learner's registration number or candidate number.")
            continue
        if not unit_no:
            errors.append(f"{where}, Unit: the unit number is missing.")
            continue
        options = [(r, external_units.get((r.programme.qualification_id, unit_no.upper()))) for r in regs]
        options = [(r, u) for r, u in options if u is not None]
        if not options:
            quals = ", ".join(sorted({r.programme.qualification.qan for r in regs}))
            errors.append(f"{where}, Unit: “{unit_no}” is not an externally assessed unit of the learner's qualification ({quals}).")
            continue
        if len(options) > 1:
            errors.append(f"{where}: candidate number “{cand_no}” matches more than one registration with Unit {unit_no}; use the registration number.")
            continue
        registration, unit = options[0]
        allowed = unit_grades_for(registration.programme.qualification)
        if grade not in allowed:
            errors.append(f"{where}, Grade: “{grade or '(blank)'}” is not a unit grade for this qualification (use {', '.join(allowed)}).")
            continue
        key = (registration.pk, unit.pk)
        if key in matched:
            errors.append(f"{where}: a second result for the same learner and Unit {unit.number} (first on row {matched[key][0]}).")
            continue
        matched[key] = (number, registration, unit, grade)
    if errors:
        raise ResultsImportRefused(errors)

    reg_ids = {k[0] for k in matched}
    existing = {(r.registration_id, r.unit_id): r for r in Result.objects.filter(series=series, registration_id__in=reg_ids)}
    entries = {
        (e.registration_id, e.unit_id): e
        for e in Entry.objects.current().filter(series=series, registration_id__in=reg_ids)
    }
    today = timezone.localdate()
    outcome = ImportOutcome()
    to_create, to_update = [], []
    for key, (number, registration, unit, grade) in matched.items():
        entry = entries.get(key)
        if entry is None:
            learner = registration.learner
            outcome.not_entered.append(
                f"Row {number}: {learner.legal_first_name} {learner.legal_last_name.upper()} has a result for Unit "
                f"{unit.number} but no entry for {series} is recorded."
            )
        result = existing.get(key)
        if result is None:
            to_create.append(Result(series=series, registration=registration, unit=unit, entry=entry, grade=grade, received_on=today))
        elif result.grade != grade or result.entry_id != (entry.pk if entry else None):
            result.grade, result.entry, result.received_on = grade, entry, today
            to_update.append(result)
        else:
            outcome.unchanged += 1
    if to_create:
        bulk_create_tracked(Result, to_create, actor=actor, reason=reason)
    if to_update:
        bulk_update_tracked(Result, to_update, ["grade", "entry", "received_on"], actor=actor, reason=reason)
    outcome.created, outcome.updated = len(to_create), len(to_update)
    record(actor, "entries.results.imported", series, {
        "filename": filename, "rows": len(rows), "created": outcome.created, "updated": outcome.updated,
        "unchanged": outcome.unchanged, "not_entered": len(outcome.not_entered),
    })
    return outcome


def best_result(results):
    """The result that counts for a unit: the best grade, the latest series when grades tie."""
    best = None
    for result in results:
        if best is None or (grade_rank(result.grade), result.series.results_date) > (grade_rank(best.grade), best.series.results_date):
            best = result
    return best
