import io
from datetime import date, timedelta

import pytest
import time_machine
from openpyxl import load_workbook

from core.exceptions import DomainError
from registrations import services
from registrations.models import PearsonNotification, Registration, RegistrationBatch, TransferIn
from registrations.rules import pearson_name
from tests.factories import LearnerFactory, ProgrammeFactory, UnitFactory
from tests.learners.samples import csv_bytes

S = Registration.State
pytestmark = pytest.mark.django_db
TODAY = date(2026, 10, 1)


def draft(officer, learner, programme, **kw):
    kw.setdefault("enrolment_date", date(2026, 9, 7))
    kw.setdefault("planned_completion_date", date(2028, 6, 30))
    return services.registration_create_draft(actor=officer, learner=learner, programme=programme, **kw)


@pytest.mark.parametrize("text,pearson,translit", [
    ("Zoë", "ZOE", True), ("Anne-Marie", "ANNE-MARIE", False), ("O’Brien", "O'BRIEN", False), ("Łukasz", "LUKASZ", True),
])
def test_pearson_names(text, pearson, translit):
    check = pearson_name(text, label="First names", max_length=20)
    assert (check.pearson, check.transliterated, check.problems) == (pearson, translit, [])


def test_pearson_name_length_and_characters():
    assert "at most 20" in pearson_name("A" * 21, label="First names", max_length=20).problems[0]
    assert "Pearson accepts only" in pearson_name("Ann2", label="First names", max_length=20).problems[0]


class TestDraftRules:
    @pytest.fixture(autouse=True)
    def frozen(self):
        with time_machine.travel(TODAY):
            yield

    def test_a_good_learner_is_drafted_with_pearson_names(self, exams_officer, programme_a):
        learner = LearnerFactory(centre=programme_a.centre, legal_first_name="Amy", legal_last_name="O'Neil")
        reg = draft(exams_officer, learner, programme_a)
        assert reg.state == S.DRAFT and (reg.pearson_first_names, reg.pearson_last_names) == ("AMY", "O'NEIL")

    def test_accented_name_needs_confirmation_then_is_transliterated(self, exams_officer, programme_a):
        learner = LearnerFactory(centre=programme_a.centre, legal_first_name="Zoë", legal_last_name="Brontë")
        with pytest.raises(DomainError, match="Zoë → ZOE"):
            draft(exams_officer, learner, programme_a)
        reg = draft(exams_officer, learner, programme_a, confirm_transliteration=True)
        assert (reg.pearson_first_names, reg.pearson_last_names) == ("ZOE", "BRONTE")
        assert "transliteration confirmed" in reg.history.first().history_change_reason
        assert learner.legal_first_name == "Zoë"  # the MIS name is kept

    @pytest.mark.parametrize("fields,message", [
        ({"legal_first_name": "Maximiliana Alexandra"}, "at most 20"),
        ({"legal_last_name": "Smith3"}, "Pearson accepts only"),
        ({"date_of_birth": date(2030, 1, 1)}, "in the past"),
        ({"uln": "9276308687"}, "not a valid ULN"),
    ])
    def test_learner_data_rules(self, exams_officer, programme_a, fields, message):
        learner = LearnerFactory(centre=programme_a.centre, **fields)
        with pytest.raises(DomainError, match=message):
            draft(exams_officer, learner, programme_a)
        assert not Registration.objects.exists()

    def test_uln_explicitly_not_known_is_accepted(self, exams_officer, programme_a):
        learner = LearnerFactory(centre=programme_a.centre, uln=None, uln_not_yet_known=True)
        assert draft(exams_officer, learner, programme_a).state == S.DRAFT

    def test_planned_completion_must_be_in_the_future(self, exams_officer, programme_a):
        learner = LearnerFactory(centre=programme_a.centre)
        with pytest.raises(DomainError, match="must be in the future"):
            draft(exams_officer, learner, programme_a, enrolment_date=date(2026, 1, 1), planned_completion_date=date(2026, 9, 1))

    def test_programme_past_approved_to(self, exams_officer, centre):
        programme = ProgrammeFactory(centre=centre, start_date=date(2024, 9, 1), planned_end_date=date(2026, 6, 30),
                                     approved_to=date(2026, 8, 31), certificate_end=date(2027, 8, 31))
        with pytest.raises(DomainError, match="Approved To"):
            draft(exams_officer, LearnerFactory(centre=centre), programme)

    def test_already_registered(self, exams_officer, registration_a):
        with pytest.raises(DomainError, match="already registered"):
            draft(exams_officer, registration_a.learner, registration_a.programme)

    def test_many_drafts_report_the_refused_ones(self, exams_officer, programme_a):
        good = LearnerFactory.create_batch(3, centre=programme_a.centre)
        bad = LearnerFactory(centre=programme_a.centre, legal_last_name="X" * 31)
        created, refused = services.registrations_draft_many(
            actor=exams_officer, learners=[*good, bad], programme=programme_a,
            enrolment_date=date(2026, 9, 7), planned_completion_date=date(2028, 6, 30),
        )
        assert len(created) == 3 and refused[0][0] == bad and "at most 30" in refused[0][1]


