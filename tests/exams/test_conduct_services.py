"""Examiner conduct services (EXAM-10, EXAM-19): attendance recording and excuse, proposals raised from
attendance (at the boundary, idempotently), by hand and by a live supervisor, the authority's decision
(revocation through the people app), the appeal; the permission matrix per role with nothing changed on
denial; illegal transitions refused."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.exams import services as exam_services
from dudao.exams.models import (
    ExaminerAttendance,
    ExamRoom,
    ExamSession,
    RoomStaff,
    SanctionAppeal,
    SanctionProposal,
)
from dudao.exams.services import conduct as services
from dudao.people.models import CardStatus, ExaminerCard
from dudao.supervision.models import SupervisionTask, TaskMember
from tests import factories as f
from tests.exams.test_assignment_services import examiner as pool_examiner  # noqa: F401
from tests.exams.test_assignment_services import world  # noqa: F401
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db
P = SanctionProposal


@pytest.fixture
def subject(users):
    """The examiner account whose conduct is recorded."""
    return users[Role.EXAMINER]


@pytest.fixture
def duties(plan, subject):
    """Five theory sessions on EXAM_DAY (08:00, 10:00 … 16:00), one room each, the examiner on each."""
    rows = []
    for i, hour in enumerate((8, 10, 12, 14, 16)):
        session = ExamSession.objects.create(
            plan=plan,
            subject="theory",
            level=4,
            starts_at=fx.at(fx.EXAM_DAY, hour),
            ends_at=fx.at(fx.EXAM_DAY, hour, 50),
        )
        room = ExamRoom.objects.create(session=session, name=f"第{i + 1:02d}考场", capacity=5)
        rows.append(RoomStaff.objects.create(room=room, examiner=subject.person.examiner))
    return rows


@pytest.fixture
def on_exam_day(time_machine):
    time_machine.move_to(fx.at(fx.EXAM_DAY, 17))


@pytest.fixture
def leader(plan, authority):
    """The batch's 考评组长 with an examiner account."""
    examiner = f.ExaminerFactory(authority=authority)
    plan.batch.team_leader = examiner
    plan.batch.save(update_fields=["team_leader"])
    return f.UserFactory(username="leader", role=Role.EXAMINER, person=examiner.person)


def supervise(plan, person, *, response=TaskMember.Response.ACCEPTED, active=True, number="T-1"):
    task = SupervisionTask.objects.create(
        number=number,
        authority=plan.batch.filing.authority,
        institution=plan.batch.institution,
        batch=plan.batch,
        kind="daily",
        supervisor_kind="external",
        starts_at=plan.batch.starts_at,
        ends_at=plan.batch.ends_at,
        report_due_on=fx.EXAM_DAY,
        dispatched_at=timezone.now(),
    )
    TaskMember.objects.create(
        task=task, supervisor=person.supervisor_roles.first(), response=response, active=active
    )
    return task


def state():
    return (
        list(ExaminerAttendance.objects.order_by("id").values_list("status", "late_minutes", "excused")),
        list(P.objects.order_by("id").values_list("status", "sanction", "key")),
        SanctionAppeal.objects.count(),
        AuditEvent.objects.count(),
    )


def absent(actor, *rows):
    for row in rows:
        services.attendance_record(actor=actor, duty=row, status="absent")


# ------------------------------------------------------------------------------------------ attendance


def test_staff_record_present_late_absent(duties, inst_admin, users, on_exam_day):
    staff = users[Role.INSTITUTION_STAFF]
    services.attendance_record(actor=staff, duty=duties[0], status="present")
    late = services.attendance_record(actor=staff, duty=duties[1], status="late", late_minutes="12")
    assert (late.status, late.late_minutes, late.recorded_by) == ("late", 12, staff)
    services.attendance_record(actor=staff, duty=duties[2], status="absent")
    assert AuditEvent.objects.filter(action="exams.examiner_attendance.record").count() == 3
    # a correction until excused
    services.attendance_record(actor=staff, duty=duties[2], status="late", late_minutes=5)
    assert ExaminerAttendance.objects.get(duty=duties[2]).late_minutes == 5


