"""Pages of the INST-4 ladder (penalty form: the rung below, seriousness, responsible persons) and of the
termination of a filing after a missed rectification (seed 004): start from the task, the institution's
statement, the authority's decision; scoped views for both sides."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.supervision import services
from dudao.supervision.models import FilingTermination, Penalty, Rectification
from tests.factories import current_version
from tests.supervision.app_support import TODAY, counts
from tests.supervision.pages_support import client_for, messages_of

pytestmark = pytest.mark.django_db
NOTICE = "你单位逾期未提交整改材料,拟终止备案。"


# ------------------------------------------------------------------------------------- INST-4 ladder
def _penalty_post(world, **extra):
    data = {
        "institution": world.institution.pk,
        "ground": "refused_improvement",
        "description": "拒不改正",
        "confirm": "on",
        **extra,
    }
    return client_for(world.auth_staff).post("/supervision/penalties/new/", data)


def test_the_ladder_through_the_penalty_form(world):
    skipped = _penalty_post(world, kind="disciplinary_proposal", responsible_persons="张三")
    assert skipped.status_code == 200
    assert (
        skipped.context["form"].errors["escalated_from"][0].startswith("须先作出「通报批评或责令改正」的处理")
    )
    assert Penalty.objects.count() == 0
    _penalty_post(world, kind="public_criticism")
    criticism = Penalty.objects.get()
    page = client_for(world.auth_staff).get(f"/supervision/penalties/{criticism.pk}/")
    assert page.context["can_escalate"] is True
    form = (
        client_for(world.auth_staff)
        .get(f"/supervision/penalties/new/?escalate={criticism.pk}")
        .context["form"]
    )
    assert (form.initial["institution"], form.initial["escalated_from"]) == (
        world.institution.pk,
        criticism.pk,
    )
    nobody = _penalty_post(world, kind="disciplinary_proposal", escalated_from=criticism.pk)
    assert nobody.context["form"].errors["responsible_persons"] == [
        "建议给予处分须写明直接负责的主管人员和其他责任人员(至少一名)"
    ]
    done = _penalty_post(
        world,
        kind="disciplinary_proposal",
        escalated_from=criticism.pk,
        responsible_persons="张三(站长)\n李四",
    )
    proposal = Penalty.objects.get(kind="disciplinary_proposal")
    assert done.status_code == 302
    assert proposal.responsible_persons == ["张三(站长)", "李四"]
    detail = client_for(world.inst_admin).get(f"/supervision/penalties/{proposal.pk}/")
    assert "张三(站长)、李四" in detail.content.decode()
    assert detail.context["can_escalate"] is False  # the institution reads, the authority escalates
    serious = _penalty_post(world, kind="revocation", serious="on", serious_reason="")
    assert serious.context["form"].errors["serious_reason"] == ["认定情节严重须写明理由"]


# ------------------------------------------------------------------------------------- termination
def _late_task(world):
    task = world.task("rectification_ordered")
    Rectification.objects.filter(task=task).update(due_on=TODAY - dt.timedelta(days=1))
    return task


def test_button_only_after_the_deadline(world):
    task = world.task("rectification_ordered")
    Rectification.objects.filter(task=task).update(due_on=TODAY)
    ac = client_for(world.auth_staff)
    assert ac.get(f"/supervision/tasks/{task.pk}/").context["can_terminate"] is False
    Rectification.objects.filter(task=task).update(due_on=TODAY - dt.timedelta(days=1))
    assert ac.get(f"/supervision/tasks/{task.pk}/").context["can_terminate"] is True
    assert (
        client_for(world.inst_admin).get(f"/supervision/tasks/{task.pk}/").context["can_terminate"] is False
    )


def test_the_procedure_through_the_pages(world):
    task = _late_task(world)
    ac, ic = client_for(world.auth_staff), client_for(world.inst_admin)
    assert ic.get(f"/supervision/tasks/{task.pk}/terminate/").status_code == 403
    unconfirmed = ac.post(
        f"/supervision/tasks/{task.pk}/terminate/", {"ground": "rectification_overdue", "notice": NOTICE}
    )
    assert unconfirmed.context["form"].errors["confirm"] == ["请先勾选确认"]
    response = ac.post(
        f"/supervision/tasks/{task.pk}/terminate/",
        {"ground": "rectification_overdue", "notice": NOTICE, "confirm": "on"},
        follow=True,
    )
    t = FilingTermination.objects.get()
    assert messages_of(response) == ["已送达拟终止备案告知,陈述申辩期限至 2026-12-10"]
    assert ac.get(f"/supervision/tasks/{task.pk}/").context["can_terminate"] is False  # one at a time
    # The institution sees it and states its case; the authority cannot state, the institution cannot decide.
    page = ic.get(f"/supervision/terminations/{t.pk}/")
    assert (page.context["can_state"], page.context["can_decide"]) == (True, False)
    assert [x.pk for x in ic.get("/supervision/terminations/").context["page"].items] == [t.pk]
    before = counts()
    assert (
        ic.post(
            f"/supervision/terminations/{t.pk}/decision/", {"decision": "terminate", "note": "x"}
        ).status_code
        == 403
    )
    assert counts() == before
    stated = ic.post(
        f"/supervision/terminations/{t.pk}/statement/", {"statement": "请求宽限十日"}, follow=True
    )
    assert messages_of(stated) == ["陈述申辩意见已提交"]
    page = ac.get(f"/supervision/terminations/{t.pk}/")
    assert (page.context["can_state"], page.context["can_decide"]) == (False, True)
    t.refresh_from_db()
    decided = ac.post(
        f"/supervision/terminations/{t.pk}/decision/",
        {"decision": "terminate", "note": "理由不成立", "row_version": t.row_version},
        follow=True,
    )
    assert messages_of(decided) == ["已作出终止备案决定,备案已终止"]
    world.filing.refresh_from_db()
    assert world.filing.status == "terminated"
    assert "须按新设立评价机构重新申请备案" in ic.get(f"/supervision/terminations/{t.pk}/").content.decode()


def test_decision_refused_while_the_window_is_open(world):
    task = _late_task(world)
    t = services.termination_start(
        actor=world.auth_staff, task=task, ground="rectification_overdue", notice=NOTICE
    )
    response = client_for(world.auth_staff).post(
        f"/supervision/terminations/{t.pk}/decision/",
        {"decision": "terminate", "note": "x", "row_version": current_version(t, FilingTermination)},
        follow=True,
    )
    assert messages_of(response) == ["陈述申辩期限至 2026-12-10,尚未届满,期满或机构陈述申辩后方可决定"]
    world.filing.refresh_from_db()
    assert world.filing.status == "active"


def test_other_institutions_do_not_see_it(world):
    from tests import factories as f

    t = services.termination_start(
        actor=world.auth_staff, task=_late_task(world), ground="rectification_overdue", notice=NOTICE
    )
    outsider = f.UserFactory(username="b-admin", role="institution_admin", institution=world.institution_b)
    assert client_for(outsider).get(f"/supervision/terminations/{t.pk}/").status_code == 404
    assert list(client_for(outsider).get("/supervision/terminations/").context["page"].items) == []


def test_home_to_dos_follow_the_statement_window(world):
    from dudao.web.todo import todo_for

    def keys(user):
        return {g.key: g for g in todo_for(user)}

    t = services.termination_start(
        actor=world.auth_staff, task=_late_task(world), ground="rectification_overdue", notice=NOTICE
    )
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY)  # the window's last day
    institution = keys(world.inst_admin)
    assert institution["termination_statement"].items[0].url == f"/supervision/terminations/{t.pk}/"
    assert institution["termination_statement"].items[0].deadline == "剩余 0 个工作日"
    assert "termination_decide" not in keys(world.auth_staff)
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY - dt.timedelta(days=1))
    assert "termination_statement" not in keys(world.inst_admin)
    assert keys(world.auth_staff)["termination_decide"].total == 1
    # A statement puts it on the authority's list at once, whatever the date.
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY + dt.timedelta(days=3))
    services.termination_statement(actor=world.inst_staff, termination=t, statement="请求宽限")
    assert keys(world.auth_staff)["termination_decide"].total == 1
