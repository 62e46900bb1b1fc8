"""audit/demo.py: the seed_demo hook adds one open and one closed investigation, through the services, once."""

import io

import pytest

from audit.demo import CLOSED_SUMMARY, OPEN_SUMMARY, seed_demo_data
from audit.models import Investigation

pytestmark = pytest.mark.django_db


def test_demo_investigations_are_seeded_once(centre, registration_a, exams_officer, senior_leader, lead_a):
    users = {"exams_officer": exams_officer, "senior_leader": senior_leader, "subject_leads": [lead_a]}
    out = io.StringIO()
    seed_demo_data(centre=centre, users=users, stdout=out)
    opened = Investigation.objects.get(summary=OPEN_SUMMARY)
    closed = Investigation.objects.get(summary=CLOSED_SUMMARY)
    assert opened.state == Investigation.State.GATHERING_EVIDENCE and opened.evidence.count() == 1
    assert opened.learner == registration_a.learner and opened.investigator == senior_leader
    assert closed.state == Investigation.State.CLOSED and closed.acknowledged_by == senior_leader
    assert (closed.outcome, closed.pearson_form, closed.pearson_reference) == ("maladministration", "M2", "DEMO-M2-001")
    # made through the services: each step is in the history with who and why
    reasons = list(closed.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert len(reasons) >= 6 and reasons[-1] == "Demo: Pearson's reference recorded"

    seed_demo_data(centre=centre, users=users, stdout=out)
    assert Investigation.objects.count() == 2 and "already seeded" in out.getvalue()


def test_demo_skips_without_the_people_it_needs(centre, registration_a, exams_officer):
    out = io.StringIO()
    seed_demo_data(centre=centre, users={"exams_officer": exams_officer}, stdout=out)
    assert not Investigation.objects.exists() and "skipped" in out.getvalue()
