"""Traceability of assessment and certification (contract in audit/trace.py)."""

from django.db.models import Exists, F, OuterRef
from django.urls import reverse

from audit.trace import BrokenLink, TraceItem

from .models import AssessmentRecord, Certificate, CertificateClaim, ClaimUnit, SampledClaim

CS = CertificateClaim.State
_CERTIFICATED_STATES = [CS.CHECKED_OK, CS.ISSUED, CS.UNCLAIMED, CS.DESTROYED]


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else "?"


def trace_items(registration) -> list[TraceItem]:
    items: list[TraceItem] = []
    records = AssessmentRecord.objects.filter(registration=registration).select_related("unit", "assessor", "internal_verifier")
    for r in records:
        url = reverse("certification:record_detail", args=[r.pk])
        items.append(TraceItem("assessment", f"Unit {r.unit.number} graded {r.grade} ({r.get_attempt_display().lower()}) on {r.date_assessed:%d/%m/%Y} by {_name(r.assessor)}", r.date_assessed, url))
        if r.iv_outcome == "agreed":
            items.append(TraceItem("verification", f"Unit {r.unit.number} internally verified by {_name(r.internal_verifier)}", r.iv_date, url))
        elif r.iv_outcome == "disagreed":
            items.append(TraceItem("verification", f"Unit {r.unit.number} sent back by {_name(r.internal_verifier)}", r.iv_date, url, "pending"))
        else:
            items.append(TraceItem("verification", f"Unit {r.unit.number} awaiting internal verification", None, url, "pending"))
    claims = CertificateClaim.objects.filter(registration=registration).prefetch_related("units__record", "units__unit", "samples__round", "certificates")
    for c in claims:
        url = c.get_absolute_url()
        unverified = [cu for cu in c.units.all() if not cu.record.is_verified or cu.record.grade != cu.grade]
        status, problem = "ok", ""
        if unverified and c.state not in (CS.DRAFT,):
            status, problem = "broken", "Claimed units no longer backed by a verified record with the claimed grade: " + ", ".join(cu.unit.number for cu in unverified)
        items.append(TraceItem("claim", f"{c.get_kind_display()} claim: {c.get_state_display().lower()}" + (f" ({c.get_timing_display().lower()})" if c.timing and c.timing != "on_time" else ""),
                               c.submitted_on or c.created_at.date(), url, status if status == "broken" else ("ok" if c.state not in (CS.DRAFT, CS.READY) else "pending"), problem))
        for s in c.samples.all():
            st = "broken" if s.outcome == "discrepancy" and not s.resolved else ("pending" if s.outcome == "pending" else "ok")
            items.append(TraceItem("sample", f"Sampled in {s.round}: {s.get_outcome_display().lower()}", s.recorded_at.date() if s.recorded_at else None,
                                   reverse("certification:sample_detail", args=[s.pk]), st, s.notes if st == "broken" else "",
                                   permission="certification.view_sampledclaim"))
        for cert in c.certificates.all():
            curl = cert.get_absolute_url()
            items.append(TraceItem("certificate", f"Certificate {cert.number} received" + (" (replaced)" if cert.superseded else ""), cert.received_on, curl))
            if cert.checked_on:
                bad = bool(cert.differences) and not cert.superseded and c.state in (CS.DISCREPANCY, CS.REPLACEMENT_REQUESTED)
                items.append(TraceItem("check", "Checked: " + ("matches the claim and records" if not cert.differences else f"{len(cert.differences)} difference(s)"),
                                       cert.checked_on, curl, "broken" if bad else "ok", "; ".join(d["field"] for d in cert.differences) if bad else ""))
            if cert.issued_on:
                items.append(TraceItem("issue", f"Issued ({cert.get_issue_method_display().lower()})", cert.issued_on, curl))
            elif cert.destroyed_on:
                items.append(TraceItem("issue", f"Destroyed: {cert.destroy_reason}", cert.destroyed_on, curl))
    return items


def broken_links(user) -> list[BrokenLink]:
    """Certificates issued/checked with a claimed unit not backed by a verified record of that grade;
    claims past ready whose units lost their verification; open certificate discrepancies."""
    links: list[BrokenLink] = []
    claims = CertificateClaim.objects.visible_to(user)
    not_backed = ClaimUnit.objects.filter(claim=OuterRef("pk")).exclude(record__iv_outcome="agreed")
    wrong_grade = ClaimUnit.objects.filter(claim=OuterRef("pk")).exclude(record__grade=F("grade"))
    for c in claims.exclude(state__in=[CS.DRAFT, CS.DESTROYED]).filter(Exists(not_backed) | Exists(wrong_grade)).select_related(
            "registration__learner", "registration__programme"):
        stage = "certificate" if c.state in _CERTIFICATED_STATES else "claim"
        problem = ("Certificate issued with a unit not backed by a verified assessment record" if c.state == CS.ISSUED
                   else "A claimed unit is no longer backed by a verified assessment record with the claimed grade")
        links.append(BrokenLink(c.registration_id, str(c.registration.learner), str(c.registration.programme), stage, problem, c.get_absolute_url()))
    for cert in Certificate.objects.visible_to(user).filter(superseded=False, claim__state=CS.DISCREPANCY).select_related(
            "claim__registration__learner", "claim__registration__programme"):
        reg = cert.claim.registration
        links.append(BrokenLink(reg.pk, str(reg.learner), str(reg.programme), "check",
                                "Certificate differs from the claim: " + ", ".join(d["field"] for d in cert.differences), cert.get_absolute_url()))
    for s in SampledClaim.objects.filter(claim__in=claims, outcome="discrepancy", resolved=False).select_related(
            "claim__registration__learner", "claim__registration__programme"):
        reg = s.claim.registration
        links.append(BrokenLink(reg.pk, str(reg.learner), str(reg.programme), "sample", f"Unresolved sampling discrepancy: {s.notes}",
                                reverse("certification:sample_detail", args=[s.pk])))
    return links
