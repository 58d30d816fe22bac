"""The complaint papers (COMPL-2/3): the acceptance / decline notice and the reply to the filer as DOCX and
PDF, downloadable by those who may see the complaint; the filer named only for a viewer with the right
(audited), never in an anonymous complaint; the committed templates match their build script."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from django.utils import timezone
from docx import Document

from dudao.accounts.models import Role
from dudao.common.errors import IllegalTransition
from dudao.common.models import AuditEvent
from dudao.complaints import build_templates, documents, services
from dudao.complaints.models import Complaint
from dudao.documents.render import PACKAGE_DIR, soffice_available
from tests.conftest import client_for

from .support import accepted, file

REPLY = "经调查,反映的问题属实。\n已责令该机构退还多收的费用,并通报批评。"


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _replied(complaint: Complaint) -> Complaint:
    Complaint.objects.filter(pk=complaint.pk).update(
        status="replied", replied_at=timezone.now(), public_reply=REPLY, finding="verified"
    )
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def admin(users):
    return users[Role.AUTHORITY_ADMIN]


@pytest.fixture
def staff(users):
    return users[Role.AUTHORITY_STAFF]


def test_acceptance_notice_names_the_filer_for_a_viewer_with_the_right(admin, institution):
    complaint = accepted(institution, admin)
    data, name = documents.render(admin, complaint, "decision", "docx")
    assert name == f"投诉受理告知书_{complaint.code}.docx"
    text = _text(data)
    assert "李四：" in text and "投诉受理告知书" in text
    assert f"（查询码：{complaint.code}）收悉" in text and institution.name in text
    assert "决定予以受理" in text and "于2026年12月14日前办结" in text  # result_by, 7 working days
    assert complaint.content not in text and "13912345678" not in text
    assert institution.authority.name in text and "2026年12月3日" in text
    # reading the filer for the paper is audited like the page
    assert AuditEvent.objects.filter(action="complaints.complaint.view_filer", actor_id=admin.pk).count() == 1


def test_staff_without_the_right_gets_the_code_not_the_name(admin, staff, institution):
    complaint = accepted(institution, admin)
    text = _text(documents.render(staff, complaint, "decision", "docx")[0])
    assert "李四" not in text and f"投诉人(查询码 {complaint.code})：" in text
    assert not AuditEvent.objects.filter(action="complaints.complaint.view_filer").exists()


def test_anonymous_complaint_never_names_anyone(admin, institution):
    complaint = accepted(institution, admin, anonymous=True)
    text = _text(documents.render(admin, complaint, "decision", "docx")[0])
    assert f"投诉人(查询码 {complaint.code})：" in text


def test_decline_notice_gives_the_reason(admin, institution):
    complaint = file(institution)
    services.complaint_decide(
        actor=admin,
        complaint=complaint,
        action="decline",
        reason="不属于本部门职责范围。\n请向市场监管部门反映。",
        row_version=1,
    )
    complaint.refresh_from_db()
    data, name = documents.render(admin, complaint, "decision", "docx")
    text = _text(data)
    assert name.startswith("投诉不予受理告知书_")
    assert (
        "决定不予受理。理由如下：" in text
        and "不属于本部门职责范围。" in text
        and "请向市场监管部门反映。" in text
    )
    assert "决定予以受理" not in text


def test_reply(admin, staff, institution):
    complaint = _replied(accepted(institution, admin))
    text = _text(documents.render(staff, complaint, "reply", "docx")[0])
    assert "投诉处理答复书" in text and "经调查处理，现答复如下：" in text
    assert "经调查,反映的问题属实。" in text and "已责令该机构退还多收的费用,并通报批评。" in text
    assert "李四" not in text


def test_no_paper_before_its_step(admin, institution):
    complaint = file(institution)
    with pytest.raises(IllegalTransition):
        documents.render(admin, complaint, "decision", "docx")
    with pytest.raises(IllegalTransition):
        documents.render(admin, accepted(institution, admin), "reply", "docx")


def test_downloads_from_the_page_are_scoped(users, admin, institution, other_institution):
    complaint = accepted(institution, admin)
    url = f"/complaints/{complaint.pk}/documents/decision.docx"
    page = client_for(admin).get(f"/complaints/{complaint.pk}/").content.decode()
    assert 'id="documents"' in page and url in page
    done = client_for(users[Role.AUTHORITY_STAFF]).get(url)
    assert done.status_code == 200 and done["Content-Type"].endswith("wordprocessingml.document")
    for who in (Role.INSTITUTION_ADMIN, Role.EXTERNAL_SUPERVISOR):
        assert client_for(users[who]).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302  # to the login
    assert client_for(admin).get(f"/complaints/{complaint.pk}/documents/other.docx").status_code == 404
    assert client_for(admin).get(f"/complaints/{complaint.pk}/documents/decision.txt").status_code == 404
    # not replied yet: back to the page with the message
    early = client_for(admin).get(f"/complaints/{complaint.pk}/documents/reply.docx")
    assert early.status_code == 302 and early["Location"] == f"/complaints/{complaint.pk}/"


def test_committed_templates_match_the_build_script(tmp_path):
    """Run `python -m dudao.complaints.build_templates` after changing the script, and commit the result."""
    build_templates.build_all(tmp_path)
    for name in build_templates.NAMES:
        with (
            zipfile.ZipFile(PACKAGE_DIR / f"{name}.docx") as old,
            zipfile.ZipFile(tmp_path / f"{name}.docx") as new,
        ):
            parts = sorted(n for n in new.namelist() if n.endswith((".xml", ".rels")))
            assert sorted(n for n in old.namelist() if n.endswith((".xml", ".rels"))) == parts
            for part in parts:
                assert old.read(part) == new.read(part), f"{name}.docx:{part}"


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is installed by `make install`")
def test_pdf_renders_chinese(admin, institution, tmp_path):
    complaint = _replied(accepted(institution, admin))
    data, name = documents.render(admin, complaint, "reply", "pdf")
    assert name.endswith(".pdf") and data.startswith(b"%PDF")
    path = tmp_path / "reply.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    text = "".join(out.split())
    assert "投诉处理答复书" in text and "李四：" in text and "已责令该机构退还多收的费用" in text