@pytest.mark.parametrize(
    ("status", "minutes", "field"),
    [
        ("gone", 0, "status"),
        ("late", 0, "late_minutes"),
        ("late", 601, "late_minutes"),
        ("late", "x", "late_minutes"),
    ],
)
def test_bad_attendance_is_refused_nothing_written(duties, inst_admin, on_exam_day, status, minutes, field):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.attendance_record(actor=inst_admin, duty=duties[0], status=status, late_minutes=minutes)
    assert field in exc.value.detail
    assert state() == before


def test_late_minutes_bounds_accepted(duties, inst_admin, on_exam_day):
    assert (
        services.attendance_record(
            actor=inst_admin, duty=duties[0], status="late", late_minutes=1
        ).late_minutes
        == 1
    )
    assert (
        services.attendance_record(
            actor=inst_admin, duty=duties[1], status="late", late_minutes=600
        ).late_minutes
        == 600
    )


def test_not_before_the_exam_day(duties, inst_admin, time_machine):
    time_machine.move_to(fx.at(fx.EXAM_DAY - dt.timedelta(days=1), 23, 59))
    with pytest.raises(IllegalTransition):
        services.attendance_record(actor=inst_admin, duty=duties[0], status="present")
    time_machine.move_to(fx.at(fx.EXAM_DAY, 0, 0))
    services.attendance_record(actor=inst_admin, duty=duties[0], status="present")


def test_who_records_attendance(duties, users, leader, subject, on_exam_day, other_institution):
    duty = duties[0]
    stranger = f.UserFactory(username="gd_staff", role=Role.INSTITUTION_STAFF, institution=other_institution)
    colleague = f.ExaminerFactory(authority=subject.person.examiner.authority)
    colleague_user = f.UserFactory(username="colleague", role=Role.EXAMINER, person=colleague.person)
    RoomStaff.objects.create(room=duty.room, examiner=colleague)
    denied = [
        subject,  # his own duty
        colleague_user,  # another examiner of the same room
        users[Role.AUTHORITY_STAFF],
        users[Role.AUTHORITY_ADMIN],
        users[Role.EXTERNAL_SUPERVISOR],
        stranger,
    ]
    for user in denied:
        before = state()
        with pytest.raises(PermissionDenied):
            services.attendance_record(actor=user, duty=duty, status="absent")
        assert state() == before, user
    # the batch's 考评组长 records the others, never himself
    services.attendance_record(actor=leader, duty=duty, status="present")
    lead_duty = RoomStaff.objects.create(room=duty.room, examiner=leader.person.examiner)
    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=leader, duty=lead_duty, status="present")
    services.attendance_record(actor=users[Role.INSTITUTION_STAFF], duty=lead_duty, status="present")
    services.attendance_record(actor=users["superuser"], duty=duties[1], status="present")


def test_excuse_by_the_institution_admin_only(duties, users, inst_admin, on_exam_day):
    services.attendance_record(actor=inst_admin, duty=duties[0], status="absent")
    services.attendance_record(actor=inst_admin, duty=duties[1], status="present")
    for user in (users[Role.INSTITUTION_STAFF], users[Role.AUTHORITY_STAFF], users[Role.EXAMINER]):
        before = state()
        with pytest.raises(PermissionDenied):
            services.attendance_excuse(actor=user, duty=duties[0], reason="病假")
        assert state() == before
    with pytest.raises(ValidationFailed):
        services.attendance_excuse(actor=inst_admin, duty=duties[0], reason=" ")
    with pytest.raises(IllegalTransition):  # nothing to excuse
        services.attendance_excuse(actor=inst_admin, duty=duties[1], reason="病假")
    with pytest.raises(IllegalTransition):  # not recorded
        services.attendance_excuse(actor=inst_admin, duty=duties[2], reason="病假")
    att = services.attendance_excuse(actor=inst_admin, duty=duties[0], reason="事先请假,经机构同意")
    assert (att.excused, att.excuse_reason, att.excused_by) == (True, "事先请假,经机构同意", inst_admin)
    with pytest.raises(IllegalTransition):
        services.attendance_excuse(actor=inst_admin, duty=duties[0], reason="再次")
    with pytest.raises(IllegalTransition):  # an excused record is final
        services.attendance_record(actor=inst_admin, duty=duties[0], status="present")


