"""The staffing after generation: SUP-8 checked again at publishing and locking (the published team is the
batch's examiners, so supervision refuses them); seat swaps and replacements re-check the room's staff
(EXAM-4 relations, EXAM-13/EXAM-7 counts); EXAM-5 skips batches that recorded no team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.common.errors import Conflict, ValidationFailed
from dudao.exams import services
from dudao.exams.domain.assignment_check import check
from dudao.exams.domain.assignment_scenario import parse_scenario
from dudao.exams.models import RoomAssignment, RoomStaff, Seat
from dudao.people.models import Relation, Supervisor
from dudao.registry.models import Batch
from dudao.supervision.models import SupervisionTask, TaskMember
from dudao.supervision.services.tasks import eligibility_problems
from tests.clock import TODAY
from tests.exams.test_assignment_services import examiner
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_rooms(plan, inst_admin, auth_staff, authority):
    """Four level-4 candidates in one theory session: room A (2 seats) and room B (30 seats), 2 each;
    six examiners in the pool."""
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in range(1, 5)]
    session = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": 4,
            "starts_at": fx.at(fx.EXAM_DAY, 9),
            "ends_at": fx.at(fx.EXAM_DAY, 11),
        },
    )
    a = services.room_create(actor=inst_admin, session=session, values={"name": "A", "capacity": 2})
    b = services.room_create(actor=inst_admin, session=session, values={"name": "B", "capacity": 30})
    services.seats_assign(actor=inst_admin, plan=plan)
    pool = [examiner(authority, n, plan.batch.occupation) for n in range(1, 7)]
    return {"plan": plan, "regs": regs, "a": a, "b": b, "pool": pool, "session": session}


def publish(plan, actor):
    assignment = services.assignment_generate(actor=actor, plan=plan)
    return services.assignment_publish(actor=actor, assignment=assignment, row_version=assignment.row_version)


def supervise(plan, person, *, response=TaskMember.Response.PENDING, active=True, n=1):
    """Put `person` on a supervision task for the plan's batch, straight in the tables (as a race would)."""
    batch = plan.batch
    sup = Supervisor.objects.filter(person=person, kind="external").first() or Supervisor.objects.create(
        person=person, kind="external", authority=batch.filing.authority
    )
    task = SupervisionTask.objects.create(
        number=f"T-{n}",
        authority=batch.filing.authority,
        institution=batch.institution,
        batch=batch,
        kind="daily",
        supervisor_kind="external",
        starts_at=batch.starts_at,
        ends_at=batch.ends_at,
        report_due_on=fx.EXAM_DAY,
        dispatched_at=timezone.now(),
    )
    return TaskMember.objects.create(task=task, supervisor=sup, response=response, active=active), sup


def staffed(plan):
    return sorted(RoomStaff.objects.filter(room__session__plan=plan).values_list("examiner_id", flat=True))


# ------------------------------------------------------------------------------------------- SUP-8


def test_the_published_team_is_the_batchs_and_supervision_refuses_it_sup8(two_rooms, inst_admin):
    plan = two_rooms["plan"]
    assignment = publish(plan, inst_admin)
    team = sorted(int(e[1:]) for e in assignment.result["team"])
    assert sorted(plan.batch.examiners.values_list("pk", flat=True)) == team  # before locking
    member = next(e for e in two_rooms["pool"] if e.pk in team)
    sup = Supervisor.objects.create(
        person=member.person, kind="external", authority=plan.batch.filing.authority
    )
    problems = eligibility_problems(
        sup,
        institution=plan.batch.institution,
        batch=plan.batch,
        supervisor_kind="external",
        starts_at=plan.batch.starts_at,
        ends_at=plan.batch.ends_at,
    )
    assert "督导员是本场次考评人员,不能兼任" in problems


def test_a_supervisor_added_after_generation_blocks_publication_sup8(two_rooms, inst_admin):
    plan = two_rooms["plan"]
    assignment = services.assignment_generate(actor=inst_admin, plan=plan)
    member = next(e for e in two_rooms["pool"] if f"e{e.pk}" in assignment.result["team"])
    supervise(plan, member.person)
    with pytest.raises(ValidationFailed) as exc:
        services.assignment_publish(
            actor=inst_admin, assignment=assignment, row_version=assignment.row_version
        )
    assert member.person.name in exc.value.message
    assert RoomAssignment.objects.get().status == "frozen" and not RoomStaff.objects.exists()
    assert not plan.batch.examiners.exists()
    again = services.assignment_generate(actor=inst_admin, plan=plan)  # drawn again without him
    assert f"e{member.pk}" not in again.result["team"]
    services.assignment_publish(actor=inst_admin, assignment=again, row_version=again.row_version)


