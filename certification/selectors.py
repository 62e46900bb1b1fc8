"""Reads about assessment and certification, scoped to the user; some other apps rely on."""

from collections import defaultdict
from datetime import date

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from registrations.models import Programme, Registration

from . import gates as G
from .models import (
    AssessmentRecord,
    Certificate,
    CertificateClaim,
    ClaimBatch,
    ClaimsDeadline,
    ClaimUnit,
    SampledClaim,
    SamplingRound,
)

CS = CertificateClaim.State


def full_claim_made(registration: Registration) -> bool:
    """Has a full-award certificate claim gone to Pearson for this registration (and not been
    declined)? Entries use it: a resit after a full claim needs the grade declined first.

    A submitted (or later) full claim that the learner has not declined counts; so does a
    certificated registration (certificated before claims were recorded here)."""
    if registration.state == Registration.State.CERTIFICATED:
        return True
    if registration.state == Registration.State.GRADE_DECLINED:
        return False
    return (
        CertificateClaim.objects.filter(registration=registration, kind=CertificateClaim.Kind.FULL, declined=False)
        .exclude(state__in=[CS.DRAFT, CS.READY, CS.FORM_QUERY])
        .exists()
    )


def get_programme_for_user(user, pk) -> Programme:
    return get_object_or_404(
        Programme.objects.visible_to(user).select_related("qualification__suite", "centre"), pk=pk
    )


def internal_units(programme: Programme) -> list:
    return list(programme.qualification.units.filter(assessment="internal").order_by("number"))


def programme_grid_registrations(programme: Programme):
    return (
        programme.registrations.live().exclude(state=Registration.State.DRAFT).select_related("learner")
        .order_by("learner__legal_last_name", "learner__legal_first_name", "id")
    )


def grid_rows(page_registrations, units) -> list[dict]:
    """One row per learner: for each unit, the records (all attempts), in one query."""
    regs = list(page_registrations)
    records = defaultdict(list)
    for r in AssessmentRecord.objects.filter(registration__in=regs).select_related("assessor", "internal_verifier").order_by("created_at"):
        records[(r.registration_id, r.unit_id)].append(r)
    return [{"registration": reg, "cells": [{"unit": u, "records": records.get((reg.pk, u.pk), [])} for u in units]} for reg in regs]


def get_record_for_user(user, pk) -> AssessmentRecord:
    return get_object_or_404(
        AssessmentRecord.objects.visible_to(user).select_related(
            "registration__learner", "registration__programme__qualification__suite", "unit", "assessor",
            "internal_verifier", "authorised_by"),
        pk=pk,
    )


def programme_readiness(programme: Programme, *, on: date) -> list[G.Readiness]:
    """Every live learner's claim readiness, from a fixed number of queries (gates in Python)."""
    from entries.selectors import terminal_rule_problem

    units = list(programme.qualification.units.all())
    regs = list(
        programme.registrations.live().select_related("learner", "programme__qualification__suite")
        .order_by("learner__legal_last_name", "learner__legal_first_name", "id")
    )
    records = defaultdict(list)
    for r in AssessmentRecord.objects.filter(registration__programme=programme).order_by():
        records[r.registration_id].append(r)
    claims = {}
    for c in CertificateClaim.objects.filter(registration__programme=programme, declined=False).order_by("created_at"):
        claims[c.registration_id] = c
    out = []
    for reg in regs:
        reg.programme = programme  # shared object: no per-row programme query
        ready = G.evaluate(reg, kind=G.suggested_kind(reg), on=on, units=units, records=records.get(reg.pk, []),
                           terminal_problem=terminal_rule_problem, size_glh=programme.qualification.size_glh)
        ready.existing_claim = claims.get(reg.pk)
        out.append(ready)
    return out


def claim_list(*, user, state: str = "", programme_id=None):
    qs = CertificateClaim.objects.visible_to(user).select_related(
        "registration__learner", "registration__programme", "batch").annotate(unit_count=Count("units"))
    if state:
        qs = qs.filter(state=state)
    if programme_id:
        qs = qs.filter(registration__programme_id=programme_id)
    return qs.order_by("-created_at", "-id")


def get_claim_for_user(user, pk) -> CertificateClaim:
    return get_object_or_404(
        CertificateClaim.objects.visible_to(user).select_related(
            "registration__learner", "registration__programme__qualification__suite", "batch", "created_by"
        ).prefetch_related(Prefetch("units", queryset=ClaimUnit.objects.select_related(
            "unit", "record__assessor", "record__internal_verifier"))),
        pk=pk,
    )


def batch_list(user):
    return ClaimBatch.objects.visible_to(user).annotate(claim_count=Count("claims")).select_related("created_by").order_by("-created_at")


def get_batch_for_user(user, pk) -> ClaimBatch:
    return get_object_or_404(ClaimBatch.objects.visible_to(user), pk=pk)


def ready_unbatched_claims(user):
    return CertificateClaim.objects.visible_to(user).filter(state=CS.READY, batch__isnull=True).select_related(
        "registration__learner", "registration__programme").order_by("registration__programme__name", "registration__learner__legal_last_name")


