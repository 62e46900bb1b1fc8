"""Shared by the benchmark scripts: a throwaway database, timers and a budget report.

    from _harness import bench_database, timed, report
    with bench_database():
        ... build data ...
        seconds = timed(lambda: client.get(url), repeat=5)   # best of 5
        report("learner list, 10,000 learners", seconds * 1000, 150, "ms")

Run through `make bench` (DATABASE_URL chooses SQLite or PostgreSQL, as for the tests).
"""

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

RESULTS: list[tuple[str, float, float, str, bool]] = []


@contextmanager
def bench_database():
    """A fresh test database (migrated, with the role groups), destroyed afterwards."""
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        print_summary()


def timed(fn, repeat: int = 3) -> float:
    """Best wall-clock seconds of `repeat` runs of fn()."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def report(name: str, value: float, budget: float, unit: str) -> None:
    ok = value <= budget
    RESULTS.append((name, value, budget, unit, ok))
    print(f"  {'OK  ' if ok else 'OVER'} {name}: {value:,.1f} {unit} (budget {budget:,.1f} {unit})", flush=True)


def print_summary() -> None:
    if not RESULTS:
        return
    over = [r for r in RESULTS if not r[4]]
    engine = connection.vendor
    print(f"  -- {len(RESULTS) - len(over)}/{len(RESULTS)} within budget on {engine}")


def clear_tables(*models) -> None:
    """Delete the rows of `models` and their history between repeats. History is insert-only (audit app
    triggers), so this uses the retention purge's permit, inside the durable transaction it needs."""
    from django.db import transaction

    from audit.integrity import permit_history_purge

    with transaction.atomic(durable=True), permit_history_purge():
        for model in models:
            model.history.all().delete()
            model.objects.all().delete()
