import io

import pytest

from entries.demo import seed_demo_data
from entries.models import AssessmentSeries, Entry, Result
from entries.traceability import broken_links, trace_items
from tests.entries.factories import EntryFactory, ResultFactory

pytestmark = pytest.mark.django_db


def test_demo_data_is_idempotent(centre, exams_officer, registration_a, ext_a):
    out = io.StringIO()
    seed_demo_data(centre=centre, users={"exams_officer": exams_officer}, stdout=out)
    counts = (AssessmentSeries.objects.count(), Entry.objects.count(), Result.objects.count())
    assert counts[0] == 3 and counts[1] >= 1
    seed_demo_data(centre=centre, users={"exams_officer": exams_officer}, stdout=out)
    assert (AssessmentSeries.objects.count(), Entry.objects.count(), Result.objects.count()) == counts


def test_trace_and_broken_links(exams_officer, lead_b, series, january, registration_a, ext_a):
    EntryFactory(series=series, registration=registration_a, unit=ext_a, entered_by=exams_officer)
    ResultFactory(series=january, registration=registration_a, unit=ext_a, grade="P")  # never entered
    items = trace_items(registration_a)
    assert [i.stage for i in items] == ["entry", "result"]
    assert items[1].status == "broken"
    links = broken_links(exams_officer)
    assert len(links) == 1 and "no entry" in links[0].problem
    assert broken_links(lead_b) == []
