"""Seed the yearly claims deadlines (5 July, DOMAIN.md's 2024 date, reused until Pearson publishes
later ones) and when the claims window opens (1 March: an assumption, flagged early claims only;
an administrator edits both)."""

from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    Deadline = apps.get_model("certification", "ClaimsDeadline")
    for start in range(2024, 2031):
        Deadline.objects.using(schema_editor.connection.alias).get_or_create(
            academic_year=f"{start}/{(start + 1) % 100:02d}",
            defaults={"opens": date(start + 1, 3, 1), "deadline": date(start + 1, 7, 5)},
        )


class Migration(migrations.Migration):
    dependencies = [("certification", "0002_claims_sampling_certificates")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
