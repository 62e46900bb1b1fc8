"""The history table says what changed in plain words, with UK dates and times."""

from datetime import UTC, datetime

import pytest

from core.history import history_entries, save_tracked

pytestmark = pytest.mark.django_db


def test_datetimes_show_uk_date_and_time_and_choices_show_labels(registration_a, exams_officer):
    registration_a.submitted_at = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)  # 14:05 in London (BST)
    registration_a.state = "withdrawn"
    save_tracked(registration_a, actor=exams_officer, reason="Test", update_fields=["submitted_at", "state"], clean=False)
    entry = history_entries(registration_a)[0]
    changes = {c.field: c for c in entry.changes}
    submitted = next(c for name, c in changes.items() if "ubmitted" in name)
    assert submitted.new == "01/07/2026 14:05"
    state = next(c for name, c in changes.items() if "tate" in name)
    assert state.new == "Withdrawn" and entry.reason == "Test"