@pytest.fixture
def drafts(exams_officer, programme_a):
    with time_machine.travel(TODAY):
        learners = LearnerFactory.create_batch(3, centre=programme_a.centre)
        learners.append(LearnerFactory(centre=programme_a.centre, legal_last_name="-Dash", uln=None, uln_not_yet_known=True))
        return [draft(exams_officer, learner, programme_a) for learner in learners]


def submit(officer, regs, **kw):
    kw.setdefault("order_number", "ORDER1")
    return services.batch_submit(actor=officer, registrations=regs, registration_type="full_award",
                                 enrolment_date=date(2026, 9, 7), **kw)


@time_machine.travel(TODAY)
def test_batch_file_has_group_header_and_learner_rows(exams_officer, drafts):
    batch = submit(exams_officer, drafts)
    assert batch.learner_count == 4 and RegistrationBatch.objects.count() == 1
    ws = load_workbook(io.BytesIO(bytes(batch.file_data))).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["Centre Number", "68199"] + [None] * 6
    assert ["Order Number", "ORDER1"] == rows[5][:2] and rows[4][:2] == ["Enrolment Date", "07/09/2026"]
    header = rows.index(["Centre Reference", "First Names", "Last Names", "Sex", "Date of Birth",
                         "Planned Completion Date", "ULN", "Study Mode"])
    learners = rows[header + 1:]
    assert len(learners) == 4
    dash = next(r for r in learners if r[2] == "-DASH")
    assert dash[6] in (None, "") and dash[5] == "30/06/2028"
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "-DASH")
    assert cell.data_type == "s"  # text, never a formula
    for reg in drafts:
        reg.refresh_from_db()
        assert reg.state == S.SUBMITTED and reg.batch == batch and reg.centre_reference == f"R{reg.pk:06d}"


@time_machine.travel(TODAY)
def test_submitting_the_same_drafts_twice_is_refused(exams_officer, drafts):
    submit(exams_officer, drafts)
    with pytest.raises(DomainError, match="no longer drafts"):
        submit(exams_officer, drafts, order_number="ORDER2")
    assert RegistrationBatch.objects.count() == 1


@time_machine.travel(TODAY)
@pytest.mark.parametrize("order,message", [("BAD ORDER", "letters and digits"), ("A" * 13, "letters and digits")])
def test_order_number_rules(exams_officer, drafts, order, message):
    with pytest.raises(DomainError, match=message):
        submit(exams_officer, drafts, order_number=order)


@time_machine.travel(TODAY)
def test_order_number_once_per_centre(exams_officer, drafts):
    submit(exams_officer, drafts[:2])
    with pytest.raises(DomainError, match="already been used"):
        submit(exams_officer, drafts[2:], order_number="order1")


def test_late_batch_needs_a_reason(exams_officer, drafts):
    with time_machine.travel(date(2026, 11, 20)):
        with pytest.raises(DomainError, match="say why"):
            submit(exams_officer, drafts)
        batch = submit(exams_officer, drafts, late_reason="Joined in November")
    assert batch.late_reason == "Joined in November"
    assert all(r.late_reason == "Joined in November" for r in batch.registrations.all())


@time_machine.travel(TODAY)
def test_confirmation_report_moves_rows_to_registered_and_is_idempotent(exams_officer, drafts):
    batch = submit(exams_officer, drafts)
    regs = list(batch.registrations.order_by("pk"))
    lines = ["Centre Reference,Registration Number,Registration Date"] + [
        f"{r.centre_reference},P{r.pk:07d},02/10/2026" for r in regs
    ]
    result = services.confirmations_import(actor=exams_officer, data=csv_bytes(lines), filename="pearson.csv")
    assert result == {"confirmed": 4, "already": 0}
    reg = Registration.objects.get(pk=regs[0].pk)
    assert reg.state == S.REGISTERED and reg.pearson_registration_number == f"P{regs[0].pk:07d}"
    assert reg.registered_on == date(2026, 10, 2)
    again = services.confirmations_import(actor=exams_officer, data=csv_bytes(lines), filename="pearson.csv")
    assert again == {"confirmed": 0, "already": 4}


