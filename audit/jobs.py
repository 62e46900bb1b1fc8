"""Background runners for the audit pages (core.jobs)."""

from core.jobs import JobResult

from . import integrity
from .services import record


def verify_trail(job, progress) -> JobResult:
    """Verify the whole trail off the request; seal new entries if it is intact."""
    tables = len(integrity.ledgered_models())
    progress.set_total(tables)
    done = {"n": 0}

    def step(table):
        done["n"] += 1
        progress.advance(done["n"], f"Checked {table}")

    result = integrity.verify(progress=step)
    record(job.requested_by, "audit.trail.verified", None, {
        "intact": result.intact, "problems": len(result.problems), "rows": result.rows_checked,
    })
    sealed = integrity.seal() if result.intact else None
    return JobResult(
        summary={
            "intact": result.intact,
            "rows": result.rows_checked,
            "seals": result.seals_checked,
            "problems": [str(p) for p in result.problems[:50]],
            "tables_without_trigger": result.tables_without_trigger,
            "sealed": sealed.entry_count if sealed else 0,
        },
        message="The audit trail is intact." if result.intact else f"The audit trail is NOT intact: {len(result.problems)} problem(s).",
    )
