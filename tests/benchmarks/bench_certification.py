"""Certification budgets: claim readiness for 300 learners × 15 units (< 300 ms, fixed queries),
a sampling round over 2,000 claims (< 3 s), importing and checking 2,000 certificates (< 10 s)."""

import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import bench_database, report, timed  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

CLAIM_DAY = date(2028, 6, 1)
_candidate = iter(range(1, 9999))


def build_programme(centre, lead, assessor, verifier, n_learners, n_units, name):
    from certification.models import AssessmentRecord
    from learners.models import Learner
    from registrations.models import Registration, Unit
    from tests.factories import LearnerFactory, ProgrammeFactory, QualificationFactory

    qual = QualificationFactory(size_glh=n_units * 30)
    units = Unit.objects.bulk_create([Unit(qualification=qual, number=str(i + 1), title=f"Unit {i + 1}", glh=30) for i in range(n_units)])
    programme = ProgrammeFactory(centre=centre, qualification=qual, name=name, subject_leads=[lead])
    learners = Learner.objects.bulk_create([LearnerFactory.build(centre=centre, candidate_number=f"{next(_candidate):04d}", uci=None) for i in range(n_learners)])
    regs = Registration.objects.bulk_create([
        Registration(learner=learner, programme=programme, state="registered", pearson_registration_number=f"{name[:1]}{name[-1]}{i:07d}",
                     enrolment_date=date(2026, 9, 7), planned_completion_date=date(2028, 6, 30), registered_on=date(2026, 10, 7))
        for i, learner in enumerate(learners)])
    AssessmentRecord.objects.bulk_create([
        AssessmentRecord(registration=r, unit=u, grade=random.choice("PMD"), assessor=assessor, date_assessed=date(2027, 3, 1),
                         internal_verifier=verifier, iv_date=date(2027, 3, 2), iv_outcome="agreed")
        for r in regs for u in units], batch_size=2000)
    return programme, regs, units


def main():
    import time_machine

    with bench_database(), time_machine.travel(CLAIM_DAY, tick=True):
        from django.contrib.auth.models import Group

        from certification import imports, services
        from certification.models import CertificateClaim, CertificationSetting, ClaimBatch, ClaimUnit
        from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SUBJECT_LEAD
        from tests.factories import CentreFactory, UserFactory

        centre = CentreFactory()
        CertificationSetting.objects.create(centre=centre, sample_before_export=False)
        eo = UserFactory(username="eo", roles=[EXAMS_OFFICER])
        qn = UserFactory(username="qn", roles=[QUALITY_NOMINEE])
        assessors = [UserFactory(username=f"assessor{i}", roles=[SUBJECT_LEAD]) for i in range(8)]
        lead = assessors[0]
        assert Group.objects.exists()

        # 1. readiness: 300 learners × 15 units
        programme, _, _ = build_programme(centre, lead, assessors[1], assessors[2], 300, 15, "Readiness")
        client = Client()
        client.force_login(eo)
        url = f"/certification/programmes/{programme.pk}/readiness/"
        assert client.get(url).status_code == 200
        seconds = timed(lambda: client.get(url), repeat=5)
        with CaptureQueriesContext(connection) as q:
            client.get(url)
        report(f"claim readiness, 300 learners × 15 units ({len(q)} queries)", seconds * 1000, 300, "ms")
        # "a fixed number of queries": the same page for 30 learners must cost the same
        small, _, _ = build_programme(centre, lead, assessors[1], assessors[2], 30, 15, "Small")
        with CaptureQueriesContext(connection) as q_small:
            client.get(f"/certification/programmes/{small.pk}/readiness/")
        report(f"claim readiness queries, 300 learners (budget: the 30-learner page's {len(q_small)})", len(q), len(q_small), "queries")

        # 2. sampling round over 2,000 claims (4 programmes × 500, 8 assessors)
        all_regs = []
        for p in range(4):
            prog, regs, _ = build_programme(centre, lead, assessors[3 + p], assessors[1], 500, 5, f"Sample {p}")
            all_regs.extend(regs)
        batch = ClaimBatch.objects.create(name="Summer", created_by=eo)
        claims = CertificateClaim.objects.bulk_create([
            CertificateClaim(registration=r, kind="full", state="ready", batch=batch, created_by=eo, timing="on_time", deadline=date(2028, 7, 5))
            for r in all_regs])
        from certification.models import AssessmentRecord
        from registrations.models import Registration

        recs = AssessmentRecord.objects.filter(registration__in=all_regs).values_list("registration_id", "id", "unit_id", "grade")
        by_reg = {c.registration_id: c for c in claims}
        ClaimUnit.objects.bulk_create([ClaimUnit(claim=by_reg[reg_id], record_id=rid, unit_id=uid, grade=g) for reg_id, rid, uid, g in recs], batch_size=2000)
        n = [0]

        def draw():
            n[0] += 1
            services.round_open(actor=qn, name=f"Round {n[0]}", batch=batch, percentage=10, min_per_programme=5, min_per_assessor=5, seed=1234)
        seconds = timed(draw, repeat=3)
        report("sampling round drawn over 2,000 claims (10%, min 5 per programme and per assessor)", seconds * 1000, 3000, "ms")

        # 3. import and check 2,000 certificates
        CertificateClaim.objects.filter(batch=batch).update(state="submitted", submitted_on=CLAIM_DAY)
        cu_rows = {}
        for claim_reg, number, grade in ClaimUnit.objects.filter(claim__batch=batch).values_list("claim__registration_id", "unit__number", "grade"):
            cu_rows.setdefault(claim_reg, []).append(f"{number}={grade}")
        text = ["Certificate number,Registration number,Learner name,Date of birth,Qualification,Grade,Units,Date received"]
        for i, r in enumerate(Registration.objects.filter(pk__in=[r.pk for r in all_regs]).select_related("learner", "programme__qualification")):
            text.append(",".join([f"CERT{i:06d}", r.pearson_registration_number,
                                  f"{r.learner.legal_first_name} {r.learner.legal_last_name}".upper().replace(",", " "),
                                  r.learner.date_of_birth.strftime("%d/%m/%Y"), r.programme.qualification.qan, "D",
                                  '"' + ";".join(cu_rows[r.pk]) + '"', CLAIM_DAY.strftime("%d/%m/%Y")]))
        data = ("\n".join(text) + "\n").encode()
        start = time.perf_counter()
        count = imports.import_certificates(actor=eo, upload=data, filename="pearson.csv", user=eo)
        seconds = time.perf_counter() - start
        ok = CertificateClaim.objects.filter(state="checked_ok").count()
        report(f"import and check {count:,} certificates ({ok:,} checked OK)", seconds, 10, "s")


if __name__ == "__main__":
    main()