@pytest.mark.parametrize(
    ("response", "active", "blocks"),
    [
        (TaskMember.Response.ACCEPTED, True, True),
        (TaskMember.Response.PENDING, True, True),
        (TaskMember.Response.DECLINED, True, False),  # declined: not a supervisor of the batch
        (TaskMember.Response.ACCEPTED, False, False),  # replaced
    ],
)
def test_only_live_members_count_as_supervisors_sup8(two_rooms, inst_admin, response, active, blocks):
    plan = two_rooms["plan"]
    assignment = services.assignment_generate(actor=inst_admin, plan=plan)
    member = next(e for e in two_rooms["pool"] if f"e{e.pk}" in assignment.result["team"])
    supervise(plan, member.person, response=response, active=active)
    if blocks:
        with pytest.raises(ValidationFailed):
            services.assignment_publish(
                actor=inst_admin, assignment=assignment, row_version=assignment.row_version
            )
    else:
        services.assignment_publish(
            actor=inst_admin, assignment=assignment, row_version=assignment.row_version
        )
        assert RoomStaff.objects.exists()


def test_lock_checks_the_supervisors_again_sup8(two_rooms, inst_admin):
    plan = two_rooms["plan"]
    assignment = publish(plan, inst_admin)
    member = RoomStaff.objects.select_related("examiner__person").first().examiner
    supervise(plan, member.person)  # slipped in past the supervision checks
    with pytest.raises(ValidationFailed):
        services.assignment_lock(actor=inst_admin, assignment=assignment, row_version=assignment.row_version)
    assert RoomAssignment.objects.get().status == "published"


def test_replacement_moves_the_batchs_examiners(two_rooms, inst_admin):
    plan = two_rooms["plan"]
    assignment = publish(plan, inst_admin)
    services.assignment_lock(actor=inst_admin, assignment=assignment, row_version=assignment.row_version)
    outgoing = RoomStaff.objects.filter(room=two_rooms["a"]).first()
    spare = next(e for e in two_rooms["pool"] if e.pk not in staffed(plan))
    services.staff_replace(actor=inst_admin, staff=outgoing, examiner=spare, reason="病假")
    examiners = set(plan.batch.examiners.values_list("pk", flat=True))
    assert spare.pk in examiners and outgoing.examiner_id not in examiners


# ------------------------------------------------------------------------------------ seat swaps


def test_a_swap_before_publishing_drops_the_frozen_draw(two_rooms, inst_admin):
    services.assignment_generate(actor=inst_admin, plan=two_rooms["plan"])
    seat = Seat.objects.filter(room=two_rooms["b"]).first()
    services.seat_swap(actor=inst_admin, seat=seat, to_room=two_rooms["b"], to_number=20, reason="机位故障")
    assert not RoomAssignment.objects.exists()


def test_a_swap_into_a_room_of_a_related_examiner_is_refused_exam4(two_rooms, inst_admin):
    plan = two_rooms["plan"]
    publish(plan, inst_admin)
    seat = Seat.objects.select_related("registration__person").filter(room=two_rooms["a"]).first()
    b_staff = RoomStaff.objects.filter(room=two_rooms["b"]).select_related("examiner__person").first()
    Relation.objects.create(
        person=b_staff.examiner.person,
        kind="relative",
        other_person=seat.registration.person,
        declared_on=TODAY,
    )
    with pytest.raises(ValidationFailed) as exc:
        services.seat_swap(
            actor=inst_admin, seat=seat, to_room=two_rooms["b"], to_number=20, reason="机位故障"
        )
    assert "回避关系" in exc.value.message
    seat.refresh_from_db()
    assert seat.room_id == two_rooms["a"].pk  # nothing moved
    # the same candidate moves within his own room (no related examiner there) — A has no free seat, so
    # a B candidate without a relation moves inside B instead
    other = Seat.objects.filter(room=two_rooms["b"]).first()
    services.seat_swap(actor=inst_admin, seat=other, to_room=two_rooms["b"], to_number=25, reason="机位故障")
    assert Seat.objects.get(pk=other.pk).number == 25


