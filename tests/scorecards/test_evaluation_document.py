"""The filled evaluation form (issue 3 item 6) as DOCX and PDF: exact rows, subtotals, totals and band
(FORM-B, REN-4 bands; FORM-A cap), signatures, 草稿 until signed; pages and API scoped like the evaluation.
"""

from __future__ import annotations

import io
import subprocess
import urllib.parse
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from dudao.accounts.models import Role
from dudao.documents.build_templates import RED
from dudao.documents.render import PACKAGE_DIR, soffice_available, template_variables
from dudao.scorecards import build_evaluation_template, documents, selectors, services
from dudao.scorecards.models import Evaluation
from tests import factories as f
from tests.conftest import client_for
from tests.factories import current_version
from tests.scorecards.conftest import counts, fill
from tests.scorecards.helpers import clean_answers, form

pytestmark = pytest.mark.django_db

needs_soffice = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE = "重庆市职业技能等级认定机构延续备案评估表"
A11_TITLE = form("CQ-RENEWAL").item("A1.1").title
B42_RULE = form("CQ-RENEWAL").item("B4.2").rules[0].label_zh
B51_RULE = form("CQ-RENEWAL").item("B5.1").rules[1].label_zh

# FORM-B: 96 base − (0.8 + 1 + 10 + 6 + 2 + 1) = 75.2, + D1 2 = 77.2 → rectify (60 ≤ 77.2 < 80, REN-4).
RECTIFY = {
    **clean_answers("CQ-RENEWAL"),
    "A1.1": 2,  # 2 × 0.4
    "A1.2": [1, 1],  # 0.5 + 0.5
    "B4.2": 6,  # 6 × 2 = 12 > 10: floored at 0 (扣完为止)
    "B5.1": [0, 2],  # 2 × 3
    "B7.1": 5,  # 5 × 0.6 = 3 > 2: floored
    "C3.1": 2,  # 2 × 1 > 1: floored
    "D1": True,
}
NOTES = {
    "A1.1": "缺考务管理、证书管理岗位",
    "B4.2": "技能考场与备案不一致；无候考区",
    "D1": "参与市级题库开发（A&B<公司>）",  # markup characters stay text
}


@pytest.fixture
def actors(users, evaluators, other_authority):
    gd = f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    return {**users, **evaluators, "other_region_admin": gd}


def _noted(ev: Evaluation, user, answers: dict, notes: dict) -> Evaluation:
    ev = fill(ev, user, answers)
    for item_id, note in notes.items():
        ev = services.evaluation_answer(actor=user, evaluation=ev, item_id=item_id, note=note)
    return ev


@pytest.fixture
def signed(opened):
    return f.evaluation_advance(opened, "signed", answers=RECTIFY, notes=NOTES)


def _load(user, ev: Evaluation) -> Evaluation:
    return selectors.evaluation_get(user, ev.pk)


def _open_docx(data: bytes):
    return Document(io.BytesIO(data))


def _rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "evaluation.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())  # CJK lines wrap anywhere: compare without whitespace


def _local(value) -> str:
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _filename(response) -> str:
    disposition = response["Content-Disposition"]
    return urllib.parse.unquote(disposition.split("filename*=utf-8''", 1)[1])


# --------------------------------------------------------------------------------------------- context


