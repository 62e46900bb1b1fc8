"""Recording assessment decisions and their internal verification."""

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from core.history import bulk_create_tracked, bulk_save_tracked, save_tracked
from registrations.models import Registration, Unit
from registrations.services import registration_certificate, registrations_certificate_many

from . import gates as G
from .models import (
    AssessmentRecord,
    Certificate,
    CertificateClaim,
    CertificationSetting,
    ClaimBatch,
    ClaimUnit,
    SampledClaim,
    SamplingRound,
    UnitGrade,
)

A = AssessmentRecord.Attempt


def _check_grade(unit: Unit, grade: str) -> None:
    allowed = [g for g in UnitGrade.values if g != "N" or unit.qualification.suite.near_pass_grade]
    if grade not in allowed:
        raise DomainError(
            f"Grade “{grade}” is not on the {unit.qualification.suite} unit scale ({', '.join(allowed)}).",
            field="grade",
        )


@transaction.atomic
def assessment_record_create(
    *, actor, registration: Registration, unit: Unit, grade: str, assessor, date_assessed: date,
    attempt: str = A.FIRST, authorised_by=None, reason: str = "Assessment decision recorded",
) -> AssessmentRecord:
    registration = Registration.objects.select_for_update().select_related("programme__qualification__suite").get(pk=registration.pk)
    if unit.qualification_id != registration.programme.qualification_id:
        raise DomainError(f"{unit} is not a unit of {registration.programme.qualification}.", field="unit")
    if unit.is_external:
        raise DomainError(f"{unit} is externally assessed: its result comes from Pearson, not an assessor.", field="unit")
    if registration.state in (Registration.State.DRAFT, Registration.State.DELETED, Registration.State.TRANSFERRED_OUT):
        raise DomainError(f"{registration.learner} is not registered on this programme (state: {registration.get_state_display()}).")
    if date_assessed > timezone.localdate():
        raise DomainError(f"An assessment cannot be dated in the future ({date_assessed:%d/%m/%Y}).", field="date_assessed")
    if registration.registered_on is None or date_assessed < registration.registered_on:
        raise DomainError(
            "No assessment may be dated before the learner's registration"
            + (f" ({registration.registered_on:%d/%m/%Y})." if registration.registered_on else " (not yet registered)."),
            field="date_assessed",
        )
    _check_grade(unit, grade)
    if attempt == A.RETAKE and grade not in ("U", "N", "P"):
        raise DomainError("A retake is capped at Pass: record P (or U).", field="grade")
    if attempt != A.FIRST:
        if authorised_by is None:
            raise DomainError(f"A {A(attempt).label.lower()} needs the Lead IV's authorisation.", field="authorised_by")
        if not registration.programme.subject_leads.filter(pk=authorised_by.pk).exists():
            raise DomainError(
                f"{authorised_by.get_full_name() or authorised_by.username} is not a Lead Internal Verifier of "
                f"{registration.programme} (the programme's subject leads are its Lead IVs).", field="authorised_by",
            )
        if not AssessmentRecord.objects.filter(registration=registration, unit=unit, attempt=A.FIRST).exists():
            raise DomainError(f"There is no first submission of {unit} to reassess.", field="attempt")
    if AssessmentRecord.objects.filter(registration=registration, unit=unit, attempt=attempt).exists():
        raise DomainError(f"{registration.learner} already has a {A(attempt).label.lower()} record for {unit}.", field="attempt")
    record = AssessmentRecord(
        registration=registration, unit=unit, grade=grade, assessor=assessor, date_assessed=date_assessed,
        attempt=attempt, authorised_by=authorised_by,
    )
    save_tracked(record, actor=actor, reason=reason)
    return record


@transaction.atomic
def assessment_record_verify(
    *, actor, record: AssessmentRecord, internal_verifier, iv_date: date, outcome: str, notes: str = "",
    reason: str = "Internally verified",
) -> AssessmentRecord:
    record = AssessmentRecord.objects.select_for_update().get(pk=record.pk)
    if record.iv_outcome:
        raise DomainError("This record has already been internally verified; change the decision first to verify it again.")
    if internal_verifier.pk == record.assessor_id:
        raise DomainError("The internal verifier cannot verify their own assessment decision.", field="internal_verifier")
    if iv_date > timezone.localdate():
        raise DomainError(f"Internal verification cannot be dated in the future ({iv_date:%d/%m/%Y}).", field="iv_date")
    if iv_date < record.date_assessed:
        raise DomainError("Internal verification cannot be dated before the assessment.", field="iv_date")
    if outcome not in AssessmentRecord.IVOutcome.values:
        raise DomainError("Choose an IV outcome.", field="iv_outcome")
    record.internal_verifier = internal_verifier
    record.iv_date = iv_date
    record.iv_outcome = outcome
    record.iv_notes = notes
    save_tracked(record, actor=actor, reason=reason, update_fields=["internal_verifier", "iv_date", "iv_outcome", "iv_notes"])
    return record


