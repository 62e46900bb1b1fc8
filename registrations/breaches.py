"""Registration rule breaches offered to the exams officer as investigations (audit.breaches contract).

- late: sent to Pearson after its due date (registrations/deadlines.py), or still unsent past it;
- early: sent to Pearson before the learner's enrolment date (a learner registered before they
  started the course may not be real: DOMAIN lists early registrations among those to investigate).
"""

from django.utils import timezone

from audit.breaches import Breach

from .deadlines import _rules, late_fee_band, overdue_registrations, registration_due_date
from .models import Registration


def detected_breaches() -> list[Breach]:
    rules = _rules()
    found: list[Breach] = []
    sent = Registration.objects.filter(submitted_at__isnull=False).select_related("programme", "learner")
    for r in sent.iterator(chunk_size=2000):
        on = timezone.localdate(r.submitted_at)
        due = registration_due_date(r, rules)
        if due is not None and on > due:
            band = late_fee_band(r, on, rules)
            found.append(Breach(
                key=f"registrations.late:{r.pk}", kind="late_registration",
                summary=f"{r.learner.full_legal_name} on {r.programme}: sent {on:%d/%m/%Y}, due {due:%d/%m/%Y}"
                + (f" ({band})" if band else ""),
                obj=r, learner_id=r.learner_id, detected_on=on,
            ))
        if on < r.enrolment_date:
            found.append(Breach(
                key=f"registrations.early:{r.pk}", kind="early_registration",
                summary=f"{r.learner.full_legal_name} on {r.programme}: sent {on:%d/%m/%Y}, before enrolment on {r.enrolment_date:%d/%m/%Y}",
                obj=r, learner_id=r.learner_id, detected_on=on,
            ))
    today = timezone.localdate()
    for r in overdue_registrations(Registration.objects.select_related("programme", "learner"), today):
        due = registration_due_date(r, rules)
        found.append(Breach(
            key=f"registrations.late:{r.pk}", kind="late_registration",
            summary=f"{r.learner.full_legal_name} on {r.programme}: due {due:%d/%m/%Y} and still not sent",
            obj=r, learner_id=r.learner_id, detected_on=today,
        ))
    return found