def test_context_of_a_signed_evaluation(signed, actors):
    ev = _load(actors[Role.AUTHORITY_ADMIN], signed)
    ctx = documents.evaluation_context(ev)
    assert (ev.status, ev.total, ev.band) == ("signed", Decimal("77.2"), "rectify")
    assert (ctx["title"], ctx["draft_mark"], ctx["form_label"]) == (TITLE, "", "CQ-RENEWAL 第1版")
    assert (ctx["institution_name"], ctx["uscc"], ctx["authority_name"]) == (
        ev.institution.name,
        ev.institution.uscc,
        "江西省职业技能鉴定指导中心",
    )
    assert (ctx["purpose"], ctx["status"], ctx["leader"], ctx["members"], ctx["number"]) == (
        "延续备案评估",
        "已签署",
        "李组长",
        "王督导",
        str(ev.pk),
    )
    today = timezone.localdate()
    assert ctx["evaluation_date"] == f"{today.year}年{today.month}月{today.day}日"
    assert [s["heading"] for s in ctx["sections"]] == [
        "A、内部管理（10 分）",
        "B、评价组织实施（67 分）",
        "C、评价质量管理（19 分）",
        "D、加分项（最高加 4 分）",
    ]
    assert [(s["subtotal_label"], s["max"], s["points"]) for s in ctx["sections"]] == [
        ("A 小计", "10", "8.2"),
        ("B 小计", "67", "49"),
        ("C 小计", "19", "18"),
        ("D 小计", "4", "2"),
    ]
    rows = {r["id"]: r for s in ctx["sections"] for r in s["rows"]}
    assert len(rows) == 43
    assert rows["A1.1"] == {
        "id": "A1.1",
        "title": A11_TITLE,
        "max": "4",
        "answer": "缺一岗位及人员 ×2，扣 0.8 分",
        "points": "3.2",
        "note": "缺考务管理、证书管理岗位",
    }
    assert rows["A1.2"]["answer"] == "岗位职责有一项未尽职责 ×1，扣 0.5 分；无履职记录 ×1，扣 0.5 分"
    assert (rows["A1.2"]["points"], rows["A2.1"]["answer"], rows["A2.1"]["points"]) == (
        "1",
        "无扣分情形",
        "1",
    )
    assert (rows["B4.2"]["answer"], rows["B4.2"]["points"]) == (f"{B42_RULE} ×6，扣 12 分；扣完为止", "0")
    assert (rows["B5.1"]["answer"], rows["B5.1"]["points"]) == (f"{B51_RULE} ×2，扣 6 分", "4")
    assert [(rows[i]["answer"], rows[i]["points"]) for i in ("D1", "D2")] == [("满足", "2"), ("不满足", "0")]
    assert ctx["totals"] == [
        {"label": "基本分合计", "max": "96", "points": "75.2"},
        {"label": "加分合计", "max": "4", "points": "2"},
        {"label": "总分", "max": "100", "points": "77.2"},
    ]
    assert ctx["band_label"] == "整改"
    assert ctx["remarks"] == [
        "结论分档：总分≥80分为「符合」；60分≤总分＜80分为「整改」；总分＜60分为「不予备案」。"
    ]
    members = {m.user.display_name: m for m in ev.memberships.all()}
    assert ctx["signatures"] == [
        {
            "duty": "组长",
            "name": "李组长",
            "role": "委派机构工作人员",
            "signed_at": _local(members["李组长"].signed_at),
        },
        {
            "duty": "成员",
            "name": "王督导",
            "role": "外部质量督导员",
            "signed_at": _local(members["王督导"].signed_at),
        },
    ]
    assert ctx["content_digest"] == ev.content_digest and ctx["content_digest"].startswith(
        ("sm3:", "sha256:")
    )
    signed_on = timezone.localtime(ev.signed_at).date()
    assert ctx["date"] == f"{signed_on.year}年{signed_on.month}月{signed_on.day}日"
    assert ctx["evidence"] == []


def test_context_is_built_from_the_prefetched_evaluation(signed, actors, django_assert_num_queries):
    ev = _load(actors[Role.AUTHORITY_ADMIN], signed)
    with django_assert_num_queries(0):
        documents.evaluation_context(ev)


