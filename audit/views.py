from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.history import history_entries
from core.jobs import job_start
from core.pagination import paginate
from learners.models import Learner
from registrations.models import Registration

from . import integrity, retention, selectors, services
from .forms import (
    ConcludeForm,
    EventFilterForm,
    EvidenceForm,
    InvestigationFilterForm,
    InvestigationOpenForm,
    PearsonReferenceForm,
    PearsonReportForm,
    ReasonForm,
)
from .models import AuditEvent, Investigation, PurgeRun, RetentionHold, RetentionPolicy, TrailSeal
from .trace import all_broken_links, registration_trace

# --- Audit events --------------------------------------------------------------------------------


@permission_required("audit.view_auditevent", raise_exception=True)
def event_list(request):
    form = EventFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.event_list(user=request.user, **filters)
    return render(request, "audit/event_list.html", {"form": form, "page": paginate(request, events)})


# --- Integrity -----------------------------------------------------------------------------------


@permission_required("audit.view_integrity", raise_exception=True)
def integrity_page(request):
    last_check = AuditEvent.objects.filter(action="audit.trail.verified").order_by("-at", "-id").first()
    protected = integrity.protected_tables()
    with_trigger = integrity.tables_with_triggers()
    return render(request, "audit/integrity.html", {
        "last_check": last_check,
        "last_seal": TrailSeal.objects.order_by("-id").first(),
        "protected_count": len(protected),
        "missing_triggers": [t for t in protected if t not in with_trigger],
        "purges": PurgeRun.objects.all()[:10],
    })


@require_POST
@permission_required("audit.view_integrity", raise_exception=True)
def integrity_verify(request):
    job = job_start(
        actor=request.user, kind="audit.trail.verify", title="Verify the audit trail", runner="audit.jobs.verify_trail",
    )
    return redirect("core:job_detail", job.pk)


# --- Retention -----------------------------------------------------------------------------------


@permission_required("audit.view_integrity", raise_exception=True)
def retention_page(request):
    today = timezone.localdate()
    due, held = retention.assess(today)
    soon = [c for c in retention.upcoming(today, 90) if c.learner_id not in {d.learner_id for d in due}]
    page = paginate(request, due)
    names = Learner.objects.in_bulk([c.learner_id for c in page.object_list] + [c.learner_id for c in held[:50]] + [c.learner_id for c in soon[:50]])
    for c in [*page.object_list, *held[:50], *soon[:50]]:
        c.learner = names.get(c.learner_id)
    return render(request, "audit/retention.html", {
        "today": today, "years": RetentionPolicy.current_years(), "page": page, "due_count": len(due),
        "held": held[:50], "held_count": len(held), "soon": soon[:50], "soon_count": len(soon),
        "holds": RetentionHold.objects.filter(released_on__isnull=True).select_related("learner", "placed_by")[:50],
        "purges": PurgeRun.objects.all()[:10],
    })


# --- Investigations ------------------------------------------------------------------------------


@permission_required("audit.view_investigation", raise_exception=True)
def investigation_list(request):
    form = InvestigationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    investigations = selectors.investigation_list(user=request.user, **filters)
    offered = selectors.offered_breaches() if request.user.has_perm("audit.run_investigation") else []
    return render(request, "audit/investigation_list.html", {
        "form": form, "page": paginate(request, investigations), "offered": offered[:50], "offered_count": len(offered),
    })


def _resolve(object_type: str, object_id: str):
    if not object_type:
        return None
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        raise Http404("Unknown record type") from None
    return model._default_manager.filter(pk=object_id).first()


@permission_required("audit.run_investigation", raise_exception=True)
def investigation_new(request):
    initial = {k: request.GET.get(k, "") for k in ("breach_key", "object_type", "object_id", "kind", "summary")}
    if request.GET.get("learner_id"):
        initial["learner_id"] = request.GET["learner_id"]
    form = InvestigationOpenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        learner = Learner.objects.filter(pk=data["learner_id"]).first() if data.get("learner_id") else None
        try:
            investigation = services.investigation_open(
                actor=request.user, kind=data["kind"], summary=data["summary"], investigator=data["investigator"],
                learner=learner, obj=_resolve(data["object_type"], data["object_id"]), breach_key=data["breach_key"],
                reason=data["reason"],
            )
        except DomainError as exc:
            form.add_error(getattr(exc, "field", None) if getattr(exc, "field", None) in form.fields else None, str(exc))
        else:
            messages.success(request, f"Investigation {investigation.reference} opened.")
            return redirect(investigation)
    return render(request, "audit/investigation_form.html", {"form": form})


