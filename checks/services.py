"""Every change to check rounds, check lists, discrepancies and statements.

Keyword-only, one transaction each, the row being changed locked, who and why in the history.
"""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from core.exceptions import DomainError
from core.history import bulk_create_tracked, save_tracked
from core.validators import validate_uln
from learners.models import Learner, Sex
from registrations.models import PearsonNotification, Programme, Registration

from .models import LEARNER_FIELDS, CheckLine, CheckRound, CheckVerdict, Discrepancy, ProgrammeCheck, Statement

# Which registrations Pearson holds details of (and so appear on a check list and get a statement).
KNOWN_TO_PEARSON = (Registration.State.REGISTERED, Registration.State.SUBMITTED)
STATEMENT_LINK_DAYS = 60
STATEMENT_LINK_SALT = "checks.statement-link"

V = CheckVerdict.Verdict
D = Discrepancy


class VerdictConflict(DomainError):
    """Somebody else changed the line since the page was loaded."""


# --- what Pearson holds ---------------------------------------------------------------------------


def owed_corrections(learner_ids=None) -> dict[int, dict[str, str]]:
    """What Pearson still holds for learners whose details were corrected here but Pearson has not
    yet been told: learner id → {field: the value Pearson holds, as text}.

    A correction raises a "change of learner details" notification holding [before, after] per
    field; while it is owed, Pearson holds the *before* of the oldest owed correction of that field.
    The owed queue is short, so one query reads it (for every learner when `learner_ids` is None).
    """
    qs = PearsonNotification.objects.filter(kind=PearsonNotification.Kind.LEARNER_DETAILS, sent_at__isnull=True)
    if learner_ids is not None:
        qs = qs.filter(learner_id__in=list(learner_ids))
    held: dict[int, dict[str, str]] = {}
    for learner_id, details in qs.order_by("raised_at", "pk").values_list("learner_id", "details"):
        for field, pair in (details or {}).items():
            if field in LEARNER_FIELDS and isinstance(pair, list | tuple) and len(pair) == 2:
                held.setdefault(learner_id, {}).setdefault(field, str(pair[0] or ""))
    return held


def _held_value(field: str, text: str, current):
    """A value Pearson holds (text from a notification) as the learner field's type."""
    if field == "date_of_birth":
        try:
            return datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            return current
    return text


# --- check rounds ------------------------------------------------------------------------------


@transaction.atomic
def round_open(
    *, actor, name: str, due_date: date, programmes=None, reason: str = "Registration check round opened"
) -> CheckRound:
    """Open a round and snapshot, per programme, what Pearson holds for each learner on it.

    Set-based: one query reads every registration, lines are written with bulk_create (they are
    never changed, so they keep no history rows); the per-programme lists get history rows in bulk.
    """
    if not (name or "").strip():
        raise DomainError("Give the round a name.", field="name")
    if due_date < timezone.localdate():
        raise DomainError("The due date must not be in the past.", field="due_date")
    if programmes is None:
        programmes = Programme.objects.filter(is_active=True)
    programme_ids = sorted({p.pk for p in programmes})
    if not programme_ids:
        raise DomainError("Choose at least one programme.", field="programmes")
    check_round = CheckRound(name=name.strip(), due_date=due_date, opened_by=actor)
    save_tracked(check_round, actor=actor, reason=reason)
    lists = bulk_create_tracked(
        ProgrammeCheck, [ProgrammeCheck(round=check_round, programme_id=pid) for pid in programme_ids],
        actor=actor, reason=reason,
    )
    list_by_programme = {c.programme_id: c.pk for c in lists}
    rows = (
        Registration.objects.filter(programme_id__in=programme_ids, state__in=KNOWN_TO_PEARSON)
        .order_by()
        .values_list(
            "pk", "programme_id", "state", "pearson_registration_number",
            "learner__legal_first_name", "learner__legal_last_name", "learner__date_of_birth", "learner__sex",
            "learner__uln", "programme__qualification__title", "programme__qualification__qan", "learner_id",
        )
        .iterator(chunk_size=5000)
    )
    owed = owed_corrections()  # a correction not yet sent: the line shows what Pearson still holds
    lines = []
    for pk, programme_id, state, number, first, last, dob, sex, uln, title, qan, learner_id in rows:
        values = {"legal_first_name": first, "legal_last_name": last, "date_of_birth": dob, "sex": sex, "uln": uln or ""}
        for field, text in owed.get(learner_id, {}).items():
            values[field] = _held_value(field, text, values[field])
        lines.append(CheckLine(
            check_list_id=list_by_programme[programme_id], registration_id=pk, registration_state=state,
            pearson_registration_number=number, qualification=f"{title} ({qan})", **values,
        ))
    CheckLine.objects.bulk_create(lines, batch_size=2000)
    record(actor, "checks.round.opened", check_round, {"programmes": len(programme_ids), "learners": len(lines)})
    return check_round


# --- the subject lead's check list ---------------------------------------------------------------


def _lock_list(check_list: ProgrammeCheck) -> ProgrammeCheck:
    return ProgrammeCheck.objects.select_for_update().select_related("round", "programme").get(pk=check_list.pk)


def _require_lead(actor, programme: Programme) -> None:
    if actor.is_superuser or programme.subject_leads.filter(pk=actor.pk).exists():
        return
    raise DomainError(f"Only a subject lead of {programme} can work on its check list.")


def _require_open(check_list: ProgrammeCheck) -> None:
    if check_list.signed_off_at is not None:
        who = check_list.signed_off_by.get_full_name() or check_list.signed_off_by.username
        raise DomainError(
            f"This list was signed off by {who} on {timezone.localtime(check_list.signed_off_at):%d/%m/%Y %H:%M}: "
            "it is read-only. Ask the exams officer to reopen it."
        )


def parse_field_value(field: str, value: str):
    """Turn the text a person typed for `field` into the value stored on the learner, or refuse it."""
    value = (value or "").strip()
    label = LEARNER_FIELDS.get(field, "The correct value")
    if not value:
        raise DomainError(f"{label}: enter the correct value.", field="correct_value")
    if field == "date_of_birth":
        try:
            parsed = datetime.strptime(value, "%d/%m/%Y").date()
        except ValueError:
            raise DomainError("Date of birth: enter the date as dd/mm/yyyy, e.g. 07/03/2009.", field="correct_value") from None
        if parsed >= timezone.localdate():
            raise DomainError("Date of birth must be in the past.", field="correct_value")
        return parsed
    if field == "sex":
        upper = value.upper()[:1]
        if upper not in ("M", "F"):
            raise DomainError("Sex: enter M or F (as Pearson records it).", field="correct_value")
        return upper
    if field == "uln":
        try:
            validate_uln(value)
        except ValidationError as exc:
            raise DomainError(f"ULN: {' '.join(exc.messages)}", field="correct_value") from None
        return value
    if field in ("legal_first_name", "legal_last_name") and len(value) > 60:
        raise DomainError(f"{label}: at most 60 characters.", field="correct_value")
    return value


