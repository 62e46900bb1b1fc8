"""Rule breaches the system finds, offered to the exams officer as investigations to open.

Each app that can detect a breach defines, in `<app>/breaches.py`:

    def detected_breaches() -> list[Breach]
        # e.g. registrations sent after their deadline, a claim that failed a gate, a certificate that
        # does not match the records, a QN sampling discrepancy. Set-based queries only.

The audit app (investigations register) gathers them with `all_detected_breaches()`, hides those
already investigated (matched on `key`), and offers the rest.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models

from core.hooks import app_hooks


@dataclass
class Breach:
    key: str  # stable identity, e.g. "registrations.late:123", so an investigation is offered once
    kind: str  # late_registration | early_claim | late_claim | claim_gate_failure | certificate_mismatch | qn_discrepancy | ...
    summary: str  # plain words
    obj: models.Model  # the record concerned (linked from the investigation)
    learner_id: int | None = None
    detected_on: date | None = None
    investigation_kind: str = ""  # an audit.models.Investigation.Kind value; guessed from `kind` when blank

    @property
    def obj_label(self) -> str:
        return self.obj._meta.label_lower

    def __post_init__(self) -> None:
        if not self.investigation_kind:
            self.investigation_kind = SUGGESTED_KIND.get(self.kind, "")


# What kind of investigation each breach suggests (the officer can change it when opening).
SUGGESTED_KIND = {
    "late_registration": "late_registration",
    "early_registration": "early_registration",
    "inaccurate_registration": "inaccurate_registration",
    "early_claim": "early_claim",
    "late_claim": "late_claim",
    "claim_gate_failure": "inaccurate_claim",
    "certificate_mismatch": "certificate_discrepancy",
    "qn_discrepancy": "inaccurate_claim",
}


def all_detected_breaches() -> list[Breach]:
    found: list[Breach] = []
    for _app, detected in app_hooks("breaches", "detected_breaches"):
        found.extend(detected())
    return found
