"""Traceability: from a learner's registration to the certificate they were given.

Each app that owns a step of the journey defines, in `<app>/traceability.py`:

    def trace_items(registration) -> list[TraceItem]
        # the steps of this registration that the app holds (entries, assessment records and their
        # IV, claim, QN sample, certificate received, check, issue), each saying whether it is sound
    def broken_links(user) -> list[BrokenLink]
        # every broken link the app can see across the exams office, found with a few set-based
        # queries (never a loop over all registrations), scoped with visible_to(user)

The audit app gathers them (`registration_trace`, `all_broken_links`) for the learner trace page
and the exams-office-wide view.
"""

from dataclasses import dataclass
from datetime import date

from core.hooks import app_hooks


@dataclass
class TraceItem:
    stage: str  # registration | entry | result | assessment | verification | claim | sample | certificate | check | issue
    label: str  # plain words: "Unit 3 graded M on 12/03/2027 by A. Khan"
    on: date | None = None
    url: str = ""
    status: str = "ok"  # ok | pending | broken
    problem: str = ""  # for broken: what is wrong, in plain words
    permission: str = ""  # needed to open `url`, when more than seeing the registration (e.g. a QN sample)


@dataclass
class BrokenLink:
    registration_id: int
    learner_name: str
    programme_name: str
    stage: str
    problem: str
    url: str = ""


def registration_trace(registration, user=None) -> list[TraceItem]:
    """Every step of the registration; for `user`, links they could not open are shown as plain text."""
    items: list[TraceItem] = []
    for _app, trace_items in app_hooks("traceability", "trace_items"):
        items.extend(trace_items(registration))
    if user is not None:
        for item in items:
            if item.permission and not user.has_perm(item.permission):
                item.url = ""
    return items


def all_broken_links(user) -> list[BrokenLink]:
    links: list[BrokenLink] = []
    for _app, broken_links in app_hooks("traceability", "broken_links"):
        links.extend(broken_links(user))
    return links
