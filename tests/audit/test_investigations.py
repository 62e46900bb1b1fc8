"""The investigation workflow: each step, each refusal, independence and who may do what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit import services
from audit.models import Investigation
from core.exceptions import DomainError
from core.roles import SENIOR_LEADER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = Investigation.State


@pytest.fixture
def investigator(db):
    return UserFactory(username="deputy", first_name="Dana", last_name="Deputy", roles=[SENIOR_LEADER])


def open_case(actor, investigator, registration, **kwargs):
    return services.investigation_open(
        actor=actor, kind=Investigation.Kind.LATE_REGISTRATION, summary="Sent after 1 November",
        investigator=investigator, obj=registration, reason="Found on the late list", **kwargs,
    )


def test_full_workflow_to_pearson(exams_officer, senior_leader, investigator, registration_a):
    inv = open_case(exams_officer, investigator, registration_a, breach_key=f"registrations.late:{registration_a.pk}")
    assert inv.state == S.OPEN and inv.reference.startswith("INV-")
    assert inv.learner == registration_a.learner and inv.programme == registration_a.programme
    services.investigation_add_evidence(actor=exams_officer, investigation=inv, note="E-mail trail", file_name="trail.pdf", file_data=b"%PDF-1")
    inv.refresh_from_db()
    assert inv.state == S.GATHERING_EVIDENCE
    inv = services.investigation_conclude(actor=exams_officer, investigation=inv, outcome="maladministration", conclusion="Deadline missed", reason="Concluded")
    inv = services.investigation_report_to_senior_leaders(actor=exams_officer, investigation=inv, reason="Sent")
    with pytest.raises(DomainError, match="acknowledge"):
        services.investigation_report_to_pearson(actor=exams_officer, investigation=inv, form="M2", sent_on=timezone.localdate(), pearson_reference="", reason="x")
    with pytest.raises(DomainError, match="senior leader"):
        services.investigation_acknowledge(actor=exams_officer, investigation=inv)
    inv = services.investigation_acknowledge(actor=senior_leader, investigation=inv)
    with pytest.raises(DomainError, match="M2"):
        services.investigation_report_to_pearson(actor=exams_officer, investigation=inv, form="M1", sent_on=timezone.localdate(), pearson_reference="", reason="x")
    with pytest.raises(DomainError, match="date sent"):
        services.investigation_report_to_pearson(actor=exams_officer, investigation=inv, form="M2", sent_on=timezone.localdate() + timedelta(days=1), pearson_reference="", reason="x")
    inv = services.investigation_report_to_pearson(actor=exams_officer, investigation=inv, form="M2", sent_on=timezone.localdate(), pearson_reference="", reason="Sent M2")
    with pytest.raises(DomainError, match="reference"):
        services.investigation_close(actor=exams_officer, investigation=inv, reason="Done")
    # Pearson's reference arrives later and is recorded through the app (with its own history row).
    with pytest.raises(DomainError, match="reference Pearson gave"):
        services.investigation_record_pearson_reference(actor=exams_officer, investigation=inv, pearson_reference="  ", reason="x")
    with pytest.raises(DomainError, match="Only the exams officer"):
        services.investigation_record_pearson_reference(actor=senior_leader, investigation=inv, pearson_reference="MAL/123", reason="x")
    inv = services.investigation_record_pearson_reference(actor=exams_officer, investigation=inv, pearson_reference=" MAL/123 ", reason="Pearson replied")
    assert inv.pearson_reference == "MAL/123" and inv.history.first().history_change_reason == "Pearson replied"
    inv = services.investigation_close(actor=exams_officer, investigation=inv, reason="Done")
    assert inv.state == S.CLOSED and inv.closed_on == timezone.localdate()
    assert [h.history_change_reason for h in inv.history.order_by("history_id")][0] == "Found on the late list"
    assert inv.history.count() >= 7


def test_no_case_closes_after_acknowledgement_without_pearson(exams_officer, senior_leader, investigator, registration_a):
    inv = open_case(exams_officer, investigator, registration_a)
    services.investigation_add_evidence(actor=exams_officer, investigation=inv, note="Checked the dates")
    inv = services.investigation_conclude(actor=exams_officer, investigation=inv, outcome="no_case", conclusion="Sent on time", reason="x")
    inv = services.investigation_report_to_senior_leaders(actor=exams_officer, investigation=inv, reason="x")
    with pytest.raises(DomainError, match="acknowledge"):
        services.investigation_close(actor=exams_officer, investigation=inv, reason="x")
    services.investigation_acknowledge(actor=senior_leader, investigation=inv)
    with pytest.raises(DomainError, match="no case"):
        services.investigation_report_to_pearson(actor=exams_officer, investigation=inv, form="M2", sent_on=timezone.localdate(), pearson_reference="", reason="x")
    assert services.investigation_close(actor=exams_officer, investigation=inv, reason="No case").state == S.CLOSED


def test_refusals(exams_officer, investigator, registration_a, lead_a, senior_leader):
    with pytest.raises(DomainError, match="independent"):
        open_case(exams_officer, lead_a, registration_a)
    with pytest.raises(DomainError, match="exams officer or the quality nominee"):
        open_case(senior_leader, investigator, registration_a)
    with pytest.raises(DomainError, match="exams officer or the quality nominee"):
        open_case(lead_a, investigator, registration_a)
    inv = open_case(exams_officer, investigator, registration_a, breach_key="registrations.late:1")
    with pytest.raises(DomainError, match="already open"):
        open_case(exams_officer, investigator, registration_a, breach_key="registrations.late:1")
    with pytest.raises(DomainError, match="evidence"):
        services.investigation_start_evidence(actor=exams_officer, investigation=inv, reason="x")
        services.investigation_conclude(actor=exams_officer, investigation=inv, outcome="no_case", conclusion="c", reason="x")
    with pytest.raises(DomainError, match="cannot move"):
        services.investigation_report_to_senior_leaders(actor=exams_officer, investigation=inv, reason="x")
    with pytest.raises(DomainError, match="note or attach"):
        services.investigation_add_evidence(actor=exams_officer, investigation=inv, note=" ")
    with pytest.raises(DomainError, match="reason"):
        services.investigation_open(
            actor=exams_officer, kind="late_registration", summary="s", investigator=investigator, reason=" "
        )
    with pytest.raises(DomainError, match="cannot move"):
        services.investigation_close(actor=exams_officer, investigation=inv, reason="Too early")


def test_record_behind_a_registration_links_the_learner_and_keeps_the_investigator_independent(
        exams_officer, investigator, registration_a, lead_a):
    """A case about an assessment record (or a claim, certificate or sample) reaches the learner and the
    programme through its registration: a lead of that programme may not investigate it."""
    from datetime import UTC, date, datetime

    import time_machine

    from certification import services as certification
    from tests.factories import UnitFactory

    unit = UnitFactory(qualification=registration_a.programme.qualification, number="1", glh=60)
    with time_machine.travel(datetime(2027, 12, 1, 12, tzinfo=UTC), tick=False):
        record = certification.assessment_record_create(
            actor=exams_officer, registration=registration_a, unit=unit, grade="M", assessor=lead_a,
            date_assessed=date(2027, 3, 1), attempt="first", authorised_by=None,
        )
        with pytest.raises(DomainError, match="independent") as refused:
            services.investigation_open(actor=exams_officer, kind=Investigation.Kind.INACCURATE_CLAIM, summary="Grade unsupported",
                                        investigator=lead_a, obj=record, reason="Spotted in sampling")
        assert refused.value.field == "investigator"
        inv = services.investigation_open(actor=exams_officer, kind=Investigation.Kind.INACCURATE_CLAIM, summary="Grade unsupported",
                                          investigator=investigator, obj=record, reason="Spotted in sampling")
    assert (inv.learner, inv.programme) == (registration_a.learner, registration_a.programme)
    assert (inv.object_type, inv.object_id) == ("certification.assessmentrecord", str(record.pk))
