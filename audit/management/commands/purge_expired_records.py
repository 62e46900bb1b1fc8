"""Remove every record of learners whose retention period is over (see audit/retention.py).

    python manage.py purge_expired_records --dry-run             # what would go, counts per table
    python manage.py purge_expired_records                       # do it (as of today)
    python manage.py purge_expired_records --as-of 2029-09-01    # as if on that day

Back up the database first (docs/audit.md). Safe to interrupt and to run twice.
"""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import retention
from audit.models import RetentionPolicy


class Command(BaseCommand):
    help = "Purge learners' records once the retention period after their last certification is over."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say what would be removed.")
        parser.add_argument("--as-of", help="Run as if on this date (YYYY-MM-DD); default today.")

    def handle(self, *args, **options):
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {options['as_of']!r}") from exc
        else:
            as_of = timezone.localdate()
        years = RetentionPolicy.current_years()
        self.stdout.write(f"Retention: {years} years after the last certification or registration end; as of {as_of:%d/%m/%Y}.")
        started = time.perf_counter()
        if options["dry_run"]:
            due, held, counts = retention.dry_run(as_of)
            self.stdout.write(f"Dry run: {len(due)} learner(s) would be removed; {len(held)} kept by a retention hold.")
            self._counts(counts)
            self.stdout.write("Nothing was removed.")
            return
        due, held = retention.assess(as_of, years)
        self.stdout.write(f"{len(due)} learner(s) to remove; {len(held)} kept by a retention hold.")

        def progress(done, total):
            self.stdout.write(f"  … {done:,}/{total:,} learners removed ({time.perf_counter() - started:.1f} s)")

        run = retention.purge(as_of, run_by="manage.py purge_expired_records", progress=progress)
        self._counts(run.counts)
        self.stdout.write(self.style.SUCCESS(
            f"Purge {run.reference} finished: {run.learners_purged} learner(s) removed in {time.perf_counter() - started:.1f} s."
        ))

    def _counts(self, counts):
        if not counts:
            self.stdout.write("  (no rows)")
        for table, n in sorted(counts.items()):
            self.stdout.write(f"  {table}: {n:,} row(s)")
