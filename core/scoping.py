"""The one place that decides which rows a user may see.

Exams officers, quality nominees and senior leaders read the whole install; a subject lead reads
only what hangs off the programmes they lead; anybody else reads nothing. Every model's
`QuerySet.visible_to(user)` calls `scope_by_programme` with the path from that model to Programme.
"""

from django.db import models

from .roles import SUBJECT_LEAD, has_role, sees_whole_centre


def scope_by_programme(queryset: models.QuerySet, user, programme_path: str | None) -> models.QuerySet:
    """Restrict `queryset` to rows whose programme (reached by `programme_path`) the user may see.

    `programme_path` is the ORM path to the Programme ("programme", "registration__programme");
    None means the model *is* Programme.
    """
    if sees_whole_centre(user):
        return queryset
    if user.is_authenticated and has_role(user, SUBJECT_LEAD):
        lookup = f"{programme_path}__subject_leads" if programme_path else "subject_leads"
        return queryset.filter(**{lookup: user})
    return queryset.none()


def scope_learners(queryset: models.QuerySet, user) -> models.QuerySet:
    """Learners: a subject lead sees a learner with any registration on a programme they lead."""
    if sees_whole_centre(user):
        return queryset
    if user.is_authenticated and has_role(user, SUBJECT_LEAD):
        from registrations.models import Registration

        led = Registration.objects.filter(learner=models.OuterRef("pk"), programme__subject_leads=user)
        return queryset.filter(models.Exists(led))
    return queryset.none()
