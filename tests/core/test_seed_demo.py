"""`manage.py seed_demo`: refused without DEBUG, a realistic centre with DEBUG, and idempotent."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from certification.models import AssessmentRecord
from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD
from core.validators import is_valid_uci, is_valid_uln
from learners.models import Centre, Learner
from registrations.models import Programme, Registration, RegistrationBatch

pytestmark = pytest.mark.django_db


def test_refused_unless_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs when DEBUG is on"):
        call_command("seed_demo", stdout=StringIO())
    assert not Centre.objects.exists()
    assert not get_user_model().objects.exists()


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_builds_a_realistic_centre_and_running_twice_changes_nothing(settings, monkeypatch):
    settings.DEBUG = True
    calls = []

    def fake_hooks(module, function):
        assert (module, function) == ("demo", "seed_demo_data")
        yield "fakeapp", lambda **kwargs: calls.append(kwargs)

    monkeypatch.setattr("core.management.commands.seed_demo.app_hooks", fake_hooks)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    output = out.getvalue()

    # The logins are printed (make run relies on it), one account per role.
    User = get_user_model()
    for username, role in [("exams.officer", EXAMS_OFFICER), ("sport.lead", SUBJECT_LEAD), ("business.lead", SUBJECT_LEAD),
                           ("quality.nominee", QUALITY_NOMINEE), ("senior.leader", SENIOR_LEADER)]:
        assert username in output
        user = User.objects.get(username=username)
        assert user.groups.filter(name=role).exists() and user.check_password("northfield-demo")
    assert "northfield-demo" in output
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="j.patel").groups.exists()

    centre = Centre.objects.get(number="68199")
    assert centre.name == "Northfield Academy"
    learners = Learner.objects.filter(centre=centre)
    assert learners.count() >= 150
    for learner in learners:
        assert (learner.uln is None) == learner.uln_not_yet_known
        assert learner.uln is None or is_valid_uln(learner.uln)
        assert learner.uci is None or is_valid_uci(learner.uci)
        learner.full_clean()
    assert learners.filter(uln_not_yet_known=True).exists()
    assert learners.filter(legal_first_name__in=["Zoë", "Siân"]).count() == 2

    suites = set(Programme.objects.values_list("qualification__suite__name", flat=True))
    assert suites == {"BTEC Nationals (2016)", "BTEC Tech Awards (2022)", "BTEC Firsts (2018)"}
    assert set(Programme.objects.values_list("qualification__qan", flat=True)) >= {"601/7218/6", "603/7048/X"}
    for programme in Programme.objects.all():
        assert programme.subject_leads.exists() and programme.qualification.units.exists()

    states = set(Registration.objects.values_list("state", flat=True))
    assert states == set(Registration.State.values)
    # Every change went through a service: each history row has who and why.
    history = Registration.history.all()
    assert not history.filter(history_user__isnull=True).exists()
    assert not history.filter(history_change_reason="").exists()
    assert Registration.objects.exclude(late_reason="").exists()
    # Cohorts go to Pearson in bulk registration files, kept with their batches, as the pages send them.
    sent = Registration.objects.exclude(state=Registration.State.DRAFT).filter(transferred_from__isnull=True)
    assert sent.exists() and not sent.filter(batch__isnull=True).exists()
    assert all(bytes(b.file_data).startswith(b"PK") for b in RegistrationBatch.objects.all())

    records = AssessmentRecord.objects.all()
    assert records.filter(iv_outcome="agreed").exists()
    assert records.filter(iv_outcome="disagreed").exists()
    assert records.filter(iv_outcome="").exists()
    for record in records.select_related("registration"):
        assert record.date_assessed >= record.registration.registered_on

    # The app hook got the documented keyword arguments.
    assert len(calls) == 1
    kwargs = calls[0]
    assert kwargs["centre"] == centre and kwargs["stdout"] is not None
    assert kwargs["users"]["exams_officer"].username == "exams.officer"
    assert {u.username for u in kwargs["users"]["subject_leads"]} >= {"sport.lead", "business.lead"}
    assert kwargs["users"]["quality_nominee"].username == "quality.nominee"
    assert kwargs["users"]["senior_leader"].username == "senior.leader"
    assert kwargs["users"]["assessors"]

    before = _row_counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "already loaded" in out.getvalue() and "exams.officer" in out.getvalue()
    assert _row_counts() == before
    assert len(calls) == 2  # hooks run every time: they must be idempotent themselves
