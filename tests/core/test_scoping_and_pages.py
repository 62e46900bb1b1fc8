"""Every page × every role: who may see it, who is refused, and what a subject lead can reach."""

import pytest
from django.urls import reverse

from learners.models import Learner
from registrations.models import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas, registration_a, registration_b):
    return {"a": registration_a, "b": registration_b, **personas}


def pages(world):
    a = world["a"]
    return {
        "home": reverse("core:home"),
        "learners": reverse("learners:list"),
        "learner_a": reverse("learners:detail", args=[a.learner.pk]),
        "programmes": reverse("registrations:programme_list"),
        "programme_a": reverse("registrations:programme_detail", args=[a.programme.pk]),
        "registration_a": reverse("registrations:registration_detail", args=[a.pk]),
        "correct_a": reverse("learners:correct", args=[a.learner.pk]),
    }


# Expected status per persona per page (lead_a leads programme A; lead_b leads B).
EXPECTED = {
    "exams_officer": {"home": 200, "learners": 200, "learner_a": 200, "programmes": 200, "programme_a": 200, "registration_a": 200, "correct_a": 200},
    "lead_a": {"home": 200, "learners": 200, "learner_a": 200, "programmes": 200, "programme_a": 200, "registration_a": 200, "correct_a": 403},
    "lead_b": {"home": 200, "learners": 200, "learner_a": 404, "programmes": 200, "programme_a": 404, "registration_a": 404, "correct_a": 403},
    "quality_nominee": {"home": 200, "learners": 200, "learner_a": 200, "programmes": 200, "programme_a": 200, "registration_a": 200, "correct_a": 403},
    "senior_leader": {"home": 200, "learners": 200, "learner_a": 200, "programmes": 200, "programme_a": 200, "registration_a": 200, "correct_a": 403},
    "outsider": {"home": 200, "learners": 403, "learner_a": 403, "programmes": 403, "programme_a": 403, "registration_a": 403, "correct_a": 403},
}


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_page_matrix(client, world, persona):
    client.force_login(world[persona])
    for name, url in pages(world).items():
        assert client.get(url).status_code == EXPECTED[persona][name], (persona, name)


def test_anonymous_users_go_to_login(client, world):
    for url in pages(world).values():
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_subject_lead_lists_show_only_their_programmes(client, world):
    client.force_login(world["lead_a"])
    body = client.get(reverse("learners:list")).content.decode()
    assert world["a"].learner.legal_last_name.upper() in body
    assert world["b"].learner.legal_last_name.upper() not in body
    body = client.get(reverse("registrations:programme_list")).content.decode()
    assert "Sport L3" in body and "Business L3" not in body


def test_visible_to_querysets(world):
    lead_a = world["lead_a"]
    assert list(Learner.objects.visible_to(lead_a)) == [world["a"].learner]
    assert list(Registration.objects.visible_to(lead_a)) == [world["a"]]
    assert not Learner.objects.visible_to(world["outsider"]).exists()
    assert Learner.objects.visible_to(world["senior_leader"]).count() == 2


def test_learner_search_by_name_mis_id_and_uln(client, world):
    client.force_login(world["exams_officer"])
    learner = world["a"].learner
    for q in (learner.legal_last_name, learner.mis_id, learner.uln):
        page = client.get(reverse("learners:list"), {"q": q}).context["page"]
        assert learner in page.object_list, q


def test_correction_form_shows_field_errors_and_saves_nothing(client, world):
    client.force_login(world["exams_officer"])
    learner = world["a"].learner
    url = reverse("learners:correct", args=[learner.pk])
    data = {
        "legal_first_name": learner.legal_first_name, "legal_last_name": learner.legal_last_name,
        "date_of_birth": "01/01/2099", "sex": learner.sex, "uln": "9276308687", "uci": learner.uci,
        "candidate_number": learner.candidate_number, "email": learner.email, "status": learner.status, "reason": "fix",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "check digit" in html and "Date of birth must be in the past" in html and "Nothing has been saved" in html
    learner.refresh_from_db()
    assert learner.uln != "9276308687"


def test_correction_saves_and_queues_notification(client, world):
    client.force_login(world["exams_officer"])
    learner = world["a"].learner
    data = {
        "legal_first_name": "Zoe", "legal_last_name": learner.legal_last_name,
        "date_of_birth": learner.date_of_birth.strftime("%d/%m/%Y"), "sex": learner.sex, "uln": learner.uln, "uci": learner.uci,
        "candidate_number": learner.candidate_number, "email": learner.email, "status": learner.status,
        "reason": "Legal first name corrected from birth certificate",
    }
    response = client.post(reverse("learners:correct", args=[learner.pk]), data)
    assert response.status_code == 302
    detail = client.get(learner.get_absolute_url()).content.decode()
    assert "Legal first name corrected from birth certificate" in detail
    assert "not yet sent" in detail


def test_dates_are_shown_uk_style(client, world):
    client.force_login(world["exams_officer"])
    learner = world["a"].learner
    body = client.get(learner.get_absolute_url()).content.decode()
    assert learner.date_of_birth.strftime("%d/%m/%Y") in body
