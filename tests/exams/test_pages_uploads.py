"""Pages of the national upload (CERT-3; FORM-B C4.2): the 上报 section of the plan's 成绩与证书 tab per role,
export / download / confirm (with a receipt file) / reject from the page (issuing admin only, nothing changed
on denial), and the list of batches with the six-month warning for the authority and the institution."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import Certificate, CertificateUpload
from tests.conftest import client_for
from tests.factories import exams as fx

from .test_certificate_uploads import DEADLINE, issued  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("role", "status", "buttons"),
    [
        (Role.INSTITUTION_ADMIN, 200, True),
        (Role.INSTITUTION_STAFF, 200, False),
        (Role.AUTHORITY_STAFF, 200, False),
        (Role.AUTHORITY_ADMIN, 200, False),
        ("superuser", 200, False),
        (Role.EXAMINER, 404, False),
    ],
)
def test_the_upload_section_per_role(issued, plan, users, role, status, buttons):  # noqa: F811
    answer = client_for(users[role]).get(f"/exams/{plan.pk}/results/")
    assert answer.status_code == status
    if status == 200:
        page = answer.content.decode()
        assert 'id="uploads"' in page and "待上报</span>" in page and "2027-07-15" in page
        assert ("导出上报文件</button>" in page) == buttons


def test_export_confirm_with_receipt_and_download_from_the_page(issued, plan, inst_admin):  # noqa: F811
    client = client_for(inst_admin)
    answer = client.post(f"/exams/{plan.pk}/certificate-uploads/export/", {"format": "csv"})
    assert answer.status_code == 302 and answer["Location"].endswith("#uploads")
    upload = CertificateUpload.objects.get()
    page = client.get(f"/exams/{plan.pk}/results/").content.decode()
    assert "已导出待上报" in page and "确认已上报</button>" in page
    download = client.get(f"/exams/certificate-uploads/{upload.pk}/file/")
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    assert download.content.startswith(
        b"\xef\xbb\xbf\xe8\xaf\x81\xe4\xb9\xa6\xe7\xbc\x96\xe5\x8f\xb7"
    )  # BOM 证书编号
    answer = client.post(
        f"/exams/certificate-uploads/{upload.pk}/confirm/",
        {
            "receipt_number": "GJ-1",
            "receipt_date": "2027-01-20",
            "receipt_file": SimpleUploadedFile("回执.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert answer.status_code == 302
    upload.refresh_from_db()
    assert (upload.status, upload.receipt_name) == ("uploaded", "回执.pdf")
    receipt = client.get(f"/exams/certificate-uploads/{upload.pk}/receipt/")
    assert receipt.status_code == 200 and b"".join(receipt.streaming_content) == PDF
    assert set(Certificate.objects.values_list("upload", flat=True)) == {"uploaded"}
    page = client.get(f"/exams/{plan.pk}/results/").content.decode()
    assert "已按时上报" in page and "GJ-1" in page


def test_a_bad_confirmation_on_the_page_says_why_and_changes_nothing(issued, plan, inst_admin):  # noqa: F811
    client = client_for(inst_admin)
    client.post(f"/exams/{plan.pk}/certificate-uploads/export/")
    upload = CertificateUpload.objects.get()
    answer = client.post(
        f"/exams/certificate-uploads/{upload.pk}/confirm/",
        {"receipt_number": "", "receipt_date": "2027-01-20"},
        follow=True,
    )
    assert "请填写国家平台回执号" in answer.content.decode()
    upload.refresh_from_db()
    assert upload.status == "exported"


def test_reject_from_the_page(issued, plan, inst_admin):  # noqa: F811
    client = client_for(inst_admin)
    client.post(f"/exams/{plan.pk}/certificate-uploads/export/")
    upload = CertificateUpload.objects.get()
    client.post(f"/exams/certificate-uploads/{upload.pk}/reject/", {"reason": "姓名有误", "wrong_data": "1"})
    upload.refresh_from_db()
    assert (upload.status, upload.reject_reason, upload.wrong_data) == ("rejected", "姓名有误", True)
    page = client.get(f"/exams/{plan.pk}/results/").content.decode()
    assert "姓名有误" in page and "信息有误</span>" in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.INSTITUTION_STAFF, 403),
        (Role.AUTHORITY_STAFF, 403),
        (Role.AUTHORITY_ADMIN, 403),
        ("superuser", 403),
        (Role.EXAMINER, 404),
    ],
)
def test_only_the_issuing_admin_acts_on_the_pages(issued, plan, inst_admin, users, role, status):  # noqa: F811
    client = client_for(users[role])
    assert client.post(f"/exams/{plan.pk}/certificate-uploads/export/").status_code == status
    assert not CertificateUpload.objects.exists()
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    assert client.get(f"/exams/certificate-uploads/{upload.pk}/file/").status_code == status
    confirm = {"receipt_number": "R", "receipt_date": "2027-01-20"}
    assert client.post(f"/exams/certificate-uploads/{upload.pk}/confirm/", confirm).status_code == status
    assert (
        client.post(f"/exams/certificate-uploads/{upload.pk}/reject/", {"reason": "x"}).status_code == status
    )
    upload.refresh_from_db()
    assert upload.status == "exported"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.INSTITUTION_ADMIN, 200),
        (Role.INSTITUTION_STAFF, 200),
        (Role.AUTHORITY_STAFF, 200),
        (Role.AUTHORITY_ADMIN, 200),
        ("superuser", 200),
        (Role.EXAMINER, 403),
        (Role.EXTERNAL_SUPERVISOR, 403),
    ],
)
def test_the_batch_list_warns_after_six_months(issued, plan, users, role, status, time_machine):  # noqa: F811
    time_machine.move_to(fx.at(DEADLINE, 10))
    answer = client_for(users[role]).get("/exams/certificate-uploads/")
    assert answer.status_code == status
    if status != 200:
        return
    page = answer.content.decode()
    assert plan.batch.code in page and '<div class="h1 mb-0 " id="noncompliant-count">0</div>' in page
    time_machine.move_to(fx.at(DEADLINE + dt.timedelta(days=1), 10))
    page = client_for(users[role]).get("/exams/certificate-uploads/").content.decode()
    assert 'id="noncompliant-count">1</div>' in page and "超过 6 个月未上报</span>" in page
    filtered = (
        client_for(users[role]).get("/exams/certificate-uploads/", {"status": "uploaded"}).content.decode()
    )
    assert plan.batch.code not in filtered


def test_another_regions_authority_sees_no_batch(issued, plan, other_authority):  # noqa: F811
    from tests import factories as f

    user = f.UserFactory(role=Role.AUTHORITY_STAFF, authority=other_authority)
    page = client_for(user).get("/exams/certificate-uploads/").content.decode()
    assert plan.batch.code not in page


def test_the_home_page_todo_lists_batches_to_upload(issued, plan, users, time_machine):  # noqa: F811
    from dudao.web.todo import todo_for

    def groups(user, today):
        return {g.key: (g.total, g.items[0].detail) for g in todo_for(user, today=today)}

    inst, authority = users[Role.INSTITUTION_ADMIN], users[Role.AUTHORITY_STAFF]
    assert groups(inst, DEADLINE)["certificate_upload"] == (1, "证书待上报国家查询系统")
    assert "certificate_upload_overdue" not in groups(authority, DEADLINE)
    after = DEADLINE + dt.timedelta(days=1)
    assert groups(inst, after)["certificate_upload"] == (1, "证书编号生成超过 6 个月未上报")
    assert groups(authority, after)["certificate_upload_overdue"] == (1, "证书编号生成超过 6 个月未上报")
    time_machine.move_to(fx.at(after, 10))
    assert "证书超期未上报的批次" in client_for(authority).get("/").content.decode()