def test_a_swap_into_an_unstaffed_room_is_refused_exam13(two_rooms, inst_admin):
    plan = two_rooms["plan"]
    c = services.room_create(
        actor=inst_admin, session=two_rooms["session"], values={"name": "C", "capacity": 30}
    )
    publish(plan, inst_admin)  # C has no candidate, so no staff
    seat = Seat.objects.filter(room=two_rooms["b"]).first()
    with pytest.raises(ValidationFailed):
        services.seat_swap(actor=inst_admin, seat=seat, to_room=c, to_number=1, reason="机位故障")
    assert Seat.objects.get(pk=seat.pk).room_id == two_rooms["b"].pk


def test_two_candidates_never_share_a_seat(two_rooms, inst_admin):
    first, second = Seat.objects.filter(room=two_rooms["b"]).order_by("number")
    with pytest.raises(Conflict):
        services.seat_swap(
            actor=inst_admin, seat=second, to_room=two_rooms["b"], to_number=first.number, reason="机位故障"
        )
    assert Seat.objects.get(pk=second.pk).number == second.number


# ------------------------------------------------------------------------- counts after a change


def _scenario(subject, candidates, ratio=None):
    room = {"id": "r1", "candidates": [f"c{i}" for i in range(candidates)]}
    if ratio:
        room["ratio"] = ratio
    return parse_scenario(
        {
            "station": "s",
            "sessions": [
                {
                    "id": "s1",
                    "subject": subject,
                    "occupation": "6-18-02-04",
                    "level": 4,
                    "start": "2026-12-20T09:00:00+08:00",
                    "end": "2026-12-20T11:00:00+08:00",
                    "rooms": [room],
                }
            ],
            "examiners": [
                {
                    "id": f"e{i}",
                    "senior": True,
                    "card_valid_until": "2030-01-01",
                    "scopes": [{"occupation": "6-18-02-04", "levels": [4]}],
                }
                for i in range(1, 8)
            ],
            "relations": [],
            "supervisors": [],
            "previous_teams": [],
        }
    )


def _result(names):
    return {
        "scenario_digest": "",
        "seed_commitment": "",
        "assignments": {"r1": names},
        "unassigned": [],
        "team": sorted(names),
        "stats": {"max_load": 1, "new_members": 0, "team_size": len(names)},
    }


@pytest.mark.parametrize(
    ("subject", "candidates", "staff", "exact_ok", "at_least_ok"),
    [
        ("theory", 30, 2, True, True),  # max(2, ⌈30/15⌉) = 2
        ("theory", 31, 2, False, False),  # 31 need 3 (EXAM-13)
        ("theory", 30, 3, False, True),  # one more than needed: fine after a change, not from the solver
        ("practical", 10, 3, True, True),  # odd ≥ max(3, ⌈10/5⌉)
        ("practical", 10, 4, False, False),  # even panel (EXAM-7)
        ("practical", 10, 5, False, True),
        ("practical", 16, 3, False, False),  # ⌈16/5⌉ = 4 → 5
    ],
)
def test_counts_exact_for_the_solver_at_least_after_a_change(
    subject, candidates, staff, exact_ok, at_least_ok
):
    scenario = _scenario(subject, candidates, ratio=5 if subject == "practical" else None)
    names = [f"e{i}" for i in range(1, staff + 1)]
    result = _result(names)
    result["stats"]["new_members"] = staff
    assert (check(scenario, result) == []) is exact_ok
    assert (check(scenario, result, at_least=True) == []) is at_least_ok


# ------------------------------------------------------------------------------------------ EXAM-5


def test_batches_without_a_team_are_skipped_exam5(two_rooms):
    plan = two_rooms["plan"]
    pool = two_rooms["pool"]
    batch = plan.batch
    for days, team in ((30, pool[:2]), (45, []), (60, pool[:3]), (90, pool[:1])):
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
    assert services.build_scenario(plan)["previous_teams"] == [
        sorted(f"e{e.pk}" for e in pool[:2]),
        sorted(f"e{e.pk}" for e in pool[:3]),
        [f"e{pool[0].pk}"],  # the fourth batch back counts: the one without a team was not a team
    ]
