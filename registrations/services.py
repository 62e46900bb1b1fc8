"""Every change to a registration, and what Pearson must be told about it.

Each function is keyword-only, runs in one transaction, locks the row it changes, checks the move
against TRANSITIONS, and records the actor and the reason in the history.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from core.history import bulk_save_tracked, save_tracked
from learners.models import Learner

from .models import (
    DeadlineRule,
    LateFeeBand,
    PearsonNotification,
    Programme,
    QualificationSuite,
    Registration,
    RegistrationMode,
)

S = Registration.State

# The registration state machine (DOMAIN.md). Anything not listed is refused.
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED, S.DELETED},
    S.SUBMITTED: {S.REGISTERED, S.DRAFT},
    S.REGISTERED: {S.WITHDRAWN, S.DELETED, S.TRANSFERRED_OUT, S.CERTIFICATED},
    S.WITHDRAWN: {S.REGISTERED},
    S.DELETED: set(),
    S.TRANSFERRED_OUT: set(),
    S.CERTIFICATED: {S.GRADE_DECLINED},
    S.GRADE_DECLINED: {S.REGISTERED},
}


def deletion_window_days() -> int:
    return getattr(settings, "REGISTRATION_DELETION_WINDOW_DAYS", 90)


def _lock(registration: Registration) -> Registration:
    return Registration.objects.select_for_update().select_related("programme", "learner").get(pk=registration.pk)


def _move(registration: Registration, to_state: str) -> None:
    if to_state not in TRANSITIONS[registration.state]:
        raise DomainError(
            f"A registration that is {registration.get_state_display().lower()} cannot become "
            f"{S(to_state).label.lower()}."
        )
    registration.state = to_state


def notification_raise(
    *, actor, kind: str, learner: Learner, reason: str, summary: str,
    registration: Registration | None = None, details: dict | None = None,
) -> PearsonNotification:
    """Put something Pearson must be told on the queue of owed notifications."""
    notification = PearsonNotification(
        kind=kind, learner=learner, registration=registration, summary=summary[:300],
        details=details or {}, reason=reason, raised_by=actor,
    )
    save_tracked(notification, actor=actor, reason=reason)
    return notification


@transaction.atomic
def notification_mark_sent(*, actor, notification: PearsonNotification, sent_at=None, reference: str = "") -> PearsonNotification:
    notification = PearsonNotification.objects.select_for_update().get(pk=notification.pk)
    if notification.sent_at is not None:
        raise DomainError("Pearson has already been told about this change.")
    notification.sent_at = sent_at or timezone.now()
    notification.sent_by = actor
    notification.sent_reference = reference
    save_tracked(notification, actor=actor, reason="Pearson notified", update_fields=["sent_at", "sent_by", "sent_reference"])
    return notification


def draft_problems(*, learner: Learner, programme: Programme, planned_completion_date: date, today: date | None = None):
    """Every reason Pearson would refuse this learner on this programme, and the names as Pearson needs
    them (with any transliteration the officer must confirm). Returns (problems, RowCheck)."""
    from .rules import check_learner_for_pearson

    today = today or timezone.localdate()
    check = check_learner_for_pearson(learner, planned_completion_date=planned_completion_date, today=today)
    problems = list(check.problems)
    if not programme.is_active:
        problems.append(f"{programme} is not active: registrations are closed.")
    if programme.approved_to < today:
        problems.append(
            f"{programme} is past its Approved To date ({programme.approved_to:%d/%m/%Y}): Pearson will not accept registrations."
        )
    if learner.centre_id != programme.centre_id:
        problems.append("The learner and the programme belong to different centres.")
    if Registration.objects.live().filter(learner=learner, programme=programme).exists():
        problems.append(f"{learner} is already registered on {programme}.")
    return problems, check


@transaction.atomic
def registration_create_draft(
    *, actor, learner: Learner, programme: Programme, enrolment_date: date, planned_completion_date: date,
    registration_type: str = Registration.RegistrationType.FULL_AWARD, reason: str = "Registration drafted",
    confirm_transliteration: bool = False,
) -> Registration:
    """A draft registration, checked against every Pearson data rule (DOMAIN.md). Accented names are
    transliterated for Pearson only when the officer confirms it (`confirm_transliteration`)."""
    problems, check = draft_problems(learner=learner, programme=programme, planned_completion_date=planned_completion_date)
    if problems:
        raise DomainError(" ".join(problems))
    if check.transliterations and not confirm_transliteration:
        shown = ", ".join(f"{a} → {b}" for a, b in check.transliterations)
        raise DomainError(
            f"{learner.full_legal_name}: Pearson needs the name transliterated ({shown}); confirm the transliteration to continue.",
            field="confirm_transliteration",
        )
    if check.transliterations:
        reason = f"{reason} (transliteration confirmed: " + ", ".join(f"{a} → {b}" for a, b in check.transliterations) + ")"
    registration = Registration(
        learner=learner, programme=programme, enrolment_date=enrolment_date,
        planned_completion_date=planned_completion_date, registration_type=registration_type,
        pearson_first_names=check.first.pearson, pearson_last_names=check.last.pearson,
    )
    save_tracked(registration, actor=actor, reason=reason)
    return registration


def registrations_draft_many(
    *, actor, learners, programme: Programme, enrolment_date: date, planned_completion_date: date,
    registration_type: str = Registration.RegistrationType.FULL_AWARD, confirm_transliteration: bool = False,
    reason: str = "Registration drafted",
) -> tuple[list[Registration], list[tuple[Learner, str]]]:
    """Draft a registration for each learner; each is checked on its own. Returns (created, refused),
    refused being (learner, why) for those Pearson would not accept as they are."""
    created, refused = [], []
    for learner in learners:
        try:
            created.append(registration_create_draft(
                actor=actor, learner=learner, programme=programme, enrolment_date=enrolment_date,
                planned_completion_date=planned_completion_date, registration_type=registration_type,
                reason=reason, confirm_transliteration=confirm_transliteration,
            ))
        except DomainError as exc:
            refused.append((learner, exc.message))
    return created, refused


def names_at_submission(registration: Registration, *, today: date) -> tuple[str | None, tuple[str, str] | None]:
    """Check the learner again as the registration goes to Pearson: (why it cannot go, or None;
    the names Pearson must now get if the legal name was corrected since drafting, or None).
    Pearson gets the learner's current legal name; a new transliteration is the officer's to confirm."""
    from .rules import check_learner_for_pearson

    check = check_learner_for_pearson(registration.learner, planned_completion_date=registration.planned_completion_date,
                                      today=today)
    if check.problems:
        return " ".join(check.problems), None
    names = (check.first.pearson, check.last.pearson)
    if names == (registration.pearson_first_names, registration.pearson_last_names):
        return None, None
    if check.transliterations:
        shown = ", ".join(f"{a} → {b}" for a, b in check.transliterations)
        return (f"the legal name changed since the draft and needs a transliteration confirmed ({shown}): "
                "delete this draft and draft it again"), None
    return None, names


@transaction.atomic
def registration_submit(*, actor, registration: Registration, reason: str = "Submitted to Pearson", late_reason: str = "") -> Registration:
    """One registration sent to Pearson on its own (the pages send even one learner as a bulk file,
    `batch_submit`); the same checks of the learner's details and due date."""
    from .deadlines import registration_due_date

    registration = _lock(registration)
    _move(registration, S.SUBMITTED)
    problem, names = names_at_submission(registration, today=timezone.localdate())
    if problem:
        raise DomainError(f"{registration.learner.full_legal_name}: {problem}. Nothing was submitted.")
    fields = ["state", "submitted_at", "late_reason"]
    if names:
        registration.pearson_first_names, registration.pearson_last_names = names
        fields += ["pearson_first_names", "pearson_last_names"]
    due = registration_due_date(registration)
    if due is not None and timezone.localdate() > due:
        if not late_reason.strip():
            raise DomainError(
                f"This registration was due by {due:%d/%m/%Y}: say why it is late (a reason is required).",
                field="late_reason",
            )
        registration.late_reason = late_reason.strip()
    registration.submitted_at = timezone.now()
    save_tracked(registration, actor=actor, reason=reason, update_fields=fields)
    return registration


