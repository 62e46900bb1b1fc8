"""Django's `flush`, allowed through the insert-only triggers.

`flush` empties every table: tests that use real transactions (`transaction=True`, `live_server`)
call it between tests. It is an explicit, whole-database operation run by someone who can already
drop the database, so it is let through the history triggers for its own connection only (a
session-level switch on PostgreSQL, reset straight after; a per-connection flag on SQLite).
The database is empty afterwards, so the tamper-evident ledger stays consistent (no rows, no entries).
"""

from django.core.management.commands.flush import Command as FlushCommand

from audit.integrity import permit_history_purge


class Command(FlushCommand):
    def handle(self, **options):
        with permit_history_purge(options["database"]):
            return super().handle(**options)
