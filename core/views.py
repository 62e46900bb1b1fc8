from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from audit.services import record

from .models import BackgroundJob
from .panels import collect_panels


@require_GET
def home(request):
    return render(request, "core/home.html", {"panels": collect_panels("home", request)})


def get_job_for_user(user, pk) -> BackgroundJob:
    job = get_object_or_404(BackgroundJob, pk=pk)
    if job.requested_by_id != user.pk and not user.is_superuser:
        raise Http404
    return job


@require_GET
def job_detail(request, pk):
    job = get_job_for_user(request.user, pk)
    template = "core/_job_status.html" if request.headers.get("HX-Request") else "core/job_detail.html"
    return render(request, template, {"job": job})


@require_GET
def job_download(request, pk):
    job = get_job_for_user(request.user, pk)
    if job.status != BackgroundJob.Status.SUCCEEDED or job.result_data is None:
        raise Http404("This job has no file to download.")
    record(request.user, "core.job.downloaded", job, {"kind": job.kind, "filename": job.result_filename}, request=request)
    response = HttpResponse(bytes(job.result_data), content_type=job.result_content_type or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{job.result_filename}"'
    return response
