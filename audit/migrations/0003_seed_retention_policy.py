from django.db import migrations


def seed(apps, schema_editor):
    RetentionPolicy = apps.get_model("audit", "RetentionPolicy")
    if not RetentionPolicy.objects.exists():
        RetentionPolicy.objects.create(years=3, note="Centre policy: keep all records three years post certification.")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_ledger_retention_investigations")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
