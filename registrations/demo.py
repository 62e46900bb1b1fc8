"""Demo data for registering (called by `seed_demo` after the foundation data; safe to run twice).

Adds, on the centre's first active programme: a few draft registrations due soon, a submitted bulk
registration file awaiting Pearson's numbers, and a withdrawal owed to Pearson.
"""

from datetime import timedelta

from django.utils import timezone

from core.roles import EXAMS_OFFICER

from . import services
from .models import PearsonNotification, Programme, Registration, RegistrationBatch

DEMO_ORDER = "DEMO1"


def _officer(users):
    candidates = users.values() if isinstance(users, dict) else (users or [])
    for user in candidates:
        if user.is_superuser or user.groups.filter(name=EXAMS_OFFICER).exists():
            return user
    return None


def seed_demo_data(*, centre, users, stdout=None) -> None:
    def say(text):
        if stdout is not None:
            stdout.write(text)

    officer = _officer(users)
    today = timezone.localdate()
    programme = Programme.objects.filter(centre=centre, is_active=True, approved_to__gt=today).order_by("pk").first()
    if officer is None or programme is None:
        say("registrations demo: no exams officer or open programme; skipped")
        return
    if RegistrationBatch.objects.filter(centre=centre, order_number=DEMO_ORDER).exists():
        say("registrations demo: already seeded")
        return
    registered = Registration.objects.filter(programme=programme).values("learner_id")
    learners = list(centre.learners.filter(status="on_roll").exclude(pk__in=registered).order_by("pk")[:8])
    if len(learners) < 4:
        say("registrations demo: fewer than 4 unregistered learners; skipped")
        return
    completion = max(programme.planned_end_date, today + timedelta(days=60))
    created, refused = services.registrations_draft_many(
        actor=officer, learners=learners, programme=programme, enrolment_date=min(today, programme.start_date),
        planned_completion_date=completion, confirm_transliteration=True, reason="Demo data",
    )
    if len(created) >= 4:
        services.batch_submit(
            actor=officer, registrations=created[:3], registration_type=Registration.RegistrationType.FULL_AWARD,
            enrolment_date=min(today, programme.start_date), order_number=DEMO_ORDER,
            late_reason="Demo: learners joined after the deadline", reason="Demo data",
        )
    live = Registration.objects.filter(programme__centre=centre, state=Registration.State.REGISTERED).select_related("learner").first()
    if live and not PearsonNotification.objects.filter(registration=live, kind=PearsonNotification.Kind.WITHDRAWAL).exists():
        services.registration_withdraw(actor=officer, registration=live, withdrawn_on=max(today, live.registered_on or today),
                                       reason="Demo: left the school")
    say(f"registrations demo: {len(created)} drafts, batch {DEMO_ORDER}, {len(refused)} refused")


__all__ = ["seed_demo_data"]
