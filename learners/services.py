"""Changes to learners. A change to what Pearson holds (legal name, date of birth, sex, ULN) of a
learner already sent to Pearson raises a notification owed to Pearson."""

from django.db import transaction

from core.exceptions import DomainError
from core.history import bulk_create_tracked, bulk_update_tracked, save_tracked

from .models import Centre, Learner

# Fields Pearson holds for a registered learner; changing one must be notified.
PEARSON_FIELDS = ("legal_first_name", "legal_last_name", "date_of_birth", "sex", "uln")
EDITABLE_FIELDS = (
    "mis_id", "legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "sex",
    "uln", "uln_not_yet_known", "uci", "candidate_number", "email", "status",
)


@transaction.atomic
def learner_create(*, actor, centre: Centre, reason: str = "Learner added", **fields) -> Learner:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown learner field(s): {', '.join(sorted(unknown))}.")
    learner = Learner(centre=centre, **fields)
    save_tracked(learner, actor=actor, reason=reason)
    return learner


@transaction.atomic
def learner_update(*, actor, learner: Learner, changes: dict, reason: str) -> Learner:
    """Apply `changes` (field → new value). Returns the learner; raises DomainError/ValidationError."""
    from registrations.models import PearsonNotification, Registration
    from registrations.services import notification_raise

    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown learner field(s): {', '.join(sorted(unknown))}.")
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    before = {name: getattr(learner, name) for name in changes}
    changed = {name: value for name, value in changes.items() if before[name] != value}
    if not changed:
        return learner
    for name, value in changed.items():
        setattr(learner, name, value)
    save_tracked(learner, actor=actor, reason=reason, update_fields=list(changed))

    pearson_changes = {
        name: [_plain(before[name]), _plain(changed[name])] for name in PEARSON_FIELDS if name in changed
    }
    known_to_pearson = learner.registrations.filter(state__in=Registration.HELD_BY_PEARSON).select_related(
        "programme__qualification"
    )
    if pearson_changes and known_to_pearson.exists():
        labels = ", ".join(str(Learner._meta.get_field(n).verbose_name) for n in pearson_changes)
        notification_raise(
            actor=actor, kind=PearsonNotification.Kind.LEARNER_DETAILS, learner=learner, reason=reason,
            summary=f"Correct {labels} for {learner.full_legal_name} "
            f"({', '.join(r.pearson_registration_number or str(r.programme) for r in known_to_pearson)})",
            details=pearson_changes,
        )
    return learner