# ------------------------------------------------------------------------------------------ raising


def test_two_absences_raise_nothing_the_third_raises_once(duties, inst_admin, subject, on_exam_day):
    absent(inst_admin, *duties[:2])
    assert not P.objects.exists()
    absent(inst_admin, duties[2])
    proposal = P.objects.get()
    assert (proposal.ground, proposal.source, proposal.proposed_sanction, proposal.status) == (
        "consecutive_absences",
        "attendance",
        "warning",
        "proposed",
    )
    assert sorted(proposal.duties.values_list("id", flat=True)) == [d.pk for d in duties[:3]]
    assert (
        proposal.examiner == subject.person.examiner and proposal.batch == duties[0].room.session.plan.batch
    )
    assert "第03考场" in proposal.facts
    # idempotent: the same record again, a correction to the same status, a fourth absence
    absent(inst_admin, duties[2], duties[1])
    absent(inst_admin, duties[3])
    assert P.objects.count() == 1
    assert AuditEvent.objects.filter(action="exams.sanction_proposal.raise").count() == 1


def test_an_excused_absence_in_between_breaks_the_run(duties, inst_admin, on_exam_day):
    absent(inst_admin, *duties[:2])
    services.attendance_excuse(actor=inst_admin, duty=duties[1], reason="病假")
    absent(inst_admin, duties[2])
    assert not P.objects.exists()
    absent(inst_admin, duties[3])
    assert not P.objects.exists()  # 1 (then excused 2), 3, 4: only two unexcused in a row
    absent(inst_admin, duties[4])
    assert P.objects.get().duties.count() == 3


def test_often_late_or_absent_at_the_configured_threshold(duties, inst_admin, settings, on_exam_day):
    settings.DUDAO_EXAMINER_OFTEN_LATE_ABSENT_TIMES = "3"
    settings.DUDAO_EXAMINER_OFTEN_LATE_ABSENT_MONTHS = "1"
    services.attendance_record(actor=inst_admin, duty=duties[0], status="late", late_minutes=5)
    services.attendance_record(actor=inst_admin, duty=duties[1], status="present")
    services.attendance_record(actor=inst_admin, duty=duties[2], status="late", late_minutes=5)
    assert not P.objects.exists()  # two: one under the threshold
    absent(inst_admin, duties[3])
    proposal = P.objects.get()
    assert (proposal.ground, proposal.proposed_sanction) == ("often_late_absent", "warning")
    services.attendance_record(actor=inst_admin, duty=duties[4], status="late", late_minutes=1)
    assert P.objects.count() == 1


def test_a_replacement_with_a_reason_is_an_absence(world, inst_admin, time_machine):  # noqa: F811
    plan = world["plan"]
    assignment = exam_services.assignment_generate(actor=inst_admin, plan=plan)
    assignment = exam_services.assignment_publish(
        actor=inst_admin, assignment=assignment, row_version=assignment.row_version
    )
    exam_services.assignment_lock(actor=inst_admin, assignment=assignment, row_version=assignment.row_version)
    staffed = {s.examiner_id for s in RoomStaff.objects.all()}
    spare = next(e for e in world["pool"] if e.pk not in staffed)
    outgoing = RoomStaff.objects.filter(room__name="实操1").first()
    exam_services.staff_replace(actor=inst_admin, staff=outgoing, examiner=spare, reason="突发疾病")
    att = ExaminerAttendance.objects.get(duty=outgoing)
    assert (att.status, att.source, att.excused) == ("absent", "replacement", False)
    time_machine.move_to(fx.at(fx.EXAM_DAY, 17))
    with pytest.raises(IllegalTransition):  # a replaced duty is not recorded again
        services.attendance_record(actor=inst_admin, duty=outgoing, status="present")
    services.attendance_excuse(actor=inst_admin, duty=outgoing, reason="住院,有证明")
    assert ExaminerAttendance.objects.get(duty=outgoing).excused


