"""The examiner and invigilator assignment of a plan in the product (issue 10 item 5), verifiable like the
draw: the scenario is built from the records, frozen with a server seed whose hash is committed, published
(seed revealed; anyone holding the scenario and the seed re-runs `dudao exam verify`) and locked before the
exam. A replacement after locking keeps the old row, names the new examiner and the reason, and must meet
every constraint (EXAM-2/3/4/5/7/13, SUP-8) again.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import IllegalTransition, ValidationFailed
from dudao.common.transitions import transition
from dudao.common.writes import checked_text, lock, lock_version, require
from dudao.people.models import CardStatus, Examiner, ExaminerCard, Relation
from dudao.registry.models import Batch
from dudao.supervision.selectors import live_memberships

from ..domain.assignment_check import check
from ..domain.assignment_scenario import parse_scenario
from ..models import ExamPlan, ExamRoom, ExamSession, RoomAssignment, RoomStaff, Seat
from ..permissions import may_administer
from ..workflow import ASSIGNMENT_TRANSITIONS
from .conduct import duty_replaced

PREVIOUS_TEAMS = 3  # EXAM-5 looks back three batches at the station


def _iso(value) -> str:
    return timezone.localtime(value).isoformat()


def _examiner_rows(plan: ExamPlan) -> list[dict[str, Any]]:
    """The pool: active examiners of the authority that holds the batch's filing, with their valid card."""
    authority = plan.batch.filing.authority
    examiners = list(Examiner.objects.filter(authority=authority, is_active=True).order_by("pk"))
    cards: dict[int, ExaminerCard] = {}
    for card in (
        ExaminerCard.objects.filter(examiner__in=examiners, status=CardStatus.VALID)
        .prefetch_related("scopes__occupation")
        .order_by("examiner_id", "-valid_until")
    ):
        cards.setdefault(card.examiner_id, card)  # the latest valid card
    rows = []
    for examiner in examiners:
        card = cards.get(examiner.pk)
        row: dict[str, Any] = {"id": f"e{examiner.pk}", "senior": examiner.senior}
        if card is not None:
            row["card_valid_until"] = card.valid_until.isoformat()
            row["scopes"] = [
                {"occupation": scope.occupation.code, "levels": sorted(int(level) for level in scope.levels)}
                for scope in card.scopes.all()
            ]
        rows.append(row)
    return rows


