"""Background jobs (core.jobs): run off the request, progress saved, result only for the requester."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.jobs import Progress, job_start, run_background_job
from core.models import BackgroundJob

pytestmark = pytest.mark.django_db

RUNNERS = "tests.core.job_runners"


def _start(user, runner, captured, **parameters):
    with captured(execute=True):
        job = job_start(actor=user, kind="tests.count", title="Count for the tests", runner=f"{RUNNERS}.{runner}",
                        parameters=parameters)
    job.refresh_from_db()
    return job


def test_job_is_queued_until_the_transaction_commits(exams_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_start(actor=exams_officer, kind="tests.count", title="Count", runner=f"{RUNNERS}.count_to_ten")
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.QUEUED and job.parameters["runner"] == f"{RUNNERS}.count_to_ten"


def test_immediate_backend_runs_the_runner_and_keeps_the_result(exams_officer, django_capture_on_commit_callbacks):
    job = _start(exams_officer, "count_to_ten", django_capture_on_commit_callbacks, n=25)
    assert job.status == BackgroundJob.Status.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.percent) == (25, 25, 100)
    assert job.result_filename == "count.txt" and bytes(job.result_data).startswith(b"1\n2\n")
    assert job.summary == {"Counted": 25} and job.message == "Counted to 25"
    assert job.started_at <= job.finished_at


def test_progress_is_saved_every_few_steps(exams_officer):
    job = BackgroundJob.objects.create(kind="k", title="t", requested_by=exams_officer)
    progress = Progress(job, every=10)
    progress.set_total(25)
    assert BackgroundJob.objects.get(pk=job.pk).progress_total == 25
    progress.advance(5, "five")
    assert BackgroundJob.objects.get(pk=job.pk).progress_done == 0  # cheap: not every step writes
    progress.advance(10, "ten")
    saved = BackgroundJob.objects.get(pk=job.pk)
    assert (saved.progress_done, saved.message, saved.percent) == (10, "ten", 40)
    progress.advance(25)
    assert BackgroundJob.objects.get(pk=job.pk).progress_done == 25


def test_a_failure_is_recorded_with_its_message(client, exams_officer, django_capture_on_commit_callbacks):
    job = _start(exams_officer, "explode", django_capture_on_commit_callbacks)
    assert job.status == BackgroundJob.Status.FAILED
    assert job.message == "ValueError: row 7 has no ULN" and job.finished_at is not None
    client.force_login(exams_officer)
    html = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "The job failed" in html and "row 7 has no ULN" in html and "hx-get" not in html
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404


def test_a_job_already_run_is_not_run_again(exams_officer, django_capture_on_commit_callbacks):
    job = _start(exams_officer, "count_to_ten", django_capture_on_commit_callbacks)
    finished = job.finished_at
    run_background_job.call(str(job.pk))
    job.refresh_from_db()
    assert job.finished_at == finished


def test_result_is_downloadable_only_by_the_requester(client, exams_officer, lead_a, django_capture_on_commit_callbacks):
    job = _start(exams_officer, "count_to_ten", django_capture_on_commit_callbacks, n=3)
    client.force_login(exams_officer)
    response = client.get(reverse("core:job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="count.txt"'
    assert response.content == b"1\n2\n3"
    event = AuditEvent.objects.get(action="core.job.downloaded")
    assert event.actor == exams_officer and event.object_id == str(job.pk)

    client.force_login(lead_a)
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 404


def test_job_page_and_its_htmx_partial(client, exams_officer, django_capture_on_commit_callbacks):
    client.force_login(exams_officer)
    with django_capture_on_commit_callbacks(execute=False):
        queued = job_start(actor=exams_officer, kind="tests.count", title="Statements for 13A", runner=f"{RUNNERS}.count_to_ten")
    page = client.get(reverse("core:job_detail", args=[queued.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "<h1>Statements for 13A</h1>" in html and "<html" in html
    assert f'hx-get="{reverse("core:job_detail", args=[queued.pk])}"' in html and "<progress" in html

    partial = client.get(reverse("core:job_detail", args=[queued.pk]), headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body and 'id="job-status"' in body and "Queued" in body

    done = _start(exams_officer, "count_to_ten", django_capture_on_commit_callbacks)
    body = client.get(reverse("core:job_detail", args=[done.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in body and "Download count.txt" in body and "Counted" in body


def test_summary_only_job_has_nothing_to_download(client, exams_officer, django_capture_on_commit_callbacks):
    job = _start(exams_officer, "summary_only", django_capture_on_commit_callbacks)
    client.force_login(exams_officer)
    html = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "Learners checked" in html and "Download" not in html
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404


def test_anonymous_users_go_to_login(client, exams_officer, django_capture_on_commit_callbacks):
    job = _start(exams_officer, "count_to_ten", django_capture_on_commit_callbacks)
    response = client.get(reverse("core:job_download", args=[job.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
