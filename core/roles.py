"""The roles of the exams office, and what each may do.

Groups are created by a data migration; their permissions are synchronised after every migrate
from ROLE_PERMISSIONS in each app's `permissions.py` (so a new model's permissions reach the
right roles without another hand-written migration).
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

EXAMS_OFFICER = "Exams Officer"
SUBJECT_LEAD = "Subject Lead"
QUALITY_NOMINEE = "Quality Nominee"
SENIOR_LEADER = "Senior Leader"
ROLES = [EXAMS_OFFICER, SUBJECT_LEAD, QUALITY_NOMINEE, SENIOR_LEADER]

# Roles that read every programme of the install (a subject lead reads only their own).
WHOLE_CENTRE_ROLES = {EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER}


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The role names a user holds, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def sees_whole_centre(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(user_roles(user) & WHOLE_CENTRE_ROLES))


def is_exams_officer(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, EXAMS_OFFICER))
