"""Traceability with planted gaps: the registrations hooks, plus a fake later-stage hook."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit import breaches, trace
from audit.trace import BrokenLink, TraceItem
from registrations import breaches as registration_breaches
from registrations import traceability as registration_trace
from registrations.models import PearsonNotification, Registration
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def fake_trace_items(registration):
    return [TraceItem("certificate", "Certificate issued", date(2028, 8, 20), status="broken", problem="no verified record behind unit 3")]


def fake_broken_links(user):
    return [BrokenLink(0, "Fake Learner", "Fake programme", "certificate", "certificate issued with no claim")]


@pytest.fixture
def hooks(monkeypatch):
    def app_hooks(module, function):
        if module == "traceability":
            yield "registrations", getattr(registration_trace, function)
            yield "certification", fake_trace_items if function == "trace_items" else fake_broken_links
        else:
            yield "registrations", getattr(registration_breaches, function)

    monkeypatch.setattr(trace, "app_hooks", app_hooks)
    monkeypatch.setattr(breaches, "app_hooks", app_hooks)


def test_trace_follows_registration_and_names_gaps(hooks, registration_a, exams_officer):
    old = PearsonNotification.objects.create(kind="withdrawal", learner=registration_a.learner, registration=registration_a,
                                             summary="Withdrawn from unit 4", reason="Left course", raised_by=exams_officer)
    PearsonNotification.objects.filter(pk=old.pk).update(raised_at=timezone.now() - timedelta(days=31))
    items = trace.registration_trace(registration_a)
    labels = [i.label for i in items]
    assert labels[0].startswith("Drafted") and any(registration_a.pearson_registration_number in label for label in labels)
    broken = [i for i in items if i.status == "broken"]
    assert [b.problem for b in broken] == ["owed for more than 30 days", "no verified record behind unit 3"]


def test_registered_without_number_and_overdue_draft_are_broken_links(hooks, programme_a, exams_officer, lead_b):
    gap = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    Registration.objects.filter(pk=gap.pk).update(registered_on=None)
    draft = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)
    with time_machine.travel(date(2026, 12, 1)):
        links = trace.all_broken_links(exams_officer)
        problems = {(link.registration_id, link.problem) for link in links}
        assert (gap.pk, "registered without Pearson's registration number or date") in problems
        assert (draft.pk, "past its due date and not yet sent to Pearson") in problems
        assert (0, "certificate issued with no claim") in problems
        # A subject lead of another programme sees none of these registrations.
        assert {link.registration_id for link in trace.all_broken_links(lead_b)} == {0}


def test_learner_trace_page_and_broken_links_page(hooks, client, exams_officer, registration_a):
    client.force_login(exams_officer)
    body = client.get(reverse("audit:learner_trace", args=[registration_a.learner_id])).content.decode()
    assert "Broken: no verified record behind unit 3" in body
    body = client.get(reverse("audit:broken_links")).content.decode()
    assert "certificate issued with no claim" in body


def test_late_and_early_registrations_are_detected_breaches(hooks, programme_a):
    late = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    early = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, enrolment_date=date(2026, 12, 1))
    on_time = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    tz = timezone.get_current_timezone()
    Registration.objects.filter(pk=late.pk).update(submitted_at=timezone.datetime(2026, 11, 2, 9, tzinfo=tz))
    Registration.objects.filter(pk=early.pk).update(submitted_at=timezone.datetime(2026, 10, 1, 9, tzinfo=tz))
    Registration.objects.filter(pk=on_time.pk).update(submitted_at=timezone.datetime(2026, 11, 1, 23, 0, tzinfo=tz))
    found = {b.key: b for b in breaches.all_detected_breaches()}
    assert f"registrations.late:{late.pk}" in found
    assert found[f"registrations.late:{late.pk}"].investigation_kind == "late_registration"
    assert f"registrations.early:{early.pk}" in found
    assert not any(key.endswith(f":{on_time.pk}") for key in found)


def test_trace_shows_links_only_where_the_user_may_follow_them(client, exams_officer, lead_a, registration_a):
    from audit.trace import TraceItem, registration_trace

    item = TraceItem("sample", "Sampled", url="/certification/sampling/samples/1/", permission="certification.view_sampledclaim")

    def fake_items(registration):
        return [TraceItem("sample", item.label, url=item.url, permission=item.permission)]

    from unittest import mock

    with mock.patch("audit.trace.app_hooks", return_value=[("fake", fake_items)]):
        assert registration_trace(registration_a, lead_a)[0].url == ""
        assert registration_trace(registration_a, exams_officer)[0].url == item.url
