"""python manage.py import_learners FILE --centre NNNNN [--dry-run] [--user USERNAME]

The same engine as the upload page: prints the same summary; with any rejected row it prints the
row errors, saves nothing and exits non-zero.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from core.spreadsheets import SpreadsheetError
from learners import services
from learners.imports import summary_lines
from learners.models import Centre


class Command(BaseCommand):
    help = "Import learners from an MIS export (.xlsx or .csv): check every row, then save all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--centre", required=True, help="Centre number (5 digits)")
        parser.add_argument("--dry-run", action="store_true", help="Check and print the summary; save nothing.")
        parser.add_argument("--user", help="Username recorded as the importer (needed when Pearson must be told of changes).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        centre = Centre.objects.filter(number=options["centre"]).first()
        if centre is None:
            raise CommandError(f"No centre numbered {options['centre']}.")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['user']}.")
        try:
            batch = services.learner_import_preview(actor=actor, centre=centre, data=path.read_bytes(), filename=path.name)
        except SpreadsheetError as exc:
            raise CommandError(exc.message)
        for line in summary_lines(batch.summary, batch.problems, batch.rows):
            self.stdout.write(line)
        if batch.problems or batch.summary.get("rejected"):
            services.learner_import_abandon(actor=actor, batch=batch)
            raise CommandError("Nothing was saved: correct the rows above and run the import again.")
        if options["dry_run"]:
            services.learner_import_abandon(actor=actor, batch=batch)
            self.stdout.write("Dry run: nothing was saved.")
            return
        if actor is None and any(r.get("notify_pearson") for r in batch.rows):
            services.learner_import_abandon(actor=actor, batch=batch)
            raise CommandError("Some changes must be notified to Pearson: run again with --user USERNAME (nothing was saved).")
        try:
            batch = services.learner_import_confirm(actor=actor, batch=batch)
        except DomainError as exc:
            raise CommandError(exc.message)
        self.stdout.write(self.style.SUCCESS(
            f"Saved: {batch.summary['created']} learners added, {batch.summary['updated']} updated."
        ))
