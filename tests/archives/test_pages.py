"""Archive pages as each role: the list (with the plans ready to seal), sealing, a package's detail with
retention dates, verify and download, the upload check, destruction plans and receipts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.accounts.models import Role
from dudao.archives import services
from dudao.archives.models import ArchivePackage, DestructionPlan
from tests.conftest import client_for
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_the_admin_sees_the_plan_ready_and_seals_it(plan, inst_admin, over):
    client = client_for(inst_admin)
    page = text(client.get("/archives/"))
    assert "待归档的认定计划" in page and plan.title in page and f"/archives/seal/{plan.pk}/" in page
    response = client.post(f"/archives/seal/{plan.pk}/")
    package = ArchivePackage.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/archives/{package.pk}/"
    detail = text(client.get(response["Location"]))
    assert package.manifest_digest in detail and "证书名册(合格人员名单)" in detail and "永久" in detail
    assert "下载归档包" in detail


def test_a_plan_not_over_shows_why_and_sealing_is_refused(plan, inst_admin, cohort):
    client = client_for(inst_admin)
    page = text(client.get("/archives/"))
    assert "成绩尚未公示,批次未结束,不能归档" in page
    client.post(f"/archives/seal/{plan.pk}/")
    assert not ArchivePackage.objects.exists()
    assert "成绩尚未公示" in text(client.get("/archives/"))


@pytest.mark.parametrize("role", [Role.INSTITUTION_STAFF, Role.AUTHORITY_STAFF])
def test_others_cannot_seal_from_the_page(plan, users, over, role):
    client = client_for(users[role])
    assert "待归档的认定计划" not in text(client.get("/archives/"))
    assert client.post(f"/archives/seal/{plan.pk}/").status_code == 403
    assert not ArchivePackage.objects.exists()


@pytest.mark.parametrize(
    ("role", "listed", "download"),
    [
        (Role.INSTITUTION_ADMIN, True, 200),
        (Role.INSTITUTION_STAFF, True, 200),
        (Role.AUTHORITY_ADMIN, True, 200),
        (Role.EXAMINER, False, 404),
        (Role.EXTERNAL_SUPERVISOR, False, 404),
    ],
)
def test_pages_as_each_role(users, package, role, listed, download):
    client = client_for(users[role])
    assert (package.batch_code in text(client.get("/archives/"))) is listed
    assert client.get(f"/archives/{package.pk}/").status_code == (200 if listed else 404)
    assert client.get(f"/archives/{package.pk}/download/").status_code == download
    assert client.get("/archives/destruction/").status_code == 200


def test_the_verify_button_and_the_upload_check(package, inst_admin):
    client = client_for(inst_admin)
    checked = text(client.post(f"/archives/{package.pk}/verify/"))
    assert "校验通过:每个文件与清单一致" in checked
    data = services.package_bytes(package)
    uploaded = text(client.post("/archives/verify/", {"file": SimpleUploadedFile("p.zip", data)}))
    assert "校验通过" in uploaded and package.manifest_digest in uploaded
    refused = text(client.post("/archives/verify/", {"file": SimpleUploadedFile("p.zip", b"plain text")}))
    assert "文件不是 ZIP 压缩包" in refused
    assert "请选择要校验的归档包" in text(client.post("/archives/verify/"))


def test_another_institution_gets_404(package, other_admin):
    client = client_for(other_admin)
    assert client.get(f"/archives/{package.pk}/").status_code == 404
    assert client.post(f"/archives/{package.pk}/verify/").status_code == 404
    assert client.get(f"/archives/{package.pk}/download/").status_code == 404


def test_destruction_from_the_pages(package, inst_admin, users, time_machine):
    due = package.certificates_on.replace(year=package.certificates_on.year + 1) + dt.timedelta(days=1)
    time_machine.move_to(fx.at(due, 9))
    client = client_for(inst_admin)
    page = text(client.get("/archives/destruction/"))
    assert "保存期已满的档案" in page and f'value="{package.pk}:results"' in page
    assert f'value="{package.pk}:certificate_roster"' not in page  # permanent: never offered
    refused = client.post(
        "/archives/destruction/new/",
        {"item": [f"{package.pk}:certificate_roster"], "planned_on": due.isoformat(), "reason": "到期"},
    )
    assert refused.status_code == 302 and not DestructionPlan.objects.exists()
    assert "须永久保存" in text(client.get("/archives/destruction/"))
    client.post(
        "/archives/destruction/new/",
        {"item": [f"{package.pk}:results"], "planned_on": due.isoformat(), "reason": "到期"},
    )
    plan = DestructionPlan.objects.get()
    staff = client_for(users[Role.INSTITUTION_STAFF])
    assert (
        staff.post(f"/archives/destruction/{plan.pk}/approve/", {"row_version": plan.row_version}).status_code
        == 403
    )
    client.post(f"/archives/destruction/{plan.pk}/approve/", {"row_version": plan.row_version})
    plan.refresh_from_db()
    assert plan.status == "approved"
    client.post(
        f"/archives/destruction/{plan.pk}/receipt/",
        {
            "row_version": plan.row_version,
            "destroyed_on": due.isoformat(),
            "destroyed_by_name": "张三",
            "method": "删除电子文件",
            "witness": "李四",
            "scan": SimpleUploadedFile("回单.png", fx.PNG, "image/png"),
        },
    )
    plan.refresh_from_db()
    assert plan.status == "done" and plan.receipt.scan_sha256
    page = text(client.get("/archives/destruction/"))
    assert "监销人 李四" in page and "附回单扫描件" in page
    authority_page = text(client_for(users[Role.AUTHORITY_STAFF]).get("/archives/destruction/"))
    assert "监销人 李四" in authority_page and "登记销毁回单" not in authority_page
