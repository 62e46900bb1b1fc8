import io

import pytest

from registrations.demo import seed_demo_data
from registrations.models import RegistrationBatch
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(centre, programme_a, exams_officer, registration_a):
    LearnerFactory.create_batch(6, centre=centre)
    out = io.StringIO()
    seed_demo_data(centre=centre, users={"exams_officer": exams_officer}, stdout=out)
    assert RegistrationBatch.objects.count() == 1
    seed_demo_data(centre=centre, users={"exams_officer": exams_officer}, stdout=out)
    assert RegistrationBatch.objects.count() == 1 and "already seeded" in out.getvalue()
