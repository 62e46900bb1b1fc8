"""Create the four role groups. Their permissions are kept in step after every migrate by
core.signals (from each app's permissions.py), because permissions only exist after migrate."""

from django.db import migrations

ROLES = ["Exams Officer", "Subject Lead", "Quality Nominee", "Senior Leader"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.using(schema_editor.connection.alias).get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
