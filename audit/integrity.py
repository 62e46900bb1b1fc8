"""The insert-only, tamper-evident audit trail.

Two defences, one in the database and one in the application:

1. **Triggers** on every history table (each simple-history model, its m2m history tables, and the
   audit app's own trail tables) refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). Only the
   retention purge (and Django's test `flush`) switch them off, for their own transaction/connection:
   - PostgreSQL: `current_setting('app.history_purge', true) = 'on'` (set transaction-locally by
     the purge, which runs in `transaction.atomic(durable=True)`).
   - SQLite: `audit_purge_allowed()`, a SQL function this app registers on each of its own
     connections, answering 1 only while `permit_history_purge()` is active on that connection. A
     connection opened by anybody else (the sqlite3 shell) has no such function, so the trigger
     fails and the change is refused there too.
   Triggers are (re)installed after every `migrate` for every historical model found, so a new model
   added by any app is covered with no extra work.

2. **A keyed ledger with sealed digests.** Every history row and audit event gets, in the same
   transaction, a `TrailEntry` holding an HMAC of its contents (key: `AUDIT_CHAIN_KEY` from the
   environment, else derived from SECRET_KEY; never stored in the database). `seal()` closes the
   entries written so far into a `TrailSeal`: count + digest of the entries + the previous seal's
   MAC, itself MAC'd, so seals form a chain. `verify()` recomputes everything:
   - a row whose HMAC no longer matches its entry → *changed*;
   - an entry whose row has gone → *deleted*;
   - a row with no entry → *inserted behind the application's back*;
   - a seal whose entries no longer add up → entries removed or forged (even row + entry together);
   - a seal whose MAC or link is wrong → the seal chain was tampered with.
   The retention purge writes a `TrailTombstone` (MAC'd) listing the entries it removed (table name,
   row id and HMAC only: no personal data), so the seals still add up after a legitimate purge.
"""

import bisect
import functools
import hashlib
import hmac
import json
import os
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connections, models, transaction

TRIGGER_NAME = "audit_insert_only"
PG_FUNCTION = "audit_refuse_history_change"
SQLITE_FUNCTION = "audit_purge_allowed"


# ---------------------------------------------------------------------------------------------
# Which tables are insert-only


def historical_models() -> list[type[models.Model]]:
    """Every simple-history model (including m2m history models) in the project."""
    found = []
    for model in apps.get_models():
        if hasattr(model, "instance_type") or hasattr(model, "m2m_history_id"):
            found.append(model)
        elif any(f.name == "m2m_history_id" for f in model._meta.concrete_fields):
            found.append(model)
    return found


def trail_models() -> list[type[models.Model]]:
    from .models import AuditEvent, TrailEntry, TrailSeal, TrailTombstone

    return [AuditEvent, TrailEntry, TrailSeal, TrailTombstone]


def ledgered_models() -> list[type[models.Model]]:
    """Models whose every row has a TrailEntry (history rows and audit events)."""
    from .models import AuditEvent

    return [*historical_models(), AuditEvent]


def protected_tables() -> list[str]:
    tables = {m._meta.db_table for m in historical_models()} | {m._meta.db_table for m in trail_models()}
    return sorted(tables)


# ---------------------------------------------------------------------------------------------
# Triggers