def test_a_repeat_after_a_confirmed_warning_proposes_public_criticism(
    duties, inst_admin, auth_staff, on_exam_day
):
    absent(inst_admin, *duties[:3])
    first = P.objects.get()
    services.proposal_confirm(
        actor=auth_staff, proposal=first, sanction="warning", reason="属实", row_version=first.row_version
    )
    absent(inst_admin, *duties[3:5])
    extra = RoomStaff.objects.create(
        room=ExamRoom.objects.create(session=duties[4].room.session, name="第99考场", capacity=5),
        examiner=duties[0].examiner,
    )
    absent(inst_admin, extra)
    second = P.objects.exclude(pk=first.pk).get()
    assert second.proposed_sanction == "public_criticism"


# ------------------------------------------------------------------------------------------ by hand


def test_institution_staff_raise_by_hand(duties, users, subject, plan):
    staff = users[Role.INSTITUTION_STAFF]
    examiner = subject.person.examiner
    p = services.proposal_raise(
        actor=staff, examiner=examiner, batch=plan.batch, ground="scoring_rules", facts="未按评分标准评分"
    )
    assert (p.source, p.proposed_sanction, p.key) == ("institution", "public_criticism", None)
    other = services.proposal_raise(
        actor=staff,
        examiner=examiner,
        batch=plan.batch,
        ground="other",
        facts="泄露试题",
        sanction="revocation",
    )
    assert other.proposed_sanction == "revocation"
    before = state()
    for ground, sanction, exc in [
        ("other", "", ValidationFailed),  # other needs a sanction
        ("consecutive_absences", "", ValidationFailed),  # attendance grounds are automatic
        ("disqualification", "", PermissionDenied),  # the supervisor's proposal
        ("bogus", "", ValidationFailed),
    ]:
        with pytest.raises(exc):
            services.proposal_raise(
                actor=staff,
                examiner=examiner,
                batch=plan.batch,
                ground=ground,
                facts="事实",
                sanction=sanction,
            )
    with pytest.raises(ValidationFailed):
        services.proposal_raise(
            actor=staff, examiner=examiner, batch=plan.batch, ground="scoring_rules", facts=" "
        )
    stranger = f.ExaminerFactory(authority=examiner.authority)
    with pytest.raises(ValidationFailed):  # did not serve the batch
        services.proposal_raise(
            actor=staff, examiner=stranger, batch=plan.batch, ground="scoring_rules", facts="事实"
        )
    assert state() == before


@pytest.mark.parametrize(
    ("response", "active", "allowed"),
    [
        (TaskMember.Response.ACCEPTED, True, True),
        (TaskMember.Response.PENDING, True, True),
        (TaskMember.Response.DECLINED, True, False),
        (TaskMember.Response.ACCEPTED, False, False),  # replaced
        (None, None, False),  # no task on this batch
    ],
)
def test_a_supervisor_live_on_the_task_proposes_disqualification(
    duties, users, subject, plan, response, active, allowed
):
    sup = users[Role.EXTERNAL_SUPERVISOR]
    if response is not None:
        supervise(plan, sup.person, response=response, active=active)
    call = lambda: services.proposal_raise(  # noqa: E731
        actor=sup,
        examiner=subject.person.examiner,
        batch=plan.batch,
        ground="disqualification",
        facts="多次暗示考生",
    )
    if allowed:
        p = call()
        assert (p.source, p.proposed_sanction, p.proposed_by) == ("supervisor", "revocation", sup)
    else:
        before = state()
        with pytest.raises(PermissionDenied):
            call()
        assert state() == before


