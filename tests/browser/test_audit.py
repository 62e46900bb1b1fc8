"""Browser journey: an investigation from opening to a senior leader's acknowledgement, and the trail
still verifying after these live-server tests (which also prove the test flush gets through the triggers)."""

import pytest

from audit import integrity
from core.roles import SENIOR_LEADER
from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_investigation_journey(page, live_server, exams_officer, senior_leader, registration_a):
    deputy = UserFactory(username="deputy", first_name="Dana", last_name="Deputy", roles=[SENIOR_LEADER])
    login(page, live_server, exams_officer)
    page.get_by_role("link", name="Investigations").click()
    page.get_by_role("link", name="Open an investigation").first.click()
    page.get_by_label("Kind").select_option("late_registration")
    page.get_by_label("Summary").fill("Registration sent after the 1 November deadline")
    page.get_by_label("Investigator").select_option(label=deputy.get_full_name())
    page.get_by_label("Why this is being opened").fill("Found on the late list")
    page.get_by_role("button", name="Open the investigation").click()
    assert "Investigation INV-" in page.get_by_role("heading", level=1).inner_text()

    page.get_by_label("Note").fill("Submission log shows 3 November")
    page.get_by_role("button", name="Add evidence").click()
    assert page.get_by_text("Evidence added.").is_visible()
    page.get_by_label("Outcome").select_option("maladministration")
    page.get_by_label("Conclusion").fill("The deadline was missed by the department")
    page.get_by_role("button", name="Record the conclusion").click()
    page.get_by_role("button", name="Report to senior leaders").click()
    assert page.get_by_text("Waiting for a senior leader").is_visible()
    url = page.url

    page.context.clear_cookies()
    login(page, live_server, senior_leader)
    page.goto(url)
    page.get_by_role("button", name="Acknowledge this report").click()
    assert page.get_by_text("Report acknowledged.").is_visible()
    assert page.get_by_role("button", name="Record the report to Pearson").count() == 0  # senior leaders read, not run

    result = integrity.verify()
    assert result.intact, result.problems


def test_senior_leader_verifies_the_trail_from_the_integrity_page(page, live_server, senior_leader):
    login(page, live_server, senior_leader)
    page.get_by_role("link", name="Audit integrity").click()
    page.get_by_role("button", name="Verify the audit trail now").click()
    page.get_by_text("The audit trail is intact.").wait_for()


def test_senior_leader_prints_an_audit_report(page, live_server, senior_leader, registration_a):
    login(page, live_server, senior_leader)
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Registration timeliness and accuracy").click()
    page.get_by_label("From", exact=True).fill("01/09/2026")
    page.get_by_label("To", exact=True).fill("31/08/2027")
    page.get_by_role("button", name="Show the report").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Registration timeliness and accuracy"
    assert page.get_by_role("img", name="Registrations sent to Pearson").first.is_visible()  # the SVG chart
    page.get_by_role("button", name="Make the PDF").click()
    link = page.get_by_role("link", name="Download audit-report-registrations-20260901-20270831.pdf")
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "audit-report-registrations-20260901-20270831.pdf"
