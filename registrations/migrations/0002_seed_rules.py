"""Seed the yearly rules an administrator then edits: qualification suites with their resit and
terminal rules, registration deadlines and late-fee bands (DOMAIN.md, 2024/25 figures reused for
later years until Pearson publishes theirs; roll-on/roll-off fees are unverified)."""

from datetime import date
from decimal import Decimal

from django.db import migrations

SUITES = [
    ("BTEC Nationals (2016)", 1, False, False),
    ("BTEC Tech Awards (2022)", 1, True, False),
    ("BTEC Firsts (2018)", 1, False, True),
]
BANDS = [(1, Decimal("1.05"), "Late (2 Nov–23 Dec)"), (53, Decimal("1.10"), "Late (24 Dec–31 Jan)"), (92, Decimal("1.25"), "Very late (from 1 Feb)")]
RORO_BANDS = [(1, Decimal("1.05"), "Late (unverified)"), (53, Decimal("1.10"), "Later (unverified)"), (92, Decimal("1.25"), "Very late (unverified)")]


def seed(apps, schema_editor):
    db = schema_editor.connection.alias
    Suite = apps.get_model("registrations", "QualificationSuite")
    Rule = apps.get_model("registrations", "DeadlineRule")
    Band = apps.get_model("registrations", "LateFeeBand")
    for name, resits, terminal, near_pass in SUITES:
        Suite.objects.using(db).get_or_create(
            name=name, defaults={"external_resit_limit": resits, "terminal_rule": terminal, "near_pass_grade": near_pass}
        )
    for start in (2024, 2025, 2026, 2027):
        year = f"{start}/{(start + 1) % 100:02d}"
        rule, _ = Rule.objects.using(db).get_or_create(
            academic_year=year, registration_mode="academic_year", defaults={"deadline": date(start, 11, 1)}
        )
        for days, multiplier, label in BANDS:
            Band.objects.using(db).get_or_create(rule=rule, from_days_late=days, defaults={"multiplier": multiplier, "label": label})
        roro, _ = Rule.objects.using(db).get_or_create(
            academic_year=year, registration_mode="roll_on_roll_off", defaults={"weeks_after_enrolment": 6}
        )
        for days, multiplier, label in RORO_BANDS:
            Band.objects.using(db).get_or_create(rule=roro, from_days_late=days, defaults={"multiplier": multiplier, "label": label})


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
