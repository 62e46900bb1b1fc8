"""Issue 2 budgets: with 10,000 learners and 15,000 registrations, the learner list (first page and a
search) and the detail page of a big programme answer in under 150 ms, with a fixed number of queries.

    .venv/bin/python tests/benchmarks/bench_foundation.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/btec_bench .venv/bin/python tests/benchmarks/bench_foundation.py
"""

import random
from datetime import date, timedelta

from _harness import bench_database, report, timed
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.roles import EXAMS_OFFICER, SUBJECT_LEAD  # noqa: E402
from core.validators import uci_check_letter, uln_checksum_ok  # noqa: E402

LEARNERS = 10_000
REGISTRATIONS = 15_000
PROGRAMMES = 20
BIG_PROGRAMME_SHARE = 5_000  # registrations on the one big programme
BUDGET_MS = 150

FIRST = ["Amelia", "Olivia", "Isla", "Noah", "Oliver", "George", "Harry", "Leo", "Zoë", "Siân", "Mohammed", "Aisha",
         "Grace", "Freya", "Jack", "Jacob", "Ruby", "Evie", "Ethan", "Reuben"]
LAST = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
        "Patel", "Khan", "O'Brien", "Smith-Jones", "Hughes", "Edwards", "Green", "Hall", "Wood", "Clarke", "Turner"]


def valid_ulns(rng: random.Random, n: int) -> list[str]:
    found: set[str] = set()
    while len(found) < n:
        body = str(rng.randrange(100_000_000, 1_000_000_000))
        for last in "0123456789":
            if uln_checksum_ok(body + last):
                found.add(body + last)
                break
    return sorted(found, key=lambda _: rng.random())


def build():
    from learners.models import Centre, Learner
    from registrations.models import Programme, Qualification, QualificationSuite, Registration, Unit

    rng = random.Random(2)
    user = get_user_model().objects.create_user("eo", password="bench-password-1")
    user.groups.add(Group.objects.get(name=EXAMS_OFFICER))
    centre = Centre.objects.create(number="68199", name="Northfield Academy")
    suite = QualificationSuite.objects.get(name="BTEC Nationals (2016)")
    qualification = Qualification.objects.create(
        qan="601/7218/6", title="Pearson BTEC Level 3 National Extended Certificate in Sport", level="3", suite=suite,
        size_glh=360,
    )
    Unit.objects.bulk_create(
        Unit(qualification=qualification, number=str(n), title=f"Unit {n}", glh=60,
             assessment="external" if n < 3 else "internal", mandatory=n < 4)
        for n in range(1, 9)
    )
    programmes = Programme.objects.bulk_create(
        Programme(
            centre=centre, qualification=qualification, name=f"Sport L3 group {i:02d} (2026–28)", academic_year="2026/27",
            start_date=date(2026, 9, 1), planned_end_date=date(2028, 6, 30), approved_to=date(2028, 8, 31),
            certificate_end=date(2029, 8, 31),
        )
        for i in range(PROGRAMMES)
    )
    ulns = valid_ulns(rng, LEARNERS)
    learners = []
    for i in range(LEARNERS):
        candidate = f"{i % 9999 + 1:04d}" if i < 9999 else None
        uci = None
        if candidate:
            first12 = f"681990{26 - i // 9999:02d}{candidate}"
            uci = first12 + uci_check_letter(first12)
        learners.append(Learner(
            centre=centre, mis_id=f"MIS{i:06d}", legal_first_name=rng.choice(FIRST), legal_last_name=rng.choice(LAST),
            date_of_birth=date(2008, 9, 1) + timedelta(days=rng.randrange(700)), sex=rng.choice("MF"),
            uln=ulns[i], uci=uci, candidate_number=candidate,
        ))
    Learner.objects.bulk_create(learners, batch_size=1000)
    learner_ids = list(Learner.objects.order_by("id").values_list("id", flat=True))
    big = programmes[0]
    states = ["registered"] * 8 + ["draft", "withdrawn"]
    registrations = []
    # Every learner on one of the small programmes; the first 5,000 also on the big one.
    for i, learner_id in enumerate(learner_ids):
        registrations.append((learner_id, programmes[1 + i % (PROGRAMMES - 1)]))
    for learner_id in learner_ids[:BIG_PROGRAMME_SHARE]:
        registrations.append((learner_id, big))
    assert len(registrations) == REGISTRATIONS
    rows = []
    for n, (learner_id, programme) in enumerate(registrations):
        state = rng.choice(states)
        rows.append(Registration(
            learner_id=learner_id, programme=programme, state=state, enrolment_date=date(2026, 9, 7),
            planned_completion_date=date(2028, 6, 30),
            pearson_registration_number="" if state == "draft" else f"26R{n:07d}",
            registered_on=None if state == "draft" else date(2026, 10, 14),
        ))
    Registration.objects.bulk_create(rows, batch_size=2000)
    return user, big


def measure(client: Client, name: str, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    connection.queries_log.clear()  # a full log (maxlen) would make the count read 0
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)  # read now: the next request resets the query log
    seconds = timed(lambda: client.get(url), repeat=7)
    report(f"{name} ({count} queries)", seconds * 1000, BUDGET_MS, "ms")


def main() -> None:
    with bench_database():
        print(f"== building {LEARNERS:,} learners, {REGISTRATIONS:,} registrations on {connection.vendor}", flush=True)
        user, big = build()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum / a long-running SQLite file would have
        client = Client()
        client.force_login(user)
        learners = reverse("learners:list")
        measure(client, "learner list, first page", learners)
        measure(client, "learner list, page 100", f"{learners}?page=100")
        measure(client, "learner list, search by last name 'Patel'", f"{learners}?q=Patel")
        measure(client, "learner list, search 'Zoë Smith'", f"{learners}?q=Zo%C3%AB+Smith")
        measure(client, "learner list, search by ULN", f"{learners}?q={big.registrations.first().learner.uln}")
        measure(client, "learner list, filtered by the big programme", f"{learners}?programme={big.pk}")
        detail = reverse("registrations:programme_detail", args=[big.pk])
        measure(client, f"programme detail, {BIG_PROGRAMME_SHARE:,} registrations", detail)
        measure(client, "programme detail, search 'Smith'", f"{detail}?q=Smith")
        measure(client, "programme list", reverse("registrations:programme_list"))
        measure(client, "home (exams officer)", reverse("core:home"))

        lead = get_user_model().objects.create_user("lead", password="bench-password-1")
        lead.groups.add(Group.objects.get(name=SUBJECT_LEAD))
        big.subject_leads.add(lead)
        client.force_login(lead)
        measure(client, "learner list as the big programme's subject lead", learners)
        measure(client, "programme detail as its subject lead", detail)


if __name__ == "__main__":
    main()