@transaction.atomic
def assessment_record_change(*, actor, record: AssessmentRecord, changes: dict, reason: str) -> AssessmentRecord:
    """Change a decision. A verified record may change only with a reason, and loses its verification."""
    record = AssessmentRecord.objects.select_for_update().select_related(
        "unit__qualification__suite", "registration").get(pk=record.pk)
    allowed = {"grade", "date_assessed", "assessor"}
    if set(changes) - allowed:
        raise DomainError(f"Only {', '.join(sorted(allowed))} can be changed here.")
    if not (reason or "").strip():
        raise DomainError("Say why the decision is being changed (a reason is required).", field="reason")
    if "grade" in changes:
        _check_grade(record.unit, changes["grade"])
        if record.attempt == A.RETAKE and changes["grade"] not in ("U", "N", "P"):
            raise DomainError("A retake is capped at Pass: record P (or U).", field="grade")
    if "date_assessed" in changes:
        registered_on = record.registration.registered_on
        if changes["date_assessed"] is None or (registered_on and changes["date_assessed"] < registered_on):
            raise DomainError(
                f"No assessment may be dated before the learner's registration ({registered_on:%d/%m/%Y}).",
                field="date_assessed",
            )
    if "assessor" in changes and changes["assessor"] is None:
        raise DomainError("Choose the assessor.", field="assessor")
    fields = list(changes)
    for name, value in changes.items():
        setattr(record, name, value)
    if record.iv_outcome:
        record.internal_verifier = None
        record.iv_date = None
        record.iv_outcome = ""
        fields += ["internal_verifier", "iv_date", "iv_outcome"]
    save_tracked(record, actor=actor, reason=reason, update_fields=fields)
    _claims_back_to_draft(record, actor=actor, reason=f"An assessment record behind this claim changed: {reason}")
    return record


def _claims_back_to_draft(record: AssessmentRecord, *, actor, reason: str) -> None:
    """A ready claim built on a record that has changed must have its gates checked again."""
    for claim in CertificateClaim.objects.select_for_update().filter(units__record=record, state=CertificateClaim.State.READY):
        claim.state = CertificateClaim.State.DRAFT
        save_tracked(claim, actor=actor, reason=reason, update_fields=["state"])


# ---------------------------------------------------------------------------------------------
# Certificate claims
# ---------------------------------------------------------------------------------------------

CS = CertificateClaim.State

# The claim state machine (DOMAIN.md), refined: a ready claim can be blocked by a QN discrepancy
# before submission, and a certificate discrepancy that the subject lead confirms as correct can be
# accepted with a reason. A certificate ends issued, or unclaimed (a learner may still collect it)
# and then destroyed: an issued certificate is the learner's and is never destroyed here. "Destroyed"
# is about the paper: the claim was still made and certificated. Anything not listed is refused.
CLAIM_TRANSITIONS: dict[str, set[str]] = {
    CS.DRAFT: {CS.READY},
    CS.READY: {CS.SUBMITTED, CS.DRAFT, CS.BLOCKED},
    CS.SUBMITTED: {CS.CERTIFICATE_RECEIVED, CS.FORM_QUERY, CS.BLOCKED},
    CS.FORM_QUERY: {CS.DRAFT},
    CS.BLOCKED: {CS.SUBMITTED, CS.READY},
    CS.CERTIFICATE_RECEIVED: {CS.CHECKED_OK, CS.DISCREPANCY},
    CS.DISCREPANCY: {CS.REPLACEMENT_REQUESTED, CS.CHECKED_OK},
    CS.REPLACEMENT_REQUESTED: {CS.CERTIFICATE_RECEIVED},
    CS.CHECKED_OK: {CS.ISSUED, CS.UNCLAIMED},
    CS.ISSUED: set(),
    CS.UNCLAIMED: {CS.DESTROYED, CS.ISSUED},
    CS.DESTROYED: set(),
}
LIVE_CLAIM_STATES = [s for s in CS.values if s != CS.DESTROYED]
UNCLAIMED_AFTER_DAYS = 365


def _move_claim(claim: CertificateClaim, to_state: str) -> None:
    if to_state not in CLAIM_TRANSITIONS[claim.state]:
        raise DomainError(f"A claim that is {claim.get_state_display().lower()} cannot become {CS(to_state).label.lower()}.")
    claim.state = to_state


def _lock_claim(claim: CertificateClaim) -> CertificateClaim:
    return CertificateClaim.objects.select_for_update().select_related(
        "registration__programme__qualification__suite", "registration__learner"
    ).get(pk=claim.pk)


def readiness(registration: Registration, *, kind: str, on: date) -> G.Readiness:
    from entries.selectors import terminal_rule_problem

    qualification = registration.programme.qualification
    return G.evaluate(
        registration, kind=kind, on=on, units=list(qualification.units.all()),
        records=list(registration.assessment_records.all()), terminal_problem=terminal_rule_problem,
        size_glh=qualification.size_glh,
    )


def _build_units(claim: CertificateClaim, ready: G.Readiness, *, actor, reason: str) -> None:
    """Replace the claim's units with the verified records behind them (grades copied, never typed)."""
    for old in claim.units.all():
        old._history_user = actor
        old._change_reason = reason
        old.delete()
    for unit, record in ready.units:
        save_tracked(ClaimUnit(claim=claim, unit=unit, record=record, grade=record.grade), actor=actor, reason=reason)