def round_list(user):
    return SamplingRound.objects.visible_to(user).select_related("batch", "opened_by").annotate(
        sampled=Count("samples"), done=Count("samples", filter=~Q(samples__outcome="pending"))).order_by("-opened_at")


def get_round_for_user(user, pk) -> SamplingRound:
    return get_object_or_404(SamplingRound.objects.visible_to(user).select_related("batch", "opened_by"), pk=pk)


def round_samples(rnd: SamplingRound):
    return rnd.samples.select_related("claim__registration__learner", "claim__registration__programme", "recorded_by").order_by(
        "claim__registration__programme__name", "claim__registration__learner__legal_last_name", "id")


def round_coverage(rnd: SamplingRound) -> dict:
    """Sample and outcome counts per programme and per assessor."""
    per_programme = defaultdict(lambda: {"sampled": 0, "agreed": 0, "discrepancy": 0})
    for name, outcome in rnd.samples.values_list("claim__registration__programme__name", "outcome"):
        per_programme[name]["sampled"] += 1
        if outcome != "pending":
            per_programme[name][outcome] += 1
    per_assessor = defaultdict(lambda: {"sampled": 0, "agreed": 0, "discrepancy": 0})
    seen = set()
    rows = ClaimUnit.objects.filter(claim__samples__round=rnd).values_list(
        "claim_id", "record__assessor__first_name", "record__assessor__last_name", "record__assessor__username",
        "claim__samples__outcome").distinct()
    for claim_id, first, last, username, outcome in rows:
        name = f"{first} {last}".strip() or username
        if (claim_id, name) in seen:
            continue
        seen.add((claim_id, name))
        per_assessor[name]["sampled"] += 1
        if outcome != "pending":
            per_assessor[name][outcome] += 1
    return {"programmes": dict(sorted(per_programme.items())), "assessors": dict(sorted(per_assessor.items()))}


def get_sample_for_user(user, pk) -> SampledClaim:
    return get_object_or_404(
        SampledClaim.objects.filter(round__in=SamplingRound.objects.visible_to(user)).select_related(
            "round", "claim__registration__learner", "claim__registration__programme"), pk=pk)


def sample_comparison(sample: SampledClaim) -> list[dict]:
    """Claimed grades beside the assessment and IV records, with differences flagged."""
    claim = sample.claim
    current = defaultdict(list)
    for r in claim.registration.assessment_records.select_related("assessor", "internal_verifier"):
        current[r.unit_id].append(r)
    rows = []
    for cu in claim.units.select_related("unit", "record__assessor", "record__internal_verifier"):
        record = cu.record
        best = G.best_verified(current.get(cu.unit_id, []))
        problems = []
        if record.grade != cu.grade:
            problems.append(f"record now says {record.grade}")
        if not record.is_verified:
            problems.append("record no longer verified")
        if best is not None and best.pk != record.pk:
            problems.append(f"a better verified attempt exists ({best.grade})")
        if record.attempt == "retake" and cu.grade not in ("U", "N", "P"):
            problems.append("retake above Pass")
        if record.internal_verifier_id and record.internal_verifier_id == record.assessor_id:
            problems.append("verified by the assessor")
        rows.append({"claim_unit": cu, "record": record, "problems": problems})
    return rows


def sample_investigation(sample: SampledClaim):
    """The investigation opened into this sample's discrepancy, if any."""
    from audit.models import Investigation

    return Investigation.objects.filter(breach_key=f"certification.qn_discrepancy:{sample.pk}").first()


def certificate_list(*, user, status: str = ""):
    qs = Certificate.objects.visible_to(user).select_related("claim__registration__learner", "claim__registration__programme")
    filters = {
        "awaiting_check": Q(claim__state=CS.CERTIFICATE_RECEIVED, superseded=False),
        "discrepancy": Q(claim__state__in=[CS.DISCREPANCY, CS.REPLACEMENT_REQUESTED], superseded=False),
        "ready": Q(claim__state=CS.CHECKED_OK, superseded=False),
        "issued": Q(claim__state=CS.ISSUED, superseded=False),
        "unclaimed": Q(claim__state=CS.UNCLAIMED, superseded=False),
        "destroyed": Q(claim__state=CS.DESTROYED, superseded=False),
    }
    if status == "overdue":
        from datetime import timedelta

        from django.utils import timezone

        cutoff = timezone.localdate() - timedelta(days=365)
        filters["overdue"] = Q(claim__state=CS.CHECKED_OK, superseded=False, received_on__lte=cutoff)
    if status in filters:
        qs = qs.filter(filters[status])
    return qs.order_by("-received_on", "number")


def get_certificate_for_user(user, pk) -> Certificate:
    return get_object_or_404(
        Certificate.objects.visible_to(user).select_related(
            "claim__registration__learner", "claim__registration__programme__qualification", "checked_by"), pk=pk)


def claims_deadlines():
    return ClaimsDeadline.objects.all()
