"""The yearly-cycle papers (ACT-6): 年度督导工作计划 and 年度督导工作总结 render with the expected text as
DOCX (python-docx reads them back) and as PDF (LibreOffice; pdftotext finds the Chinese text); the committed
templates are what the build script makes, and the tags own their paragraph or row."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile

import pytest
from docx.oxml.ns import qn

from dudao.documents.render import PACKAGE_DIR, soffice_available, template_variables
from dudao.supervision import build_templates_plans, documents_plans
from dudao.supervision.services import annual_plans as svc
from tests.conftest import client_for
from tests.supervision.app_support import local
from tests.supervision.documents_support import docx_lines, pdf_text, squeeze

pytestmark = pytest.mark.django_db


def _plan(world, **extra):
    plan = svc.annual_plan_create(
        actor=world.auth_staff,
        year=2026,
        responsible="张科长",
        target_institutions=12,
        target_batches=30,
        target_tasks=40,
        draws_per_year=4,
        draw_ratio="0.2",
        risk_draw_ratio="0.5",
        items=["self_inspection", "external_inspection"],
        schedule=[{"quarter": 1, "content": "制定计划，公布抽取方案"}, {"quarter": 4, "content": "年度总结"}],
        notes="重点关注投诉较多的机构。",
        **extra,
    )
    return plan


def test_plan_docx_text(world):
    plan = _plan(world)
    lines = docx_lines(documents_plans.render_plan(plan, "docx")[0])
    text = "\n".join(lines)
    assert lines[0] == "草稿"  # a draft carries the mark
    assert f"{world.authority.name}2026年度督导工作计划" in lines
    assert "覆盖评价机构（家） | 12" in lines and "全年抽取次数（次） | 4" in lines
    assert (
        "一般对象按20%的比例随机抽取；投诉举报较多、有违规记录或数据异常的重点对象按50%的比例抽取。" in lines
    )
    assert "督导方式：机构自查、外查。" in lines
    assert "第一季度：制定计划，公布抽取方案" in lines and "第四季度：年度总结" in lines
    assert "本计划由张科长负责组织实施。" in lines
    assert "第二季度" not in text
    plan = svc.annual_plan_publish(actor=world.auth_staff, plan=plan, row_version=plan.row_version)
    lines = docx_lines(documents_plans.render_plan(plan, "docx")[0])
    assert lines[0] == world.authority.name and "草稿" not in lines


def test_summary_docx_text(world):
    plan = _plan(world)
    svc.annual_plan_publish(actor=world.auth_staff, plan=plan, row_version=plan.row_version)
    world.task(
        "dispatched",
        world.s1,
        starts_at=local(dt.date(2026, 5, 6), 9),
        ends_at=local(dt.date(2026, 5, 6), 17),
    )
    s = svc.annual_summary_generate(actor=world.auth_staff, year=2026)
    s = svc.annual_summary_update(
        actor=world.auth_staff,
        summary=s,
        row_version=s.row_version,
        overview="全年组织督导。\n覆盖重点机构。",
    )
    s = svc.annual_summary_finalise(actor=world.auth_staff, summary=s, row_version=s.row_version)
    lines = docx_lines(documents_plans.render_summary(s, "docx")[0])
    assert f"{world.authority.name}2026年度督导工作总结" in lines
    assert "全年组织督导。" in lines and "覆盖重点机构。" in lines
    assert "督导任务（已办结） | 40 | 0 | 0%" in lines
    assert "覆盖评价机构 | 12 | 1 | 8%" in lines
    assert "派出督导任务 | 1" in lines and "其中：日常督导 | 1" in lines and "收到投诉举报 | 0" in lines
    assert lines.count("（未填写）") == 3  # achievements, problems, next year left empty


def test_committed_templates_match_the_build_script(tmp_path):
    """Run `python -m dudao.supervision.build_templates_plans` after changing the script, and commit."""
    build_templates_plans.build_all(tmp_path)
    for name in build_templates_plans.NAMES:
        with (
            zipfile.ZipFile(PACKAGE_DIR / f"{name}.docx") as old,
            zipfile.ZipFile(tmp_path / f"{name}.docx") as new,
        ):
            parts = sorted(n for n in new.namelist() if n.endswith((".xml", ".rels")))
            for part in parts:
                assert old.read(part) == new.read(part), f"{name}.docx:{part}"


@pytest.mark.parametrize("name", build_templates_plans.NAMES)
def test_contexts_provide_every_template_variable(world, name):
    plan = _plan(world)
    context = (
        documents_plans.plan_context(plan)
        if name == "annual_plan"
        else documents_plans.summary_context(svc.annual_summary_generate(actor=world.auth_staff, year=2026))
    )
    assert set(template_variables(name)) <= set(context)


@pytest.mark.parametrize("name", build_templates_plans.NAMES)
def test_loop_tags_own_their_paragraph_or_row(name):
    from docx import Document

    doc = Document(str(PACKAGE_DIR / f"{name}.docx"))
    for p in doc.element.body.iter(qn("w:p")):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        for kind in ("{%p", "{%tr"):
            if kind in text:
                assert text.startswith(kind) and text.endswith("%}") and text.count("{%") == 1, text


@pytest.mark.skipif(
    not soffice_available() or not shutil.which("pdftotext"), reason="LibreOffice not installed"
)
def test_pdfs_through_the_download_views(world, tmp_path):
    plan = _plan(world)
    plan = svc.annual_plan_publish(actor=world.auth_staff, plan=plan, row_version=plan.row_version)
    client = client_for(world.auth_admin)
    response = client.get(f"/supervision/annual-plans/{plan.pk}/plan.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    (tmp_path / "plan.pdf").write_bytes(data)
    text = squeeze(pdf_text(data, tmp_path, "plan.pdf"))
    assert "2026年度督导工作计划" in text and "本计划由张科长负责组织实施。" in text
    s = svc.annual_summary_generate(actor=world.auth_staff, year=2026)
    response = client.get(f"/supervision/annual-summaries/{s.pk}/summary.pdf")
    data = b"".join(response.streaming_content)
    text = squeeze(pdf_text(data, tmp_path, "summary.pdf"))
    assert "2026年度督导工作总结" in text and "计划完成情况" in text and "督导发现与处理" in text
    docx = client.get(f"/supervision/annual-summaries/{s.pk}/summary.docx")
    assert docx.status_code == 200 and b"".join(docx.streaming_content).startswith(b"PK")
