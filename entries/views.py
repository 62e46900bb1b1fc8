from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from audit.services import record
from core.exceptions import DomainError
from core.exports import Sheet, build_xlsx, file_response
from core.history import history_entries
from core.pagination import paginate
from core.pdf import render_pdf
from core.spreadsheets import SpreadsheetError, read_table
from registrations.models import Programme, Registration

from . import selectors, services
from .forms import EntryRequestForm, ResultsImportForm, SeriesForm, SwapForm, WithdrawForm
from .models import AssessmentSeries

GRID_PAGE_SIZE = 100
EXPORT_HEADERS = [
    "Centre number", "Series", "Registration number", "Candidate number", "UCI", "ULN", "Last name", "First names",
    "Qualification number", "Unit", "Unit title", "Late entry", "Entered on", "Grade",
]


@permission_required("entries.view_assessmentseries", raise_exception=True)
def series_list(request):
    page = paginate(request, selectors.series_list(user=request.user))
    counts = selectors.series_counts(user=request.user, series_ids=[s.pk for s in page.object_list])
    rows = [(s, counts[s.pk]) for s in page.object_list]
    return render(request, "entries/series_list.html", {"page": page, "rows": rows, "today": timezone.localdate()})


def _series_form(request, series: AssessmentSeries | None):
    form = SeriesForm(request.POST or None, instance=series, initial=None if series is None else {"reason": ""})
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        try:
            if series is None:
                series = services.series_create(actor=request.user, reason=form.cleaned_data["reason"], **values)
                messages.success(request, f"{series} was set up.")
            else:
                series = services.series_update(
                    actor=request.user, series=series, reason=form.cleaned_data["reason"], **values
                )
                messages.success(request, f"{series} was saved.")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(series)
    return render(request, "entries/series_form.html", {"form": form, "series": series})


@permission_required("entries.add_assessmentseries", raise_exception=True)
def series_create(request):
    return _series_form(request, None)


@permission_required("entries.change_assessmentseries", raise_exception=True)
def series_edit(request, pk):
    return _series_form(request, selectors.get_series(pk))


@permission_required("entries.view_assessmentseries", raise_exception=True)
def series_detail(request, pk):
    series = selectors.get_series(pk)
    today = timezone.localdate()
    return render(request, "entries/series_detail.html", {
        "series": series,
        "window": services.series_window(series, today),
        "by_programme": selectors.series_programme_counts(user=request.user, series=series),
        "programmes": selectors.programmes_with_external_units(user=request.user),
        "late_page": paginate(request, selectors.late_entries(user=request.user, series=series)),
        "history": history_entries(series),
    })


