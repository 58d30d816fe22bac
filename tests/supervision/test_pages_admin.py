"""Authority pages around the tasks (issue 4 items 2, 5, 6): coverage (逢考必督), opinions, penalties
(INST-4: suspension changes the filing), supervisor performance (SUP-9…11), policy, and the sidebar."""

from __future__ import annotations

import pytest

from dudao.registry.models import Filing
from dudao.supervision import services
from dudao.supervision.models import (
    MisconductRecord,
    Penalty,
    SupervisionPolicy,
    SupervisionTask,
    SupervisorAssessment,
)
from dudao.web.navigation import visible_url_names
from tests.factories import current_version
from tests.supervision.app_support import TODAY, counts
from tests.supervision.pages_support import FIELD_ROLES, client_for, crew, messages_of, text

pytestmark = pytest.mark.django_db


def _day(batch) -> str:
    return batch.starts_at.date().isoformat()


def test_coverage_highlights_gaps_when_every_batch_needs_a_supervisor(world):
    services.task_create(
        actor=world.auth_staff, institution=world.institution, supervisors=[world.s1], batch=world.b1
    )
    start, end = _day(world.b1), _day(world.b3)
    url = f"/supervision/coverage/?start={start}&end={end}"
    page = client_for(world.auth_staff).get(url)
    result = page.context["result"]
    assert (result.total, result.covered, result.uncovered, page.context["rate_percent"]) == (3, 1, 2, "33.3")
    assert [(b.code, b.supervised) for b in page.context["page"].items] == [
        ("PC-A-1", True),
        ("PC-A-2", False),
        ("PC-B-1", False),
    ]
    assert page.context["required"] is False and "dudao-gap" not in page.content.decode()
    services.policy_update(actor=world.auth_admin, coverage_required=True)
    page = client_for(world.auth_staff).get(url)
    assert page.content.decode().count("dudao-gap") == 2
    assert "有 2 个评价批次尚未派出督导员" in text(page)
    assert f'href="/supervision/tasks/new/?batch={world.b2.pk}"' in page.content.decode()
    only_gaps = client_for(world.auth_staff).get(url + "&covered=no")
    assert [b.code for b in only_gaps.context["page"].items] == ["PC-A-2", "PC-B-1"]
    # The institution sees its own batches (and cannot dispatch); field roles are refused.
    own = client_for(world.inst_staff).get(url)
    assert [b.code for b in own.context["page"].items] == ["PC-A-1", "PC-A-2"]
    assert own.context["can_dispatch"] is False
    for role in FIELD_ROLES:
        assert client_for(world.users[role]).get(url).status_code == 403
    bad = client_for(world.auth_staff).get(f"/supervision/coverage/?start={end}&end={start}")
    assert bad.context["filters"].errors["end"] == ["期间止不能早于期间起"]


def test_opinions_list_per_role(world):
    task = services.task_create(
        actor=world.auth_staff,
        institution=world.institution,
        supervisors=[world.s1, world.s2, world.s3],
        kind="special",
        items=["2.4"],
        batch=world.b1,
    )
    members = crew(task)
    for _m, user in members:
        services.task_accept(actor=user, task=task)
    leader = members[0][1]
    services.task_start_on_site(actor=leader, task=task, row_version=current_version(task, SupervisionTask))
    services.report_submit(
        actor=leader, task=task, summary="情况", row_version=current_version(task, SupervisionTask)
    )
    services.preliminary_opinion_prepare(
        actor=leader, task=task, body="初步意见", row_version=current_version(task, SupervisionTask)
    )
    authority_rows = client_for(world.auth_staff).get("/supervision/opinions/").context["page"].items
    assert [r["o"].kind for r in authority_rows] == ["preliminary"]
    assert client_for(world.inst_admin).get("/supervision/opinions/").context["page"].items == []
    services.preliminary_opinion_send(
        actor=leader, task=task, row_version=current_version(task, SupervisionTask)
    )
    rows = client_for(world.inst_admin).get("/supervision/opinions/").context["page"].items
    assert [(r["o"].kind, r["defence"]["label"]) for r in rows] == [("preliminary", "剩余 5 个工作日")]
    assert client_for(world.s1.user).get("/supervision/opinions/").status_code == 403


