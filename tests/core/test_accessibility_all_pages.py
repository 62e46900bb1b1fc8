"""Every page of every app, for each role, passes the same checks as the foundation's pages.

One data set is built per module (through the factories and services, on the dates the rules need):
a programme with registrations in several states, a check round with a list, a discrepancy and a
statement, an assessment series with entries and results, assessment records with IV, claims in a
batch, a sampling round with samples, a certificate, an investigation, a learner import preview and a
background job. Then the URL patterns of each app are enumerated: every page with no URL argument,
and every detail or form page we can build a URL for, is fetched as the exams officer, a subject lead,
the quality nominee and the senior leader; every HTML answer (pages, and
the 403/404 refusals) is audited.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD
from tests.core.test_accessibility import PageAudit
from tests.entries.factories import ResultFactory, SeriesFactory
from tests.factories import LearnerFactory, ProgrammeFactory, RegistrationFactory, UnitFactory, UserFactory

# Marked so that these run with the other database tests, before any transactional test flushes.
pytestmark = pytest.mark.django_db

APPS = ["core", "learners", "registrations", "checks", "entries", "certification", "audit"]
PERSONAS = ["exams_officer", "lead_a", "quality_nominee", "senior_leader"]
VIEW_DAY = datetime(2028, 6, 1, 12, tzinfo=UTC)

# Files and POST-only endpoints: not pages.
SKIP = {
    "core:job_download", "learners:import_confirm", "learners:import_abandon",
    "registrations:batch_download", "registrations:notification_export", "registrations:notification_mark_sent",
    "checks:round_remind", "checks:checklist_pdf", "checks:checklist_xlsx", "checks:registration_statement_pdf",
    "registrations:transfer_in_tick", "checks:reopen", "checks:missing_remove", "checks:line_verdict",
    "entries:series_export", "entries:statement_pdf",
    "certification:batch_export", "certification:round_report", "certification:certificates_unclaimed_sweep",
    "audit:integrity_verify", "audit:investigation_evidence_add", "audit:investigation_evidence_download",
    "audit:report_pdf", "audit:report_xlsx",
}
# Pages each persona must actually see (so the audit cannot pass by checking nothing).
MUST_SEE = {
    "exams_officer": {"core:home", "learners:detail", "registrations:registration_detail", "checks:round_detail",
                      "checks:discrepancy_detail", "entries:series_detail", "entries:entry_detail",
                      "certification:claim_detail", "certification:batch_detail", "certification:certificate_detail",
                      "audit:investigation_detail", "learners:import_preview", "core:job_detail",
                      "registrations:batch_detail"},
    "lead_a": {"core:home", "checks:checklist", "certification:programme_records", "certification:record_detail"},
    "quality_nominee": {"core:home", "certification:round_detail", "certification:sample_detail"},
    "senior_leader": {"core:home", "audit:report_index", "audit:investigation_list"},
}


def _assess(services, registration, unit, *, assessor, verifier, on):
    record = services.assessment_record_create(actor=verifier, registration=registration, unit=unit, grade="M",
                                               assessor=assessor, date_assessed=on)
    return services.assessment_record_verify(actor=verifier, record=record, internal_verifier=verifier, iv_date=on,
                                             outcome="agreed")


def build_data_set() -> dict:
    from audit import services as audit_services
    from audit.models import Investigation
    from certification import services as cert
    from certification.models import CertificationSetting
    from checks import services as checks
    from checks.models import CheckVerdict, Statement
    from core.jobs import job_start
    from entries import services as entries
    from learners import services as learner_services
    from registrations import services as regs
    from tests.learners import samples

    users = {
        "exams_officer": UserFactory(username="eo", first_name="Erin", last_name="Officer", roles=[EXAMS_OFFICER]),
        "lead_a": UserFactory(username="lead_a", first_name="Alex", last_name="Ahmed", roles=[SUBJECT_LEAD]),
        "lead_b": UserFactory(username="lead_b", first_name="Bea", last_name="Brown", roles=[SUBJECT_LEAD]),
        "quality_nominee": UserFactory(username="qn", first_name="Quinn", last_name="Nominee", roles=[QUALITY_NOMINEE]),
        "senior_leader": UserFactory(username="sl", first_name="Sam", last_name="Leader", roles=[SENIOR_LEADER]),
    }
    eo, lead_a, lead_b, qn = users["exams_officer"], users["lead_a"], users["lead_b"], users["quality_nominee"]
    assessor = UserFactory(username="teacher", first_name="Tess", last_name="Teacher", roles=[])
    d = {"users": users}

    with time_machine.travel(date(2026, 10, 1), tick=False):
        programme = ProgrammeFactory(name="Sport L3 (2026–28)", subject_leads=[lead_a])
        other = ProgrammeFactory(centre=programme.centre, name="Business L3 (2026–28)", subject_leads=[lead_b])
        centre = programme.centre
        q = programme.qualification
        q.size_glh = 360
        q.save()
        units = [UnitFactory(qualification=q, number=str(n), glh=60, mandatory=n != 4) for n in (1, 2, 3, 4)]
        external = UnitFactory(qualification=q, number="5", glh=120, assessment="external", title="Fitness testing")
        registered = [RegistrationFactory(programme=programme, learner__centre=centre) for _ in range(3)]
        RegistrationFactory(programme=other, learner__centre=centre)
        withdrawn = RegistrationFactory(programme=programme, learner__centre=centre)
        drafts = [regs.registration_create_draft(actor=eo, learner=LearnerFactory(centre=centre), programme=programme,
                                                 enrolment_date=date(2026, 9, 7),
                                                 planned_completion_date=date(2028, 6, 30)) for _ in range(2)]
        batch = regs.batch_submit(actor=eo, registrations=drafts[:1], registration_type="full_award",
                                  enrolment_date=date(2026, 9, 7), order_number="ORDER1")
        transfer = regs.transfer_in_create(
            actor=eo, learner=LearnerFactory(centre=centre), programme=programme, previous_centre_number="12345",
            previous_registration_number="X1", enrolment_date=date(2026, 9, 7), planned_completion_date=date(2028, 6, 30),
            units=[("1", "M")], reason="Moved house")
        d.update(programme=programme, registration=registered[0], batch=batch, draft=drafts[1], transfer=transfer,
                 withdrawn=withdrawn)

    with time_machine.travel(date(2026, 11, 10), tick=False):
        regs.registration_withdraw(actor=eo, registration=withdrawn, withdrawn_on=date(2026, 11, 9),
                                   reason="Left the college")
        check_round = checks.round_open(actor=eo, name="Autumn term 2026", due_date=date(2026, 11, 30))
        check_list = check_round.checks.get(programme=programme)
        for i, line in enumerate(check_list.lines.all()):
            if i == 0:
                checks.verdict_record(actor=lead_a, line=line, verdict=CheckVerdict.Verdict.INCORRECT,
                                      field="legal_last_name", correct_value="SMYTHE", note="Deed poll",
                                      expected_version=0)
            else:
                checks.verdict_record(actor=lead_a, line=line, verdict=CheckVerdict.Verdict.CORRECT, expected_version=0)
        checks.checklist_sign_off(actor=lead_a, check_list=check_list)
        d.update(check_round=check_round, check_list=check_list,
                 discrepancy=check_list.lines.get(discrepancy__isnull=False).discrepancy)

    with time_machine.travel(date(2027, 1, 10), tick=False):
        series = SeriesFactory(name="May/June 2027", entry_deadline=date(2027, 2, 21), late_entry_end=date(2027, 3, 31),
                               results_date=date(2027, 8, 12))
        outcome = entries.entries_create(actor=eo, series=series, picks=[(r.pk, external.pk) for r in registered])
        d.update(series=series, entry=outcome.created[0])
    ResultFactory(series=series, registration=registered[0], unit=external, grade="M", received_on=date(2027, 8, 12))

    with time_machine.travel(datetime(2027, 12, 1, 12, tzinfo=UTC), tick=False):
        for reg in registered[:2]:
            records = [_assess(cert, reg, u, assessor=assessor, verifier=lead_a, on=date(2027, 3, 1)) for u in units]
        d["record"] = records[0]

    with time_machine.travel(VIEW_DAY, tick=False):
        claims = [cert.claim_mark_ready(actor=eo, claim=cert.claim_create(actor=eo, registration=reg, kind="full"))
                  for reg in registered[:2]]
        claim_batch = cert.batch_create(actor=eo, name="Summer 2028", claims=claims)
        sampling = cert.round_open(actor=qn, name="Summer sample", batch=claim_batch, sample_all=True, seed=5)
        CertificationSetting.objects.create(centre=centre, sample_before_export=False)
        cert.sample_record_outcome(actor=qn, sample=sampling.samples.get(claim=claims[1]), outcome="agreed")
        cert.batch_submit(actor=eo, batch=claim_batch, submitted_on=date(2028, 6, 1))
        learner = registered[0].learner
        certificate = cert.certificate_receive(
            actor=eo, claim=claims[0], number="C0001", received_on=date(2028, 6, 1), grade="D",
            name_printed=f"{learner.legal_first_name} {learner.legal_last_name}".upper(), qualification=q.qan,
            units=[{"number": n, "grade": "M"} for n in ("1", "2", "3", "4")] + [{"number": "5", "grade": "P"}],
            date_of_birth=learner.date_of_birth)
        investigation = audit_services.investigation_open(
            actor=eo, kind=Investigation.Kind.LATE_REGISTRATION, summary="Sent after 1 November",
            investigator=users["senior_leader"], obj=registered[2], reason="Found on the late list")
        (d["statement"],) = checks.statements_issue(actor=eo, registrations=[registered[1]],
                                                    method=Statement.Method.PRINTED)
        name, data = samples.sims_clean(3)
        learner_import = learner_services.learner_import_preview(actor=eo, centre=centre, data=data, filename=name)
        job = job_start(actor=eo, kind="tests.count", title="Count for the tests", runner="tests.core.job_runners.count_to_ten")
        d.update(claim=claims[0], claim_batch=claim_batch, sampling=sampling, sample=sampling.samples.first(),
                 certificate=certificate, investigation=investigation, learner_import=learner_import, job=job)
    return d


@pytest.fixture(scope="module")
def data_set(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back afterwards."""
    from tests.conftest import ensure_reference_data

    with django_db_blocker.unblock():
        with transaction.atomic():
            # these tests carry no django_db mark, so they run after the transactional tests' flushes
            ensure_reference_data()
            yield build_data_set()
            transaction.set_rollback(True)


def url_kwargs(d: dict) -> dict[str, dict]:
    """What each URL argument is, per URL name (names not listed take the default below)."""
    from registrations.models import DeadlineRule, QualificationSuite

    reg, programme = d["registration"], d["programme"]
    return {
        "core:job_detail": {"pk": d["job"].pk},
        "learners:detail": {"pk": reg.learner_id}, "learners:correct": {"pk": reg.learner_id},
        "learners:import_preview": {"pk": d["learner_import"].pk}, "learners:import_remap": {"pk": d["learner_import"].pk},
        "registrations:programme_detail": {"pk": programme.pk}, "registrations:programme_edit": {"pk": programme.pk},
        "registrations:qualification_detail": {"pk": programme.qualification_id},
        "registrations:qualification_edit": {"pk": programme.qualification_id},
        "registrations:unit_add": {"pk": programme.qualification_id},
        "registrations:units_upload": {"pk": programme.qualification_id},
        "registrations:registration_detail": {"pk": reg.pk},
        "registrations:batch_detail": {"pk": d["batch"].pk},
        "registrations:transfer_in_new": {"learner_pk": reg.learner_id},
        "registrations:deadline_rule_edit": {"pk": DeadlineRule.objects.order_by("pk").first().pk},
        "registrations:suite_rules_edit": {"pk": QualificationSuite.objects.order_by("pk").first().pk},
        "checks:round_detail": {"pk": d["check_round"].pk},
        "checks:checklist": {"pk": d["check_list"].pk}, "checks:missing_add": {"pk": d["check_list"].pk},
        "checks:sign_off": {"pk": d["check_list"].pk},
        "checks:discrepancy_detail": {"pk": d["discrepancy"].pk},
        "checks:programme_statements": {"pk": programme.pk},
        "checks:statement_link": {"token": __import__("checks.services", fromlist=["x"]).statement_token(d["statement"])},
        "entries:series_detail": {"pk": d["series"].pk}, "entries:series_edit": {"pk": d["series"].pk},
        "entries:entry_grid": {"pk": d["series"].pk, "programme_pk": programme.pk},
        "entries:results_import": {"pk": d["series"].pk},
        "entries:entry_detail": {"pk": d["entry"].pk}, "entries:entry_withdraw": {"pk": d["entry"].pk},
        "entries:entry_swap": {"pk": d["entry"].pk},
        "certification:programme_records": {"pk": programme.pk}, "certification:records_import": {"pk": programme.pk},
        "certification:programme_readiness": {"pk": programme.pk}, "certification:claim_create": {"pk": programme.pk},
        "certification:record_detail": {"pk": d["record"].pk},
        "certification:claim_detail": {"pk": d["claim"].pk},
        "certification:batch_detail": {"pk": d["claim_batch"].pk},
        "certification:round_detail": {"pk": d["sampling"].pk},
        "certification:sample_detail": {"pk": d["sample"].pk},
        "certification:certificate_detail": {"pk": d["certificate"].pk},
        "audit:investigation_detail": {"pk": d["investigation"].pk},
        "audit:learner_trace": {"learner_pk": reg.learner_id},
    }


