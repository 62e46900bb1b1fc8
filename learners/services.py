"""Changes to learners. A change to what Pearson holds (legal name, date of birth, sex, ULN) of a
learner already sent to Pearson raises a notification owed to Pearson."""

from django.db import transaction

from core.exceptions import DomainError
from core.history import save_tracked

from .models import Centre, Learner

# Fields Pearson holds for a registered learner; changing one must be notified.
PEARSON_FIELDS = ("legal_first_name", "legal_last_name", "date_of_birth", "sex", "uln")
EDITABLE_FIELDS = (
    "mis_id", "legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "sex",
    "uln", "uln_not_yet_known", "uci", "candidate_number", "email", "status",
)


@transaction.atomic
def learner_create(*, actor, centre: Centre, reason: str = "Learner added", **fields) -> Learner:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown learner field(s): {', '.join(sorted(unknown))}.")
    learner = Learner(centre=centre, **fields)
    save_tracked(learner, actor=actor, reason=reason)
    return learner


@transaction.atomic
def learner_update(*, actor, learner: Learner, changes: dict, reason: str) -> Learner:
    """Apply `changes` (field → new value). Returns the learner; raises DomainError/ValidationError."""
    from registrations.models import PearsonNotification, Registration
    from registrations.services import notification_raise

    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown learner field(s): {', '.join(sorted(unknown))}.")
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    before = {name: getattr(learner, name) for name in changes}
    changed = {name: value for name, value in changes.items() if before[name] != value}
    if not changed:
        return learner
    for name, value in changed.items():
        setattr(learner, name, value)
    save_tracked(learner, actor=actor, reason=reason, update_fields=list(changed))

    pearson_changes = {
        name: [_plain(before[name]), _plain(changed[name])] for name in PEARSON_FIELDS if name in changed
    }
    known_to_pearson = learner.registrations.exclude(
        state__in=[Registration.State.DRAFT, Registration.State.DELETED]
    ).select_related("programme__qualification")
    if pearson_changes and known_to_pearson.exists():
        labels = ", ".join(str(Learner._meta.get_field(n).verbose_name) for n in pearson_changes)
        notification_raise(
            actor=actor, kind=PearsonNotification.Kind.LEARNER_DETAILS, learner=learner, reason=reason,
            summary=f"Correct {labels} for {learner.full_legal_name} "
            f"({', '.join(r.pearson_registration_number or str(r.programme) for r in known_to_pearson)})",
            details=pearson_changes,
        )
    return learner


def _plain(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.strftime("%d/%m/%Y")
    return str(value)
