from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from core.exceptions import DomainError
from core.exports import Sheet, build_xlsx, file_response
from core.history import history_entries
from core.pagination import paginate
from core.panels import collect_panels
from learners.models import Learner
from learners.selectors import get_learner_for_user, learner_list

from . import selectors, services
from .deadlines import annotate_deadlines, late_fee_band, registration_due_date
from .forms import (
    BatchForm,
    ConfirmForm,
    DeadlineRuleForm,
    LearnerPickFilterForm,
    MarkSentForm,
    NotificationFilterForm,
    ProgrammeFilterForm,
    ProgrammeForm,
    ProgrammeRegistrationFilterForm,
    QualificationForm,
    ReasonForm,
    RegisterLearnersForm,
    RegistrationFilterForm,
    SuiteRulesForm,
    TransferInForm,
    TransferOutForm,
    TransferProgrammeForm,
    UnitForm,
    UploadForm,
    WithdrawForm,
)
from .models import DeadlineRule, Programme, Qualification, QualificationSuite, Registration, RegistrationBatch, TransferIn
from .rules import check_learner_for_pearson
from .services import deletion_refusal


@permission_required("registrations.view_programme", raise_exception=True)
def programme_list(request):
    form = ProgrammeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    show = filters.get("show") or "active"
    programmes = selectors.programme_list(
        user=request.user, academic_year=filters.get("academic_year", ""),
        active={"active": True, "inactive": False, "all": None}[show],
    )
    return render(request, "registrations/programme_list.html", {"form": form, "page": paginate(request, programmes)})


@permission_required("registrations.view_programme", raise_exception=True)
def programme_detail(request, pk):
    programme = selectors.get_programme_for_user(request.user, pk)
    form = ProgrammeRegistrationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    registrations = selectors.programme_registrations(
        programme=programme, state=filters.get("state", ""), search=filters.get("q", "").strip()
    )
    page = paginate(request, registrations)

    annotate_deadlines(page.object_list, timezone.localdate())
    return render(
        request,
        "registrations/programme_detail.html",
        {
            "programme": programme,
            "units": programme.qualification.units.all(),
            "form": form,
            "page": page,
            "state_counts": selectors.registration_state_counts(programme.registrations.all()),
            "history": history_entries(programme),
        },
    )


@permission_required("registrations.view_registration", raise_exception=True)
def registration_detail(request, pk):
    registration = selectors.get_registration_for_user(request.user, pk)
    due = registration_due_date(registration)
    submitted_on = timezone.localtime(registration.submitted_at).date() if registration.submitted_at else timezone.localdate()
    return render(
        request,
        "registrations/registration_detail.html",
        {
            "registration": registration,
            "due_date": due,
            # The band applies to what is (or was) sent late: drafts, submitted rows, and rows with a submission date.
            "fee_band": late_fee_band(registration, submitted_on)
            if registration.submitted_at or registration.state in ("draft", "submitted") else None,
            "history": history_entries(registration),
            "notifications": registration.pearson_notifications.select_related("raised_by", "sent_by"),
            "records": registration.assessment_records.select_related("unit", "assessor", "internal_verifier"),
            "action_forms": _action_forms(request, registration) if request.user.has_perm("registrations.change_registration") else {},
            "transfer_in": getattr(registration, "transfer_in", None) if hasattr(registration, "transfer_in") else None,
            "panels": collect_panels("registration_detail", request, registration=registration),
            # a subject lead may not lead the programme the learner moved to: name it, link it only if visible
            "transferred_to_visible": bool(registration.transferred_to_id) and Registration.objects.visible_to(
                request.user).filter(pk=registration.transferred_to_id).exists(),
        },
    )


# --- Registrations list, registering, batches -----------------------------------------------------

