"""Task pages (issue 4 item 6; ACT-4, ACT-6, SUP-4…11): the board with deadlines, 我的任务, the on-site page
with per-item htmx saves and camera evidence, and every lifecycle step through the pages (each a service
call: state changes through the pages; forbidden roles get 403/404 and change nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dudao.supervision import services
from dudao.supervision.models import (
    Finding,
    FindingEvidence,
    MisconductRecord,
    Opinion,
    Rectification,
    RectificationEvidence,
    Report,
    SupervisionTask,
    SupervisorRating,
    TaskMember,
)
from tests.factories import current_version
from tests.supervision.app_support import TODAY, counts, local, photo
from tests.supervision.pages_support import HTMX, client_for, crew, messages_of, text

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------ board
def test_board_per_role_with_deadlines(world):
    soon = world.task("dispatched", world.s1, batch=world.b1)
    day = TODAY - dt.timedelta(days=5)
    late = world.task("dispatched", world.s2, starts_at=local(day, 9), ends_at=local(day, 17))
    board = client_for(world.auth_staff).get("/supervision/tasks/")
    assert [r["t"]["number"] for r in board.context["rows"]] == [soon.number, late.number]
    late_row = board.context["rows"][1]
    assert late_row["deadlines"]["report"]["label"] == "已逾期 3 日"
    assert f"{(day + dt.timedelta(days=2)).isoformat()} · 已逾期 3 日" in text(board)
    overdue = client_for(world.auth_staff).get("/supervision/tasks/?deadline=overdue")
    assert [r["t"]["number"] for r in overdue.context["rows"]] == [late.number]
    soon_row = board.context["rows"][0]["deadlines"]["report"]
    assert soon_row["label"] == f"剩余 {(soon.report_due_on - TODAY).days} 日"
    # The institution sees its own (open) tasks; supervisors are sent to 我的任务; examiners are refused.
    inst = client_for(world.inst_staff).get("/supervision/tasks/")
    assert [r["t"]["number"] for r in inst.context["rows"]] == [soon.number, late.number]
    sup = client_for(world.s1.user).get("/supervision/tasks/")
    assert sup.status_code == 302 and sup["Location"] == "/supervision/my/tasks/"
    assert client_for(world.users["examiner"]).get("/supervision/tasks/").status_code == 403
    assert client_for(world.users["examiner"]).get("/supervision/my/tasks/").status_code == 403
    assert client_for(world.auth_staff).get(f"/supervision/tasks/{soon.pk}/").status_code == 200


def test_my_tasks_accept_decline_review_and_replace(world):
    task = world.task("dispatched", world.s1, world.s2, batch=world.b1)
    s1, s2 = world.s1.user, world.s2.user
    mine = client_for(s1).get("/supervision/my/tasks/")
    assert [r["t"]["number"] for r in mine.context["rows"]] == [task.number]
    assert "接受" in text(mine) and "拒绝" in text(mine)
    response = client_for(s1).post(
        f"/supervision/tasks/{task.pk}/accept/", {"next": "/supervision/my/tasks/"}
    )
    assert response.status_code == 302 and response["Location"] == "/supervision/my/tasks/"
    assert TaskMember.objects.get(task=task, supervisor=world.s1).response == "accepted"
    # A decline with a reason; the authority judges it unjustified → SUP-10 record and flag.
    assert client_for(s2).get(f"/supervision/tasks/{task.pk}/decline/").status_code == 200
    client_for(s2).post(
        f"/supervision/tasks/{task.pk}/decline/", {"reason_kind": "schedule", "reason": "出差"}
    )
    member = TaskMember.objects.get(task=task, supervisor=world.s2)
    task.refresh_from_db()
    assert (member.response, member.decline_reason, task.status) == ("declined", "出差", "declined")
    detail = client_for(world.auth_staff).get(f"/supervision/tasks/{task.pk}/")
    assert "拒绝理由:出差" in text(detail)
    # The institution does not see other members' decline reasons.
    assert "出差" not in text(client_for(world.inst_admin).get(f"/supervision/tasks/{task.pk}/"))
    assert client_for(s1).get(f"/supervision/tasks/{task.pk}/members/{member.pk}/review/").status_code == 403
    client_for(world.auth_staff).post(
        f"/supervision/tasks/{task.pk}/members/{member.pk}/review/",
        {"justified": "0", "note": "可调整行程", "row_version": member.row_version},
    )
    record = MisconductRecord.objects.get(member=member)
    assert (record.kind, record.supervisor_id) == ("unjustified_refusal", world.s2.pk)
    # Replace: an ineligible one (SUP-8 relation) is refused with the reason; an eligible one dispatches.
    page = client_for(world.auth_staff).post(
        f"/supervision/tasks/{task.pk}/members/{member.pk}/replace/", {"supervisor": world.s6.pk}
    )
    assert "须回避" in page.context["form"].errors["supervisor"][0]
    client_for(world.auth_staff).post(
        f"/supervision/tasks/{task.pk}/members/{member.pk}/replace/", {"supervisor": world.s3.pk}
    )
    task.refresh_from_db()
    assert task.status == "dispatched"
    assert list(task.members.filter(active=True).values_list("supervisor_id", flat=True).order_by("id")) == [
        world.s1.pk,
        world.s3.pk,
    ]


# ------------------------------------------------------------------------------------------------ on site
def test_onsite_page_saves_each_finding_and_evidence(world, media_root):
    task = world.task("dispatched", world.s1, world.s2, batch=world.b1)
    (_l, leader), (_m, member) = crew(task)
    for user in (leader, member):
        services.task_accept(actor=user, task=task)
    c = client_for(member)
    page = c.get(f"/supervision/tasks/{task.pk}/onsite/")
    assert "到达现场,开始督导" in text(page)
    response = c.post(
        f"/supervision/tasks/{task.pk}/start/", {"row_version": SupervisionTask.objects.get().row_version}
    )
    assert response["Location"] == f"/supervision/tasks/{task.pk}/onsite/"
    page = c.get(f"/supervision/tasks/{task.pk}/onsite/")
    assert [a["content_area"] for a in page.context["areas"]] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    assert "已检查 0 / 6 项" in text(page)
    assert 'accept="image/*" capture="environment"' not in page.content.decode()  # no finding yet

    # A problem without a description is refused in the area's fragment; nothing is written.
    add = f"/supervision/tasks/{task.pk}/onsite/findings/"
    bad = c.post(add, {"content_area": "2.4", "method": "open_visit", "severity": "major"}, **HTMX)
    assert "发现问题时须描述具体情况" in text(bad) and Finding.objects.count() == 0
    good = c.post(
        add,
        {"content_area": "2.4", "method": "open_visit", "severity": "major", "description": "考场未设监控"},
        **HTMX,
    )
    finding = Finding.objects.get()
    assert (finding.content_area, finding.severity, finding.recorded_by_id) == ("2.4", "major", member.pk)
    assert 'id="area-2_4"' in good.content.decode()
    assert 'hx-swap-oob="true"' in good.content.decode() and "已检查 1 / 6 项" in text(good)
    assert 'accept="image/*" capture="environment"' in good.content.decode()

    # Per-item save with the row version; a stale version is refused and changes nothing.
    update = f"/supervision/tasks/{task.pk}/onsite/findings/{finding.pk}/"
    saved = c.post(update, {"severity": "minor", "row_version": finding.row_version}, **HTMX)
    finding.refresh_from_db()
    assert (finding.severity, finding.row_version) == ("minor", 2)
    assert "已保存" in text(saved) and 'id="area-2_4-badge"' in saved.content.decode()
    stale = c.post(update, {"severity": "serious", "row_version": 1}, **HTMX)
    assert "数据已被他人修改,请刷新后重试" in text(stale)
    finding.refresh_from_db()
    assert finding.severity == "minor"

    # Camera evidence (any image/*), stored by content hash; then removed.
    upload = c.post(
        f"/supervision/tasks/{task.pk}/onsite/findings/{finding.pk}/evidence/",
        {"file": photo("考场.jpg")},
        **HTMX,
    )
    evidence = FindingEvidence.objects.get()
    assert (evidence.finding_id, evidence.original_name, evidence.kind) == (finding.pk, "考场.jpg", "photo")
    assert f"/api/v1/supervision/tasks/{task.pk}/evidence/{evidence.pk}" in upload.content.decode()
    c.post(f"/supervision/tasks/{task.pk}/onsite/evidence/{evidence.pk}/delete/", **HTMX)
    assert FindingEvidence.objects.count() == 0

    # Others: the institution may not write (403), a supervisor outside the group sees nothing (404).
    before = counts()
    assert (
        client_for(world.inst_admin).post(update, {"severity": "none", "row_version": 2}, **HTMX).status_code
        == 403
    )
    assert client_for(world.s4.user).get(f"/supervision/tasks/{task.pk}/onsite/").status_code == 404
    assert client_for(world.inst_admin).get(f"/supervision/tasks/{task.pk}/onsite/").status_code == 403
    assert counts() == before
    # Delete the finding (recorded by mistake).
    c.post(f"/supervision/tasks/{task.pk}/onsite/findings/{finding.pk}/delete/", **HTMX)
    assert Finding.objects.count() == 0


def test_report_page_needs_confirmation_and_the_leader(world):
    task = world.task("on_site", world.s1, world.s2, batch=world.b1)
    (_l, leader), (_m, member) = crew(task)
    services.finding_add(
        actor=member,
        task=task,
        content_area="2.4",
        method="open_visit",
        severity="major",
        description="未设监控",
    )
    assert client_for(member).get(f"/supervision/tasks/{task.pk}/report/").status_code == 403
    c = client_for(leader)
    page = c.get(f"/supervision/tasks/{task.pk}/report/")
    assert page.context["form"].initial["problems"] == "1. 2.4 考场秩序:未设监控(较重问题)"
    assert [u["content_area"] for u in page.context["unchecked"]] == ["2.1", "2.2", "2.3", "2.5", "2.6"]
    task.refresh_from_db()
    response = c.post(
        f"/supervision/tasks/{task.pk}/report/", {"summary": "情况", "row_version": task.row_version}
    )
    assert response.context["form"].errors["confirm"] == ["请先勾选确认"]
    assert Report.objects.count() == 0
    c.post(
        f"/supervision/tasks/{task.pk}/report/",
        {"summary": "现场督导情况", "problems": "未设监控", "confirm": "on", "row_version": task.row_version},
    )
    task.refresh_from_db()
    assert task.status == "report_submitted"
    assert Report.objects.get().summary == "现场督导情况"
    # The institution now sees the findings and the report on the task page.
    page = client_for(world.inst_admin).get(f"/supervision/tasks/{task.pk}/")
    assert [f["description"] for f in page.context["d"]["findings"]] == ["未设监控"]
    assert "现场督导情况" in text(page)


# ------------------------------------------------------------------------------------ special end to end
def test_special_supervision_through_the_pages(world, media_root):
    task = world.task(
        "dispatched", world.s1, world.s2, world.s3, batch=world.b1, kind="special", items=["2.3", "2.4"]
    )
    members = crew(task)
    for _m, user in members:
        client_for(user).post(f"/supervision/tasks/{task.pk}/accept/")
    task.refresh_from_db()
    assert task.status == "accepted"
    leader = members[0][1]
    lc = client_for(leader)
    lc.post(f"/supervision/tasks/{task.pk}/start/", {"row_version": task.row_version})
    lc.post(
        f"/supervision/tasks/{task.pk}/onsite/findings/",
        {
            "content_area": "2.3",
            "method": "documents",
            "severity": "minor",
            "description": "两名考生资格证明不全",
        },
        **HTMX,
    )
    task.refresh_from_db()
    lc.post(
        f"/supervision/tasks/{task.pk}/report/",
        {"summary": "资格审查不严", "confirm": "on", "row_version": task.row_version},
    )
    # Preliminary opinion: the leader only; the institution does not see it until it is sent.
    assert client_for(world.auth_staff).get(f"/supervision/tasks/{task.pk}/preliminary/").status_code == 403
    task.refresh_from_db()
    lc.post(
        f"/supervision/tasks/{task.pk}/preliminary/",
        {"body": "资格审查存在疏漏", "requirements": "补齐资格证明", "row_version": task.row_version},
    )
    hidden = client_for(world.inst_admin).get(f"/supervision/tasks/{task.pk}/")
    assert (hidden.context["prelim"], hidden.context["docs"]["preliminary"]) == (None, None)
    task.refresh_from_db()
    lc.post(f"/supervision/tasks/{task.pk}/preliminary/send/", {"row_version": task.row_version})
    task.refresh_from_db()
    assert task.status == "sent_to_institution"

    # Defence by the institution within the working-day window (ACT-4; 5 working days by default).
    ic = client_for(world.inst_admin)
    page = ic.get(f"/supervision/tasks/{task.pk}/defence/")
    assert page.context["defence_deadline"]["label"].startswith("剩余 5 个工作日")
    assert client_for(world.auth_staff).get(f"/supervision/tasks/{task.pk}/defence/").status_code == 403
    ic.post(f"/supervision/tasks/{task.pk}/defence/", {"text": "证明材料已补交", "confirm": "on"})
    task.refresh_from_db()
    assert task.status == "defence_submitted"

    # The Opinion: the authority only (the leader and the institution get 403).
    assert lc.get(f"/supervision/tasks/{task.pk}/opinion/").status_code == 403
    assert ic.get(f"/supervision/tasks/{task.pk}/opinion/").status_code == 403
    ac = client_for(world.auth_staff)
    page = ac.get(f"/supervision/tasks/{task.pk}/opinion/")
    assert page.context["form"].initial["body"] == "资格审查存在疏漏"
    due = TODAY + dt.timedelta(days=20)
    ac.post(
        f"/supervision/tasks/{task.pk}/opinion/",
        {
            "body": "经审议申辩意见,认定资格审查不严",
            "requires_rectification": "on",
            "requirements": "二十日内补齐",
            "rectification_due_on": due.isoformat(),
            "confirm": "on",
            "row_version": task.row_version,
        },
    )
    final = Opinion.objects.get(task=task, kind="final")
    assert (final.number, final.rectification_due_on) == (f"{world.authority.code}督〔{TODAY.year}〕1号", due)
    docs = ic.get(f"/supervision/tasks/{task.pk}/").context["docs"]
    assert docs["opinion"] == {
        "docx": f"/supervision/opinions/{final.pk}/opinion.docx",
        "pdf": f"/supervision/opinions/{final.pk}/opinion.pdf?inline=1",
    }
    assert docs["report"]["docx"] == f"/supervision/tasks/{task.pk}/report.docx"

    # Rectification: evidence uploaded one by one, then the report; 复核; closed.
    page = ic.get(f"/supervision/tasks/{task.pk}/rectification/")
    assert page.context["rectification_deadline"]["label"] == "剩余 20 日"
    upload = ic.post(
        f"/supervision/tasks/{task.pk}/rectification/evidence/", {"file": photo("证明.jpg")}, **HTMX
    )
    assert 'id="rect-evidence"' in upload.content.decode()
    assert RectificationEvidence.objects.get().original_name == "证明.jpg"
    ic.post(f"/supervision/tasks/{task.pk}/rectification/", {"plan": "已补齐全部资格证明", "confirm": "on"})
    assert Rectification.objects.get(task=task).status == "submitted"
    task.refresh_from_db()
    ac.post(
        f"/supervision/tasks/{task.pk}/rectification/review/",
        {"passed": "1", "note": "复核通过", "row_version": task.row_version},
    )
    task.refresh_from_db()
    assert task.status == "reverified"
    detail = ac.get(f"/supervision/tasks/{task.pk}/")
    assert [b["label"] for b in detail.context["buttons"]] == ["办结"]
    ac.post(f"/supervision/tasks/{task.pk}/close/", {"note": "整改到位", "row_version": task.row_version})
    task.refresh_from_db()
    assert task.status == "closed"

    # SUP-11: the institution rates each supervisor once from the rating page.
    rating_page = ic.get(f"/supervision/tasks/{task.pk}/ratings/")
    assert len(rating_page.context["entries"]) == 3
    scores = {f"score_{k}": "5" for k in ("punctuality", "duties", "objectivity", "discipline", "conduct")}
    ic.post(
        f"/supervision/tasks/{task.pk}/ratings/", {"supervisor": world.s1.pk, **scores, "score_conduct": "3"}
    )
    assert list(SupervisorRating.objects.values_list("supervisor_id", "total")) == [(world.s1.pk, 23)]
    assert (
        client_for(world.auth_staff)
        .post(f"/supervision/tasks/{task.pk}/ratings/", {"supervisor": world.s2.pk, **scores})
        .status_code
        == 403
    )


def test_daily_rectification_order_escalation_and_penalty(world):
    task = world.task("on_site", world.s1, batch=world.b1)
    ((_m, user),) = crew(task)
    services.report_submit(
        actor=user, task=task, summary="发现问题", row_version=current_version(task, SupervisionTask)
    )
    ac = client_for(world.auth_staff)
    task.refresh_from_db()
    detail = ac.get(f"/supervision/tasks/{task.pk}/")
    assert [b["label"] for b in detail.context["buttons"]] == ["下达整改要求", "办结", "移送处理"]
    ac.post(
        f"/supervision/tasks/{task.pk}/rectification/order/",
        {"requirements": "补齐考场记录", "row_version": task.row_version},
    )
    task.refresh_from_db()
    assert task.status == "rectification_ordered"
    assert Rectification.objects.get(task=task).due_on == TODAY + dt.timedelta(days=30)
    ac.post(
        f"/supervision/tasks/{task.pk}/escalate/", {"reason": "拒不整改", "row_version": task.row_version}
    )
    task.refresh_from_db()
    assert task.status == "escalated"
    assert ac.get(f"/supervision/tasks/{task.pk}/").context["can_penalise"] is True
    page = ac.get(f"/supervision/penalties/new/?task={task.pk}")
    assert page.context["form"].initial["institution"] == world.institution.pk
    response = ac.post(
        "/supervision/penalties/new/",
        {
            "institution": world.institution.pk,
            "task": task.pk,
            "kind": "public_criticism",
            "ground": "refused_improvement",
            "description": "拒不整改",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    ac.post(f"/supervision/tasks/{task.pk}/close/", {"row_version": task.row_version})
    task.refresh_from_db()
    assert task.status == "closed"


# ------------------------------------------------------------------------------------------- covert
def test_covert_task_created_on_the_page_is_hidden_until_its_report(world):
    ac = client_for(world.auth_staff)
    page = ac.get(f"/supervision/tasks/new/?batch={world.b2.pk}")
    assert page.context["form"].initial["institution"] == world.institution.pk
    before = counts()
    refused = ac.post(
        "/supervision/tasks/new/",
        {
            "institution": world.institution.pk,
            "batch": world.b2.pk,
            "kind": "daily",
            "supervisors": [world.s5.pk],
        },
    )
    assert refused.context["form"].errors["supervisors"] == [
        f"{world.s5.person.name}:督导员是本场次考评人员,不能兼任"
    ]
    assert counts() == before
    ac.post(
        "/supervision/tasks/new/",
        {
            "institution": world.institution.pk,
            "batch": world.b2.pk,
            "kind": "daily",
            "covert": "on",
            "supervisors": [world.s1.pk],
        },
    )
    task = SupervisionTask.objects.get()
    assert (task.covert, task.batch_id) == (True, world.b2.pk)
    ic = client_for(world.inst_admin)
    assert ic.get("/supervision/tasks/").context["rows"] == []
    assert ic.get(f"/supervision/tasks/{task.pk}/").status_code == 404
    day = world.b2.starts_at.date().isoformat()
    coverage = ic.get(f"/supervision/coverage/?start={day}&end={day}")
    assert [(b.code, b.supervised) for b in coverage.context["page"].items] == [("PC-A-2", False)]
    ((_m, user),) = crew(task)
    services.task_accept(actor=user, task=task)
    services.task_start_on_site(actor=user, task=task, row_version=current_version(task, SupervisionTask))
    assert "暗访任务" in text(client_for(user).get(f"/supervision/tasks/{task.pk}/"))
    services.report_submit(
        actor=user, task=task, summary="暗访完成", row_version=current_version(task, SupervisionTask)
    )
    assert [r["t"]["number"] for r in ic.get("/supervision/tasks/").context["rows"]] == [task.number]
    assert ic.get(f"/supervision/tasks/{task.pk}/").status_code == 200


def test_steps_refuse_roles_and_states_without_changes(world):
    task = world.task("dispatched", world.s1, batch=world.b1)
    before = counts()
    ic, sc = client_for(world.inst_admin), client_for(world.s1.user)
    assert ic.post(f"/supervision/tasks/{task.pk}/close/", {"row_version": 1}).status_code == 403
    assert ic.get(f"/supervision/tasks/{task.pk}/cancel/").status_code == 403
    assert sc.get(f"/supervision/tasks/{task.pk}/escalate/").status_code == 403
    assert client_for(world.s2.user).get(f"/supervision/tasks/{task.pk}/").status_code == 404
    assert Client().get(f"/supervision/tasks/{task.pk}/").status_code == 302
    # A step the workflow does not allow now: the message, nothing changed.
    response = client_for(world.auth_staff).post(
        f"/supervision/tasks/{task.pk}/preliminary/send/", {"row_version": 1}, follow=True
    )
    assert response.status_code == 200 and len(messages_of(response)) == 1
    assert counts() == before
    # Cancel through the page (authority), with a reason.
    client_for(world.auth_staff).post(
        f"/supervision/tasks/{task.pk}/cancel/", {"reason": "批次取消", "row_version": 1}
    )
    task.refresh_from_db()
    assert (task.status, task.note) == ("cancelled", "批次取消")