@transaction.atomic
def claim_create(
    *, actor, registration: Registration, kind: str, reason: str = "Certificate claim started",
    timing_reason: str = "", fallback_qualification: str = "", on: date | None = None,
) -> CertificateClaim:
    registration = Registration.objects.select_for_update().select_related(
        "programme__qualification__suite", "learner").get(pk=registration.pk)
    on = on or timezone.localdate()
    if kind not in CertificateClaim.Kind.values:
        raise DomainError("Choose full, interim or fallback.", field="kind")
    if kind == CertificateClaim.Kind.FALLBACK and not fallback_qualification.strip():
        raise DomainError("Name the smaller qualification a fallback claim is for.", field="fallback_qualification")
    closed = {Registration.State.DELETED, Registration.State.TRANSFERRED_OUT, Registration.State.CERTIFICATED}
    if registration.state in closed:
        raise DomainError(
            f"{registration.learner}'s registration is {registration.get_state_display().lower()}: no claim can be "
            "started (a certificated grade must be declined first).", field="kind")
    live = CertificateClaim.objects.filter(registration=registration, declined=False)
    if kind != CertificateClaim.Kind.INTERIM and live.exclude(kind=CertificateClaim.Kind.INTERIM).exists():
        raise DomainError(f"{registration.learner} already has a claim for this registration.", field="kind")
    if live.filter(state__in=[CS.DRAFT, CS.READY]).exists():
        raise DomainError(f"{registration.learner} already has a claim in preparation.", field="kind")
    ready = readiness(registration, kind=kind, on=on)
    if not ready.units:
        raise DomainError("There is no internally verified assessment record to claim.", field="kind")
    timing, deadline = G.timing_for(kind, registration, on)
    if timing != CertificateClaim.Timing.ON_TIME and not timing_reason.strip():
        raise DomainError(
            f"This claim is {timing} (deadline {deadline:%d/%m/%Y}): say why it is made now.", field="timing_reason"
        )
    claim = CertificateClaim(
        registration=registration, kind=kind, fallback_qualification=fallback_qualification.strip(),
        deadline=deadline, timing=timing, timing_reason=timing_reason.strip() if timing != "on_time" else timing_reason.strip(),
        created_by=actor,
    )
    save_tracked(claim, actor=actor, reason=reason)
    _build_units(claim, ready, actor=actor, reason=reason)
    return claim


@transaction.atomic
def claim_mark_ready(*, actor, claim: CertificateClaim, reason: str = "All claim gates pass", on: date | None = None) -> CertificateClaim:
    """Check every gate again, rebuild the units from the current verified records, and mark ready."""
    claim = _lock_claim(claim)
    on = on or timezone.localdate()
    ready = readiness(claim.registration, kind=claim.kind, on=on)
    if not ready.ok:
        raise DomainError("Not ready: " + " ".join(f"Gate {g.number} ({g.name}): {g.problem}" for g in ready.failing))
    _move_claim(claim, CS.READY)
    _build_units(claim, ready, actor=actor, reason=reason)
    save_tracked(claim, actor=actor, reason=reason, update_fields=["state"])
    return claim


@transaction.atomic
def claim_move(*, actor, claim: CertificateClaim, to_state: str, reason: str) -> CertificateClaim:
    """Pearson's form query, back to draft, and other moves that carry only a reason."""
    claim = _lock_claim(claim)
    if to_state not in (CS.FORM_QUERY, CS.DRAFT):
        raise DomainError("Use the page's own action for this change.")
    _move_claim(claim, to_state)
    fields = ["state"]
    if to_state == CS.DRAFT and claim.batch_id:
        claim.batch = None
        fields.append("batch")
    save_tracked(claim, actor=actor, reason=reason, update_fields=fields)
    return claim


@transaction.atomic
def claim_block(*, actor, claim: CertificateClaim, reason: str) -> CertificateClaim:
    claim = _lock_claim(claim)
    _move_claim(claim, CS.BLOCKED)
    claim.block_reason = reason
    save_tracked(claim, actor=actor, reason=reason, update_fields=["state", "block_reason"])
    return claim


@transaction.atomic
def claim_unblock(*, actor, claim: CertificateClaim, reason: str) -> CertificateClaim:
    claim = _lock_claim(claim)
    if SampledClaim.objects.filter(claim=claim, outcome=SampledClaim.Outcome.DISCREPANCY, resolved=False).exists():
        raise DomainError("The quality nominee's discrepancy on this claim is not resolved yet.")
    _move_claim(claim, CS.SUBMITTED if claim.submitted_on else CS.READY)
    claim.block_reason = ""
    save_tracked(claim, actor=actor, reason=reason, update_fields=["state", "block_reason"])
    return claim


# ---------------------------------------------------------------------------------------------
# Batches: ready claims sent together, exported for Pearson's grade reporting
# ---------------------------------------------------------------------------------------------

def sample_required(centre) -> bool:
    setting = CertificationSetting.objects.filter(centre=centre).first()
    return True if setting is None else setting.sample_before_export


@transaction.atomic
def batch_create(*, actor, name: str, claims: list, reason: str = "Claims batched for submission") -> ClaimBatch:
    if not name.strip():
        raise DomainError("Give the batch a name.", field="name")
    if not claims:
        raise DomainError("Choose at least one ready claim.", field="claims")
    locked = list(CertificateClaim.objects.select_for_update().filter(pk__in=[c.pk for c in claims]).select_related("registration__learner"))
    wrong = [c for c in locked if c.state != CS.READY or c.batch_id]
    if wrong:
        raise DomainError("Only ready claims not already in a batch can be batched: " + ", ".join(str(c.registration.learner) for c in wrong) + ".", field="claims")
    batch = ClaimBatch(name=name.strip(), created_by=actor)
    save_tracked(batch, actor=actor, reason=reason)
    for c in locked:
        c.batch = batch
        save_tracked(c, actor=actor, reason=reason, update_fields=["batch"])
    return batch


EXPORT_HEADERS = [
    "Centre number", "Registration number", "ULN", "Candidate number", "Last name", "First names", "Date of birth",
    "Qualification number", "Claim type", "Unit number", "Unit title", "Unit grade",
]


def batch_rows(batch: ClaimBatch) -> list[list]:
    rows = []
    units = ClaimUnit.objects.filter(claim__batch=batch).select_related(
        "unit", "claim__registration__learner__centre", "claim__registration__programme__qualification"
    ).order_by("claim__registration__learner__legal_last_name", "claim_id", "unit__number")
    for cu in units:
        reg = cu.claim.registration
        learner = reg.learner
        rows.append([
            learner.centre.number, reg.pearson_registration_number, learner.uln, learner.candidate_number,
            learner.legal_last_name.upper(), learner.legal_first_name.upper(), learner.date_of_birth,
            reg.programme.qualification.qan, cu.claim.get_kind_display(), cu.unit.number, cu.unit.title, cu.grade,
        ])
    return rows


