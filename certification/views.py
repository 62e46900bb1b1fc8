"""Pages for assessment records, claims, sampling and certificates. Each view parses a form, calls
one service, adds a message and redirects; DomainErrors are shown on the page."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.services import record as audit
from core.exceptions import DomainError
from core.exports import Sheet, build_xlsx, file_response
from core.history import history_entries
from core.pagination import paginate
from core.pdf import render_pdf
from registrations.models import Programme

from . import forms, gates, imports, selectors, services
from .models import CertificateClaim

GRID_PAGE = 25


def _fail(form, exc):
    if isinstance(exc, DomainError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    else:
        form.add_error(None, exc)


# ---- programmes and assessment records -----------------------------------------------------------

@permission_required("certification.view_assessmentrecord", raise_exception=True)
def programme_list(request):
    programmes = Programme.objects.visible_to(request.user).select_related("qualification").order_by("-academic_year", "name")
    return render(request, "certification/programme_list.html", {"page": paginate(request, programmes)})


@permission_required("certification.view_assessmentrecord", raise_exception=True)
def programme_records(request, pk):
    programme = selectors.get_programme_for_user(request.user, pk)
    units = selectors.internal_units(programme)
    page = paginate(request, selectors.programme_grid_registrations(programme), GRID_PAGE)
    rows = selectors.grid_rows(page.object_list, units)
    form = forms.RecordForm(request.POST or None, programme=programme, units=units, initial={"assessor": request.user.pk})
    if request.method == "POST":
        if not request.user.has_perm("certification.add_assessmentrecord"):
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                rec = services.assessment_record_create(
                    actor=request.user, registration=d["registration"], unit=d["unit"], grade=d["grade"],
                    assessor=d["assessor"], date_assessed=d["date_assessed"], attempt=d["attempt"],
                    authorised_by=d["authorised_by"])
            except (DomainError, ValidationError) as exc:
                _fail(form, exc)
            else:
                messages.success(request, f"Recorded {rec.unit} {rec.grade} for {rec.registration.learner}.")
                return redirect("certification:programme_records", pk=programme.pk)
    return render(request, "certification/programme_records.html", {
        "programme": programme, "units": units, "page": page, "rows": rows, "form": form,
        "upload_form": forms.UploadForm(),
    })


@permission_required("certification.add_assessmentrecord", raise_exception=True)
def records_import(request, pk):
    programme = selectors.get_programme_for_user(request.user, pk)
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = imports.import_tracker(actor=request.user, programme=programme, upload=upload, filename=upload.name)
        except imports.ImportRefused as exc:
            errors = exc.errors
        else:
            audit(request.user, "certification.tracker.imported", programme,
                  {"file": upload.name, "created": summary.created, "verified": summary.verified}, request=request)
            messages.success(request, f"Imported {summary.created} assessment record(s), {summary.verified} with IV.")
            return redirect("certification:programme_records", pk=programme.pk)
    return render(request, "certification/records_import.html", {"programme": programme, "form": form, "errors": errors})


@permission_required("certification.view_assessmentrecord", raise_exception=True)
def record_detail(request, pk):
    record = selectors.get_record_for_user(request.user, pk)
    verify_form = forms.VerifyForm(initial={"iv_date": timezone.localdate()})
    change_form = forms.ChangeRecordForm(initial={"grade": record.grade, "date_assessed": record.date_assessed})
    if request.method == "POST":
        if not request.user.has_perm("certification.change_assessmentrecord"):
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "verify":
                verify_form = forms.VerifyForm(request.POST)
                if verify_form.is_valid():
                    d = verify_form.cleaned_data
                    try:
                        services.assessment_record_verify(actor=request.user, record=record, internal_verifier=request.user,
                                                          iv_date=d["iv_date"], outcome=d["outcome"], notes=d["notes"])
                    except DomainError as exc:
                        _fail(verify_form, exc)
                    else:
                        messages.success(request, "Internal verification recorded.")
                        return redirect("certification:record_detail", pk=record.pk)
            elif action == "change":
                change_form = forms.ChangeRecordForm(request.POST)
                if change_form.is_valid():
                    d = change_form.cleaned_data
                    changes = {k: d[k] for k in ("grade", "date_assessed") if d[k] != getattr(record, k)}
                    if not changes:
                        change_form.add_error(None, "Nothing was changed.")
                    else:
                        try:
                            services.assessment_record_change(actor=request.user, record=record, changes=changes, reason=d["reason"])
                        except DomainError as exc:
                            _fail(change_form, exc)
                        else:
                            messages.success(request, "The decision was changed; it needs internal verification again.")
                            return redirect("certification:record_detail", pk=record.pk)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    return render(request, "certification/record_detail.html", {
        "record": record, "verify_form": verify_form, "change_form": change_form, "history": history_entries(record),
    })


# ---- claim readiness and claims ------------------------------------------------------------------

@permission_required("certification.view_certificateclaim", raise_exception=True)
def programme_readiness(request, pk):
    programme = selectors.get_programme_for_user(request.user, pk)
    on = timezone.localdate()
    rows = selectors.programme_readiness(programme, on=on)
    page = paginate(request, rows, 50)
    return render(request, "certification/readiness.html", {
        "programme": programme, "page": page, "on": on, "gate_names": gates.GATE_NAMES,
        "ready_count": sum(1 for r in rows if r.ok and not r.existing_claim),
        "kinds": CertificateClaim.Kind.choices,
    })


@require_POST
@permission_required("certification.add_certificateclaim", raise_exception=True)
def claim_create(request, pk):
    programme = selectors.get_programme_for_user(request.user, pk)
    form = forms.ClaimCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a claim type.")
        return redirect("certification:programme_readiness", pk=programme.pk)
    d = form.cleaned_data
    registration = programme.registrations.filter(pk=d["registration"]).first()
    if registration is None:
        raise Http404
    try:
        claim = services.claim_create(actor=request.user, registration=registration, kind=d["kind"],
                                      timing_reason=d["timing_reason"], fallback_qualification=d["fallback_qualification"])
    except (DomainError, ValidationError) as exc:
        messages.error(request, f"{registration.learner}: {getattr(exc, 'message', exc)} Nothing was saved.")
        return redirect("certification:programme_readiness", pk=programme.pk)
    messages.success(request, f"Draft claim made for {registration.learner}.")
    return redirect(claim)


@permission_required("certification.view_certificateclaim", raise_exception=True)
def claim_list(request):
    state = request.GET.get("state", "")
    claims = selectors.claim_list(user=request.user, state=state if state in CertificateClaim.State.values else "")
    return render(request, "certification/claim_list.html", {
        "page": paginate(request, claims), "states": CertificateClaim.State.choices, "state": state})


@permission_required("certification.view_certificateclaim", raise_exception=True)
def claim_detail(request, pk):
    claim = selectors.get_claim_for_user(request.user, pk)
    ready = services.readiness(claim.registration, kind=claim.kind, on=timezone.localdate()) if claim.state == "draft" else None
    return render(request, "certification/claim_detail.html", {
        "claim": claim, "ready": ready, "reason_form": forms.ReasonForm(), "timing_form": forms.TimingReasonForm(),
        "history": history_entries(claim), "certificates": claim.certificates.all(),
        "samples": claim.samples.select_related("round"),
    })


@require_POST
@permission_required("certification.change_certificateclaim", raise_exception=True)
def claim_action(request, pk, action):
    claim = selectors.get_claim_for_user(request.user, pk)
    reason = request.POST.get("reason", "").strip()
    try:
        if action == "ready":
            services.claim_mark_ready(actor=request.user, claim=claim)
            messages.success(request, "Every gate passes: the claim is ready to batch.")
        elif action == "form_query":
            services.claim_move(actor=request.user, claim=claim, to_state="form_query", reason=reason)
            messages.success(request, "Pearson's form query recorded.")
        elif action == "draft":
            services.claim_move(actor=request.user, claim=claim, to_state="draft", reason=reason)
            messages.success(request, "The claim is back in draft.")
        elif action == "block":
            services.claim_block(actor=request.user, claim=claim, reason=reason)
            messages.success(request, "The claim is blocked.")
        elif action == "unblock":
            services.claim_unblock(actor=request.user, claim=claim, reason=reason)
            messages.success(request, "The claim is unblocked.")
        elif action == "timing":
            services.claim_set_timing_reason(actor=request.user, claim=claim, timing_reason=request.POST.get("timing_reason", ""))
            messages.success(request, "Reason recorded.")
        else:
            raise Http404
    except (DomainError, ValidationError) as exc:
        messages.error(request, f"{getattr(exc, 'message', None) or '; '.join(getattr(exc, 'messages', [str(exc)]))} Nothing was saved.")
    return redirect(claim)


# ---- batches -------------------------------------------------------------------------------------

@permission_required("certification.view_claimbatch", raise_exception=True)
def batch_list(request):
    form = forms.BatchForm(request.POST or None, claims=selectors.ready_unbatched_claims(request.user))
    if request.method == "POST":
        if not request.user.has_perm("certification.add_claimbatch"):
            raise PermissionDenied
        if form.is_valid():
            try:
                batch = services.batch_create(actor=request.user, name=form.cleaned_data["name"], claims=list(form.cleaned_data["claims"]))
            except DomainError as exc:
                _fail(form, exc)
            else:
                messages.success(request, f"Batch “{batch}” made with {len(form.cleaned_data['claims'])} claim(s).")
                return redirect("certification:batch_detail", pk=batch.pk)
    return render(request, "certification/batch_list.html", {"page": paginate(request, selectors.batch_list(request.user)), "form": form})


@permission_required("certification.view_claimbatch", raise_exception=True)
def batch_detail(request, pk):
    batch = selectors.get_batch_for_user(request.user, pk)
    form = forms.SubmitBatchForm(request.POST or None, initial={"submitted_on": timezone.localdate()})
    if request.method == "POST":
        if not request.user.has_perm("certification.change_claimbatch"):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.batch_submit(actor=request.user, batch=batch, submitted_on=form.cleaned_data["submitted_on"])
            except DomainError as exc:
                _fail(form, exc)
            else:
                messages.success(request, "The batch is marked submitted: download its spreadsheet for Pearson.")
                return redirect("certification:batch_detail", pk=batch.pk)
    claims = batch.claims.select_related("registration__learner", "registration__programme").order_by("registration__learner__legal_last_name")
    return render(request, "certification/batch_detail.html", {
        "batch": batch, "claims": claims, "form": form, "rounds": batch.sampling_rounds.all(),
        "sample_required": services.sample_required(claims[0].registration.learner.centre) if claims else True,
    })


@permission_required("certification.view_claimbatch", raise_exception=True)
def batch_export(request, pk):
    batch = selectors.get_batch_for_user(request.user, pk)
    if not batch.submitted_on:
        messages.error(request, "Mark the batch submitted first (its sample must be finished when the centre requires it).")
        return redirect("certification:batch_detail", pk=batch.pk)
    data = build_xlsx([Sheet("Grade reporting", services.EXPORT_HEADERS, services.batch_rows(batch))])
    audit(request.user, "certification.batch.exported", batch, {"claims": batch.claims.count()}, request=request)
    return file_response(data, f"claims-batch-{batch.pk}.xlsx")


# ---- sampling ------------------------------------------------------------------------------------

@permission_required("certification.view_samplinground", raise_exception=True)
def round_list(request):
    form = forms.RoundForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("certification.add_samplinground"):
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                rnd = services.round_open(
                    actor=request.user, name=d["name"], batch=d["batch"], date_from=d["date_from"], date_to=d["date_to"],
                    percentage=d["percentage"], min_per_programme=d["min_per_programme"],
                    min_per_assessor=d["min_per_assessor"], sample_all=d["sample_all"], seed=d["seed"])
            except DomainError as exc:
                _fail(form, exc)
            else:
                messages.success(request, f"Round opened: {rnd.samples.count()} of {rnd.population} claims sampled (seed {rnd.seed}).")
                return redirect(rnd)
    return render(request, "certification/round_list.html", {"page": paginate(request, selectors.round_list(request.user)), "form": form})


@permission_required("certification.view_samplinground", raise_exception=True)
def round_detail(request, pk):
    rnd = selectors.get_round_for_user(request.user, pk)
    if request.method == "POST":
        if not request.user.has_perm("certification.record_sample_outcome"):
            raise PermissionDenied  # only the quality nominee finishes a round
        try:
            services.round_finish(actor=request.user, round=rnd)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The sampling round is finished.")
        return redirect(rnd)
    return render(request, "certification/round_detail.html", {
        "round": rnd, "page": paginate(request, selectors.round_samples(rnd)), "coverage": selectors.round_coverage(rnd)})


@permission_required("certification.view_samplinground", raise_exception=True)
def round_report(request, pk):
    rnd = selectors.get_round_for_user(request.user, pk)
    pdf = render_pdf("certification/pdf/round_report.html", {
        "round": rnd, "samples": selectors.round_samples(rnd), "coverage": selectors.round_coverage(rnd),
        "printed": timezone.localtime()})
    audit(request.user, "certification.sampling_report.downloaded", rnd, request=request)
    return file_response(pdf, f"sampling-round-{rnd.pk}.pdf", "application/pdf")


@permission_required("certification.view_sampledclaim", raise_exception=True)
def sample_detail(request, pk):
    sample = selectors.get_sample_for_user(request.user, pk)
    form = forms.OutcomeForm(request.POST or None if request.POST.get("action") == "outcome" else None)
    resolve_form = forms.ResolveForm(request.POST if request.POST.get("action") == "resolve" else None)
    investigate_form = forms.InvestigateForm(request.POST if request.POST.get("action") == "investigate" else None)
    if request.method == "POST" and request.POST.get("action") == "investigate":
        if not request.user.has_perm("audit.run_investigation"):
            raise PermissionDenied
        if investigate_form.is_valid():
            try:
                inv = services.sample_open_investigation(actor=request.user, sample=sample, **investigate_form.cleaned_data)
            except DomainError as exc:
                _fail(investigate_form, exc)
            else:
                messages.success(request, f"Investigation {inv.reference} opened.")
                return redirect("certification:sample_detail", pk=sample.pk)
    elif request.method == "POST":
        if not request.user.has_perm("certification.record_sample_outcome"):
            raise PermissionDenied
        try:
            if request.POST.get("action") == "outcome" and form.is_valid():
                services.sample_record_outcome(actor=request.user, sample=sample, outcome=form.cleaned_data["outcome"], notes=form.cleaned_data["notes"])
                messages.success(request, "Outcome recorded.")
                return redirect("certification:sample_detail", pk=sample.pk)
            if request.POST.get("action") == "resolve" and resolve_form.is_valid():
                services.sample_resolve(actor=request.user, sample=sample, resolution=resolve_form.cleaned_data["resolution"])
                messages.success(request, "Discrepancy resolved; the claim is unblocked.")
                return redirect("certification:sample_detail", pk=sample.pk)
        except DomainError as exc:
            _fail(resolve_form if request.POST.get("action") == "resolve" else form, exc)
    return render(request, "certification/sample_detail.html", {
        "sample": sample, "rows": selectors.sample_comparison(sample), "form": form, "resolve_form": resolve_form,
        "can_record": request.user.has_perm("certification.record_sample_outcome"),
        "investigate_form": investigate_form, "can_investigate": request.user.has_perm("audit.run_investigation"),
        "investigation": selectors.sample_investigation(sample),
    })


# ---- certificates --------------------------------------------------------------------------------

CERT_STATUSES = [("", "All"), ("awaiting_check", "Awaiting check"), ("discrepancy", "Discrepancies"), ("ready", "Ready to issue"),
                 ("overdue", "Not collected within 12 months"),
                 ("issued", "Issued"), ("unclaimed", "Unclaimed register"), ("destroyed", "Destroyed")]


@permission_required("certification.view_certificate", raise_exception=True)
def certificate_list(request):
    status = request.GET.get("status", "")
    certs = selectors.certificate_list(user=request.user, status=status)
    due = services.unclaimed_due(timezone.localdate()).filter(pk__in=certs.values("pk")).count()
    return render(request, "certification/certificate_list.html", {
        "page": paginate(request, certs), "status": status, "statuses": CERT_STATUSES, "unclaimed_due": due})


@require_POST
@permission_required("certification.change_certificate", raise_exception=True)
def certificates_unclaimed_sweep(request):
    n = services.certificates_mark_unclaimed(actor=request.user)
    messages.success(request, f"{n} certificate(s) moved to the unclaimed register.")
    return redirect(reverse("certification:certificate_list") + "?status=unclaimed")


@permission_required("certification.add_certificate", raise_exception=True)
def certificate_log(request):
    claims = CertificateClaim.objects.visible_to(request.user).filter(state__in=["submitted", "replacement_requested"]).select_related(
        "registration__learner", "registration__programme").order_by("registration__learner__legal_last_name")
    form = forms.CertificateForm(request.POST or None, claims=claims, initial={"received_on": timezone.localdate()})
    upload_form = forms.UploadForm()
    errors = []
    if request.method == "POST" and request.POST.get("action") == "import":
        upload_form = forms.UploadForm(request.POST, request.FILES)
        form = forms.CertificateForm(claims=claims, initial={"received_on": timezone.localdate()})
        if upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            try:
                n = imports.import_certificates(actor=request.user, upload=upload, filename=upload.name, user=request.user)
            except imports.ImportRefused as exc:
                errors = exc.errors
            else:
                audit(request.user, "certification.certificates.imported", None, {"file": upload.name, "certificates": n}, request=request)
                messages.success(request, f"{n} certificate(s) logged and checked.")
                return redirect("certification:certificate_list")
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            cert = services.certificate_receive(
                actor=request.user, claim=d["claim"], number=d["number"], name_printed=d["name_printed"],
                qualification=d["qualification"], grade=d["grade"], units=d["units"], received_on=d["received_on"],
                date_of_birth=d["date_of_birth"])
        except (DomainError, ValidationError) as exc:
            _fail(form, exc)
        else:
            messages.success(request, "Certificate logged and checked." if not cert.differences else
                             f"Certificate logged: {len(cert.differences)} difference(s) found.")
            return redirect(cert)
    return render(request, "certification/certificate_log.html", {"form": form, "upload_form": upload_form, "errors": errors})


@permission_required("certification.view_certificate", raise_exception=True)
def certificate_detail(request, pk):
    cert = selectors.get_certificate_for_user(request.user, pk)
    return render(request, "certification/certificate_detail.html", {
        "cert": cert, "claim": cert.claim, "issue_form": forms.IssueForm(initial={"issued_on": timezone.localdate()}),
        "destroy_form": forms.DestroyForm(initial={"destroyed_on": timezone.localdate()}), "reason_form": forms.ReasonForm(),
        "lead_form": forms.LeadResponseForm(), "history": history_entries(cert),
        "is_lead": cert.claim.registration.programme.subject_leads.filter(pk=request.user.pk).exists(),
    })


@require_POST
@permission_required("certification.view_certificate", raise_exception=True)
def certificate_action(request, pk, action):
    cert = selectors.get_certificate_for_user(request.user, pk)
    perm = "certification.respond_certificate_query" if action == "respond" else "certification.change_certificate"
    if not request.user.has_perm(perm):
        raise PermissionDenied
    post = request.POST
    try:
        if action == "ask_lead":
            services.certificate_ask_lead(actor=request.user, certificate=cert)
            messages.success(request, "Sent to the subject lead to confirm.")
        elif action == "respond":
            services.certificate_lead_response(actor=request.user, certificate=cert, response=post.get("response", ""))
            messages.success(request, "Your answer was recorded.")
        elif action == "replacement":
            services.certificate_request_replacement(actor=request.user, certificate=cert, reason=post.get("reason", ""))
            messages.success(request, "Replacement request recorded: the claim waits for the new certificate.")
        elif action == "accept":
            services.certificate_accept(actor=request.user, certificate=cert, reason=post.get("reason", ""))
            messages.success(request, "Certificate accepted after the subject lead's confirmation.")
        elif action == "issue":
            form = forms.IssueForm(post)
            if not form.is_valid():
                raise DomainError("Give the issue date (dd/mm/yyyy) and how it was issued.")
            services.certificate_issue(actor=request.user, certificate=cert, issued_on=form.cleaned_data["issued_on"], method=form.cleaned_data["method"])
            messages.success(request, "Certificate issued.")
        elif action == "destroy":
            form = forms.DestroyForm(post)
            if not form.is_valid():
                raise DomainError("Give the date destroyed (dd/mm/yyyy) and the reason.")
            services.certificate_destroy(actor=request.user, certificate=cert, destroyed_on=form.cleaned_data["destroyed_on"], reason=form.cleaned_data["reason"])
            messages.success(request, "Destruction logged.")
        else:
            raise Http404
    except (DomainError, ValidationError) as exc:
        messages.error(request, f"{getattr(exc, 'message', None) or '; '.join(getattr(exc, 'messages', [str(exc)]))} Nothing was saved.")
    return redirect(cert)