def _plain(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.strftime("%d/%m/%Y")
    return str(value)


# --- Import from the MIS -------------------------------------------------------------------------

def _read_import(data: bytes, filename: str):
    from core.spreadsheets import read_table

    return read_table(data, filename=filename)


@transaction.atomic
def learner_import_preview(*, actor, centre: Centre, data: bytes, filename: str, overrides: dict | None = None,
                           existing=None):
    """Read and check the file; store what would happen (nothing is written to learners).

    Raises core.spreadsheets.SpreadsheetError for a file that cannot be read at all.
    """
    import hashlib

    from audit.services import record

    from .imports import build_preview
    from .models import LearnerImport

    table = _read_import(data, filename)
    preview = build_preview(table, centre, overrides=overrides)
    batch = existing or LearnerImport(centre=centre, uploaded_by=actor)
    batch.filename = filename[:200]
    batch.file_sha256 = hashlib.sha256(data).hexdigest()
    batch.file_data = data
    batch.column_mapping = preview.mapping
    batch.rows = preview.rows
    batch.summary = {**preview.summary, "unknown_headers": preview.unknown_headers, "headers": table.headers,
                     "unused_headers": preview.unused_headers, "overrides": overrides or {}}
    batch.problems = preview.problems
    batch.fingerprint = preview.fingerprint
    save_tracked(batch, actor=actor, reason="Learner file checked (preview)", clean=False)
    record(actor, "learners.import.preview", batch, {"filename": filename, **preview.summary})
    return batch


@transaction.atomic
def learner_import_remap(*, actor, batch, overrides: dict[str, str]):
    """Check the stored file again with the officer's choice of heading for each unknown column."""
    from .models import LearnerImport

    batch = LearnerImport.objects.select_for_update().get(pk=batch.pk)
    if batch.state != LearnerImport.State.PREVIEWED:
        raise DomainError("This import has already been confirmed or abandoned.")
    return learner_import_preview(actor=actor, centre=batch.centre, data=bytes(batch.file_data),
                                  filename=batch.filename, overrides=overrides, existing=batch)


@transaction.atomic
def learner_import_confirm(*, actor, batch, reason: str = ""):
    """Write every new and changed learner of the preview, in one transaction, exactly as previewed."""
    from datetime import date

    from django.db import IntegrityError
    from django.utils import timezone

    from audit.services import record
    from registrations.models import PearsonNotification
    from registrations.services import notification_raise

    from .imports import CHANGED, NEW, PEARSON_FIELDS, fingerprint
    from .models import LearnerImport

    batch = LearnerImport.objects.select_for_update().select_related("centre").get(pk=batch.pk)
    if batch.state != LearnerImport.State.PREVIEWED:
        raise DomainError("This import has already been confirmed or abandoned: upload the file again.")
    if batch.problems or batch.summary.get("rejected"):
        raise DomainError("Some rows are rejected: correct the file and upload it again (nothing was saved).")
    new_rows = [r for r in batch.rows if r["action"] == NEW]
    changed_rows = [r for r in batch.rows if r["action"] == CHANGED]
    # Lock the learners to be changed before checking nobody changed them since the preview: a correction
    # made on the learner page now waits for this import instead of being overwritten by it.
    learners = {learner.pk: learner for learner in
                Learner.objects.select_for_update().filter(pk__any_of=[r["learner_id"] for r in changed_rows])}
    if fingerprint(batch.centre, batch.rows) != batch.fingerprint:
        raise DomainError(
            "Some of these learners were changed since the preview was made: upload the file again to see "
            "the changes against the current records (nothing was saved)."
        )
    reason = (reason or "").strip() or f"Imported from {batch.filename}"

    def typed(values: dict) -> dict:
        out = dict(values)
        if out.get("date_of_birth"):
            out["date_of_birth"] = date.fromisoformat(out["date_of_birth"])
        return out

    try:
        created = bulk_create_tracked(
            Learner, [Learner(centre=batch.centre, **typed(r["values"])) for r in new_rows], actor=actor, reason=reason,
        )
        updated_fields: set[str] = set()
        for row in changed_rows:
            learner = learners[row["learner_id"]]
            for name, new in typed({k: v[1] for k, v in row["changes"].items()}).items():
                setattr(learner, name, new)
                updated_fields.add(name)
        bulk_update_tracked(Learner, [learners[r["learner_id"]] for r in changed_rows], sorted(updated_fields),
                            actor=actor, reason=reason)
    except IntegrityError as exc:
        raise DomainError(f"The import could not be saved because the records changed meanwhile ({exc}); nothing was saved.")

    notified = 0
    for row in changed_rows:
        if not row.get("notify_pearson"):
            continue
        learner = learners[row["learner_id"]]
        pearson = {n: [str(o or ""), str(v or "")] for n, (o, v) in row["changes"].items() if n in PEARSON_FIELDS}
        labels = ", ".join(str(Learner._meta.get_field(n).verbose_name) for n in pearson)
        notification_raise(
            actor=actor, kind=PearsonNotification.Kind.LEARNER_DETAILS, learner=learner, reason=reason,
            summary=f"Correct {labels} for {learner.full_legal_name} (from the MIS import)", details=pearson,
        )
        notified += 1

    batch.state = LearnerImport.State.CONFIRMED
    batch.confirmed_by = actor
    batch.confirmed_at = timezone.now()
    batch.summary = {**batch.summary, "created": len(created), "updated": len(changed_rows), "notified": notified}
    save_tracked(batch, actor=actor, reason=reason, update_fields=["state", "confirmed_by", "confirmed_at", "summary"], clean=False)
    record(actor, "learners.import.confirm", batch, {"filename": batch.filename, "created": len(created),
                                                      "updated": len(changed_rows), "notified": notified})
    return batch


@transaction.atomic
def learner_import_abandon(*, actor, batch):
    from .models import LearnerImport

    batch = LearnerImport.objects.select_for_update().get(pk=batch.pk)
    if batch.state != LearnerImport.State.PREVIEWED:
        raise DomainError("Only an import that has not been confirmed can be abandoned.")
    batch.state = LearnerImport.State.ABANDONED
    save_tracked(batch, actor=actor, reason="Import abandoned", update_fields=["state"], clean=False)
    return batch