@transaction.atomic
def batch_submit(*, actor, batch: ClaimBatch, submitted_on: date, reason: str = "Claims submitted to Pearson") -> ClaimBatch:
    """Mark every claim in the batch submitted (its spreadsheet is what goes to Pearson)."""
    batch = ClaimBatch.objects.select_for_update().get(pk=batch.pk)
    claims = list(CertificateClaim.objects.select_for_update().filter(batch=batch).select_related(
        "registration__learner__centre", "registration__programme"))
    if not claims:
        raise DomainError("The batch has no claims.")
    not_ready = [c for c in claims if c.state != CS.READY]
    if not_ready:
        raise DomainError("Every claim in the batch must be ready (blocked claims need their discrepancy resolved): "
                          + ", ".join(f"{c.registration.learner} ({c.get_state_display().lower()})" for c in not_ready) + ".")
    if sample_required(claims[0].registration.learner.centre):
        rounds = SamplingRound.objects.filter(batch=batch)
        if not rounds.filter(state=SamplingRound.State.FINISHED).exists():
            raise DomainError("The centre requires the quality nominee's sample of this batch to be finished before it is exported.")
    deadlines = {d.academic_year: d for d in G.ClaimsDeadline.objects.all()}
    for c in claims:
        timing, deadline = G.timing_for(c.kind, c.registration, submitted_on, deadlines)
        if timing != CertificateClaim.Timing.ON_TIME and not c.timing_reason:
            raise DomainError(f"The claim for {c.registration.learner} is {timing} (deadline {deadline:%d/%m/%Y}) and has no reason recorded.")
        c.timing, c.deadline = timing, deadline
        _move_claim(c, CS.SUBMITTED)
        c.submitted_on = submitted_on
        save_tracked(c, actor=actor, reason=reason, update_fields=["state", "submitted_on", "timing", "deadline"])
    batch.submitted_on = submitted_on
    batch.exported_at = timezone.now()
    save_tracked(batch, actor=actor, reason=reason, update_fields=["submitted_on", "exported_at"])
    return batch


@transaction.atomic
def claim_set_timing_reason(*, actor, claim: CertificateClaim, timing_reason: str) -> CertificateClaim:
    claim = _lock_claim(claim)
    if not timing_reason.strip():
        raise DomainError("Say why the claim is early or late.", field="timing_reason")
    claim.timing_reason = timing_reason.strip()
    save_tracked(claim, actor=actor, reason="Reason for the claim's timing recorded", update_fields=["timing_reason"])
    return claim


# ---------------------------------------------------------------------------------------------
# Quality nominee sampling
# ---------------------------------------------------------------------------------------------

def draw_sample(population: list[tuple[int, int, set]], *, seed: int, percentage: int, min_per_programme: int,
                min_per_assessor: int, sample_all: bool) -> dict[int, str]:
    """Choose claims reproducibly. `population`: (claim id, programme id, assessor ids). Returns
    claim id -> why chosen. The same seed and population give the same sample."""
    ids = sorted(p[0] for p in population)
    if sample_all:
        return dict.fromkeys(ids, "all claims sampled")
    rng = random.Random(seed)
    order = ids[:]
    rng.shuffle(order)
    rank = {cid: n for n, cid in enumerate(order)}
    target = math.ceil(len(ids) * percentage / 100)
    chosen = dict.fromkeys(order[:target], f"random ({percentage}%)")
    by_programme: dict[int, list[int]] = defaultdict(list)
    by_assessor: dict[int, list[int]] = defaultdict(list)
    for cid, programme_id, assessors in population:
        by_programme[programme_id].append(cid)
        for a in assessors:
            by_assessor[a].append(cid)
    for group, minimum, label in ((by_programme, min_per_programme, "programme minimum"), (by_assessor, min_per_assessor, "assessor minimum")):
        for key in sorted(group):
            members = sorted(group[key], key=rank.__getitem__)
            have = sum(1 for m in members if m in chosen)
            for m in members:
                if have >= minimum:
                    break
                if m not in chosen:
                    chosen[m] = label
                    have += 1
    return chosen


@transaction.atomic
def round_open(
    *, actor, name: str, batch: ClaimBatch | None = None, date_from: date | None = None, date_to: date | None = None,
    percentage: int = 25, min_per_programme: int = 1, min_per_assessor: int = 1, sample_all: bool = False,
    seed: int | None = None, reason: str = "Sampling round opened",
) -> SamplingRound:
    if not name.strip():
        raise DomainError("Give the round a name.", field="name")
    if batch is None and not (date_from and date_to):
        raise DomainError("Choose a batch, or a date range of claims.", field="batch")
    if date_from and date_to and date_to < date_from:
        raise DomainError("The range ends before it starts.", field="date_to")
    if not 0 <= percentage <= 100:
        raise DomainError("The percentage must be between 0 and 100.", field="percentage")
    claims = CertificateClaim.objects.exclude(state__in=[CS.DRAFT, CS.DESTROYED])
    if batch is not None:
        claims = claims.filter(batch=batch)
    if date_from and date_to:
        claims = claims.filter(created_at__date__gte=date_from, created_at__date__lte=date_to)
    population = {cid: (cid, pid, set()) for cid, pid in claims.values_list("id", "registration__programme_id")}
    if not population:
        raise DomainError("There are no claims (ready or later) in that batch or date range.", field="batch")
    for cid, assessor in ClaimUnit.objects.filter(claim_id__in=list(population)).values_list("claim_id", "record__assessor_id"):
        population[cid][2].add(assessor)
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    chosen = draw_sample(list(population.values()), seed=seed, percentage=percentage, min_per_programme=min_per_programme,
                         min_per_assessor=min_per_assessor, sample_all=sample_all)
    rnd = SamplingRound(
        name=name.strip(), batch=batch, date_from=date_from, date_to=date_to, percentage=percentage,
        min_per_programme=min_per_programme, min_per_assessor=min_per_assessor, sample_all=sample_all, seed=seed,
        population=len(population), opened_by=actor,
    )
    save_tracked(rnd, actor=actor, reason=reason)
    bulk_create_tracked(
        SampledClaim, [SampledClaim(round=rnd, claim_id=cid, why=why) for cid, why in sorted(chosen.items())],
        actor=actor, reason=reason,
    )
    return rnd


