"""List pages run a fixed number of queries whatever the amount of data."""

import pytest
from django.urls import reverse

from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def _queries(client, django_assert_max_num_queries, url, n):
    with django_assert_max_num_queries(n):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_learner_list_queries_do_not_grow(client, exams_officer, programme_a, rows, django_assert_max_num_queries):
    RegistrationFactory.create_batch(rows, programme=programme_a, learner__centre=programme_a.centre)
    client.force_login(exams_officer)
    _queries(client, django_assert_max_num_queries, reverse("learners:list"), 12)


@pytest.mark.parametrize("rows", [3, 30])
def test_programme_detail_queries_do_not_grow(client, lead_a, programme_a, rows, django_assert_max_num_queries):
    RegistrationFactory.create_batch(rows, programme=programme_a, learner__centre=programme_a.centre)
    client.force_login(lead_a)
    _queries(client, django_assert_max_num_queries, reverse("registrations:programme_detail", args=[programme_a.pk]), 17)  # incl. its change history


@pytest.mark.parametrize("rows", [3, 30])
def test_home_queries_do_not_grow(client, exams_officer, programme_a, rows, django_assert_max_num_queries):
    RegistrationFactory.create_batch(rows, programme=programme_a, learner__centre=programme_a.centre)
    client.force_login(exams_officer)
    # Every app's home panel runs a fixed set of counts (about 35 with all apps); the budget must not move with rows.
    _queries(client, django_assert_max_num_queries, reverse("core:home"), 40)
