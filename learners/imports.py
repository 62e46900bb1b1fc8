"""The learner import engine, shared by the upload page and `manage.py import_learners`.

Phase 1, `build_preview(table, centre)`: check every row and compare it with the learners already
held (a handful of queries whatever the file size): each row is new, changed (old → new per
field), unchanged or rejected (row number, column and reason). Nothing is written.
Phase 2, `apply_preview(...)` (called by `learners.services.learner_import_confirm`): write the new
and changed learners in one transaction, with history, exactly as previewed.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.spreadsheets import Table, match_headers, normalise_header, parse_date
from core.validators import ULN_NOT_KNOWN, validate_candidate_number, validate_uci, validate_uln
from registrations.models import Registration
from registrations.rules import needs_transliteration

from .models import Centre, Learner

# Our field → spellings used by SIMS, Arbor, Bromcom and FE MIS exports (compared without case,
# spaces or punctuation).
ALIASES: dict[str, list[str]] = {
    "mis_id": ["MIS ID", "Admission No", "Admission Number", "Adno", "Adm No", "Student ID", "Student Number",
               "Learner ID", "Learner Ref", "Learner Reference", "Person ID", "Student Ref", "ID"],
    "legal_last_name": ["Legal Surname", "Surname", "Last Name", "Family Name", "Legal Last Name", "Lastname"],
    "legal_first_name": ["Legal Forename", "Forename", "Forenames", "First Name", "First Names", "Given Name",
                         "Legal First Name", "Firstname"],
    "preferred_name": ["Preferred Forename", "Preferred Name", "Known As", "Chosen Name"],
    "date_of_birth": ["DOB", "Date of Birth", "Birth Date", "Birthdate", "D.O.B."],
    "sex": ["Gender", "Sex", "Legal Sex"],
    "uln": ["ULN", "Unique Learner Number"],
    "uci": ["UCI", "Unique Candidate Identifier"],
    "candidate_number": ["Candidate No", "Candidate Number", "Exam Number", "Cand No", "Exam Candidate Number"],
    "email": ["Email", "Email Address", "E-mail", "Student Email", "Learner Email"],
}
# SIMS and Arbor exports often carry both the legal and the preferred (chosen) name, and some carry both
# "Gender" and "Legal Sex": Pearson needs the legal one, so these spellings win whatever the column order.
PREFERRED_SPELLINGS = {"legalsurname", "legallastname", "legalforename", "legalforenames", "legalfirstname",
                       "legalfirstnames", "legalsex", "sex"}
REQUIRED = ["mis_id", "legal_last_name", "legal_first_name", "date_of_birth", "sex"]
FIELD_LABELS = {
    "mis_id": "MIS id", "legal_last_name": "Legal last name", "legal_first_name": "Legal first name(s)",
    "preferred_name": "Preferred name", "date_of_birth": "Date of birth", "sex": "Sex", "uln": "ULN",
    "uln_not_yet_known": "ULN not yet known", "uci": "UCI", "candidate_number": "Candidate number", "email": "E-mail",
}
# Fields compared with what we hold; identifiers left blank in the file never clear what we hold.
COMPARED = ["legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "sex", "uln",
            "uln_not_yet_known", "uci", "candidate_number", "email"]
KEEP_WHEN_BLANK = {"uln", "uln_not_yet_known", "uci", "candidate_number", "email", "preferred_name"}
PEARSON_FIELDS = ("legal_first_name", "legal_last_name", "date_of_birth", "sex", "uln")
SEXES = {"m": "M", "male": "M", "f": "F", "female": "F"}

_EMAIL_RE = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")

NEW, CHANGED, UNCHANGED, REJECTED = "new", "changed", "unchanged", "rejected"


@dataclass
class Preview:
    mapping: dict[str, str]
    unknown_headers: list[str]
    problems: list[str]  # the file as a whole (missing columns)
    rows: list[dict] = field(default_factory=list)
    fingerprint: str = ""  # of the learners the rows were compared with (see `fingerprint`)
    unused_headers: list[list[str]] = field(default_factory=list)  # [file heading, our field, heading read instead]

    @property
    def summary(self) -> dict:
        counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0, REJECTED: 0, "flagged": 0, "total": len(self.rows)}
        for row in self.rows:
            counts[row["action"]] += 1
            counts["flagged"] += bool(row["flags"])
        return counts

    @property
    def ok(self) -> bool:
        return not self.problems and not any(r["action"] == REJECTED for r in self.rows)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _same_name(old: str, new: str) -> bool:
    """A change of case only (SMITH / Smith) is not a change of name."""
    return old == new or old.casefold() == new.casefold()


def parse_row(values: dict, columns: dict[str, str], today: date) -> tuple[dict, list[dict], list[str]]:
    """(clean values, errors [{column, message}], flags) for one row of the file."""
    out: dict = {}
    errors: list[dict] = []
    flags: list[str] = []

    def err(name: str, message: str) -> None:
        errors.append({"column": columns.get(name, FIELD_LABELS[name]), "message": message})

    def raw(name):
        return values.get(columns[name]) if name in columns else None

    mis_id = _text(raw("mis_id"))
    if not mis_id:
        err("mis_id", "The MIS id is missing.")
    elif len(mis_id) > 30:
        err("mis_id", "The MIS id is longer than 30 characters.")
    out["mis_id"] = mis_id

    for name, label in (("legal_first_name", "first name"), ("legal_last_name", "last name")):
        text = _text(raw(name))
        if not text:
            err(name, f"The legal {label} is missing.")
        elif len(text) > 60:
            err(name, f"The legal {label} is longer than 60 characters.")
        elif needs_transliteration(text):
            flags.append(f"“{text}” has accented letters: Pearson needs them transliterated; you confirm it when registering.")
        out[name] = text
    if "preferred_name" in columns:
        out["preferred_name"] = _text(raw("preferred_name"))[:60]

    dob = raw("date_of_birth")
    if dob in (None, ""):
        err("date_of_birth", "The date of birth is missing.")
    else:
        try:
            parsed = parse_date(dob)
        except (ValueError, TypeError) as exc:
            # parse_date names the expected form; date() itself says only "day is out of range for month".
            message = str(exc) if isinstance(exc, ValueError) and str(exc).startswith("“") else (
                f"“{_text(dob)}” is not a real date (dd/mm/yyyy)."
            )
            err("date_of_birth", message)
        else:
            if parsed >= today:
                err("date_of_birth", f"The date of birth {parsed:%d/%m/%Y} is not in the past.")
            elif parsed.year < 1900:
                err("date_of_birth", f"The date of birth {parsed:%d/%m/%Y} is implausible.")
            else:
                out["date_of_birth"] = parsed.isoformat()

    sex = _text(raw("sex")).lower()
    if sex not in SEXES:
        err("sex", f"Sex must be M or F (the file says “{_text(raw('sex'))}”)." if sex else "Sex is missing.")
    else:
        out["sex"] = SEXES[sex]

    if "uln" in columns:
        uln = re.sub(r"\s", "", _text(raw("uln")))
        if uln in ("", ULN_NOT_KNOWN) or uln.lower() in ("notknown", "n/a", "none"):
            out["uln"], out["uln_not_yet_known"] = None, True
            flags.append("No ULN: recorded as “ULN not yet known”.")
        else:
            try:
                validate_uln(uln)
            except ValidationError as exc:
                err("uln", exc.messages[0])
            else:
                out["uln"], out["uln_not_yet_known"] = uln, False
    if "uci" in columns and _text(raw("uci")):
        uci = _text(raw("uci")).upper()
        try:
            validate_uci(uci)
        except ValidationError as exc:
            err("uci", exc.messages[0])
        else:
            out["uci"] = uci
    if "candidate_number" in columns and _text(raw("candidate_number")):
        number = _text(raw("candidate_number"))
        number = number.zfill(4) if number.isdigit() else number  # Excel drops leading zeros
        try:
            validate_candidate_number(number)
        except ValidationError as exc:
            err("candidate_number", exc.messages[0])
        else:
            out["candidate_number"] = number
    if "email" in columns and _text(raw("email")):
        email = _text(raw("email")).lower()
        if not _EMAIL_RE.match(email):
            try:  # the quick pattern failed: let Django's full validator decide (internationalised domains)
                validate_email(email)
            except ValidationError:
                err("email", f"“{email}” is not an e-mail address.")
                email = ""
        if email:
            out["email"] = email
    return out, errors, flags


def _stored(learner: Learner, name: str):
    value = getattr(learner, name)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "date_of_birth":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def build_preview(table: Table, centre: Centre, *, overrides: dict[str, str] | None = None, today: date | None = None) -> Preview:
    today = today or timezone.localdate()
    # Legal spellings first (stable otherwise), so "Forename" never wins over "Legal Forename".
    headers = sorted(table.headers, key=lambda h: normalise_header(h) not in PREFERRED_SPELLINGS)
    match = match_headers(headers, ALIASES, required=REQUIRED, overrides=overrides)
    if "preferred_name" not in match.mapping and "legal_first_name" in match.mapping:
        # A plain "Forename" beside "Legal Forename" is the name the learner is known by.
        shadowed = [h for h in table.headers if h != match.mapping["legal_first_name"] and not (overrides or {}).get(h)
                    and normalise_header(h) in {normalise_header(a) for a in ALIASES["legal_first_name"]}]
        if shadowed:
            match.mapping["preferred_name"] = shadowed[0]
            match.superseded.pop(shadowed[0], None)
    # Recognised but not read, because another column holds that field ("Surname" beside "Legal Surname"):
    # shown on the preview so that nobody wonders which of the two was imported.
    unused = [[header, FIELD_LABELS[name], match.mapping[name]] for header, name in match.superseded.items()]
    preview = Preview(mapping=match.mapping, unknown_headers=match.unknown, problems=[], fingerprint=_digest([]),
                      unused_headers=unused)
    if match.missing:
        preview.problems.append(
            "The file has no column for: " + ", ".join(FIELD_LABELS[m] for m in match.missing)
            + ". Rename the heading in the file, or choose which heading holds it below."
        )
        return preview

    parsed = []
    for row in table.rows:
        values, errors, flags = parse_row(row.values, match.mapping, today)
        parsed.append({"row": row.number, "mis_id": values.get("mis_id", ""), "values": values, "errors": errors,
                       "flags": flags, "changes": {}, "learner_id": None, "notify_pearson": False})

    # Duplicates inside the file: which row is right is unknown, so every copy is rejected.
    for key, label in (("mis_id", "MIS id"), ("uln", "ULN"), ("uci", "UCI"), ("candidate_number", "candidate number")):
        seen: dict[str, list[dict]] = {}
        for item in parsed:
            value = item["values"].get(key)
            if value:
                seen.setdefault(value, []).append(item)
        for value, items in seen.items():
            if len(items) > 1:
                rows = ", ".join(str(i["row"]) for i in items)
                for item in items:
                    item["errors"].append({"column": match.mapping.get(key, label),
                                           "message": f"{label} {value} appears on more than one row ({rows})."})

    mis_ids = [p["mis_id"] for p in parsed if p["mis_id"]]
    known_to_pearson = Registration.objects.filter(learner=OuterRef("pk"), state__in=Registration.HELD_BY_PEARSON)
    existing = {
        learner.mis_id: learner
        for learner in Learner.objects.filter(centre=centre, mis_id__any_of=mis_ids)
        .only("id", "mis_id", "updated_at", *COMPARED).annotate(known_to_pearson=Exists(known_to_pearson))
    }
    preview.fingerprint = _digest((learner.pk, learner.mis_id, learner.updated_at) for learner in existing.values())
    # Identifiers already held by a different learner.
    owners = {}
    for key, qs_filter in (("uln", "uln__any_of"), ("uci", "uci__any_of")):
        wanted = [p["values"][key] for p in parsed if p["values"].get(key)]
        owners[key] = dict(Learner.objects.filter(**{qs_filter: wanted}).values_list(key, "mis_id")) if wanted else {}
    wanted = [p["values"]["candidate_number"] for p in parsed if p["values"].get("candidate_number")]
    owners["candidate_number"] = dict(
        Learner.objects.filter(centre=centre, candidate_number__any_of=wanted).values_list("candidate_number", "mis_id")
    ) if wanted else {}

    for item in parsed:
        values = item["values"]
        for key, label in (("uln", "ULN"), ("uci", "UCI"), ("candidate_number", "Candidate number")):
            owner = owners[key].get(values.get(key))
            if owner is not None and owner != item["mis_id"]:
                item["errors"].append({"column": match.mapping.get(key, label),
                                       "message": f"{label} {values[key]} already belongs to the learner with MIS id {owner}."})
        if item["errors"]:
            item["action"] = REJECTED
            continue
        learner = existing.get(item["mis_id"])
        if learner is None:
            values.setdefault("uln_not_yet_known", values.get("uln") is None)
            values.setdefault("uln", None)
            if values["uln"] is None and "No ULN: recorded as “ULN not yet known”." not in item["flags"]:
                item["flags"].append("No ULN column: recorded as “ULN not yet known”.")
            item["action"] = NEW
            continue
        item["learner_id"] = learner.pk
        changes = {}
        for name in COMPARED:
            if name not in values:
                continue
            new, old = values[name], _stored(learner, name)
            if name in KEEP_WHEN_BLANK and new in (None, "") or (name == "uln_not_yet_known" and new and learner.uln):
                continue
            if name in ("legal_first_name", "legal_last_name", "preferred_name") and _same_name(old or "", new or ""):
                continue
            if new != old:
                changes[name] = [old, new]
        if changes.get("uln_not_yet_known") == [True, False] and "uln" not in changes:
            changes.pop("uln_not_yet_known")
        item["changes"] = changes
        item["shown_changes"] = [[FIELD_LABELS[n], _shown(n, o), _shown(n, v)] for n, (o, v) in changes.items()]
        item["action"] = CHANGED if changes else UNCHANGED
        if changes and learner.known_to_pearson and any(n in PEARSON_FIELDS for n in changes):
            item["notify_pearson"] = True
            item["flags"].append("Pearson holds this learner's details: the change will be queued to tell Pearson.")
    preview.rows = parsed
    return preview


def fingerprint(centre: Centre, rows: list[dict]) -> str:
    """A digest of the learners a preview was compared with (ids and last-change times), read again at
    confirmation: if it differs, somebody changed one of them in between."""
    mis_ids = {r["mis_id"] for r in rows if r.get("mis_id")}
    return _digest(Learner.objects.filter(centre=centre, mis_id__any_of=mis_ids).values_list("pk", "mis_id", "updated_at"))


def _digest(learners: Iterable[tuple[int, str, datetime]]) -> str:
    # Sorted here, not by the database: its collation must not change the digest.
    digest = hashlib.sha256()
    for pk, mis_id, updated in sorted(learners, key=lambda learner: learner[1]):
        digest.update(f"{pk}|{mis_id}|{updated.isoformat()}\n".encode())
    return digest.hexdigest()


def columns_read(batch) -> list[tuple[str, str]]:
    """For the preview page: each heading of the file and how it was read."""
    fields = {header: FIELD_LABELS[name] for name, header in batch.column_mapping.items()}
    unused = {header: f"Not used: {label} is read from “{used}”" for header, label, used in batch.summary.get("unused_headers", [])}
    return [(header, fields.get(header) or unused.get(header) or "Not recognised: not imported")
            for header in batch.summary.get("headers", [])]


def summary_lines(summary: dict, problems: list[str], rows: list[dict], *, limit: int | None = None) -> list[str]:
    """The plain-text summary the command prints: file problems, the counts (the page's headline, always
    the line after the problems), columns not used, then each rejected row's errors."""
    lines = [*problems]
    lines.append(
        f"{summary.get('total', 0)} row{'' if summary.get('total', 0) == 1 else 's'}: {summary.get('new', 0)} new, {summary.get('changed', 0)} changed, "
        f"{summary.get('unchanged', 0)} unchanged, {summary.get('rejected', 0)} rejected; "
        f"{summary.get('flagged', 0)} flagged for attention."
    )
    for header, label, used in summary.get("unused_headers", []):
        lines.append(f"Column “{header}” is not used: {label} is read from “{used}”.")
    rejected = [r for r in rows if r["action"] == REJECTED]
    for row in rejected[:limit] if limit else rejected:
        for error in row["errors"]:
            lines.append(f"Row {row['row']}, column “{error['column']}”: {error['message']}")
    return lines