@transaction.atomic
def registration_return_to_draft(*, actor, registration: Registration, reason: str) -> Registration:
    """Pearson rejected the submitted row: back to draft to be corrected."""
    registration = _lock(registration)
    _move(registration, S.DRAFT)
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state"])
    return registration


@transaction.atomic
def registration_confirm(
    *, actor, registration: Registration, pearson_registration_number: str, registered_on: date | None = None,
    reason: str = "Registration confirmed by Pearson",
) -> Registration:
    number = (pearson_registration_number or "").strip()
    if not number:
        raise DomainError("Enter Pearson's registration number.", field="pearson_registration_number")
    registration = _lock(registration)
    _move(registration, S.REGISTERED)
    registration.pearson_registration_number = number
    registration.registered_on = registered_on or timezone.localdate()
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state", "pearson_registration_number", "registered_on"])
    return registration


@transaction.atomic
def registration_withdraw(*, actor, registration: Registration, withdrawn_on: date, reason: str) -> Registration:
    registration = _lock(registration)
    _move(registration, S.WITHDRAWN)
    _check_leaving_date(registration, withdrawn_on, "withdrawal", "withdrawn_on", not_before=registration.registered_on)
    registration.withdrawn_on = withdrawn_on
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state", "withdrawn_on"])
    notification_raise(
        actor=actor, kind=PearsonNotification.Kind.WITHDRAWAL, learner=registration.learner,
        registration=registration, reason=reason,
        summary=f"Withdraw {registration.learner.full_legal_name} from {registration.programme.qualification} "
        f"on {withdrawn_on:%d/%m/%Y}",
        details={"withdrawn_on": withdrawn_on.isoformat()},
    )
    return registration


@transaction.atomic
def registration_reinstate(*, actor, registration: Registration, reason: str) -> Registration:
    registration = _lock(registration)
    _move(registration, S.REGISTERED)
    registration.withdrawn_on = None
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state", "withdrawn_on"])
    notification_raise(
        actor=actor, kind=PearsonNotification.Kind.REINSTATEMENT, learner=registration.learner,
        registration=registration, reason=reason,
        summary=f"Reinstate {registration.learner.full_legal_name} on {registration.programme.qualification}",
    )
    return registration


