"""Spreadsheets in: the programme team's assessment tracker and Pearson's certificate report.

Each import validates every row first and writes nothing unless every row is good; errors name the
row, the column and the rule."""

import re
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from core.exceptions import DomainError
from core.spreadsheets import SpreadsheetError, match_headers, parse_date, read_table
from registrations.models import Programme, Registration

from . import services
from .models import Certificate, CertificateClaim, UnitGrade

TRACKER_ALIASES = {
    "learner": ["mis id", "registration number", "pearson registration number", "learner id", "uln"],
    "unit": ["unit number", "unit no"],
    "grade": ["unit grade"],
    "assessor": ["assessor username", "assessed by"],
    "date_assessed": ["date assessed", "assessment date", "date"],
    "attempt": ["submission"],
    "authorised_by": ["authorised by", "lead iv", "authorised"],
    "internal_verifier": ["iv", "internal verifier", "verified by"],
    "iv_date": ["iv date", "date verified"],
    "iv_outcome": ["iv outcome", "iv decision"],
}
ATTEMPTS = {"first": "first", "first submission": "first", "": "first", "resubmission": "resubmission",
            "resub": "resubmission", "retake": "retake"}
OUTCOMES = {"agreed": "agreed", "agree": "agreed", "yes": "agreed", "disagreed": "disagreed", "disagree": "disagreed", "no": "disagreed"}


