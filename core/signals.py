from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def sync_roles_after_migrate(sender, using="default", **kwargs):
    # Runs once per app; only act after the last of ours so every permission exists.
    from django.conf import settings

    if sender.label == settings.LOCAL_APPS[-1]:
        from .rolesync import sync_role_permissions

        sync_role_permissions(using=using)