def deletion_refusal(registration: Registration, on: date) -> str | None:
    """Why this registration cannot be deleted on `on`, or None if it can (DOMAIN: refund window)."""
    if registration.state == S.DRAFT:
        return None
    if registration.state != S.REGISTERED:
        return f"Only a registered learner can be deleted (this one is {registration.get_state_display().lower()})."
    if registration.registered_on and on > registration.registered_on + timedelta(days=deletion_window_days()):
        return (
            f"Deletion is only possible within {deletion_window_days()} days of registration "
            f"(registered {registration.registered_on:%d/%m/%Y}); withdraw the learner instead."
        )
    if registration.assessment_records.exists():
        return "The learner has assessed units: withdraw them instead of deleting the registration."
    # An external unit sat with Pearson is an assessed unit too (reverse accessor of entries.Result).
    external = getattr(registration, "external_results", None)
    if external is not None and external.exists():
        return "The learner has external assessment results: withdraw them instead of deleting the registration."
    return None


@transaction.atomic
def registration_delete(*, actor, registration: Registration, reason: str) -> Registration:
    registration = _lock(registration)
    today = timezone.localdate()
    refusal = deletion_refusal(registration, today)
    if refusal:
        raise DomainError(refusal)
    was_draft = registration.state == S.DRAFT
    _move(registration, S.DELETED)
    registration.deleted_on = today
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state", "deleted_on"])
    if not was_draft:
        notification_raise(
            actor=actor, kind=PearsonNotification.Kind.DELETION, learner=registration.learner,
            registration=registration, reason=reason,
            summary=f"Delete the registration of {registration.learner.full_legal_name} on "
            f"{registration.programme.qualification} (refund)",
        )
    return registration


def _check_leaving_date(registration: Registration, on: date, what: str, field: str, *, not_before: date | None) -> None:
    """A withdrawal or transfer cannot come before the learner started (a date may be ahead of today: an
    officer may record a leaving date the learner has given notice of)."""
    if not_before and on < not_before:
        raise DomainError(f"A {what} cannot be dated before {not_before:%d/%m/%Y} (when the registration began).", field=field)


@transaction.atomic
def registration_transfer_out(*, actor, registration: Registration, transferred_on: date, reason: str, destination: str = "") -> Registration:
    """The learner leaves for another centre before certification."""
    registration = _lock(registration)
    _check_leaving_date(registration, transferred_on, "transfer", "transferred_on", not_before=registration.enrolment_date)
    _move(registration, S.TRANSFERRED_OUT)
    registration.transferred_on = transferred_on
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state", "transferred_on"])
    notification_raise(
        actor=actor, kind=PearsonNotification.Kind.TRANSFER_OUT, learner=registration.learner,
        registration=registration, reason=reason,
        summary=f"Transfer {registration.learner.full_legal_name} out of {registration.programme.qualification}"
        + (f" to {destination}" if destination else ""),
        details={"destination": destination, "transferred_on": transferred_on.isoformat()},
    )
    return registration


@transaction.atomic
def registration_transfer_programme(
    *, actor, registration: Registration, to_programme: Programme, transferred_on: date, reason: str
) -> Registration:
    """Move a registered learner to another programme at the centre; returns the new registration."""
    registration = _lock(registration)
    if to_programme.pk == registration.programme_id:
        raise DomainError("Choose a different programme to transfer to.", field="to_programme")
    _check_leaving_date(registration, transferred_on, "transfer", "transferred_on", not_before=registration.enrolment_date)
    _move(registration, S.TRANSFERRED_OUT)
    registration.transferred_on = transferred_on
    new = registration_create_draft(
        actor=actor, learner=registration.learner, programme=to_programme,
        enrolment_date=registration.enrolment_date, planned_completion_date=max(
            registration.planned_completion_date, to_programme.planned_end_date
        ),
        registration_type=registration.registration_type, reason=f"Transfer from {registration.programme}: {reason}",
        confirm_transliteration=True,  # confirmed when the learner was first registered
    )
    registration.transferred_to = new
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state", "transferred_on", "transferred_to"])
    kind = (
        PearsonNotification.Kind.TRANSFER_SITE
        if to_programme.qualification_id == registration.programme.qualification_id
        else PearsonNotification.Kind.TRANSFER_PROGRAMME
    )
    notification_raise(
        actor=actor, kind=kind, learner=registration.learner, registration=registration, reason=reason,
        summary=f"Transfer {registration.learner.full_legal_name} from {registration.programme} to {to_programme}",
        details={"from": str(registration.programme), "to": str(to_programme), "transferred_on": transferred_on.isoformat()},
    )
    return new


@transaction.atomic
def registration_certificate(*, actor, registration: Registration, certificated_on: date, reason: str) -> Registration:
    registration = _lock(registration)
    _move(registration, S.CERTIFICATED)
    registration.certificated_on = certificated_on
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state", "certificated_on"])
    return registration


