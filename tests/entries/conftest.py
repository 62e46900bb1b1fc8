from datetime import date

import pytest
import time_machine

from tests.entries.factories import ExternalUnitFactory, SeriesFactory
from tests.factories import UnitFactory

# Entries are made "today": tests run on a fixed day before the May/June 2027 entry deadline.
TODAY = date(2027, 1, 10)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def january(db):
    """A series already sat (results out before TODAY)."""
    return SeriesFactory(name="January 2026", entry_deadline=date(2025, 10, 21), late_entry_end=date(2025, 11, 30),
                         results_date=date(2026, 3, 5))


@pytest.fixture
def june_2026(db):
    return SeriesFactory(name="May/June 2026", entry_deadline=date(2026, 2, 21), late_entry_end=date(2026, 3, 31),
                         results_date=date(2026, 8, 13))


@pytest.fixture
def series(db):
    """Open for entries at the standard fee on TODAY."""
    return SeriesFactory(name="May/June 2027", entry_deadline=date(2027, 2, 21), late_entry_end=date(2027, 3, 31),
                         results_date=date(2027, 8, 12))


@pytest.fixture
def late_series(db):
    """In its late-entry period on TODAY."""
    return SeriesFactory(name="January 2027", entry_deadline=date(2026, 10, 21), late_entry_end=date(2027, 1, 15),
                         results_date=date(2027, 3, 4))


@pytest.fixture
def ext_a(programme_a):
    return ExternalUnitFactory(qualification=programme_a.qualification, number="3", title="Fitness testing")


@pytest.fixture
def ext_a2(programme_a):
    return ExternalUnitFactory(qualification=programme_a.qualification, number="7", title="Anatomy")


@pytest.fixture
def int_a(programme_a):
    return UnitFactory(qualification=programme_a.qualification, number="1", title="Coursework", assessment="internal")


@pytest.fixture
def ext_b(programme_b):
    return ExternalUnitFactory(qualification=programme_b.qualification, number="2", title="Finance")