@transaction.atomic
def verdict_record(
    *, actor, line: CheckLine, verdict: str, expected_version: int, field: str = "", correct_value: str = "",
    note: str = "",
) -> CheckVerdict:
    """Record (or change) the subject lead's verdict on one line.

    `expected_version` is the version the lead saw (0 for none yet). If someone else has changed
    the line since, nothing is saved and VerdictConflict says who changed it and to what.
    """
    line = CheckLine.objects.select_for_update().select_related("check_list__programme").get(pk=line.pk)
    check_list = _lock_list(line.check_list)
    _require_lead(actor, check_list.programme)
    _require_open(check_list)
    if verdict not in V.values:
        raise DomainError("Choose correct, incorrect or should not be on this programme.", field="verdict")
    existing = CheckVerdict.objects.select_for_update(of=("self",)).select_related("decided_by").filter(line=line).first()
    current = existing.version if existing else 0
    if expected_version != current:
        if existing is None:
            raise VerdictConflict("This line's verdict was removed since you loaded the page; look again and save.")
        who = existing.decided_by.get_full_name() or existing.decided_by.username
        raise VerdictConflict(
            f"{who} changed the verdict on {line} at {timezone.localtime(existing.decided_at):%H:%M} "
            f"(now: {existing.summary}). Your change was not saved: check it and save again if still needed."
        )
    field = (field or "").strip()
    correct_value = (correct_value or "").strip()
    note = (note or "").strip()[:300]
    if verdict == V.INCORRECT:
        if not field:
            raise DomainError("Say which detail is wrong.", field="field")
        if field in LEARNER_FIELDS:
            parsed = parse_field_value(field, correct_value)
            if field == "sex":
                correct_value = parsed
            if parsed == (getattr(line, field) or None if field == "uln" else getattr(line, field)):
                raise DomainError(
                    f"{LEARNER_FIELDS[field]}: “{correct_value}” is what Pearson already holds.", field="correct_value"
                )
        elif not correct_value:
            raise DomainError("Say what the correct value is.", field="correct_value")
    else:
        field, correct_value = "", ""
    target = existing or CheckVerdict(line=line, version=0)
    target.verdict, target.field, target.correct_value, target.note = verdict, field, correct_value[:200], note
    target.version = current + 1
    target.decided_by = actor
    target.decided_at = timezone.now()
    label = dict(V.choices)[verdict]
    save_tracked(target, actor=actor, reason=f"Check list verdict: {label}" + (f" — {note}" if note else ""))
    return target


@transaction.atomic
def missing_learner_add(
    *, actor, check_list: ProgrammeCheck, first_name: str, last_name: str, date_of_birth: date | None,
    mis_id: str = "", description: str = "",
) -> Discrepancy:
    """A learner who attends the course but is not on the list (submitted at sign-off)."""
    check_list = _lock_list(check_list)
    _require_lead(actor, check_list.programme)
    _require_open(check_list)
    if not (first_name or "").strip() or not (last_name or "").strip():
        raise DomainError("Enter the learner's first and last names.", field="first_name")
    discrepancy = Discrepancy(
        programme=check_list.programme, check_list=check_list, kind=D.Kind.MISSING_LEARNER, state=D.State.DRAFT,
        first_name=first_name.strip(), last_name=last_name.strip(), date_of_birth=date_of_birth,
        mis_id=(mis_id or "").strip(), description=(description or "").strip(), raised_by=actor,
    )
    save_tracked(discrepancy, actor=actor, reason="Missing learner added to the check list")
    return discrepancy


@transaction.atomic
def missing_learner_remove(*, actor, discrepancy: Discrepancy) -> Discrepancy:
    discrepancy = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
    if discrepancy.kind != D.Kind.MISSING_LEARNER or discrepancy.state != D.State.DRAFT or discrepancy.check_list_id is None:
        raise DomainError("Only a missing learner not yet submitted can be taken off the list.")
    check_list = _lock_list(discrepancy.check_list)
    _require_lead(actor, check_list.programme)
    _require_open(check_list)
    discrepancy.state = D.State.WITHDRAWN
    save_tracked(discrepancy, actor=actor, reason="Missing learner taken off the check list", update_fields=["state"])
    return discrepancy


