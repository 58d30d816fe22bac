"""The assignment in the product: scenario from the records, frozen with a committed seed, verifiable with
the pure solver, published (room duties), locked (the batch's team), replaced one by one with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.common.errors import IllegalTransition, PermissionDenied, ValidationFailed
from dudao.exams import services
from dudao.exams.domain import assignment as solver
from dudao.exams.models import RoomAssignment, RoomStaff
from dudao.people.models import ExaminerCard, ExaminerCardScope, Relation
from dudao.registry.models import Batch
from tests import factories as f
from tests.clock import TODAY
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db


def examiner(authority, n, occupation, *, senior=False, valid_until=dt.date(2028, 1, 1), levels=(4, 2)):
    e = f.ExaminerFactory(authority=authority, senior=senior)
    card = ExaminerCard.objects.create(
        examiner=e, number=f"KP{n:06d}", issued_on=dt.date(2025, 1, 1), valid_until=valid_until
    )
    ExaminerCardScope.objects.create(card=card, occupation=occupation, levels=list(levels))
    return e


@pytest.fixture
def world(plan, inst_admin, auth_staff, authority):
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in range(1, 5)]
    theory = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    practical = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "practical",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 13),
            "ends_at": fx.at(fx.EXAM_DAY, 17),
        },
    )
    services.room_create(actor=inst_admin, session=theory, values={"name": "理论1", "capacity": 30})
    services.room_create(
        actor=inst_admin, session=practical, values={"name": "实操1", "capacity": 10, "ratio": 5}
    )
    services.seats_assign(actor=inst_admin, plan=plan)
    occupation = plan.batch.occupation
    pool = [examiner(authority, n, occupation) for n in range(1, 7)]
    return {"regs": regs, "pool": pool, "plan": plan}


def test_scenario_from_the_records_and_verifiable(world, inst_admin):
    plan = world["plan"]
    assignment = services.assignment_generate(actor=inst_admin, plan=plan)
    assert assignment.status == "frozen"
    ok, reasons = solver.verify(assignment.scenario, assignment.seed, assignment.result)
    assert (ok, reasons) == (True, [])
    assert assignment.seed_commitment == solver.solve(assignment.scenario, assignment.seed)["seed_commitment"]
    rooms = {
        room["id"]: len(room["candidates"]) for s in assignment.scenario["sessions"] for room in s["rooms"]
    }
    assert sorted(rooms.values()) == [4, 4]
    sizes = sorted(len(v) for v in assignment.result["assignments"].values())
    assert sizes == [2, 3]  # theory: max(2, ceil(4/15)); practical: odd ≥ max(3, ceil(4/5)) (EXAM-13)


def test_declared_relation_and_supervisor_are_in_the_scenario(world, inst_admin, users):
    plan = world["plan"]
    pool = world["pool"]
    Relation.objects.create(
        person=pool[0].person, kind="relative", other_person=world["regs"][0].person, declared_on=TODAY
    )
    scenario = services.build_scenario(plan)
    assert {"examiner": f"e{pool[0].pk}", "candidate": f"c{world['regs'][0].pk}"} in scenario["relations"]
    from dudao.people.models import Supervisor
    from dudao.supervision.models import SupervisionTask, TaskMember

    sup = Supervisor.objects.create(
        person=pool[1].person, kind="external", authority=plan.batch.filing.authority
    )
    task = SupervisionTask.objects.create(
        number="T-9",
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
    TaskMember.objects.create(task=task, supervisor=sup)
    assert services.build_scenario(plan)["supervisors"] == [f"e{pool[1].pk}"]  # SUP-8
    result = services.assignment_generate(actor=inst_admin, plan=plan).result
    staffed = {e for ids in result["assignments"].values() for e in ids}
    assert f"e{pool[1].pk}" not in staffed


def test_previous_teams_of_the_station(world, inst_admin):
    plan = world["plan"]
    pool = world["pool"]
    batch = plan.batch
    for days, team in ((30, pool[:2]), (60, pool[:3]), (90, pool[:1])):
        prior = Batch.objects.create(
            code=f"PRIOR-{days}",
            institution=batch.institution,
            filing=batch.filing,
            occupation=batch.occupation,
            levels=[4],
            starts_at=batch.starts_at - dt.timedelta(days=days),
            ends_at=batch.starts_at - dt.timedelta(days=days) + dt.timedelta(hours=4),
            venue=batch.venue,
            status="completed",
        )
        prior.examiners.set(team)
    teams = services.build_scenario(plan)["previous_teams"]
    assert teams == [
        sorted(f"e{e.pk}" for e in pool[:2]),
        sorted(f"e{e.pk}" for e in pool[:3]),
        [f"e{pool[0].pk}"],
    ]
    result = services.assignment_generate(actor=inst_admin, plan=plan).result
    assert f"e{pool[0].pk}" not in result["team"]  # served in each of the last three teams (EXAM-5)


def test_publish_lock_and_replace(world, inst_admin, users, authority):
    plan = world["plan"]
    assignment = services.assignment_generate(actor=inst_admin, plan=plan)
    with pytest.raises(PermissionDenied):
        services.assignment_publish(
            actor=users[Role.INSTITUTION_STAFF], assignment=assignment, row_version=assignment.row_version
        )
    assignment = services.assignment_publish(
        actor=inst_admin, assignment=assignment, row_version=assignment.row_version
    )
    assert RoomStaff.objects.count() == 5
    with pytest.raises(IllegalTransition):  # replace only after locking
        services.staff_replace(
            actor=inst_admin, staff=RoomStaff.objects.first(), examiner=world["pool"][0], reason="病假"
        )
    assignment = services.assignment_lock(
        actor=inst_admin, assignment=assignment, row_version=assignment.row_version
    )
    assert sorted(plan.batch.examiners.values_list("pk", flat=True)) == sorted(
        int(e[1:]) for e in assignment.result["team"]
    )
    with pytest.raises(IllegalTransition):
        services.assignment_generate(actor=inst_admin, plan=plan)
    staffed = {s.examiner_id for s in RoomStaff.objects.all()}
    spare = next(e for e in world["pool"] if e.pk not in staffed)
    outgoing = RoomStaff.objects.filter(room__name="实操1").first()
    with pytest.raises(ValidationFailed):
        services.staff_replace(actor=inst_admin, staff=outgoing, examiner=spare, reason="")
    new = services.staff_replace(actor=inst_admin, staff=outgoing, examiner=spare, reason="突发疾病")
    outgoing.refresh_from_db()
    assert (outgoing.replaced_by, outgoing.replace_reason, new.examiner) == (new, "突发疾病", spare)


def test_replacement_must_meet_the_constraints(world, inst_admin, authority):
    plan = world["plan"]
    assignment = services.assignment_generate(actor=inst_admin, plan=plan)
    assignment = services.assignment_publish(
        actor=inst_admin, assignment=assignment, row_version=assignment.row_version
    )
    services.assignment_lock(actor=inst_admin, assignment=assignment, row_version=assignment.row_version)
    expired = examiner(authority, 99, plan.batch.occupation, valid_until=fx.EXAM_DAY - dt.timedelta(days=1))
    outgoing = RoomStaff.objects.filter(room__name="实操1").first()
    with pytest.raises(ValidationFailed) as exc:  # EXAM-2: the card ended the day before the exam
        services.staff_replace(actor=inst_admin, staff=outgoing, examiner=expired, reason="病假")
    assert "证卡" in exc.value.message
    on_the_day = examiner(authority, 98, plan.batch.occupation, valid_until=fx.EXAM_DAY)
    services.staff_replace(actor=inst_admin, staff=outgoing, examiner=on_the_day, reason="病假")


def test_lock_before_the_exam_only(world, inst_admin, time_machine):
    plan = world["plan"]
    assignment = services.assignment_generate(actor=inst_admin, plan=plan)
    assignment = services.assignment_publish(
        actor=inst_admin, assignment=assignment, row_version=assignment.row_version
    )
    time_machine.move_to(plan.batch.starts_at)
    with pytest.raises(IllegalTransition):
        services.assignment_lock(actor=inst_admin, assignment=assignment, row_version=assignment.row_version)
    time_machine.move_to(plan.batch.starts_at - dt.timedelta(seconds=1))
    assert (
        services.assignment_lock(
            actor=inst_admin, assignment=assignment, row_version=assignment.row_version
        ).status
        == "locked"
    )


def test_unstaffable_room_blocks_publication(plan, inst_admin, auth_staff, authority):
    fx.approve(fx.register(plan, 1), inst_admin, auth_staff)
    session = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "practical",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    services.room_create(actor=inst_admin, session=session, values={"name": "实操1", "capacity": 10})
    services.seats_assign(actor=inst_admin, plan=plan)
    examiner(authority, 1, plan.batch.occupation)  # one examiner for a room needing three
    assignment = services.assignment_generate(actor=inst_admin, plan=plan)
    assert [u["counts"]["需要"] for u in assignment.result["unassigned"]] == [3]
    with pytest.raises(ValidationFailed):
        services.assignment_publish(
            actor=inst_admin, assignment=assignment, row_version=assignment.row_version
        )
    assert RoomAssignment.objects.get().status == "frozen" and not RoomStaff.objects.exists()


def test_assignment_pages_and_api(world, inst_admin, users, auth_staff):
    from django.urls import reverse

    from tests.conftest import client_for

    plan = world["plan"]
    admin = client_for(inst_admin)
    staff = client_for(users[Role.INSTITUTION_STAFF])
    assert staff.post(reverse("exams:assignment_generate", args=[plan.pk])).status_code == 403
    admin.post(reverse("exams:assignment_generate", args=[plan.pk]))
    assignment = RoomAssignment.objects.get()
    api = admin.get(f"/api/v1/exams/plans/{plan.pk}/assignment").json()
    assert api["seed"] is None and api["seed_commitment"] == assignment.seed_commitment  # committed, hidden
    page = admin.get(reverse("exams:arrangement", args=[plan.pk])).content.decode()
    assert assignment.seed_commitment in page and assignment.seed not in page
    admin.post(
        reverse("exams:assignment_step", args=[plan.pk, "published"]), {"row_version": assignment.row_version}
    )
    api = client_for(auth_staff).get(f"/api/v1/exams/plans/{plan.pk}/assignment").json()
    assert api["status"] == "published" and api["seed"] == assignment.seed
    scenario = client_for(auth_staff).get(f"/api/v1/exams/plans/{plan.pk}/assignment/scenario").json()
    assert solver.verify(scenario, api["seed"], api["result"]) == (True, [])
    examiner_user = users[Role.EXAMINER]
    serves = RoomStaff.objects.filter(examiner__person=examiner_user.person).exists()
    answer = client_for(examiner_user).get(f"/api/v1/exams/plans/{plan.pk}/assignment")
    assert answer.status_code == (200 if serves else 404)  # an examiner sees the plan where he serves
    RoomStaff.objects.filter(examiner__person=examiner_user.person).delete()
    assert client_for(examiner_user).get(f"/api/v1/exams/plans/{plan.pk}/assignment").status_code == 404


def test_arrangement_changes_drop_a_frozen_assignment_and_stop_at_publication(world, inst_admin):
    plan = world["plan"]
    session = plan.sessions.get(subject="theory")
    services.assignment_generate(actor=inst_admin, plan=plan)
    services.room_create(actor=inst_admin, session=session, values={"name": "理论2", "capacity": 30})
    assert not RoomAssignment.objects.exists()  # it no longer fitted the rooms: generate again
    assignment = services.assignment_generate(actor=inst_admin, plan=plan)
    services.assignment_publish(actor=inst_admin, assignment=assignment, row_version=assignment.row_version)
    with pytest.raises(IllegalTransition):
        services.room_create(actor=inst_admin, session=session, values={"name": "理论3", "capacity": 30})
    with pytest.raises(IllegalTransition):
        services.seats_assign(actor=inst_admin, plan=plan)


def test_a_published_assignment_is_not_drawn_again(world, inst_admin):
    plan = world["plan"]
    assignment = services.assignment_generate(actor=inst_admin, plan=plan)
    again = services.assignment_generate(actor=inst_admin, plan=plan)  # unpublished: may be drawn again
    assert again.seed_commitment != assignment.seed_commitment
    services.assignment_publish(actor=inst_admin, assignment=again, row_version=again.row_version)
    with pytest.raises(IllegalTransition):
        services.assignment_generate(actor=inst_admin, plan=plan)
    assert RoomAssignment.objects.get().seed_commitment == again.seed_commitment