def test_draft_is_marked_and_unanswered_items_read_未评(opened, evaluators, actors):
    ev = fill(opened, evaluators["member"], {"A1.1": 1, "D2": True})
    ctx = documents.evaluation_context(_load(actors[Role.AUTHORITY_ADMIN], ev))
    assert ctx["draft_mark"] == "（草稿）" and ctx["status"] == "填写中"
    rows = {r["id"]: r for s in ctx["sections"] for r in s["rows"]}
    assert (rows["A1.1"]["points"], rows["A1.2"]["answer"], rows["A1.2"]["points"]) == ("3.6", "未评", "")
    assert ctx["totals"][-1] == {"label": "总分", "max": "100", "points": "5.6"}
    assert ctx["band_label"] == "尚未提交（已评 2/43 项），暂无结论"
    assert ctx["remarks"][1] == "本表为草稿：评估尚未提交，未经评估组全部成员签名确认，不作为评估结论。"
    assert [s["signed_at"] for s in ctx["signatures"]] == ["未签名", "未签名"]
    assert (ctx["date"], ctx["content_digest"]) == ("", "")


def test_half_signed_submission_is_still_a_draft(opened, evaluators, actors):
    ev = fill(opened, evaluators["leader"], clean_answers("CQ-RENEWAL"))
    ev = services.evaluation_submit(
        actor=evaluators["leader"], evaluation=ev, row_version=current_version(ev)
    )
    ev = services.evaluation_sign(actor=evaluators["leader"], evaluation=ev)
    ctx = documents.evaluation_context(_load(actors[Role.AUTHORITY_ADMIN], ev))
    assert (ctx["draft_mark"], ctx["status"], ctx["band_label"]) == ("（草稿）", "待签名", "符合")
    assert ctx["totals"][-1]["points"] == "96"
    assert ctx["signatures"][0]["signed_at"] != "未签名" and ctx["signatures"][1]["signed_at"] == "未签名"
    assert ctx["remarks"][1] == "本表为草稿：评估已提交，尚待评估组全部成员签名确认（已签 1/2 人）。"


def test_qc_station_choice_answers_and_the_cap(users, evaluators, institution, forms_loaded, actors):
    """FORM-A: choice answers in words; 100 + 5 bonus points is capped at 100, and the label says so."""
    ev = services.evaluation_open(
        actor=users[Role.AUTHORITY_ADMIN],
        institution=institution,
        form_id="QC-STATION",
        purpose="annual_inspection",
        leader=evaluators["leader"],
        members=[evaluators["member"]],
    )
    answers = clean_answers("QC-STATION", bonus=True)
    answers["1.2"] = "partial"
    ev = fill(ev, evaluators["leader"], answers)
    ev = services.evaluation_submit(
        actor=evaluators["leader"], evaluation=ev, row_version=current_version(ev)
    )
    ctx = documents.evaluation_context(_load(actors[Role.AUTHORITY_ADMIN], ev))
    rows = {r["id"]: r for s in ctx["sections"] for r in s["rows"]}
    assert [(rows[i]["answer"], rows[i]["points"]) for i in ("1.1", "1.2")] == [
        ("完全符合", "5"),
        ("部分符合", "2"),
    ]
    assert ctx["totals"] == [
        {"label": "基本分合计", "max": "100", "points": "97"},
        {"label": "加分合计", "max": "5", "points": "5"},
        {"label": "总分（超过 100 分按 100 分计）", "max": "100", "points": "100"},
    ]
    assert (ctx["band_label"], ctx["purpose"]) == ("优秀", "年度质量检查")
    assert ctx["remarks"][0] == (
        "结论分档：总分≥85分为「优秀」；70分≤总分＜85分为「良」；60分≤总分＜70分为「中」；总分＜60分为「差」。"
    )


# --------------------------------------------------------------------------------------------- DOCX


