from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from learners import services
from learners.models import Learner
from registrations.models import PearsonNotification
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def test_uln_must_be_present_or_explicitly_not_known(centre):
    with pytest.raises(IntegrityError), transaction.atomic():
        Learner.objects.create(
            centre=centre, mis_id="X1", legal_first_name="A", legal_last_name="B",
            date_of_birth=date(2009, 1, 1), sex="F", uln=None, uln_not_yet_known=False,
        )
    Learner.objects.create(
        centre=centre, mis_id="X2", legal_first_name="A", legal_last_name="B",
        date_of_birth=date(2009, 1, 1), sex="F", uln=None, uln_not_yet_known=True,
    )


def test_duplicate_mis_id_and_candidate_number_refused_per_centre(centre):
    first = LearnerFactory(centre=centre, candidate_number="0042")
    with pytest.raises(IntegrityError), transaction.atomic():
        LearnerFactory(centre=centre, mis_id=first.mis_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        LearnerFactory(centre=centre, candidate_number="0042", uci=None)


def test_create_refuses_future_birth_date_and_bad_uln(centre, exams_officer):
    with pytest.raises(ValidationError) as exc:
        services.learner_create(
            actor=exams_officer, centre=centre, mis_id="N1", legal_first_name="Amy", legal_last_name="Jones",
            date_of_birth=date(2099, 1, 1), sex="F", uln="9276308687",
        )
    assert "date_of_birth" in exc.value.message_dict and "uln" in exc.value.message_dict
    assert not Learner.objects.filter(mis_id="N1").exists()


def test_correcting_a_registered_learner_raises_a_notification(registration_a, exams_officer):
    learner = registration_a.learner
    services.learner_update(
        actor=exams_officer, learner=learner, changes={"legal_last_name": "Smith-Jones", "email": "new@example.org"},
        reason="Name changed by deed poll",
    )
    notification = PearsonNotification.objects.get()
    assert notification.kind == "learner_details"
    assert notification.details == {"legal_last_name": [learner.legal_last_name, "Smith-Jones"]}
    assert learner.history.first().history_change_reason == "Name changed by deed poll"


def test_correcting_a_learner_not_yet_sent_raises_nothing(programme_a, exams_officer):
    from tests.factories import RegistrationFactory

    reg = RegistrationFactory(programme=programme_a, learner__centre=programme_a.centre, draft=True)
    services.learner_update(actor=exams_officer, learner=reg.learner, changes={"legal_first_name": "Zoe"}, reason="Typo")
    assert not PearsonNotification.objects.exists()
