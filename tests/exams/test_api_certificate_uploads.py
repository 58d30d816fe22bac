"""API of the national upload (CERT-3): GET/POST /api/v1/exams/plans/{pk}/certificate-uploads (the plan's
uploads with its six-month check; export), GET /api/v1/certificate-uploads/{pk}/file (issuing admin only,
no-store), POST …/confirm and …/reject; per role, 4xx with Chinese messages, nothing changed on denial."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import Certificate, CertificateUpload
from tests import factories as f
from tests.conftest import client_for
from tests.factories import exams as fx

from .test_certificate_uploads import DEADLINE, issued  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.INSTITUTION_ADMIN, 200),
        (Role.INSTITUTION_STAFF, 200),
        (Role.AUTHORITY_STAFF, 200),
        (Role.AUTHORITY_ADMIN, 200),
        ("superuser", 200),
        (Role.EXAMINER, 404),
    ],
)
def test_list_with_the_six_month_check_per_role(issued, plan, users, role, status, time_machine):  # noqa: F811
    time_machine.move_to(fx.at(DEADLINE + dt.timedelta(days=1), 10))
    answer = client_for(users[role]).get(f"/api/v1/exams/plans/{plan.pk}/certificate-uploads")
    assert answer.status_code == status
    if status == 200:
        body = answer.json()
        assert body["items"] == []
        assert body["compliance"] == {
            "status": "overdue",
            "label": "超过 6 个月未上报",
            "compliant": False,
            "total": 2,
            "pending": 2,
            "overdue": 2,
            "late": 0,
            "deadline": "2027-07-15",
            "next_due": "2027-07-25",
        }


def test_export_download_confirm_over_the_api(issued, plan, inst_admin):  # noqa: F811
    client = client_for(inst_admin)
    answer = post(client, f"/api/v1/exams/plans/{plan.pk}/certificate-uploads", {"format": "json"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["status"], body["count"], body["format"], body["status_label"]) == (
        "exported",
        2,
        "json",
        "已导出待上报",
    )
    assert "content" not in body
    pk = body["id"]
    file = client.get(f"/api/v1/certificate-uploads/{pk}/file")
    assert file.status_code == 200 and file["Content-Type"] == "application/json"
    assert file["Cache-Control"] == "no-store"
    assert len(json.loads(file.content)["certificates"]) == 2
    answer = post(
        client,
        f"/api/v1/certificate-uploads/{pk}/confirm",
        {"receipt_number": "GJ-1", "receipt_date": "2027-01-20"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "uploaded"
    answer = post(client, f"/api/v1/certificate-uploads/{pk}/reject", {"reason": "x"})
    assert answer.status_code == 409 and "已上报" in answer.json()["message"]
    listed = client.get(f"/api/v1/exams/plans/{plan.pk}/certificate-uploads").json()
    assert listed["compliance"]["status"] == "uploaded" and listed["compliance"]["next_due"] is None
    assert [i["receipt_number"] for i in listed["items"]] == ["GJ-1"]


def test_reject_then_export_again(issued, plan, inst_admin):  # noqa: F811
    client = client_for(inst_admin)
    pk = post(client, f"/api/v1/exams/plans/{plan.pk}/certificate-uploads", {}).json()["id"]
    again = post(client, f"/api/v1/exams/plans/{plan.pk}/certificate-uploads", {})
    assert again.status_code == 409
    answer = post(client, f"/api/v1/certificate-uploads/{pk}/reject", {"reason": "姓名有误"})
    assert answer.status_code == 200 and answer.json()["wrong_data"] is True
    assert post(client, f"/api/v1/exams/plans/{plan.pk}/certificate-uploads", {}).status_code == 201


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"format": "pdf"}, 422),
        ({"format": "x" * 9}, 422),
    ],
)
def test_bad_export_input_is_a_4xx(issued, plan, inst_admin, body, status):  # noqa: F811
    answer = post(client_for(inst_admin), f"/api/v1/exams/plans/{plan.pk}/certificate-uploads", body)
    assert answer.status_code == status and answer.json()["message"]
    assert not CertificateUpload.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"receipt_number": "", "receipt_date": "2027-01-20"}, 422),
        ({"receipt_number": "R", "receipt_date": "2027-13-01"}, 422),
        ({"receipt_number": "R", "receipt_date": "2030-01-01"}, 422),
        ({"receipt_number": "R"}, 422),
    ],
)
def test_bad_confirmations_change_nothing(issued, plan, inst_admin, body, status):  # noqa: F811
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    answer = post(client_for(inst_admin), f"/api/v1/certificate-uploads/{upload.pk}/confirm", body)
    assert answer.status_code == status
    upload.refresh_from_db()
    assert upload.status == "exported"


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
def test_only_the_issuing_admin_writes_or_downloads(issued, plan, inst_admin, users, role, status):  # noqa: F811
    client = client_for(users[role])
    assert post(client, f"/api/v1/exams/plans/{plan.pk}/certificate-uploads", {}).status_code == status
    assert not CertificateUpload.objects.exists()
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    assert client.get(f"/api/v1/certificate-uploads/{upload.pk}/file").status_code == status
    confirm = {"receipt_number": "R", "receipt_date": "2027-01-20"}
    assert post(client, f"/api/v1/certificate-uploads/{upload.pk}/confirm", confirm).status_code == status
    assert (
        post(client, f"/api/v1/certificate-uploads/{upload.pk}/reject", {"reason": "x"}).status_code == status
    )
    upload.refresh_from_db()
    assert upload.status == "exported"
    assert set(Certificate.objects.values_list("upload", flat=True)) == {"pending"}


def test_another_institution_sees_nothing(issued, plan, inst_admin, other_institution):  # noqa: F811
    other = client_for(f.UserFactory(role=Role.INSTITUTION_ADMIN, institution=other_institution))
    assert other.get(f"/api/v1/exams/plans/{plan.pk}/certificate-uploads").status_code == 404
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    assert other.get(f"/api/v1/certificate-uploads/{upload.pk}/file").status_code == 404
    assert post(other, f"/api/v1/certificate-uploads/{upload.pk}/reject", {"reason": "x"}).status_code == 404


def test_anonymous_is_refused(issued, plan):  # noqa: F811
    assert client_for(None).get(f"/api/v1/exams/plans/{plan.pk}/certificate-uploads").status_code == 401