def test_docx_has_the_exact_rows_points_total_and_band(signed, actors):
    data, name = documents.render(_load(actors[Role.AUTHORITY_ADMIN], signed), "docx")
    assert name == f"{TITLE}_{signed.institution.name}_评估{signed.pk}.docx"
    doc = _open_docx(data)
    assert doc.paragraphs[0].text == TITLE
    assert doc.core_properties.title == TITLE
    header, items, signatures = doc.tables[:3]
    assert _rows(header)[0] == [
        "评价机构",
        signed.institution.name,
        signed.institution.name,
        signed.institution.name,
    ]
    assert _rows(header)[3] == ["评估表", "CQ-RENEWAL 第1版", "评估日期", _rows(header)[3][3]]
    rows = _rows(items)
    assert rows[0] == ["编号", "评估内容", "分值", "评估结果", "得分", "说明"]
    assert rows[1] == ["A、内部管理（10 分）"] * 6
    assert rows[2] == [
        "A1.1",
        A11_TITLE,
        "4",
        "缺一岗位及人员 ×2，扣 0.8 分",
        "3.2",
        "缺考务管理、证书管理岗位",
    ]
    by_id = {r[0]: r for r in rows}
    assert by_id["B4.2"][2:] == [
        "10",
        f"{B42_RULE} ×6，扣 12 分；扣完为止",
        "0",
        "技能考场与备案不一致；无候考区",
    ]
    assert by_id["D1"][2:] == ["2", "满足", "2", "参与市级题库开发（A&B<公司>）"]
    item_ids = [i.id for i in form("CQ-RENEWAL").items]
    assert [r[0] for r in rows if r[0] in item_ids] == item_ids  # every item, in the form's order
    assert ["A 小计", "A 小计", "10", "", "8.2", ""] in rows
    assert ["D 小计", "D 小计", "4", "", "2", ""] in rows
    assert rows[-4:] == [
        ["基本分合计", "基本分合计", "96", "", "75.2", ""],
        ["加分合计", "加分合计", "4", "", "2", ""],
        ["总分", "总分", "100", "", "77.2", ""],
        ["评估结论", "评估结论", "整改", "整改", "整改", "整改"],
    ]
    assert len(rows) == 1 + 4 * 2 + 43 + 3 + 1  # head, section heading + subtotal each, items, totals, band
    sig = _rows(signatures)
    assert [r[:3] for r in sig] == [
        ["职务", "姓名", "身份"],
        ["组长", "李组长", "委派机构工作人员"],
        ["成员", "王督导", "外部质量督导员"],
    ]
    assert "未签名" not in "".join(r[3] for r in sig)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"签名内容摘要：{signed.content_digest}" in text
    assert "（草稿）" not in text


def test_unsigned_docx_says_草稿_in_red_and_未签名(opened, evaluators, actors):
    ev = fill(opened, evaluators["leader"], {"A1.1": 0})
    data, name = documents.render(_load(actors[Role.AUTHORITY_ADMIN], ev), "docx")
    assert name.endswith(f"_评估{ev.pk}_草稿.docx")
    doc = _open_docx(data)
    title = doc.paragraphs[0]
    assert title.text == f"{TITLE}（草稿）"
    assert [(r.text, r.font.color.rgb) for r in title.runs if r.text] == [(TITLE, None), ("（草稿）", RED)]
    sig = _rows(doc.tables[2])
    assert [r[3] for r in sig[1:]] == ["未签名", "未签名"]
    assert _rows(doc.tables[1])[-1][2] == "尚未提交（已评 1/43 项），暂无结论"


def test_evidence_is_listed_after_the_signatures(opened, evaluators, actors):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.scorecards.conftest import PNG

    services.evaluation_attach_evidence(
        actor=evaluators["member"],
        evaluation=opened,
        item_id="B4.2",
        file=SimpleUploadedFile("考场照片.png", PNG, content_type="image/png"),
    )
    ctx = documents.evaluation_context(_load(actors[Role.AUTHORITY_ADMIN], opened))
    assert ctx["evidence"] == [
        {
            "no": "1",
            "item": "B4.2",
            "name": "考场照片.png",
            "kind": "照片",
            "size": f"{len(PNG)} B",
            "uploaded_by": "王督导",
        }
    ]
    doc = _open_docx(documents.render_docx_bytes(_load(actors[Role.AUTHORITY_ADMIN], opened)))
    assert _rows(doc.tables[3])[1] == ["1", "B4.2", "考场照片.png", "照片", f"{len(PNG)} B", "王督导"]