@transaction.atomic
def registrations_certificate_many(*, actor, certificated_on: dict[int, date], reason: str) -> list[Registration]:
    """`registration_certificate` for many registrations at once (a Pearson certificate report): every row
    is locked and re-read, each move is checked against TRANSITIONS, and one UPDATE per certification date
    writes them, with one history row each carrying the actor and the reason."""
    if not certificated_on:
        return []
    registrations = list(
        Registration.objects.select_for_update(of=("self",)).select_related("learner").filter(pk__in=list(certificated_on))
    )
    by_day: dict[date, list[Registration]] = {}
    for registration in registrations:
        _move(registration, S.CERTIFICATED)
        registration.certificated_on = certificated_on[registration.pk]
        by_day.setdefault(registration.certificated_on, []).append(registration)
    for rows in by_day.values():
        bulk_save_tracked(Registration, rows, ["state", "certificated_on"], actor=actor, reason=reason)
    return registrations


@transaction.atomic
def registration_decline_grade(*, actor, registration: Registration, reason: str) -> Registration:
    """The learner declines the certificated grade (to resit); Pearson must be told."""
    registration = _lock(registration)
    _move(registration, S.GRADE_DECLINED)
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state"])
    notification_raise(
        actor=actor, kind=PearsonNotification.Kind.GRADE_DECLINE, learner=registration.learner,
        registration=registration, reason=reason,
        summary=f"{registration.learner.full_legal_name} declines the grade certificated for {registration.programme.qualification}",
    )
    return registration


@transaction.atomic
def registration_reopen_after_decline(*, actor, registration: Registration, reason: str) -> Registration:
    registration = _lock(registration)
    _move(registration, S.REGISTERED)
    registration.certificated_on = None
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state", "certificated_on"])
    return registration


# --- Bulk registration files ---------------------------------------------------------------------

BULK_HEADERS = ["Centre Reference", "First Names", "Last Names", "Sex", "Date of Birth",
                "Planned Completion Date", "ULN", "Study Mode"]
_ORDER_RE = __import__("re").compile(r"^[A-Za-z0-9]{1,12}$")


def centre_reference_for(registration: Registration) -> str:
    """Our reference for the row: ≤ 10 letters and digits, unique, quoted back in Pearson's report."""
    return f"R{registration.pk:06d}"[:10]


def bulk_file(batch, registrations) -> bytes:
    """The spreadsheet in the layout of Pearson's bulk registration template: group header, then one
    row per learner. Every value is written as text (formula-safe)."""
    from core.exports import Sheet, build_xlsx

    header_block = [
        ["Centre Number", batch.centre.number],
        ["Registration Type", batch.get_registration_type_display()],
        ["Qualification Number", batch.programme.qualification.qan],
        ["Qualification Title", batch.programme.qualification.title],
        ["Enrolment Date", batch.enrolment_date.strftime("%d/%m/%Y")],
        ["Order Number", batch.order_number],
        [],
    ]
    rows = [
        [r.centre_reference, r.pearson_first_names, r.pearson_last_names, r.learner.sex,
         r.learner.date_of_birth.strftime("%d/%m/%Y"), r.planned_completion_date.strftime("%d/%m/%Y"),
         r.learner.uln or "", batch.study_mode]
        for r in registrations
    ]
    return build_xlsx([Sheet("Registrations", BULK_HEADERS, rows, column_widths=[16, 22, 30, 6, 14, 22, 12, 10],
                             header_block=header_block)])