def test_a_supervisor_may_not_raise_other_grounds_but_may_report_facts(duties, users, subject, plan):
    sup = users[Role.EXTERNAL_SUPERVISOR]
    supervise(plan, sup.person)
    with pytest.raises(PermissionDenied):
        services.proposal_raise(
            actor=sup,
            examiner=subject.person.examiner,
            batch=plan.batch,
            ground="other",
            facts="x",
            sanction="warning",
        )
    p = services.proposal_raise(
        actor=sup,
        examiner=subject.person.examiner,
        batch=plan.batch,
        ground="refused_supervision",
        facts="拒绝检查",
    )
    assert p.source == "supervisor"


def test_others_may_not_raise(duties, users, subject, plan, leader):
    for user in (users[Role.AUTHORITY_STAFF], subject, leader, users[Role.INTERNAL_SUPERVISOR]):
        with pytest.raises(PermissionDenied):
            services.proposal_raise(
                actor=user,
                examiner=subject.person.examiner,
                batch=plan.batch,
                ground="scoring_rules",
                facts="x",
            )
    assert not P.objects.exists()


# ------------------------------------------------------------------------------------------ deciding


@pytest.fixture
def proposal(duties, inst_admin, on_exam_day):
    absent(inst_admin, *duties[:3])
    return P.objects.get()


def test_the_authority_of_the_region_confirms(proposal, auth_staff, subject):
    card = ExaminerCard.objects.create(
        examiner=subject.person.examiner,
        number="KP-1",
        issued_on=dt.date(2025, 1, 1),
        valid_until=dt.date(2028, 1, 1),
    )
    p = services.proposal_confirm(
        actor=auth_staff,
        proposal=proposal,
        sanction="public_criticism",
        reason="情况属实",
        row_version=proposal.row_version,
    )
    assert (p.status, p.sanction, p.decided_by, p.decision_reason) == (
        "confirmed",
        "public_criticism",
        auth_staff,
        "情况属实",
    )
    card.refresh_from_db()
    assert card.status == CardStatus.VALID  # only revocation touches the card
    assert AuditEvent.objects.filter(action="exams.sanction_proposal.confirm").count() == 1


def test_revocation_revokes_the_card_and_takes_the_examiner_off_the_register(proposal, auth_staff, subject):
    examiner = subject.person.examiner
    card = ExaminerCard.objects.create(
        examiner=examiner, number="KP-1", issued_on=dt.date(2025, 1, 1), valid_until=dt.date(2028, 1, 1)
    )
    services.proposal_confirm(
        actor=auth_staff,
        proposal=proposal,
        sanction="revocation",
        reason="情节严重",
        row_version=proposal.row_version,
    )
    card.refresh_from_db()
    examiner.refresh_from_db()
    assert (card.status, examiner.is_active) == (CardStatus.REVOKED, False)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"people.examiner_card.status_revoked", "people.examiner.status_inactive"} <= actions


def test_deciders_and_nothing_changed_on_denial(proposal, users, inst_admin, subject, other_authority, plan):
    gd = f.UserFactory(username="gd_auth", role=Role.AUTHORITY_STAFF, authority=other_authority)
    sup = users[Role.EXTERNAL_SUPERVISOR]
    supervise(plan, sup.person)
    for user in (inst_admin, users[Role.INSTITUTION_STAFF], subject, gd, sup):
        before = state()
        with pytest.raises(PermissionDenied):
            services.proposal_confirm(
                actor=user,
                proposal=proposal,
                sanction="warning",
                reason="x",
                row_version=proposal.row_version,
            )
        with pytest.raises(PermissionDenied):
            services.proposal_dismiss(
                actor=user, proposal=proposal, reason="x", row_version=proposal.row_version
            )
        assert state() == before, user


def test_bad_decisions_are_refused(proposal, auth_staff):
    before = state()
    with pytest.raises(ValidationFailed):
        services.proposal_confirm(
            actor=auth_staff, proposal=proposal, sanction="fine", reason="x", row_version=proposal.row_version
        )
    with pytest.raises(ValidationFailed):
        services.proposal_confirm(
            actor=auth_staff,
            proposal=proposal,
            sanction="warning",
            reason=" ",
            row_version=proposal.row_version,
        )
    with pytest.raises(ValidationFailed):
        services.proposal_dismiss(
            actor=auth_staff, proposal=proposal, reason="", row_version=proposal.row_version
        )
    with pytest.raises(Conflict):
        services.proposal_dismiss(
            actor=auth_staff, proposal=proposal, reason="x", row_version=proposal.row_version + 1
        )
    assert state() == before