@transaction.atomic
def checklist_sign_off(*, actor, check_list: ProgrammeCheck, reason: str = "Check list signed off") -> ProgrammeCheck:
    """Sign the list off: every line needs a verdict. Flagged lines and missing learners become
    discrepancies for the exams officer; the list becomes read-only."""
    check_list = _lock_list(check_list)
    _require_lead(actor, check_list.programme)
    _require_open(check_list)
    undecided = list(check_list.lines.filter(verdict__isnull=True)[:6])
    if undecided:
        count = check_list.lines.filter(verdict__isnull=True).count()
        names = ", ".join(str(line) for line in undecided[:5]) + (" …" if count > 5 else "")
        raise DomainError(f"{count} learner{'s' if count != 1 else ''} still need{'s' if count == 1 else ''} a verdict: {names}.")
    now = timezone.now()
    flagged = (
        check_list.lines.select_related("verdict", "registration")
        .filter(verdict__verdict__in=[V.INCORRECT, V.NOT_ON_PROGRAMME])
    )
    existing = {d.line_id: d for d in Discrepancy.objects.select_for_update().filter(line__check_list=check_list)}
    flagged_ids = set()
    for line in flagged:
        flagged_ids.add(line.pk)
        verdict = line.verdict
        kind = D.Kind.INCORRECT_DETAIL if verdict.verdict == V.INCORRECT else D.Kind.NOT_ON_PROGRAMME
        discrepancy = existing.get(line.pk)
        if discrepancy is not None and discrepancy.state in (D.State.RESOLVED, D.State.DISMISSED):
            if discrepancy.resolved_at and verdict.decided_at <= discrepancy.resolved_at:
                continue  # already dealt with, and the lead has not changed their mind since
        if discrepancy is None:
            discrepancy = Discrepancy(line=line, raised_by=actor)
        discrepancy.programme_id = check_list.programme_id
        discrepancy.check_list = check_list
        discrepancy.registration = line.registration
        discrepancy.kind = kind
        discrepancy.state = D.State.OPEN
        discrepancy.field, discrepancy.correct_value, discrepancy.description = verdict.field, verdict.correct_value, verdict.note
        discrepancy.raised_at = now
        discrepancy.action, discrepancy.outcome, discrepancy.resolved_by, discrepancy.resolved_at = "", "", None, None
        save_tracked(discrepancy, actor=actor, reason=f"Raised by the check list sign-off ({verdict.summary})")
    for line_id, discrepancy in existing.items():
        if line_id not in flagged_ids and discrepancy.state == D.State.OPEN:
            discrepancy.state = D.State.WITHDRAWN
            save_tracked(discrepancy, actor=actor, reason="The subject lead changed the verdict to correct", update_fields=["state"])
    for discrepancy in check_list.discrepancies.select_for_update().filter(kind=D.Kind.MISSING_LEARNER, state=D.State.DRAFT):
        discrepancy.state = D.State.OPEN
        discrepancy.raised_at = now
        save_tracked(discrepancy, actor=actor, reason="Submitted with the check list sign-off", update_fields=["state", "raised_at"])
    check_list.signed_off_by = actor
    check_list.signed_off_at = now
    save_tracked(check_list, actor=actor, reason=reason, update_fields=["signed_off_by", "signed_off_at"])
    return check_list


@transaction.atomic
def checklist_reopen(*, actor, check_list: ProgrammeCheck, reason: str) -> ProgrammeCheck:
    check_list = _lock_list(check_list)
    if check_list.signed_off_at is None:
        raise DomainError("This list is not signed off, so there is nothing to reopen.")
    if not (reason or "").strip():
        raise DomainError("Say why the list is being reopened (the subject lead will see it).", field="reason")
    check_list.signed_off_at = None
    check_list.signed_off_by = None
    check_list.reopened_reason = reason.strip()
    save_tracked(
        check_list, actor=actor, reason=f"Reopened: {reason.strip()}",
        update_fields=["signed_off_at", "signed_off_by", "reopened_reason"],
    )
    return check_list