def install_triggers(using: str = "default") -> list[str]:
    """Create (or refresh) the insert-only triggers on every protected table. Idempotent."""
    connection = connections[using]
    tables = protected_tables()
    existing = set(connection.introspection.table_names())
    tables = [t for t in tables if t in existing]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $body$
                BEGIN
                    IF coalesce(current_setting('app.history_purge', true), '') = 'on' THEN
                        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                        RETURN NEW;
                    END IF;
                    RAISE EXCEPTION 'The audit trail is insert-only: % on % refused', TG_OP, TG_TABLE_NAME
                        USING ERRCODE = 'insufficient_privilege';
                END
                $body$ LANGUAGE plpgsql
                """
            )
            for table in tables:
                q = connection.ops.quote_name(table)
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRIGGER_NAME} BEFORE UPDATE OR DELETE ON {q} "
                    f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
                )
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRIGGER_NAME}_truncate BEFORE TRUNCATE ON {q} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
                )
        elif connection.vendor == "sqlite":
            for table in tables:
                q = connection.ops.quote_name(table)
                for op in ("UPDATE", "DELETE"):
                    name = connection.ops.quote_name(f"{TRIGGER_NAME}_{op.lower()}_{table}")
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {q} "
                        f"WHEN NOT {SQLITE_FUNCTION}() BEGIN "
                        f"SELECT RAISE(ABORT, 'The audit trail is insert-only: {op} on {table} refused'); END"
                    )
    return tables


def tables_with_triggers(using: str = "default") -> set[str]:
    """Protected tables that really have the insert-only trigger in the database (for tests and the page)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name = %s "
                "GROUP BY event_object_table HAVING count(DISTINCT event_manipulation) = 2",
                [TRIGGER_NAME],
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        found = defaultdict(set)
        for table, name in cursor.fetchall():
            for op in ("update", "delete"):
                if name == f"{TRIGGER_NAME}_{op}_{table}":
                    found[table].add(op)
        return {t for t, ops in found.items() if len(ops) == 2}


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created: give our SQLite connections the switch the triggers consult."""
    if connection.vendor != "sqlite":
        return
    wrapper = connection
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: 1 if getattr(wrapper, "audit_purge_allowed", False) else 0
    )


@contextmanager
def permit_history_purge(using: str = "default"):
    """Let this connection UPDATE/DELETE history rows for the duration of the block.

    PostgreSQL: call inside `transaction.atomic(durable=True)`: the setting is transaction-local and
    ends with that transaction. SQLite: a flag on this connection only, cleared on exit.
    """
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("SELECT set_config('app.history_purge', 'on', true)")
            else:
                cursor.execute("SELECT set_config('app.history_purge', 'on', false)")
        try:
            yield
        finally:
            if connection.connection is not None and not connection.needs_rollback:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config('app.history_purge', 'off', %s)", [connection.in_atomic_block])
                except DatabaseError:  # the transaction is aborted: the local setting dies with it
                    connection.needs_rollback = True
    else:
        connection.audit_purge_allowed = True
        try:
            yield
        finally:
            connection.audit_purge_allowed = False


# ---------------------------------------------------------------------------------------------
# Row digests


@functools.lru_cache(maxsize=4)
def _derived_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"btec-audit-trail-chain", hashlib.sha256).digest()


def _key() -> bytes:
    key = os.environ.get("AUDIT_CHAIN_KEY") or getattr(settings, "AUDIT_CHAIN_KEY", "")
    if key:
        return key.encode()
    return _derived_key(settings.SECRET_KEY)  # derived once per key: mac() runs for every history row


def mac(*parts) -> str:
    message = "\x1f".join(str(p) for p in parts).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def _canonical(model_field: models.Field, value) -> str:
    """The same text for a value whether it comes from the object being saved or back from the database."""
    if value is None:
        return "\x00"
    # Fast paths for the commonest cells (same text as the general path below, without to_python).
    if type(value) is str and isinstance(model_field, (models.CharField, models.TextField)):
        return value
    if type(value) is int and isinstance(model_field, (models.IntegerField, models.ForeignKey)):
        return str(value)
    if isinstance(model_field, models.BinaryField):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(model_field, models.JSONField):
        normalised = json.loads(json.dumps(value, cls=model_field.encoder))
        return json.dumps(normalised, sort_keys=True, separators=(",", ":"))
    try:
        value = model_field.to_python(value)
    except Exception:  # keep what we have: the comparison then fails loudly rather than silently
        return str(value)
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        places = getattr(model_field, "decimal_places", None)
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places))
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, UUID):
        return value.hex
    if isinstance(model_field, models.GenericIPAddressField):
        return str(model_field.get_prep_value(value))
    return str(value)


def _fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def label(model) -> str:
    return model._meta.label_lower


@functools.cache
def _plan(model) -> tuple[str, tuple[tuple[str, models.Field], ...]]:
    """The model's label and (attname, field) pairs, worked out once per model: digests run per row."""
    return label(model), tuple((f.attname, f) for f in _fields(model))


def row_digest(model, pk, values: dict) -> str:
    name, plan = _plan(model)
    return mac(name, pk, *[f"{attname}={_canonical(f, values.get(attname))}" for attname, f in plan])


def instance_digest(instance) -> str:
    name, plan = _plan(type(instance))
    return mac(name, instance.pk, *[f"{attname}={_canonical(f, getattr(instance, attname))}" for attname, f in plan])


