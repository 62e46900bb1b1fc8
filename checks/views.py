"""Check rounds, subject leads' check lists, discrepancies, statements and the learner's link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import record
from core.exceptions import DomainError
from core.exports import Sheet, build_xlsx, file_response
from core.history import history_entries
from core.jobs import job_start
from core.pagination import paginate
from core.pdf import render_pdf
from registrations.selectors import get_programme_for_user, get_registration_for_user

from . import selectors, services
from .forms import (
    CheckListFilterForm,
    DiscrepancyFilterForm,
    MissingLearnerForm,
    ReasonForm,
    ResolveForm,
    RoundOpenForm,
    StatementAnswerForm,
    VerdictForm,
)
from .jobs import statements_html
from .models import CheckVerdict, Discrepancy, ProgrammeCheck, Statement


def _can_work_on(user, check_list: ProgrammeCheck) -> bool:
    """May this user give verdicts on this list right now (a lead of it, list not signed off)?"""
    if check_list.is_signed_off or not user.has_perm("checks.sign_off_programmecheck"):
        return False
    return user.is_superuser or check_list.programme.subject_leads.filter(pk=user.pk).exists()


# --- rounds (exams officer; QN and senior leaders read) -----------------------------------------


@permission_required("checks.view_programmecheck", raise_exception=True)
def index(request):
    """Rounds for whole-centre roles; a subject lead's own check lists for everyone who has any."""
    rounds = selectors.round_list() if request.user.has_perm("checks.view_checkround") else None
    mine = None
    if not request.user.has_perm("checks.view_checkround") or request.user.led_programmes.exists():
        mine = selectors.with_state(list(selectors.my_check_lists(request.user).filter(programme__subject_leads=request.user)[:100]))
    return render(request, "checks/index.html", {"rounds": rounds, "mine": mine})


