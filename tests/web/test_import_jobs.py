"""Large Excel imports run as a background task (django-tasks) with a progress page and a result page whose
row errors are downloadable (issue 9 §2)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.excel import export_workbook
from dudao.common.models import ImportJob
from dudao.common.tasks import run_job
from dudao.registry import models as rm
from dudao.registry.excel import INSTITUTION_COLUMNS
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _upload(rows):
    data = export_workbook(INSTITUTION_COLUMNS, rows, sheet_name="导入")
    return SimpleUploadedFile("机构.xlsx", data, content_type="application/octet-stream")


def _rows(uscc=None):
    return [{"name": "后台机构", "kind": "employer", "uscc": uscc or f.make_uscc(8801), "region": "360000"}]


@pytest.fixture
def large(settings):
    settings.DUDAO_IMPORT_BACKGROUND_BYTES = 100  # every test file counts as large


def test_small_file_imports_at_once(users, settings):
    settings.DUDAO_IMPORT_BACKGROUND_BYTES = 10 * 1024 * 1024
    client = client_for(users[Role.AUTHORITY_STAFF])
    response = client.post(reverse("registry:institution_import"), {"file": _upload(_rows())})
    assert response.status_code == 302 and response.url == reverse("registry:institution_list")
    assert not ImportJob.objects.exists()
    assert rm.Institution.objects.filter(name="后台机构").exists()


def test_large_file_runs_in_background_with_progress_then_result(users, large):
    staff = users[Role.AUTHORITY_STAFF]
    client = client_for(staff)
    response = client.post(reverse("registry:institution_import"), {"file": _upload(_rows())})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("web:import_job", args=[job.pk])
    assert not rm.Institution.objects.filter(name="后台机构").exists()  # not yet: queued
    page = client.get(response.url).content.decode()
    assert "排队中" in page and 'hx-trigger="every 2s"' in page and "progress-bar" in page
    run_job(job.pk)
    assert rm.Institution.objects.filter(name="后台机构").exists()
    status = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "已导入" in status and "共导入 1 条记录" in status and "every 2s" not in status  # polling stops
    job.refresh_from_db()
    assert job.status == "done" and job.data == b"" and job.result["created"] == 1
    assert run_job(job.pk).status == "done"  # a task delivered twice runs once


def test_refused_background_import_lists_errors_and_offers_the_report(users, institution, large):
    client = client_for(users[Role.AUTHORITY_STAFF])
    client.post(reverse("registry:institution_import"), {"file": _upload(_rows(uscc=institution.uscc))})
    job = run_job(ImportJob.objects.get().pk)
    assert job.status == "failed"
    page = client.get(reverse("web:import_job", args=[job.pk])).content.decode()
    assert "未导入" in page and "已被机构" in page and institution.uscc in page
    report = client.get(reverse("web:import_job_errors", args=[job.pk]))
    assert report.status_code == 200 and report.content.startswith(b"PK")


def test_only_the_importer_sees_the_job(users, large):
    client_for(users[Role.AUTHORITY_STAFF]).post(
        reverse("registry:institution_import"), {"file": _upload(_rows())}
    )
    job = ImportJob.objects.get()
    other = client_for(users[Role.AUTHORITY_ADMIN])
    assert other.get(reverse("web:import_job", args=[job.pk])).status_code == 404
    assert other.get(reverse("web:import_job_errors", args=[job.pk])).status_code == 404


def test_hostile_file_in_background_is_refused_with_one_error(users, large):
    client = client_for(users[Role.AUTHORITY_STAFF])
    bad = SimpleUploadedFile("x.xlsx", b"PK\x03\x04" + b"\x00" * 200, content_type="application/octet-stream")
    client.post(reverse("registry:institution_import"), {"file": bad})
    job = run_job(ImportJob.objects.get().pk)
    assert job.status == "failed" and len(job.errors) == 1 and job.errors[0]["row"] == 0
