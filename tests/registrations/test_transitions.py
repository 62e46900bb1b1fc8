from datetime import date

import pytest
import time_machine
from django.db import IntegrityError, transaction

from core.exceptions import DomainError
from registrations import services
from registrations.deadlines import late_fee_band, overdue_registrations, registration_due_date
from registrations.models import PearsonNotification, Registration
from tests.factories import LearnerFactory, ProgrammeFactory, RegistrationFactory

S = Registration.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(programme_a):
    return RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)


@time_machine.travel(date(2026, 10, 1))
def test_happy_path_draft_to_registered_records_who_and_why(draft, exams_officer):
    services.registration_submit(actor=exams_officer, registration=draft)
    reg = services.registration_confirm(actor=exams_officer, registration=draft, pearson_registration_number="R123")
    assert reg.state == S.REGISTERED and reg.registered_on == date(2026, 10, 1)
    last = reg.history.order_by("-history_id").first()
    assert last.history_user == exams_officer
    assert last.history_change_reason == "Registration confirmed by Pearson"
    assert [h.state for h in reg.history.order_by("history_id")] == ["draft", "submitted", "registered"]


@time_machine.travel(date(2026, 10, 1))
def test_one_registration_submitted_on_its_own_is_checked_like_a_bulk_file(draft, exams_officer):
    """registration_submit re-checks the learner as batch_submit does: a corrected legal name goes to Pearson
    as corrected, a name now needing a transliteration is refused, and nothing is half-saved."""
    from learners.services import learner_update

    learner_update(actor=exams_officer, learner=draft.learner, changes={"legal_first_name": "Zoë"}, reason="MIS typo")
    with pytest.raises(DomainError, match="needs a transliteration confirmed \\(Zoë → ZOE\\)"):
        services.registration_submit(actor=exams_officer, registration=draft)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT
    learner_update(actor=exams_officer, learner=draft.learner, changes={"legal_first_name": "Zoe", "legal_last_name": "Corrected"},
                   reason="MIS typo")
    reg = services.registration_submit(actor=exams_officer, registration=draft)
    assert reg.state == S.SUBMITTED and (reg.pearson_first_names, reg.pearson_last_names) == ("ZOE", "CORRECTED")
    assert reg.history.order_by("-history_id").first().pearson_last_names == "CORRECTED"


@time_machine.travel(date(2026, 10, 1))
def test_one_registration_with_details_pearson_would_refuse_is_not_submitted(draft, exams_officer):
    type(draft.learner).objects.filter(pk=draft.learner_id).update(legal_first_name="Maximilianalexander Jo")  # > 20 letters
    draft.refresh_from_db()
    with pytest.raises(DomainError, match="Nothing was submitted"):
        services.registration_submit(actor=exams_officer, registration=draft)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


@time_machine.travel(date(2026, 11, 20))
def test_late_submission_needs_a_reason_and_falls_in_a_fee_band(draft, exams_officer):
    assert registration_due_date(draft) == date(2026, 11, 1)
    with pytest.raises(DomainError, match="say why it is late"):
        services.registration_submit(actor=exams_officer, registration=draft)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT  # nothing half-saved
    services.registration_submit(actor=exams_officer, registration=draft, late_reason="Joined late from another college")
    draft.refresh_from_db()
    assert draft.late_reason.startswith("Joined late")
    assert str(late_fee_band(draft, date(2026, 11, 20)).multiplier) == "1.05"


@pytest.mark.parametrize(
    "day,multiplier",
    [(date(2026, 11, 1), None), (date(2026, 11, 2), "1.05"), (date(2026, 12, 23), "1.05"),
     (date(2026, 12, 24), "1.10"), (date(2027, 1, 31), "1.10"), (date(2027, 2, 1), "1.25")],
)
def test_fee_band_boundaries_2026(draft, day, multiplier):
    band = late_fee_band(draft, day)
    assert (str(band.multiplier) if band else None) == multiplier


def test_roll_on_roll_off_due_six_weeks_after_enrolment(centre):
    programme = ProgrammeFactory(centre=centre, registration_mode="roll_on_roll_off")
    reg = RegistrationFactory(programme=programme, learner__centre=centre, draft=True, enrolment_date=date(2027, 1, 4))
    assert registration_due_date(reg) == date(2027, 2, 15)
    assert not overdue_registrations(Registration.objects.all(), date(2027, 2, 15)).exists()
    assert overdue_registrations(Registration.objects.all(), date(2027, 2, 16)).exists()


@pytest.mark.parametrize(
    "state,service,kwargs",
    [
        (S.DRAFT, "registration_withdraw", {"withdrawn_on": date(2026, 10, 1)}),
        (S.DRAFT, "registration_reinstate", {}),
        (S.WITHDRAWN, "registration_certificate", {"certificated_on": date(2027, 8, 1)}),
        (S.CERTIFICATED, "registration_withdraw", {"withdrawn_on": date(2026, 10, 1)}),
        (S.TRANSFERRED_OUT, "registration_reinstate", {}),
        (S.DELETED, "registration_reinstate", {}),
        (S.SUBMITTED, "registration_certificate", {"certificated_on": date(2027, 8, 1)}),
    ],
)
def test_illegal_transitions_are_refused_clearly(programme_a, exams_officer, state, service, kwargs):
    reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, state=state)
    with pytest.raises(DomainError, match="cannot become"):
        getattr(services, service)(actor=exams_officer, registration=reg, reason="test", **kwargs)
    reg.refresh_from_db()
    assert reg.state == state