# Pages that take an `action` or `slug`: one URL per value worth seeing.
EXTRA = {
    "registrations:action": [{"action": a} for a in ("confirm", "withdraw", "transfer_programme", "transfer_out")],
    "certification:claim_action": [{"action": "block"}],
    "certification:certificate_action": [{"action": "issue"}],
    "audit:investigation_action": [{"action": "conclude"}],
    "audit:report_detail": [{"slug": s} for s in ("registrations", "claims", "certificates", "investigations", "integrity")],
}


def _patterns(namespace: str):
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and (entry.namespace == namespace or (namespace == "core" and entry.namespace == "core")):
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name:
                    yield f"{namespace}:{pattern.name}", sorted(pattern.pattern.converters)


def page_urls(d: dict) -> tuple[dict[str, str], list[str]]:
    """{label: url} for every page, and the names we could not build a URL for."""
    known = url_kwargs(d)
    urls, unbuilt = {}, []
    for app in APPS:
        for name, params in _patterns(app):
            if name in SKIP:
                continue
            if not params:
                urls[name] = reverse(name)
            elif name in EXTRA:
                base = {"pk": d[{"registrations:action": "draft", "certification:claim_action": "claim",
                                 "certification:certificate_action": "certificate",
                                 "audit:investigation_action": "investigation"}.get(name, "registration")].pk}
                for extra in EXTRA[name]:
                    kwargs = {k: v for k, v in {**base, **extra}.items() if k in params}
                    urls[f"{name} {extra}"] = reverse(name, kwargs=kwargs)
            elif name in known:
                urls[name] = reverse(name, kwargs=known[name])
                if name == "registrations:registration_detail":
                    for state in ("draft", "withdrawn"):
                        urls[f"{name} {state}"] = reverse(name, args=[d[state].pk])
                    urls[f"{name} transfer-in"] = reverse(name, args=[d["transfer"].registration_id])
            else:
                unbuilt.append(name)
    return urls, unbuilt