@permission_required("checks.add_checkround", raise_exception=True)
def round_open(request):
    form = RoundOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check_round = services.round_open(
                actor=request.user, name=form.cleaned_data["name"], due_date=form.cleaned_data["due_date"],
                programmes=form.cleaned_data["programmes"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"“{check_round}” is open: each programme's check list holds a snapshot of what Pearson holds.")
            return redirect(check_round)
    return render(request, "checks/round_form.html", {"form": form})


@permission_required("checks.view_checkround", raise_exception=True)
def round_detail(request, pk):
    check_round = selectors.get_round(pk)
    form = CheckListFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    page = paginate(request, selectors.round_check_lists(check_round=check_round, state=state))
    selectors.with_state(page.object_list)
    open_discrepancies = Discrepancy.objects.filter(check_list__round=check_round, state=Discrepancy.State.OPEN).count()
    return render(request, "checks/round_detail.html", {
        "round": check_round, "form": form, "page": page, "counts": selectors.round_state_counts(check_round),
        "open_discrepancies": open_discrepancies, "history": history_entries(check_round),
    })


@require_POST
@permission_required("checks.change_checkround", raise_exception=True)
def round_remind(request, pk):
    check_round = selectors.get_round(pk)
    sent = services.reminders_send(actor=request.user, check_round=check_round, request=request)
    if sent:
        messages.success(request, f"Reminders sent to {sent} subject lead{'s' if sent != 1 else ''}.")
    else:
        messages.info(request, "Nobody needed a reminder: every list is signed off (or its leads have no e-mail address).")
    return redirect(check_round)


# --- the check list --------------------------------------------------------------------------


@permission_required("checks.view_programmecheck", raise_exception=True)
def checklist(request, pk):
    check_list = selectors.get_check_list_for_user(request.user, pk)
    lines = list(selectors.check_list_lines(check_list))
    decided = sum(1 for line in lines if hasattr(line, "verdict"))
    return render(request, "checks/checklist.html", {
        "check_list": check_list, "lines": lines, "decided": decided,
        "state": ProgrammeCheck.State(check_list.state_for(decided=decided, total=len(lines))).label,
        "can_edit": _can_work_on(request.user, check_list),
        "can_reopen": check_list.is_signed_off and request.user.has_perm("checks.reopen_programmecheck"),
        "additions": selectors.check_list_additions(check_list),
        "missing_form": MissingLearnerForm(), "reopen_form": ReasonForm(),
        "verdicts": CheckVerdict.Verdict.choices, "field_choices": VerdictForm.base_fields["field"].choices,
        "history": history_entries(check_list),
    })


@require_POST
@permission_required("checks.sign_off_programmecheck", raise_exception=True)
def line_verdict(request, pk):
    """Save one line's verdict. With htmx the row is swapped in place; without, back to the list."""
    line = selectors.get_line_for_user(request.user, pk)
    form = VerdictForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Choose a verdict for this learner."
    else:
        try:
            data = form.cleaned_data
            services.verdict_record(
                actor=request.user, line=line, verdict=data["verdict"], field=data["field"],
                correct_value=data["correct_value"], note=data["note"], expected_version=data["version"],
            )
        except DomainError as exc:
            error = exc.message
    if request.headers.get("HX-Request"):
        line = selectors.get_line_for_user(request.user, pk)
        check_list = line.check_list
        return render(request, "checks/_line.html", {
            "line": line, "check_list": check_list, "can_edit": _can_work_on(request.user, check_list),
            "error": error, "posted": request.POST if error else None, "saved": not error,
            "verdicts": CheckVerdict.Verdict.choices, "field_choices": VerdictForm.base_fields["field"].choices,
        })
    if error:
        messages.error(request, f"{line}: {error}")
    else:
        messages.success(request, f"Verdict saved for {line}.")
    return redirect(f"{line.check_list.get_absolute_url()}#line-{line.pk}")


@require_POST
@permission_required("checks.sign_off_programmecheck", raise_exception=True)
def missing_add(request, pk):
    check_list = selectors.get_check_list_for_user(request.user, pk)
    form = MissingLearnerForm(request.POST)
    if form.is_valid():
        try:
            services.missing_learner_add(actor=request.user, check_list=check_list, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{form.cleaned_data['first_name']} {form.cleaned_data['last_name']} added as missing from the list.")
            return redirect(f"{check_list.get_absolute_url()}#missing")
    else:
        problems = "; ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items())
        messages.error(request, f"The missing learner was not added. {problems}")
    return redirect(f"{check_list.get_absolute_url()}#missing")


@require_POST
@permission_required("checks.sign_off_programmecheck", raise_exception=True)
def missing_remove(request, pk):
    discrepancy = selectors.get_discrepancy_for_user(request.user, pk)
    try:
        services.missing_learner_remove(actor=request.user, discrepancy=discrepancy)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{discrepancy.who} taken off the list of missing learners.")
    if discrepancy.check_list_id is None:
        raise Http404
    return redirect(f"{discrepancy.check_list.get_absolute_url()}#missing")


@require_POST
@permission_required("checks.sign_off_programmecheck", raise_exception=True)
def sign_off(request, pk):
    check_list = selectors.get_check_list_for_user(request.user, pk)
    try:
        services.checklist_sign_off(actor=request.user, check_list=check_list)
    except DomainError as exc:
        messages.error(request, f"Not signed off. {exc.message}")
    else:
        messages.success(request, "Signed off. The exams office will deal with anything you flagged; you will see the outcome here.")
    return redirect(check_list)


@require_POST
@permission_required("checks.reopen_programmecheck", raise_exception=True)
def reopen(request, pk):
    check_list = selectors.get_check_list_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("Say why the list is being reopened (the subject lead will see it).")
        services.checklist_reopen(actor=request.user, check_list=check_list, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, f"Not reopened. {exc.message}")
    else:
        messages.success(request, "Reopened: the subject lead can change verdicts and sign off again.")
    return redirect(check_list)


def _export_rows(check_list):
    lines = selectors.check_list_lines(check_list)
    for line in lines:
        verdict = getattr(line, "verdict", None)
        discrepancy = getattr(line, "discrepancy", None)
        yield line, verdict, discrepancy


@permission_required("checks.view_programmecheck", raise_exception=True)
def checklist_pdf(request, pk):
    check_list = selectors.get_check_list_for_user(request.user, pk)
    rows = list(_export_rows(check_list))
    pdf = render_pdf("checks/pdf/checklist.html", {
        "check_list": check_list, "rows": rows, "additions": selectors.check_list_additions(check_list),
        "title": f"Registration check list: {check_list.programme}", "generated": timezone.localtime(),
        "decided": sum(1 for _line, v, _d in rows if v),
    })
    record(request.user, "checks.checklist.exported", check_list, {"format": "pdf"}, request=request)
    return file_response(pdf, f"check-list-{check_list.pk}.pdf", "application/pdf")


@permission_required("checks.view_programmecheck", raise_exception=True)
def checklist_xlsx(request, pk):
    check_list = selectors.get_check_list_for_user(request.user, pk)
    signed = (
        f"Signed off by {check_list.signed_off_by.get_full_name() or check_list.signed_off_by.username} on "
        f"{timezone.localtime(check_list.signed_off_at):%d/%m/%Y %H:%M}" if check_list.is_signed_off else "Not signed off"
    )
    headers = ["Last name", "First name(s)", "Date of birth", "Sex", "ULN", "Qualification", "Registration number",
               "State", "Verdict", "Detail", "Correct value", "Note", "By", "Outcome"]
    rows = []
    for line, verdict, discrepancy in _export_rows(check_list):
        rows.append([
            line.legal_last_name, line.legal_first_name, line.date_of_birth, line.sex, line.uln, line.qualification,
            line.pearson_registration_number, line.get_registration_state_display(),
            verdict.get_verdict_display() if verdict else "", verdict.get_field_display() if verdict and verdict.field else "",
            verdict.correct_value if verdict else "", verdict.note if verdict else "",
            (verdict.decided_by.get_full_name() or verdict.decided_by.username) if verdict else "",
            f"{discrepancy.get_state_display()}: {discrepancy.outcome}" if discrepancy and discrepancy.outcome else
            (discrepancy.get_state_display() if discrepancy else ""),
        ])
    for d in selectors.check_list_additions(check_list):
        rows.append([d.last_name, d.first_name, d.date_of_birth, "", "", "", "", "Missing from the list", "Add", "", "",
                     d.description, "", f"{d.get_state_display()}: {d.outcome}" if d.outcome else d.get_state_display()])
    data = build_xlsx([Sheet("Check list", headers, rows, header_block=[
        [f"Registration check list: {check_list.programme}"], [str(check_list.round), f"Due {check_list.round.due_date:%d/%m/%Y}"],
        [signed], [],
    ])])
    record(request.user, "checks.checklist.exported", check_list, {"format": "xlsx"}, request=request)
    return file_response(data, f"check-list-{check_list.pk}.xlsx")


# --- discrepancies -------------------------------------------------------------------------


@permission_required("checks.view_discrepancy", raise_exception=True)
def discrepancy_list(request):
    form = DiscrepancyFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    round_id = request.GET.get("round") if (request.GET.get("round") or "").isdigit() else None
    qs = selectors.discrepancy_list(user=request.user, state=filters.get("state", ""), kind=filters.get("kind", ""), round_id=round_id)
    return render(request, "checks/discrepancy_list.html", {"form": form, "page": paginate(request, qs), "round_id": round_id})


@require_http_methods(["GET", "POST"])
@permission_required("checks.view_discrepancy", raise_exception=True)
def discrepancy_detail(request, pk):
    discrepancy = selectors.get_discrepancy_for_user(request.user, pk)
    can_resolve = request.user.has_perm("checks.resolve_discrepancy") and discrepancy.state == Discrepancy.State.OPEN
    form = ResolveForm(request.POST or None, discrepancy=discrepancy) if can_resolve else None
    if request.method == "POST":
        if not request.user.has_perm("checks.resolve_discrepancy"):
            raise PermissionDenied
        if form is None:
            messages.error(request, f"This discrepancy is {discrepancy.get_state_display().lower()}: nothing to resolve.")
            return redirect(discrepancy)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.discrepancy_resolve(
                    actor=request.user, discrepancy=discrepancy, action=data["action"], reason=data["reason"],
                    field=data["field"], value=data["value"], on=data["on"], to_programme=data["to_programme"], sex=data["sex"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Discrepancy resolved." if data["action"] != "dismiss" else "Discrepancy dismissed.")
                return redirect(discrepancy)
    return render(request, "checks/discrepancy_detail.html", {
        "d": discrepancy, "form": form, "history": history_entries(discrepancy),
    })


# --- statements ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("checks.view_statement", raise_exception=True)
def programme_statements(request, pk):
    programme = get_programme_for_user(request.user, pk)
    if request.method == "POST":
        if not request.user.has_perm("checks.issue_statement"):
            raise PermissionDenied
        how = request.POST.get("how")
        if how not in ("print", "email"):
            messages.error(request, "Choose to print or to e-mail the statements.")
            return redirect("checks:programme_statements", pk=programme.pk)
        job = job_start(
            actor=request.user, kind=f"checks.statements.{how}",
            title=f"Registration statements for {programme} ({'PDF' if how == 'print' else 'e-mail'})",
            runner="checks.jobs.render_statements_pdf" if how == "print" else "checks.jobs.email_statements",
            parameters={"programme_id": programme.pk},
        )
        return redirect("core:job_detail", pk=job.pk)
    rows = paginate(request, selectors.programme_statement_rows(programme), per_page=100)
    return render(request, "checks/programme_statements.html", {"programme": programme, "page": rows})


@require_POST
@permission_required("checks.issue_statement", raise_exception=True)
def registration_statement_pdf(request, pk):
    """One learner's statement, printed now (recorded as told on paper)."""
    registration = get_registration_for_user(request.user, pk)
    if registration.state not in services.KNOWN_TO_PEARSON:
        messages.error(request, "Only a registered or submitted learner has details at Pearson to put on a statement.")
        return redirect("checks:programme_statements", pk=registration.programme_id)
    (statement,) = services.statements_issue(actor=request.user, registrations=[registration], method=Statement.Method.PRINTED)
    from core.pdf import html_to_pdf

    pdf = html_to_pdf(statements_html([statement], registration.programme))
    record(request.user, "checks.statements.printed", registration.programme, {"statements": 1, "registration": registration.pk}, request=request)
    return file_response(pdf, f"registration-statement-{registration.pk}.pdf", "application/pdf")


@login_not_required
@require_http_methods(["GET", "POST"])
def statement_link(request, token):
    """The learner's personal link: no login; shows only that learner's details; used once."""
    try:
        statement = services.statement_from_token(token)
    except services.LinkProblem as exc:
        record(None, "checks.statement_link.refused", None, {"why": exc.message[:120]}, request=request)
        return render(request, "checks/statement_link_problem.html", {"problem": exc.message}, status=410 if "used" in exc.message or "expired" in exc.message else 400)
    form = StatementAnswerForm(request.POST or None)
    if request.method == "POST":
        response = request.POST.get("response")
        if form.is_valid():
            try:
                services.statement_respond(token=token, response=response, **form.cleaned_data)
            except services.LinkProblem as exc:
                return render(request, "checks/statement_link_problem.html", {"problem": exc.message}, status=410)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return render(request, "checks/statement_link_done.html", {"reported": response == Statement.Response.REPORTED})
    return render(request, "checks/statement_link.html", {"details": statement.details, "form": form, "statement": statement})

