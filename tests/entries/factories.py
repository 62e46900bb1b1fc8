from datetime import date
from decimal import Decimal

import factory

from entries.models import AssessmentSeries, Entry, Result
from tests.factories import RegistrationFactory, UnitFactory, UserFactory


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentSeries
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Series {n}")
    entry_deadline = date(2027, 2, 21)
    late_entry_end = date(2027, 3, 31)
    standard_fee = Decimal("45.00")
    late_fee = Decimal("90.00")
    results_date = date(2027, 8, 12)


class ExternalUnitFactory(UnitFactory):
    assessment = "external"


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    series = factory.SubFactory(SeriesFactory)
    registration = factory.SubFactory(RegistrationFactory)
    unit = factory.SubFactory(ExternalUnitFactory, qualification=factory.SelfAttribute("..registration.programme.qualification"))
    fee = Decimal("45.00")
    entered_on = date(2026, 11, 1)
    entered_by = factory.SubFactory(UserFactory, username="eo")


class ResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Result

    series = factory.SubFactory(SeriesFactory)
    registration = factory.SubFactory(RegistrationFactory)
    unit = factory.SubFactory(ExternalUnitFactory, qualification=factory.SelfAttribute("..registration.programme.qualification"))
    grade = "P"
    received_on = date(2027, 1, 20)