class ImportRefused(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportSummary:
    created: int = 0
    verified: int = 0


def _users_lookup():
    users = {}
    for u in get_user_model().objects.filter(is_active=True):
        users[u.username.lower()] = u
        full = f"{u.first_name} {u.last_name}".strip().lower()
        if full:
            users.setdefault(full, u)
    return users


def import_tracker(*, actor, programme: Programme, upload, filename: str) -> ImportSummary:
    try:
        table = read_table(upload, filename=filename)
    except SpreadsheetError as exc:
        raise ImportRefused([exc.message])
    cols = match_headers(table.headers, TRACKER_ALIASES, required=["learner", "unit", "grade", "assessor", "date_assessed"])
    if cols.missing:
        raise ImportRefused([f"The tracker has no “{m.replace('_', ' ')}” column." for m in cols.missing])
    m = cols.mapping
    regs = {}
    for r in programme.registrations.live().select_related("learner"):
        for key in (r.learner.mis_id, r.pearson_registration_number, r.learner.uln):
            if key:
                regs[str(key).strip().lower()] = r
    units = {u.number.lower(): u for u in programme.qualification.units.all()}
    users = _users_lookup()
    suite = programme.qualification.suite
    allowed = [g for g in UnitGrade.values if g != "N" or suite.near_pass_grade]
    errors, rows = [], []
    for row in table.rows:
        def cell(name, row=row):
            return str(row.get(m.get(name))).strip() if m.get(name) else ""
        where = f"Row {row.number}"
        reg = regs.get(cell("learner").lower())
        if reg is None:
            errors.append(f"{where}, {m['learner']}: “{cell('learner')}” is not a learner on {programme}.")
            continue
        unit = units.get(cell("unit").lower().removeprefix("unit ").strip())
        if unit is None:
            errors.append(f"{where}, {m['unit']}: unit “{cell('unit')}” is not on {programme.qualification}.")
            continue
        if unit.is_external:
            errors.append(f"{where}, {m['unit']}: unit {unit.number} is externally assessed.")
            continue
        grade = cell("grade").upper()
        if grade not in allowed:
            errors.append(f"{where}, {m['grade']}: grade “{grade}” is not on the scale ({', '.join(allowed)}).")
            continue
        assessor = users.get(cell("assessor").lower())
        if assessor is None:
            errors.append(f"{where}, {m['assessor']}: “{cell('assessor')}” is not a known member of staff.")
            continue
        try:
            date_assessed = parse_date(row.get(m["date_assessed"]))
        except ValueError as exc:
            errors.append(f"{where}, {m['date_assessed']}: {exc}.")
            continue
        attempt = ATTEMPTS.get(cell("attempt").lower())
        if attempt is None:
            errors.append(f"{where}, {m.get('attempt')}: attempt “{cell('attempt')}” must be first, resubmission or retake.")
            continue
        authorised = users.get(cell("authorised_by").lower()) if cell("authorised_by") else None
        if cell("authorised_by") and authorised is None:
            errors.append(f"{where}, {m['authorised_by']}: “{cell('authorised_by')}” is not a known member of staff.")
            continue
        iv = None
        iv_date = None
        outcome = ""
        if cell("internal_verifier") or cell("iv_outcome"):
            iv = users.get(cell("internal_verifier").lower())
            outcome = OUTCOMES.get(cell("iv_outcome").lower(), "")
            if iv is None:
                errors.append(f"{where}, {m.get('internal_verifier', 'IV')}: “{cell('internal_verifier')}” is not a known member of staff.")
                continue
            if not outcome:
                errors.append(f"{where}, {m.get('iv_outcome', 'IV outcome')}: IV outcome must be agreed or disagreed.")
                continue
            try:
                iv_date = parse_date(row.get(m.get("iv_date")))
            except ValueError as exc:
                errors.append(f"{where}, {m.get('iv_date', 'IV date')}: {exc}.")
                continue
            if iv.pk == assessor.pk:
                errors.append(f"{where}, {m['internal_verifier']}: an assessor cannot verify their own decision.")
                continue
        rows.append((row.number, reg, unit, grade, assessor, date_assessed, attempt, authorised, iv, iv_date, outcome))
    if errors:
        raise ImportRefused(errors)
    summary = ImportSummary()
    try:
        with transaction.atomic():
            for number, reg, unit, grade, assessor, date_assessed, attempt, authorised, iv, iv_date, outcome in rows:
                try:
                    rec = services.assessment_record_create(
                        actor=actor, registration=reg, unit=unit, grade=grade, assessor=assessor,
                        date_assessed=date_assessed, attempt=attempt, authorised_by=authorised,
                        reason=f"Imported from the tracker {filename}, row {number}",
                    )
                    summary.created += 1
                    if iv is not None:
                        services.assessment_record_verify(actor=actor, record=rec, internal_verifier=iv, iv_date=iv_date,
                                                          outcome=outcome, reason=f"IV imported from {filename}, row {number}")
                        summary.verified += 1
                except DomainError as exc:
                    raise ImportRefused([f"Row {number}: {exc.message}"])
    except ImportRefused:
        raise
    return summary


# ---- Pearson's certificate report ---------------------------------------------------------------

CERT_ALIASES = {
    "number": ["certificate number", "certificate no", "cert no", "certificate"],
    "registration": ["registration number", "pearson registration number", "reg no", "learner registration number"],
    "uln": ["unique learner number"],
    "name": ["learner name", "candidate name", "name as printed"],
    "date_of_birth": ["dob", "date of birth"],
    "qualification": ["qualification number", "qan", "qualification title"],
    "grade": ["qualification grade", "overall grade"],
    "units": ["unit grades", "units achieved"],
    "received_on": ["date received", "received"],
}


def parse_units(text: str) -> list[dict]:
    """“1=M, 2=P” (or “1:M; 2:P”) into [{"number": "1", "grade": "M"}, ...]."""
    out = []
    for part in re.split(r"[,;]", str(text or "")):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^(?:unit\s*)?([A-Za-z0-9]+)\s*[=:]\s*([A-Za-z*]+)$", part, re.I)
        if not m:
            raise ValueError(f"“{part}” should be unit number=grade, e.g. 3=M")
        out.append({"number": m.group(1), "grade": m.group(2).upper()})
    return out


def import_certificates(*, actor, upload, filename: str, user) -> int:
    """Log and check every certificate in Pearson's report; all rows good or nothing saved."""
    try:
        table = read_table(upload, filename=filename)
    except SpreadsheetError as exc:
        raise ImportRefused([exc.message])
    cols = match_headers(table.headers, CERT_ALIASES, required=["number", "name", "qualification", "received_on"])
    missing = list(cols.missing)
    if "registration" not in cols.mapping and "uln" not in cols.mapping:
        missing.append("registration number or ULN")
    if missing:
        raise ImportRefused([f"The report has no “{x.replace('_', ' ')}” column." for x in missing])
    m = cols.mapping
    keys_reg = {str(r.get(m.get("registration"))).strip() for r in table.rows if m.get("registration")}
    keys_uln = {str(r.get(m.get("uln"))).strip() for r in table.rows if m.get("uln")}
    regs = Registration.objects.visible_to(user).filter(
        Q(pearson_registration_number__in=keys_reg - {""}) | Q(learner__uln__in=keys_uln - {""})
    ).select_related("learner")
    by_reg = {r.pearson_registration_number: r for r in regs}
    by_uln = defaultdict(list)
    for r in regs:
        by_uln[r.learner.uln].append(r)
    claims = {}
    for c in CertificateClaim.objects.filter(registration__in=regs, state__in=[
            CertificateClaim.State.SUBMITTED, CertificateClaim.State.REPLACEMENT_REQUESTED]).order_by("created_at"):
        claims[c.registration_id] = c
    existing = set(Certificate.objects.filter(number__in=[str(r.get(m["number"])).strip() for r in table.rows]).values_list("number", flat=True))
    errors, good, seen, seen_claims = [], [], set(), set()
    for row in table.rows:
        where = f"Row {row.number}"
        number = str(row.get(m["number"])).strip()
        if not number:
            errors.append(f"{where}, {m['number']}: no certificate number.")
            continue
        if number in existing or number in seen:
            errors.append(f"{where}, {m['number']}: certificate {number} is already logged.")
            continue
        seen.add(number)
        reg = by_reg.get(str(row.get(m.get("registration"))).strip()) if m.get("registration") else None
        if reg is None and m.get("uln"):
            matches = by_uln.get(str(row.get(m["uln"])).strip(), [])
            reg = matches[0] if len(matches) == 1 else None
        if reg is None:
            errors.append(f"{where}: no learner of this centre matches registration number/ULN “{row.get(m.get('registration') or m.get('uln'))}”.")
            continue
        claim = claims.get(reg.pk)
        if claim is None:
            errors.append(f"{where}: {reg.learner} has no submitted claim awaiting a certificate.")
            continue
        if claim.pk in seen_claims:
            errors.append(f"{where}: a second certificate for {reg.learner}'s claim in the same report.")
            continue
        seen_claims.add(claim.pk)
        try:
            received_on = parse_date(row.get(m["received_on"]))
            dob = parse_date(row.get(m["date_of_birth"])) if m.get("date_of_birth") and row.get(m["date_of_birth"]) else None
        except ValueError as exc:
            errors.append(f"{where}: {exc}.")
            continue
        try:
            units = parse_units(row.get(m.get("units"))) if m.get("units") else []
        except ValueError as exc:
            errors.append(f"{where}, {m['units']}: {exc}.")
            continue
        good.append((row.number, claim, number, str(row.get(m["name"])), str(row.get(m["qualification"])),
                     str(row.get(m.get("grade"), "")) if m.get("grade") else "", units, received_on, dob))
    if errors:
        raise ImportRefused(errors)
    items = [
        services.CertificateIn(claim_id=claim.pk, number=number, name_printed=name, qualification=qualification, grade=grade,
                               units=units, received_on=received_on, date_of_birth=dob,
                               reason=f"Imported from Pearson's report {filename}, row {n}")
        for n, claim, number, name, qualification, grade, units, received_on, dob in good
    ]
    try:
        services.certificates_receive_many(actor=actor, items=items)
    except DomainError as exc:
        raise ImportRefused([exc.message])
    return len(good)
