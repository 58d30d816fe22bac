"""Set-up for the supervision papers' tests: a special task taken through the services up to any stage,
a covert daily task, a penalty; readers for DOCX (python-docx) and PDF (poppler's pdftotext)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

from docx import Document
from docx.table import Table

from dudao.supervision import services
from dudao.supervision.models import (
    Opinion,
    SupervisionTask,
)
from tests import factories as f
from tests.factories import current_version
from tests.supervision.app_support import TODAY, World, locked_draw, photo


def docx_lines(data: bytes) -> list[str]:
    """Body paragraphs in document order, tables as ' | '-joined rows (python-docx reads the file back)."""
    doc = Document(io.BytesIO(data))
    lines: list[str] = []
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in Table(child, doc).rows:
                lines.append(" | ".join(cell.text for cell in row.cells))
    return lines


def pdf_text(data: bytes, tmp_path, name: str = "doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def squeeze(text: str) -> str:
    """pdftotext breaks lines and pads with spaces: compare without whitespace."""
    return "".join(text.split())


class SpecialTask:
    """A special supervision of institution A (batch PC-A-1) by s1 (leader), s2, s3, advanced on demand."""

    def __init__(self, world: World):
        self.w = world
        self.task = services.task_create(
            actor=world.auth_staff,
            institution=world.institution,
            supervisors=[world.s1, world.s2, world.s3],
            kind="special",
            items=["2.3", "2.4"],
            batch=world.b1,
        )
        self.leader, self.m2, self.m3 = f.task_crew(self.task)

    def report(self, *, evidence: bool = True):
        for user in (self.leader, self.m2, self.m3):
            services.task_accept(actor=user, task=self.task)
        services.task_start_on_site(
            actor=self.leader, task=self.task, row_version=current_version(self.task, SupervisionTask)
        )
        major = services.finding_add(
            actor=self.m2,
            task=self.task,
            content_area="2.4",
            method="open_visit",
            severity="major",
            description="第二考场未设视频监控",
        )
        if evidence:
            services.finding_attach_evidence(actor=self.m2, finding=major, file=photo("考场.jpg"))
        services.finding_add(
            actor=self.m3, task=self.task, content_area="2.3", method="documents", severity="none"
        )
        return services.report_submit(
            actor=self.leader,
            task=self.task,
            summary="督导组按时到达考点，查阅了报名资料。\n现场检查了两个考场。",
            problems="第二考场未设视频监控。",
            recommendations="尽快加装视频监控设备。",
            row_version=current_version(self.task, SupervisionTask),
        )

    def preliminary(self, *, send: bool = True):
        self.report()
        opinion = services.preliminary_opinion_prepare(
            actor=self.leader,
            task=self.task,
            body="考场管理不到位。",
            requirements="加装视频监控。",
            row_version=current_version(self.task, SupervisionTask),
        )
        if send:
            opinion = services.preliminary_opinion_send(
                actor=self.leader, task=self.task, row_version=current_version(self.task, SupervisionTask)
            )
        return opinion

    def final(self, *, defence: bool = True):
        self.preliminary()
        if defence:
            services.defence_submit(actor=self.w.inst_admin, task=self.task, text="监控设备已在采购中。")
        else:  # the window passed without a defence (ACT-4)
            Opinion.objects.filter(task=self.task, kind="preliminary").update(
                defence_due_on=TODAY - dt.timedelta(days=1)
            )
            services.defence_window_close(
                actor=self.w.auth_staff,
                task=self.task,
                row_version=current_version(self.task, SupervisionTask),
            )
        return services.opinion_issue(
            actor=self.w.auth_staff,
            task=self.task,
            body="经综合分析申辩意见，认定考场管理存在问题。",
            requirements="一个月内为全部考场加装视频监控。\n整改完成后报送整改报告。",
            row_version=current_version(self.task, SupervisionTask),
        )


def covert_task(world: World) -> SupervisionTask:
    draw = locked_draw(
        world, covert_policy="covert", sample_count=1, filters={"institutions": [world.institution.pk]}
    )
    return SupervisionTask.objects.get(draw=draw)
