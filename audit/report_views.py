"""The printable audit reports: on screen, as a PDF (a background job) and as a spreadsheet."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.exports import Sheet, build_xlsx, file_response
from core.jobs import job_start

from .forms import ReportFilterForm
from .reports import REPORTS, default_period
from .services import record, record_export

PERMISSION = "audit.view_reports"


def _spec(slug):
    if slug not in REPORTS:
        raise Http404("No such report")
    return REPORTS[slug]


def _form(request, spec, data):
    if not any(k in data for k in ("date_from", "date_to", "programme")):
        start, end = default_period()
        data = {"date_from": start.strftime("%d/%m/%Y"), "date_to": end.strftime("%d/%m/%Y")}
    return ReportFilterForm(data, user=request.user, by_programme=spec.by_programme)


def _build(request, spec, form):
    data = form.cleaned_data
    return spec.build(user=request.user, date_from=data["date_from"], date_to=data["date_to"],
                      programme=data.get("programme"))


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def report_index(request):
    return render(request, "audit/reports/index.html", {"reports": REPORTS.values()})


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def report_detail(request, slug):
    spec = _spec(slug)
    form = _form(request, spec, request.GET)
    report = _build(request, spec, form) if form.is_valid() else None
    return render(request, "audit/reports/report.html", {
        "spec": spec, "form": form, "report": report, "query": request.GET.urlencode(),
    })


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def report_pdf(request, slug):
    spec = _spec(slug)
    form = _form(request, spec, request.POST)
    if not form.is_valid():
        return render(request, "audit/reports/report.html", {"spec": spec, "form": form, "report": None})
    data = form.cleaned_data
    programme = data.get("programme")
    title = f"{spec.title}, {data['date_from']:%d/%m/%Y} to {data['date_to']:%d/%m/%Y}" + (f", {programme}" if programme else "") + " (PDF)"
    job = job_start(
        actor=request.user, kind="audit.report.pdf", title=title, runner="audit.jobs.render_report_pdf",
        parameters={"slug": spec.slug, "date_from": data["date_from"].isoformat(), "date_to": data["date_to"].isoformat(),
                    "programme_id": programme.pk if programme else None},
    )
    record(request.user, "audit.report.requested", job, {"report": spec.slug, "format": "pdf"}, request=request)
    return redirect("core:job_detail", pk=job.pk)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def report_xlsx(request, slug):
    spec = _spec(slug)
    if not spec.tabular:
        raise Http404("This report has no spreadsheet")
    form = _form(request, spec, request.GET)
    if not form.is_valid():
        messages.error(request, "Choose a possible period before downloading the spreadsheet.")
        return render(request, "audit/reports/report.html", {"spec": spec, "form": form, "report": None})
    report = _build(request, spec, form)
    info = [["Report", report.title], ["Period", report.period],
            ["Programme", str(report.programme) if report.programme else "All programmes"]]
    sheets = [Sheet("Summary", report.columns, [*report.rows, *([report.totals] if report.totals else [])],
                    header_block=[*info, []])]
    detail_rows = 0
    if report.detail is not None:
        headers, rows = report.detail()
        detail_rows = len(rows)
        sheets.append(Sheet("Detail", headers, rows))
    filename = f"audit-report-{spec.slug}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.xlsx"
    record_export(request.user, "audit.report", filename=filename, rows=detail_rows, obj=report.programme,
                  request=request, report=spec.slug)
    return file_response(build_xlsx(sheets), filename)