@transaction.atomic
def batch_submit(
    *, actor, registrations, registration_type: str, enrolment_date: date, order_number: str,
    study_mode: str = "FT", late_reason: str = "", reason: str = "Submitted to Pearson in a bulk registration file",
):
    """Put draft registrations of one programme into a bulk registration file and mark them submitted.

    The rows are locked first: a second officer submitting the same drafts at the same moment waits,
    then finds them already submitted and is refused (and the order number is unique per centre).
    """
    from .deadlines import _rules, registration_due_date
    from .models import RegistrationBatch

    order_number = (order_number or "").strip()
    if not _ORDER_RE.match(order_number):
        raise DomainError("The order number is 1 to 12 letters and digits (no spaces or symbols).", field="order_number")
    ids = sorted({r.pk if hasattr(r, "pk") else int(r) for r in registrations})
    if not ids:
        raise DomainError("Choose at least one draft registration to submit.")
    list(Registration.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    locked = list(Registration.objects.filter(pk__in=ids)
                  .select_related("learner", "programme__qualification", "programme__centre").order_by(
                      "learner__legal_last_name", "learner__legal_first_name", "pk"))
    if len(locked) != len(ids):
        raise DomainError("Some of the chosen registrations no longer exist.")
    not_draft = [r for r in locked if r.state != S.DRAFT]
    if not_draft:
        raise DomainError(
            f"{len(not_draft)} of the chosen registrations are no longer drafts (already submitted, perhaps by "
            f"a colleague): {', '.join(r.learner.full_legal_name for r in not_draft[:5])}. Nothing was submitted."
        )
    programmes = {r.programme_id for r in locked}
    if len(programmes) > 1:
        raise DomainError("A bulk registration file is for one programme: choose drafts of one programme.")
    programme = locked[0].programme
    centre = programme.centre
    if RegistrationBatch.objects.filter(centre=centre, order_number__iexact=order_number).exists():
        raise DomainError(f"Order number {order_number} has already been used for another file.", field="order_number")
    today = timezone.localdate()
    problems = []
    renamed: dict[int, tuple[str, str]] = {}  # drafts whose learner's legal name was corrected since drafting
    for r in locked:
        problem, names = names_at_submission(r, today=today)
        if problem:
            problems.append(f"{r.learner.full_legal_name}: {problem}")
        elif names:
            renamed[r.pk] = names
    if problems:
        raise DomainError("Correct these learners first (nothing was submitted): " + " | ".join(problems[:10]))
    rules = _rules()
    late = [r for r in locked if (due := registration_due_date(r, rules)) is not None and today > due]
    if late and not late_reason.strip():
        raise DomainError(
            f"{len(late)} of these registrations are past their due date: say why they are late (a reason is required).",
            field="late_reason",
        )
    batch = RegistrationBatch(
        centre=centre, programme=programme, registration_type=registration_type, enrolment_date=enrolment_date,
        order_number=order_number, study_mode=study_mode, late_reason=late_reason.strip() if late else "",
        created_by=actor, learner_count=len(locked), filename=f"bulk-registration-{centre.number}-{order_number}.xlsx",
        file_data=b"",
    )
    save_tracked(batch, actor=actor, reason=reason, clean=False)
    now = timezone.now()
    late_ids = {r.pk for r in late}
    for r in locked:
        r.state = S.SUBMITTED
        r.submitted_at = now
        r.batch = batch
        r.registration_type = registration_type
        r.centre_reference = centre_reference_for(r)
        fields = ["state", "submitted_at", "batch", "registration_type", "centre_reference"]
        if r.pk in renamed:  # Pearson gets the learner's current legal name, not the one held when drafted
            r.pearson_first_names, r.pearson_last_names = renamed[r.pk]
            fields += ["pearson_first_names", "pearson_last_names"]
        if r.pk in late_ids:
            r.late_reason = late_reason.strip()
            fields.append("late_reason")
        save_tracked(r, actor=actor, reason=f"{reason} (order {order_number})", update_fields=fields, clean=False)
    batch.file_data = bulk_file(batch, locked)
    batch.save(update_fields=["file_data"])  # the file itself is not in the history (excluded field)
    return batch


# Headings Pearson's registration report uses (and close spellings).
CONFIRMATION_ALIASES = {
    "centre_reference": ["Centre Reference", "Centre Ref", "Learner Centre Reference", "Candidate Reference", "Reference"],
    "registration_number": ["Registration Number", "Learner Registration Number", "Pearson Registration Number",
                            "Reg No", "Registration No", "Learner Reg No"],
    "registered_on": ["Registration Date", "Date Registered", "Registered On"],
}


@transaction.atomic
def confirmations_import(*, actor, data: bytes, filename: str) -> dict:
    """Record Pearson's registration numbers from its report, matched on our centre reference.

    Every row is checked first; any problem refuses the whole file (nothing saved). A row already
    recorded with the same number is left alone, so the same report can be uploaded twice.
    """
    from core.spreadsheets import SpreadsheetError, match_headers, parse_date, read_table

    try:
        table = read_table(data, filename=filename)
    except SpreadsheetError as exc:
        raise DomainError(exc.message)
    match = match_headers(table.headers, CONFIRMATION_ALIASES, required=["centre_reference", "registration_number"])
    if match.missing:
        raise DomainError("The report needs a “Centre Reference” and a “Registration Number” column.")
    def text(value) -> str:  # Excel hands a number typed in a cell back as 12345.0
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value if value is not None else "").strip()

    errors, to_confirm, already = [], [], 0
    refs: dict[str, object] = {}
    for row in table.rows:
        ref = text(row.get(match.mapping["centre_reference"])).upper()
        if not ref:
            errors.append(f"Row {row.number}, column “{match.mapping['centre_reference']}”: the centre reference is missing.")
        elif ref in refs:
            errors.append(f"Row {row.number}: centre reference “{ref}” is also on row {refs[ref].number}.")
        else:
            refs[ref] = row
    found = {r.centre_reference.upper(): r for r in Registration.objects.select_for_update().filter(centre_reference__in=list(refs))}
    for ref, row in refs.items():
        number = text(row.get(match.mapping["registration_number"]))
        registration = found.get(ref)
        day = None
        if "registered_on" in match.mapping and row.get(match.mapping["registered_on"]) not in ("", None):
            try:
                day = parse_date(row.get(match.mapping["registered_on"]))
            except ValueError as exc:
                errors.append(f"Row {row.number}, column “{match.mapping['registered_on']}”: {exc}")
                continue
        if registration is None:
            errors.append(f"Row {row.number}: no registration has the centre reference “{ref}”.")
        elif not number:
            errors.append(f"Row {row.number}, column “{match.mapping['registration_number']}”: the registration number is missing.")
        elif registration.state == S.SUBMITTED:
            to_confirm.append((registration, number, day))
        elif registration.pearson_registration_number == number:
            already += 1
        else:
            errors.append(f"Row {row.number}: {ref} is {registration.get_state_display().lower()}, not awaiting Pearson's number.")
    if errors:
        raise DomainError("Nothing was saved. " + " ".join(errors[:20]) + (f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""))
    for registration, number, day in to_confirm:
        registration_confirm(actor=actor, registration=registration, pearson_registration_number=number,
                             registered_on=day, reason=f"Registration confirmed by Pearson's report {filename}")
    return {"confirmed": len(to_confirm), "already": already}