@permission_required("audit.view_investigation", raise_exception=True)
def investigation_detail(request, pk):
    investigation = selectors.get_investigation_for_user(request.user, pk)
    return render(request, "audit/investigation_detail.html", {
        "investigation": investigation,
        "evidence": investigation.evidence.select_related("added_by").defer("file_data"),
        "history": history_entries(investigation),
        "evidence_form": EvidenceForm(),
        "conclude_form": ConcludeForm(),
        "reason_form": ReasonForm(),
        "reference_form": PearsonReferenceForm(),
        "pearson_form": PearsonReportForm(initial={
            "pearson_form": "M1" if investigation.outcome == Investigation.Outcome.MALPRACTICE else "M2",
            "pearson_sent_on": timezone.localdate(),
        }),
        "can_run": request.user.has_perm("audit.run_investigation"),
        "can_acknowledge": request.user.has_perm("audit.acknowledge_investigation"),
    })


ACTIONS = {
    "start": (ReasonForm, "audit.run_investigation", lambda inv, u, d: services.investigation_start_evidence(actor=u, investigation=inv, reason=d["reason"]), "Evidence gathering started."),
    "conclude": (ConcludeForm, "audit.run_investigation", lambda inv, u, d: services.investigation_conclude(actor=u, investigation=inv, outcome=d["outcome"], conclusion=d["conclusion"], reason=d["reason"]), "Investigation concluded."),
    "report_sl": (ReasonForm, "audit.run_investigation", lambda inv, u, d: services.investigation_report_to_senior_leaders(actor=u, investigation=inv, reason=d["reason"]), "Reported to senior leaders."),
    "acknowledge": (ReasonForm, "audit.acknowledge_investigation", lambda inv, u, d: services.investigation_acknowledge(actor=u, investigation=inv, reason=d["reason"]), "Report acknowledged."),
    "report_pearson": (PearsonReportForm, "audit.run_investigation", lambda inv, u, d: services.investigation_report_to_pearson(actor=u, investigation=inv, form=d["pearson_form"], sent_on=d["pearson_sent_on"], pearson_reference=d["pearson_reference"], reason=d["reason"]), "Report to Pearson recorded."),
    "pearson_reference": (PearsonReferenceForm, "audit.run_investigation", lambda inv, u, d: services.investigation_record_pearson_reference(actor=u, investigation=inv, pearson_reference=d["pearson_reference"], reason=d["reason"]), "Pearson's reference recorded."),
    "close": (ReasonForm, "audit.run_investigation", lambda inv, u, d: services.investigation_close(actor=u, investigation=inv, reason=d["reason"]), "Investigation closed."),
}


@require_POST
@login_required
def investigation_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404("No such action")
    form_class, perm, run, done = ACTIONS[action]
    if not request.user.has_perm(perm):
        raise PermissionDenied
    investigation = selectors.get_investigation_for_user(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label or 'Form'}: {' '.join(errors)} Nothing was saved.")
        return redirect(investigation)
    try:
        run(investigation, request.user, form.cleaned_data)
    except DomainError as exc:
        messages.error(request, f"{exc} Nothing was saved.")
    else:
        messages.success(request, done)
    return redirect(investigation)


@require_POST
@permission_required("audit.run_investigation", raise_exception=True)
def investigation_evidence_add(request, pk):
    investigation = selectors.get_investigation_for_user(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("file")
        try:
            services.investigation_add_evidence(
                actor=request.user, investigation=investigation, note=form.cleaned_data["note"],
                file_name=upload.name if upload else "", file_type=upload.content_type if upload else "",
                file_data=upload.read() if upload else None,
            )
        except DomainError as exc:
            messages.error(request, f"{exc} Nothing was saved.")
        else:
            messages.success(request, "Evidence added.")
    else:
        messages.error(request, "The evidence could not be read. Nothing was saved.")
    return redirect(investigation)


@permission_required("audit.view_investigationevidence", raise_exception=True)
def investigation_evidence_download(request, pk, evidence_pk):
    investigation = selectors.get_investigation_for_user(request.user, pk)
    evidence = get_object_or_404(investigation.evidence, pk=evidence_pk, file_data__isnull=False)
    services.record_download(request.user, "audit.evidence", filename=evidence.file_name, obj=evidence, request=request)
    response = HttpResponse(bytes(evidence.file_data), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{evidence.file_name.replace(chr(34), "")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Traceability --------------------------------------------------------------------------------


@login_required
def learner_trace(request, learner_pk):
    if not request.user.has_perm("registrations.view_registration"):
        raise PermissionDenied
    learner = Learner.objects.visible_to(request.user).filter(pk=learner_pk).first()
    if learner is None:
        raise Http404("No such learner")
    registrations = Registration.objects.visible_to(request.user).filter(learner=learner).select_related(
        "programme__qualification"
    ).order_by("enrolment_date", "pk")
    traces = []
    for registration in registrations:
        items = registration_trace(registration, request.user)
        traces.append({"registration": registration, "items": items, "broken": [i for i in items if i.status == "broken"]})
    return render(request, "audit/learner_trace.html", {"learner": learner, "traces": traces})


@permission_required("audit.view_integrity", raise_exception=True)
def broken_links(request):
    links = sorted(all_broken_links(request.user), key=lambda link: (link.programme_name, link.learner_name, link.stage))
    return render(request, "audit/broken_links.html", {"page": paginate(request, links), "count": len(links)})
