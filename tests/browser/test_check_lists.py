"""Journeys: a subject lead checks their list (flags an error, adds a missing learner, signs off);
the exams officer resolves what was flagged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from checks.models import Discrepancy
from checks.services import round_open
from tests.browser.conftest import login
from tests.factories import RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_flags_adds_signs_off_then_officer_resolves(page, browser, live_server, exams_officer, lead_a, programme_a, registration_a):
    other = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    check_round = round_open(actor=exams_officer, name="Autumn term check", due_date=timezone.localdate() + timedelta(days=14))
    check_list = check_round.checks.get(programme=programme_a)
    flagged = check_list.lines.get(registration=registration_a)
    fine = check_list.lines.get(registration=other)

    login(page, live_server, lead_a)
    page.get_by_role("link", name="Check lists").click()
    page.get_by_role("link", name=str(programme_a)).click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Check list: {programme_a}"

    row = page.locator(f"#line-{flagged.pk}")
    row.get_by_label("Incorrect", exact=True).check()
    row.get_by_label("If incorrect: which detail").select_option("legal_last_name")
    row.get_by_label("Correct value").fill("SMYTHE")
    row.get_by_role("button", name="Save").click()
    page.locator(f"#line-{flagged.pk}").get_by_text("Saved.").wait_for()  # swapped in place by htmx
    assert page.locator(f"#line-{flagged.pk}").get_by_text("Legal last name should be “SMYTHE”").is_visible()

    row = page.locator(f"#line-{fine.pk}")
    row.get_by_label("Correct", exact=True).check()
    row.get_by_role("button", name="Save").click()
    page.locator(f"#line-{fine.pk}").get_by_text("Saved.").wait_for()

    page.get_by_label("First name(s)").fill("Zara")
    page.get_by_label("Last name", exact=True).fill("Newcomer")
    page.get_by_label("Date of birth").fill("01/05/2009")
    page.get_by_role("button", name="Add missing learner").click()
    assert page.get_by_text("Zara Newcomer added as missing from the list.").is_visible()

    page.get_by_role("button", name="Sign off this check list").click()
    assert page.get_by_text("Signed off. The exams office").is_visible()
    assert page.get_by_text("The list is read-only").is_visible()
    assert page.locator("input[name=verdict]").count() == 0

    # The exams officer, in another browser, resolves the flagged name.
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    officer = context.new_page()
    login(officer, live_server, exams_officer)
    officer.get_by_role("link", name="Check lists").click()
    officer.get_by_role("link", name="Autumn term check").click()
    officer.get_by_role("link", name="2 open").click()
    officer.get_by_role("link", name=registration_a.learner.full_legal_name).click()
    officer.get_by_label("Correct the learner's details (Pearson is told)").check()
    officer.get_by_label("What was done and why").fill("Deed poll seen")
    officer.get_by_role("button", name="Resolve").click()
    assert officer.get_by_text("Discrepancy resolved.").is_visible()
    context.close()

    d = Discrepancy.objects.get(registration=registration_a)
    assert d.state == "resolved"
    registration_a.learner.refresh_from_db()
    assert registration_a.learner.legal_last_name == "SMYTHE"

    # The subject lead sees the outcome on their list.
    page.reload()
    assert page.locator(f"#line-{flagged.pk}").get_by_text("Deed poll seen").is_visible()
