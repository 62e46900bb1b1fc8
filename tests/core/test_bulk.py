"""core.bulk.insert_rows and core.history.bulk_create_tracked: the fast path the MIS import writes
through must store exactly what the ORM (and simple-history) would have stored, ledger included."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from simple_history.utils import bulk_create_with_history

from audit import integrity
from audit.models import TrailEntry
from core.bulk import insert_rows, update_rows
from core.exceptions import DomainError
from core.history import bulk_create_tracked, bulk_save_tracked, bulk_update_tracked
from entries.models import AssessmentSeries
from learners.models import Learner, LearnerImport
from tests.factories import CentreFactory, LearnerFactory

pytestmark = pytest.mark.django_db


def new_learners(centre, n, *, prefix="B"):
    built = LearnerFactory.build_batch(n, centre=centre)
    for i, learner in enumerate(built):
        learner.mis_id = f"{prefix}{i:05d}"
        if i % 3 == 0:  # a mix of present and absent identifiers, as in a real MIS file
            learner.uln, learner.uln_not_yet_known, learner.uci, learner.candidate_number = None, True, None, None
    return built


def stored(model, pks):
    return [model_to_dict(obj) for obj in model.objects.filter(pk__in=pks).order_by("pk")]


def test_rows_and_history_match_what_simple_history_writes(exams_officer):
    centre = CentreFactory()
    ours = bulk_create_tracked(Learner, new_learners(centre, 7, prefix="O"), actor=exams_officer, reason="Imported")
    theirs = bulk_create_with_history(new_learners(centre, 7, prefix="T"), Learner, default_user=exams_officer,
                                      default_change_reason="Imported")
    assert all(o.pk and not o._state.adding for o in ours)

    # The learners as stored are the objects as built (Faker differs per build, so not against theirs)...
    for obj, row in zip(ours, stored(Learner, [o.pk for o in ours]), strict=True):
        assert row == model_to_dict(obj)
    # ...and the history rows against simple-history's, apart from ids, times and the learner's own values.
    history = Learner.history.model
    ours_h = list(history.objects.filter(id__in=[o.pk for o in ours]).order_by("id").values())
    theirs_h = list(history.objects.filter(id__in=[t.pk for t in theirs]).order_by("id").values())
    assert len(ours_h) == len(theirs_h) == 7
    for mine, simple, obj in zip(ours_h, theirs_h, ours, strict=True):
        assert {k: mine[k] for k in ("history_type", "history_user_id", "history_change_reason")} == {
            k: simple[k] for k in ("history_type", "history_user_id", "history_change_reason")}
        assert set(mine) == set(simple)
        assert mine["id"] == obj.pk and mine["legal_last_name"] == obj.legal_last_name
        assert mine["created_at"] == obj.created_at and mine["date_of_birth"] == obj.date_of_birth


def test_every_history_row_gets_its_ledger_entry_and_the_trail_verifies(exams_officer):
    centre = CentreFactory()
    before = TrailEntry.objects.count()
    created = bulk_create_tracked(Learner, new_learners(centre, 120), actor=exams_officer, reason="Imported")
    history_ids = set(Learner.history.filter(id__in=[o.pk for o in created]).values_list("history_id", flat=True))
    entries = TrailEntry.objects.filter(table="learners.historicallearner", row_id__in=history_ids)
    assert entries.count() == 120 and TrailEntry.objects.count() == before + 120
    result = integrity.verify()
    assert result.intact, result.problems[:5]


def test_excluded_history_fields_json_and_binary_columns(exams_officer):
    centre = CentreFactory()
    batches = [LearnerImport(centre=centre, filename=f"f{i}.csv", file_sha256="0" * 64, file_data=b"\x00\x01raw",
                             rows=[{"row": 2, "values": {"mis_id": "A1"}, "flags": ["é"]}], summary={"new": 1},
                             fingerprint="f" * 64, uploaded_by=exams_officer) for i in range(3)]
    bulk_create_tracked(LearnerImport, batches, actor=exams_officer, reason="Checked")
    again = LearnerImport.objects.get(pk=batches[0].pk)
    assert bytes(again.file_data) == b"\x00\x01raw" and again.rows[0]["flags"] == ["é"] and again.summary == {"new": 1}
    assert again.uploaded_at is not None  # auto_now_add set on the way in
    record = again.history.get()
    assert record.history_change_reason == "Checked" and record.filename == "f0.csv"
    assert integrity.verify().intact


def test_insert_rows_prepares_dates_decimals_and_text_and_returns_pks_in_order():
    fields = [AssessmentSeries._meta.get_field(n) for n in
              ("name", "entry_deadline", "late_entry_end", "standard_fee", "late_fee", "results_date", "notes")]
    rows = [[f"Series {i}", date(2027, 2, 1), date(2027, 2, 21), Decimal("25.50"), Decimal(f"{30 + i}.00"),
             date(2027, 8, 15), "" if i % 2 else "note"] for i in range(300)]  # 300 × 7 > SQLite's 999 per statement
    pks = insert_rows(AssessmentSeries, fields, rows, returning=True)
    assert len(pks) == 300 and pks == sorted(pks)
    series = AssessmentSeries.objects.in_bulk(pks)
    assert [series[pk].name for pk in pks] == [f"Series {i}" for i in range(300)]
    last = series[pks[-1]]
    assert last.late_fee == Decimal("329.00") and last.entry_deadline == date(2027, 2, 1) and last.notes == ""
    assert insert_rows(AssessmentSeries, fields, [], returning=True) == []


def test_a_constraint_refuses_the_whole_batch_and_nothing_is_kept(exams_officer):
    centre = CentreFactory()
    learners = new_learners(centre, 5)
    learners[4].mis_id = learners[0].mis_id  # unique per centre
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_create_tracked(Learner, learners, actor=exams_officer, reason="Imported")
    assert not Learner.objects.filter(centre=centre).exists()
    assert not Learner.history.filter(centre=centre).exists()


def test_a_reason_is_required(exams_officer):
    with pytest.raises(DomainError, match="reason"):
        bulk_create_tracked(Learner, new_learners(CentreFactory(), 1), actor=exams_officer, reason="  ")


def test_each_row_takes_its_own_values_with_a_changed_history_row_and_the_trail_verifies(exams_officer):
    centre = CentreFactory()
    learners = bulk_create_tracked(Learner, new_learners(centre, 30), actor=exams_officer, reason="Imported")
    stamped = {learner.pk: learner.updated_at for learner in learners}
    for i, learner in enumerate(learners):
        learner.legal_last_name, learner.date_of_birth = f"Renamed{i}", date(2009, 1, 1 + i % 28)
        if i == 3:
            learner._change_reason = "Deed poll"
    bulk_update_tracked(Learner, learners, ["legal_last_name", "date_of_birth"], actor=exams_officer, reason="From the MIS")
    stored_now = Learner.objects.in_bulk([o.pk for o in learners])
    for i, learner in enumerate(learners):
        again = stored_now[learner.pk]
        assert (again.legal_last_name, again.date_of_birth) == (f"Renamed{i}", date(2009, 1, 1 + i % 28))
        assert again.updated_at > stamped[learner.pk]  # auto-now stamped, as save_tracked does
        assert again.mis_id == learner.mis_id and again.uln == learner.uln  # other columns untouched
    latest = Learner.history.filter(id=learners[3].pk).order_by("-history_id").first()
    assert latest.history_type == "~" and latest.history_change_reason == "Deed poll" and latest.legal_last_name == "Renamed3"
    assert Learner.history.filter(history_type="~", history_change_reason="From the MIS").count() == 29
    assert integrity.verify().intact


def test_update_rows_prepares_values_and_touches_only_the_given_rows():
    fields = [AssessmentSeries._meta.get_field(n) for n in ("name", "entry_deadline", "late_entry_end", "standard_fee",
                                                            "late_fee", "results_date", "notes")]
    pks = insert_rows(AssessmentSeries, fields, [[f"S{i}", date(2027, 2, 1), date(2027, 2, 21), Decimal("25.50"),
                                                  Decimal("30.00"), date(2027, 8, 15), ""] for i in range(4)], returning=True)
    late_fee = AssessmentSeries._meta.get_field("late_fee")
    name = AssessmentSeries._meta.get_field("name")
    update_rows(AssessmentSeries, [late_fee, name], [(pks[0], [Decimal("31.25"), "First"]), (pks[2], [Decimal("40"), "Third"])])
    series = AssessmentSeries.objects.in_bulk(pks)
    assert [(series[pk].name, series[pk].late_fee) for pk in pks] == [
        ("First", Decimal("31.25")), ("S1", Decimal("30.00")), ("Third", Decimal("40.00")), ("S3", Decimal("30.00"))]


def test_a_bulk_update_refused_by_a_constraint_changes_nothing(exams_officer):
    centre = CentreFactory()
    learners = bulk_create_tracked(Learner, new_learners(centre, 3), actor=exams_officer, reason="Imported")
    learners[1].mis_id = learners[0].mis_id
    history = Learner.history.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_update_tracked(Learner, learners, ["mis_id"], actor=exams_officer, reason="From the MIS")
    assert Learner.objects.get(pk=learners[1].pk).mis_id != learners[0].mis_id and Learner.history.count() == history
    with pytest.raises(ValueError, match="saved rows"):
        bulk_update_tracked(Learner, new_learners(centre, 1), ["mis_id"], actor=exams_officer, reason="x")


def test_same_value_updates_write_their_history_through_the_same_path(exams_officer):
    learners = bulk_create_tracked(Learner, new_learners(CentreFactory(), 4), actor=exams_officer, reason="Imported")
    for learner in learners:
        learner.status = Learner.Status.LEFT
    bulk_save_tracked(Learner, learners, ["status"], actor=exams_officer, reason="Left at the end of Year 13")
    assert set(Learner.objects.filter(pk__in=[o.pk for o in learners]).values_list("status", flat=True)) == {"left"}
    assert Learner.history.filter(history_type="~", status="left", history_change_reason="Left at the end of Year 13").count() == 4
    assert integrity.verify().intact