@permission_required("entries.view_entry", raise_exception=True)
def entry_grid(request, pk, programme_pk):
    """Every learner on the programme × every external unit; the exams officer ticks whom to enter."""
    series = selectors.get_series(pk)
    programme = get_object_or_404(
        Programme.objects.visible_to(request.user).select_related("qualification__suite"), pk=programme_pk
    )
    can_enter = request.user.has_perm("entries.add_entry")
    form = EntryRequestForm(request.POST or None)
    outcome = None
    if request.method == "POST":
        if not can_enter:
            raise PermissionDenied
        if form.is_valid():
            picks = _picks_from_post(request.POST)
            try:
                outcome = services.entries_create(
                    actor=request.user, series=series, picks=picks, late_reason=form.cleaned_data["late_reason"],
                    reason=form.cleaned_data["reason"] or "Entered for external assessment",
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if outcome.created:
                    messages.success(
                        request,
                        f"{len(outcome.created)} entr{'y' if len(outcome.created) == 1 else 'ies'} made for {series} "
                        f"(fees £{outcome.fee_total}).",
                    )
                if outcome.refused:
                    messages.error(request, f"{len(outcome.refused)} refused: see the reasons below.")
    page = paginate(request, selectors.grid_registrations(programme=programme), per_page=GRID_PAGE_SIZE)
    units, rows = selectors.programme_grid(programme=programme, series=series, registrations=page.object_list)
    today = timezone.localdate()
    return render(request, "entries/entry_grid.html", {
        "series": series, "programme": programme, "units": units, "rows": rows, "page": page, "form": form,
        "outcome": outcome, "can_enter": can_enter, "window": services.series_window(series, today),
        "resit_limit": programme.qualification.suite.external_resit_limit,
    })


def _picks_from_post(post) -> list[tuple[int, int]]:
    """Ticked cells ("registration:unit"), plus every learner on the page for a unit whose
    "enter all" button was pressed."""
    picks = []
    for value in post.getlist("pick"):
        try:
            reg_id, unit_id = (int(x) for x in value.split(":"))
        except ValueError:
            continue
        picks.append((reg_id, unit_id))
    all_unit = post.get("enter_all")
    if all_unit and all_unit.isdigit():
        for value in post.getlist("row"):
            if value.isdigit():
                picks.append((int(value), int(all_unit)))
    return picks


@permission_required("entries.view_entry", raise_exception=True)
def entry_detail(request, pk):
    entry = selectors.get_entry_for_user(request.user, pk)
    return render(request, "entries/entry_detail.html", {
        "entry": entry, "history": history_entries(entry),
        "withdraw_form": WithdrawForm(), "swap_form": SwapForm(entry=entry),
        "changeable": entry.state == entry.State.ENTERED and timezone.localdate() <= entry.series.late_entry_end,
    })


@permission_required("entries.change_entry", raise_exception=True)
def entry_withdraw(request, pk):
    entry = selectors.get_entry_for_user(request.user, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_withdraw(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "The entry was withdrawn; Pearson is owed a notification.")
            return redirect(entry)
    return render(request, "entries/entry_change.html", {"entry": entry, "form": form, "action": "withdraw"})


@permission_required("entries.change_entry", raise_exception=True)
def entry_swap(request, pk):
    entry = selectors.get_entry_for_user(request.user, pk)
    form = SwapForm(request.POST or None, entry=entry)
    if request.method == "POST" and form.is_valid():
        try:
            new_entry = services.entry_swap(
                actor=request.user, entry=entry, unit=form.cleaned_data["unit"], reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"The entry was moved to Unit {new_entry.unit.number}; Pearson is owed a notification.")
            return redirect(new_entry)
    return render(request, "entries/entry_change.html", {"entry": entry, "form": form, "action": "swap"})


@permission_required("entries.export_entry", raise_exception=True)
def series_export(request, pk):
    series = selectors.get_series(pk)
    entries = selectors.export_rows(series=series)
    rows = []
    for e in entries.iterator(chunk_size=1000):
        reg, learner = e.registration, e.registration.learner
        rows.append([
            learner.centre.number, series.name, reg.pearson_registration_number, learner.candidate_number or "",
            learner.uci or "", learner.uln or "", learner.legal_last_name.upper(), learner.legal_first_name.upper(),
            reg.programme.qualification.qan, e.unit.number, e.unit.title, "Yes" if e.is_late else "No", e.entered_on, "",
        ])
    data = build_xlsx([Sheet("Entries", EXPORT_HEADERS, rows, column_widths=[10, 14, 16, 10, 15, 12, 20, 20, 12, 6, 30, 8, 11, 6])])
    record(request.user, "entries.series.exported", series, {"entries": len(rows)}, request=request)
    slug = "".join(c if c.isalnum() else "-" for c in series.name).strip("-").lower()
    return file_response(data, f"entries-{slug}.xlsx")


@permission_required("entries.add_result", raise_exception=True)
def results_import(request, pk):
    series = selectors.get_series(pk)
    form = ResultsImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = read_table(upload, filename=upload.name)
            outcome = services.results_import(
                actor=request.user, series=series, table=table, filename=upload.name, reason=form.cleaned_data["reason"]
            )
        except SpreadsheetError as exc:
            form.add_error("file", exc.message)
        except services.ResultsImportRefused as exc:
            form.add_error("file", exc.message)
            errors = exc.errors
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"Results imported for {series}: {outcome.created} new, {outcome.updated} changed, {outcome.unchanged} unchanged.",
            )
            for warning in outcome.not_entered[:20]:
                messages.warning(request, warning)
            return redirect(series)
    return render(request, "entries/results_import.html", {"series": series, "form": form, "errors": errors})


@permission_required("entries.view_entry", raise_exception=True)
def statement_pdf(request, registration_pk):
    """A printable statement of a learner's external assessment entries (and results so far)."""
    registration = get_object_or_404(
        Registration.objects.visible_to(request.user).select_related("learner__centre", "programme__qualification"),
        pk=registration_pk,
    )
    history = [h for h in selectors.learner_history(user=request.user, learner=registration.learner)
               if h.registration.pk == registration.pk]
    if not history:
        raise Http404("No entries for this learner.")
    data = render_pdf("entries/pdf/statement.html", {
        "title": f"Statement of entry: {registration.learner.full_legal_name}",
        "registration": registration, "learner": registration.learner, "history": history,
        "printed_on": timezone.localdate(),
    })
    record(request.user, "entries.statement.downloaded", registration, {}, request=request)
    return file_response(data, f"statement-of-entry-{registration.pk}.pdf", "application/pdf")
