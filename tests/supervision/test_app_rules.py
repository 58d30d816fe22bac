"""Rules around the lifecycle: SUP-10 declines and misconduct, staffing constraints of ad hoc tasks (SUP-8),
INST-4 penalties that change the filing and block batches (INST-3), SUP-9 assessment and SUP-5 terms."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.people import models as pm
from dudao.people.services import supervisor_contract_add
from dudao.registry import models as rm
from dudao.registry import services as registry_services
from dudao.supervision import selectors, services
from dudao.supervision.models import MisconductRecord, Penalty, SupervisionTask, TaskMember
from tests.factories import current_version
from tests.supervision.app_support import TODAY, counts, local, publish_draw

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------- SUP-10
def test_decline_without_reason_is_recorded_and_flags_the_supervisor(world):
    task = world.task("dispatched", world.s1)
    member = services.task_decline(actor=world.s1.user, task=task)
    assert (member.response, member.justified) == ("declined", False)
    task.refresh_from_db()
    assert task.status == "declined"
    record = MisconductRecord.objects.get()
    assert (record.kind, record.supervisor_id, record.task_id, record.member_id) == (
        "unjustified_refusal",
        world.s1.pk,
        task.pk,
        member.pk,
    )
    world.s1.refresh_from_db()
    assert world.s1.dismissal_flag is True
    # A flagged supervisor is left out of the next draw's pool and refused for ad hoc tasks.
    draw = services.draw_define(
        actor=world.auth_staff,
        title="下一轮",
        period_start=TODAY + dt.timedelta(days=1),
        period_end=TODAY + dt.timedelta(days=30),
    )
    raw = json.loads(publish_draw(world, actor=world.auth_staff, draw=draw).scenario)
    assert f"S{world.s1.pk}" not in [s["id"] for s in raw["supervisors"]]
    with pytest.raises(ValidationFailed) as exc:
        world.task("dispatched", world.s1, batch=world.b2)
    assert "解聘风险标记" in exc.value.message
    # Withdrawing the only record clears the flag.
    services.misconduct_withdraw(
        actor=world.auth_admin,
        record=record,
        reason="系统故障未收到通知",
        row_version=current_version(record, MisconductRecord),
    )
    world.s1.refresh_from_db()
    assert world.s1.dismissal_flag is False


def test_decline_with_reason_is_judged_by_the_authority_and_the_member_replaced(world):
    task = world.task("dispatched", world.s1, world.s2)
    services.task_accept(actor=world.s2.user, task=task)
    member = services.task_decline(actor=world.s1.user, task=task, reason="当天住院", reason_kind="illness")
    assert (member.justified, MisconductRecord.objects.count()) == (None, 0)
    with pytest.raises(PermissionDenied):
        services.member_review_decline(
            actor=world.s2.user,
            member=member,
            justified=True,
            row_version=current_version(member, TaskMember),
        )
    member = services.member_review_decline(
        actor=world.auth_staff,
        member=member,
        justified=True,
        note="有病历",
        row_version=current_version(member, TaskMember),
    )
    assert (member.justified, MisconductRecord.objects.count()) == (True, 0)
    with pytest.raises(IllegalTransition):
        services.member_review_decline(
            actor=world.auth_staff,
            member=member,
            justified=False,
            row_version=current_version(member, TaskMember),
        )
    # Replacement by an ineligible supervisor (SUP-8 relation with the institution) is refused.
    with pytest.raises(ValidationFailed) as exc:
        services.member_replace(actor=world.auth_staff, member=member, supervisor=world.s6)
    assert "回避" in exc.value.message
    new = services.member_replace(actor=world.auth_staff, member=member, supervisor=world.s3)
    assert (new.role, new.response) == ("leader", "pending")  # s1 was the leader: the role passes on
    task.refresh_from_db()
    assert task.status == "dispatched"
    services.task_accept(actor=world.s3.user, task=task)
    task.refresh_from_db()
    assert task.status == "accepted"
    old = TaskMember.objects.get(pk=member.pk)
    assert (old.active, old.replaced_by_id) == (False, new.pk)


def test_unjustified_reason_is_recorded(world):
    task = world.task("dispatched", world.s1)
    member = services.task_decline(actor=world.s1.user, task=task, reason="不想去", reason_kind="other")
    services.member_review_decline(
        actor=world.auth_staff,
        member=member,
        justified=False,
        note="理由不成立",
        row_version=current_version(member, TaskMember),
    )
    record = MisconductRecord.objects.get()
    assert record.kind == "unjustified_refusal"
    stats = selectors.supervisor_stats(world.s1)
    assert (stats.declines, stats.unjustified_declines, stats.misconduct) == (1, 1, 1)


def test_only_a_member_answers_a_dispatch(world):
    task = world.task("dispatched", world.s1)
    before = counts()
    with pytest.raises(NotFound):
        services.task_accept(actor=world.s2.user, task=task)  # not in this group: the task is not theirs
    with pytest.raises(PermissionDenied):
        services.task_decline(actor=world.auth_staff, task=task, reason="x")
    assert counts() == before


# ---------------------------------------------------------------------------------- SUP-8 ad hoc
@pytest.mark.parametrize(
    ("who", "problem"),
    [
        ("s5", "本场次考评人员"),  # examiner in PC-A-2
        ("s6", "回避"),  # declared relation with institution A
    ],
)
def test_ad_hoc_staffing_obeys_the_draw_constraints(world, who, problem):
    with pytest.raises(ValidationFailed) as exc:
        world.task("dispatched", getattr(world, who), batch=world.b2)
    assert problem in exc.value.message
    assert SupervisionTask.objects.count() == 0


def test_ad_hoc_staffing_refuses_expired_cards_busy_supervisors_and_own_employer(world):
    pm.SupervisorCard.objects.filter(supervisor=world.s1).update(valid_until=TODAY)
    with pytest.raises(ValidationFailed) as exc:
        world.task("dispatched", world.s1)
    assert "有效督导员证卡" in exc.value.message
    world.task("dispatched", world.s2)
    with pytest.raises(ValidationFailed) as exc:
        world.task(
            "dispatched",
            world.s2,
            starts_at=local(world.b1.starts_at.date(), 12),
            ends_at=local(world.b1.starts_at.date(), 18),
            batch=None,
        )
    assert "已有其他督导任务" in exc.value.message
    world.s3.person.employer = world.institution
    world.s3.person.save()
    with pytest.raises(ValidationFailed) as exc:
        world.task("dispatched", world.s3)
    assert "本人工作单位" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:  # ACT-4
        world.task("dispatched", world.s4, kind="special", items=["1"])
    assert exc.value.code == "act4_reason"


# ---------------------------------------------------------------------------------------- INST-4
def _new_batch(w, day_offset: int = 20):
    day = TODAY + dt.timedelta(days=day_offset)
    return registry_services.batch_create(
        actor=w.inst_admin,
        institution=w.institution,
        occupation=w.welder,
        levels=[4],
        starts_at=local(day, 9),
        ends_at=local(day, 17),
        venue=w.venue,
    )


def test_suspension_blocks_new_batches_until_lifted(world):
    _new_batch(world)  # allowed while the filing is active
    penalty = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="suspension",
        ground="refused_documents",
        description="拒绝提供考务资料",
    )
    world.filing.refresh_from_db()
    assert (penalty.filing_id, world.filing.status) == (world.filing.pk, "suspended")
    assert "暂停评价工作" in world.filing.status_reason
    with pytest.raises(ValidationFailed) as exc:  # INST-3
        _new_batch(world, 21)
    assert exc.value.code == "out_of_scope"
    assert "暂停" in exc.value.message
    public = selectors.penalty_list(world.inst_admin)
    assert list(public) == [penalty]
    services.penalty_lift(
        actor=world.auth_admin,
        penalty=penalty,
        reason="已整改到位",
        row_version=current_version(penalty, Penalty),
    )
    world.filing.refresh_from_db()
    assert world.filing.status == "active"
    assert Penalty.objects.get().status == "lifted"
    _new_batch(world, 22)
    with pytest.raises(IllegalTransition):
        services.penalty_lift(
            actor=world.auth_admin,
            penalty=penalty,
            reason="再次",
            row_version=current_version(penalty, Penalty),
        )


def test_revocation_terminates_the_filing_for_good(world):
    penalty = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="revocation",
        ground="falsification",
        description="伪造成绩",
        serious=True,  # INST-4: straight to revocation only when serious
        serious_reason="伪造成绩,情节严重",
    )
    world.filing.refresh_from_db()
    assert world.filing.status == "terminated"
    with pytest.raises(IllegalTransition):
        services.penalty_lift(
            actor=world.auth_staff, penalty=penalty, reason="x", row_version=current_version(penalty, Penalty)
        )
    with pytest.raises(ValidationFailed):
        _new_batch(world)
    # Nothing left to suspend: a further suspension is refused and changes nothing.
    before = counts()
    with pytest.raises(ValidationFailed):
        services.penalty_impose(
            actor=world.auth_staff,
            institution=world.institution,
            kind="suspension",
            ground="other",
            description="x",
        )
    assert counts() == before


def test_penalties_are_the_authoritys_and_scoped(world):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.penalty_impose(
            actor=world.inst_admin,
            institution=world.institution,
            kind="public_criticism",
            ground="other",
            description="x",
        )
    with pytest.raises(NotFound):
        services.penalty_impose(
            actor=world.auth_staff,
            institution=world.other_institution,
            kind="suspension",
            ground="other",
            description="x",
        )
    assert counts() == before
    assert rm.Filing.objects.get(institution=world.other_institution).status == "active"


# --------------------------------------------------------------------------------- SUP-9 / SUP-5
def test_renewal_needs_a_passing_assessment_and_stops_after_three_terms(world):
    sup = world.s1
    supervisor_contract_add(actor=world.auth_admin, supervisor=sup, starts_on=dt.date(2020, 1, 1))
    with pytest.raises(IllegalTransition) as exc:
        services.supervisor_renew(actor=world.auth_admin, supervisor=sup)
    assert exc.value.code == "assessment_required"
    services.assessment_decide(actor=world.auth_admin, supervisor=sup, year=TODAY.year - 1, decision="keep")
    second = services.supervisor_renew(actor=world.auth_admin, supervisor=sup)
    assert (second.term_no, second.starts_on) == (2, dt.date(2023, 1, 1))
    third = services.supervisor_renew(actor=world.auth_admin, supervisor=sup)
    assert third.term_no == 3
    with pytest.raises(IllegalTransition) as exc:  # SUP-5: 不得超过三届
        services.supervisor_renew(actor=world.auth_admin, supervisor=sup)
    assert exc.value.code == "max_terms"
    assert pm.SupervisorContract.objects.filter(supervisor=sup).count() == 3


def test_not_renew_blocks_renewal_and_revoke_card_revokes(world):
    supervisor_contract_add(actor=world.auth_admin, supervisor=world.s2, starts_on=dt.date(2024, 1, 1))
    with pytest.raises(ValidationFailed):  # a negative decision needs its reasons
        services.assessment_decide(
            actor=world.auth_admin, supervisor=world.s2, year=TODAY.year, decision="not_renew"
        )
    a = services.assessment_decide(
        actor=world.auth_admin,
        supervisor=world.s2,
        year=TODAY.year,
        decision="not_renew",
        note="报告多次逾期",
    )
    assert a.metrics == {
        "tasks": 0,
        "reports": 0,
        "reports_on_time": 0,
        "on_time_rate": None,
        "declines": 0,
        "unjustified_declines": 0,
        "ratings": 0,
        "rating_average": None,
        "misconduct": 0,
        "surveys": 0,  # QUAL-4 → SUP-9
        "survey_answers": 0,
        "survey_average": None,
    }
    with pytest.raises(IllegalTransition) as exc:
        services.supervisor_renew(actor=world.auth_admin, supervisor=world.s2)
    assert exc.value.code == "not_renewable"
    with pytest.raises(Conflict):
        services.assessment_decide(
            actor=world.auth_admin, supervisor=world.s2, year=TODAY.year, decision="keep"
        )
    services.assessment_decide(
        actor=world.auth_admin,
        supervisor=world.s3,
        year=TODAY.year,
        decision="revoke_card",
        note="不履行职责",
    )
    world.s3.refresh_from_db()
    assert world.s3.status == "revoked"
    assert list(world.s3.cards.values_list("status", flat=True)) == ["revoked"]
    with pytest.raises(NotFound):  # an external supervisor is outside an institution's scope
        services.assessment_decide(
            actor=world.inst_admin, supervisor=world.s4, year=TODAY.year, decision="keep"
        )


def test_sending_a_preliminary_opinion_before_one_exists_is_an_illegal_transition(world):
    """A freshly dispatched task has no preliminary opinion: a clear refusal, not a server error."""
    task = world.task("dispatched", world.s1)
    before = counts()
    with pytest.raises(IllegalTransition):
        services.preliminary_opinion_send(
            actor=world.auth_staff, task=task, row_version=current_version(task, SupervisionTask)
        )
    assert counts() == before
    task.refresh_from_db()
    assert task.status == SupervisionTask.Status.DISPATCHED
