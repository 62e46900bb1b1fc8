import factory
from django.utils import timezone

from audit.models import Investigation
from tests.factories import LearnerFactory, UserFactory


class InvestigationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Investigation

    reference = factory.Sequence(lambda n: f"INV-2026-{n + 500:03d}")
    kind = Investigation.Kind.LATE_REGISTRATION
    summary = "Registration sent after the deadline"
    learner = factory.SubFactory(LearnerFactory)
    investigator = factory.SubFactory(UserFactory)
    opened_by = factory.SubFactory(UserFactory)
    opened_on = factory.LazyFunction(timezone.localdate)
