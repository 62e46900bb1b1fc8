"""Recording assessment decisions and their internal verification."""

from datetime import date

from django.db import transaction

from core.exceptions import DomainError
from core.history import save_tracked
from registrations.models import Registration, Unit

from .models import AssessmentRecord, UnitGrade

A = AssessmentRecord.Attempt


def _check_grade(unit: Unit, grade: str) -> None:
    allowed = [g for g in UnitGrade.values if g != "N" or unit.qualification.suite.near_pass_grade]
    if grade not in allowed:
        raise DomainError(
            f"Grade “{grade}” is not on the {unit.qualification.suite} unit scale ({', '.join(allowed)}).",
            field="grade",
        )


@transaction.atomic
def assessment_record_create(
    *, actor, registration: Registration, unit: Unit, grade: str, assessor, date_assessed: date,
    attempt: str = A.FIRST, authorised_by=None, reason: str = "Assessment decision recorded",
) -> AssessmentRecord:
    registration = Registration.objects.select_for_update().select_related("programme__qualification__suite").get(pk=registration.pk)
    if unit.qualification_id != registration.programme.qualification_id:
        raise DomainError(f"{unit} is not a unit of {registration.programme.qualification}.", field="unit")
    if unit.is_external:
        raise DomainError(f"{unit} is externally assessed: its result comes from Pearson, not an assessor.", field="unit")
    if registration.state in (Registration.State.DRAFT, Registration.State.DELETED, Registration.State.TRANSFERRED_OUT):
        raise DomainError(f"{registration.learner} is not registered on this programme (state: {registration.get_state_display()}).")
    if registration.registered_on is None or date_assessed < registration.registered_on:
        raise DomainError(
            "No assessment may be dated before the learner's registration"
            + (f" ({registration.registered_on:%d/%m/%Y})." if registration.registered_on else " (not yet registered)."),
            field="date_assessed",
        )
    _check_grade(unit, grade)
    if attempt == A.RETAKE and grade not in ("U", "N", "P"):
        raise DomainError("A retake is capped at Pass: record P (or U).", field="grade")
    if attempt != A.FIRST:
        if authorised_by is None:
            raise DomainError(f"A {A(attempt).label.lower()} needs the Lead IV's authorisation.", field="authorised_by")
        if not AssessmentRecord.objects.filter(registration=registration, unit=unit, attempt=A.FIRST).exists():
            raise DomainError(f"There is no first submission of {unit} to reassess.", field="attempt")
    if AssessmentRecord.objects.filter(registration=registration, unit=unit, attempt=attempt).exists():
        raise DomainError(f"{registration.learner} already has a {A(attempt).label.lower()} record for {unit}.", field="attempt")
    record = AssessmentRecord(
        registration=registration, unit=unit, grade=grade, assessor=assessor, date_assessed=date_assessed,
        attempt=attempt, authorised_by=authorised_by,
    )
    save_tracked(record, actor=actor, reason=reason)
    return record


@transaction.atomic
def assessment_record_verify(
    *, actor, record: AssessmentRecord, internal_verifier, iv_date: date, outcome: str, notes: str = "",
    reason: str = "Internally verified",
) -> AssessmentRecord:
    record = AssessmentRecord.objects.select_for_update().get(pk=record.pk)
    if internal_verifier.pk == record.assessor_id:
        raise DomainError("The internal verifier cannot verify their own assessment decision.", field="internal_verifier")
    if iv_date < record.date_assessed:
        raise DomainError("Internal verification cannot be dated before the assessment.", field="iv_date")
    if outcome not in AssessmentRecord.IVOutcome.values:
        raise DomainError("Choose an IV outcome.", field="iv_outcome")
    record.internal_verifier = internal_verifier
    record.iv_date = iv_date
    record.iv_outcome = outcome
    record.iv_notes = notes
    save_tracked(record, actor=actor, reason=reason, update_fields=["internal_verifier", "iv_date", "iv_outcome", "iv_notes"])
    return record


@transaction.atomic
def assessment_record_change(*, actor, record: AssessmentRecord, changes: dict, reason: str) -> AssessmentRecord:
    """Change a decision. A verified record may change only with a reason, and loses its verification."""
    record = AssessmentRecord.objects.select_for_update().select_related("unit__qualification__suite").get(pk=record.pk)
    allowed = {"grade", "date_assessed", "assessor"}
    if set(changes) - allowed:
        raise DomainError(f"Only {', '.join(sorted(allowed))} can be changed here.")
    if "grade" in changes:
        _check_grade(record.unit, changes["grade"])
    fields = list(changes)
    for name, value in changes.items():
        setattr(record, name, value)
    if record.iv_outcome:
        record.internal_verifier = None
        record.iv_date = None
        record.iv_outcome = ""
        fields += ["internal_verifier", "iv_date", "iv_outcome"]
    save_tracked(record, actor=actor, reason=reason, update_fields=fields)
    return record