def reminders_send(*, actor, check_round: CheckRound, request=None) -> int:
    """E-mail every subject lead who has an unfinished list in the round, with links straight to
    their lists. Returns the number of e-mails sent; each is an audit event."""
    unfinished = (
        ProgrammeCheck.objects.filter(round=check_round, signed_off_at__isnull=True)
        .select_related("programme").prefetch_related("programme__subject_leads")
    )
    per_lead: dict = {}
    for check_list in unfinished:
        for lead in check_list.programme.subject_leads.all():
            if lead.is_active and lead.email:
                per_lead.setdefault(lead, []).append(check_list)
    sent = 0
    for lead, lists in per_lead.items():
        links = "\n".join(f"- {c.programme}: {settings.SITE_URL.rstrip('/')}{c.get_absolute_url()}" for c in lists)
        body = (
            f"Dear {lead.get_full_name() or lead.username},\n\n"
            f"The registration check “{check_round.name}” is due by {check_round.due_date:%d/%m/%Y}. "
            f"These lists still need your verdicts and sign-off:\n\n{links}\n\n"
            "For each learner, say whether the details Pearson holds are correct, and add anyone who attends "
            "but is missing.\n\nThe exams office"
        )
        send_mail(f"Reminder: registration check lists due {check_round.due_date:%d/%m/%Y}", body,
                  settings.DEFAULT_FROM_EMAIL, [lead.email])
        record(actor, "checks.reminder.sent", check_round,
               {"to": lead.email, "lead": lead.username, "lists": [c.pk for c in lists]}, request=request)
        sent += 1
    return sent


# --- discrepancies -------------------------------------------------------------------------------

ALLOWED_ACTIONS = {
    D.Kind.INCORRECT_DETAIL: {D.Action.CORRECT, D.Action.TRANSFER, D.Action.WITHDRAW, D.Action.DISMISS},
    D.Kind.NOT_ON_PROGRAMME: {D.Action.WITHDRAW, D.Action.TRANSFER, D.Action.DISMISS},
    D.Kind.MISSING_LEARNER: {D.Action.REGISTER, D.Action.DISMISS},
    D.Kind.LEARNER_REPORT: {D.Action.CORRECT, D.Action.WITHDRAW, D.Action.TRANSFER, D.Action.DISMISS},
}


@transaction.atomic
def discrepancy_resolve(
    *, actor, discrepancy: Discrepancy, action: str, reason: str, field: str = "", value: str = "",
    on: date | None = None, to_programme: Programme | None = None, sex: str = "",
) -> Discrepancy:
    """Put the discrepancy right by acting on it (through the registrations and learners services,
    which raise what Pearson must be told), or dismiss it with a reason."""
    from learners.services import learner_create, learner_update
    from registrations.services import (
        registration_create_draft,
        registration_transfer_programme,
        registration_withdraw,
    )

    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to registration.
    discrepancy = Discrepancy.objects.select_for_update(of=("self",)).select_related(
        "programme__centre", "registration__learner"
    ).get(pk=discrepancy.pk)
    if discrepancy.state != D.State.OPEN:
        raise DomainError(f"This discrepancy is {discrepancy.get_state_display().lower()}: there is nothing to resolve.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say what was done and why (the subject lead sees it).", field="reason")
    if action not in ALLOWED_ACTIONS[discrepancy.kind]:
        allowed = ", ".join(D.Action(a).label.split(" (")[0].lower() for a in sorted(ALLOWED_ACTIONS[discrepancy.kind]))
        raise DomainError(f"A “{discrepancy.get_kind_display().lower()}” discrepancy can be resolved by: {allowed}.", field="action")
    on = on or timezone.localdate()
    why = f"Discrepancy #{discrepancy.pk} ({discrepancy.get_kind_display().lower()}): {reason}"
    registration = discrepancy.registration
    try:
        if action == D.Action.CORRECT:
            field = field or discrepancy.field
            if field not in LEARNER_FIELDS:
                raise DomainError("Choose which of the learner's details to correct.", field="field")
            parsed = parse_field_value(field, value or discrepancy.correct_value)
            changes = {field: parsed}
            if field == "uln":
                changes["uln_not_yet_known"] = False
            learner_update(actor=actor, learner=registration.learner, changes=changes, reason=why)
            discrepancy.field, discrepancy.correct_value = field, (value or discrepancy.correct_value).strip()
        elif action == D.Action.WITHDRAW:
            registration_withdraw(actor=actor, registration=registration, withdrawn_on=on, reason=why)
        elif action == D.Action.TRANSFER:
            if to_programme is None:
                raise DomainError("Choose the programme to transfer the learner to.", field="to_programme")
            discrepancy.resulting_registration = registration_transfer_programme(
                actor=actor, registration=registration, to_programme=to_programme, transferred_on=on, reason=why
            )
        elif action == D.Action.REGISTER:
            programme = discrepancy.programme
            learner = None
            if discrepancy.mis_id:
                learner = Learner.objects.filter(centre=programme.centre, mis_id=discrepancy.mis_id).first()
            if learner is None:
                if sex not in ("M", "F"):
                    raise DomainError(
                        "No learner with that MIS id is on file: give the learner's sex so they can be added.", field="sex"
                    )
                if discrepancy.date_of_birth is None:
                    raise DomainError("The learner's date of birth is needed to add them: ask the subject lead.")
                learner = learner_create(
                    actor=actor, centre=programme.centre, reason=why,
                    mis_id=discrepancy.mis_id or f"CHECK{discrepancy.pk}", legal_first_name=discrepancy.first_name,
                    legal_last_name=discrepancy.last_name, date_of_birth=discrepancy.date_of_birth, sex=sex,
                    uln=None, uln_not_yet_known=True,
                )
            discrepancy.resulting_registration = registration_create_draft(
                actor=actor, learner=learner, programme=programme, enrolment_date=on,
                planned_completion_date=max(programme.planned_end_date, on + timedelta(days=1)), reason=why,
            )
            discrepancy.registration = discrepancy.resulting_registration
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from None
    discrepancy.state = D.State.DISMISSED if action == D.Action.DISMISS else D.State.RESOLVED
    discrepancy.action = action
    discrepancy.outcome = reason
    discrepancy.resolved_by = actor
    discrepancy.resolved_at = timezone.now()
    save_tracked(discrepancy, actor=actor, reason=why)
    return discrepancy


