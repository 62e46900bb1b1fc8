"""factory-boy factories for the domain core. Apps' own factories live beside their tests."""

import itertools
from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.validators import uci_check_letter
from learners.models import Centre, Learner
from registrations.models import Programme, Qualification, QualificationSuite, Registration, Unit

_uln_counter = itertools.count(100000000)


def next_valid_uln() -> str:
    """A fresh valid ULN: 9 digits then a check digit that makes the remainder 10."""
    while True:
        body = str(next(_uln_counter))[-9:].rjust(9, "1")
        if body[0] == "0":
            continue
        for last in "0123456789":
            candidate = body + last
            if sum(int(d) * (11 - i) for i, d in enumerate(candidate, 1)) % 11 == 10:
                return candidate


def make_uci(centre: str, year: int, candidate: str) -> str:
    first = f"{centre}0{year % 100:02d}{candidate}"
    return first + uci_check_letter(first)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ("number",)

    number = "68199"
    name = "Northfield Academy"


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    centre = factory.SubFactory(CentreFactory)
    mis_id = factory.Sequence(lambda n: f"MIS{n:06d}")
    legal_first_name = factory.Faker("first_name", locale="en_GB")
    legal_last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Faker("date_between", start_date=date(2007, 9, 1), end_date=date(2010, 8, 31))
    sex = factory.Iterator(["M", "F"])
    uln = factory.LazyFunction(next_valid_uln)
    uln_not_yet_known = False
    candidate_number = factory.Sequence(lambda n: f"{(n % 9999) + 1:04d}")
    uci = factory.LazyAttribute(lambda o: make_uci(o.centre.number, 26, o.candidate_number))
    email = factory.LazyAttribute(lambda o: f"{o.mis_id.lower()}@learners.example.org")


class SuiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualificationSuite
        django_get_or_create = ("name",)

    name = "BTEC Nationals (2016)"


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification
        django_get_or_create = ("qan",)

    qan = factory.Sequence(lambda n: f"601/{(n % 9000) + 1000:04d}/{n % 10}")
    title = factory.Sequence(lambda n: f"Pearson BTEC Level 3 National Extended Certificate in Subject {n}")
    level = "3"
    suite = factory.SubFactory(SuiteFactory)
    size_glh = 360


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    qualification = factory.SubFactory(QualificationFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"Unit title {n}")
    glh = 60
    assessment = Unit.Assessment.INTERNAL
    mandatory = True


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    centre = factory.SubFactory(CentreFactory)
    qualification = factory.SubFactory(QualificationFactory)
    name = factory.Sequence(lambda n: f"Programme {n} (2026–28)")
    academic_year = "2026/27"
    start_date = date(2026, 9, 1)
    planned_end_date = date(2028, 6, 30)
    approved_to = date(2028, 8, 31)
    certificate_end = date(2029, 8, 31)

    @factory.post_generation
    def subject_leads(self, create, extracted, **kwargs):
        if create and extracted:
            self.subject_leads.add(*extracted)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    learner = factory.SubFactory(LearnerFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    state = Registration.State.REGISTERED
    pearson_registration_number = factory.Sequence(lambda n: f"R{n:07d}")
    enrolment_date = date(2026, 9, 7)
    planned_completion_date = date(2028, 6, 30)
    registered_on = factory.LazyAttribute(
        lambda o: o.enrolment_date + timedelta(days=30) if o.state != Registration.State.DRAFT else None
    )

    class Params:
        draft = factory.Trait(state=Registration.State.DRAFT, pearson_registration_number="", registered_on=None)
