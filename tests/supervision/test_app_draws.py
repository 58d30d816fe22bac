"""Draws in the product (issue 4 item 2; RAND-1/2, SUP-8): define → publish (frozen scenario, digests,
seed commitment, hidden seed) → run → lock (seed revealed, tasks dispatched); coverage (逢考必督)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.common.domain import digest
from dudao.common.errors import IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.notifications.models import Message
from dudao.supervision import domain, selectors, services
from dudao.supervision.models import Draw, SupervisionTask, TaskMember
from tests.factories import current_version
from tests.supervision.app_support import TODAY, World, counts, publish_draw, run_draw, witness_value

pytestmark = pytest.mark.django_db

PERIOD = {"period_start": TODAY + dt.timedelta(days=1), "period_end": TODAY + dt.timedelta(days=30)}


def define(w: World, **extra) -> Draw:
    params = {"title": "2026年第四季度日常督导抽取", **PERIOD, "task_kind": "daily", "group_size": 1, **extra}
    return services.draw_define(actor=w.auth_staff, **params)


def test_publish_freezes_the_registers_into_a_scenario(world):
    draw = define(world)
    assert draw.status == "defined"
    assert draw.number == f"{world.authority.code}-CQ{PERIOD['period_start'].year}-0001"
    draw = publish_draw(world, actor=world.auth_staff, draw=draw)
    raw = json.loads(draw.scenario)
    # Own region only, cancelled batch left out, the other province's batch never present (RAND-1).
    assert [t["id"] for t in raw["targets"]] == ["PC-A-1", "PC-A-2", "PC-B-1"]
    assert raw["targets"][0] == {
        "id": "PC-A-1",
        "institution": world.institution.uscc,
        "start": f"{TODAY + dt.timedelta(days=7)}T09:00:00+08:00",
        "end": f"{TODAY + dt.timedelta(days=7)}T17:00:00+08:00",
        "kind": "daily",
        "supervisor_kind": "external",
        "group_size": 1,
    }
    # Card holders of the region; users' ext_sup has no card; the Guangdong supervisor is not ours.
    assert [s["id"] for s in raw["supervisors"]] == [f"S{s.pk}" for s in world.supervisors]
    assert raw["supervisors"][0] == {
        "id": f"S{world.s1.pk}",
        "kind": "external",
        "card_valid_until": "2030-12-31",
        "max_tasks": 3,
    }
    # SUP-8: the declared relation and the examiner in the same batch.
    assert raw["conflicts"] == [{"supervisor": f"S{world.s6.pk}", "institution": world.institution.uscc}]
    assert raw["examiners"] == [{"supervisor": f"S{world.s5.pk}", "target": "PC-A-2"}]
    assert "sample" not in raw
    # Digest of the canonical JSON and a commitment to a hidden seed.
    assert draw.scenario_digest == domain.scenario_digest(raw, draw.hash_algorithm)
    assert len(draw.seed) == 32
    assert draw.seed_commitment == digest(draw.seed, draw.hash_algorithm)
    assert (draw.target_count, draw.supervisor_count) == (3, 6)
    # The seed is in no audit event before the lock.
    events = AuditEvent.objects.filter(object_type="supervision.draw")
    assert not any(draw.seed in json.dumps([e.before, e.after]) for e in events)


def test_run_and_lock_create_tasks_reveal_the_seed_and_verify(world):
    draw = define(world, sample_count=2, group_size=2, max_tasks=1)
    draw = publish_draw(world, actor=world.auth_staff, draw=draw)
    with pytest.raises(IllegalTransition):
        services.draw_lock(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    draw = run_draw(world, actor=world.auth_staff, draw=draw)
    payload = json.loads(draw.result)
    # The engine ran on H(server seed | witness 1 | witness 2), not on the server seed (issue 8 §7).
    values = [witness_value(draw, 1), witness_value(draw, 2)]
    assert draw.final_seed == digest("|".join([draw.seed, *values]), draw.hash_algorithm)
    expected = domain.solve_draw(json.loads(draw.scenario), draw.final_seed, algorithm=draw.hash_algorithm)
    assert payload == expected.payload
    assert len(payload["selected"]) == 2
    assert SupervisionTask.objects.count() == 0  # tasks are dispatched only from a locked result
    before_messages = Message.objects.count()
    draw = services.draw_lock(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    assert draw.status == "locked"
    tasks = list(SupervisionTask.objects.filter(draw=draw).order_by("number"))
    assert [t.target_key for t in tasks] == sorted(payload["assignments"])
    for task in tasks:
        keys = payload["assignments"][task.target_key]
        members = list(task.members.order_by("id"))
        assert [f"S{m.supervisor_id}" for m in members] == keys
        assert [m.role for m in members] == ["leader"] + ["member"] * (len(keys) - 1)
        assert task.status == "dispatched"
        assert task.report_due_on == task.batch.ends_at.date() + dt.timedelta(days=2)  # SUP-7 default
        # SUP-8: never the conflicted supervisor at A, never the examiner at his own batch.
        if task.institution_id == world.institution.pk:
            assert world.s6.pk not in [m.supervisor_id for m in members]
        if task.target_key == "PC-A-2":
            assert world.s5.pk not in [m.supervisor_id for m in members]
    assigned = sum(len(v) for v in payload["assignments"].values())
    # Each supervisor got a dispatch message; the institutions an advance notice (明察).
    assert Message.objects.count() - before_messages == assigned + sum(
        2 if t.institution_id == world.institution.pk else 0 for t in tasks
    )
    # Seed revealed in the lock's audit event; anyone can verify the published result.
    lock_event = AuditEvent.objects.filter(action="supervision.draw.lock").get()
    assert (lock_event.after["seed"], lock_event.after["final_seed"]) == (draw.seed, draw.final_seed)
    assert domain.verify_draw(json.loads(draw.scenario), draw.final_seed, payload).ok
    tampered = {**payload, "selected": [*reversed(payload["selected"]), "PC-X"]}
    assert not domain.verify_draw(json.loads(draw.scenario), draw.final_seed, tampered).ok
    with pytest.raises(IllegalTransition):
        services.draw_lock(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    assert SupervisionTask.objects.filter(draw=draw).count() == len(tasks)


def test_published_parameters_are_frozen(world):
    draw = publish_draw(world, actor=world.auth_staff, draw=define(world))
    before = counts()
    with pytest.raises(IllegalTransition):
        services.draw_update(actor=world.auth_staff, draw=draw, row_version=draw.row_version, title="改名")
    assert counts() == before


def test_publish_refuses_an_empty_population_and_a_too_large_sample(world):
    empty = define(
        world, period_start=TODAY + dt.timedelta(days=60), period_end=TODAY + dt.timedelta(days=70)
    )
    with pytest.raises(ValidationFailed) as exc:
        publish_draw(world, actor=world.auth_staff, draw=empty)
    assert exc.value.code == "empty_population"
    big = define(world, sample_count=4)
    with pytest.raises(ValidationFailed) as exc:
        publish_draw(world, actor=world.auth_staff, draw=big)
    assert exc.value.detail == {"sample_count": ["抽取数量 4 超过抽取范围内的对象数 3"]}
    assert Draw.objects.get(pk=big.pk).status == "defined"


def test_special_draw_needs_items_and_a_group_of_three(world):
    with pytest.raises(ValidationFailed) as exc:
        define(world, task_kind="special", items=[], group_size=3)
    assert exc.value.detail == {"items": ["专项督导须先明确督导事项"]}
    with pytest.raises(ValidationFailed) as exc:
        define(world, task_kind="special", items=["2.4"], group_size=2)
    assert exc.value.code == "act4_reason"
    draw = define(world, task_kind="special", items=["2.4", "1"], group_size=2, group_reason="辖区督导员不足")
    assert draw.items == ["1", "2.4"]


def test_risk_weights_and_prior_violations_enter_the_scenario(world):
    services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution_b,
        kind="public_criticism",
        ground="falsification",
        description="伪造考场记录",
    )
    draw = define(
        world,
        population="institutions",
        risk_weights={"institutions": {str(world.institution.pk): 1.5}, "prior_violation": 2},
    )
    draw = publish_draw(world, actor=world.auth_staff, draw=draw)
    targets = {t["id"]: t for t in json.loads(draw.scenario)["targets"]}
    assert targets[world.institution.uscc]["weight"] == 1.5
    assert targets[world.institution_b.uscc]["weight"] == 2  # RAND-1: raised after a violation
    assert targets[world.institution.uscc]["start"].endswith("T00:00:00+08:00")


def test_internal_draw_uses_the_institutions_own_supervisors_and_batches(world):
    from tests.supervision.app_support import make_supervisor

    internal = [
        make_supervisor(world.authority, f"内督{n}", 200 + n, kind="internal", institution=world.institution)
        for n in (1, 2)
    ]
    draw = services.draw_define(
        actor=world.inst_admin, kind="internal", title="内部督导", **PERIOD, task_kind="daily", group_size=1
    )
    assert (draw.authority_id, draw.institution_id) == (world.authority.pk, world.institution.pk)
    raw = json.loads(publish_draw(world, actor=world.inst_admin, draw=draw).scenario)
    assert [t["id"] for t in raw["targets"]] == ["PC-A-1", "PC-A-2"]
    assert [s["id"] for s in raw["supervisors"]] == [f"S{s.pk}" for s in internal]
    assert raw["supervisors"][0]["institution"] == world.institution.uscc
    # The authority may not draw internal supervisors for an institution; staff may not draw at all.
    with pytest.raises(PermissionDenied):
        services.draw_define(actor=world.inst_staff, kind="internal", title="x", **PERIOD)


def test_cancel_only_before_the_run(world):
    draw = publish_draw(world, actor=world.auth_staff, draw=define(world))
    draw = run_draw(world, actor=world.auth_staff, draw=draw)
    with pytest.raises(IllegalTransition):
        services.draw_cancel(
            actor=world.auth_staff, draw=draw, reason="重抽", row_version=current_version(draw, Draw)
        )
    other = define(world)
    other = services.draw_cancel(
        actor=world.auth_staff, draw=other, reason="参数有误", row_version=current_version(other, Draw)
    )
    assert (other.status, other.cancel_reason) == ("cancelled", "参数有误")


def test_coverage_lists_batches_with_and_without_a_supervisor(world):
    draw = publish_draw(world, actor=world.auth_staff, draw=define(world, sample_count=1))
    draw = run_draw(world, actor=world.auth_staff, draw=draw)
    services.draw_lock(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    chosen = SupervisionTask.objects.get().batch
    cov = selectors.coverage(world.auth_staff, start=PERIOD["period_start"], end=PERIOD["period_end"])
    assert (cov.total, cov.covered, cov.uncovered, str(cov.rate)) == (3, 1, 2, "0.3333")
    rows = {b.code: (b.supervised, b.task_count) for b in cov.batches}
    assert rows == {
        code: ((True, 1) if code == chosen.code else (False, 0)) for code in ("PC-A-1", "PC-A-2", "PC-B-1")
    }
    uncovered = selectors.coverage(
        world.auth_staff, start=PERIOD["period_start"], end=PERIOD["period_end"], covered=False
    )
    assert sorted(b.code for b in uncovered.batches) == sorted({"PC-A-1", "PC-A-2", "PC-B-1"} - {chosen.code})
    # An institution user sees only its own batches.
    own = selectors.coverage(world.inst_admin, start=PERIOD["period_start"], end=PERIOD["period_end"])
    assert own.total == 2


def test_members_follow_the_engine_order_and_group_size(world):
    draw = define(world, group_size=2)
    draw = run_draw(
        world, actor=world.auth_staff, draw=publish_draw(world, actor=world.auth_staff, draw=draw)
    )
    draw = services.draw_lock(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    for task in SupervisionTask.objects.filter(draw=draw):
        assert TaskMember.objects.filter(task=task).count() == 2


def test_relations_with_staff_and_examiners_become_conflicts(world):
    from dudao.people import models as pm
    from tests import factories as f

    clerk = f.PersonFactory(name="乙机构考务", employer=world.institution_b)
    pm.Relation.objects.create(
        person=world.s4.person, kind=pm.Relation.Kind.RELATIVE, other_person=clerk, declared_on=TODAY
    )
    examiner = f.ExaminerFactory(authority=world.authority)
    world.b1.examiners.add(examiner)
    # Declared by the examiner, naming the supervisor: relations count in both directions (SUP-8).
    pm.Relation.objects.create(
        person=examiner.person,
        kind=pm.Relation.Kind.TEACHER_STUDENT,
        other_person=world.s3.person,
        declared_on=TODAY,
    )
    pm.Relation.objects.create(
        person=world.s2.person,
        kind=pm.Relation.Kind.OTHER,
        institution=world.institution_b,
        declared_on=TODAY,
        withdrawn_on=TODAY,  # withdrawn: no longer a conflict
    )
    raw = json.loads(publish_draw(world, actor=world.auth_staff, draw=define(world)).scenario)
    assert raw["conflicts"] == sorted(
        [
            {"supervisor": f"S{world.s6.pk}", "institution": world.institution.uscc},
            {"supervisor": f"S{world.s4.pk}", "institution": world.institution_b.uscc},
            {"supervisor": f"S{world.s3.pk}", "target": "PC-A-1"},
        ],
        key=lambda c: (
            c["supervisor"],
            "institution" if "institution" in c else "target",
            c.get("institution") or c.get("target"),
        ),
    )


def test_a_supervisor_busy_on_an_overlapping_open_task_is_conflicted_for_that_target(world):
    """No two overlapping tasks for one supervisor holds across draws: the snapshot records the clash."""
    services.task_create(
        actor=world.auth_staff, institution=world.institution, supervisors=[world.s1], batch=world.b1
    )
    draw = publish_draw(world, actor=world.auth_staff, draw=define(world))
    conflicts = json.loads(draw.scenario)["conflicts"]
    assert {"supervisor": f"S{world.s1.pk}", "target": "PC-A-1"} in conflicts
    assert not any(
        c.get("supervisor") == f"S{world.s1.pk}" and c.get("target") == "PC-A-2" for c in conflicts
    )
