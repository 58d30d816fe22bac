"""The renewal papers: 延续备案回执 and 整改通知书 (seed 004 attachment 6) as DOCX and PDF with the right
text; the committed templates match their build script; downloads are permission-checked."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from docx import Document

from dudao.accounts.models import Role
from dudao.documents.render import PACKAGE_DIR, soffice_available
from dudao.renewals import build_templates, documents, services
from tests import factories as f

from .conftest import D, apply, open_evaluation, run_evaluation, rv

NOTICE_BODY = (
    "即日起，你单位须立即对上述存在的问题进行整改，整改期为6个月，整改期内暂停职业技能等级认定工作。"
    "整改完成后，经评估合格再进行续期备案。若逾期未整改或未按要求完成整改，将视情况对你单位采取终止"
    "职业技能等级评价机构备案等措施。"
)


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def rectifying(users, filing, evaluators):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    run_evaluation(app, f.RECTIFY_DEDUCTIONS, f.RECTIFY_NOTES)
    return services.renewal_record_outcome(
        actor=staff, application=app, row_version=rv(app), today=D("2024-10-28")
    )


@pytest.fixture
def renewed(users, employer_admin, employer_filing):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(employer_admin, employer_filing, skip=("6-18-02-04",))
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    return services.renewal_employer_decide(
        actor=staff,
        application=app,
        approve=True,
        opinion="符合延续条件",
        row_version=app.row_version,
        today=D("2024-10-15"),
    )


def test_receipt_context(renewed):
    ctx = documents.receipt_context(renewed)
    assert ctx["doc_number"] == "延备回执〔2024〕1号"
    assert (ctx["institution_name"], ctx["filing_number"], ctx["basis"]) == (
        "江西某机械制造有限公司",
        "赣人社鉴备〔2020〕31号",
        "经审核",
    )
    assert ctx["scope_rows"] == [
        {
            "no": 1,
            "code": "4-03-02-01",
            "name": "中式烹调师",
            "work_type": "中式烹调",
            "levels": "五级/初级工、四级/中级工",
        },
        {
            "no": 2,
            "code": "4-10-01-05",
            "name": "养老护理员",
            "work_type": "—",
            "levels": "五级/初级工、四级/中级工、三级/高级工",
        },
    ]
    assert ctx["dropped_rows"] == [{"name": "电工", "reason": "机构未申请续期"}]


def test_receipt_docx_text(renewed):
    data, name = documents.render(renewed, "receipt", "docx")
    assert name == "延续备案回执_江西某机械制造有限公司_延备回执〔2024〕1号.docx"
    text = _docx_text(data)
    for expected in (
        renewed.authority.name,
        "延备回执〔2024〕1号",
        "职业技能等级认定机构延续备案回执",
        "江西某机械制造有限公司：",
        "你单位报送的职业技能等级认定机构延续备案申请材料收悉。经审核，符合延续备案条件，准予延续备案。",
        "二、备案编号：赣人社鉴备〔2020〕31号",
        "三、延续备案有效期：2025年1月1日至2028年12月31日",
        "1 | 4-03-02-01 | 中式烹调师 | 中式烹调 | 五级/初级工、四级/中级工",
        "1．电工（机构未申请续期）",
        "2024年10月15日",
    ):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text


def test_notice_docx_text(rectifying):
    data, name = documents.render(rectifying, "notice", "docx")
    assert name.startswith("整改通知书_") and name.endswith("_延备整改〔2024〕1号.docx")
    text = _docx_text(data)
    signed = rectifying.evaluation.signed_at.astimezone().date()  # the evaluation's signing day
    lines = text.splitlines()
    assert lines[:10] == [
        rectifying.authority.name,
        "延备整改〔2024〕1号",
        "整改通知书",
        f"{rectifying.institution.name}：",
        f"{signed.year}年{signed.month}月{signed.day}日，经对你单位开展延续备案评估，发现存在以下问题：",
        "1．技能评价场地(与备案一致、符合标准、运行良好、安全、功能、候考区)（扣6分）：技能考核场地与备案不一致,候考区未设置",
        "2．视频监控(每考场≥2高清摄像头,720P,音视频同步)（扣4分）",
        "3．题库建设与管理（扣6分）",
        "4．考评人员证书在有效期内（扣3分）：2 名考评员证书已过期",
        "",
    ]
    assert lines[10:13] == [
        NOTICE_BODY,
        "评估得分：77分。整改期限：2024年10月28日至2025年4月28日。",
        "特此通知。",
    ]
    assert lines[-2:] == [f"{rectifying.authority.name}（盖章）", "2024年10月28日"]
    assert "序号 | 评估项目 | 分值 | 得分 | 扣分 | 问题说明" in lines
    assert "| 10 | 4 | 6 | 技能考核场地与备案不一致,候考区未设置" in text
    assert "| 3 | 0 | 3 | 2 名考评员证书已过期" in text


def test_no_receipt_before_renewal(rectifying):
    from dudao.common.errors import IllegalTransition

    with pytest.raises(IllegalTransition):
        documents.render(rectifying, "receipt", "docx")


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is installed by `make install`")
def test_pdfs_render_chinese(rectifying, renewed, tmp_path):
    notice, name = documents.render(rectifying, "notice", "pdf")
    assert name.endswith(".pdf") and notice.startswith(b"%PDF")
    text = "".join(_pdf_text(notice, tmp_path).split())
    assert "整改通知书" in text
    assert "".join(NOTICE_BODY.split()) in text
    assert "技能考核场地与备案不一致" in text
    assert "整改期限：2024年10月28日至2025年4月28日" in text
    receipt, _ = documents.render(renewed, "receipt", "pdf")
    text = "".join(_pdf_text(receipt, tmp_path).split())
    assert "职业技能等级认定机构延续备案回执" in text
    assert "延续备案有效期：2025年1月1日至2028年12月31日" in text


def test_committed_templates_match_the_build_script(tmp_path):
    """Run `python -m dudao.renewals.build_templates` after changing the script, and commit the result."""
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


@pytest.mark.parametrize("who", [Role.INSTITUTION_ADMIN, Role.EXTERNAL_SUPERVISOR])
def test_downloads_are_scoped(client_as, users, renewed, who):
    """The employer's receipt: its own admin and the authority may download; others get 404."""
    url = f"/api/v1/renewals/applications/{renewed.pk}/documents/receipt.docx"
    assert client_as(users[Role.AUTHORITY_STAFF]).get(url).status_code == 200
    assert client_as(users[who]).get(url).status_code == 404  # another institution / a supervisor
    page = f"/renewals/{renewed.pk}/documents/receipt.docx"
    assert client_as(users[who]).get(page).status_code == 404