# --- Transfers in from another centre ------------------------------------------------------------

@transaction.atomic
def transfer_in_create(
    *, actor, learner: Learner, programme: Programme, previous_centre_number: str, previous_registration_number: str,
    enrolment_date: date, planned_completion_date: date, units: list[tuple[str, str]], reason: str,
    previous_centre_name: str = "", confirm_transliteration: bool = False,
):
    """A learner joins from another centre: a draft registration here, the prior units with grades, an
    open checklist, and a notification owed to Pearson."""
    from django.core.exceptions import ValidationError

    from core.validators import validate_centre_number

    from .models import TransferIn, TransferInUnit

    try:
        validate_centre_number(previous_centre_number)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="previous_centre_number")
    if previous_centre_number == programme.centre.number:
        raise DomainError("The previous centre must be another centre.", field="previous_centre_number")
    if not previous_registration_number.strip():
        raise DomainError("Enter the registration number at the previous centre.", field="previous_registration_number")
    by_number = {u.number: u for u in programme.qualification.units.all()}
    allowed_grades = {"P", "M", "D", "D*", "N", "U"}
    unit_rows = []
    for number, grade in units:
        unit = by_number.get(number)
        if unit is None:
            raise DomainError(f"Unit {number} is not a unit of {programme.qualification}.", field="units")
        if grade.upper() not in allowed_grades:
            raise DomainError(f"Grade “{grade}” for unit {number} is not a unit grade (P, M, D, D*, N or U).", field="units")
        unit_rows.append((unit, grade.upper()))
    if len({u.pk for u, _ in unit_rows}) != len(unit_rows):
        raise DomainError("A unit is listed twice.", field="units")
    registration = registration_create_draft(
        actor=actor, learner=learner, programme=programme, enrolment_date=enrolment_date,
        planned_completion_date=planned_completion_date, reason=f"Transfer in from centre {previous_centre_number}: {reason}",
        confirm_transliteration=confirm_transliteration,
    )
    transfer = TransferIn(
        registration=registration, previous_centre_number=previous_centre_number,
        previous_registration_number=previous_registration_number.strip(), previous_centre_name=previous_centre_name,
        created_by=actor,
    )
    save_tracked(transfer, actor=actor, reason=reason)
    for unit, grade in unit_rows:
        save_tracked(TransferInUnit(transfer=transfer, unit=unit, grade=grade), actor=actor, reason=reason)
    notification_raise(
        actor=actor, kind=PearsonNotification.Kind.TRANSFER_IN, learner=learner, registration=registration, reason=reason,
        summary=f"Transfer {learner.full_legal_name} in from centre {previous_centre_number} "
        f"(registration {previous_registration_number.strip()}) onto {programme.qualification}",
        details={"previous_centre_number": previous_centre_number, "previous_registration_number": previous_registration_number.strip(),
                 "units": [[u.number, g] for u, g in unit_rows]},
    )
    return transfer


@transaction.atomic
def transfer_in_tick(*, actor, transfer, check: str, done: bool = True, reason: str = ""):
    """Tick (or untick) one item of the transfer-in checklist."""
    from .models import TransferIn

    if check not in TransferIn.CHECKS:
        raise DomainError("Unknown checklist item.")
    transfer = TransferIn.objects.select_for_update().get(pk=transfer.pk)
    if getattr(transfer, check) == done:
        return transfer
    setattr(transfer, check, done)
    label = TransferIn.CHECKS[check]
    save_tracked(transfer, actor=actor, reason=reason.strip() or f"{label}: {'done' if done else 'not done'}", update_fields=[check])
    return transfer


@transaction.atomic
def notifications_mark_sent(*, actor, notifications, sent_at=None, reference: str = "") -> int:
    """Record that Pearson has been told about each of these (skipping any already recorded)."""
    ids = [n.pk if hasattr(n, "pk") else int(n) for n in notifications]
    count = 0
    for notification in PearsonNotification.objects.select_for_update().filter(pk__in=ids, sent_at__isnull=True).order_by("pk"):
        notification_mark_sent(actor=actor, notification=notification, sent_at=sent_at, reference=reference)
        count += 1
    return count


# --- Qualifications, units and programmes (set up by the exams officer) -------------------------

@transaction.atomic
def qualification_save(*, actor, qualification, reason: str):
    """Create or change a qualification (the form has already bound the values)."""
    from .models import Qualification

    if qualification.pk:
        Qualification.objects.select_for_update().get(pk=qualification.pk)
    save_tracked(qualification, actor=actor, reason=reason)
    return qualification


@transaction.atomic
def unit_save(*, actor, unit, reason: str):
    from .models import Unit

    if unit.pk:
        Unit.objects.select_for_update().get(pk=unit.pk)
    save_tracked(unit, actor=actor, reason=reason)
    return unit


