"""core.lookups.AnyOf: `__any_of` finds exactly what `__in` finds, on every database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learners.models import Learner
from tests.factories import CentreFactory, LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def learners():
    centre = CentreFactory()
    return [LearnerFactory(centre=centre) for _ in range(5)]


def test_any_of_matches_in_including_none_duplicates_and_missing_values(learners):
    wanted = [learners[0].mis_id, learners[3].mis_id, learners[3].mis_id, None, "NOT-THERE"]
    found = set(Learner.objects.filter(mis_id__any_of=wanted).values_list("pk", flat=True))
    assert found == set(Learner.objects.filter(mis_id__in=wanted).values_list("pk", flat=True)) == {learners[0].pk, learners[3].pk}
    ulns = [learner.uln for learner in learners[1:3]]
    assert set(Learner.objects.filter(uln__any_of=ulns)) == set(learners[1:3])


def test_any_of_an_empty_list_or_only_none_matches_nothing(learners):
    assert not Learner.objects.filter(mis_id__any_of=[]).exists()
    assert not Learner.objects.filter(mis_id__any_of=[None]).exists()
    assert Learner.objects.exclude(mis_id__any_of=[]).count() == 5


def test_any_of_a_subquery_is_an_in_subquery(learners):
    subquery = Learner.objects.filter(pk__in=[learners[1].pk, learners[2].pk]).values("mis_id")
    assert set(Learner.objects.filter(mis_id__any_of=subquery)) == set(learners[1:3])


def test_postgresql_gets_one_array_parameter_not_one_placeholder_per_value(learners):
    wanted = [learner.mis_id for learner in learners] * 100
    with CaptureQueriesContext(connection) as queries:
        assert Learner.objects.filter(mis_id__any_of=wanted).count() == 5
    sql = queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and "IN (" not in sql
    else:
        assert "IN (" in sql
