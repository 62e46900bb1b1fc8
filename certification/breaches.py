"""Breaches the certification app detects (contract in audit/breaches.py); set-based queries only."""

from django.db.models import Exists, OuterRef

from audit.breaches import Breach

from .models import Certificate, CertificateClaim, SampledClaim
from .selectors import CS


def detected_breaches() -> list[Breach]:
    found: list[Breach] = []
    submitted = CertificateClaim.objects.filter(submitted_on__isnull=False).select_related("registration__learner", "registration__programme")
    for c in submitted.filter(timing__in=["early", "late"]):
        found.append(Breach(
            key=f"certification.{c.timing}_claim:{c.pk}", kind=f"{c.timing}_claim",
            summary=f"{c.get_kind_display()} claim for {c.registration.learner} ({c.registration.programme}) submitted {c.timing} on "
                    f"{c.submitted_on:%d/%m/%Y} (deadline {c.deadline:%d/%m/%Y}): {c.timing_reason}" if c.deadline else
                    f"Claim for {c.registration.learner} submitted {c.timing}",
            obj=c, learner_id=c.registration.learner_id, detected_on=c.submitted_on))
    # A claim that went to Pearson although a gate fails on its records now: a unit not backed by a verified record.
    from .models import ClaimUnit

    unbacked = ClaimUnit.objects.filter(claim=OuterRef("pk")).exclude(record__iv_outcome="agreed")
    for c in submitted.exclude(state=CS.DESTROYED).filter(Exists(unbacked)):
        found.append(Breach(
            key=f"certification.claim_gate_failure:{c.pk}", kind="claim_gate_failure",
            summary=f"Claim for {c.registration.learner} ({c.registration.programme}) went to Pearson with a unit whose assessment record is not internally verified (gate 3)",
            obj=c, learner_id=c.registration.learner_id, detected_on=c.submitted_on))
    for cert in Certificate.objects.filter(superseded=False, claim__state__in=[CS.DISCREPANCY, CS.REPLACEMENT_REQUESTED]).select_related("claim__registration__learner"):
        reg = cert.claim.registration
        found.append(Breach(
            key=f"certification.certificate_mismatch:{cert.pk}", kind="certificate_mismatch",
            summary=f"Certificate {cert.number} for {reg.learner} does not match the claim/records: " + ", ".join(d["field"] for d in cert.differences),
            obj=cert, learner_id=reg.learner_id, detected_on=cert.checked_on))
    for s in SampledClaim.objects.filter(outcome="discrepancy").select_related("claim__registration__learner", "round"):
        reg = s.claim.registration
        found.append(Breach(
            key=f"certification.qn_discrepancy:{s.pk}", kind="qn_discrepancy",
            summary=f"Quality nominee found a discrepancy in {reg.learner}'s claim ({s.round}): {s.notes}",
            obj=s, learner_id=reg.learner_id, detected_on=s.recorded_at.date() if s.recorded_at else None))
    return found
