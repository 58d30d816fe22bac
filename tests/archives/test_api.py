"""API of archives: list, detail, seal, verify (stored and uploaded), download, destruction plans — per role,
nothing written on denial."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.accounts.models import Role
from dudao.archives import services
from dudao.archives.models import ArchivePackage, DestructionPlan
from dudao.common.models import AuditEvent
from tests.conftest import client_for
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db

API = "/api/v1/archives"


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def test_the_admin_seals_over_the_api_once(plan, inst_admin, over):
    client = client_for(inst_admin)
    response = post(client, f"{API}/plans/{plan.pk}/seal")
    assert response.status_code == 201, response.content
    body = response.json()
    package = ArchivePackage.objects.get()
    assert body["manifest_sm3"] == package.manifest_digest
    assert body["manifest"]["algorithm"] == "sm3"
    assert {r["kind"]: r["permanent"] for r in body["retention"]}["certificate_roster"] is True
    again = post(client, f"{API}/plans/{plan.pk}/seal")
    assert again.status_code == 409 and "已归档" in again.json()["message"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.INSTITUTION_STAFF, 403),
        (Role.AUTHORITY_STAFF, 403),
        (Role.EXTERNAL_SUPERVISOR, 404),
        (Role.EXAMINER, 404),
    ],
)
def test_others_may_not_seal(plan, users, over, role, status):
    response = post(client_for(users[role]), f"{API}/plans/{plan.pk}/seal")
    assert response.status_code == status
    assert not ArchivePackage.objects.exists()
    assert not AuditEvent.objects.filter(action="archives.package.seal").exists()


def test_sealing_too_early_is_a_409_in_chinese(plan, inst_admin, cohort):
    response = post(client_for(inst_admin), f"{API}/plans/{plan.pk}/seal")
    assert response.status_code == 409 and response.json()["message"] == "成绩尚未公示,批次未结束,不能归档"


@pytest.mark.parametrize(
    ("role", "count", "download"),
    [
        (Role.INSTITUTION_ADMIN, 1, 200),
        (Role.INSTITUTION_STAFF, 1, 200),
        (Role.AUTHORITY_STAFF, 1, 200),
        ("superuser", 1, 200),
        (Role.EXAMINER, 0, 404),
        (Role.EXTERNAL_SUPERVISOR, 0, 404),
    ],
)
def test_reads_are_scoped(users, package, role, count, download):
    client = client_for(users[role])
    assert client.get(f"{API}/packages").json()["count"] == count
    detail = client.get(f"{API}/packages/{package.pk}")
    assert detail.status_code == (200 if count else 404)
    response = client.get(f"{API}/packages/{package.pk}/download")
    assert response.status_code == download
    if download == 200:
        assert response["Content-Type"] == "application/zip"
        assert b"".join(response.streaming_content) == services.package_bytes(package)
        assert (
            AuditEvent.objects.filter(action="archives.package.download", actor_id=users[role].pk).count()
            == 1
        )


def test_another_institution_and_region_see_nothing(package, other_admin, other_authority):
    from tests import factories as f

    other_staff = f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_authority)
    for user in (other_admin, other_staff):
        client = client_for(user)
        assert client.get(f"{API}/packages").json()["count"] == 0
        assert client.get(f"{API}/packages/{package.pk}").status_code == 404
        assert client.get(f"{API}/packages/{package.pk}/download").status_code == 404
        assert post(client, f"{API}/packages/{package.pk}/verify").status_code == 404


def test_downloading_is_narrower_than_reading(package, users, inst_admin):
    """A batch supervisor may read the package (batch_scope) but is never allowed the ZIP itself."""
    from dudao.archives.permissions import may_download

    assert may_download(users[Role.EXTERNAL_SUPERVISOR], package) is False
    assert may_download(users[Role.INTERNAL_SUPERVISOR], package) is False
    assert may_download(users[Role.AUTHORITY_STAFF], package) is True
    assert may_download(inst_admin, package) is True


def test_verify_a_stored_and_an_uploaded_package(package, inst_admin):
    client = client_for(inst_admin)
    response = post(client, f"{API}/packages/{package.pk}/verify")
    assert response.json() == {
        "valid": True,
        "files": len(package.manifest["files"]),
        "errors": [],
        "manifest_sm3": package.manifest_digest,
        "matches_record": True,
    }
    data = services.package_bytes(package)
    upload = client.post(f"{API}/verify", {"file": SimpleUploadedFile("p.zip", data, "application/zip")})
    assert upload.status_code == 200 and upload.json()["valid"] is True
    assert upload.json()["manifest_sm3"] == package.manifest_digest
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    del entries["results.json"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    broken = client.post(f"{API}/verify", {"file": SimpleUploadedFile("p.zip", out.getvalue())})
    assert broken.json()["valid"] is False and broken.json()["errors"] == ["缺少文件:results.json"]
    bad = client.post(f"{API}/verify", {"file": SimpleUploadedFile("p.zip", b"hello")})
    assert bad.status_code == 422 and bad.json()["message"] == "文件不是 ZIP 压缩包"


def test_destruction_over_the_api(package, inst_admin, users, time_machine):
    due = package.certificates_on.replace(year=package.certificates_on.year + 1) + dt.timedelta(days=1)
    time_machine.move_to(fx.at(due, 9))
    client = client_for(inst_admin)
    body = {
        "planned_on": due.isoformat(),
        "reason": "保存期满",
        "items": [{"package": package.pk, "kind": "results"}],
    }
    refused = post(
        client,
        f"{API}/destruction-plans",
        {**body, "items": [{"package": package.pk, "kind": "certificate_roster"}]},
    )
    assert refused.status_code == 422 and "永久保存" in refused.json()["message"]
    denied = post(
        client_for(users[Role.AUTHORITY_STAFF]),
        f"{API}/destruction-plans",
        {**body, "institution": package.institution_id},
    )
    assert denied.status_code == 403
    assert not DestructionPlan.objects.exists()
    created = post(client, f"{API}/destruction-plans", body)
    assert created.status_code == 201, created.content
    plan = created.json()
    assert plan["items"] == [{"package": package.pk, "batch_code": package.batch_code, "kind": "results"}]
    approved = post(
        client, f"{API}/destruction-plans/{plan['id']}/approve", {"row_version": plan["row_version"]}
    )
    assert approved.json()["status"] == "approved"
    done = post(
        client,
        f"{API}/destruction-plans/{plan['id']}/receipt",
        {
            "row_version": approved.json()["row_version"],
            "destroyed_on": due.isoformat(),
            "destroyed_by_name": "张三",
            "method": "删除电子文件",
            "witness": "李四",
        },
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done" and done.json()["receipt"]["witness"] == "李四"
    listed = client_for(users[Role.AUTHORITY_STAFF]).get(f"{API}/destruction-plans").json()
    assert listed["count"] == 1
    assert client_for(users[Role.EXAMINER]).get(f"{API}/destruction-plans").json()["count"] == 0
