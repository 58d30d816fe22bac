"""Terminating a filing after a missed rectification (seed 004's rectification notice: "若逾期未整改或未按
要求完成整改,将视情况…终止…备案"): the notice with the right to be heard (a statement window in working
days, CAL-2), the institution's statement, the authority's decision; the terminated filing refuses batches
(INST-3) and renewal (REN-6: apply again as a new filing)."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.notifications.models import Message
from dudao.supervision import domain, services
from dudao.supervision.models import FilingTermination, Rectification, SupervisionTask
from dudao.supervision.transitions import TERMINATION_TRANSITIONS
from tests.factories import current_version
from tests.supervision.app_support import TODAY, api, counts

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision"
NOTICE = "你单位未在整改期限内提交整改材料,拟终止你单位的评价机构备案。"


# ------------------------------------------------------------------------------------------ pure rule
def test_the_due_date_itself_is_still_open():
    due = dt.date(2026, 12, 3)
    with pytest.raises(ValidationFailed) as exc:
        domain.check_termination_may_start(
            round_status="ordered", due_on=due, submitted_late=False, today=due
        )
    assert exc.value.code == "rectification_open"
    assert exc.value.message == "整改期限至 2026-12-03,尚未届满,不能启动终止备案程序"
    domain.check_termination_may_start(
        round_status="ordered", due_on=due, submitted_late=False, today=due + dt.timedelta(days=1)
    )


@pytest.mark.parametrize(
    ("status", "late", "code"),
    [
        ("ordered", False, None),
        ("submitted", True, None),
        ("submitted", False, "rectification_pending"),
        ("passed", False, "rectification_passed"),
        ("passed", True, "rectification_passed"),
    ],
)
def test_only_a_missed_rectification_may_lead_to_termination(status, late, code):
    call = dict(
        round_status=status, due_on=dt.date(2026, 12, 1), submitted_late=late, today=dt.date(2026, 12, 3)
    )
    if code is None:
        domain.check_termination_may_start(**call)
        return
    with pytest.raises(ValidationFailed) as exc:
        domain.check_termination_may_start(**call)
    assert exc.value.code == code


def test_the_transition_table():
    assert {k: set(v) for k, v in TERMINATION_TRANSITIONS.items()} == {
        "notified": {"statement_submitted", "terminated", "withdrawn"},
        "statement_submitted": {"terminated", "withdrawn"},
        "terminated": set(),
        "withdrawn": set(),
    }


# ------------------------------------------------------------------------------------------ helpers
def _rectifying_task(world, due_on: dt.date) -> SupervisionTask:
    """A daily task whose open rectification round is due on `due_on`."""
    task = world.task("rectification_ordered")
    Rectification.objects.filter(task=task).update(due_on=due_on)
    return task


def _start(world, task, **extra):
    return services.termination_start(
        actor=extra.pop("actor", world.auth_staff),
        task=task,
        ground=extra.pop("ground", "rectification_overdue"),
        notice=extra.pop("notice", NOTICE),
        **extra,
    )


def _decide(world, t, decision="terminate", note="逾期未整改,陈述申辩理由不成立", actor=None):
    return services.termination_decide(
        actor=actor or world.auth_staff,
        termination=t,
        decision=decision,
        note=note,
        row_version=current_version(t, FilingTermination),
    )


# ------------------------------------------------------------------------------------------ start
def test_start_refused_on_the_last_day_of_the_rectification(world):
    task = _rectifying_task(world, TODAY)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        _start(world, task)
    assert exc.value.code == "rectification_open"
    assert counts() == before
    assert FilingTermination.objects.count() == 0


def test_start_the_day_after_notifies_with_a_working_day_window(world):
    task = _rectifying_task(world, TODAY - dt.timedelta(days=1))
    t = _start(world, task)
    # Thursday 2026-12-03 + 5 working days (policy default) = Thursday 2026-12-10 (CAL-2).
    assert (t.status, t.statement_due_on, t.statement_due_provisional) == (
        "notified",
        dt.date(2026, 12, 10),
        False,
    )
    assert (t.filing_id, t.institution_id, t.task_id, t.ground) == (
        world.filing.pk,
        world.institution.pk,
        task.pk,
        "rectification_overdue",
    )
    assert t.rectification == Rectification.objects.get(task=task)
    world.filing.refresh_from_db()
    assert world.filing.status == "active"  # only the decision terminates
    assert AuditEvent.objects.filter(action="supervision.termination.start", object_id=str(t.pk)).count() == 1
    messages = Message.objects.filter(kind="termination.notified")
    assert {m.recipient_id for m in messages} == {world.inst_admin.pk, world.inst_staff.pk}
    assert messages.first().title == "拟终止备案告知:备案 JX-BA-0001,请于 2026-12-10 前陈述申辩"
    assert messages.first().link == f"/supervision/terminations/{t.pk}/"


def test_the_window_follows_the_policy(world):
    services.policy_update(actor=world.auth_admin, termination_statement_workdays=3)
    t = _start(world, _rectifying_task(world, TODAY - dt.timedelta(days=1)))
    assert t.statement_due_on == dt.date(2026, 12, 8)  # Thu + 3 working days: Fri, Mon, Tue
    with pytest.raises(ValidationFailed):
        services.policy_update(actor=world.auth_admin, termination_statement_workdays=0)


def test_start_refused_while_a_timely_submission_waits_for_review(world):
    task = _rectifying_task(world, TODAY)
    services.rectification_submit(actor=world.inst_admin, task=task, plan="已整改")
    Rectification.objects.filter(task=task).update(due_on=TODAY - dt.timedelta(days=2))
    with pytest.raises(ValidationFailed) as exc:
        _start(world, task)
    assert exc.value.code == "rectification_pending"


def test_a_late_submission_does_not_stop_termination(world):
    task = _rectifying_task(world, TODAY - dt.timedelta(days=1))
    services.rectification_submit(actor=world.inst_admin, task=task, plan="逾期提交的整改报告")
    assert Rectification.objects.get(task=task).overdue is True
    t = _start(world, task, ground="rectification_incomplete")
    assert t.ground == "rectification_incomplete"


def test_start_refused_without_rectification_or_for_others(world):
    task = world.task("report_submitted", world.s2)
    with pytest.raises(IllegalTransition):
        _start(world, task)
    late = _rectifying_task(world, TODAY - dt.timedelta(days=1))
    before = counts()
    with pytest.raises(PermissionDenied):
        _start(world, late, actor=world.inst_admin)
    with pytest.raises(ValidationFailed):
        _start(world, late, ground="whatever")
    with pytest.raises(ValidationFailed):  # started from the renewal only (dudao.renewals.services)
        _start(world, late, ground="renewal_rectification_overdue")
    with pytest.raises(ValidationFailed):
        _start(world, late, notice="  ")
    assert counts() == before
    assert FilingTermination.objects.count() == 0


def test_one_open_procedure_per_filing(world):
    task = _rectifying_task(world, TODAY - dt.timedelta(days=1))
    first = _start(world, task)
    with pytest.raises(Conflict):
        _start(world, task)
    _decide(world, first, "withdraw", "已补交整改材料")
    second = _start(world, task)
    assert second.pk != first.pk


def test_a_closed_filing_cannot_be_terminated(world):
    task = _rectifying_task(world, TODAY - dt.timedelta(days=1))
    world.filing.status = "expired"
    world.filing.save(update_fields=["status"])
    with pytest.raises(ValidationFailed) as exc:
        _start(world, task)
    assert exc.value.message == "该机构没有可终止的备案"


# ------------------------------------------------------------------------------------------ statement
def test_statement_on_the_last_day_then_decision(world):
    t = _start(world, _rectifying_task(world, TODAY - dt.timedelta(days=1)))
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY)
    t = services.termination_statement(actor=world.inst_staff, termination=t, statement="因疫情延误,请求宽限")
    assert (t.status, t.statement, t.statement_by_id) == (
        "statement_submitted",
        "因疫情延误,请求宽限",
        world.inst_staff.pk,
    )
    assert Message.objects.filter(kind="termination.statement", recipient=world.auth_staff).count() == 1
    # After the statement the authority may decide at once (the window need not run out).
    t = _decide(world, t)
    assert (t.status, t.decided_by_id, t.decision_note) == (
        "terminated",
        world.auth_staff.pk,
        "逾期未整改,陈述申辩理由不成立",
    )
    world.filing.refresh_from_db()
    assert (world.filing.status, world.filing.status_reason) == ("terminated", "终止备案:逾期未整改")
    assert set(
        Message.objects.filter(kind="termination.terminate").values_list("recipient_id", flat=True)
    ) == {
        world.inst_admin.pk,
        world.inst_staff.pk,
    }
    assert AuditEvent.objects.filter(action="supervision.termination.terminate").count() == 1
    assert AuditEvent.objects.filter(action="registry.filing.set_status").count() == 1


def test_statement_refused_the_day_after_the_window(world):
    t = _start(world, _rectifying_task(world, TODAY - dt.timedelta(days=1)))
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(IllegalTransition) as exc:
        services.termination_statement(actor=world.inst_admin, termination=t, statement="迟到的陈述")
    assert exc.value.code == "statement_closed"
    t.refresh_from_db()
    assert t.status == "notified"


def test_statement_only_by_the_institution(world, other_institution):
    t = _start(world, _rectifying_task(world, TODAY - dt.timedelta(days=1)))
    with pytest.raises(PermissionDenied):
        services.termination_statement(actor=world.auth_staff, termination=t, statement="x")
    with pytest.raises(ValidationFailed):
        services.termination_statement(actor=world.inst_admin, termination=t, statement=" ")
    t.refresh_from_db()
    assert t.status == "notified"


# ------------------------------------------------------------------------------------------ decision
def test_no_decision_to_terminate_while_the_window_is_open(world):
    t = _start(world, _rectifying_task(world, TODAY - dt.timedelta(days=1)))
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY)
    with pytest.raises(IllegalTransition) as exc:
        _decide(world, t)
    assert exc.value.code == "statement_open"
    world.filing.refresh_from_db()
    assert world.filing.status == "active"
    # The day after the window, without a statement, the authority decides.
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY - dt.timedelta(days=1))
    t = _decide(world, t)
    assert t.status == "terminated"
    world.filing.refresh_from_db()
    assert world.filing.status == "terminated"


def test_withdrawal_leaves_the_filing_alone(world):
    t = _start(world, _rectifying_task(world, TODAY - dt.timedelta(days=1)))
    t = _decide(world, t, "withdraw", "机构已补交整改材料并经复核")
    assert t.status == "withdrawn"
    world.filing.refresh_from_db()
    assert world.filing.status == "active"
    assert Message.objects.filter(kind="termination.withdraw").count() == 2
    with pytest.raises(IllegalTransition):
        _decide(world, t)


def test_decision_needs_a_reason_and_the_authority(world):
    t = _start(world, _rectifying_task(world, TODAY - dt.timedelta(days=1)))
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY - dt.timedelta(days=1))
    before = counts()
    with pytest.raises(ValidationFailed):
        _decide(world, t, note="")
    with pytest.raises(ValidationFailed):
        _decide(world, t, decision="maybe")
    with pytest.raises(PermissionDenied):
        _decide(world, t, actor=world.inst_admin)
    assert counts() == before


def test_scoped_to_the_region_and_the_institution(world, users):
    t = _start(world, _rectifying_task(world, TODAY - dt.timedelta(days=1)))
    from dudao.supervision import selectors

    assert list(selectors.terminations_for(world.inst_staff)) == [t]
    assert list(selectors.terminations_for(world.auth_staff)) == [t]
    from tests import factories as f

    foreign_user = f.UserFactory(
        username="b-admin", role="institution_admin", institution=world.institution_b
    )
    assert list(selectors.terminations_for(foreign_user)) == []
    with pytest.raises(NotFound):
        services.termination_statement(actor=foreign_user, termination=t, statement="x")


# ------------------------------------------------------------------------------------------ afterwards
def test_a_terminated_filing_refuses_batches_and_renewal(world):
    from dudao.registry import services as registry_services
    from dudao.renewals import services as renewal_services
    from tests.supervision.app_support import local

    t = _start(world, _rectifying_task(world, TODAY - dt.timedelta(days=1)))
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY - dt.timedelta(days=1))
    _decide(world, t)
    day = TODAY + dt.timedelta(days=20)
    with pytest.raises(ValidationFailed) as exc:  # INST-3
        registry_services.batch_create(
            actor=world.inst_admin,
            institution=world.institution,
            occupation=world.welder,
            levels=[4],
            starts_at=local(day, 9),
            ends_at=local(day, 17),
            venue=world.venue,
        )
    assert "已终止" in exc.value.message
    with pytest.raises(Conflict) as exc:  # REN-6
        renewal_services.renewal_apply(actor=world.inst_admin, filing=world.filing, materials={})
    assert exc.value.code == "filing_closed"
    assert exc.value.message == "备案已终止,不能申请延续;如需继续开展评价,须按新设立评价机构重新申请备案"
    # REN-6: the way back is a new filing; the terminated one no longer blocks its period (INST-2).
    new = registry_services.filing_create(
        actor=world.auth_admin,
        institution=world.institution,
        number="JX-BA-0101",
        valid_from=TODAY,
        valid_until=world.filing.valid_until,
    )
    assert (new.status, new.number) == ("active", "JX-BA-0101")


# ------------------------------------------------------------------------------------------ API
def test_the_whole_procedure_through_the_api(world):
    task = _rectifying_task(world, TODAY - dt.timedelta(days=1))
    early = api(
        world.auth_staff,
        "post",
        f"{API}/terminations",
        {
            "task_id": world.task("report_submitted", world.s2).pk,
            "ground": "rectification_overdue",
            "notice": NOTICE,
        },
    )
    assert early.status_code == 409
    started = api(
        world.auth_staff,
        "post",
        f"{API}/terminations",
        {"task_id": task.pk, "ground": "rectification_overdue", "notice": NOTICE},
    )
    assert started.status_code == 201, started.content
    body = started.json()
    assert (body["status"], body["statement_due_on"], body["ground_label"]) == (
        "notified",
        "2026-12-10",
        "逾期未整改",
    )
    pk = body["id"]
    assert (
        api(
            world.inst_admin,
            "post",
            f"{API}/terminations",
            {"task_id": task.pk, "ground": "rectification_overdue", "notice": NOTICE},
        ).status_code
        == 403
    )
    listed = api(world.inst_staff, "get", f"{API}/terminations")
    assert [row["id"] for row in listed.json()["items"]] == [pk]
    stated = api(world.inst_staff, "post", f"{API}/terminations/{pk}/statement", {"statement": "请求宽限"})
    assert stated.status_code == 200
    assert stated.json()["status"] == "statement_submitted"
    assert (
        api(
            world.inst_staff,
            "post",
            f"{API}/terminations/{pk}/decision",
            {"decision": "terminate", "note": "x"},
        ).status_code
        == 403
    )
    decided = api(
        world.auth_staff,
        "post",
        f"{API}/terminations/{pk}/decision",
        {"decision": "terminate", "note": "理由不成立", "row_version": stated.json()["row_version"]},
    )
    assert decided.status_code == 200
    assert (decided.json()["status"], decided.json()["filing_status"]) == ("terminated", "terminated")
    assert api(world.auth_staff, "get", f"{API}/terminations/{pk}").json()["decision_note"] == "理由不成立"


# ------------------------------------------------------------------------------ role × endpoint matrix
def _matrix_setup(w, endpoint: str):
    from tests.supervision.app_support import API as SUP_API

    task = _rectifying_task(w, TODAY - dt.timedelta(days=1))
    if endpoint == "start":
        return (
            "post",
            f"{SUP_API}/terminations",
            {"task_id": task.pk, "ground": "rectification_overdue", "notice": NOTICE},
        )
    t = _start(w, task)
    if endpoint == "statement":
        return "post", f"{SUP_API}/terminations/{t.pk}/statement", {"statement": "陈述"}
    FilingTermination.objects.filter(pk=t.pk).update(statement_due_on=TODAY - dt.timedelta(days=1))
    body = {
        "decision": "terminate",
        "note": "逾期未整改",
        "row_version": current_version(t, FilingTermination),
    }
    return "post", f"{SUP_API}/terminations/{t.pk}/decision", body


TERMINATION_MATRIX = {
    #             SU   AA   AS   IA   IS   ES   IN   EX   AN   OA   OI   MB
    "start": [201, 201, 201, 403, 403, 404, 404, 404, 401, 404, 404, 403],
    "statement": [403, 403, 403, 200, 200, 404, 404, 404, 401, 404, 404, 404],
    "decision": [200, 200, 200, 403, 403, 404, 404, 404, 401, 404, 404, 404],
}


@pytest.mark.parametrize(
    ("endpoint", "index"),
    [(e, i) for e in TERMINATION_MATRIX for i in range(12)],
)
def test_termination_permission_matrix(world, endpoint, index):
    from tests.supervision.test_app_api import ROLES, actor

    role = ROLES[index]
    expected = TERMINATION_MATRIX[endpoint][index]
    method, url, body = _matrix_setup(world, endpoint)
    before = counts()
    response = api(actor(world, role), method, url, body)
    assert response.status_code == expected, (role, response.content)
    if expected >= 400:
        assert counts() == before
        assert set(response.json()) == {"code", "message", "detail"}
    else:
        assert counts() != before
