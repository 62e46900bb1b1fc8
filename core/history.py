"""Saving domain rows with who and why, and reading their history back in plain words."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.utils import timezone

from .bulk import insert_rows, update_rows
from .exceptions import DomainError

# Sent by `bulk_create_tracked` after it wrote history rows without model instances:
# sender = the historical model, rows = [(history_id, {attname: value})], using = the database alias.
# The audit app gives each row its ledger entry.
history_rows_created = Signal()


def save_tracked(obj: models.Model, *, actor, reason: str, update_fields: list[str] | None = None, clean: bool = True) -> None:
    """Validate and save a domain row, stamping its history row with the actor and the reason.

    Services call this instead of `.save()` so that no change is made without a who and a why.
    """
    reason = _require_reason(reason)
    if clean:
        obj.full_clean()
    obj._history_user = actor
    obj._change_reason = reason
    if update_fields is not None and obj.pk is not None:
        auto = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
        obj.save(update_fields=sorted(set(update_fields) | set(auto)))
    else:
        obj.save()


def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise DomainError("Say why this change is being made (a reason is required).", field="reason")
    return reason.strip()


def bulk_save_tracked(model, objs: list, fields: list[str], *, actor, reason: str, using: str = "default") -> None:
    """`save_tracked` for many rows that take the same new values of `fields` (already set on every
    object): one UPDATE per chunk of 500, and one history row per object carrying the actor and its own
    `_change_reason` if it has one (else `reason`). Group the objects by value before calling; for rows
    that each take their own values, `bulk_update_tracked`."""
    if not objs:
        return
    reason = _require_reason(reason)
    values = {f: getattr(objs[0], f) for f in fields}
    if any(getattr(o, f) != v for o in objs for f, v in values.items()):
        raise ValueError("bulk_save_tracked writes one value per field: group the objects by value first")
    for start in range(0, len(objs), 500):
        model.objects.using(using).filter(pk__in=[o.pk for o in objs[start:start + 500]]).update(**values)
    _write_history(model, objs, "~", actor=actor, reason=reason, using=using)


def bulk_create_tracked(model, objs: list, *, actor, reason: str, using: str = "default") -> list:
    """`save_tracked` for many new rows: insert them and their "Created" history rows (actor, reason) in
    a handful of statements, and return the objects with their primary keys.

    What `simple_history.utils.bulk_create_with_history` writes, row for row, but without building a
    historical model instance per row or the ORM's per-value compilation (`core.bulk`): the MIS import's
    budget is measured against the time openpyxl takes to read the file. Like `bulk_create`, no
    `full_clean`, `save()` or signals run: validate first, and let the database's constraints refuse the rest.
    """
    if not objs:
        return []
    reason = _require_reason(reason)
    if any(obj.pk is not None for obj in objs):
        raise ValueError("bulk_create_tracked creates new rows: their primary keys come from the database")
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create_tracked")  # as bulk_create: no unsaved parents
        for f in stamped:
            f.pre_save(obj, add=True)
    pks = insert_rows(model, fields, [[getattr(o, f.attname) for f in fields] for o in objs], using=using, returning=True)
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
    _write_history(model, objs, "+", actor=actor, reason=reason, using=using)
    return objs


def bulk_update_tracked(model, objs: list, fields: list[str], *, actor, reason: str, using: str = "default") -> None:
    """`save_tracked(update_fields=fields)` for many rows, each with its own new values already set on the
    object: auto-now fields are stamped, the rows updated in a few statements (`core.bulk.update_rows`,
    where Django's `bulk_update` builds a CASE per field and row) and each gets its "Changed" history row.
    No `full_clean`, `save()` or signals run: validate first."""
    if not objs:
        return
    reason = _require_reason(reason)
    if any(obj.pk is None for obj in objs):
        raise ValueError("bulk_update_tracked changes saved rows: save new ones with bulk_create_tracked")
    stamped = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    columns = {model._meta.get_field(name) for name in fields} | set(stamped)
    columns = sorted(columns, key=lambda f: f.attname)
    for obj in objs:
        for f in stamped:
            f.pre_save(obj, add=False)
    update_rows(model, columns, [(obj.pk, [getattr(obj, f.attname) for f in columns]) for obj in objs], using=using)
    _write_history(model, objs, "~", actor=actor, reason=reason, using=using)


def _write_history(model, objs: list, history_type: str, *, actor, reason: str, using: str) -> None:
    """One history row per object, as it now stands (what simple-history's bulk_history_create writes),
    without a historical model instance per row; the audit app ledgers them (`history_rows_created`)."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history_model = model.history.model
    when = timezone.now()
    user_id = getattr(actor, "pk", None)
    tracked = [f.attname for f in history_model.tracked_fields]
    values = [
        {
            **{name: getattr(obj, name) for name in tracked},
            "history_date": when, "history_user_id": user_id, "history_type": history_type,
            "history_change_reason": getattr(obj, "_change_reason", None) or reason,
        }
        for obj in objs
    ]
    fields = [f for f in history_model._meta.concrete_fields if not f.primary_key]
    history_ids = insert_rows(history_model, fields, [[row[f.attname] for f in fields] for row in values],
                              using=using, returning=True)
    history_rows_created.send(sender=history_model, rows=list(zip(history_ids, values, strict=True)), using=using)


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    kind: str  # "Created", "Changed", "Deleted"
    reason: str
    changes: list[FieldChange]


_KIND = {"+": "Created", "~": "Changed", "-": "Deleted"}


def _display(record, field_name: str, value) -> str:
    field = record.instance_type._meta.get_field(field_name)
    if value in (None, ""):
        return "—"
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        target = field.related_model._default_manager.filter(pk=value).first()
        return str(target) if target is not None else f"#{value}"
    if isinstance(field, models.DateTimeField) and hasattr(value, "strftime"):  # before DateField: a subclass
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if timezone.is_aware(value) else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(field, models.DateField) and hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    if isinstance(field, models.BooleanField):
        return "yes" if value else "no"
    return str(value)


def history_entries(obj: models.Model, *, limit: int = 100) -> list[HistoryEntry]:
    """The object's history, newest first: who, when, why and which fields changed from what to what."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    entries = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        changes: list[FieldChange] = []
        if record.history_type == "~" and previous is not None:
            delta = record.diff_against(previous, foreign_keys_are_objs=False)
            for change in delta.changes:
                try:
                    label = str(obj._meta.get_field(change.field).verbose_name)
                    old = _display(record, change.field, change.old)
                    new = _display(record, change.field, change.new)
                except Exception:  # m2m fields and fields since removed: show them raw
                    label, old, new = change.field, str(change.old), str(change.new)
                changes.append(FieldChange(label[:1].upper() + label[1:], old, new))
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.username) if user else "system",
                kind=_KIND.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries
