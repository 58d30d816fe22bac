"""Background tasks of the common app (django-tasks, `dudao db_worker`): large Excel imports."""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from django_tasks import task

from . import imports
from .errors import ApplicationError
from .excel import ImportFailed
from .models import ImportJob


def run_job(job_id: int) -> ImportJob:
    """Run one queued import (all or nothing) and store its outcome; the file is dropped afterwards."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if not claimed:
        return job  # already run (a task delivered twice)
    values: dict = {"finished_at": None, "data": b""}
    try:
        result = imports.run(job.kind, bytes(job.data), actor=job.user, filename=job.filename)
    except ImportFailed as exc:
        values.update(status=ImportJob.Status.FAILED, message=exc.message[:255])
        values["errors"] = [asdict(e) for e in exc.errors]
    except ApplicationError as exc:
        values.update(status=ImportJob.Status.FAILED, message=exc.message[:255])
        values["errors"] = [{"row": 0, "column": "", "value": "", "message": exc.message}]
    else:
        values.update(status=ImportJob.Status.DONE, result=result.as_dict())
        values["message"] = f"导入成功:共导入 {result.created} 条记录"
    values["finished_at"] = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(**values)
    job.refresh_from_db()
    return job


@task()
def run_import_job(job_id: int) -> None:
    run_job(job_id)