@permission_required("registrations.view_registration", raise_exception=True)
def registration_list(request):
    form = RegistrationFilterForm(request.GET or None, programmes=Programme.objects.visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    programme = filters.get("programme")
    today = timezone.localdate()
    registrations = selectors.registration_list(
        user=request.user, search=filters.get("q", ""), state=filters.get("state", ""),
        programme_id=programme.pk if programme else None, due=filters.get("due", ""), today=today,
    )
    page = paginate(request, registrations)
    annotate_deadlines(page.object_list, today)
    return render(request, "registrations/registration_list.html", {"form": form, "page": page})


@permission_required("registrations.add_registration", raise_exception=True)
def register(request):
    """Choose a programme and learners (filter, tick many) → draft registrations, each checked."""
    programmes = Programme.objects.visible_to(request.user).filter(is_active=True).select_related("qualification")
    if request.method == "POST":
        form = RegisterLearnersForm(request.POST, programmes=programmes,
                                    learners=Learner.objects.visible_to(request.user))
        if form.is_valid():
            d = form.cleaned_data
            created, refused = services.registrations_draft_many(
                actor=request.user, learners=d["learners"], programme=d["programme"], enrolment_date=d["enrolment_date"],
                planned_completion_date=d["planned_completion_date"], registration_type=d["registration_type"],
                confirm_transliteration=d["confirm_transliteration"],
            )
            if created:
                messages.success(request, f"{len(created)} draft registration{'s' if len(created) != 1 else ''} created on {d['programme']}.")
            for learner, why in refused:
                messages.error(request, f"Not drafted: {why}" if learner.full_legal_name in why else f"Not drafted: {learner.full_legal_name}: {why}")
            if created:
                return redirect(reverse("registrations:batch_new") + f"?programme={d['programme'].pk}")
            return redirect(reverse("registrations:register") + f"?programme={d['programme'].pk}")
        pick = LearnerPickFilterForm(request.POST, programmes=programmes)
        programme = form.cleaned_data.get("programme") if hasattr(form, "cleaned_data") else None
    else:
        pick = LearnerPickFilterForm(request.GET or None, programmes=programmes)
        form = None
        programme = None
    if pick.is_bound and pick.is_valid():
        programme = pick.cleaned_data["programme"]
    candidates = None
    if programme is not None:
        already = Registration.objects.live().filter(programme=programme).values("learner_id")
        candidates = paginate(request, learner_list(user=request.user, search=(pick.cleaned_data.get("q", "") if pick.is_valid() else ""),
                                                   status=Learner.Status.ON_ROLL).exclude(pk__in=already), per_page=100)

        for learner in candidates.object_list:
            check = check_learner_for_pearson(learner, planned_completion_date=None, today=timezone.localdate())
            learner.pearson_problems = check.problems
            learner.transliterations = check.transliterations
        if form is None:
            form = RegisterLearnersForm(initial={
                "programme": programme, "enrolment_date": programme.start_date,
                "planned_completion_date": programme.planned_end_date,
            }, programmes=programmes)
    return render(request, "registrations/register.html", {"pick": pick, "form": form, "programme": programme, "page": candidates})


@permission_required("registrations.change_registration", raise_exception=True)
def batch_new(request):
    """Submit draft registrations of one programme in a bulk registration file (one or many learners)."""
    programme = selectors.get_programme_for_user(request.user, request.GET.get("programme") or request.POST.get("programme") or 0)
    drafts = selectors.drafts_for_programme(programme)
    if request.method == "POST":
        form = BatchForm(request.POST, drafts=drafts)
        if form.is_valid():
            d = form.cleaned_data
            try:
                batch = services.batch_submit(
                    actor=request.user, registrations=d["registrations"], registration_type=d["registration_type"],
                    enrolment_date=d["enrolment_date"], order_number=d["order_number"], study_mode=d["study_mode"],
                    late_reason=d["late_reason"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"{batch.learner_count} registration{'s' if batch.learner_count != 1 else ''} marked submitted. "
                                 "Download the file and upload it to Pearson Edexcel Online.")
                return redirect(batch)
        chosen = {str(pk) for pk in request.POST.getlist("registrations")}
    else:
        today = timezone.localdate()
        number = RegistrationBatch.objects.filter(centre=programme.centre).count() + 1
        form = BatchForm(initial={"enrolment_date": programme.start_date, "order_number": f"B{today:%y%m%d}{number:03d}"}, drafts=drafts)
        only = request.GET.get("registration")
        chosen = {only} if only else {str(r.pk) for r in drafts}
    rows = list(drafts)
    annotate_deadlines(rows, timezone.localdate())
    return render(request, "registrations/batch_form.html", {"form": form, "programme": programme, "drafts": rows, "chosen": chosen})


@permission_required("registrations.view_registration", raise_exception=True)
def batch_list(request):
    return render(request, "registrations/batch_list.html", {
        "page": paginate(request, selectors.batch_list(user=request.user)), "upload_form": UploadForm(),
    })


@permission_required("registrations.view_registration", raise_exception=True)
def batch_detail(request, pk):
    batch = selectors.get_batch_for_user(request.user, pk)
    registrations = batch.registrations.select_related("learner").order_by("learner__legal_last_name", "learner__legal_first_name")
    return render(request, "registrations/batch_detail.html", {
        "batch": batch, "registrations": registrations, "upload_form": UploadForm(),
        "waiting": registrations.filter(state="submitted").count(),
    })


@permission_required("registrations.view_registration", raise_exception=True)
def batch_download(request, pk):
    batch = selectors.get_batch_for_user(request.user, pk)
    data = RegistrationBatch.objects.filter(pk=batch.pk).values_list("file_data", flat=True).get()
    record(request.user, "registrations.batch.download", batch, {"filename": batch.filename}, request=request)
    return file_response(bytes(data), batch.filename)


@permission_required("registrations.change_registration", raise_exception=True)
def confirmations_upload(request):
    back = request.POST.get("next") or "registrations:batch_list"
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.confirmations_import(actor=request.user, data=upload.read(), filename=upload.name)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            record(request.user, "registrations.confirmations.import", None, {"filename": upload.name, **result}, request=request)
            messages.success(request, f"{result['confirmed']} registration{'s' if result['confirmed'] != 1 else ''} recorded as registered"
                             + (f"; {result['already']} already recorded." if result["already"] else "."))
    elif request.method == "POST":
        messages.error(request, "Choose Pearson's report to upload.")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("registrations:batch_list")


# --- Changes to one registration ------------------------------------------------------------------

def _action_forms(request, registration):
    S = registration.State
    forms = {}
    if registration.state == S.SUBMITTED:
        forms["confirm"] = ConfirmForm(prefix="confirm")
        forms["return_to_draft"] = ReasonForm(prefix="return_to_draft")
    if registration.state == S.REGISTERED:
        forms["withdraw"] = WithdrawForm(prefix="withdraw")
        forms["transfer_programme"] = TransferProgrammeForm(
            prefix="transfer_programme",
            programmes=Programme.objects.visible_to(request.user).filter(is_active=True, centre=registration.programme.centre_id)
            .exclude(pk=registration.programme_id),
        )
        forms["transfer_out"] = TransferOutForm(prefix="transfer_out")
    if registration.state == S.WITHDRAWN:
        forms["reinstate"] = ReasonForm(prefix="reinstate")
    if registration.state in (S.DRAFT, S.REGISTERED):
        refusal = deletion_refusal(registration, timezone.localdate())
        forms["delete"] = ReasonForm(prefix="delete") if refusal is None else refusal
    return forms


@permission_required("registrations.change_registration", raise_exception=True)
def registration_action(request, pk, action):
    """One change to a registration (confirm, withdraw, reinstate, delete, transfer…), through its service."""
    registration = selectors.get_registration_for_user(request.user, pk)
    forms = _action_forms(request, registration)
    if action not in forms or isinstance(forms[action], str) or request.method != "POST":
        if action not in {"confirm", "return_to_draft", "withdraw", "transfer_programme", "transfer_out", "reinstate", "delete"}:
            raise Http404
        messages.error(request, forms.get(action) if isinstance(forms.get(action), str)
                       else f"A registration that is {registration.get_state_display().lower()} cannot be changed that way.")
        return redirect(registration)
    form = forms[action].__class__(request.POST, prefix=action, **(
        {"programmes": forms[action].fields["to_programme"].queryset} if action == "transfer_programme" else {}))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(registration)
    d, actor = form.cleaned_data, request.user
    target = registration
    try:
        if action == "confirm":
            services.registration_confirm(actor=actor, registration=registration, pearson_registration_number=d["pearson_registration_number"],
                                          registered_on=d["registered_on"])
            done = "Recorded as registered with Pearson."
        elif action == "return_to_draft":
            services.registration_return_to_draft(actor=actor, registration=registration, reason=d["reason"])
            done = "Returned to draft to be corrected."
        elif action == "withdraw":
            services.registration_withdraw(actor=actor, registration=registration, withdrawn_on=d["withdrawn_on"], reason=d["reason"])
            done = "Withdrawn; Pearson must be told (see the notifications queue)."
        elif action == "reinstate":
            services.registration_reinstate(actor=actor, registration=registration, reason=d["reason"])
            done = "Reinstated; Pearson must be told."
        elif action == "delete":
            services.registration_delete(actor=actor, registration=registration, reason=d["reason"])
            done = "Deleted." + ("" if registration.state == "draft" else " Pearson must be told.")
        elif action == "transfer_programme":
            target = services.registration_transfer_programme(actor=actor, registration=registration, to_programme=d["to_programme"],
                                                              transferred_on=d["transferred_on"], reason=d["reason"])
            done = f"Transferred to {d['to_programme']}: a draft registration was created there; Pearson must be told."
        else:
            services.registration_transfer_out(actor=actor, registration=registration, transferred_on=d["transferred_on"],
                                               reason=d["reason"], destination=d["destination"])
            done = "Transferred out; Pearson must be told."
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(registration)
    messages.success(request, done)
    return redirect(target)


# --- Transfers in --------------------------------------------------------------------------------

@permission_required("registrations.add_registration", raise_exception=True)
def transfer_in_new(request, learner_pk):
    learner = get_learner_for_user(request.user, learner_pk)
    programmes = Programme.objects.visible_to(request.user).filter(is_active=True, centre=learner.centre_id)
    form = TransferInForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            transfer = services.transfer_in_create(
                actor=request.user, learner=learner, programme=d["programme"], previous_centre_number=d["previous_centre_number"],
                previous_centre_name=d["previous_centre_name"], previous_registration_number=d["previous_registration_number"],
                enrolment_date=d["enrolment_date"], planned_completion_date=d["planned_completion_date"], units=d["units"],
                reason=d["reason"], confirm_transliteration=d["confirm_transliteration"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Transfer in recorded: work through the checklist, then submit the registration.")
            return redirect(transfer.registration)
    return render(request, "registrations/transfer_in_form.html", {"form": form, "learner": learner})


@permission_required("registrations.change_registration", raise_exception=True)
def transfer_in_tick(request, pk):
    transfer = get_object_or_404(TransferIn.objects.visible_to(request.user).select_related("registration"), pk=pk)
    if request.method == "POST":
        try:
            services.transfer_in_tick(actor=request.user, transfer=transfer, check=request.POST.get("check", ""),
                                      done=request.POST.get("done") == "1", reason=request.POST.get("reason", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Checklist updated.")
    return redirect(transfer.registration)


# --- What Pearson has not been told -------------------------------------------------------------

@permission_required("registrations.view_pearsonnotification", raise_exception=True)
def notification_queue(request):
    form = NotificationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    show = filters.get("show") or "owed"
    notifications = selectors.notification_queue(kind=filters.get("kind", ""), show=show)
    return render(request, "registrations/notification_queue.html", {
        "form": form, "page": paginate(request, notifications), "show": show, "mark_form": MarkSentForm(),
    })


@permission_required("registrations.view_pearsonnotification", raise_exception=True)
def notification_export(request):
    notifications = selectors.notification_queue(kind=request.GET.get("kind", ""), show="owed")
    rows = [
        [n.pk, n.raised_at.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y"), n.get_kind_display(),
         n.learner.legal_last_name, n.learner.legal_first_name, n.learner.uln or "", n.learner.date_of_birth.strftime("%d/%m/%Y"),
         n.registration.pearson_registration_number if n.registration else "", n.summary,
         "; ".join(f"{k}: {v[0]} → {v[1]}" if isinstance(v, list) and len(v) == 2 else f"{k}: {v}" for k, v in n.details.items()),
         n.reason]
        for n in notifications
    ]
    data = build_xlsx([Sheet("Owed to Pearson", ["Ref", "Raised", "Kind", "Last name", "First names", "ULN", "Date of birth",
                                                 "Pearson registration number", "What to tell Pearson", "Details", "Reason"], rows,
                             column_widths=[6, 11, 22, 20, 20, 12, 12, 16, 60, 40, 40])])
    filename = f"owed-to-pearson-{timezone.localdate():%Y%m%d}.xlsx"
    record(request.user, "registrations.notifications.export", None, {"filename": filename, "rows": len(rows)}, request=request)
    return file_response(data, filename)


@permission_required("registrations.change_pearsonnotification", raise_exception=True)
def notification_mark_sent(request):
    form = MarkSentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        today = timezone.localdate()
        sent_on = d["sent_on"] or today
        sent_at = timezone.now() if sent_on == today else timezone.make_aware(datetime.combine(sent_on, time(12)))
        if sent_on > today:
            messages.error(request, "The date sent cannot be in the future.")
        else:
            count = services.notifications_mark_sent(actor=request.user, notifications=d["notifications"], sent_at=sent_at,
                                                     reference=d["reference"])
            messages.success(request, f"{count} notification{'s' if count != 1 else ''} recorded as sent to Pearson.")
    elif request.method == "POST":
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("registrations:notification_queue")


# --- Setting up qualifications, units and programmes -------------------------------------------

def _save_with(request, form, save, success: str, default_reason: str):
    """Run a save service for a bound ModelForm; DomainError/ValidationError go back onto the form."""

    try:
        obj = save(form.save(commit=False), form.cleaned_data.get("reason") or default_reason)
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    except ValidationError as exc:
        form.add_error(None, exc)
    else:
        messages.success(request, success)
        return obj
    return None


@permission_required("registrations.view_qualification", raise_exception=True)
def qualification_list(request):
    qualifications = Qualification.objects.select_related("suite").annotate(unit_count=Count("units")).order_by("title")
    return render(request, "registrations/qualification_list.html", {"page": paginate(request, qualifications)})


@permission_required("registrations.view_qualification", raise_exception=True)
def qualification_detail(request, pk):
    qualification = get_object_or_404(Qualification.objects.select_related("suite"), pk=pk)
    return render(request, "registrations/qualification_detail.html", {
        "qualification": qualification, "units": qualification.units.all(), "unit_form": UnitForm(),
        "upload_form": UploadForm(), "history": history_entries(qualification),
    })


@permission_required("registrations.add_qualification", raise_exception=True)
def qualification_edit(request, pk=None):
    instance = get_object_or_404(Qualification, pk=pk) if pk else None
    if pk and not request.user.has_perm("registrations.change_qualification"):
        raise PermissionDenied
    form = QualificationForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = _save_with(request, form, lambda q, why: services.qualification_save(actor=request.user, qualification=q, reason=why),
                           "Qualification saved.", "Qualification set up" if not pk else "Qualification changed")
        if saved:
            return redirect("registrations:qualification_detail", saved.pk)
    return render(request, "registrations/setup_form.html", {
        "form": form, "title": f"Change {instance}" if instance else "New qualification",
        "back": reverse("registrations:qualification_detail", args=[pk]) if pk else reverse("registrations:qualification_list"),
    })


@permission_required("registrations.add_unit", raise_exception=True)
def unit_add(request, pk):
    qualification = get_object_or_404(Qualification, pk=pk)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = form.save(commit=False)
        unit.qualification = qualification
        form.instance = unit
        saved = _save_with(request, form, lambda u, why: services.unit_save(actor=request.user, unit=u, reason=why),
                           f"Unit {unit.number} added.", "Unit added")
        if saved:
            return redirect("registrations:qualification_detail", pk)
    if request.method == "POST":
        messages.error(request, "The unit was not added: " + " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("registrations:qualification_detail", pk)


@permission_required("registrations.add_unit", raise_exception=True)
def units_upload(request, pk):
    qualification = get_object_or_404(Qualification, pk=pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.units_import(actor=request.user, qualification=qualification, data=upload.read(), filename=upload.name)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            record(request.user, "registrations.units.import", qualification, {"filename": upload.name, **result}, request=request)
            messages.success(request, f"Units imported: {result['created']} added, {result['updated']} changed, {result['unchanged']} unchanged.")
    return redirect("registrations:qualification_detail", pk)


@permission_required("registrations.add_programme", raise_exception=True)
def programme_edit(request, pk=None):
    instance = selectors.get_programme_for_user(request.user, pk) if pk else None
    form = ProgrammeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        leads = list(form.cleaned_data["subject_leads"])
        saved = _save_with(request, form, lambda p, why: services.programme_save(actor=request.user, programme=p, subject_leads=leads, reason=why),
                           "Programme saved.", "Programme set up" if not pk else "Programme changed")
        if saved:
            return redirect(saved)
    return render(request, "registrations/setup_form.html", {
        "form": form, "title": f"Change {instance}" if instance else "New programme",
        "back": instance.get_absolute_url() if instance else reverse("registrations:programme_list"),
    })


# --- Yearly rules (deadlines, late-fee bands, suite re-assessment rules) -------------------------------


@permission_required("registrations.view_deadlinerule", raise_exception=True)
def rules(request):
    deadline_rules = DeadlineRule.objects.prefetch_related("fee_bands").order_by("-academic_year", "registration_mode")
    return render(request, "registrations/rules.html", {
        "deadline_rules": deadline_rules, "suites": QualificationSuite.objects.order_by("name"),
    })


@permission_required("registrations.view_deadlinerule", raise_exception=True)
def deadline_rule_edit(request, pk=None):
    if not request.user.has_perm("registrations.change_deadlinerule" if pk else "registrations.add_deadlinerule"):
        raise PermissionDenied
    rule = get_object_or_404(DeadlineRule, pk=pk) if pk else None
    form = DeadlineRuleForm(request.POST or None, instance=rule)
    affected = services.registrations_under_rule(rule).count() if rule else 0
    if request.method == "POST" and form.is_valid():
        bands = [services.FeeBandInput(days, multiplier, label) for days, multiplier, label in form.bands]
        try:
            services.deadline_rule_save(actor=request.user, rule=form.save(commit=False), bands=bands,
                                        reason=form.cleaned_data["reason"],
                                        confirm_rebanding=form.cleaned_data["confirm_rebanding"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Deadline rule saved.")
            return redirect("registrations:rules")
    return render(request, "registrations/deadline_rule_form.html", {
        "form": form, "rule": rule, "affected": affected,
        "history": history_entries(rule) if rule else [],
    })


@permission_required("registrations.change_qualificationsuite", raise_exception=True)
def suite_rules_edit(request, pk):
    suite = get_object_or_404(QualificationSuite, pk=pk)
    form = SuiteRulesForm(request.POST or None, initial={
        "external_resit_limit": suite.external_resit_limit, "terminal_rule": suite.terminal_rule,
        "near_pass_grade": suite.near_pass_grade,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.suite_rules_update(actor=request.user, suite=suite, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Rules for {suite} saved.")
            return redirect("registrations:rules")
    return render(request, "registrations/suite_rules_form.html", {"form": form, "suite": suite, "history": history_entries(suite)})
