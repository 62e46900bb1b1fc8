"""Keep each role group's permissions equal to what the apps declare in `permissions.py`."""

from importlib import import_module

from django.apps import apps
from django.conf import settings

from .roles import ROLES


def declared_role_permissions() -> dict[str, set[str]]:
    declared: dict[str, set[str]] = {role: set() for role in ROLES}
    for app_label in settings.LOCAL_APPS:
        try:
            module = import_module(f"{app_label}.permissions")
        except ModuleNotFoundError:
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            declared[role].update(perms)
    return declared


def sync_role_permissions(using: str = "default") -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in declared_role_permissions().items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = []
        for perm in sorted(perms):
            app_label, codename = perm.split(".", 1)
            found = Permission.objects.using(using).filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
