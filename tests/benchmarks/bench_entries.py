"""Budgets of issue 5: entering 2,000 learners for 3 units each < 5 s; importing 6,000 results < 10 s.

    .venv/bin/python tests/benchmarks/bench_entries.py
"""

from datetime import date, timedelta
from decimal import Decimal

from _harness import bench_database, clear_tables, report, timed

N_LEARNERS = 2000

def build():

    from core.roles import EXAMS_OFFICER
    from entries.models import AssessmentSeries
    from learners.models import Centre, Learner
    from registrations.models import Programme, Qualification, QualificationSuite, Registration, Unit
    from tests.factories import UserFactory, make_uci, next_valid_uln

    officer = UserFactory(username="bench_eo", roles=[EXAMS_OFFICER])
    centre = Centre.objects.create(number="68199", name="Bench Academy")
    suite = QualificationSuite.objects.create(name="Bench suite")
    qualification = Qualification.objects.create(qan="601/0001/1", title="Bench qualification", level="3", suite=suite, size_glh=360)
    units = [
        Unit.objects.create(qualification=qualification, number=str(n), title=f"External {n}", glh=60, assessment="external")
        for n in (1, 2, 3)
    ]
    programme = Programme.objects.create(
        centre=centre, qualification=qualification, name="Bench programme", academic_year="2026/27",
        start_date=date(2026, 9, 1), planned_end_date=date(2028, 6, 30), approved_to=date(2028, 8, 31),
        certificate_end=date(2029, 8, 31),
    )
    learners = Learner.objects.bulk_create([
        Learner(centre=centre, mis_id=f"B{n:05d}", legal_first_name="Ann", legal_last_name=f"Learner{n}",
                date_of_birth=date(2009, 1, 1), sex="F", uln=next_valid_uln(), candidate_number=f"{n + 1:04d}",
                uci=make_uci("68199", 26, f"{n + 1:04d}"))
        for n in range(N_LEARNERS)
    ])
    registrations = Registration.objects.bulk_create([
        Registration(learner=learner, programme=programme, state="registered", pearson_registration_number=f"BR{n:06d}",
                     enrolment_date=date(2026, 9, 7), planned_completion_date=date(2028, 6, 30), registered_on=date(2026, 10, 1))
        for n, learner in enumerate(learners)
    ])
    today = date.today()
    series = AssessmentSeries.objects.create(
        name="Bench series", entry_deadline=today + timedelta(days=30), late_entry_end=today + timedelta(days=60),
        standard_fee=Decimal("45"), late_fee=Decimal("90"), results_date=today + timedelta(days=200),
    )
    return officer, series, registrations, units

def main():
    with bench_database():
        from core.exports import Sheet, build_xlsx
        from core.spreadsheets import read_table
        from entries import services
        from entries.models import Entry, Result

        officer, series, registrations, units = build()
        picks = [(r.pk, u.pk) for r in registrations for u in units]

        def enter():
            clear_tables(Entry)
            outcome = services.entries_create(actor=officer, series=series, picks=picks)
            assert len(outcome.created) == len(picks), outcome.refused[:3]

        seconds = timed(enter, repeat=2)
        report(f"enter {N_LEARNERS:,} learners × 3 units ({len(picks):,} entries)", seconds, 5, "s")

        rows = [[r.pearson_registration_number, u.number, "M"] for r in registrations for u in units]
        data = build_xlsx([Sheet("Results", ["Registration number", "Unit", "Grade"], rows)])

        def import_results():
            clear_tables(Result)
            table = read_table(data, filename="results.xlsx")
            outcome = services.results_import(actor=officer, series=series, table=table, filename="results.xlsx")
            assert outcome.created == len(rows)

        seconds = timed(import_results, repeat=2)
        report(f"import {len(rows):,} results from .xlsx (read + validate + save)", seconds, 10, "s")

if __name__ == "__main__":
    main()
