"""Fixtures for certification: a qualification with internal and external units, an assessor, and
helpers that record and verify assessment decisions through the services."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from certification import services
from tests.factories import UnitFactory, UserFactory

CLAIM_DAY = date(2028, 6, 1)  # ≥ 70 days after registration, inside the 2027/28 claims window


@pytest.fixture(autouse=True)
def _after_the_assessments():
    """The tests record decisions across 2027 and no assessment or IV may be dated in the future:
    run them on 1 December 2027 (tests about claiming travel on to CLAIM_DAY)."""
    with time_machine.travel(datetime(2027, 12, 1, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def at_claim_time():
    with time_machine.travel(datetime(2028, 6, 1, 12, tzinfo=UTC), tick=False):
        yield CLAIM_DAY


@pytest.fixture
def assessor(db):
    return UserFactory(username="teacher", first_name="Tess", last_name="Teacher", roles=[])


def make_units(qualification):
    """Units 1–3 internal mandatory, 4 internal optional, 5 external: 360 GLH needs all of them."""
    qualification.size_glh = 360
    qualification.save()
    return {
        "1": UnitFactory(qualification=qualification, number="1", glh=60),
        "2": UnitFactory(qualification=qualification, number="2", glh=60),
        "3": UnitFactory(qualification=qualification, number="3", glh=60),
        "4": UnitFactory(qualification=qualification, number="4", glh=60, mandatory=False),
        "5": UnitFactory(qualification=qualification, number="5", glh=120, assessment="external"),
    }


@pytest.fixture
def units_a(programme_a):
    return make_units(programme_a.qualification)


@pytest.fixture
def units_b(programme_b):
    return make_units(programme_b.qualification)


def assess(registration, unit, *, grade="M", assessor, verifier, verify=True, on=date(2027, 3, 1), attempt="first", authorised_by=None):
    record = services.assessment_record_create(
        actor=verifier, registration=registration, unit=unit, grade=grade, assessor=assessor, date_assessed=on,
        attempt=attempt, authorised_by=authorised_by,
    )
    if verify:
        record = services.assessment_record_verify(actor=verifier, record=record, internal_verifier=verifier,
                                                   iv_date=on, outcome="agreed")
    return record


def assess_all(registration, units, *, assessor, verifier, grade="M", skip=()):
    return {n: assess(registration, u, grade=grade, assessor=assessor, verifier=verifier)
            for n, u in units.items() if not u.is_external and n not in skip}


@pytest.fixture
def complete_a(registration_a, units_a, assessor, lead_a):
    """registration_a with every internal unit graded M and verified."""
    return assess_all(registration_a, units_a, assessor=assessor, verifier=lead_a)