@time_machine.travel(TODAY)
def test_confirmation_report_with_an_unknown_reference_saves_nothing(exams_officer, drafts):
    batch = submit(exams_officer, drafts)
    reg = batch.registrations.first()
    lines = ["Centre Ref,Reg No", f"{reg.centre_reference},P1", "R999999,P2"]
    with pytest.raises(DomainError, match="Row 3: no registration has the centre reference"):
        services.confirmations_import(actor=exams_officer, data=csv_bytes(lines), filename="pearson.csv")
    reg.refresh_from_db()
    assert reg.state == S.SUBMITTED


@time_machine.travel(TODAY)
def test_a_name_corrected_after_drafting_goes_to_pearson_as_corrected(exams_officer, drafts):
    """The bulk file carries the learner's legal name at submission, not the one held when the draft was made."""
    from learners.services import learner_update

    first, second = drafts[0], drafts[1]
    learner_update(actor=exams_officer, learner=first.learner, changes={"legal_last_name": "Corrected"}, reason="Deed poll")
    learner_update(actor=exams_officer, learner=second.learner, changes={"legal_first_name": "Zoë"}, reason="MIS typo")
    with pytest.raises(DomainError, match="needs a transliteration confirmed \\(Zoë → ZOE\\)"):
        submit(exams_officer, drafts)
    assert not RegistrationBatch.objects.exists()
    batch = submit(exams_officer, [r for r in drafts if r.pk != second.pk])
    first.refresh_from_db()
    assert first.pearson_last_names == "CORRECTED"
    assert first.history.order_by("-history_id").first().pearson_last_names == "CORRECTED"
    ws = load_workbook(io.BytesIO(bytes(batch.file_data))).active
    assert "CORRECTED" in [c.value for row in ws.iter_rows() for c in row]


@time_machine.travel(TODAY)
def test_confirmation_report_from_excel_with_numeric_registration_numbers(exams_officer, drafts):
    """Pearson's report opened and saved in Excel: numbers come back as numbers (12345.0), dates as dates."""
    from datetime import datetime

    from tests.learners.samples import xlsx

    batch = submit(exams_officer, drafts)
    regs = list(batch.registrations.order_by("pk"))
    rows = [[r.centre_reference, 7_000_000 + r.pk, datetime(2026, 10, 2)] for r in regs]
    data = xlsx(["Centre Reference", "Registration Number", "Registration Date"], rows)
    assert services.confirmations_import(actor=exams_officer, data=data, filename="report.xlsx") == {"confirmed": 4, "already": 0}
    reg = Registration.objects.get(pk=regs[0].pk)
    assert reg.pearson_registration_number == str(7_000_000 + regs[0].pk) and reg.registered_on == date(2026, 10, 2)
    assert services.confirmations_import(actor=exams_officer, data=data, filename="report.xlsx") == {"confirmed": 0, "already": 4}


@time_machine.travel(TODAY)
def test_confirmation_report_with_a_repeated_or_blank_reference_saves_nothing(exams_officer, drafts):
    batch = submit(exams_officer, drafts)
    first, second = list(batch.registrations.order_by("pk"))[:2]
    lines = ["Centre Reference,Registration Number", f"{first.centre_reference},P1", f"{second.centre_reference},P2",
             f"{first.centre_reference},P3", ",P4"]
    with pytest.raises(DomainError) as refused:
        services.confirmations_import(actor=exams_officer, data=csv_bytes(lines), filename="pearson.csv")
    assert f"Row 4: centre reference “{first.centre_reference}” is also on row 2" in refused.value.message
    assert "Row 5, column “Centre Reference”: the centre reference is missing" in refused.value.message
    assert not Registration.objects.filter(state=S.REGISTERED).exists()


