"""The retention purge: every record of a learner, history included, once the retention period is over.

Who is due (`due_for_purge`):
- the retention clock starts at the learner's **latest** end date over all their registrations:
  `certificated_on`, `withdrawn_on`, `deleted_on` or `transferred_on` (so a learner certificated is
  kept three years after the certification; never certificated, three years after the last
  registration ended; and any later end restarts the clock);
- records are kept **through** clock + period and purged from the next day on;
- kept regardless: a learner with a live registration (draft, submitted, registered, grade
  declined), a registration in an ended state with no end date, no registrations at all, or an
  unreleased `RetentionHold`, or an investigation concerning them that is not yet closed (its
  evidence must not vanish mid-case; it counts as held, "under investigation").

What is removed (`purge`): a generic walk of every reverse foreign key from the learner (so models
any app adds later are covered), children first, plus the history rows of every removed object
(history tables carry the original id, and rows of children removed earlier are found by their
foreign-key columns), plus audit events about those objects, plus their ledger entries, which go
into a MAC'd tombstone so the sealed audit chain still verifies. Raw deletes: no "deleted" history
row is written for what the law says must go. Batches of learners, each in its own durable
transaction: safe to interrupt, and running twice removes nothing more.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from . import integrity
from .models import AuditEvent, Investigation, PurgeRun, RetentionHold, RetentionPolicy, TrailEntry, TrailTombstone

CHUNK = 500
BATCH_LEARNERS = 200


def shift_years(day: date, years: int) -> date:
    """`day` moved by `years` (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _chunks(values, size=CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


# ---------------------------------------------------------------------------------------------
# Who is due


@dataclass
class Candidate:
    learner_id: int
    clock_start: date | None
    keep_until: date | None
    held: bool
    reason_kept: str = ""


def _learner_clocks():
    from learners.models import Learner
    from registrations.models import Registration

    live_states = [
        Registration.State.DRAFT, Registration.State.SUBMITTED, Registration.State.REGISTERED,
        Registration.State.GRADE_DECLINED,
    ]
    undated = (
        Q(registrations__state=Registration.State.CERTIFICATED, registrations__certificated_on__isnull=True)
        | Q(registrations__state=Registration.State.WITHDRAWN, registrations__withdrawn_on__isnull=True)
        | Q(registrations__state=Registration.State.DELETED, registrations__deleted_on__isnull=True)
        | Q(registrations__state=Registration.State.TRANSFERRED_OUT, registrations__transferred_on__isnull=True)
    )
    return Learner.objects.annotate(
        n_regs=Count("registrations", distinct=True),
        n_live=Count("registrations", filter=Q(registrations__state__in=live_states), distinct=True),
        n_undated=Count("registrations", filter=undated, distinct=True),
        last_cert=Max("registrations__certificated_on"),
        last_withdrawn=Max("registrations__withdrawn_on"),
        last_deleted=Max("registrations__deleted_on"),
        last_transferred=Max("registrations__transferred_on"),
        held=Exists(RetentionHold.objects.filter(learner=OuterRef("pk"), released_on__isnull=True)),
        investigated=Exists(
            Investigation.objects.filter(learner=OuterRef("pk")).exclude(state=Investigation.State.CLOSED)
        ),
    ).values_list(
        "pk", "n_regs", "n_live", "n_undated", "last_cert", "last_withdrawn", "last_deleted", "last_transferred", "held",
        "investigated",
    )


def assess(as_of: date, years: int | None = None) -> tuple[list[Candidate], list[Candidate]]:
    """(due, held): learners past their retention period, and those past it but kept by a hold."""
    years = RetentionPolicy.current_years() if years is None else years
    due, held = [], []
    for pk, n_regs, n_live, n_undated, *ends, on_hold, investigated in _learner_clocks().iterator(chunk_size=2000):
        if not n_regs or n_live or n_undated:
            continue
        dated = [d for d in ends if d is not None]
        if not dated:
            continue
        start = max(dated)
        keep_until = shift_years(start, years)
        if as_of <= keep_until:
            continue
        kept = "on hold" if on_hold else "under investigation" if investigated else ""
        candidate = Candidate(pk, start, keep_until, bool(kept), kept)
        (held if kept else due).append(candidate)
    return due, held


# ---------------------------------------------------------------------------------------------
# What hangs off a learner


def _is_excluded(model) -> bool:
    return model in set(integrity.historical_models()) or model in set(integrity.trail_models())


def _reverse_relations(model):
    for rel in model._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            if not _is_excluded(rel.related_model):
                yield rel


@dataclass
class Plan:
    rows: dict = field(default_factory=lambda: defaultdict(set))  # model -> {pk}
    order: list = field(default_factory=list)  # models in discovery order (parents first)
    set_null: list = field(default_factory=list)  # (model, attname, {pk})


def _walk(plan: Plan, queue: list) -> None:
    while queue:
        model, ids = queue.pop(0)
        for rel in _reverse_relations(model):
            child, fk = rel.related_model, rel.field
            found = set()
            for chunk in _chunks(ids):
                found.update(child._base_manager.filter(**{f"{fk.attname}__in": chunk}).values_list("pk", flat=True))
            if not found:
                continue
            if fk.remote_field.on_delete in (models.SET_NULL, models.SET_DEFAULT) and child is not model:
                plan.set_null.append((child, fk.attname, found))
                continue
            new = found - plan.rows[child]
            if new:
                if child not in plan.order:
                    plan.order.append(child)
                plan.rows[child] |= new
                queue.append((child, new))


def collect(learner_ids) -> Plan:
    """Every row reachable from these learners through reverse foreign keys (and generic links)."""
    from learners.models import Learner

    plan = Plan()
    plan.rows[Learner] |= set(learner_ids)
    plan.order.append(Learner)
    _walk(plan, [(Learner, set(learner_ids))])
    # Investigations linked to a removed record only through their generic link go too.
    extra = set()
    for model in list(plan.order):
        for chunk in _chunks([str(pk) for pk in plan.rows[model]]):
            extra.update(
                Investigation.objects.filter(object_type=model._meta.label_lower, object_id__in=chunk).values_list("pk", flat=True)
            )
    extra -= plan.rows[Investigation]
    if extra:
        if Investigation not in plan.order:
            plan.order.append(Investigation)
        plan.rows[Investigation] |= extra
        _walk(plan, [(Investigation, extra)])
    return plan


def _history_model(model):
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, manager).model if manager else None


def _m2m_history_models(history_model):
    found = []
    for m in integrity.historical_models():
        names = {f.name: f for f in m._meta.concrete_fields}
        if "m2m_history_id" in names and "history" in names and names["history"].related_model is history_model:
            found.append(m)
    return found


def history_rows(plan: Plan) -> dict:
    """History rows to remove: model -> {history pk}, for every historical table touching the plan."""
    rows = defaultdict(set)
    purged_by_model = {m: ids for m, ids in plan.rows.items() if ids}
    for history_model in integrity.historical_models():
        if not hasattr(history_model, "instance_type"):
            continue
        tracked = history_model.instance_type
        pk_name = history_model._meta.pk.attname
        conditions = []
        if tracked in purged_by_model:
            conditions.append((tracked._meta.pk.attname, purged_by_model[tracked]))
        for f in history_model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.name != "history_user" and f.related_model in purged_by_model:
                conditions.append((f.attname, purged_by_model[f.related_model]))
        for attname, ids in conditions:
            for chunk in _chunks(ids):
                rows[history_model].update(
                    history_model._base_manager.filter(**{f"{attname}__in": chunk}).values_list(pk_name, flat=True)
                )
    for history_model, ids in list(rows.items()):
        for m2m_model in _m2m_history_models(history_model):
            for chunk in _chunks(ids):
                rows[m2m_model].update(m2m_model._base_manager.filter(history_id__in=chunk).values_list("pk", flat=True))
    return rows


def audit_event_rows(plan: Plan) -> set:
    found = set()
    for model, ids in plan.rows.items():
        for chunk in _chunks([str(pk) for pk in ids]):
            found.update(
                AuditEvent.objects.filter(object_type=model._meta.label_lower, object_id__in=chunk).values_list("pk", flat=True)
            )
    return found


def _table(model) -> str:
    return model._meta.db_table


def plan_counts(plan: Plan, history: dict, events: set) -> dict[str, int]:
    counts = {}
    for model in plan.order:
        if plan.rows[model]:
            counts[_table(model)] = len(plan.rows[model])
    for model, ids in history.items():
        if ids:
            counts[_table(model)] = len(ids)
    if events:
        counts[_table(AuditEvent)] = len(events)
    return counts


# ---------------------------------------------------------------------------------------------
# Doing it


def _purge_batch(learner_ids, reference: str, using: str = "default") -> dict[str, int]:
    with transaction.atomic(using=using, durable=True):
        with integrity.permit_history_purge(using):
            plan = collect(learner_ids)
            history = history_rows(plan)
            events = audit_event_rows(plan)
            counts = plan_counts(plan, history, events)

            # Ledger entries of the history rows and events going: into a tombstone, then removed.
            tomb = []
            ledgered = list(history.items()) + [(AuditEvent, events)]
            for model, ids in ledgered:
                for chunk in _chunks(ids):
                    entries = TrailEntry.objects.filter(table=integrity.label(model), row_id__in=chunk)
                    tomb.extend([list(e) for e in entries.values_list("id", "table", "row_id", "digest")])
                    entries._raw_delete(using)
            if tomb:
                tomb.sort()
                stone = TrailTombstone(purge_reference=reference, entries=tomb)
                stone.mac = integrity.tombstone_mac(stone)
                stone.save()
                counts[_table(TrailEntry)] = len(tomb)

            for model, ids in ledgered:
                for chunk in _chunks(ids):
                    model._base_manager.filter(pk__in=chunk)._raw_delete(using)
            for model, attname, ids in plan.set_null:
                for chunk in _chunks(ids):
                    model._base_manager.filter(pk__in=chunk).update(**{attname: None})
            for model in reversed(plan.order):  # children first
                for chunk in _chunks(plan.rows[model]):
                    model._base_manager.filter(pk__in=chunk)._raw_delete(using)
    return counts


def dry_run(as_of: date) -> tuple[list[Candidate], list[Candidate], dict[str, int]]:
    due, held = assess(as_of)
    totals: dict[str, int] = defaultdict(int)
    for batch in _chunks([c.learner_id for c in due], BATCH_LEARNERS):
        plan = collect(batch)
        for table, n in plan_counts(plan, history_rows(plan), audit_event_rows(plan)).items():
            totals[table] += n
    return due, held, dict(totals)


def purge(as_of: date, *, run_by: str = "", progress=None) -> PurgeRun:
    """Remove every learner due on `as_of`. Returns the purge log row (counts only)."""
    years = RetentionPolicy.current_years()
    due, held = assess(as_of, years)
    # A run still "running" was stopped part-way (each batch is committed on its own); this run takes
    # up what it left, so say so in the log.
    PurgeRun.objects.filter(status=PurgeRun.Status.RUNNING).update(status=PurgeRun.Status.INTERRUPTED)
    run = PurgeRun.objects.create(
        reference=uuid.uuid4().hex, as_of=as_of, retention_years=years, learners_held=len(held), run_by=run_by[:150]
    )
    totals: dict[str, int] = defaultdict(int)
    ids = [c.learner_id for c in due]
    done = 0
    for batch in _chunks(ids, BATCH_LEARNERS):
        for table, n in _purge_batch(batch, run.reference).items():
            totals[table] += n
        done += len(batch)
        run.learners_purged = done
        run.counts = dict(totals)
        run.save(update_fields=["learners_purged", "counts"])
        if progress:
            progress(done, len(ids))
    run.status = PurgeRun.Status.FINISHED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    from .services import record

    record(None, "audit.retention.purged", None, {
        "purge": run.reference, "as_of": as_of.isoformat(), "learners": done, "held": len(held),
        "rows": sum(totals.values()),
    })
    return run


def upcoming(as_of: date, days: int = 90) -> list[Candidate]:
    """Learners whose retention ends within `days` of `as_of` (for the retention page)."""
    due_later, _held = assess(as_of + timedelta(days=days))
    return due_later
