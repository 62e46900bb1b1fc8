"""Every change to a registration, and what Pearson must be told about it.

Each function is keyword-only, runs in one transaction, locks the row it changes, checks the move
against TRANSITIONS, and records the actor and the reason in the history.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from core.history import save_tracked
from learners.models import Learner

from .models import PearsonNotification, Programme, Registration

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


@transaction.atomic
def registration_create_draft(
    *, actor, learner: Learner, programme: Programme, enrolment_date: date, planned_completion_date: date,
    registration_type: str = Registration.RegistrationType.FULL_AWARD, reason: str = "Registration drafted",
) -> Registration:
    today = timezone.localdate()
    if not programme.is_active:
        raise DomainError(f"{programme} is not active: registrations are closed.")
    if programme.approved_to < today:
        raise DomainError(
            f"{programme} is past its Approved To date ({programme.approved_to:%d/%m/%Y}): Pearson will not accept registrations."
        )
    if learner.centre_id != programme.centre_id:
        raise DomainError("The learner and the programme belong to different centres.")
    if Registration.objects.live().filter(learner=learner, programme=programme).exists():
        raise DomainError(f"{learner} is already registered on {programme}.")
    registration = Registration(
        learner=learner, programme=programme, enrolment_date=enrolment_date,
        planned_completion_date=planned_completion_date, registration_type=registration_type,
    )
    save_tracked(registration, actor=actor, reason=reason)
    return registration


@transaction.atomic
def registration_submit(*, actor, registration: Registration, reason: str = "Submitted to Pearson", late_reason: str = "") -> Registration:
    from .deadlines import registration_due_date

    registration = _lock(registration)
    _move(registration, S.SUBMITTED)
    due = registration_due_date(registration)
    if due is not None and timezone.localdate() > due:
        if not late_reason.strip():
            raise DomainError(
                f"This registration was due by {due:%d/%m/%Y}: say why it is late (a reason is required).",
                field="late_reason",
            )
        registration.late_reason = late_reason.strip()
    registration.submitted_at = timezone.now()
    save_tracked(registration, actor=actor, reason=reason, update_fields=["state", "submitted_at", "late_reason"])
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
    if withdrawn_on < (registration.registered_on or withdrawn_on):
        raise DomainError("A withdrawal cannot be dated before the registration.", field="withdrawn_on")
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


@transaction.atomic
def registration_transfer_out(*, actor, registration: Registration, transferred_on: date, reason: str, destination: str = "") -> Registration:
    """The learner leaves for another centre before certification."""
    registration = _lock(registration)
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
    _move(registration, S.TRANSFERRED_OUT)
    registration.transferred_on = transferred_on
    new = registration_create_draft(
        actor=actor, learner=registration.learner, programme=to_programme,
        enrolment_date=registration.enrolment_date, planned_completion_date=max(
            registration.planned_completion_date, to_programme.planned_end_date
        ),
        registration_type=registration.registration_type, reason=f"Transfer from {registration.programme}: {reason}",
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