@transaction.atomic
def sample_record_outcome(*, actor, sample: SampledClaim, outcome: str, notes: str = "") -> SampledClaim:
    if not actor.has_perm("certification.record_sample_outcome"):
        raise DomainError("Only the quality nominee records sampling outcomes.")
    sample = SampledClaim.objects.select_for_update().select_related("round").get(pk=sample.pk)
    if sample.round.state != SamplingRound.State.OPEN:
        raise DomainError("This sampling round is finished.")
    if outcome not in (SampledClaim.Outcome.AGREED, SampledClaim.Outcome.DISCREPANCY):
        raise DomainError("Choose agreed or discrepancy.", field="outcome")
    if outcome == SampledClaim.Outcome.DISCREPANCY and not notes.strip():
        raise DomainError("Describe the discrepancy in the notes.", field="notes")
    sample.outcome = outcome
    sample.notes = notes.strip()
    sample.recorded_by = actor
    sample.recorded_at = timezone.now()
    save_tracked(sample, actor=actor, reason=f"Sampling outcome: {outcome}", update_fields=["outcome", "notes", "recorded_by", "recorded_at"])
    if outcome == SampledClaim.Outcome.DISCREPANCY:
        claim = CertificateClaim.objects.select_for_update().get(pk=sample.claim_id)
        if claim.state in (CS.READY, CS.SUBMITTED):
            claim_block(actor=actor, claim=claim, reason=f"Quality nominee sampling discrepancy: {notes.strip()}")
    return sample


@transaction.atomic
def sample_resolve(*, actor, sample: SampledClaim, resolution: str) -> SampledClaim:
    if not actor.has_perm("certification.record_sample_outcome"):
        raise DomainError("Only the quality nominee resolves sampling discrepancies.")
    sample = SampledClaim.objects.select_for_update().get(pk=sample.pk)
    if sample.outcome != SampledClaim.Outcome.DISCREPANCY or sample.resolved:
        raise DomainError("Only an open discrepancy can be resolved.")
    if not resolution.strip():
        raise DomainError("Say how the discrepancy was resolved.", field="resolution")
    sample.resolved = True
    sample.resolution = resolution.strip()
    save_tracked(sample, actor=actor, reason="Sampling discrepancy resolved", update_fields=["resolved", "resolution"])
    claim = CertificateClaim.objects.get(pk=sample.claim_id)
    if claim.state == CS.BLOCKED:
        claim_unblock(actor=actor, claim=claim, reason=f"Sampling discrepancy resolved: {resolution.strip()}")
    return sample


def qn_breach_key(sample: SampledClaim) -> str:
    """The key certification.breaches gives a QN discrepancy, so the investigations register offers it once."""
    return f"certification.qn_discrepancy:{sample.pk}"


@transaction.atomic
def sample_open_investigation(*, actor, sample: SampledClaim, investigator, summary: str = "",
                              reason: str = "Quality nominee sampling discrepancy referred for investigation"):
    """Open an investigation (audit app) into a sampling discrepancy: an inaccurate claim is maladministration
    in Pearson's eyes. The investigator must be independent of the programme (audit.services rule)."""
    from audit.models import Investigation
    from audit.services import investigation_open

    sample = SampledClaim.objects.select_related("claim__registration__learner", "claim__registration__programme", "round").get(pk=sample.pk)
    if sample.outcome != SampledClaim.Outcome.DISCREPANCY:
        raise DomainError("Only a sampling discrepancy is referred for investigation from here.")
    reg = sample.claim.registration
    summary = (summary or "").strip() or (
        f"Quality nominee sampling ({sample.round}) found a discrepancy in {reg.learner}'s claim for {reg.programme}: {sample.notes}")
    return investigation_open(
        actor=actor, kind=Investigation.Kind.INACCURATE_CLAIM, summary=summary, investigator=investigator,
        learner=reg.learner, programme=reg.programme, obj=sample, breach_key=qn_breach_key(sample), reason=reason,
    )


@transaction.atomic
def round_finish(*, actor, round: SamplingRound, reason: str = "Sampling round finished") -> SamplingRound:
    rnd = SamplingRound.objects.select_for_update().get(pk=round.pk)
    if not actor.has_perm("certification.record_sample_outcome"):
        raise DomainError("Only the quality nominee finishes a sampling round.")
    if rnd.state != SamplingRound.State.OPEN:
        raise DomainError("This round is already finished.")
    pending = rnd.samples.filter(outcome=SampledClaim.Outcome.PENDING).count()
    if pending:
        raise DomainError(f"{pending} sampled claim(s) have no outcome yet.")
    rnd.state = SamplingRound.State.FINISHED
    rnd.finished_at = timezone.now()
    save_tracked(rnd, actor=actor, reason=reason, update_fields=["state", "finished_at"])
    return rnd


# ---------------------------------------------------------------------------------------------
# Certificates received
# ---------------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(str(text or "").upper().replace(",", " ").split())


