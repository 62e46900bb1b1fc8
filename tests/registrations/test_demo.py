import io
from datetime import date

import pytest
import time_machine

from registrations.deadlines import annotate_deadlines
from registrations.demo import seed_demo_data
from registrations.models import Registration, RegistrationBatch
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@time_machine.travel(date(2026, 12, 4))
def test_demo_adds_late_joiners_to_this_years_cohort_and_is_idempotent(centre, programme_a, exams_officer, registration_a):
    last_year = ProgrammeFactory(centre=centre, name="Last year's cohort", academic_year="2025/26", start_date=date(2025, 9, 1))
    out = io.StringIO()
    seed_demo_data(centre=centre, users={"exams_officer": exams_officer}, stdout=out)
    joiners = list(Registration.objects.filter(learner__mis_id__startswith="JOIN").select_related("programme__qualification"))
    assert len(joiners) == 5 and {r.programme for r in joiners} == {programme_a} != {last_year}
    assert all(r.enrolment_date == date(2026, 11, 16) for r in joiners)
    batch = RegistrationBatch.objects.get()
    assert batch.learner_count == 3 and "after the 1 November deadline" in batch.late_reason
    drafts = annotate_deadlines([r for r in joiners if r.state == Registration.State.DRAFT], date(2026, 12, 4))
    assert len(drafts) == 2 and all(r.due_date == date(2026, 11, 1) and r.fee_band.multiplier > 1 for r in drafts)
    assert any(r.pearson_last_names == "WISNIEWSKI" for r in joiners)  # transliteration confirmed, kept in the reason
    seed_demo_data(centre=centre, users={"exams_officer": exams_officer}, stdout=out)
    assert RegistrationBatch.objects.count() == 1 and "already seeded" in out.getvalue()
    assert Registration.objects.filter(learner__mis_id__startswith="JOIN").count() == 5
