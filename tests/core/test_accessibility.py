"""Every main page: one h1, a skip link to the main content, a label for every visible field,
column headers with a scope, and no inline script or style (the CSP would block them)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.fields: list[dict] = []
        self.links: list[dict] = []
        self.th_without_scope: list[str] = []
        self.inline: list[str] = []
        self.label_depth = 0
        self.in_thead = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if "style" in a:
            self.inline.append(f"style attribute on <{tag}>")
        if any(name.startswith("on") for name in a):
            self.inline.append(f"event handler on <{tag}>")
        if tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag != "input" or a.get("type", "text") not in UNLABELLED_TYPES:
                self.fields.append({**a, "_tag": tag, "_wrapped": self.label_depth > 0})
        elif tag == "a":
            self.links.append(a)
        elif tag == "thead":
            self.in_thead = True
        elif tag == "th" and self.in_thead and "scope" not in a:
            self.th_without_scope.append(str(a))
        elif tag == "script" and "src" not in a:
            self.inline.append("inline <script>")
        elif tag == "style":
            self.inline.append("<style> element")

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1
        elif tag == "thead":
            self.in_thead = False

    def unlabelled(self) -> list[str]:
        missing = []
        for f in self.fields:
            labelled = f["_wrapped"] or f.get("aria-label") or f.get("aria-labelledby") or f.get("id") in self.label_for
            if not labelled:
                missing.append(f'<{f["_tag"]} name="{f.get("name")}">')
        return missing


def audit(html: str) -> PageAudit:
    parser = PageAudit()
    parser.feed(html)
    return parser


@pytest.fixture
def main_pages(registration_a):
    r = registration_a
    return {
        "home": reverse("core:home"),
        "learner list": reverse("learners:list"),
        "learner list, searched": reverse("learners:list") + "?q=nobody-matches",
        "learner detail": reverse("learners:detail", args=[r.learner.pk]),
        "learner correction": reverse("learners:correct", args=[r.learner.pk]),
        "programme list": reverse("registrations:programme_list"),
        "programme detail": reverse("registrations:programme_detail", args=[r.programme.pk]),
        "registration detail": reverse("registrations:registration_detail", args=[r.pk]),
    }


def assert_accessible(name: str, html: str) -> None:
    page = audit(html)
    assert page.h1 == 1, f"{name}: {page.h1} h1 elements"
    skip = [a for a in page.links if a.get("class") == "skip-link"]
    assert skip and skip[0]["href"] == "#main" and "main" in page.ids, f"{name}: no skip link to #main"
    assert not page.unlabelled(), f"{name}: fields without a label: {page.unlabelled()}"
    assert not page.th_without_scope, f"{name}: column headers without scope"
    assert not page.inline, f"{name}: {page.inline}"


@pytest.mark.parametrize("persona", ["exams_officer", "lead_a"])
def test_main_pages(client, personas, main_pages, persona):
    client.force_login(personas[persona])
    for name, url in main_pages.items():
        response = client.get(url)
        if response.status_code == 403:  # a subject lead may not correct details
            continue
        assert response.status_code == 200, name
        assert_accessible(name, response.content.decode())


def test_correction_form_with_errors_stays_accessible(client, exams_officer, registration_a):
    client.force_login(exams_officer)
    response = client.post(reverse("learners:correct", args=[registration_a.learner.pk]), {"uln": "123"})
    assert response.status_code == 200
    html = response.content.decode()
    assert_accessible("correction with errors", html)
    assert 'class="error-summary"' in html and "Nothing has been saved" in html


def test_login_page(client):
    response = client.get(reverse("login"))
    assert_accessible("login", response.content.decode())
    html = response.content.decode()
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html


def test_parser_catches_problems():
    bad = audit('<h1>a</h1><h1>b</h1><input name="x"><label>Wrapped <input name="y"></label><th>x</th><p style="c">')
    assert bad.h1 == 2 and bad.unlabelled() == ['<input name="x">'] and bad.inline


def test_refusals_use_the_site_layout(client, lead_a, lead_b, registration_a):
    client.force_login(lead_b)
    forbidden = client.get(reverse("learners:correct", args=[registration_a.learner.pk]))
    assert forbidden.status_code == 403 and "You cannot do this" in forbidden.content.decode()
    assert_accessible("403", forbidden.content.decode())
    missing = client.get(reverse("learners:detail", args=[registration_a.learner.pk]))
    assert missing.status_code == 404 and "Page not found" in missing.content.decode()
    assert_accessible("404", missing.content.decode())