# --- statements and the learner's personal link ---------------------------------------------------


def statement_details(registration: Registration, owed: dict[str, str] | None = None) -> dict:
    """The learner's details exactly as Pearson holds them (as sent to Pearson), with any correction
    made here that Pearson has not yet been told of listed under "pending".

    `owed` is this learner's entry of `owed_corrections()` (read here when not given)."""
    learner, programme = registration.learner, registration.programme
    if owed is None:
        owed = owed_corrections([learner.pk]).get(learner.pk, {})
    current = {
        "legal_first_name": learner.legal_first_name,
        "legal_last_name": learner.legal_last_name,
        "date_of_birth": learner.date_of_birth.strftime("%d/%m/%Y"),
        "sex": learner.sex,
        "uln": learner.uln or "",
    }
    held = {**current, **{f: v for f, v in owed.items() if f in current}}

    def shown(field: str, value: str) -> str:
        if field == "sex":
            return dict(Sex.choices).get(value, value)
        if field == "uln":
            return value or "not yet known"
        return value

    return {
        **{field: shown(field, value) for field, value in held.items()},
        "pending": [
            {"field": LEARNER_FIELDS[f], "value": shown(f, current[f])} for f in current if held[f] != current[f]
        ],
        "qualification": programme.qualification.title,
        "qan": programme.qualification.qan,
        "programme": programme.name,
        "registration_number": registration.pearson_registration_number or "awaiting Pearson",
        "registered_on": registration.registered_on.strftime("%d/%m/%Y") if registration.registered_on else "",
        "state": registration.get_state_display(),
        "centre": str(programme.centre),
    }