def build_scenario(plan: ExamPlan) -> dict[str, Any]:
    """The solver's input from the records: sessions with seated rooms, the pool with cards and scopes,
    declared relations with the room's candidates (EXAM-4), the batch's supervisors (SUP-8) and the
    teams of the station's previous batches (EXAM-5), most recent first."""
    batch = plan.batch
    sessions = []
    candidates_by_person: dict[int, list[str]] = defaultdict(list)
    for session in ExamSession.objects.filter(plan=plan).order_by("starts_at", "pk"):
        rooms = []
        for room in ExamRoom.objects.filter(session=session).order_by("name", "pk"):
            seats = list(Seat.objects.filter(room=room).select_related("registration").order_by("number"))
            if not seats:
                continue
            ids = [f"c{seat.registration_id}" for seat in seats]
            for seat in seats:
                candidates_by_person[seat.registration.person_id].append(f"c{seat.registration_id}")
            entry: dict[str, Any] = {"id": f"r{room.pk}", "candidates": ids}
            if room.ratio:
                entry["ratio"] = room.ratio
            if room.panel:
                entry["panel"] = room.panel
            rooms.append(entry)
        if rooms:
            sessions.append(
                {
                    "id": f"s{session.pk}",
                    "subject": session.subject,
                    "occupation": batch.occupation.code,
                    "level": session.level,
                    "start": _iso(session.starts_at),
                    "end": _iso(session.ends_at),
                    "rooms": rooms,
                }
            )
    if not sessions:
        raise ValidationFailed("还没有编排座位的考场:先安排场次、考场并编排座位")
    examiners = _examiner_rows(plan)
    person_of = dict(Examiner.objects.filter(authority=batch.filing.authority).values_list("pk", "person_id"))
    examiner_by_person = {person: f"e{pk}" for pk, person in person_of.items()}
    relations = set()
    people = set(candidates_by_person)
    for a, b in (
        Relation.objects.filter(withdrawn_on__isnull=True, other_person__isnull=False)
        .filter(
            Q(person_id__in=examiner_by_person, other_person_id__in=people)
            | Q(other_person_id__in=examiner_by_person, person_id__in=people)
        )
        .values_list("person_id", "other_person_id")
    ):
        for examiner_person, candidate_person in ((a, b), (b, a)):
            if examiner_person in examiner_by_person and candidate_person in candidates_by_person:
                for candidate in candidates_by_person[candidate_person]:
                    relations.add((examiner_by_person[examiner_person], candidate))
    supervising = supervising_persons(batch)
    previous = [
        sorted(f"e{pk}" for pk in prior.examiners.values_list("pk", flat=True))
        # EXAM-5 counts the station's last three teams: a batch that recorded none (run before this
        # platform, or cancelled) is skipped, not counted as an empty team
        for prior in Batch.objects.filter(
            institution=batch.institution, starts_at__lt=batch.starts_at, examiners__isnull=False
        )
        .exclude(status=Batch.Status.CANCELLED)
        .exclude(pk=batch.pk)
        .distinct()
        .order_by("-starts_at", "-pk")[:PREVIOUS_TEAMS]
    ]
    return {
        "station": f"{batch.institution.uscc}",
        "sessions": sessions,
        "examiners": examiners,
        "relations": [{"examiner": e, "candidate": c} for e, c in sorted(relations)],
        "supervisors": sorted(examiner_by_person[p] for p in supervising if p in examiner_by_person),
        "previous_teams": [team for team in previous if team],
    }


def supervising_persons(batch: Batch) -> set[int]:
    """People on a live supervision task for the batch (SUP-8): replaced or declined members and cancelled
    tasks do not count."""
    return set(live_memberships().filter(task__batch=batch).values_list("supervisor__person_id", flat=True))


def _require_no_supervisor(plan: ExamPlan, examiner_keys: list[str]) -> None:
    """SUP-8 again at publishing and locking: a supervisor added to the batch after the scenario was frozen
    must not examine in it."""
    examiners = Examiner.objects.filter(pk__in=[int(e[1:]) for e in examiner_keys])
    clash = sorted(
        e.person.name
        for e in examiners.select_related("person")
        if e.person_id in supervising_persons(plan.batch)
    )
    if clash:
        raise ValidationFailed(
            f"{'、'.join(clash)} 已是本批次的督导员,不能担任考评人员:请重新生成考评安排或替换",
            detail={"examiner": clash},
        )


def _require_before_lock(plan: ExamPlan) -> None:
    """Only a generated, unpublished assignment may be drawn again: once its seed is public, drawing anew
    until a wanted team comes up would defeat the draw (after locking: replacement with a reason)."""
    status = RoomAssignment.objects.filter(plan=plan).values_list("status", flat=True).first()
    if status == RoomAssignment.Status.LOCKED:
        raise IllegalTransition("考评安排已锁定,只能逐人替换并写明原因")
    if status == RoomAssignment.Status.PUBLISHED:
        raise IllegalTransition("考评安排已公布,不能重新生成;锁定后可逐人替换并写明原因")


