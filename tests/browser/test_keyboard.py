"""Keyboard only: sign in, skip the navigation, reach the Learners list and a learner's page, with focus
always where a keyboard user expects it and always visibly marked."""

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page) -> dict:
    """What has the focus: tag, id, name, text, and whether the focus outline is drawn."""
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
                text: (el.innerText || '').trim(), href: el.getAttribute('href') || '',
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
    }""")


def tab_until(page, wanted, limit: int = 25) -> dict:
    """Press Tab until `wanted(focus)` holds; every stop must show a focus outline."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["tag"] == "main" or now["outline"], f"no visible focus on {now}"
        if wanted(now):
            return now
    raise AssertionError(f"not reached by keyboard within {limit} presses of Tab")


def test_sign_in_skip_and_reach_a_learner_by_keyboard(page, live_server, exams_officer, registration_a):
    learner = registration_a.learner
    page.goto(f"{live_server.url}/accounts/login/")

    # The sign-in page puts the focus in the username field (autofocus), visibly; Shift+Tab goes back
    # up through the header to the skip link, and Tab comes down again to the field.
    assert focused(page)["name"] == "username" and focused(page)["outline"]
    for _ in range(2):
        page.keyboard.press("Shift+Tab")
    assert focused(page)["text"] == "Skip to main content" and focused(page)["outline"]
    for _ in range(2):
        page.keyboard.press("Tab")
    assert focused(page)["name"] == "username"

    # Type the username, Tab to the password, Enter signs in.
    page.keyboard.type(exams_officer.username)
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Home"

    # Through the navigation to Learners.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == "Learners")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/learners/")
    assert page.get_by_role("heading", level=1).is_visible()

    # Skip the navigation again: the first stop in the main content is the search field.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "q"

    # On to the learner's row and into the learner's page.
    name = f"{learner.legal_last_name.upper()}, {learner.legal_first_name}"
    link = tab_until(page, lambda f: f["tag"] == "a" and f["text"] == name)
    assert link["href"].endswith(f"/learners/{learner.pk}/")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/learners/{learner.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == f"{learner.legal_first_name} {learner.legal_last_name.upper()}"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content", "a new page starts focus at the top"
