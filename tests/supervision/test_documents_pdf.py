"""The supervision papers as PDF through the download views: Chinese text is rendered (pdftotext finds it,
CJK fonts are embedded), with the title and the institution's name."""

from __future__ import annotations

import subprocess

import pytest
from django.urls import reverse

from dudao.documents.render import soffice_available
from dudao.supervision import documents, services
from tests.conftest import client_for
from tests.supervision.documents_support import pdf_text, squeeze

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not soffice_available(), reason="LibreOffice (soffice) is installed by `make install`"
    ),
]


def _pdf(response, tmp_path, name: str) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    path = tmp_path / name
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts, fonts  # Noto CJK stands in for 仿宋_GB2312 / 小标宋: no boxes instead of 汉字
    return squeeze(pdf_text(data, tmp_path, name))


def test_papers_render_chinese_in_pdf(world, special, tmp_path):
    final = special.final()
    task = special.task
    inst = world.institution.name
    penalty = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="suspension",
        ground="refused_improvement",
        description="拒不整改。",
        task=task,
    )

    report = _pdf(
        client_for(world.auth_staff).get(reverse("supervision:task_report_pdf", args=[task.pk])),
        tmp_path,
        "report.pdf",
    )
    for expected in (
        "技能人才评价质量督导报告",
        f"关于对{inst}开展专项督导的报告",
        "第二考场未设视频监控",
        task.number,
    ):
        assert squeeze(expected) in report, expected

    response = client_for(world.inst_admin).get(reverse("supervision:opinion_pdf", args=[final.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    opinion = _pdf(response, tmp_path, "opinion.pdf")
    for expected in ("督导意见书", final.number, f"{inst}：", "你单位于", "监控设备已在采购中", "（印章）"):
        assert squeeze(expected) in opinion, expected

    response = client_for(world.inst_staff).get(
        reverse("supervision:penalty_pdf", args=[penalty.pk]) + "?inline=1"
    )
    assert response["Content-Disposition"].startswith("inline")  # preview in the browser
    notice = _pdf(response, tmp_path, "notice.pdf")
    for expected in (
        f"关于暂停{inst}技能人才评价工作的决定",
        documents.penalty_number(penalty),
        "第十八条第（三）项",
        "江西省职业技能鉴定指导中心",
    ):
        assert squeeze(expected) in notice, expected