@transaction.atomic
def assignment_generate(*, actor: Any, plan: ExamPlan) -> RoomAssignment:
    """Freeze the scenario, draw a server seed, solve, and keep the result with H(seed) committed. Until it
    is published it may be generated again (a new seed); published results are replaced only by a new
    generation before locking, which is audited."""
    plan = lock(plan)
    require(may_administer(actor, plan), "只有本机构管理员可以生成考评安排")
    if plan.status not in (ExamPlan.Status.PUBLISHED, ExamPlan.Status.CLOSED):
        raise IllegalTransition("认定公告发布后才能安排考评人员")
    _require_before_lock(plan)
    scenario = build_scenario(plan)
    seed = secrets.token_hex(16)
    from ..domain import assignment as solver  # OR-Tools loads here, not with every command and request

    result = solver.solve(scenario, seed)
    existing = RoomAssignment.objects.filter(plan=plan).first()
    before = audit.snapshot(existing) if existing else None
    if existing is not None:
        RoomStaff.objects.filter(room__session__plan=plan).delete()
        existing.delete()
    assignment = RoomAssignment.objects.create(
        plan=plan,
        scenario=scenario,
        scenario_digest=result["scenario_digest"],
        seed_commitment=result["seed_commitment"],
        seed=seed,
        result=result,
    )
    audit.record(
        actor=actor,
        action="exams.assignment.generate",
        obj=assignment,
        before=before and {k: before[k] for k in ("scenario_digest", "seed_commitment", "status")},
        after={
            "scenario_digest": assignment.scenario_digest,
            "seed_commitment": assignment.seed_commitment,
            "stats": result["stats"],
            "unassigned": [u["room"] for u in result["unassigned"]],
        },
    )
    return assignment


def _room_of(room_key: str, plan: ExamPlan) -> ExamRoom:
    return ExamRoom.objects.get(pk=int(room_key[1:]), session__plan=plan)


@transaction.atomic
def assignment_publish(*, actor: Any, assignment: RoomAssignment, row_version: Any) -> RoomAssignment:
    """Publish to the batch's supervisors and the examiners: the seed is revealed (anyone can re-run the
    solver on the frozen scenario) and each examiner's room duty is recorded."""
    assignment = lock_version(assignment, row_version)
    if assignment.result["unassigned"]:
        rooms = "、".join(u["room"] for u in assignment.result["unassigned"])
        raise ValidationFailed(f"还有考场未能安排考评人员({rooms}),请补充考评人员或调整考场后重新生成")
    _require_no_supervisor(assignment.plan, assignment.result["team"])
    assignment = transition(
        assignment,
        RoomAssignment.Status.PUBLISHED,
        actor=actor,
        table=ASSIGNMENT_TRANSITIONS,
        action="exams.assignment.publish",
        noun="考评安排",
        extra={"seed": assignment.seed},
    )
    plan = assignment.plan
    RoomStaff.objects.bulk_create(
        RoomStaff(room=_room_of(room, plan), examiner_id=int(examiner[1:]))
        for room, examiners in sorted(assignment.result["assignments"].items())
        for examiner in examiners
    )
    # the published team is the batch's examiners from now on: supervision refuses them (SUP-8)
    plan.batch.examiners.set([int(e[1:]) for e in assignment.result["team"]])
    return assignment


@transaction.atomic
def assignment_lock(*, actor: Any, assignment: RoomAssignment, row_version: Any) -> RoomAssignment:
    """Lock before the exam starts (SUP-8 checked again); the team, the batch's examiners since publishing,
    is what the station's next batch rotates against (EXAM-5)."""
    assignment = lock_version(assignment, row_version)
    if timezone.now() >= assignment.plan.batch.starts_at:
        raise IllegalTransition("考试已开始,不能再锁定考评安排")
    _require_no_supervisor(
        assignment.plan, sorted({e for ids in current_assignments(assignment.plan).values() for e in ids})
    )
    assignment = transition(
        assignment,
        RoomAssignment.Status.LOCKED,
        actor=actor,
        table=ASSIGNMENT_TRANSITIONS,
        action="exams.assignment.lock",
        noun="考评安排",
        changes={"locked_at": timezone.now()},
    )
    return assignment


