"""The seven claim gates (DOMAIN.md), computed in Python from data loaded up front.

`evaluate(...)` is pure: the readiness page loads a programme's registrations, units, records and
claims in a few queries and calls it per learner, so the page costs the same number of queries for
30 learners or 300. Each failing gate says what is wrong and what would fix it.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from registrations.models import Registration

from .models import GRADE_ORDER, AssessmentRecord, CertificateClaim, ClaimsDeadline

MIN_DAYS_REGISTRATION_TO_CLAIM = 70
PASSING = {"P", "M", "D"}
K = CertificateClaim.Kind


@dataclass
class Gate:
    number: int
    name: str
    ok: bool
    problem: str = ""
    fix: str = ""


@dataclass
class Readiness:
    registration: Registration
    kind: str
    gates: list[Gate]
    units: list  # [(unit, record)] the verified records the claim would be built from
    unverified: list = field(default_factory=list)  # records assessed but not (yet) verified
    existing_claim: CertificateClaim | None = None

    @property
    def ok(self) -> bool:
        return all(g.ok for g in self.gates)

    @property
    def failing(self) -> list[Gate]:
        return [g for g in self.gates if not g.ok]


GATE_NAMES = {
    1: "70 days since registration",
    2: "On or before Certificate End",
    3: "Every unit backed by an internally verified record",
    4: "Rule of combination",
    5: "No certification block",
    6: "Registration allows this claim",
    7: "Terminal rule (Tech Awards)",
}


def best_verified(records: list[AssessmentRecord]) -> AssessmentRecord | None:
    """The verified record that counts for a unit: the best grade over the attempts."""
    verified = [r for r in records if r.iv_outcome == AssessmentRecord.IVOutcome.AGREED]
    if not verified:
        return None
    return max(verified, key=lambda r: (GRADE_ORDER.get(r.grade, 0), r.date_assessed, r.pk))


def suggested_kind(registration: Registration) -> str:
    return K.INTERIM if registration.state == Registration.State.WITHDRAWN else K.FULL


def evaluate(
    registration: Registration, *, kind: str, on: date, units: list, records: list[AssessmentRecord],
    terminal_problem, size_glh: int,
) -> Readiness:
    """Gates for a claim of `kind` made on `on`. `units`: the qualification's units; `records`: this
    registration's assessment records; `terminal_problem`: a callable returning gate 7's problem."""
    programme = registration.programme
    gates: list[Gate] = []
    by_unit: dict[int, list[AssessmentRecord]] = {}
    for r in records:
        by_unit.setdefault(r.unit_id, []).append(r)

    # 1. at least 70 days since registration
    if registration.registered_on is None:
        gates.append(Gate(1, GATE_NAMES[1], False, "The learner is not registered with Pearson.", "Register the learner first."))
    else:
        earliest = registration.registered_on + timedelta(days=MIN_DAYS_REGISTRATION_TO_CLAIM)
        if on < earliest:
            gates.append(Gate(1, GATE_NAMES[1], False, f"Registered on {registration.registered_on:%d/%m/%Y}: a claim can go from {earliest:%d/%m/%Y}.", f"Wait until {earliest:%d/%m/%Y}."))
        else:
            gates.append(Gate(1, GATE_NAMES[1], True))
    # 2. Certificate End
    if on > programme.certificate_end:
        gates.append(Gate(2, GATE_NAMES[2], False, f"Pearson's Certificate End for this programme was {programme.certificate_end:%d/%m/%Y}.", "Ask Pearson to extend the programme's certification period."))
    else:
        gates.append(Gate(2, GATE_NAMES[2], True))

    internal = [u for u in units if not u.is_external]
    claim_units = []
    unverified = []
    for u in internal:
        recs = by_unit.get(u.pk, [])
        best = best_verified(recs)
        if best is not None:
            claim_units.append((u, best))
        elif recs:
            unverified.append((u, recs))
    # 3. every internally assessed unit on the claim backed by a verified record
    if kind == K.FULL:
        problems = []
        for u, recs in unverified:
            sent_back = any(r.iv_outcome == AssessmentRecord.IVOutcome.DISAGREED for r in recs)
            problems.append(f"Unit {u.number} {'sent back by the internal verifier' if sent_back else 'assessed but not internally verified'}")
        if problems:
            gates.append(Gate(3, GATE_NAMES[3], False, "; ".join(problems) + ".", "The internal verifier must verify these records (a sent-back record needs the assessor's new decision first)."))
        else:
            gates.append(Gate(3, GATE_NAMES[3], True))
    else:
        if not claim_units:
            gates.append(Gate(3, GATE_NAMES[3], False, "No unit has an internally verified record.", "Record and internally verify at least one unit."))
        else:
            gates.append(Gate(3, GATE_NAMES[3], True, "", ""))
    # 4. rule of combination
    if kind == K.FULL:
        on_claim = {u.pk: rec for u, rec in claim_units}
        missing = [u for u in internal if u.mandatory and (u.pk not in on_claim or on_claim[u.pk].grade not in PASSING)]
        glh = sum(u.glh for u, rec in claim_units if rec.grade in PASSING) + sum(u.glh for u in units if u.is_external)
        problems = []
        if missing:
            problems.append("mandatory units without a verified pass: " + ", ".join(f"Unit {u.number}" for u in missing))
        if glh < size_glh:
            problems.append(f"{glh} GLH achieved of the {size_glh} GLH the qualification needs")
        if problems:
            text = "; ".join(problems)
            gates.append(Gate(4, GATE_NAMES[4], False, text[:1].upper() + text[1:] + ".", "Complete and verify the missing units, or make an interim (unit certificate) or fallback claim."))
        else:
            gates.append(Gate(4, GATE_NAMES[4], True))
    else:
        gates.append(Gate(4, GATE_NAMES[4], True, "", ""))
    # 5. certification block
    if programme.certification_blocked:
        gates.append(Gate(5, GATE_NAMES[5], False, "Pearson has blocked certification on this programme.", "Resolve the standards-verification outcome with Pearson."))
    else:
        gates.append(Gate(5, GATE_NAMES[5], True))
    # 6. registration state
    S = Registration.State
    if registration.state in (S.DELETED, S.TRANSFERRED_OUT, S.DRAFT, S.SUBMITTED):
        gates.append(Gate(6, GATE_NAMES[6], False, f"The registration is {registration.get_state_display().lower()}.", "Only a registered (or, for a unit certificate, withdrawn) learner can be claimed for."))
    elif registration.state == S.WITHDRAWN and kind != K.INTERIM:
        gates.append(Gate(6, GATE_NAMES[6], False, "The learner has withdrawn: only an interim (unit certificate) claim is allowed.", "Make an interim claim instead."))
    elif registration.state == S.CERTIFICATED:
        gates.append(Gate(6, GATE_NAMES[6], False, "The learner is already certificated.", "A new claim needs the certificated grade declined first."))
    else:
        gates.append(Gate(6, GATE_NAMES[6], True))
    # 7. terminal rule
    if kind == K.FULL and programme.qualification.suite.terminal_rule:
        problem = terminal_problem(registration)
        gates.append(Gate(7, GATE_NAMES[7], problem is None, problem or "", "Enter the learner for the external component in the series they certificate in." if problem else ""))
    else:
        gates.append(Gate(7, GATE_NAMES[7], True))
    return Readiness(registration, kind, gates, claim_units, unverified)


def completion_year(d: date) -> str:
    start = d.year if d.month >= 9 else d.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def claim_deadline(registration: Registration, deadlines: dict[str, ClaimsDeadline] | None = None):
    """(opens, deadline) for a registration's full claim: the yearly claims deadline of the year it
    completes in, never later than the programme's Certificate End."""
    year = completion_year(registration.planned_completion_date)
    if deadlines is None:
        row = ClaimsDeadline.objects.filter(academic_year=year).first()
    else:
        row = deadlines.get(year)
    end = registration.programme.certificate_end
    if row is None:
        return None, end
    return row.opens, min(row.deadline, end)


def timing_for(kind: str, registration: Registration, on: date, deadlines=None) -> tuple[str, date | None]:
    opens, deadline = claim_deadline(registration, deadlines)
    T = CertificateClaim.Timing
    if deadline and on > deadline:
        return T.LATE, deadline
    if kind != K.INTERIM and opens and on < opens:
        return T.EARLY, deadline
    return T.ON_TIME, deadline
