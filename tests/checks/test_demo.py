import io

import pytest

from checks.demo import seed_demo_data
from checks.models import CheckRound, CheckVerdict, Discrepancy, ProgrammeCheck, Statement
from checks.selectors import annotate_progress, with_state
from tests.factories import ProgrammeFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_demo_round_has_every_state_discrepancies_and_statements_and_is_idempotent(
    centre, programme_a, programme_b, exams_officer, lead_a, lead_b
):
    programme_c = ProgrammeFactory(centre=centre)
    programme_c.subject_leads.add(lead_b)
    for programme, n in ((programme_a, 4), (programme_b, 6), (programme_c, 8)):
        RegistrationFactory.create_batch(n, programme=programme, learner__centre=centre)
    users = {"exams_officer": exams_officer, "subject_leads": [lead_a, lead_b]}
    out = io.StringIO()
    seed_demo_data(centre=centre, users=users, stdout=out)

    check_round = CheckRound.objects.get()
    states = {c.programme_id: c.state for c in with_state(list(annotate_progress(check_round.checks.all())))}
    assert states == {
        programme_a.pk: ProgrammeCheck.State.SIGNED_OFF,
        programme_b.pk: ProgrammeCheck.State.IN_PROGRESS,
        programme_c.pk: ProgrammeCheck.State.NOT_STARTED,
    }
    signed = check_round.checks.get(programme=programme_a)
    assert signed.signed_off_by == lead_a and signed.lines.filter(verdict__isnull=True).count() == 0
    kinds = dict(Discrepancy.objects.values_list("kind", "state"))
    assert kinds == {
        Discrepancy.Kind.INCORRECT_DETAIL: Discrepancy.State.OPEN,
        Discrepancy.Kind.NOT_ON_PROGRAMME: Discrepancy.State.DISMISSED,
        Discrepancy.Kind.MISSING_LEARNER: Discrepancy.State.OPEN,
    }
    assert Statement.objects.filter(registration__programme=programme_a).count() == 4
    assert Statement.objects.filter(response=Statement.Response.CONFIRMED).count() == 1
    # Made through the services: who and why in the history of each verdict and the sign-off.
    assert CheckVerdict.history.filter(history_user=lead_a).count() == 4  # every line of A
    assert CheckVerdict.history.filter(history_user=lead_b).count() == 3  # half of B
    assert signed.history.filter(history_user=lead_a, history_change_reason="Check list signed off").exists()

    seed_demo_data(centre=centre, users=users, stdout=out)
    assert CheckRound.objects.count() == 1 and Statement.objects.count() == 4
    assert "already open" in out.getvalue()