# ---------------------------------------------------------------------------------------------
# Writing entries (called from signals, and by the bulk-history patch)


def ledger_instances(instances, using: str = "default") -> None:
    """One ledger entry per row, in the order given (the seals cover id ranges)."""
    _write_entries([(label(type(obj)), obj.pk, instance_digest(obj)) for obj in instances if obj.pk is not None], using)


def ledger_rows(model, rows, using: str = "default") -> None:
    """`ledger_instances` for rows written without model instances: [(pk, {attname: value})]."""
    _write_entries([(label(model), pk, row_digest(model, pk, values)) for pk, values in rows], using)


def _write_entries(entries: list[tuple[str, int, str]], using: str) -> None:
    # core.bulk, not the ORM: this runs for every history row, and the ORM's per-value compilation was
    # most of an import's cost.
    from core.bulk import insert_rows

    from .models import TrailEntry

    fields = [TrailEntry._meta.get_field(name) for name in ("table", "row_id", "digest")]
    insert_rows(TrailEntry, fields, entries, using=using)


def adopt_unledgered(using: str = "default") -> int:
    """Give an entry to rows that have none (rows written by data migrations before the ledger existed).

    Run by `migrate` only (post_migrate): a row slipped in behind the application's back between
    migrations would be adopted too, so the count is recorded as an audit event for all to see.
    """
    from .models import TrailEntry

    adopted = 0
    for model in ledgered_models():
        known = set(TrailEntry.objects.using(using).filter(table=label(model)).values_list("row_id", flat=True))
        missing = [obj for obj in model._default_manager.using(using).iterator() if obj.pk not in known]
        if missing:
            ledger_instances(missing, using)
            adopted += len(missing)
    return adopted


# ---------------------------------------------------------------------------------------------
# Seals


def _entries_digest(entries: list[tuple[int, str, int, str]]) -> str:
    h = hashlib.sha256()
    for entry_id, table, row_id, digest in sorted(entries):
        h.update(f"{entry_id}|{table}|{row_id}|{digest}\n".encode())
    return h.hexdigest()


def seal_mac(seal) -> str:
    return mac(
        "seal", seal.first_entry_id, seal.last_entry_id, seal.entry_count, seal.entries_digest, seal.previous_mac,
        seal.sealed_at.astimezone(UTC).isoformat(timespec="microseconds"),
    )


def tombstone_mac(tombstone) -> str:
    return mac("tombstone", tombstone.purge_reference, json.dumps(tombstone.entries, separators=(",", ":")))


def seal(using: str = "default"):
    """Close every entry written since the last seal into a new seal on the chain. None if nothing new."""
    from django.utils import timezone

    from .models import TrailEntry, TrailSeal

    with transaction.atomic(using=using):
        last = TrailSeal.objects.using(using).select_for_update().order_by("-id").first()
        start = last.last_entry_id if last else 0
        rows = list(
            TrailEntry.objects.using(using).filter(id__gt=start).order_by("id").values_list("id", "table", "row_id", "digest")
        )
        if not rows:
            return None
        new = TrailSeal(
            first_entry_id=start + 1,
            last_entry_id=rows[-1][0],
            entry_count=len(rows),
            entries_digest=_entries_digest(rows),
            previous_mac=last.mac if last else "",
            sealed_at=timezone.now(),
        )
        new.mac = seal_mac(new)
        new.save(using=using)
        return new


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass
class Problem:
    table: str
    row: str
    what: str

    def __str__(self) -> str:
        return f"{self.table} row {self.row}: {self.what}"


@dataclass
class VerificationResult:
    rows_checked: int = 0
    entries_checked: int = 0
    seals_checked: int = 0
    unsealed_entries: int = 0
    tombstones: int = 0
    problems: list[Problem] = field(default_factory=list)
    tables_without_trigger: list[str] = field(default_factory=list)
    last_seal_at: datetime | None = None

    @property
    def intact(self) -> bool:
        return not self.problems and not self.tables_without_trigger

    def event_data(self, limit: int = 20) -> dict:
        """What the `audit.trail.verified` event keeps, so the integrity page can name what is broken.
        Table names, row ids and what is wrong only: no contents of the rows."""
        broken = [f"{t}: no insert-only trigger" for t in self.tables_without_trigger] + [str(p) for p in self.problems]
        return {
            "intact": self.intact, "problems": len(self.problems) + len(self.tables_without_trigger),
            "rows": self.rows_checked, "broken": broken[:limit],
        }


