"""Run long work off the request.

    job = job_start(actor=user, kind="checks.statements.pdf", title="Statements for 13A",
                    runner="checks.jobs.render_statements", parameters={"programme_id": 4})
    return redirect(job)   # the job page shows progress, then the download

`runner` is the dotted path of a function `runner(job: BackgroundJob, progress: Progress) -> JobResult`.
It runs in the task worker (`manage.py db_worker`); in tests the immediate backend runs it at once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from .models import BackgroundJob


@dataclass
class JobResult:
    filename: str = ""
    content_type: str = ""
    data: bytes | None = None
    summary: dict = field(default_factory=dict)
    message: str = ""


class Progress:
    """Writes progress to the job row, at most every `every` steps, so polling stays cheap."""

    def __init__(self, job: BackgroundJob, every: int = 10):
        self.job = job
        self.every = every

    def set_total(self, total: int) -> None:
        self.job.progress_total = total
        self.job.save(update_fields=["progress_total"])

    def advance(self, done: int, message: str = "") -> None:
        self.job.progress_done = done
        if message:
            self.job.message = message
        if done % self.every == 0 or done == self.job.progress_total:
            self.job.save(update_fields=["progress_done", "message"])


def job_start(*, actor, kind: str, title: str, runner: str, parameters: dict | None = None) -> BackgroundJob:
    job = BackgroundJob.objects.create(
        kind=kind, title=title, requested_by=actor, parameters={"runner": runner, **(parameters or {})}
    )
    transaction.on_commit(lambda: run_background_job.enqueue(str(job.pk)))
    return job


@task()
def run_background_job(job_id: str) -> None:
    job = BackgroundJob.objects.get(pk=job_id)
    if job.status != BackgroundJob.Status.QUEUED:
        return  # already run (a retried task must not run twice)
    job.status = BackgroundJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    runner: Callable[[BackgroundJob, Progress], JobResult] = import_string(job.parameters["runner"])
    try:
        result = runner(job, Progress(job))
    except Exception as exc:  # the job page must say what went wrong rather than spin forever
        job.status = BackgroundJob.Status.FAILED
        job.message = f"{type(exc).__name__}: {exc}"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "finished_at"])
        raise
    job.status = BackgroundJob.Status.SUCCEEDED
    job.result_filename = result.filename
    job.result_content_type = result.content_type
    job.result_data = result.data
    job.summary = result.summary
    job.message = result.message or job.message
    job.progress_done = job.progress_total
    job.finished_at = timezone.now()
    job.save()