def test_illegal_transitions_are_refused(proposal, auth_staff):
    p = services.proposal_dismiss(
        actor=auth_staff, proposal=proposal, reason="已请假,未及时登记", row_version=proposal.row_version
    )
    assert (p.status, p.sanction) == ("dismissed", "")
    before = state()
    with pytest.raises(IllegalTransition):
        services.proposal_confirm(
            actor=auth_staff, proposal=p, sanction="warning", reason="x", row_version=p.row_version
        )
    with pytest.raises(IllegalTransition):
        services.proposal_dismiss(actor=auth_staff, proposal=p, reason="x", row_version=p.row_version)
    assert state() == before


def test_revocation_needs_the_authority_managing_the_examiner(proposal, auth_staff, subject, other_authority):
    examiner = subject.person.examiner
    examiner.authority = other_authority
    examiner.save(update_fields=["authority"])
    before = state()
    with pytest.raises(PermissionDenied):
        services.proposal_confirm(
            actor=auth_staff,
            proposal=proposal,
            sanction="revocation",
            reason="x",
            row_version=proposal.row_version,
        )
    assert state() == before
    services.proposal_confirm(
        actor=auth_staff, proposal=proposal, sanction="warning", reason="x", row_version=proposal.row_version
    )


# ------------------------------------------------------------------------------------------ appeal


def test_the_examiner_appeals_once(proposal, subject, users, auth_staff):
    for user in (users[Role.INSTITUTION_ADMIN], auth_staff, users[Role.EXTERNAL_SUPERVISOR]):
        with pytest.raises(PermissionDenied):
            services.appeal_file(actor=user, proposal=proposal, text="x")
    with pytest.raises(ValidationFailed):
        services.appeal_file(actor=subject, proposal=proposal, text="  ")
    appeal = services.appeal_file(actor=subject, proposal=proposal, text="当天持病假条,已电话告知")
    assert (appeal.filed_by, appeal.proposal) == (subject, proposal)
    with pytest.raises(Conflict):
        services.appeal_file(actor=subject, proposal=proposal, text="再次申诉")
    assert SanctionAppeal.objects.count() == 1


def test_appeal_after_a_sanction_but_not_after_dismissal(proposal, subject, auth_staff):
    p = services.proposal_dismiss(
        actor=auth_staff, proposal=proposal, reason="不予处理", row_version=proposal.row_version
    )
    with pytest.raises(IllegalTransition):
        services.appeal_file(actor=subject, proposal=p, text="x")


def test_the_often_setting_is_checked_at_settings_load():
    env = {
        **os.environ,
        "DUDAO_EXAMINER_OFTEN_LATE_ABSENT_TIMES": "1",
        "DJANGO_SETTINGS_MODULE": "dudao.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "DUDAO_EXAMINER_OFTEN_LATE_ABSENT" in result.stderr
    env["DUDAO_EXAMINER_OFTEN_LATE_ABSENT_TIMES"] = "2"
    ok = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, check=False
    )
    assert ok.returncode == 0, ok.stderr


def test_not_found_outside_scope_is_the_selectors_job(proposal, other_authority):
    from dudao.exams.selectors_conduct import proposal_get

    gd = f.UserFactory(username="gd_auth", role=Role.AUTHORITY_STAFF, authority=other_authority)
    with pytest.raises(NotFound):
        proposal_get(gd, proposal.pk)


def test_a_team_leader_does_not_read_the_proposals_his_recording_raised(duties, leader, subject, on_exam_day):
    from dudao.exams.selectors_conduct import proposals_for

    absent(leader, *duties[:3])
    proposal = P.objects.get()
    assert proposal.proposed_by == leader
    assert not proposals_for(leader).exists()
    assert list(proposals_for(subject)) == [proposal]
