"""Background runners for the audit pages (core.jobs)."""

from core.jobs import JobResult

from . import integrity
from .services import record


def verify_trail(job, progress) -> JobResult:
    """Verify the whole trail off the request; seal new entries if it is intact."""
    tables = len(integrity.ledgered_models())
    progress.set_total(tables)
    done = {"n": 0}

    def step(table):
        done["n"] += 1
        progress.advance(done["n"], f"Checked {table}")

    result = integrity.verify(progress=step)
    record(job.requested_by, "audit.trail.verified", None, result.event_data())
    sealed = integrity.seal() if result.intact else None
    return JobResult(
        summary={
            "intact": result.intact,
            "rows": result.rows_checked,
            "seals": result.seals_checked,
            "problems": [str(p) for p in result.problems[:50]],
            "tables_without_trigger": result.tables_without_trigger,
            "sealed": sealed.entry_count if sealed else 0,
        },
        message="The audit trail is intact." if result.intact else f"The audit trail is NOT intact: {len(result.problems)} problem(s).",
    )


# --- Printable audit reports (audit/reports.py) -----------------------------------------------------


def report_context(report, *, user, generated_at) -> dict:
    """What the PDF template needs besides the figures: the centre, who generated it and when."""
    from learners.models import Centre

    if report.programme is not None:
        centre = str(report.programme.centre.name) + f" ({report.programme.centre.number})"
    else:
        centre = "; ".join(f"{c.name} ({c.number})" for c in Centre.objects.order_by("number")) or "—"
    from .reports import REPORTS

    return {
        "report": report, "centre": centre, "tabular": REPORTS[report.slug].tabular, "generated_at": generated_at,
        "generated_by": (user.get_full_name() or user.username) if user else "the system",
    }


def report_html(report, *, user, generated_at) -> str:
    from django.template.loader import render_to_string

    return render_to_string("audit/reports/pdf.html", report_context(report, user=user, generated_at=generated_at))


def render_report_pdf(job, progress) -> JobResult:
    """One audit report as a PDF, laid out off the request (parameters: slug, date_from, date_to, programme_id)."""
    from datetime import date

    from django.utils import timezone

    from core.pdf import html_to_pdf
    from registrations.models import Programme

    from .reports import REPORTS

    params = job.parameters
    spec = REPORTS[params["slug"]]
    user = job.requested_by
    programme = Programme.objects.visible_to(user).filter(pk=params["programme_id"]).first() if params.get("programme_id") else None
    kwargs = {"user": user, "date_from": date.fromisoformat(params["date_from"]),
              "date_to": date.fromisoformat(params["date_to"]), "programme": programme}
    if spec.slug == "integrity":
        kwargs.update(verify_now=True, retention_counts=True)
    progress.every = 1  # three steps: each one is worth showing
    progress.set_total(3)
    progress.advance(0, "Counting the figures")
    report = spec.build(**kwargs)
    verification = report.extra.get("verification") if spec.slug == "integrity" else None
    if verification:  # a full check was made: the integrity page shows it as the last verification
        record(user, "audit.trail.verified", None, {
            "intact": verification["intact"], "problems": verification["problem_count"], "rows": verification["rows"],
            "broken": verification["problems"], "by": "audit report",
        })
    progress.advance(1, "Writing the report")
    html = report_html(report, user=user, generated_at=timezone.now())
    progress.advance(2, "Laying out the PDF")
    pdf = html_to_pdf(html)
    filename = f"audit-report-{spec.slug}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.pdf"
    record(user, "audit.report.generated", programme, {
        "report": spec.slug, "date_from": params["date_from"], "date_to": params["date_to"],
        "programme": programme.pk if programme else None, "filename": filename, "bytes": len(pdf),
    })
    return JobResult(filename=filename, content_type="application/pdf", data=pdf,
                     message=f"{spec.title} for {report.period} is ready.")
