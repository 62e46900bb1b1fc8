"""Writing to the audit trail, and the investigations workflow."""

from datetime import date

from django.db import models, transaction
from django.utils import timezone

from core.exceptions import DomainError
from core.history import save_tracked
from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, has_role

from .models import AuditEvent, Investigation, InvestigationEvidence


def record(actor, action: str, obj: models.Model | None = None, data: dict | None = None, *, request=None) -> AuditEvent:
    """Record an event that changes no domain row but matters (a login, an export, a download)."""
    ip = None
    if request is not None:
        ip = request.META.get("REMOTE_ADDR")
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        action=action,
        actor=user,
        actor_username=getattr(user, "username", "") or (data or {}).get("username", ""),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
        ip_address=ip,
    )


# Helpers other apps call for actions that change no row. Action codes: "<app>.<thing>.<verb>".


def record_import(actor, app_thing: str, *, filename: str, rows: int, obj=None, request=None, **data) -> AuditEvent:
    """A file was imported (`app_thing` like "learners.mis"): file name and row count, never the contents."""
    return record(actor, f"{app_thing}.imported", obj, {"filename": filename[:200], "rows": rows, **data}, request=request)


def record_export(actor, app_thing: str, *, filename: str, rows: int | None = None, obj=None, request=None, **data) -> AuditEvent:
    """A spreadsheet/CSV left the system."""
    return record(actor, f"{app_thing}.exported", obj, {"filename": filename[:200], "rows": rows, **data}, request=request)


def record_download(actor, app_thing: str, *, filename: str, obj=None, request=None, **data) -> AuditEvent:
    """A document (PDF report, statement, evidence file) was downloaded."""
    return record(actor, f"{app_thing}.downloaded", obj, {"filename": filename[:200], **data}, request=request)


def record_purge(actor, *, reference: str, learners: int, rows: int, request=None) -> AuditEvent:
    """A retention purge ran (counts only)."""
    return record(actor, "audit.retention.purged", None, {"purge": reference, "learners": learners, "rows": rows}, request=request)


# --- Investigations ------------------------------------------------------------------------------

S = Investigation.State
INVESTIGATION_TRANSITIONS: dict[str, set[str]] = {
    S.OPEN: {S.GATHERING_EVIDENCE},
    S.GATHERING_EVIDENCE: {S.CONCLUDED},
    S.CONCLUDED: {S.REPORTED_TO_SENIOR_LEADERS},
    S.REPORTED_TO_SENIOR_LEADERS: {S.REPORTED_TO_PEARSON, S.CLOSED},  # closed directly only for "no case"
    S.REPORTED_TO_PEARSON: {S.CLOSED},
    S.CLOSED: set(),
}


def _runner(actor) -> None:
    if not (actor.is_superuser or has_role(actor, EXAMS_OFFICER, QUALITY_NOMINEE)):
        raise DomainError("Only the exams officer or the quality nominee runs investigations.")


def _move(investigation: Investigation, to: str) -> None:
    if to not in INVESTIGATION_TRANSITIONS[investigation.state]:
        raise DomainError(
            f"An investigation that is “{investigation.get_state_display()}” cannot move to “{S(to).label}”.",
            field="state",
        )
    investigation.state = to


def _programmes_concerned(learner, programme) -> list:
    from registrations.models import Programme

    ids = set()
    if programme is not None:
        ids.add(programme.pk)
    if learner is not None:
        ids.update(learner.registrations.values_list("programme_id", flat=True))
    return list(Programme.objects.filter(pk__in=ids))


def check_independent(investigator, learner, programme) -> None:
    """DOMAIN: the investigator is unconnected to the department (not a subject lead of the programme concerned)."""
    if investigator is None or not investigator.is_active:
        raise DomainError("Choose an active member of staff as investigator.", field="investigator")
    for prog in _programmes_concerned(learner, programme):
        if prog.subject_leads.filter(pk=investigator.pk).exists():
            raise DomainError(
                f"{investigator.get_full_name() or investigator.username} leads {prog}: the investigator must be "
                "independent of the department concerned.",
                field="investigator",
            )


