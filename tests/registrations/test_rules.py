"""Yearly rules as data the exams officer edits: deadline rules with late-fee bands, and suite rules."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from core.exceptions import DomainError
from registrations import services
from registrations.deadlines import late_fee_band
from registrations.models import DeadlineRule, LateFeeBand, QualificationSuite

pytestmark = pytest.mark.django_db
Band = services.FeeBandInput


def _new_rule(year="2031/32", **kw):
    return DeadlineRule(academic_year=year, registration_mode=kw.pop("mode", "academic_year"), **kw)


def test_a_new_years_rule_with_bands_is_saved_with_its_reason_in_history(exams_officer):
    rule = services.deadline_rule_save(
        actor=exams_officer, rule=_new_rule(deadline=date(2031, 11, 1)), reason="Pearson fees 2031/32 published",
        bands=[Band(53, Decimal("1.10"), "Second"), Band(1, Decimal("1.05"), "First")],
    )
    assert [(b.from_days_late, b.multiplier) for b in rule.fee_bands.order_by("from_days_late")] == [
        (1, Decimal("1.05")), (53, Decimal("1.10"))]
    assert rule.history.first().history_change_reason == "Pearson fees 2031/32 published"
    assert rule.history.first().history_user == exams_officer


@pytest.mark.parametrize(("rule_kw", "bands", "field", "message"), [
    ({"deadline": date(2033, 11, 1)}, [], "deadline", "outside the academic year 2031/32"),
    ({}, [], "deadline", "needs its deadline"),
    ({"mode": "roll_on_roll_off"}, [], "weeks_after_enrolment", "weeks after enrolment"),
    ({"deadline": date(2031, 11, 1)}, [Band(1, Decimal("1.10")), Band(53, Decimal("1.05"))], "bands", "costs less"),
    ({"deadline": date(2031, 11, 1)}, [Band(1, Decimal("1.05")), Band(1, Decimal("1.10"))], "bands", "Two bands start at 1"),
    ({"deadline": date(2031, 11, 1)}, [Band(0, Decimal("1.05"))], "bands", "1 day late or more"),
])
def test_bad_rules_are_refused_naming_the_field_and_nothing_is_saved(exams_officer, rule_kw, bands, field, message):
    with pytest.raises(DomainError, match=message) as caught:
        services.deadline_rule_save(actor=exams_officer, rule=_new_rule(**rule_kw), bands=bands, reason="New year")
    assert caught.value.field == field
    assert not DeadlineRule.objects.filter(academic_year="2031/32").exists()


def test_a_second_rule_for_the_same_year_and_mode_is_refused(exams_officer):
    with pytest.raises(DomainError, match="already"):
        services.deadline_rule_save(actor=exams_officer, rule=_new_rule("2026/27", deadline=date(2026, 11, 2)),
                                    bands=[], reason="Duplicate")


def test_changing_a_rule_that_decides_registrations_already_sent_needs_confirmation(exams_officer, registration_a):
    programme = registration_a.programme
    rule = DeadlineRule.objects.get(academic_year=programme.academic_year, registration_mode=programme.registration_mode)
    registration_a.submitted_at = registration_a.submitted_at or registration_a.created_at
    registration_a.save()
    before = [(b.from_days_late, b.multiplier) for b in rule.fee_bands.all()]
    rule.deadline = date(int(programme.academic_year[:4]), 12, 1)
    bands = [Band(d, m) for d, m in before]
    with pytest.raises(DomainError, match="already sent to Pearson") as caught:
        services.deadline_rule_save(actor=exams_officer, rule=rule, bands=bands, reason="Moved")
    assert caught.value.field == "confirm_rebanding"
    services.deadline_rule_save(actor=exams_officer, rule=rule, bands=bands[:1], reason="Pearson moved it", confirm_rebanding=True)
    rule.refresh_from_db()
    assert rule.deadline.month == 12 and rule.fee_bands.count() == 1
    deleted = LateFeeBand.history.filter(history_type="-", rule_id=rule.pk)
    assert deleted.count() == len(before) - 1 and deleted.first().history_change_reason == "Pearson moved it"


def test_new_bands_change_the_fee_band_worked_out(exams_officer, registration_a):
    programme = registration_a.programme
    rule = DeadlineRule.objects.get(academic_year=programme.academic_year, registration_mode=programme.registration_mode)
    services.deadline_rule_save(actor=exams_officer, rule=rule, bands=[Band(1, Decimal("1.50"), "Only band")], reason="Test")
    band = late_fee_band(registration_a, rule.deadline.replace(year=rule.deadline.year + 1))
    assert band.multiplier == Decimal("1.50")


def test_suite_rules_change_with_reason_and_limits(exams_officer):
    suite = QualificationSuite.objects.first()
    services.suite_rules_update(actor=exams_officer, suite=suite, external_resit_limit=2, terminal_rule=True,
                                near_pass_grade=False, reason="Pearson allowed a second resit")
    suite.refresh_from_db()
    assert suite.external_resit_limit == 2 and suite.history.first().history_change_reason == "Pearson allowed a second resit"
    with pytest.raises(DomainError, match="0 to 5"):
        services.suite_rules_update(actor=exams_officer, suite=suite, external_resit_limit=9, terminal_rule=True,
                                    near_pass_grade=False, reason="Typo")


@pytest.mark.parametrize(("persona", "view_status", "edit_status"), [
    ("exams_officer", 200, 200), ("quality_nominee", 200, 403), ("senior_leader", 200, 403),
    ("lead_a", 403, 403), ("outsider", 403, 403),
])
def test_who_may_see_and_change_the_rules(client, request, persona, view_status, edit_status):
    client.force_login(request.getfixturevalue(persona))
    rule = DeadlineRule.objects.first()
    suite = QualificationSuite.objects.first()
    assert client.get(reverse("registrations:rules")).status_code == view_status
    assert client.get(reverse("registrations:deadline_rule_edit", args=[rule.pk])).status_code == edit_status
    assert client.get(reverse("registrations:deadline_rule_new")).status_code == edit_status
    assert client.get(reverse("registrations:suite_rules_edit", args=[suite.pk])).status_code == edit_status


def test_the_page_form_adds_a_year_and_shows_errors_by_field(client, exams_officer):
    client.force_login(exams_officer)
    url = reverse("registrations:deadline_rule_new")
    response = client.post(url, {"academic_year": "2031/32", "registration_mode": "academic_year", "deadline": "01/11/2035",
                                 "band_1_days": "1", "band_1_multiplier": "1.05", "reason": "Fees guide"})
    assert response.status_code == 200
    assert "outside the academic year" in response.content.decode()
    assert not DeadlineRule.objects.filter(academic_year="2031/32").exists()
    response = client.post(url, {"academic_year": "2031/32", "registration_mode": "academic_year", "deadline": "01/11/2031",
                                 "band_1_days": "1", "band_1_multiplier": "1.05", "band_1_label": "First",
                                 "band_2_days": "53", "band_2_multiplier": "", "reason": "Fees guide"})
    assert "needs both" in response.content.decode()
    response = client.post(url, {"academic_year": "2031/32", "registration_mode": "academic_year", "deadline": "01/11/2031",
                                 "band_1_days": "1", "band_1_multiplier": "1.05", "band_1_label": "First",
                                 "band_2_days": "53", "band_2_multiplier": "1.10", "reason": "Fees guide"})
    assert response.status_code == 302
    rule = DeadlineRule.objects.get(academic_year="2031/32")
    assert rule.fee_bands.count() == 2
    page = client.get(reverse("registrations:rules")).content.decode()
    assert "2031/32" in page and "by 01/11/2031" in page