def verify(using: str = "default", *, progress=None, max_problems: int = 1000) -> VerificationResult:
    """Recompute every row's HMAC, every seal and the seal chain. Reads only."""
    from .models import TrailEntry, TrailSeal, TrailTombstone

    result = VerificationResult()
    problems = result.problems

    def problem(table, row, what):
        if len(problems) < max_problems:
            problems.append(Problem(table, str(row), what))

    # 1. Every ledgered row against its entry.
    entries_by_table: dict[str, dict[int, str]] = defaultdict(dict)
    for table, row_id, digest in TrailEntry.objects.using(using).values_list("table", "row_id", "digest").iterator(chunk_size=5000):
        entries_by_table[table][row_id] = digest
        result.entries_checked += 1
    for model in ledgered_models():
        table = label(model)
        expected = entries_by_table.pop(table, {})
        names = [f.attname for f in _fields(model)]
        pk_name = model._meta.pk.attname
        qs = model._default_manager.using(using).order_by(pk_name).values_list(pk_name, *names)
        for row in qs.iterator(chunk_size=5000):
            pk = row[0]
            result.rows_checked += 1
            digest = row_digest(model, pk, dict(zip(names, row[1:], strict=True)))
            known = expected.pop(pk, None)
            if known is None:
                problem(model._meta.db_table, pk, "inserted behind the application's back (no ledger entry)")
            elif not hmac.compare_digest(known, digest):
                problem(model._meta.db_table, pk, "changed since it was written (digest does not match)")
        for pk in sorted(expected):
            problem(model._meta.db_table, pk, "deleted behind the application's back (ledger entry without its row)")
        if progress:
            progress(table)
    for table, rows in entries_by_table.items():
        for pk in sorted(rows):
            problem(table, pk, "ledger entry for a table that no longer exists")

    # 2. Tombstones (legitimate purges) must be genuine.
    tombstoned: list[tuple[int, str, int, str]] = []
    for tombstone in TrailTombstone.objects.using(using).order_by("id"):
        result.tombstones += 1
        if not hmac.compare_digest(tombstone.mac, tombstone_mac(tombstone)):
            problem(TrailTombstone._meta.db_table, tombstone.pk, "purge tombstone altered or forged")
            continue
        tombstoned.extend(tuple(e) for e in tombstone.entries)
    tombstoned.sort()

    # 3. Seals: each adds up to its entries (+ tombstoned ones), and the chain links.
    previous_mac = ""
    previous_last = 0
    seals = list(TrailSeal.objects.using(using).order_by("id"))
    tomb_ids = [t[0] for t in tombstoned]
    for s in seals:
        result.seals_checked += 1
        table = TrailSeal._meta.db_table
        if not hmac.compare_digest(s.mac, seal_mac(s)):
            problem(table, s.pk, "seal altered or forged (MAC does not match)")
        if s.previous_mac != previous_mac or s.first_entry_id != previous_last + 1:
            problem(table, s.pk, "seal chain broken (a seal was removed, reordered or inserted)")
        rows = list(
            TrailEntry.objects.using(using)
            .filter(id__gte=s.first_entry_id, id__lte=s.last_entry_id)
            .values_list("id", "table", "row_id", "digest")
        )
        lo = bisect.bisect_left(tomb_ids, s.first_entry_id)
        hi = bisect.bisect_right(tomb_ids, s.last_entry_id)
        rows.extend(tombstoned[lo:hi])
        if len(rows) != s.entry_count or _entries_digest(rows) != s.entries_digest:
            problem(
                TrailEntry._meta.db_table,
                f"{s.first_entry_id}–{s.last_entry_id}",
                f"entries sealed by seal {s.pk} were removed, changed or added "
                f"({len(rows)} found, {s.entry_count} sealed)",
            )
        previous_mac = s.mac
        previous_last = s.last_entry_id
        result.last_seal_at = s.sealed_at
    result.unsealed_entries = TrailEntry.objects.using(using).filter(id__gt=previous_last).count()

    # 4. The triggers are in place.
    have = tables_with_triggers(using)
    existing = set(connections[using].introspection.table_names())
    result.tables_without_trigger = [t for t in protected_tables() if t in existing and t not in have]
    return result