# --------------------------------------------------------------------------------------------- template


def test_committed_template_matches_its_build_script(tmp_path):
    """Run `python -m dudao.scorecards.build_evaluation_template` after changing it, and commit the result."""
    build_evaluation_template.build_all(tmp_path)
    name = f"{build_evaluation_template.NAME}.docx"
    with zipfile.ZipFile(PACKAGE_DIR / name) as old, zipfile.ZipFile(tmp_path / name) as new:
        parts = sorted(n for n in new.namelist() if n.endswith((".xml", ".rels")))
        assert sorted(n for n in old.namelist() if n.endswith((".xml", ".rels"))) == parts
        for part in parts:
            assert old.read(part) == new.read(part), f"{name}:{part}"


def test_loop_tags_own_their_paragraph_or_row():
    """DESIGN pitfall: a {%p %}/{%tr %} tag sharing its paragraph or row leaves empty ones behind."""
    doc = _open_docx((PACKAGE_DIR / f"{documents.TEMPLATE}.docx").read_bytes())
    tags = 0
    for p in doc.element.body.iter(qn("w:p")):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        if "{%p" in text or "{%tr" in text:
            tags += 1
            assert text.startswith(("{%p", "{%tr")) and text.endswith("%}") and text.count("{%") == 1, text
    for tr in doc.element.body.iter(qn("w:tr")):
        cells = ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.tc_lst]
        if any("{%tr" in c for c in cells):
            assert cells[0].startswith("{%tr") and all(c == "" for c in cells[1:]), cells
    assert tags == 16


def test_word_opens_it_property_elements_in_schema_order(signed, actors):
    """Word calls a file corrupt when pPr/tblPr/tcPr/rPr children are out of the ECMA-376 order."""
    from tests.documents.test_templates import _misordered

    assert _misordered((PACKAGE_DIR / f"{documents.TEMPLATE}.docx").read_bytes()) == []
    assert _misordered(documents.render_docx_bytes(_load(actors[Role.AUTHORITY_ADMIN], signed))) == []


def test_template_variables_are_the_context_keys(signed, actors):
    ctx = documents.evaluation_context(_load(actors[Role.AUTHORITY_ADMIN], signed))
    assert set(template_variables(documents.TEMPLATE)) == set(ctx)


# --------------------------------------------------------------------------------------------- PDF


