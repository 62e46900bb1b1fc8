from .models import AssessmentRecord


def home(request):
    if not request.user.has_perm("certification.view_assessmentrecord"):
        return None
    records = AssessmentRecord.objects.visible_to(request.user)
    return {
        "awaiting_iv": records.filter(iv_outcome="").count(),
        "sent_back": records.filter(iv_outcome=AssessmentRecord.IVOutcome.DISAGREED).count(),
    }


def learner_detail(request, learner):
    if not request.user.has_perm("certification.view_assessmentrecord"):
        return None
    return {
        "records": AssessmentRecord.objects.visible_to(request.user)
        .filter(registration__learner=learner)
        .select_related("unit", "registration__programme", "assessor", "internal_verifier")
        .order_by("registration__programme__name", "unit__number", "created_at"),
    }