@time_machine.travel(TODAY)
def test_transfer_in_records_units_checklist_and_notification(exams_officer, programme_a):
    unit = UnitFactory(qualification=programme_a.qualification, number="1")
    learner = LearnerFactory(centre=programme_a.centre)
    with pytest.raises(DomainError, match="Unit 9 is not a unit"):
        services.transfer_in_create(actor=exams_officer, learner=learner, programme=programme_a, previous_centre_number="12345",
                                    previous_registration_number="X1", enrolment_date=date(2026, 9, 7),
                                    planned_completion_date=date(2028, 6, 30), units=[("9", "P")], reason="Moved house")
    transfer = services.transfer_in_create(
        actor=exams_officer, learner=learner, programme=programme_a, previous_centre_number="12345",
        previous_registration_number="X1", enrolment_date=date(2026, 9, 7), planned_completion_date=date(2028, 6, 30),
        units=[("1", "m")], reason="Moved house",
    )
    assert transfer.registration.state == S.DRAFT and transfer.units.get().unit == unit and transfer.units.get().grade == "M"
    assert not transfer.is_complete and "0 of 3" in transfer.state_label
    assert PearsonNotification.objects.get(kind="transfer_in").registration == transfer.registration
    for check in TransferIn.CHECKS:
        transfer = services.transfer_in_tick(actor=exams_officer, transfer=transfer, check=check)
    assert transfer.is_complete
    assert transfer.history.first().history_user == exams_officer
    with pytest.raises(DomainError, match="another centre"):
        services.transfer_in_create(actor=exams_officer, learner=LearnerFactory(centre=programme_a.centre), programme=programme_a,
                                    previous_centre_number=programme_a.centre.number, previous_registration_number="X",
                                    enrolment_date=date(2026, 9, 7), planned_completion_date=date(2028, 6, 30), units=[], reason="r")


def test_notifications_marked_sent_in_bulk(exams_officer, registration_a, registration_b):
    for reg in (registration_a, registration_b):
        services.registration_withdraw(actor=exams_officer, registration=reg, withdrawn_on=date(2026, 11, 1), reason="Left")
    count = services.notifications_mark_sent(actor=exams_officer, notifications=PearsonNotification.objects.all(), reference="EO-1")
    assert count == 2
    assert not PearsonNotification.objects.filter(sent_at__isnull=True).exists()
    assert set(PearsonNotification.objects.values_list("sent_by", "sent_reference")) == {(exams_officer.pk, "EO-1")}
    assert services.notifications_mark_sent(actor=exams_officer, notifications=PearsonNotification.objects.all()) == 0


@pytest.mark.django_db(transaction=True)
def test_two_officers_submitting_at_once_make_one_batch(exams_officer, programme_a):
    """Two threads submit the same drafts at the same moment: one batch, the other refused."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter (SQLite serialises writers)")
    with time_machine.travel(TODAY, tick=True):
        regs = [draft(exams_officer, LearnerFactory(centre=programme_a.centre), programme_a) for _ in range(5)]
    barrier = threading.Barrier(2)
    outcomes = []

    def run(order):
        from django.db import connection as conn
        try:
            barrier.wait()
            with time_machine.travel(TODAY, tick=True):
                submit(exams_officer, regs, order_number=order)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.message)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(f"ORD{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "ok" and outcomes.count("ok") == 1, outcomes
    assert RegistrationBatch.objects.count() == 1
    assert Registration.objects.filter(state=S.SUBMITTED).count() == 5


@time_machine.travel(TODAY)
def test_transfer_between_programmes_keeps_pearson_names(exams_officer, registration_a, programme_b):
    new = services.registration_transfer_programme(actor=exams_officer, registration=registration_a, to_programme=programme_b,
                                                   transferred_on=TODAY, reason="Changed course")
    assert new.state == S.DRAFT and new.pearson_last_names == registration_a.learner.legal_last_name.upper()


def test_a_transfer_cannot_be_dated_before_the_learner_enrolled(exams_officer, registration_a, programme_b):
    from core.exceptions import DomainError

    before = registration_a.enrolment_date - timedelta(days=1)
    with pytest.raises(DomainError, match="cannot be dated before") as caught:
        services.registration_transfer_out(actor=exams_officer, registration=registration_a, transferred_on=before, reason="Moved")
    assert caught.value.field == "transferred_on"
    with pytest.raises(DomainError, match="cannot be dated before"):
        services.registration_transfer_programme(actor=exams_officer, registration=registration_a, to_programme=programme_b,
                                                 transferred_on=before, reason="Changed course")
    registration_a.refresh_from_db()
    assert registration_a.state == S.REGISTERED