def test_withdraw_and_reinstate_raise_notifications(registration_a, exams_officer):
    services.registration_withdraw(
        actor=exams_officer, registration=registration_a, withdrawn_on=date(2026, 12, 1), reason="Left for employment"
    )
    services.registration_reinstate(actor=exams_officer, registration=registration_a, reason="Returned in January")
    kinds = list(PearsonNotification.objects.order_by("raised_at", "id").values_list("kind", flat=True))
    assert kinds == ["withdrawal", "reinstatement"]
    assert all(n.is_owed for n in PearsonNotification.objects.all())


def test_reason_is_required(registration_a, exams_officer):
    with pytest.raises(DomainError, match="reason is required"):
        services.registration_withdraw(actor=exams_officer, registration=registration_a, withdrawn_on=date(2026, 12, 1), reason=" ")
    registration_a.refresh_from_db()
    assert registration_a.state == S.REGISTERED
    assert not PearsonNotification.objects.exists()


def test_deletion_window(registration_a, exams_officer):
    registration_a.registered_on = date(2026, 10, 1)
    registration_a.save()
    with time_machine.travel(date(2027, 1, 1)):  # 92 days later
        with pytest.raises(DomainError, match="within 90 days"):
            services.registration_delete(actor=exams_officer, registration=registration_a, reason="Enrolled in error")
    with time_machine.travel(date(2026, 12, 30)):  # day 90
        services.registration_delete(actor=exams_officer, registration=registration_a, reason="Enrolled in error")
    registration_a.refresh_from_db()
    assert registration_a.state == S.DELETED
    assert PearsonNotification.objects.get().kind == "deletion"


def test_transfer_between_programmes_links_both(registration_a, programme_b, exams_officer):
    new = services.registration_transfer_programme(
        actor=exams_officer, registration=registration_a, to_programme=programme_b,
        transferred_on=date(2026, 11, 15), reason="Changed course",
    )
    registration_a.refresh_from_db()
    assert registration_a.state == S.TRANSFERRED_OUT and registration_a.transferred_to == new
    assert new.programme == programme_b and new.state == S.DRAFT
    assert PearsonNotification.objects.get().kind == "transfer_programme"


def test_database_refuses_a_second_live_registration(registration_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            learner=registration_a.learner, programme=registration_a.programme, state=S.DRAFT,
            enrolment_date=date(2026, 9, 1), planned_completion_date=date(2028, 6, 1),
        )


def test_database_refuses_registered_without_pearson_number(programme_a):
    learner = LearnerFactory(centre=programme_a.centre)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            learner=learner, programme=programme_a, state=S.REGISTERED,
            enrolment_date=date(2026, 9, 1), planned_completion_date=date(2028, 6, 1),
        )


@time_machine.travel(date(2029, 1, 1))
def test_no_draft_after_approved_to(programme_a, exams_officer):
    learner = LearnerFactory(centre=programme_a.centre)
    with pytest.raises(DomainError, match="Approved To"):
        services.registration_create_draft(
            actor=exams_officer, learner=learner, programme=programme_a,
            enrolment_date=date(2028, 12, 1), planned_completion_date=date(2029, 6, 1),
        )


def test_deletion_refused_once_a_unit_is_assessed_internally_or_externally(registration_a, exams_officer):
    """DOMAIN: deletion only with no units completed; an external result is an assessed unit too."""
    from certification.models import AssessmentRecord
    from tests.entries.factories import ExternalUnitFactory, ResultFactory
    from tests.factories import UnitFactory

    registration_a.registered_on = date(2026, 10, 1)
    registration_a.save()
    with time_machine.travel(date(2026, 11, 1)):
        unit = ExternalUnitFactory(qualification=registration_a.programme.qualification, number="E1")
        result = ResultFactory(registration=registration_a, unit=unit)
        with pytest.raises(DomainError, match="external assessment results"):
            services.registration_delete(actor=exams_officer, registration=registration_a, reason="Enrolled in error")
        result.delete()
        record = AssessmentRecord.objects.create(
            registration=registration_a, unit=UnitFactory(qualification=registration_a.programme.qualification, number="I1"),
            grade="P", assessor=exams_officer, date_assessed=date(2026, 10, 20),
        )
        with pytest.raises(DomainError, match="assessed units"):
            services.registration_delete(actor=exams_officer, registration=registration_a, reason="Enrolled in error")
        record.delete()
        services.registration_delete(actor=exams_officer, registration=registration_a, reason="Enrolled in error")
    registration_a.refresh_from_db()
    assert registration_a.state == S.DELETED and registration_a.deleted_on == date(2026, 11, 1)
    assert registration_a.history.order_by("-history_id").first().history_change_reason == "Enrolled in error"
