"""Two officers submit the same entries at the same moment: exactly one entry exists afterwards."""

import threading

import pytest
from django.db import connection, connections

from core.exceptions import DomainError
from entries import services
from entries.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks across connections (PostgreSQL)")
def test_simultaneous_submissions_make_one_entry(exams_officer, series, registration_a, ext_a):
    barrier = threading.Barrier(4)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            outcome = services.entries_create(actor=exams_officer, series=series, picks=[(registration_a.pk, ext_a.pk)])
            outcomes.append(("created", len(outcome.created), [r.reason for r in outcome.refused]))
        except DomainError as exc:
            outcomes.append(("refused", 0, [exc.message]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Entry.objects.count() == 1
    assert sum(n for _, n, _ in outcomes) == 1
    others = [reasons for kind, n, reasons in outcomes if n == 0]
    assert len(others) == 3 and all("already entered" in r[0] or "same moment" in r[0] for r in others)