def test_suspension_penalty_and_lift_through_the_pages(world):
    ac = client_for(world.auth_staff)
    assert client_for(world.inst_admin).get("/supervision/penalties/new/").status_code == 403
    response = ac.post(
        "/supervision/penalties/new/",
        {
            "institution": world.institution.pk,
            "kind": "suspension",
            "ground": "falsification",
            "description": "伪造考场记录",
        },
    )
    assert response.context["form"].errors["confirm"] == ["请先勾选确认"]
    assert Penalty.objects.count() == 0
    ac.post(
        "/supervision/penalties/new/",
        {
            "institution": world.institution.pk,
            "kind": "suspension",
            "ground": "falsification",
            "description": "伪造考场记录",
            "confirm": "on",
        },
    )
    penalty = Penalty.objects.get()
    assert (penalty.kind, penalty.filing_id) == ("suspension", world.filing.pk)
    assert Filing.objects.get(pk=world.filing.pk).status == "suspended"
    page = ac.get(f"/supervision/penalties/{penalty.pk}/")
    assert page.context["can_lift"] is True and "暂停期间备案状态为「暂停」" in text(page)
    # The institution reads its penalty but cannot lift it (403, nothing changes).
    ic = client_for(world.inst_admin)
    assert [p.pk for p in ic.get("/supervision/penalties/").context["page"].items] == [penalty.pk]
    assert ic.get(f"/supervision/penalties/{penalty.pk}/").context["can_lift"] is False
    before = counts()
    assert ic.post(f"/supervision/penalties/{penalty.pk}/lift/", {"reason": "x"}).status_code == 403
    assert counts() == before
    ac.post(
        f"/supervision/penalties/{penalty.pk}/lift/",
        {"reason": "整改到位", "row_version": penalty.row_version},
    )
    penalty.refresh_from_db()
    assert (penalty.status, penalty.lift_reason) == ("lifted", "整改到位")
    assert Filing.objects.get(pk=world.filing.pk).status == "active"


def test_performance_record_assessment_and_misconduct(world):
    task = services.task_create(
        actor=world.auth_staff,
        institution=world.institution,
        supervisors=[world.s1, world.s2],
        batch=world.b1,
    )
    services.task_decline(actor=world.s2.user, task=task, reason="")  # 无故拒绝 → SUP-10 at once
    rows = client_for(world.auth_staff).get("/supervision/supervisors/?flagged=on").context["page"].items
    assert [(r.pk, r.decline_count, r.unjustified_count, r.misconduct_count) for r in rows] == [
        (world.s2.pk, 1, 1, 1)
    ]
    ac = client_for(world.auth_staff)
    page = ac.get(f"/supervision/supervisors/{world.s2.pk}/")
    assert (page.context["stats"].declines, page.context["stats"].unjustified_declines) == (1, 1)
    assert "解聘风险" in text(page) and "SUP-10" not in text(page)
    record = MisconductRecord.objects.get()
    ac.post(
        f"/supervision/misconduct/{record.pk}/withdraw/",
        {"reason": "已补充说明", "row_version": record.row_version},
    )
    world.s2.refresh_from_db()
    assert world.s2.dismissal_flag is False
    year = TODAY.year
    response = ac.post(
        f"/supervision/supervisors/{world.s1.pk}/assessment/", {"year": year, "decision": "not_renew"}
    )
    assert response.context["form"].errors["note"] == ["不予续聘或取消资格时须填写考核意见"]
    ac.post(f"/supervision/supervisors/{world.s1.pk}/assessment/", {"year": year, "decision": "keep"})
    assert list(SupervisorAssessment.objects.values_list("supervisor_id", "year", "decision")) == [
        (world.s1.pk, year, "keep")
    ]
    ac.post(
        f"/supervision/supervisors/{world.s1.pk}/misconduct/",
        {"kind": "undispatched", "description": "未经委派参加督导", "occurred_on": TODAY.isoformat()},
    )
    world.s1.refresh_from_db()
    assert world.s1.dismissal_flag is True
    # A supervisor reads their own record but cannot assess themselves; another region: 404.
    own = client_for(world.s1.user).get(f"/supervision/supervisors/{world.s1.pk}/")
    assert own.status_code == 200 and own.context["can_change"] is False
    assert (
        client_for(world.s1.user).get(f"/supervision/supervisors/{world.s1.pk}/assessment/").status_code
        == 403
    )
    assert client_for(world.s1.user).get(f"/supervision/supervisors/{world.s2.pk}/").status_code == 404
    assert (
        client_for(world.auth_staff).get(f"/supervision/supervisors/{world.foreign.pk}/").status_code == 404
    )


