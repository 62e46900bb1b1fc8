"""Demo data for the audit app (called by `seed_demo` after the foundation data; safe to run twice).

Adds two investigations, made through the services as the exams office would: one still open
(evidence being gathered on a late registration) and one closed (a late certification claim found
to be maladministration, acknowledged by a senior leader and reported to Pearson on form M2), so the
register, the investigations report and the senior leader's acknowledgement have something to show.
"""

from django.db import transaction
from django.utils import timezone

from . import services
from .models import Investigation

OPEN_SUMMARY = "Demo: registration sent to Pearson after the 1 November deadline"
CLOSED_SUMMARY = "Demo: certification claim sent after Pearson's summer deadline without a reason on file"


def _pick_registration(centre, investigator):
    """A registration whose programme the investigator does not lead (the investigator must be independent)."""
    from registrations.models import Registration

    return (Registration.objects.filter(programme__centre=centre).exclude(state__in=Registration.CLOSED_STATES)
            .exclude(programme__subject_leads=investigator).select_related("learner", "programme").order_by("pk").first())


def seed_demo_data(*, centre, users, stdout=None) -> None:
    def say(text):
        if stdout is not None:
            stdout.write(text)

    officer, leader = users.get("exams_officer"), users.get("senior_leader")
    if officer is None or leader is None:
        say("audit demo: no exams officer or senior leader; skipped")
        return
    summaries = set(Investigation.objects.filter(summary__in=[OPEN_SUMMARY, CLOSED_SUMMARY]).values_list("summary", flat=True))
    if summaries == {OPEN_SUMMARY, CLOSED_SUMMARY}:
        say("audit demo: already seeded")
        return
    registration = _pick_registration(centre, leader)
    if registration is None:
        say("audit demo: no registration to investigate; skipped")
        return
    with transaction.atomic():
        made = _seed(officer, leader, registration, summaries)
    say(f"audit demo: {made} investigation(s) added (one open, one closed)")


def _seed(officer, leader, registration, summaries) -> int:
    made = 0
    if OPEN_SUMMARY not in summaries:
        inv = services.investigation_open(
            actor=officer, kind=Investigation.Kind.LATE_REGISTRATION, summary=OPEN_SUMMARY, investigator=leader,
            obj=registration, reason="Demo: offered by the late-registrations check",
        )
        services.investigation_add_evidence(
            actor=officer, investigation=inv, note="Demo: the bulk registration file was downloaded on 3 November.",
        )
        made += 1
    if CLOSED_SUMMARY not in summaries:
        inv = services.investigation_open(
            actor=officer, kind=Investigation.Kind.LATE_CLAIM, summary=CLOSED_SUMMARY, investigator=leader,
            obj=registration, reason="Demo: offered by the claims check",
        )
        services.investigation_add_evidence(
            actor=officer, investigation=inv, note="Demo: assessment records were verified two weeks after the deadline.",
        )
        inv = services.investigation_conclude(
            actor=officer, investigation=inv, outcome=Investigation.Outcome.MALADMINISTRATION,
            conclusion="Demo: internal verification was planned too late in the year; the claim went late as a result.",
            reason="Demo: evidence complete",
        )
        inv = services.investigation_report_to_senior_leaders(actor=officer, investigation=inv, reason="Demo: conclusion reached")
        inv = services.investigation_acknowledge(actor=leader, investigation=inv)
        inv = services.investigation_report_to_pearson(
            actor=officer, investigation=inv, form=Investigation.PearsonForm.M2, sent_on=timezone.localdate(),
            pearson_reference="DEMO-M2-001", reason="Demo: maladministration is reported to Pearson",
        )
        services.investigation_close(actor=officer, investigation=inv, reason="Demo: Pearson's reference recorded")
        made += 1
    return made
