"""The registration step of a learner's trace (audit.trace contract): drafted, submitted, registered
with Pearson's number, withdrawals/transfers/deletion, and the notifications Pearson is owed."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from audit.trace import BrokenLink, TraceItem

from .deadlines import late_fee_band, registration_due_date
from .models import PearsonNotification, Registration

S = Registration.State
NOTIFICATION_OVERDUE_DAYS = 30  # an owed notification older than this is a broken link
NEEDS_NUMBER = (S.REGISTERED, S.WITHDRAWN, S.CERTIFICATED, S.GRADE_DECLINED, S.TRANSFERRED_OUT)


def trace_items(registration: Registration) -> list[TraceItem]:
    items: list[TraceItem] = []
    url = registration.get_absolute_url()
    today = timezone.localdate()
    items.append(TraceItem("registration", f"Drafted for {registration.programme}", timezone.localdate(registration.created_at), url))
    due = registration_due_date(registration)
    if registration.submitted_at:
        on = timezone.localdate(registration.submitted_at)
        band = late_fee_band(registration, on)
        label = "Submitted to Pearson"
        if band:
            label += f" late ({band}; fee ×{band.multiplier})"
            if registration.late_reason:
                label += f": {registration.late_reason}"
        items.append(TraceItem("registration", label, on, url))
    elif registration.state == S.DRAFT:
        overdue = due is not None and today > due
        items.append(TraceItem(
            "registration", "Not yet submitted to Pearson", None, url,
            status="broken" if overdue else "pending",
            problem=f"due by {due:%d/%m/%Y} and not sent" if overdue else (f"due by {due:%d/%m/%Y}" if due else ""),
        ))
    if registration.state in NEEDS_NUMBER or registration.registered_on:
        if not registration.pearson_registration_number or not registration.registered_on:
            items.append(TraceItem(
                "registration", "Registered with Pearson", registration.registered_on, url, status="broken",
                problem="registered without Pearson's registration number or date",
            ))
        else:
            items.append(TraceItem(
                "registration", f"Registered with Pearson as {registration.pearson_registration_number}",
                registration.registered_on, url,
            ))
    elif registration.state == S.SUBMITTED:
        items.append(TraceItem("registration", "Awaiting Pearson's registration number", None, url, status="pending"))
    for state, field, words in (
        (S.WITHDRAWN, "withdrawn_on", "Withdrawn"), (S.DELETED, "deleted_on", "Registration deleted"),
        (S.TRANSFERRED_OUT, "transferred_on", "Transferred"),
    ):
        on = getattr(registration, field)
        if on or registration.state == state:
            label = words
            if field == "transferred_on" and registration.transferred_to_id:
                label += f" to {registration.transferred_to.programme}"
            items.append(TraceItem(
                "registration", label, on, url,
                status="ok" if on else "broken", problem="" if on else f"{words.lower()} with no date",
            ))
    for n in registration.pearson_notifications.order_by("raised_at", "pk"):
        raised = timezone.localdate(n.raised_at)
        if n.sent_at:
            items.append(TraceItem(
                "registration", f"Pearson told: {n.summary} (sent {timezone.localdate(n.sent_at):%d/%m/%Y}"
                + (f", ref. {n.sent_reference})" if n.sent_reference else ")"), raised, url,
            ))
        else:
            late = today - raised > timedelta(days=NOTIFICATION_OVERDUE_DAYS)
            items.append(TraceItem(
                "registration", f"Pearson to be told: {n.summary}", raised, url,
                status="broken" if late else "pending",
                problem=f"owed for more than {NOTIFICATION_OVERDUE_DAYS} days" if late else "not yet sent",
            ))
    return items


def _link(registration, problem) -> BrokenLink:
    return BrokenLink(
        registration.pk, registration.learner.full_legal_name, registration.programme.name, "registration", problem,
        registration.get_absolute_url(),
    )


def broken_links(user) -> list[BrokenLink]:
    from .deadlines import overdue_registrations

    visible = Registration.objects.visible_to(user).select_related("learner", "programme")
    links = [
        _link(r, "registered without Pearson's registration number or date")
        for r in visible.filter(state__in=NEEDS_NUMBER).filter(Q(pearson_registration_number="") | Q(registered_on__isnull=True))
    ]
    links += [
        _link(r, f"{r.get_state_display().lower()} with no date")
        for r in visible.filter(
            Q(state=S.WITHDRAWN, withdrawn_on__isnull=True) | Q(state=S.DELETED, deleted_on__isnull=True)
            | Q(state=S.TRANSFERRED_OUT, transferred_on__isnull=True) | Q(state=S.CERTIFICATED, certificated_on__isnull=True)
        )
    ]
    today = timezone.localdate()
    links += [_link(r, "past its due date and not yet sent to Pearson") for r in overdue_registrations(visible, today)]
    cutoff = timezone.now() - timedelta(days=NOTIFICATION_OVERDUE_DAYS)
    owed = (
        PearsonNotification.objects.filter(sent_at__isnull=True, raised_at__lt=cutoff, registration__in=visible)
        .select_related("registration__learner", "registration__programme")
    )
    links += [
        _link(n.registration, f"Pearson still to be told ({n.get_kind_display().lower()}, raised {timezone.localdate(n.raised_at):%d/%m/%Y})")
        for n in owed
    ]
    return links
