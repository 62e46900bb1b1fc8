"""Demo data for registration check lists and statements (called by `seed_demo`; safe to run twice).

Opens one round over the centre's active programmes, dated nine days ago and due in a fortnight, and
works it through the services as the staff would have: one list signed off by its subject lead (one
detail flagged incorrect, one learner who should not be on the programme, one learner missing; the
exams officer dismissed the second), one list in progress, the rest not started. The signed-off
programme's learners were given printed statements, and one learner confirmed through their link.
"""

from datetime import timedelta

from django.utils import timezone

from audit.services import record

from .models import CheckRound, CheckVerdict, Discrepancy, Statement
from .services import (
    checklist_sign_off,
    discrepancy_resolve,
    missing_learner_add,
    round_open,
    statement_respond,
    statement_token,
    statements_issue,
    verdict_record,
)

V = CheckVerdict.Verdict


def _term(day) -> str:
    return "Autumn" if day.month >= 9 else ("Spring" if day.month <= 4 else "Summer")


def _lead(check_list):
    return check_list.programme.subject_leads.filter(is_active=True).order_by("pk").first()


def seed_demo_data(*, centre, users, stdout=None) -> None:
    from core.management.commands.seed_demo import at
    from registrations.models import Programme, Registration

    def say(text):
        if stdout is not None:
            stdout.write(text)

    officer = users.get("exams_officer") if isinstance(users, dict) else None
    if officer is None or centre is None:
        say("checks demo: no exams officer or centre; skipped")
        return
    if CheckRound.objects.filter(checks__programme__centre=centre).exists():
        say("checks demo: a check round is already open; nothing to add")
        return
    programmes = list(Programme.objects.filter(centre=centre, is_active=True))
    if not programmes:
        say("checks demo: no active programme; skipped")
        return
    today = timezone.localdate()
    opened = today - timedelta(days=9)
    with at(opened, 9):
        check_round = round_open(
            actor=officer, name=f"{_term(opened)} term {opened.year} registration check",
            due_date=today + timedelta(days=14), programmes=programmes,
        )
    # The lists with a subject lead and at least three registered learners, fewest first.
    registered = Registration.State.REGISTERED
    workable = sorted(
        (c for c in check_round.checks.select_related("programme")
         if _lead(c) and c.lines.filter(registration_state=registered).count() >= 3),
        key=lambda c: (c.lines.count(), c.programme.name),
    )
    signed = workable[0] if workable else None
    in_progress = workable[1] if len(workable) > 1 else None

    flagged = None
    if signed is not None:
        lead = _lead(signed)
        lines = list(signed.lines.order_by("legal_last_name", "legal_first_name", "id"))
        with at(today - timedelta(days=4), 14):
            for i, line in enumerate(lines):
                if i == 0:
                    verdict_record(
                        actor=lead, line=line, verdict=V.INCORRECT, field="legal_first_name",
                        correct_value=f"{line.legal_first_name}-Rose" if line.sex == "F" else f"{line.legal_first_name} James",
                        note="Full first names are on the birth certificate", expected_version=0,
                    )
                elif i == 1:
                    verdict_record(actor=lead, line=line, verdict=V.NOT_ON_PROGRAMME, expected_version=0,
                                   note="Moved to the other pathway at half term")
                else:
                    verdict_record(actor=lead, line=line, verdict=V.CORRECT, expected_version=0)
            missing_learner_add(
                actor=lead, check_list=signed, first_name="Tomasz", last_name="Zielinski",
                date_of_birth=lines[-1].date_of_birth, description="Joined after October half term",
            )
            checklist_sign_off(actor=lead, check_list=signed)
        not_on = Discrepancy.objects.get(line=lines[1])
        with at(today - timedelta(days=2), 11):
            discrepancy_resolve(
                actor=officer, discrepancy=not_on, action=Discrepancy.Action.DISMISS,
                reason="Checked the timetable with the subject lead: the learner still attends this programme.",
            )
        flagged = Discrepancy.objects.filter(check_list=signed, state=Discrepancy.State.OPEN).count()

    if in_progress is not None:
        lead = _lead(in_progress)
        lines = list(in_progress.lines.order_by("legal_last_name", "legal_first_name", "id"))
        with at(today - timedelta(days=3), 15):
            for line in lines[: len(lines) // 2]:
                verdict_record(actor=lead, line=line, verdict=V.CORRECT, expected_version=0)

    told, confirmed = 0, 0
    if signed is not None:
        registrations = list(
            Registration.objects.filter(programme=signed.programme, state=registered)
            .select_related("learner", "programme__qualification", "programme__centre")
            .order_by("learner__legal_last_name", "learner__legal_first_name", "id")
        )
        if registrations:
            with at(today - timedelta(days=6), 10):
                statements = statements_issue(actor=officer, registrations=registrations, method=Statement.Method.PRINTED)
                record(officer, "checks.statements.printed", signed.programme,
                       {"statements": len(statements), "demo": True})
            with at(today - timedelta(days=5), 19):
                statement_respond(token=statement_token(statements[-1]), response=Statement.Response.CONFIRMED)
            told, confirmed = len(statements), 1
    say(
        f"checks demo: round “{check_round}” over {check_round.checks.count()} programmes; "
        f"signed off: {signed.programme if signed else 'none'} ({flagged or 0} open discrepancies); "
        f"in progress: {in_progress.programme if in_progress else 'none'}; {told} statements printed, {confirmed} confirmed"
    )


__all__ = ["seed_demo_data"]