def _registration_of(obj):
    """The registration behind a record concerned (a claim, certificate, sample or assessment record), if any:
    so the investigation is linked to the learner and the independence rule sees the programme."""
    for path in ("registration", "claim.registration"):
        target = obj
        for attr in path.split("."):
            target = getattr(target, attr, None)
            if target is None:
                break
        if target is not None:
            return target
    return None


def _next_reference(today: date) -> str:
    prefix = f"INV-{today:%Y}-"
    last = Investigation.objects.filter(reference__startswith=prefix).order_by("-reference").values_list("reference", flat=True).first()
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:03d}"


@transaction.atomic
def investigation_open(
    *, actor, kind: str, summary: str, investigator, learner=None, programme=None, obj: models.Model | None = None,
    breach_key: str = "", reason: str,
) -> Investigation:
    _runner(actor)
    if kind not in Investigation.Kind.values:
        raise DomainError("Choose what kind of case this is.", field="kind")
    if not (summary or "").strip():
        raise DomainError("Say what is suspected.", field="summary")
    if breach_key and Investigation.objects.filter(breach_key=breach_key).exists():
        raise DomainError("An investigation into this breach is already open.", field="breach_key")
    if obj is not None:
        registration = _registration_of(obj)
        if learner is None:
            learner = getattr(obj, "learner", None) or getattr(registration, "learner", None)
        if programme is None:
            programme = getattr(obj, "programme", None) or getattr(registration, "programme", None)
    check_independent(investigator, learner, programme)
    today = timezone.localdate()
    investigation = Investigation(
        reference=_next_reference(today), kind=kind, summary=summary.strip(), investigator=investigator,
        learner=learner, programme=programme, breach_key=breach_key, opened_by=actor, opened_on=today,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
    )
    save_tracked(investigation, actor=actor, reason=reason)
    return investigation


def _locked(investigation_id) -> Investigation:
    return Investigation.objects.select_for_update().get(pk=investigation_id)


@transaction.atomic
def investigation_start_evidence(*, actor, investigation: Investigation, reason: str) -> Investigation:
    _runner(actor)
    inv = _locked(investigation.pk)
    _move(inv, S.GATHERING_EVIDENCE)
    save_tracked(inv, actor=actor, reason=reason, update_fields=["state"])
    return inv


@transaction.atomic
def investigation_add_evidence(
    *, actor, investigation: Investigation, note: str = "", file_name: str = "", file_type: str = "", file_data: bytes | None = None,
) -> InvestigationEvidence:
    _runner(actor)
    inv = _locked(investigation.pk)
    if inv.state not in (S.OPEN, S.GATHERING_EVIDENCE):
        raise DomainError("Evidence is added before the investigation is concluded.")
    if not (note or "").strip() and not file_data:
        raise DomainError("Write a note or attach a file.", field="note")
    if file_data is not None and len(file_data) > 10 * 1024 * 1024:
        raise DomainError("Evidence files are limited to 10 MB.", field="file")
    if inv.state == S.OPEN:
        _move(inv, S.GATHERING_EVIDENCE)
        save_tracked(inv, actor=actor, reason="Evidence added", update_fields=["state"])
    evidence = InvestigationEvidence(
        investigation=inv, note=(note or "").strip(), file_name=(file_name or "")[:200], file_type=(file_type or "")[:100],
        file_data=file_data, added_by=actor,
    )
    save_tracked(evidence, actor=actor, reason="Evidence added")
    return evidence


@transaction.atomic
def investigation_conclude(*, actor, investigation: Investigation, outcome: str, conclusion: str, reason: str) -> Investigation:
    _runner(actor)
    inv = _locked(investigation.pk)
    if outcome not in Investigation.Outcome.values:
        raise DomainError("Choose the outcome: no case, maladministration or malpractice.", field="outcome")
    if not (conclusion or "").strip():
        raise DomainError("Write the conclusion and what it rests on.", field="conclusion")
    if not inv.evidence.exists():
        raise DomainError("Record at least one piece of evidence before concluding.")
    _move(inv, S.CONCLUDED)
    inv.outcome, inv.conclusion, inv.concluded_on = outcome, conclusion.strip(), timezone.localdate()
    save_tracked(inv, actor=actor, reason=reason, update_fields=["state", "outcome", "conclusion", "concluded_on"])
    return inv