@pytest.mark.parametrize("name", build_templates.NAMES)
def test_loop_tags_own_their_paragraph_or_row(name):
    """DESIGN pitfall: a {%p %}/{%tr %} tag sharing a paragraph/row leaves empty ones behind."""
    from docx.oxml.ns import qn

    doc = Document(PACKAGE_DIR / f"{name}.docx")
    for p in doc.element.body.iter(qn("w:p")):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        for kind in ("{%p", "{%tr", "{%tc"):
            if kind in text:
                assert text.startswith(kind) and text.endswith("%}") and text.count("{%") == 1, text
    for tr in doc.element.body.iter(qn("w:tr")):
        cells = ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.tc_lst]
        if any("{%tr" in c for c in cells):
            assert cells[0].startswith("{%tr") and all(c == "" for c in cells[1:]), cells


def test_template_variables_are_the_documented_context():
    from dudao.documents.render import template_variables

    assert set(template_variables("renewal_receipt")) == {
        "authority_name",
        "doc_number",
        "institution_name",
        "uscc",
        "filing_number",
        "basis",
        "renewed_from",
        "renewed_until",
        "scope_rows",
        "dropped_rows",
        "signer",
        "date",
    }
    assert set(template_variables("rectification_notice")) == {
        "authority_name",
        "doc_number",
        "institution_name",
        "evaluated_on",
        "problems",
        "total",
        "issued_on",
        "deadline",
        "signer",
        "date",
    }
