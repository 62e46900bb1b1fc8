"""Demo data for certification (called by `seed_demo` after the foundation data; safe to run twice).

On the centre's programme with the most learners who pass every claim gate today, through the
services and dated over the last few weeks:

* full claims: batched, sampled by the quality nominee (one planted discrepancy, found, resolved),
  submitted; one drafted but not ready (a unit awaiting internal verification); one ready, not batched;
* an interim (unit certificate) claim for a learner who withdrew with a verified unit;
* certificates received: one issued, one checked and ready to issue, one with a misspelt name sent to
  the subject lead and replaced, one with a wrong unit grade still open; a Pearson form query.
"""

from datetime import timedelta

from django.utils import timezone

from core.exceptions import DomainError

from . import gates as G
from . import services
from .models import CertificateClaim

DEMO_BATCH = "Demo: summer claims"
DEMO_SEED = 68199
MAX_FULL = 8


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(f"certification demo: {text}")


def _timing_reason(kind, registration, on) -> str:
    timing, _deadline = G.timing_for(kind, registration, on)
    if timing == CertificateClaim.Timing.EARLY:
        return "Every unit completed and internally verified early; the learner's progression offer needs the result."
    if timing == CertificateClaim.Timing.LATE:
        return "Moderation of the final unit was delayed by staff absence."
    return ""


def _claim(actor, registration, kind, on, reason="Demo: claim started from the readiness page"):
    return services.claim_create(actor=actor, registration=registration, kind=kind, on=on, reason=reason,
                                 timing_reason=_timing_reason(kind, registration, on))


def _printed(claim, **over) -> dict:
    """The certificate Pearson would print for this claim (correct unless `over` says otherwise)."""
    reg = claim.registration
    learner = reg.learner
    qualification = reg.programme.qualification
    units = [{"number": cu.unit.number, "grade": cu.grade} for cu in claim.units.select_related("unit")]
    units += [{"number": u.number, "grade": "P"} for u in qualification.units.filter(assessment="external")]
    data = {
        "number": f"DEMO{claim.pk:06d}", "name_printed": f"{learner.legal_first_name} {learner.legal_last_name}".upper(),
        "qualification": qualification.qan, "grade": "M" if "M" in qualification.grades else qualification.grades[-1],
        "units": units, "date_of_birth": learner.date_of_birth,
    }
    data.update(over)
    return data


def _candidates(centre, today):
    """(programme, learners passing every full-claim gate, withdrawn learners) for the best programme."""
    from registrations.models import Programme, Registration

    best = None
    for programme in Programme.objects.filter(centre=centre).select_related("qualification__suite"):
        if programme.qualification.suite.terminal_rule:
            continue  # Tech Awards also need the external component's series: leave them to entries
        ready = []
        for reg in programme.registrations.filter(state=Registration.State.REGISTERED).select_related("learner").order_by("pk"):
            if services.readiness(reg, kind="full", on=today).ok:
                ready.append(reg)
        if best is None or len(ready) > len(best[1]):
            withdrawn = list(programme.registrations.filter(state=Registration.State.WITHDRAWN).order_by("pk"))
            best = (programme, ready, withdrawn)
    return best


