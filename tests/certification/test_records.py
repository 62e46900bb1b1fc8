"""Assessment records: grades, re-assessment limits, verification, changes, the tracker import."""

from datetime import date

import pytest
from openpyxl import Workbook

from certification import imports, services
from certification.models import AssessmentRecord
from core.exceptions import DomainError
from tests.certification.conftest import assess
from tests.factories import UnitFactory


def test_grade_outside_the_scale_is_refused(registration_a, units_a, assessor, lead_a):
    with pytest.raises(DomainError, match="not on the"):
        services.assessment_record_create(actor=lead_a, registration=registration_a, unit=units_a["1"], grade="N",
                                          assessor=assessor, date_assessed=date(2027, 3, 1))
    assert not AssessmentRecord.objects.exists()


def test_unit_not_on_the_qualification_is_refused(registration_a, units_a, assessor, lead_a):
    other = UnitFactory()
    with pytest.raises(DomainError, match="is not a unit of"):
        services.assessment_record_create(actor=lead_a, registration=registration_a, unit=other, grade="P",
                                          assessor=assessor, date_assessed=date(2027, 3, 1))


def test_no_assessment_before_registration(registration_a, units_a, assessor, lead_a):
    with pytest.raises(DomainError, match="before the learner's registration"):
        services.assessment_record_create(actor=lead_a, registration=registration_a, unit=units_a["1"], grade="P",
                                          assessor=assessor, date_assessed=date(2026, 9, 1))


def test_reassessment_needs_lead_iv_and_at_most_one_of_each(registration_a, units_a, assessor, lead_a, lead_b):
    unit = units_a["1"]
    assess(registration_a, unit, grade="U", assessor=assessor, verifier=lead_a)
    with pytest.raises(DomainError, match="Lead IV's authorisation"):
        services.assessment_record_create(actor=lead_a, registration=registration_a, unit=unit, grade="P", assessor=assessor,
                                          date_assessed=date(2027, 4, 1), attempt="resubmission")
    with pytest.raises(DomainError, match="not a Lead Internal Verifier"):
        services.assessment_record_create(actor=lead_a, registration=registration_a, unit=unit, grade="P", assessor=assessor,
                                          date_assessed=date(2027, 4, 1), attempt="resubmission", authorised_by=lead_b)
    services.assessment_record_create(actor=lead_a, registration=registration_a, unit=unit, grade="M", assessor=assessor,
                                      date_assessed=date(2027, 4, 1), attempt="resubmission", authorised_by=lead_a)
    with pytest.raises(DomainError, match="already has a resubmission"):
        services.assessment_record_create(actor=lead_a, registration=registration_a, unit=unit, grade="M", assessor=assessor,
                                          date_assessed=date(2027, 4, 2), attempt="resubmission", authorised_by=lead_a)


def test_retake_is_capped_at_pass(registration_a, units_a, assessor, lead_a):
    unit = units_a["1"]
    assess(registration_a, unit, grade="U", assessor=assessor, verifier=lead_a)
    with pytest.raises(DomainError, match="capped at Pass"):
        services.assessment_record_create(actor=lead_a, registration=registration_a, unit=unit, grade="D", assessor=assessor,
                                          date_assessed=date(2027, 5, 1), attempt="retake", authorised_by=lead_a)
    services.assessment_record_create(actor=lead_a, registration=registration_a, unit=unit, grade="P", assessor=assessor,
                                      date_assessed=date(2027, 5, 1), attempt="retake", authorised_by=lead_a)


def test_assessor_cannot_verify_own_decision(registration_a, units_a, lead_a):
    record = services.assessment_record_create(actor=lead_a, registration=registration_a, unit=units_a["1"], grade="P",
                                               assessor=lead_a, date_assessed=date(2027, 3, 1))
    with pytest.raises(DomainError, match="own assessment decision"):
        services.assessment_record_verify(actor=lead_a, record=record, internal_verifier=lead_a, iv_date=date(2027, 3, 2), outcome="agreed")


def test_changing_a_verified_record_needs_a_reason_and_clears_iv(registration_a, units_a, assessor, lead_a):
    record = assess(registration_a, units_a["1"], grade="M", assessor=assessor, verifier=lead_a)
    with pytest.raises(DomainError, match="reason"):
        services.assessment_record_change(actor=lead_a, record=record, changes={"grade": "D"}, reason="")
    record = services.assessment_record_change(actor=lead_a, record=record, changes={"grade": "D"}, reason="Moderation")
    assert record.grade == "D" and record.iv_outcome == "" and record.internal_verifier is None
    assert record.history.first().history_change_reason == "Moderation"