UNIT_ALIASES = {
    "number": ["Unit", "Unit No", "Unit Number", "No", "Number"],
    "title": ["Unit Title", "Title", "Name", "Unit Name"],
    "glh": ["GLH", "Guided Learning Hours", "Hours"],
    "assessment": ["Assessment", "Assessment Type", "Internal/External", "Type"],
    "mandatory": ["Mandatory", "Mandatory/Optional", "Optional", "Status"],
}


@transaction.atomic
def units_import(*, actor, qualification, data: bytes, filename: str, reason: str = "") -> dict:
    """Add or update a qualification's units from a spreadsheet (number, title, GLH, assessment,
    mandatory). Every row is checked first; any problem refuses the whole file."""
    from core.spreadsheets import SpreadsheetError, match_headers, read_table

    from .models import Unit

    try:
        table = read_table(data, filename=filename, max_rows=500)
    except SpreadsheetError as exc:
        raise DomainError(exc.message)
    match = match_headers(table.headers, UNIT_ALIASES, required=["number", "title", "glh"])
    if match.missing:
        raise DomainError("The file needs columns for the unit number, title and GLH (e.g. “Unit”, “Title”, “GLH”).")
    existing = {u.number: u for u in qualification.units.all()}
    errors, seen, planned = [], set(), []
    for row in table.rows:
        def cell(name, row=row):
            value = row.get(match.mapping.get(name))
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).strip() if value not in (None, "") else ""

        number, title, glh = cell("number"), cell("title"), cell("glh")
        where = f"Row {row.number}"
        if not number or len(number) > 10:
            errors.append(f"{where}, column “{match.mapping['number']}”: the unit number is missing or longer than 10 characters.")
            continue
        if number in seen:
            errors.append(f"{where}: unit {number} appears twice.")
            continue
        seen.add(number)
        if not title:
            errors.append(f"{where}, column “{match.mapping['title']}”: the title is missing.")
        if not glh.isdigit() or int(glh) == 0:
            errors.append(f"{where}, column “{match.mapping['glh']}”: GLH must be a whole number above 0 (it says “{glh}”).")
        assessment = cell("assessment").lower()
        if assessment.startswith("ext") or assessment in ("e", "exam"):
            assessment = Unit.Assessment.EXTERNAL
        elif assessment in ("", "i", "int") or assessment.startswith("int"):
            assessment = Unit.Assessment.INTERNAL
        else:
            errors.append(f"{where}, column “{match.mapping.get('assessment')}”: assessment must be Internal or External.")
        mandatory_text = cell("mandatory").lower()
        header = (match.mapping.get("mandatory") or "").lower()
        if mandatory_text in ("", "m", "mandatory", "yes", "y", "true", "1"):
            mandatory = not (header == "optional" and mandatory_text in ("yes", "y", "true", "1"))
        elif mandatory_text in ("o", "optional", "no", "n", "false", "0"):
            mandatory = header == "optional"
        else:
            errors.append(f"{where}, column “{match.mapping.get('mandatory')}”: say Mandatory or Optional.")
            mandatory = True
        planned.append((number, title[:200], int(glh) if glh.isdigit() else 0, assessment, mandatory))
    if errors:
        raise DomainError("Nothing was saved. " + " ".join(errors[:20]))
    reason = reason.strip() or f"Units imported from {filename}"
    created = updated = 0
    for number, title, glh, assessment, mandatory in planned:
        unit = existing.get(number)
        if unit is None:
            unit = Unit(qualification=qualification, number=number)
            created += 1
        elif (unit.title, unit.glh, unit.assessment, unit.mandatory) == (title, glh, assessment, mandatory):
            continue
        else:
            updated += 1
        unit.title, unit.glh, unit.assessment, unit.mandatory = title, glh, assessment, mandatory
        save_tracked(unit, actor=actor, reason=reason)
    return {"created": created, "updated": updated, "unchanged": len(planned) - created - updated}


@transaction.atomic
def programme_save(*, actor, programme, subject_leads, reason: str):
    """Create or change a programme and its subject leads."""
    from core.roles import SUBJECT_LEAD

    if programme.pk:
        Programme.objects.select_for_update().get(pk=programme.pk)
    not_leads = [u for u in subject_leads if not u.groups.filter(name=SUBJECT_LEAD).exists()]
    if not_leads:
        raise DomainError(f"{', '.join(str(u) for u in not_leads)} is not a subject lead.", field="subject_leads")
    save_tracked(programme, actor=actor, reason=reason)
    programme._history_user = actor
    programme._change_reason = reason
    programme.subject_leads.set(subject_leads)
    return programme


# --- Yearly rules: deadlines, late-fee bands and suite rules are data the exams officer keeps up to date. ---


@dataclass(frozen=True)
class FeeBandInput:
    from_days_late: int
    multiplier: Decimal
    label: str = ""


def _academic_year_span(academic_year: str) -> tuple[date, date]:
    start = int(academic_year[:4])
    return date(start, 8, 1), date(start + 1, 7, 31)


def registrations_under_rule(rule: DeadlineRule):
    """Registrations already sent to Pearson whose due date and fee band this rule decides."""
    return Registration.objects.filter(
        programme__academic_year=rule.academic_year, programme__registration_mode=rule.registration_mode,
        submitted_at__isnull=False,
    )


