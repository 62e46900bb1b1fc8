from datetime import date

import pytest
import time_machine

from checks.services import round_open
from tests.factories import RegistrationFactory

TODAY = date(2026, 11, 10)


@pytest.fixture
def frozen():
    with time_machine.travel(date(2026, 11, 10), tick=True):
        yield


@pytest.fixture
def check_round(frozen, exams_officer, programme_a, programme_b, registration_a, registration_b):
    RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre)
    RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)  # not on the list
    return round_open(actor=exams_officer, name="Autumn term 2026", due_date=date(2026, 11, 30))


@pytest.fixture
def list_a(check_round, programme_a):
    return check_round.checks.get(programme=programme_a)


@pytest.fixture
def list_b(check_round, programme_b):
    return check_round.checks.get(programme=programme_b)