def _tracker(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["Learner", "Unit", "Grade", "Assessor", "Date assessed", "Attempt", "IV", "IV date", "IV outcome"])
    for r in rows:
        ws.append(r)
    import io

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_tracker_import_all_or_nothing(programme_a, registration_a, units_a, assessor, lead_a):
    mis = registration_a.learner.mis_id
    bad = _tracker([[mis, "1", "M", "teacher", "01/03/2027", "first", "lead_a", "02/03/2027", "agreed"],
                    [mis, "2", "X", "teacher", "01/03/2027", "first", "", "", ""],
                    [mis, "9", "P", "teacher", "01/03/2027", "first", "", "", ""],
                    ["NOPE", "1", "P", "teacher", "01/03/2027", "", "", "", ""],
                    [mis, "3", "P", "teacher", "01/03/2027", "", "teacher", "02/03/2027", "agreed"]])
    with pytest.raises(imports.ImportRefused) as exc:
        imports.import_tracker(actor=lead_a, programme=programme_a, upload=bad, filename="t.xlsx")
    text = " ".join(exc.value.errors)
    assert "Row 3, Grade" in text and "Row 4, Unit" in text and "Row 5, Learner" in text and "own decision" in text
    assert not AssessmentRecord.objects.exists()
    good = _tracker([[mis, "1", "M", "teacher", "01/03/2027", "first", "lead_a", "02/03/2027", "agreed"],
                     [mis, "2", "P", "Tess Teacher", "01/03/2027", "", "", "", ""]])
    summary = imports.import_tracker(actor=lead_a, programme=programme_a, upload=good, filename="t.xlsx")
    assert (summary.created, summary.verified) == (2, 1)
    assert AssessmentRecord.objects.verified().count() == 1


def test_changing_a_decision_keeps_the_rules(registration_a, units_a, assessor, lead_a):
    record = assess(registration_a, units_a["1"], grade="M", assessor=assessor, verifier=lead_a)
    with pytest.raises(DomainError, match="before the learner's registration"):
        services.assessment_record_change(actor=lead_a, record=record, changes={"date_assessed": date(2026, 1, 1)}, reason="Typo")
    with pytest.raises(DomainError, match="not on the"):
        services.assessment_record_change(actor=lead_a, record=record, changes={"grade": "X"}, reason="Typo")
    services.assessment_record_create(actor=lead_a, registration=registration_a, unit=units_a["2"], grade="U", assessor=assessor,
                                      date_assessed=date(2027, 3, 1))
    retake = services.assessment_record_create(actor=lead_a, registration=registration_a, unit=units_a["2"], grade="P",
                                               assessor=assessor, date_assessed=date(2027, 5, 1), attempt="retake", authorised_by=lead_a)
    with pytest.raises(DomainError, match="capped at Pass"):
        services.assessment_record_change(actor=lead_a, record=retake, changes={"grade": "M"}, reason="Remark")
    record.refresh_from_db()
    assert record.grade == "M" and record.is_verified  # nothing saved by the refusals


def test_sent_back_record_gets_a_new_decision_then_verified_again(registration_a, units_a, assessor, lead_a):
    record = assess(registration_a, units_a["1"], grade="D", assessor=assessor, verifier=lead_a, verify=False)
    services.assessment_record_verify(actor=lead_a, record=record, internal_verifier=lead_a, iv_date=date(2027, 3, 2),
                                      outcome="disagreed", notes="Distinction criteria not met")
    with pytest.raises(DomainError, match="already been internally verified"):
        services.assessment_record_verify(actor=lead_a, record=record, internal_verifier=lead_a, iv_date=date(2027, 3, 3), outcome="agreed")
    record = services.assessment_record_change(actor=lead_a, record=record, changes={"grade": "M"}, reason="Assessor's new decision after IV")
    assert record.iv_outcome == ""
    record = services.assessment_record_verify(actor=lead_a, record=record, internal_verifier=lead_a, iv_date=date(2027, 3, 4), outcome="agreed")
    assert record.is_verified and record.grade == "M"
    reasons = [h.history_change_reason for h in record.history.all()]
    assert "Assessor's new decision after IV" in reasons


def test_assessment_and_iv_cannot_be_dated_in_the_future(registration_a, units_a, assessor, lead_a):
    # the autouse clock says 01/12/2027
    with pytest.raises(DomainError, match="in the future") as caught:
        services.assessment_record_create(actor=lead_a, registration=registration_a, unit=units_a["1"], grade="P",
                                          assessor=assessor, date_assessed=date(2027, 12, 2))
    assert caught.value.field == "date_assessed" and not AssessmentRecord.objects.exists()
    record = services.assessment_record_create(actor=lead_a, registration=registration_a, unit=units_a["1"], grade="P",
                                               assessor=assessor, date_assessed=date(2027, 12, 1))
    with pytest.raises(DomainError, match="in the future") as caught:
        services.assessment_record_verify(actor=lead_a, record=record, internal_verifier=lead_a, iv_date=date(2028, 1, 5),
                                          outcome="agreed")
    assert caught.value.field == "iv_date"
    record.refresh_from_db()
    assert not record.is_verified
