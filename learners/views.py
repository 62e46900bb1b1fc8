from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from audit.services import record
from core.exceptions import DomainError
from core.history import history_entries
from core.pagination import paginate
from core.panels import collect_panels
from core.spreadsheets import SpreadsheetError
from registrations.models import Programme

from . import selectors, services
from .forms import HeaderMappingForm, ImportConfirmForm, LearnerCorrectionForm, LearnerFilterForm, LearnerImportUploadForm
from .imports import columns_read, summary_lines
from .models import Learner, LearnerImport


@permission_required("learners.view_learner", raise_exception=True)
def learner_list(request):
    form = LearnerFilterForm(request.GET or None, programmes=Programme.objects.visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    programme = filters.get("programme")
    learners = selectors.learner_list(
        user=request.user, search=filters.get("q", ""), status=filters.get("status", ""),
        programme_id=programme.pk if programme else None,
    )
    return render(request, "learners/learner_list.html", {"form": form, "page": paginate(request, learners)})


@permission_required("learners.view_learner", raise_exception=True)
def learner_detail(request, pk):
    learner = selectors.get_learner_for_user(request.user, pk)
    return render(
        request,
        "learners/learner_detail.html",
        {
            "learner": learner,
            "panels": collect_panels("learner_detail", request, learner=learner),
            "history": history_entries(learner),
        },
    )


@permission_required("learners.change_learner", raise_exception=True)
def learner_correct(request, pk):
    """Correct a learner's details; changes to what Pearson holds are queued for Pearson."""
    learner = selectors.get_learner_for_user(request.user, pk)
    form = LearnerCorrectionForm(request.POST or None, instance=learner)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "reason"}
        try:
            services.learner_update(actor=request.user, learner=Learner.objects.get(pk=learner.pk), changes=changes, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{learner.full_legal_name}'s details were saved.")
            return redirect(learner)
    return render(request, "learners/learner_form.html", {"form": form, "learner": learner})


# --- Import from the MIS -------------------------------------------------------------------------

IMPORT_FILTERS = [("", "All rows"), ("rejected", "Rejected"), ("new", "New"), ("changed", "Changed"),
                  ("unchanged", "Unchanged"), ("flagged", "Flagged")]


@permission_required("learners.add_learner", raise_exception=True)
def import_upload(request):
    form = LearnerImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.learner_import_preview(
                actor=request.user, centre=form.cleaned_data["centre"], data=upload.read(), filename=upload.name
            )
        except SpreadsheetError as exc:
            record(request.user, "learners.import.refused", None, {"filename": upload.name, "reason": exc.message}, request=request)
            form.add_error("file", exc.message)
        else:
            return redirect(batch)
    recent = LearnerImport.objects.select_related("uploaded_by", "centre").defer("rows", "file_data")[:10]
    return render(request, "learners/import_upload.html", {"form": form, "recent": recent})


def _get_import(pk):
    return get_object_or_404(LearnerImport.objects.select_related("centre", "uploaded_by", "confirmed_by"), pk=pk)


@permission_required("learners.add_learner", raise_exception=True)
def import_preview(request, pk):
    batch = _get_import(pk)
    show = request.GET.get("show", "")
    rows = batch.rows
    if show == "flagged":
        rows = [r for r in rows if r["flags"]]
    elif show in {"rejected", "new", "changed", "unchanged"}:
        rows = [r for r in rows if r["action"] == show]
    mapping_headers = batch.summary.get("unknown_headers", []) + list(batch.summary.get("overrides", {}))
    mapping_form = HeaderMappingForm(headers=mapping_headers, current=batch.column_mapping) if mapping_headers else None
    return render(request, "learners/import_preview.html", {
        "batch": batch, "page": Paginator(rows, 100).get_page(request.GET.get("page")), "columns": columns_read(batch),
        "show": show, "filters": IMPORT_FILTERS, "mapping_form": mapping_form,
        "confirm_form": ImportConfirmForm(), "headline": summary_lines(batch.summary, [], [])[0],
        "can_confirm": batch.state == "previewed" and not batch.problems and not batch.summary.get("rejected"),
    })


@permission_required("learners.add_learner", raise_exception=True)
def import_remap(request, pk):
    batch = _get_import(pk)
    if request.method != "POST":
        return redirect(batch)
    headers = batch.summary.get("unknown_headers", []) + list(batch.summary.get("overrides", {}))
    form = HeaderMappingForm(request.POST, headers=headers, current=batch.column_mapping)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Check the column choices.")
        return redirect(batch)
    try:
        batch = services.learner_import_remap(actor=request.user, batch=batch, overrides=form.overrides())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(batch)
    messages.success(request, "The file was checked again with your choice of columns.")
    return redirect(batch)


@permission_required("learners.add_learner", raise_exception=True)
def import_confirm(request, pk):
    batch = _get_import(pk)
    form = ImportConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.learner_import_confirm(actor=request.user, batch=batch, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            s = batch.summary
            messages.success(request, f"Saved: {s['created']} learners added, {s['updated']} updated"
                             + (f", {s['notified']} changes queued for Pearson." if s.get("notified") else "."))
    return redirect(batch)


@permission_required("learners.add_learner", raise_exception=True)
def import_abandon(request, pk):
    batch = _get_import(pk)
    if request.method == "POST":
        try:
            services.learner_import_abandon(actor=request.user, batch=batch)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(batch)
        messages.success(request, "The import was abandoned; nothing was saved.")
    return redirect("learners:import_upload")