@transaction.atomic
def deadline_rule_save(
    *, actor, rule: DeadlineRule, bands: list[FeeBandInput], reason: str, confirm_rebanding: bool = False,
) -> DeadlineRule:
    """Create or change one academic year's registration deadline rule and its late-fee bands.

    Refuses: a deadline outside the academic year, weeks outside 1–52, a second rule for the same year and
    mode, bands that do not start later and cost at least as much as the one before. A change that would
    move the due date or fee band of registrations already sent to Pearson needs `confirm_rebanding`."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why (for example “Pearson fees 2027/28 published”): it is kept in the history.", field="reason")
    old = DeadlineRule.objects.select_for_update().get(pk=rule.pk) if rule.pk else None
    if rule.registration_mode == RegistrationMode.ACADEMIC_YEAR:
        if rule.deadline is None:
            raise DomainError("An academic-year rule needs its deadline (usually 1 November).", field="deadline")
        start, end = _academic_year_span(rule.academic_year)
        if not start <= rule.deadline <= end:
            raise DomainError(
                f"The deadline {rule.deadline:%d/%m/%Y} is outside the academic year {rule.academic_year} "
                f"({start:%d/%m/%Y} to {end:%d/%m/%Y}).", field="deadline")
        rule.weeks_after_enrolment = None
    else:
        if not rule.weeks_after_enrolment or not 1 <= rule.weeks_after_enrolment <= 52:
            raise DomainError("A roll-on/roll-off rule needs the weeks after enrolment (1 to 52; Pearson: 6).",
                              field="weeks_after_enrolment")
        rule.deadline = None
    clash = DeadlineRule.objects.filter(academic_year=rule.academic_year, registration_mode=rule.registration_mode)
    if clash.exclude(pk=rule.pk).exists():
        raise DomainError(f"There is already a {rule.get_registration_mode_display().lower()} rule for {rule.academic_year}: "
                          "change that one instead.", field="academic_year")
    ordered = sorted(bands, key=lambda b: b.from_days_late)
    for i, band in enumerate(ordered, start=1):
        if band.from_days_late < 1:
            raise DomainError(f"Band {i}: a late-fee band starts at 1 day late or more.", field="bands")
        if band.multiplier < 1:
            raise DomainError(f"Band {i}: the fee multiplier is at least 1.00 (×1.05 is 5% extra).", field="bands")
        if i > 1:
            before = ordered[i - 2]
            if band.from_days_late == before.from_days_late:
                raise DomainError(f"Two bands start at {band.from_days_late} days late.", field="bands")
            if band.multiplier < before.multiplier:
                raise DomainError(f"Band {i} ({band.from_days_late}+ days) costs less than the band before it.", field="bands")
    if old is not None:
        old_bands = [(b.from_days_late, b.multiplier) for b in old.fee_bands.order_by("from_days_late")]
        moves = (old.deadline, old.weeks_after_enrolment, old.academic_year, old.registration_mode) != (
            rule.deadline, rule.weeks_after_enrolment, rule.academic_year, rule.registration_mode,
        ) or old_bands != [(b.from_days_late, b.multiplier) for b in ordered]
        affected = registrations_under_rule(old).count()
        if moves and affected and not confirm_rebanding:
            raise DomainError(
                f"{affected} registration(s) already sent to Pearson fall under this rule: their due date or late-fee "
                "band would be worked out again. Tick the confirmation if Pearson's published rule really changed.",
                field="confirm_rebanding")
    save_tracked(rule, actor=actor, reason=reason)
    kept = {b.from_days_late for b in ordered}
    for band in LateFeeBand.objects.select_for_update().filter(rule=rule).exclude(from_days_late__in=kept):
        band._history_user, band._change_reason = actor, reason
        band.delete()
    existing = {b.from_days_late: b for b in LateFeeBand.objects.filter(rule=rule)}
    for given in ordered:
        band = existing.get(given.from_days_late) or LateFeeBand(rule=rule, from_days_late=given.from_days_late)
        if band.pk and (band.multiplier, band.label) == (given.multiplier, given.label):
            continue
        band.multiplier, band.label = given.multiplier, given.label
        save_tracked(band, actor=actor, reason=reason)
    return rule


@transaction.atomic
def suite_rules_update(
    *, actor, suite: QualificationSuite, external_resit_limit: int, terminal_rule: bool, near_pass_grade: bool, reason: str,
) -> QualificationSuite:
    """Change the re-assessment rules Pearson sets for a qualification suite. Entries already made stand;
    the new limit applies to entries made from now on."""
    suite = QualificationSuite.objects.select_for_update().get(pk=suite.pk)
    if external_resit_limit < 0 or external_resit_limit > 5:
        raise DomainError("The resit limit is a number of resits from 0 to 5 (Pearson: 1).", field="external_resit_limit")
    suite.external_resit_limit, suite.terminal_rule, suite.near_pass_grade = external_resit_limit, terminal_rule, near_pass_grade
    save_tracked(suite, actor=actor, reason=reason, update_fields=["external_resit_limit", "terminal_rule", "near_pass_grade"])
    return suite
