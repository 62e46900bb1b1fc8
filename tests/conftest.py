"""Personas and shared fixtures. Every test database has the role groups (data migration)."""

from importlib import import_module
from types import SimpleNamespace

import pytest

from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD
from tests.factories import CentreFactory, ProgrammeFactory, RegistrationFactory, UserFactory

# Data migrations seed the yearly rules (suites, deadlines and fee bands, claims deadlines, retention).
# A transactional test's flush removes them, and --reuse-db keeps a flushed database for the next run:
# put them back (each seed is idempotent) once per session and before every transactional test.
REFERENCE_DATA = [
    "registrations.migrations.0002_seed_rules",
    "certification.migrations.0003_seed_claims_deadlines",
    "audit.migrations.0003_seed_retention_policy",
]


def ensure_reference_data() -> None:
    from django.apps import apps
    from django.db import connection

    for module in REFERENCE_DATA:
        import_module(module).seed(apps, SimpleNamespace(connection=connection))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_reference_data()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@pytest.fixture
def centre(db):
    return CentreFactory()


@pytest.fixture
def exams_officer(db):
    return UserFactory(username="eo", first_name="Erin", last_name="Officer", roles=[EXAMS_OFFICER])


@pytest.fixture
def lead_a(db):
    return UserFactory(username="lead_a", first_name="Alex", last_name="Ahmed", roles=[SUBJECT_LEAD])


@pytest.fixture
def lead_b(db):
    return UserFactory(username="lead_b", first_name="Bea", last_name="Brown", roles=[SUBJECT_LEAD])


@pytest.fixture
def quality_nominee(db):
    return UserFactory(username="qn", first_name="Quinn", last_name="Nominee", roles=[QUALITY_NOMINEE])


@pytest.fixture
def senior_leader(db):
    return UserFactory(username="sl", first_name="Sam", last_name="Leader", roles=[SENIOR_LEADER])


@pytest.fixture
def outsider(db):
    """Signed in, but with no role at all."""
    return UserFactory(username="nobody", roles=[])


@pytest.fixture
def programme_a(db, centre, lead_a):
    return ProgrammeFactory(centre=centre, name="Sport L3 (2026–28)", subject_leads=[lead_a])


@pytest.fixture
def programme_b(db, centre, lead_b):
    return ProgrammeFactory(centre=centre, name="Business L3 (2026–28)", subject_leads=[lead_b])


@pytest.fixture
def registration_a(programme_a):
    return RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)


@pytest.fixture
def registration_b(programme_b):
    return RegistrationFactory(programme=programme_b, learner__centre=programme_b.centre)


@pytest.fixture
def personas(exams_officer, lead_a, lead_b, quality_nominee, senior_leader, outsider):
    return {
        "exams_officer": exams_officer, "lead_a": lead_a, "lead_b": lead_b,
        "quality_nominee": quality_nominee, "senior_leader": senior_leader, "outsider": outsider,
    }