def certificate_differences(cert: Certificate, claim: CertificateClaim, records_best: dict | None = None, *,
                            claim_units: list | None = None, external_numbers: set | None = None) -> list[dict]:
    """Field-by-field differences between a certificate and its claim and assessment records.

    `claim_units` (with `unit` loaded) and `external_numbers` may be passed in by a bulk caller so that
    checking costs no query; otherwise they are read from the database."""
    reg = claim.registration
    learner = reg.learner
    qualification = reg.programme.qualification
    diffs = []
    expected_name = _norm(f"{learner.legal_first_name} {learner.legal_last_name}")
    if _norm(cert.name_printed) != expected_name:
        diffs.append({"field": "name", "certificate": cert.name_printed, "expected": expected_name})
    if cert.date_of_birth and cert.date_of_birth != learner.date_of_birth:
        diffs.append({"field": "date of birth", "certificate": f"{cert.date_of_birth:%d/%m/%Y}", "expected": f"{learner.date_of_birth:%d/%m/%Y}"})
    printed = _norm(cert.qualification)
    expected_q = claim.fallback_qualification if claim.kind == CertificateClaim.Kind.FALLBACK else None
    if expected_q:
        if printed != _norm(expected_q):
            diffs.append({"field": "qualification", "certificate": cert.qualification, "expected": expected_q})
    elif printed not in (_norm(qualification.qan), _norm(qualification.title), _norm(str(qualification))):
        diffs.append({"field": "qualification", "certificate": cert.qualification, "expected": f"{qualification.qan} {qualification.title}"})
    if claim_units is None:
        claim_units = list(claim.units.select_related("unit"))
    claim_units = {cu.unit.number: cu for cu in claim_units}
    if claim.kind == CertificateClaim.Kind.FULL:
        if cert.grade and cert.grade not in qualification.grades:
            diffs.append({"field": "grade", "certificate": cert.grade, "expected": "one of " + ", ".join(qualification.grades)})
        elif cert.grade == "U" and claim_units and all(cu.grade in G.PASSING for cu in claim_units.values()):
            diffs.append({"field": "grade", "certificate": cert.grade, "expected": "a pass grade: every claimed unit was passed"})
        elif not cert.grade:
            diffs.append({"field": "grade", "certificate": "(none)", "expected": "the qualification grade"})
    printed_units = {str(u.get("number", "")).strip(): str(u.get("grade", "")).strip().upper() for u in (cert.units or [])}
    for number, cu in claim_units.items():
        if number not in printed_units:
            diffs.append({"field": f"unit {number}", "certificate": "missing", "expected": cu.grade})
        elif printed_units[number] != cu.grade:
            diffs.append({"field": f"unit {number}", "certificate": printed_units[number], "expected": cu.grade})
        best = (records_best or {}).get(cu.unit_id, "unknown")
        if records_best is not None and best != "unknown" and (best is None or best.grade != cu.grade):
            diffs.append({"field": f"unit {number} record", "certificate": printed_units.get(number, "missing"),
                          "expected": f"assessment record now {best.grade if best else 'not verified'} (claimed {cu.grade})"})
    if external_numbers is None:
        external_numbers = {u.number for u in qualification.units.all() if u.is_external}
    for number, grade in printed_units.items():
        if number not in claim_units and number not in external_numbers:
            diffs.append({"field": f"unit {number}", "certificate": grade, "expected": "not claimed"})
    return diffs


def _checked_ok(claim: CertificateClaim, cert: Certificate, *, actor, reason: str) -> None:
    _move_claim(claim, CS.CHECKED_OK)
    save_tracked(claim, actor=actor, reason=reason, update_fields=["state"])
    reg = claim.registration
    if claim.kind != CertificateClaim.Kind.INTERIM and reg.state == Registration.State.REGISTERED:
        registration_certificate(actor=actor, registration=reg, certificated_on=cert.received_on,
                                 reason=f"Certificate {cert.number} received and checked: the retention clock starts")


def claim_for_certificate(registration: Registration) -> CertificateClaim | None:
    return (CertificateClaim.objects.filter(registration=registration, state__in=[CS.SUBMITTED, CS.REPLACEMENT_REQUESTED])
            .order_by("-created_at").first())


@dataclass
class CertificateIn:
    """One certificate as Pearson printed it, to be logged against `claim_id`."""

    claim_id: int
    number: str
    name_printed: str
    qualification: str
    received_on: date
    grade: str = ""
    units: list = field(default_factory=list)
    date_of_birth: date | None = None
    reason: str = "Certificate received from Pearson"


def _certificate_refusal(item: CertificateIn, claim: CertificateClaim | None, today: date) -> DomainError | None:
    if claim is None:
        return DomainError("There is no such claim.", field="claim")
    if not item.number:
        return DomainError("Enter the certificate number.", field="number")
    if len(item.number) > 40:
        return DomainError("A certificate number has at most 40 characters.", field="number")
    if not (item.name_printed or "").strip():
        return DomainError("Enter the learner's name as printed.", field="name_printed")
    if len(item.name_printed.strip()) > 120 or len((item.qualification or "").strip()) > 200 or len((item.grade or "").strip()) > 10:
        return DomainError("The name (120 characters), qualification (200) or grade (10) is too long.", field="name_printed")
    if item.received_on is None or item.received_on > today:
        return DomainError("The date received cannot be in the future.", field="received_on")
    if claim.state not in (CS.SUBMITTED, CS.REPLACEMENT_REQUESTED):
        return DomainError(f"The claim is {claim.get_state_display().lower()}: a certificate is expected only for a "
                           "submitted claim or a requested replacement.", field="claim")
    return None


