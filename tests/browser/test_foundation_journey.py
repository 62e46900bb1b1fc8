import pytest

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_exams_officer_signs_in_finds_and_opens_a_learner(page, live_server, exams_officer, registration_a):
    learner = registration_a.learner
    login(page, live_server, exams_officer)
    assert page.get_by_role("heading", name="Home").is_visible()
    page.get_by_role("link", name="Learners").click()
    page.get_by_label("Search").fill(learner.legal_last_name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=f"{learner.legal_last_name.upper()}, {learner.legal_first_name}").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"{learner.legal_first_name} {learner.legal_last_name.upper()}"
    assert page.get_by_text(learner.uln).is_visible()
    assert page.get_by_role("heading", name="Registrations").is_visible()


def test_keyboard_user_can_skip_to_content(page, live_server, exams_officer):
    login(page, live_server, exams_officer)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