def test_policy_admin_edits_staff_reads(world):
    staff = client_for(world.auth_staff).get("/supervision/settings/")
    assert staff.context["editable"] is False
    before = counts()
    assert client_for(world.auth_staff).post("/supervision/settings/", {"report_days": 5}).status_code == 403
    assert client_for(world.inst_admin).get("/supervision/settings/").status_code == 403
    assert counts() == before
    admin = client_for(world.auth_admin)
    data = {
        "report_days": "3",
        "defence_workdays": "7",
        "termination_statement_workdays": "5",
        "rectification_days": "45",
        "disclose_supervisors_as": "name",
        "coverage_required": "on",
        "opinion_number_prefix": "赣鉴督",
    }
    response = admin.post("/supervision/settings/", data, follow=True)
    assert messages_of(response) == ["督导设置已保存"]
    policy = SupervisionPolicy.objects.get(authority=world.authority)
    assert (
        policy.report_days,
        policy.defence_workdays,
        policy.coverage_required,
        policy.opinion_number_prefix,
    ) == (
        3,
        7,
        True,
        "赣鉴督",
    )
    admin.post("/supervision/settings/", {**data, "report_days": "4", "row_version": policy.row_version})
    stale = admin.post(
        "/supervision/settings/", {**data, "report_days": "5", "row_version": policy.row_version}
    )
    assert stale.context["form"].non_field_errors() == ["数据已被他人修改,请刷新后重试"]
    assert SupervisionPolicy.objects.get().report_days == 4


def test_sidebar_has_the_supervision_entries_per_role(world):
    names = visible_url_names(world.auth_staff)
    assert [n for n in names if n.startswith("supervision:")] == [
        "supervision:annual_plan_list",
        "supervision:draw_list",
        "supervision:task_list",
        "supervision:coverage",
        "supervision:opinion_list",
        "supervision:penalty_list",
        "supervision:termination_list",
        "supervision:performance",
        "supervision:policy",
        "supervision:public_draw_list",
    ]
    assert [n for n in visible_url_names(world.inst_admin) if n.startswith("supervision:")] == [
        "supervision:task_list",
        "supervision:opinion_list",
        "supervision:penalty_list",
        "supervision:termination_list",
        "supervision:coverage",
        "supervision:draw_list",
        "supervision:performance",
    ]
    assert [n for n in visible_url_names(world.inst_staff) if n.startswith("supervision:")] == [
        "supervision:task_list",
        "supervision:opinion_list",
        "supervision:penalty_list",
        "supervision:termination_list",
        "supervision:coverage",
    ]
    assert [n for n in visible_url_names(world.s1.user) if n.startswith("supervision:")] == [
        "supervision:task_mine",
        "supervision:public_draw_list",
    ]
    html = client_for(world.s1.user).get("/supervision/my/tasks/").content.decode()
    assert 'href="/supervision/my/tasks/"' in html and "我的任务" in html


def test_pages_render_for_every_office_role(world):
    """Every list page answers 200 for the roles that have it (smoke over the templates)."""
    pages = [
        "/supervision/draws/",
        "/supervision/tasks/",
        "/supervision/coverage/",
        "/supervision/opinions/",
        "/supervision/penalties/",
        "/supervision/terminations/",
        "/supervision/supervisors/",
    ]
    for role in ("superuser", "authority_admin", "authority_staff", "institution_admin", "institution_staff"):
        c = client_for(world.users[role])
        assert [c.get(url).status_code for url in pages] == [200] * len(pages), role
    assert client_for(world.users["superuser"]).get("/supervision/settings/").status_code == 200
    assert client_for(world.users["authority_admin"]).get("/supervision/tasks/new/").status_code == 200
    assert client_for(world.users["institution_staff"]).get("/supervision/tasks/new/").status_code == 403
