"""The rules that decide whether a learner may be entered for an external unit in a series.

`entry_refusal` is a pure function: the caller loads, in a few set-based queries, what it needs
(the learner's earlier attempts, whether they are already entered) so that a bulk entry of
thousands of learners does not run a query per learner. It returns None when the entry is allowed,
or the reason it is refused in plain words (shown to the exams officer against the learner and unit).

Rules, in the order they are checked (DOMAIN.md, "External assessment entries and re-assessment"):
1. the learner is registered with Pearson (not draft/submitted, withdrawn, deleted or transferred out;
   a certificated learner needs the grade declined first);
2. the unit is on their qualification and externally assessed;
3. they are not already entered for that unit in that series;
4. the resit limit of their qualification suite (data: `QualificationSuite.external_resit_limit`,
   attempts allowed = 1 + limit) is not reached; every earlier series with a current entry or a
   result counts as an attempt;
5. a resit after a full certificate claim needs the certificated grade declined first
   (`certification.selectors.full_claim_made`);
6. Tech Award terminal rule (suites with `terminal_rule`): the external component must be taken in
   the series in which the learner certificates, so a series whose results come after the
   programme's Certificate End (when no claim can be made) is refused.
"""

from collections.abc import Callable, Collection

from registrations.models import Registration, Unit

from .models import AssessmentSeries

S = Registration.State
ENTERABLE_STATES = (S.REGISTERED, S.GRADE_DECLINED)


def attempts_allowed(registration: Registration) -> int:
    return 1 + registration.programme.qualification.suite.external_resit_limit


def entry_refusal(
    *,
    registration: Registration,
    unit: Unit,
    series: AssessmentSeries,
    earlier_attempts: Collection[str],
    already_entered: bool,
    full_claim_made: Callable[[Registration], bool],
) -> str | None:
    """Why this entry breaks a rule, or None when it may be made.

    `earlier_attempts` names the other series in which the learner has sat (or is entered for) the unit.
    """
    learner = registration.learner
    who = f"{learner.legal_first_name} {learner.legal_last_name.upper()}"
    state = registration.state
    if state == S.CERTIFICATED:
        return (
            f"{who} has been certificated: a full certificate claim has been made, so the certificated grade "
            "must be declined before they can be entered again."
        )
    if state == S.WITHDRAWN:
        return f"{who} is withdrawn from {registration.programme}: reinstate them before entering them."
    if state in (S.DELETED, S.TRANSFERRED_OUT):
        return f"{who}'s registration is {registration.get_state_display().lower()}: they cannot be entered."
    if state not in ENTERABLE_STATES:
        return f"{who} is not yet registered with Pearson ({registration.get_state_display().lower()})."

    qualification = registration.programme.qualification
    if unit.qualification_id != qualification.pk:
        return f"Unit {unit.number} is not on {who}'s qualification ({qualification.qan})."
    if not unit.is_external:
        return f"Unit {unit.number} is internally assessed: there is no external entry for it."
    if already_entered:
        return f"{who} is already entered for Unit {unit.number} in {series}."

    allowed = attempts_allowed(registration)
    if len(earlier_attempts) >= allowed:
        resits = allowed - 1
        return (
            f"Resit limit reached: {who} has already taken Unit {unit.number} in {', '.join(sorted(earlier_attempts))}; "
            f"{qualification.suite} allows {resits} resit{'' if resits == 1 else 's'} ({allowed} attempt{'' if allowed == 1 else 's'})."
        )
    if earlier_attempts and state != S.GRADE_DECLINED and full_claim_made(registration):
        return (
            f"A full certificate claim has been made for {who}: the certificated grade must be declined "
            f"before they resit Unit {unit.number}."
        )

    suite = qualification.suite
    if suite.terminal_rule and series.results_date > registration.programme.certificate_end:
        return (
            f"Terminal rule ({suite}): the external component must be taken in the series in which the learner "
            f"certificates, but {series} results ({series.results_date:%d/%m/%Y}) come after the programme's "
            f"Certificate End ({registration.programme.certificate_end:%d/%m/%Y})."
        )
    return None