def seed_demo_data(*, centre, users, stdout=None) -> None:
    from core.management.commands.seed_demo import at

    if CertificateClaim.objects.filter(registration__programme__centre=centre).exists():
        _say(stdout, "already seeded")
        return
    eo, qn = users.get("exams_officer"), users.get("quality_nominee")
    assessors = list(users.get("assessors") or [])
    if eo is None or qn is None:
        _say(stdout, "no exams officer or quality nominee; skipped")
        return
    today = timezone.localdate()
    found = _candidates(centre, today)
    if found is None or len(found[1]) < 3:
        _say(stdout, "fewer than 3 learners pass every claim gate; skipped")
        return
    programme, ready, withdrawn = found
    lead = programme.subject_leads.order_by("pk").first() or eo
    day = {n: today - timedelta(days=n) for n in (40, 38, 36, 34, 32, 30, 12, 8, 5, 3, 1)}
    full, spare = ready[:MAX_FULL], ready[MAX_FULL:]

    # Claims made six weeks ago from the readiness page, every gate checked.
    with at(day[40]):
        claims = [services.claim_mark_ready(actor=eo, claim=_claim(eo, reg, "full", day[40])) for reg in full]
        batched = claims[:-1]  # the last stays ready, outside the batch
        batch = services.batch_create(actor=eo, name=DEMO_BATCH, claims=batched, reason="Demo: ready claims batched for Pearson")

    # The quality nominee samples the batch; one planted discrepancy: a unit record regraded after the claim.
    with at(day[38]):
        rnd = services.round_open(actor=qn, name="Demo: summer claims sample", batch=batch, percentage=50,
                                  min_per_programme=1, min_per_assessor=1, seed=DEMO_SEED)
        planted = rnd.samples.order_by("pk").first().claim
    with at(day[36]):
        record = planted.units.order_by("unit__number").first().record
        services.assessment_record_change(actor=lead, record=record, changes={"grade": "P"},
                                          reason="Demo: assessor regraded after standardisation")
    with at(day[34]):
        for sample in rnd.samples.select_related("claim"):
            if sample.claim_id == planted.pk:
                services.sample_record_outcome(
                    actor=qn, sample=sample, outcome="discrepancy",
                    notes=f"Unit {record.unit.number}: claimed {planted.units.get(record=record).grade} but the assessment "
                          "record now says P and is not verified.")
            else:
                services.sample_record_outcome(actor=qn, sample=sample, outcome="agreed", notes="Evidence and IV records match the claim.")
    with at(day[32]):
        # Resolved: the regrade was a mistake; restored and verified again by someone other than the assessor.
        verifier = next((u for u in [lead, *assessors] if u.pk != record.assessor_id), None)
        services.assessment_record_change(actor=lead, record=record, changes={"grade": planted.units.get(record=record).grade},
                                          reason="Demo: standardisation regrade withdrawn; original decision restored")
        services.assessment_record_verify(actor=lead, record=record, internal_verifier=verifier, iv_date=day[32],
                                          outcome="agreed", notes="Original decision re-verified", reason="Demo: re-verified")
        # the regrade sent the claim back to draft: every gate is checked again before it goes
        services.claim_mark_ready(actor=eo, claim=planted, reason="Demo: gates checked again after the record was restored")
        sample = rnd.samples.get(claim=planted)
        services.sample_resolve(actor=qn, sample=sample, resolution="Regrade withdrawn; record restored and re-verified.")
        services.round_finish(actor=qn, round=rnd)
    with at(day[30]):
        services.batch_submit(actor=eo, batch=batch, submitted_on=day[30])

    claims = [CertificateClaim.objects.get(pk=c.pk) for c in batched]
    counts = {"issued": 0, "ready to issue": 0, "replaced": 0, "discrepancy": 0, "form query": 0}
    try:
        with at(day[12]):
            cert = services.certificate_receive(actor=eo, claim=claims[0], received_on=day[12], **_printed(claims[0]))
        with at(day[3]):
            services.certificate_issue(actor=eo, certificate=cert, issued_on=day[3], method="collected")
            counts["issued"] += 1
        if len(claims) > 1:
            with at(day[12]):
                services.certificate_receive(actor=eo, claim=claims[1], received_on=day[12], **_printed(claims[1]))
                counts["ready to issue"] += 1
        if len(claims) > 2:
            c = claims[2]
            with at(day[12]):
                wrong = services.certificate_receive(actor=eo, claim=c, received_on=day[12],
                                                     **_printed(c, name_printed=_printed(c)["name_printed"][::-1]))
                services.certificate_ask_lead(actor=eo, certificate=wrong)
            with at(day[8]):
                services.certificate_lead_response(actor=lead, certificate=wrong, response="The name is misprinted; our records are right.")
                services.certificate_request_replacement(actor=eo, certificate=wrong, reason="Demo: learner's name misprinted")
            with at(day[1]):
                number = _printed(c)["number"] + "R"
                services.certificate_receive(actor=eo, claim=c, received_on=day[1], **_printed(c, number=number))
                counts["replaced"] += 1
        if len(claims) > 3:
            c = claims[3]
            units = _printed(c)["units"]
            units[0] = {**units[0], "grade": "D" if units[0]["grade"] != "D" else "P"}
            with at(day[5]):
                services.certificate_receive(actor=eo, claim=c, received_on=day[5], **_printed(c, units=units))
                counts["discrepancy"] += 1
        if len(claims) > 4:
            with at(day[8]):
                services.claim_move(actor=eo, claim=claims[4], to_state="form_query",
                                    reason="Demo: Pearson queried the learner's date of birth")
                counts["form query"] += 1
    except DomainError as exc:
        _say(stdout, f"stopped at certificates: {exc.message}")

    # One more learner drafted but not ready (a unit assessed, not yet verified), and an interim claim.
    extra = []
    if spare and assessors:
        reg = spare[0]
        unit = next((u for u in programme.qualification.units.filter(assessment="internal").order_by("number")
                     if not reg.assessment_records.filter(unit=u).exists()), None)
        with at(day[5]):
            if unit is not None:
                services.assessment_record_create(actor=lead, registration=reg, unit=unit, grade="M", assessor=assessors[0],
                                                  date_assessed=day[5], reason="Demo: assignment assessed")
            _claim(eo, reg, "full", day[5])
        failing = [f"gate {g.number}" for g in services.readiness(reg, kind="full", on=today).failing]
        extra.append(f"a draft claim ({', '.join(failing) or 'every gate passes'})")
    if withdrawn and assessors:
        reg = withdrawn[0]
        unit = programme.qualification.units.filter(assessment="internal").order_by("number").first()
        assessed = reg.registered_on + timedelta(days=35)
        verified = assessed + timedelta(days=7)
        if unit is not None and verified < today and (reg.withdrawn_on is None or assessed <= reg.withdrawn_on):
            try:
                if not reg.assessment_records.filter(unit=unit).exists():
                    with at(assessed):
                        rec = services.assessment_record_create(actor=lead, registration=reg, unit=unit, grade="P",
                                                                assessor=assessors[0], date_assessed=assessed,
                                                                reason="Demo: assignment assessed before the learner left")
                    with at(verified):
                        services.assessment_record_verify(actor=lead, record=rec, internal_verifier=lead if lead.pk != assessors[0].pk else eo,
                                                          iv_date=verified, outcome="agreed", reason="Demo: internally verified")
                with at(day[5]):
                    services.claim_mark_ready(actor=eo, claim=_claim(eo, reg, "interim", day[5],
                                                                     reason="Demo: unit certificate for a learner who withdrew"))
                extra.append("interim claim (ready)")
            except DomainError as exc:
                _say(stdout, f"interim claim skipped: {exc.message}")
    _say(stdout, f"{len(full)} full claims on {programme} ({len(batched)} in batch “{DEMO_BATCH}”, 1 ready outside it), "
                 f"sampling round seed {DEMO_SEED} with a resolved discrepancy; certificates: "
                 + ", ".join(f"{n} {k}" for k, n in counts.items()) + ("; " + "; ".join(extra) if extra else ""))