def problems_on(html: str) -> list[str]:
    page = PageAudit()
    ids: list[str] = []
    refs: list[tuple[str, str]] = []
    images: list[dict] = []
    original = page.handle_starttag

    def start(tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            ids.append(a["id"])
        for attr in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in (a.get(attr) or "").split():
                refs.append((attr, ref))
        if tag == "label" and a.get("for"):
            refs.append(("for", a["for"]))
        if tag == "img":
            images.append(a)
        original(tag, attrs)

    page.handle_starttag = start
    page.feed(html)
    found = []
    if page.h1 != 1:
        found.append(f"{page.h1} h1 elements")
    skip = [a for a in page.links if a.get("class") == "skip-link"]
    if not (skip and skip[0].get("href") == "#main" and "main" in page.ids):
        found.append("no skip link to #main")
    if page.unlabelled():
        found.append(f"fields without a label: {page.unlabelled()}")
    if page.th_without_scope:
        found.append(f"column headers without scope: {page.th_without_scope}")
    if page.inline:
        found.append(f"inline code: {sorted(set(page.inline))}")
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        found.append(f"duplicate ids: {duplicates}")
    dangling = sorted({f'{attr}="{ref}"' for attr, ref in refs if ref not in page.ids})
    if dangling:
        found.append(f"pointing at no element: {dangling}")
    if any("alt" not in img for img in images):
        found.append("image without alt")
    return found


def test_every_url_pattern_is_visited_or_skipped_on_purpose(data_set):
    urls, unbuilt = page_urls(data_set)
    assert not unbuilt, f"no URL arguments known for {unbuilt}: add them to url_kwargs() or SKIP"
    assert len(urls) > 80


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_is_accessible(client, data_set, persona):
    failures, seen = [], set()
    with time_machine.travel(VIEW_DAY, tick=False):  # sessions and the learner's link are signed on the day they are read
        client.force_login(data_set["users"][persona])
        urls, _ = page_urls(data_set)
        for label, url in urls.items():
            response = client.get(url)
            assert response.status_code in (200, 302, 403, 404, 405), f"{label} {url}: {response.status_code}"
            if response.status_code in (302, 405) or not response["Content-Type"].startswith("text/html"):
                continue
            if response.status_code == 200:
                seen.add(label.split(" ")[0])
            failures += [f"{label} ({url}): {p}" for p in problems_on(response.content.decode())]
    assert not failures, "\n".join(failures)
    assert MUST_SEE[persona] <= seen, f"not shown to {persona}: {MUST_SEE[persona] - seen}"


def test_the_audit_catches_what_it_claims_to():
    html = ('<a class="skip-link" href="#main">Skip</a><main id="main"><h1>x</h1>'
            '<label for="gone">A</label><input id="a" aria-describedby="nope"><p id="a"></p><img src="x.png"></main>')
    found = problems_on(html)
    assert any("duplicate ids: ['a']" in p for p in found)
    assert any('for="gone"' in p and 'aria-describedby="nope"' in p for p in found)
    assert "image without alt" in found and any("without a label" in p for p in found)


@pytest.mark.django_db
def test_a_form_with_errors_describes_them_with_the_field(client, data_set):
    """The hint and the errors carry the ids Django's aria-describedby names; still one h1, no duplicate ids."""
    with time_machine.travel(VIEW_DAY, tick=False):
        client.force_login(data_set["users"]["exams_officer"])
        response = client.post(reverse("entries:series_create"), {"name": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert problems_on(html) == []
    assert 'aria-invalid="true"' in html and 'class="error-summary"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html and '<div id="id_name_error"><p class="field-error">' in html