@transaction.atomic
def certificates_receive_many(*, actor, items: list[CertificateIn]) -> list[Certificate]:
    """Log certificates against their claims and check each at once against the claim and the assessment
    records (differences listed field by field); the claim moves to *checked, ready to issue* or to
    *discrepancy*, and a checked full or fallback certificate certificates the registration (the date
    that starts the retention clock). All or nothing: the first refusal names the certificate and
    nothing is saved. A fixed number of queries whatever the number of certificates."""

    if not items:
        return []
    today = timezone.localdate()
    for item in items:
        item.number = (item.number or "").strip()
    claims = {c.pk: c for c in CertificateClaim.objects.select_for_update().filter(pk__in={i.claim_id for i in items})
              .select_related("registration__learner", "registration__programme__qualification__suite")}
    numbers = [i.number for i in items]
    taken = set(Certificate.objects.filter(number__in=numbers).values_list("number", flat=True))
    seen_numbers, seen_claims = set(), set()
    for item in items:
        claim = claims.get(item.claim_id)
        refusal = _certificate_refusal(item, claim, today)
        if refusal is None and (item.number in taken or item.number in seen_numbers):
            refusal = DomainError(f"Certificate {item.number} is already logged.", field="number")
        if refusal is None and item.claim_id in seen_claims:
            refusal = DomainError(f"A second certificate for {claim.registration.learner}'s claim.", field="claim")
        if refusal is not None:
            if len(items) > 1:
                refusal = DomainError(f"Certificate {item.number or '(no number)'}: {refusal.message}", field=refusal.field)
            raise refusal
        seen_numbers.add(item.number)
        seen_claims.add(item.claim_id)

    # Everything the checks need, in a handful of queries.
    claim_units = defaultdict(list)
    for cu in ClaimUnit.objects.filter(claim_id__in=list(claims)).select_related("unit"):
        claim_units[cu.claim_id].append(cu)
    external = defaultdict(set)
    qualification_ids = {c.registration.programme.qualification_id for c in claims.values()}
    for qid, number in Unit.objects.filter(qualification_id__in=qualification_ids, assessment=Unit.Assessment.EXTERNAL).values_list("qualification_id", "number"):
        external[qid].add(number)
    records = defaultdict(lambda: defaultdict(list))
    for r in AssessmentRecord.objects.filter(registration_id__in={c.registration_id for c in claims.values()}).order_by():
        records[r.registration_id][r.unit_id].append(r)
    replaced = {}
    replacing = [c.pk for c in claims.values() if c.state == CS.REPLACEMENT_REQUESTED]
    if replacing:
        for old in Certificate.objects.filter(claim_id__in=replacing, superseded=False).order_by("created_at"):
            replaced[old.claim_id] = old

    certs, superseded = [], []
    received, checked, discrepant, certificated = [], [], [], {}
    now = timezone.now()
    for item in items:
        claim = claims[item.claim_id]
        units = claim_units[claim.pk]
        by_unit = records[claim.registration_id]
        best = {cu.unit_id: G.best_verified(by_unit.get(cu.unit_id, [])) for cu in units}
        cert = Certificate(
            claim=claim, number=item.number, name_printed=item.name_printed.strip(), date_of_birth=item.date_of_birth,
            qualification=(item.qualification or "").strip(), grade=(item.grade or "").strip().upper(),
            units=item.units or [], received_on=item.received_on, checked_on=item.received_on, checked_by=actor,
        )
        cert._change_reason = f"{item.reason}; checked on receipt against the claim and records"
        cert.differences = certificate_differences(
            cert, claim, best, claim_units=units, external_numbers=external[claim.registration.programme.qualification_id])
        certs.append(cert)
        if claim.pk in replaced:
            replaced[claim.pk].superseded = True
            superseded.append(replaced[claim.pk])
        _move_claim(claim, CS.CERTIFICATE_RECEIVED)
        claim.updated_at = now
        claim._change_reason = f"{item.reason}: certificate {item.number}"
        received.append(claim)
    reason = "Certificate received from Pearson"
    certs = bulk_create_tracked(Certificate, certs, actor=actor, reason=reason)
    bulk_save_tracked(Certificate, superseded, ["superseded"], actor=actor, reason="Replaced by the new certificate from Pearson")
    bulk_save_tracked(CertificateClaim, received, ["state", "updated_at"], actor=actor, reason=reason)
    for cert in certs:
        claim = claims[cert.claim_id]
        claim._change_reason = None  # the next history row carries the check's own reason
        if cert.differences:
            _move_claim(claim, CS.DISCREPANCY)
            discrepant.append(claim)
        else:
            _move_claim(claim, CS.CHECKED_OK)
            checked.append(claim)
            reg = claim.registration
            if claim.kind != CertificateClaim.Kind.INTERIM and reg.state == Registration.State.REGISTERED:
                certificated[reg.pk] = cert.received_on
    bulk_save_tracked(CertificateClaim, discrepant, ["state"], actor=actor, reason="Certificate does not match the claim and records")
    bulk_save_tracked(CertificateClaim, checked, ["state"], actor=actor, reason="Certificate checked against the claim and records")
    # The date each registration is certificated on is its certificate's date received.
    registrations_certificate_many(actor=actor, certificated_on=certificated,
                                   reason="Certificate received and checked: the retention clock starts")
    return certs


def certificate_receive(
    *, actor, claim: CertificateClaim, number: str, name_printed: str, qualification: str, grade: str = "",
    units: list | None = None, received_on: date, date_of_birth: date | None = None,
    reason: str = "Certificate received from Pearson",
) -> Certificate:
    """Log one certificate against its claim and check it at once (see `certificates_receive_many`)."""
    return certificates_receive_many(actor=actor, items=[CertificateIn(
        claim_id=claim.pk, number=number, name_printed=name_printed, qualification=qualification, grade=grade,
        units=units or [], received_on=received_on, date_of_birth=date_of_birth, reason=reason)])[0]