def current_assignments(plan: ExamPlan) -> dict[str, list[str]]:
    """Room → current examiner ids, in the solver's id scheme (replacements applied)."""
    current: dict[str, list[str]] = defaultdict(list)
    for room_id, examiner_id in RoomStaff.objects.filter(
        room__session__plan=plan, replaced_by__isnull=True
    ).values_list("room_id", "examiner_id"):
        current[f"r{room_id}"].append(f"e{examiner_id}")
    return {room: sorted(ids) for room, ids in current.items()}


def staffing_problems(plan: ExamPlan, assignments: dict[str, list[str]] | None = None) -> list[str]:
    """Every constraint the published staffing (or `assignments`, room → examiner ids) breaks on today's
    records: the seats as they are now, cards, relations, the batch's supervisors, rotation. Rooms left
    without candidates drop out; a room may keep more staff than it needs (check's `at_least`)."""
    scenario = parse_scenario(build_scenario(plan))
    rooms = {room.id for room in scenario.rooms}
    assignments = {
        room: ids
        for room, ids in (current_assignments(plan) if assignments is None else assignments).items()
        if room in rooms
    }
    team = sorted({e for ids in assignments.values() for e in ids})
    previous = set(scenario.previous_teams[0]) if scenario.previous_teams else set()
    loads: dict[str, int] = defaultdict(int)
    for ids in assignments.values():
        for e in ids:
            loads[e] += 1
    result = {
        "scenario_digest": "",
        "seed_commitment": "",
        "assignments": assignments,
        "unassigned": [],
        "team": team,
        "stats": {
            "max_load": max(loads.values(), default=0),
            "new_members": sum(1 for e in team if e not in previous),
            "team_size": len(team),
        },
    }
    return check(scenario, result, at_least=True)


@transaction.atomic
def staff_replace(*, actor: Any, staff: RoomStaff, examiner: Examiner, reason: Any) -> RoomStaff:
    """After locking: replace one examiner of a room (illness, a relation found late …), with a reason; the
    new team must meet every constraint again on today's records, else nothing changes."""
    staff = lock(staff)
    plan = staff.room.session.plan
    assignment = RoomAssignment.objects.select_for_update().get(plan=plan)
    require(may_administer(actor, plan), "只有本机构管理员可以替换考评人员")
    if assignment.status != RoomAssignment.Status.LOCKED:
        raise IllegalTransition("考评安排锁定前请重新生成,锁定后才逐人替换")
    if staff.replaced_by_id is not None:
        raise IllegalTransition("该考评人员已被替换")
    reason = checked_text(reason, "reason", "替换原因", limit=255)
    assignments = current_assignments(plan)
    room_key, old, new = f"r{staff.room_id}", f"e{staff.examiner_id}", f"e{examiner.pk}"
    if new in assignments.get(room_key, []):
        raise ValidationFailed("该考评人员已在本考场", detail={"examiner": ["已在本考场"]})
    assignments[room_key] = sorted([e for e in assignments[room_key] if e != old] + [new])
    problems = staffing_problems(plan, assignments)
    if problems:
        raise ValidationFailed(
            "替换后不符合考评人员安排要求:" + ";".join(problems[:3]), detail={"examiner": problems}
        )
    replacement = RoomStaff.objects.create(room=staff.room, examiner=examiner)
    staff.replaced_by = replacement
    staff.replace_reason = reason
    staff.save(update_fields=["replaced_by", "replace_reason"])
    duty_replaced(actor=actor, duty=staff)  # EXAM-10: counts as an absence unless excused
    plan.batch.examiners.add(examiner)
    if not RoomStaff.objects.filter(
        room__session__plan=plan, examiner_id=staff.examiner_id, replaced_by__isnull=True
    ).exists():
        plan.batch.examiners.remove(staff.examiner_id)  # serves nowhere else in the batch
    audit.record(
        actor=actor,
        action="exams.assignment.replace",
        obj=assignment,
        after={"room": staff.room.name, "from": old, "to": new, "reason": reason},
    )
    return replacement
