"""Demo data for registering (called by `seed_demo` after its cohorts; safe to run twice).

Late joiners, the exams office's commonest registering problem after the deadline: five learners who
joined this year's Level 3 cohort in November, after the 1 November deadline. Three have gone to Pearson
in a bulk registration file, late with the reason, and await Pearson's numbers; two are still drafts,
overdue and in a late-fee band. Also a withdrawal owed to Pearson.
"""

from datetime import date, timedelta

from django.utils import timezone

from core.roles import EXAMS_OFFICER
from learners.services import learner_create

from . import services
from .models import PearsonNotification, Programme, Registration, RegistrationBatch

DEMO_ORDER = "DEMO1"
JOINERS = [  # legal first name, legal last name, sex
    ("Kacper", "Nowak", "M"), ("Aaliyah", "Hussain", "F"), ("Ewan", "Sinclair", "M"),
    ("Maisie", "Doyle", "F"), ("Tomasz", "Wiśniewski", "M"),
]


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
    # This year's cohort (the latest to have started), the highest level first: sixth-form late joiners.
    programme = (Programme.objects.filter(centre=centre, is_active=True, approved_to__gt=today, start_date__lte=today)
                 .select_related("qualification").order_by("-start_date", "-qualification__level", "pk").first())
    if officer is None or programme is None:
        say("registrations demo: no exams officer or open programme; skipped")
        return
    if RegistrationBatch.objects.filter(centre=centre, order_number=DEMO_ORDER).exists():
        say("registrations demo: already seeded")
        return
    joined = max(programme.start_date, min(today - timedelta(days=14), date(today.year, 11, 16)))
    learners = []
    for number, (first, last, sex) in enumerate(JOINERS, start=1):
        mis_id = f"JOIN{programme.start_date:%y}{number:03d}"
        learner = centre.learners.filter(mis_id=mis_id).first() or learner_create(
            actor=officer, centre=centre, reason="Joined the school after the registration deadline (demo data)",
            mis_id=mis_id, legal_first_name=first, legal_last_name=last, sex=sex, uln=None, uln_not_yet_known=True,
            date_of_birth=date(programme.start_date.year - 17, 9, 1) + timedelta(days=71 * number),
            email=f"{mis_id.lower()}@students.example.org",
        )
        learners.append(learner)
    completion = max(programme.planned_end_date, today + timedelta(days=60))
    created, refused = services.registrations_draft_many(
        actor=officer, learners=learners, programme=programme, enrolment_date=joined,
        planned_completion_date=completion, confirm_transliteration=True,  # Wiśniewski → WISNIEWSKI, checked
        reason="Drafted for a learner who joined in November",
    )
    if len(created) >= 4:
        services.batch_submit(
            actor=officer, registrations=created[:3], registration_type=Registration.RegistrationType.FULL_AWARD,
            enrolment_date=joined, order_number=DEMO_ORDER,
            late_reason="Learners joined the sixth form in November, after the 1 November deadline",
        )
    live = Registration.objects.filter(programme__centre=centre, state=Registration.State.REGISTERED).select_related("learner").first()
    if live and not PearsonNotification.objects.filter(registration=live, kind=PearsonNotification.Kind.WITHDRAWAL).exists():
        services.registration_withdraw(actor=officer, registration=live, withdrawn_on=max(today, live.registered_on or today),
                                       reason="Demo: left the school")
    say(f"registrations demo: {len(created)} late joiners drafted on {programme}, batch {DEMO_ORDER}, {len(refused)} refused")


__all__ = ["seed_demo_data"]