@needs_soffice
def test_pdf_page_has_the_chinese_title_an_item_and_the_total(signed, actors, tmp_path):
    response = client_for(actors[Role.AUTHORITY_STAFF]).get(f"/scorecards/{signed.pk}/document.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert _filename(response) == f"{TITLE}_{signed.institution.name}_评估{signed.pk}.pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    assert TITLE in text and "（草稿）" not in text
    assert "岗位职责明确并能认真履职" in text and "总分10077.2" in text and "评估结论整改" in text


@needs_soffice
def test_unsigned_pdf_through_the_api_says_草稿(opened, evaluators, tmp_path):
    response = client_for(evaluators["member"]).get(
        f"/api/v1/scorecards/evaluations/{opened.pk}/document?format=pdf"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(b"".join(response.streaming_content), tmp_path)
    assert f"{TITLE}（草稿）" in text and "未签名" in text


# --------------------------------------------------------------------------------------------- access


def test_page_docx_download_and_buttons(signed, actors):
    client = client_for(actors[Role.AUTHORITY_ADMIN])
    page = client.get(f"/scorecards/{signed.pk}/").content.decode()
    assert f'href="/scorecards/{signed.pk}/document.pdf"' in page
    assert f'href="/scorecards/{signed.pk}/document.docx"' in page
    response = client.get(f"/scorecards/{signed.pk}/document.docx")
    assert (response.status_code, response["Content-Type"]) == (200, DOCX_TYPE)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert _filename(response) == f"{TITLE}_{signed.institution.name}_评估{signed.pk}.docx"
    doc = _open_docx(b"".join(response.streaming_content))
    assert _rows(doc.tables[1])[-1][2] == "整改"


def test_api_docx_and_bad_format(signed, actors):
    client = client_for(actors[Role.AUTHORITY_STAFF])
    url = f"/api/v1/scorecards/evaluations/{signed.pk}/document"
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, DOCX_TYPE)
    assert _filename(response).endswith(f"_评估{signed.pk}.docx")
    bad = client.get(url + "?format=odt")
    assert bad.status_code == 422
    assert bad.json() == {
        "code": "validation_error",
        "message": "format 只能是 docx 或 pdf",
        "detail": {"format": ["format 只能是 docx 或 pdf"]},
    }


FORMATS = ("docx", "pdf")


def _page(ev, fmt):
    return f"/scorecards/{ev.pk}/document.{fmt}"


def _api(ev, fmt):
    return f"/api/v1/scorecards/evaluations/{ev.pk}/document?format={fmt}"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "who",
    [
        Role.INSTITUTION_ADMIN,
        Role.INSTITUTION_STAFF,
        Role.EXTERNAL_SUPERVISOR,
        Role.EXAMINER,
        "other_region_admin",
    ],
)
def test_out_of_scope_users_get_404_for_a_draft(opened, actors, who, fmt):
    """A draft is read by the region's authority and the group only (institution users: after signing)."""
    before = counts()
    client = client_for(actors[who])
    assert client.get(_page(opened, fmt)).status_code == 404
    response = client.get(_api(opened, fmt))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_region_gets_404_for_a_signed_evaluation(signed, actors, fmt):
    client = client_for(actors["other_region_admin"])
    assert client.get(_page(signed, fmt)).status_code == 404
    assert client.get(_api(signed, fmt)).status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_anonymous_is_sent_to_login_or_refused(opened, fmt):
    assert client_for(None).get(_page(opened, fmt)).status_code == 302
    assert client_for(None).get(_api(opened, fmt)).status_code == 401


@pytest.mark.parametrize("who", [Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF])
def test_institution_users_read_their_evaluation_once_signed(signed, actors, who):
    client = client_for(actors[who])
    response = client.get(_page(signed, "docx"))
    assert response.status_code == 200
    assert _open_docx(b"".join(response.streaming_content)).paragraphs[0].text == TITLE
    assert client.get(_api(signed, "docx")).status_code == 200


def test_another_institution_never_reads_it(signed, actors, other_institution):
    outsider = f.UserFactory(
        username="other_inst", role=Role.INSTITUTION_ADMIN, institution=other_institution
    )
    client = client_for(outsider)
    for fmt in FORMATS:
        assert client.get(_page(signed, fmt)).status_code == 404
        assert client.get(_api(signed, fmt)).status_code == 404


@pytest.mark.parametrize("who", ["leader", "member", Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF, "superuser"])
def test_readers_of_a_draft_get_it(opened, actors, who):
    response = client_for(actors[who]).get(_api(opened, "docx"))
    assert response.status_code == 200
    assert _open_docx(b"".join(response.streaming_content)).paragraphs[0].text == f"{TITLE}（草稿）"


def test_pdf_failure_on_the_page_falls_back_to_a_message(signed, actors, settings):
    """No LibreOffice on the server: the page says so (DOCX still offered) instead of failing."""
    settings.DUDAO_SOFFICE = "/nonexistent/soffice"
    client = client_for(actors[Role.AUTHORITY_ADMIN])
    response = client.get(_page(signed, "pdf"), follow=True)
    assert response.redirect_chain == [(f"/scorecards/{signed.pk}/", 302)]
    assert "服务器未安装 LibreOffice" in response.content.decode()
    api = client.get(_api(signed, "pdf"))
    assert (api.status_code, api.json()["code"]) == (503, "pdf_unavailable")
