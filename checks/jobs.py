"""Background work: a whole programme's registration statements as one PDF, or by e-mail.

Runners for core.jobs: `runner(job, progress) -> JobResult`. The PDF is laid out in one WeasyPrint
call over one HTML document (one learner per page), so the job costs little more than the layout.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import record
from core.jobs import JobResult
from core.pdf import html_to_pdf
from registrations.models import Programme, Registration

from .models import Statement
from .services import KNOWN_TO_PEARSON, statement_url, statements_issue


def _registrations(programme_id: int):
    return list(
        Registration.objects.filter(programme_id=programme_id, state__in=KNOWN_TO_PEARSON)
        .select_related("learner", "programme__qualification", "programme__centre")
        .order_by("learner__legal_last_name", "learner__legal_first_name", "id")
    )


def statements_html(statements: list[Statement], programme: Programme) -> str:
    items = [{"statement": s, "details": s.details, "url": statement_url(s)} for s in statements]
    return render_to_string(
        "checks/pdf/statements.html",
        {"items": items, "programme": programme, "title": f"Registration statements: {programme}",
         "generated": timezone.localtime(), "link_days": 60},
    )


def render_statements_pdf(job, progress) -> JobResult:
    programme = Programme.objects.select_related("qualification").get(pk=job.parameters["programme_id"])
    registrations = _registrations(programme.pk)
    progress.set_total(len(registrations) + 1)
    with transaction.atomic():  # if the PDF fails, no learner is recorded as told
        statements = statements_issue(actor=job.requested_by, registrations=registrations, method=Statement.Method.PRINTED)
        progress.advance(len(statements), "Laying out the PDF")
        pdf = html_to_pdf(statements_html(statements, programme))
        record(job.requested_by, "checks.statements.printed", programme, {"statements": len(statements), "job": str(job.pk)})
    return JobResult(
        filename=f"registration-statements-{programme.pk}.pdf", content_type="application/pdf", data=pdf,
        summary={"Statements": len(statements)}, message=f"{len(statements)} statements, one learner per page.",
    )


def email_statements(job, progress) -> JobResult:
    programme = Programme.objects.select_related("qualification").get(pk=job.parameters["programme_id"])
    registrations = _registrations(programme.pk)
    progress.set_total(len(registrations))
    sent, skipped = 0, []
    for i, registration in enumerate(registrations, 1):
        learner = registration.learner
        if not learner.email:
            skipped.append(learner.full_legal_name)
            progress.advance(i)
            continue
        with transaction.atomic():
            (statement,) = statements_issue(
                actor=job.requested_by, registrations=[registration], method=Statement.Method.EMAILED,
                email_to={registration.pk: learner.email},
            )
            body = render_to_string(
                "checks/statement_email.txt", {"details": statement.details, "url": statement_url(statement), "link_days": 60}
            )
            send_mail("Your BTEC registration with Pearson: please check your details", body,
                      settings.DEFAULT_FROM_EMAIL, [learner.email])
            record(job.requested_by, "checks.statement.emailed", registration, {"to": learner.email, "statement": statement.pk})
        sent += 1
        progress.advance(i)
    summary = {"E-mailed": sent, "No e-mail address": len(skipped)}
    if skipped:
        summary["Print statements for"] = ", ".join(skipped[:50]) + (" …" if len(skipped) > 50 else "")
    return JobResult(summary=summary, message=f"{sent} statements e-mailed; {len(skipped)} learners have no e-mail address.")
