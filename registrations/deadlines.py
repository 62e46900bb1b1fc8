"""When each registration is due and which late-fee band it falls into (rules are DeadlineRule rows)."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from .models import DeadlineRule, LateFeeBand, Registration, RegistrationMode


def _rules() -> dict[tuple[str, str], DeadlineRule]:
    return {(r.academic_year, r.registration_mode): r for r in DeadlineRule.objects.prefetch_related("fee_bands")}


def registration_due_date(registration: Registration, rules: dict | None = None) -> date | None:
    """The date by which Pearson must have the registration, or None if no rule covers it."""
    rules = _rules() if rules is None else rules
    programme = registration.programme
    rule = rules.get((programme.academic_year, programme.registration_mode))
    if rule is None:
        return None
    if programme.registration_mode == RegistrationMode.ACADEMIC_YEAR:
        return rule.deadline
    return registration.enrolment_date + timedelta(weeks=rule.weeks_after_enrolment)


def late_fee_band(registration: Registration, on: date, rules: dict | None = None) -> LateFeeBand | None:
    """The band a registration submitted on `on` falls into; None when on time (or no rule)."""
    rules = _rules() if rules is None else rules
    due = registration_due_date(registration, rules)
    if due is None or on <= due:
        return None
    rule = rules[(registration.programme.academic_year, registration.programme.registration_mode)]
    days_late = (on - due).days
    bands = [b for b in rule.fee_bands.all() if b.from_days_late <= days_late]
    return bands[-1] if bands else None


def fee_multiplier(registration: Registration, on: date) -> Decimal:
    band = late_fee_band(registration, on)
    return band.multiplier if band else Decimal("1.00")


def due_before_q(day: date, rules=None) -> Q:
    """Q for registrations whose due date is before `day` (built from the few DeadlineRule rows)."""
    q = Q(pk__in=[])
    for rule in DeadlineRule.objects.all() if rules is None else rules:
        base = Q(programme__academic_year=rule.academic_year, programme__registration_mode=rule.registration_mode)
        if rule.registration_mode == RegistrationMode.ACADEMIC_YEAR:
            if rule.deadline < day:
                q |= base
        else:
            q |= base & Q(enrolment_date__lt=day - timedelta(weeks=rule.weeks_after_enrolment))
    return q


def due_between_q(start: date, end: date, rules=None) -> Q:
    """Q for registrations due on a day from `start` to `end` inclusive."""
    q = Q(pk__in=[])
    for rule in DeadlineRule.objects.all() if rules is None else rules:
        base = Q(programme__academic_year=rule.academic_year, programme__registration_mode=rule.registration_mode)
        if rule.registration_mode == RegistrationMode.ACADEMIC_YEAR:
            if start <= rule.deadline <= end:
                q |= base
        else:
            weeks = timedelta(weeks=rule.weeks_after_enrolment)
            q |= base & Q(enrolment_date__gte=start - weeks, enrolment_date__lte=end - weeks)
    return q


PENDING_STATES = (Registration.State.DRAFT,)


def annotate_deadlines(registrations, today, rules: dict | None = None):
    """Set `.due_date` and `.fee_band` (if late) on each draft/submitted registration, with no query per row."""
    pending = (Registration.State.DRAFT, Registration.State.SUBMITTED)
    if rules is None:  # loaded only when a row needs it (two small queries)
        rules = _rules() if any(r.state in pending for r in registrations) else {}
    for r in registrations:
        r.due_date = r.fee_band = None
        if r.state in pending:
            r.due_date = registration_due_date(r, rules)
            on = timezone.localtime(r.submitted_at).date() if r.submitted_at else today
            r.fee_band = late_fee_band(r, on, rules)
    return registrations


def overdue_registrations(queryset, today: date):
    """Registrations not yet sent to Pearson whose due date has passed."""
    return queryset.filter(state__in=PENDING_STATES).filter(due_before_q(today))