def statements_issue(*, actor, registrations, method: str, email_to: dict | None = None) -> list[Statement]:
    """Record that each registration's learner was given a statement (with a fresh personal link)."""
    now = timezone.now()
    expires = now + timedelta(days=STATEMENT_LINK_DAYS)
    registrations = list(registrations)
    owed = owed_corrections({r.learner_id for r in registrations})
    statements = [
        Statement(
            registration=r, method=method, details=statement_details(r, owed.get(r.learner_id, {})), issued_by=actor, issued_at=now,
            nonce=secrets.token_urlsafe(18), expires_at=expires, email_to=(email_to or {}).get(r.pk, ""),
        )
        for r in registrations
    ]
    label = dict(Statement.Method.choices)[method].lower()
    return bulk_create_tracked(Statement, statements, actor=actor, reason=f"Registration statement {label}")


def statement_token(statement: Statement) -> str:
    return signing.TimestampSigner(salt=STATEMENT_LINK_SALT).sign_object({"n": statement.nonce})


def statement_url(statement: Statement) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("checks:statement_link", args=[statement_token(statement)])


class LinkProblem(DomainError):
    """The learner's link cannot be used; the message says why in plain words."""


def statement_from_token(token: str) -> Statement:
    """The statement a personal link belongs to, or LinkProblem saying plainly why not."""
    try:
        payload = signing.TimestampSigner(salt=STATEMENT_LINK_SALT).unsign_object(
            token, max_age=timedelta(days=STATEMENT_LINK_DAYS)
        )
    except signing.SignatureExpired:
        raise LinkProblem(
            "This link has expired. Links last for 60 days. Please ask the exams office for a new registration statement."
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkProblem(
            "This link is not valid: it may have been copied wrongly. Please use the link exactly as it was sent, "
            "or ask the exams office for a new one."
        ) from None
    statement = (
        Statement.objects.select_related("registration__learner", "registration__programme__qualification")
        .filter(nonce=payload.get("n", "") if isinstance(payload, dict) else "").first()
    )
    if statement is None:
        raise LinkProblem("This link is not valid. Please ask the exams office for a new registration statement.")
    if statement.expires_at < timezone.now():
        raise LinkProblem("This link has expired. Please ask the exams office for a new registration statement.")
    if statement.responded_at is not None:
        raise LinkProblem(
            f"This link has already been used (on {timezone.localtime(statement.responded_at):%d/%m/%Y}), so it cannot be "
            "used again. If something is still wrong, please speak to the exams office."
        )
    return statement


@transaction.atomic
def statement_respond(*, token: str, response: str, field: str = "", correct_value: str = "", text: str = "") -> Statement:
    """The learner confirms the details or reports what is wrong (once). A report becomes a
    discrepancy for the exams officer."""
    statement = statement_from_token(token)
    statement = Statement.objects.select_for_update().select_related("registration__programme").get(pk=statement.pk)
    if statement.responded_at is not None:  # answered in another tab a moment ago
        raise LinkProblem("This link has already been used, so it cannot be used again.")
    if response not in (Statement.Response.CONFIRMED, Statement.Response.REPORTED):
        raise DomainError("Choose whether your details are correct.")
    text = (text or "").strip()
    correct_value = (correct_value or "").strip()
    if response == Statement.Response.REPORTED:
        if not text and not correct_value:
            raise DomainError("Tell us what is wrong and what it should be.", field="text")
        if field and field not in LEARNER_FIELDS and field not in ("qualification", "other"):
            field = "other"
    statement.response = response
    statement.responded_at = timezone.now()
    statement.report_text = text[:2000]
    reason = "The learner confirmed their details" if response == Statement.Response.CONFIRMED else "The learner reported a problem"
    save_tracked(statement, actor=None, reason=f"{reason} (personal link)", update_fields=["response", "responded_at", "report_text"])
    if response == Statement.Response.REPORTED:
        discrepancy = Discrepancy(
            programme=statement.registration.programme, registration=statement.registration,
            kind=D.Kind.LEARNER_REPORT, state=D.State.OPEN, field=field or "other",
            correct_value=correct_value[:200], description=text[:2000], raised_by=None,
        )
        save_tracked(discrepancy, actor=None, reason="Reported by the learner through their personal link")
    return statement