@transaction.atomic
def investigation_report_to_senior_leaders(*, actor, investigation: Investigation, reason: str) -> Investigation:
    _runner(actor)
    inv = _locked(investigation.pk)
    _move(inv, S.REPORTED_TO_SENIOR_LEADERS)
    inv.reported_to_senior_leaders_on = timezone.localdate()
    save_tracked(inv, actor=actor, reason=reason, update_fields=["state", "reported_to_senior_leaders_on"])
    return inv


@transaction.atomic
def investigation_acknowledge(*, actor, investigation: Investigation, reason: str = "Report read and acknowledged") -> Investigation:
    if not (actor.is_superuser or has_role(actor, SENIOR_LEADER)):
        raise DomainError("Only a senior leader acknowledges an investigation report.")
    inv = _locked(investigation.pk)
    if inv.state == S.OPEN or inv.state == S.GATHERING_EVIDENCE or inv.state == S.CONCLUDED:
        raise DomainError("The report has not yet been sent to senior leaders.")
    if inv.acknowledged_at:
        raise DomainError("This report has already been acknowledged.")
    inv.acknowledged_by, inv.acknowledged_at = actor, timezone.now()
    save_tracked(inv, actor=actor, reason=reason, update_fields=["acknowledged_by", "acknowledged_at"])
    return inv


@transaction.atomic
def investigation_report_to_pearson(
    *, actor, investigation: Investigation, form: str, sent_on: date, pearson_reference: str, reason: str,
) -> Investigation:
    _runner(actor)
    inv = _locked(investigation.pk)
    if not inv.acknowledged_at:
        raise DomainError("A senior leader must acknowledge the report before it goes to Pearson.")
    if inv.outcome == Investigation.Outcome.NO_CASE:
        raise DomainError("There was no case to answer: close the investigation instead of reporting it.")
    expected = "M1" if inv.outcome == Investigation.Outcome.MALPRACTICE else "M2"
    if form != expected:
        raise DomainError(
            f"{inv.get_outcome_display()} is reported on form {expected}, not {form or 'no form'}.", field="pearson_form"
        )
    if sent_on is None or sent_on > timezone.localdate() or sent_on < inv.reported_to_senior_leaders_on:
        raise DomainError("The date sent must be between the report to senior leaders and today.", field="pearson_sent_on")
    _move(inv, S.REPORTED_TO_PEARSON)
    inv.pearson_form, inv.pearson_sent_on, inv.pearson_reference = form, sent_on, (pearson_reference or "").strip()
    save_tracked(inv, actor=actor, reason=reason, update_fields=["state", "pearson_form", "pearson_sent_on", "pearson_reference"])
    return inv


@transaction.atomic
def investigation_record_pearson_reference(*, actor, investigation: Investigation, pearson_reference: str, reason: str) -> Investigation:
    """Pearson's reference often arrives after the form was sent: record it then, so the case can be closed."""
    _runner(actor)
    inv = _locked(investigation.pk)
    if inv.state != S.REPORTED_TO_PEARSON:
        raise DomainError("Pearson's reference is recorded once the report has been sent to Pearson.")
    reference = (pearson_reference or "").strip()
    if not reference:
        raise DomainError("Enter the reference Pearson gave.", field="pearson_reference")
    inv.pearson_reference = reference[:60]
    save_tracked(inv, actor=actor, reason=reason, update_fields=["pearson_reference"])
    return inv


@transaction.atomic
def investigation_close(*, actor, investigation: Investigation, reason: str) -> Investigation:
    _runner(actor)
    inv = _locked(investigation.pk)
    if inv.state == S.REPORTED_TO_SENIOR_LEADERS:
        if inv.outcome != Investigation.Outcome.NO_CASE:
            raise DomainError("Maladministration and malpractice must be reported to Pearson before closing.")
        if not inv.acknowledged_at:
            raise DomainError("A senior leader must acknowledge the report before it is closed.")
    if inv.state == S.REPORTED_TO_PEARSON and not inv.pearson_reference:
        raise DomainError("Record Pearson's reference before closing.", field="pearson_reference")
    _move(inv, S.CLOSED)
    inv.closed_on = timezone.localdate()
    save_tracked(inv, actor=actor, reason=reason, update_fields=["state", "closed_on"])
    return inv