def _lock_cert(cert: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().select_related("claim").get(pk=cert.pk)


@transaction.atomic
def certificate_ask_lead(*, actor, certificate: Certificate, reason: str = "Discrepancy sent to the subject lead to confirm") -> Certificate:
    cert = _lock_cert(certificate)
    if cert.claim.state != CS.DISCREPANCY:
        raise DomainError("Only a certificate with a discrepancy is sent to the subject lead.")
    cert.lead_asked_on = timezone.localdate()
    save_tracked(cert, actor=actor, reason=reason, update_fields=["lead_asked_on"])
    return cert


@transaction.atomic
def certificate_lead_response(*, actor, certificate: Certificate, response: str) -> Certificate:
    cert = _lock_cert(certificate)
    if not cert.lead_asked_on:
        raise DomainError("The exams officer has not asked for a cross-check on this certificate.")
    if not cert.claim.registration.programme.subject_leads.filter(pk=actor.pk).exists() and not actor.is_superuser:
        raise DomainError("Only a subject lead of this programme answers the cross-check.")
    if not response.strip():
        raise DomainError("Write your answer.", field="response")
    cert.lead_response = response.strip()
    save_tracked(cert, actor=actor, reason="Subject lead answered the certificate cross-check", update_fields=["lead_response"])
    return cert


@transaction.atomic
def certificate_request_replacement(*, actor, certificate: Certificate, reason: str) -> Certificate:
    cert = _lock_cert(certificate)
    claim = _lock_claim(cert.claim)
    _move_claim(claim, CS.REPLACEMENT_REQUESTED)
    save_tracked(claim, actor=actor, reason=reason, update_fields=["state"])
    cert.replacement_requested_on = timezone.localdate()
    save_tracked(cert, actor=actor, reason=reason, update_fields=["replacement_requested_on"])
    return cert


@transaction.atomic
def certificate_accept(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """Accept a flagged certificate as correct: only after the subject lead has confirmed it."""
    cert = _lock_cert(certificate)
    claim = _lock_claim(cert.claim)
    if claim.state != CS.DISCREPANCY:
        raise DomainError("Only a certificate with a discrepancy needs accepting.")
    if not cert.lead_response:
        raise DomainError("The subject lead must confirm the certificate before a discrepancy is accepted.")
    _checked_ok(claim, cert, actor=actor, reason=f"Discrepancy accepted after the subject lead's confirmation: {reason}")
    return cert


@transaction.atomic
def certificate_issue(*, actor, certificate: Certificate, issued_on: date, method: str, reason: str = "Certificate issued to the learner") -> Certificate:
    cert = _lock_cert(certificate)
    claim = _lock_claim(cert.claim)
    if cert.superseded:
        raise DomainError("This certificate was replaced: issue the replacement.")
    if claim.state not in (CS.CHECKED_OK, CS.UNCLAIMED):
        raise DomainError("Only a certificate that has been checked and found correct can be issued.")
    if method not in Certificate.IssueMethod.values:
        raise DomainError("Say how the certificate was issued (collected, posted or signed for).", field="method")
    if issued_on < cert.received_on:
        raise DomainError("A certificate cannot be issued before it was received.", field="issued_on")
    if issued_on > timezone.localdate():
        raise DomainError("The issue date cannot be in the future.", field="issued_on")
    _move_claim(claim, CS.ISSUED)
    save_tracked(claim, actor=actor, reason=reason, update_fields=["state"])
    cert.issued_on = issued_on
    cert.issue_method = method
    save_tracked(cert, actor=actor, reason=reason, update_fields=["issued_on", "issue_method"])
    return cert


def unclaimed_due(on: date):
    """Checked certificates not issued within 12 months of receipt."""
    from datetime import timedelta

    return Certificate.objects.filter(claim__state=CS.CHECKED_OK, superseded=False,
                                      received_on__lte=on - timedelta(days=UNCLAIMED_AFTER_DAYS))


@transaction.atomic
def certificates_mark_unclaimed(*, actor, on: date | None = None, reason: str = "Not collected within 12 months") -> int:
    on = on or timezone.localdate()
    n = 0
    for cert in unclaimed_due(on).select_related("claim"):
        claim = _lock_claim(cert.claim)
        _move_claim(claim, CS.UNCLAIMED)
        save_tracked(claim, actor=actor, reason=reason, update_fields=["state"])
        cert.unclaimed_on = on
        save_tracked(cert, actor=actor, reason=reason, update_fields=["unclaimed_on"])
        n += 1
    return n


@transaction.atomic
def certificate_destroy(*, actor, certificate: Certificate, destroyed_on: date, reason: str) -> Certificate:
    cert = _lock_cert(certificate)
    claim = _lock_claim(cert.claim)
    if not (reason or "").strip():
        raise DomainError("Say why and how the certificate was destroyed.", field="reason")
    if claim.state != CS.UNCLAIMED or cert.superseded:
        raise DomainError("Only a certificate on the unclaimed register (not collected within 12 months) is destroyed.")
    if destroyed_on < (cert.unclaimed_on or cert.received_on) or destroyed_on > timezone.localdate():
        raise DomainError("The destruction date must be on or after the certificate went on the unclaimed register, "
                          "and not in the future.", field="destroyed_on")
    _move_claim(claim, CS.DESTROYED)
    save_tracked(claim, actor=actor, reason=reason, update_fields=["state"])
    cert.destroyed_on = destroyed_on
    cert.destroy_reason = reason.strip()
    save_tracked(cert, actor=actor, reason=reason, update_fields=["destroyed_on", "destroy_reason"])
    return cert
