from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import AssessmentRecord, CertificateClaim, SampledClaim, SamplingRound

CS = CertificateClaim.State


def home(request):
    user = request.user
    if not user.has_perm("certification.view_assessmentrecord"):
        return None
    records = AssessmentRecord.objects.visible_to(user)
    panel = {
        "awaiting_iv": records.filter(iv_outcome="").count(),
        "sent_back": records.filter(iv_outcome=AssessmentRecord.IVOutcome.DISAGREED).count(),
    }
    if not user.has_perm("certification.view_certificateclaim"):
        return panel
    claims = CertificateClaim.objects.visible_to(user)
    drafts = claims.filter(state=CS.DRAFT)
    unverified = AssessmentRecord.objects.filter(registration=OuterRef("registration"), iv_outcome="")
    sent_back = AssessmentRecord.objects.filter(registration=OuterRef("registration"), iv_outcome="disagreed")
    today = timezone.localdate()
    why = [
        ("units awaiting IV", drafts.filter(Exists(unverified)).count()),
        ("units sent back by the IV", drafts.filter(Exists(sent_back)).count()),
        ("certification blocked", drafts.filter(registration__programme__certification_blocked=True).count()),
        ("under 70 days since registration", drafts.filter(registration__registered_on__gt=today - timedelta(days=70)).count()),
        ("Certificate End passed", drafts.filter(registration__programme__certificate_end__lt=today).count()),
    ]
    finished = SamplingRound.objects.filter(batch=OuterRef("batch"), state=SamplingRound.State.FINISHED)
    from .services import unclaimed_due

    panel["claims"] = {
        "not_ready": drafts.count(),
        "not_ready_why": [(w, n) for w, n in why if n],
        "awaiting_sampling": claims.filter(state=CS.READY, batch__isnull=False).exclude(Exists(finished)).count(),
        "awaiting_check": claims.filter(state=CS.CERTIFICATE_RECEIVED).count(),
        "discrepancies": claims.filter(state__in=[CS.DISCREPANCY, CS.REPLACEMENT_REQUESTED]).count()
        + SampledClaim.objects.filter(claim__in=claims, outcome="discrepancy", resolved=False).count(),
        "ready_to_issue": claims.filter(state=CS.CHECKED_OK).count(),
        "unclaimed_due": unclaimed_due(today).filter(claim__in=claims).count(),
    }
    return panel


def learner_detail(request, learner):
    if not request.user.has_perm("certification.view_assessmentrecord"):
        return None
    return {
        "records": AssessmentRecord.objects.visible_to(request.user)
        .filter(registration__learner=learner)
        .select_related("unit", "registration__programme", "assessor", "internal_verifier")
        .order_by("registration__programme__name", "unit__number", "created_at"),
        "claims": CertificateClaim.objects.visible_to(request.user).filter(registration__learner=learner)
        .select_related("registration__programme").prefetch_related("certificates"),
    }
