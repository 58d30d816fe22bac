"""Witness entropy in the draw workflow (issue 8 §7): whoever holds the server seed could compute the result
before anyone else; now at least two witnesses commit before publication, reveal at the draw meeting, and
the draw runs only on H(server seed | values) once every value is in and matches its commitment."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.common.domain import digest
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.supervision import domain, services
from dudao.supervision.models import (
    Draw,
    DrawWitness,
)
from tests.factories import current_version
from tests.supervision.app_support import TODAY, World, add_witnesses, counts, publish_draw, reveal_witnesses

pytestmark = pytest.mark.django_db

PERIOD = {"period_start": TODAY + dt.timedelta(days=1), "period_end": TODAY + dt.timedelta(days=30)}


def define(w: World, **extra) -> Draw:
    return services.draw_define(actor=w.auth_staff, title="见证抽取", **PERIOD, sample_count=2, **extra)


def add(w: World, draw: Draw, name: str, value: str, role: str = "notary") -> DrawWitness:
    return services.draw_witness_add(
        actor=w.auth_staff,
        draw=draw,
        name=name,
        role=role,
        commitment=digest(value, draw.hash_algorithm),
        row_version=current_version(draw, Draw),
    )


def test_publication_needs_two_committed_witnesses(world):
    draw = define(world)
    assert draw.hash_algorithm in ("sm3", "sha256")  # fixed at definition: witnesses commit with it
    add(world, draw, "纪检甲", "a" * 16, role="discipline")
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.draw_publish(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    assert (exc.value.code, exc.value.message) == (
        "witnesses_required",
        "公布前须登记至少 2 名见证人(纪检监察、公证等)及其承诺值,目前 1 名",
    )
    assert counts() == before
    add(world, draw, "公证乙", "b" * 16)
    draw = services.draw_publish(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    assert (draw.status, draw.seed_scheme) == ("published", "witness")
    event = AuditEvent.objects.get(action="supervision.draw.publish")
    assert event.after["witness_commitments"] == [
        digest("a" * 16, draw.hash_algorithm),
        digest("b" * 16, draw.hash_algorithm),
    ]
    # Frozen with the publication: no witness can be added or removed any more.
    with pytest.raises(IllegalTransition):
        add(world, draw, "丙", "c" * 16)
    with pytest.raises(IllegalTransition):
        services.draw_witness_remove(
            actor=world.auth_staff,
            draw=draw,
            witness=draw.witnesses.first(),
            row_version=current_version(draw, Draw),
        )


def test_witness_input_is_checked(world):
    draw = define(world)
    with pytest.raises(ValidationFailed) as exc:
        services.draw_witness_add(
            actor=world.auth_staff,
            draw=draw,
            name="甲",
            role="notary",
            commitment="xyz",
            row_version=current_version(draw, Draw),
        )
    assert exc.value.detail == {"commitment": ["须为 64 位十六进制数"]}
    with pytest.raises(ValidationFailed) as exc:
        add(world, draw, "甲", "a" * 16, role="boss")
    assert exc.value.detail == {"role": ["请选择见证人身份"]}
    # Upper-case hex (as some tools print it) is accepted and stored in lower case.
    witness = services.draw_witness_add(
        actor=world.auth_staff,
        draw=draw,
        name="甲",
        role="notary",
        commitment=digest("a" * 16, draw.hash_algorithm).upper(),
        row_version=current_version(draw, Draw),
    )
    assert witness.commitment == digest("a" * 16, draw.hash_algorithm)
    with pytest.raises(ValidationFailed) as exc:
        add(world, draw, "甲", "b" * 16)
    assert exc.value.detail == {"name": ["见证人甲已登记"]}
    # A commitment already used (on any draw) is refused: its value may already be public.
    other = define(world)
    with pytest.raises(ValidationFailed) as exc:
        add(world, other, "乙", "a" * 16)
    assert exc.value.code == "reused_commitment"
    for n in range(2, 6):
        add(world, draw, f"见证人{n}", chr(ord("a") + n) * 16)
    with pytest.raises(ValidationFailed) as exc:
        add(world, draw, "第六人", "z" * 16)
    assert exc.value.detail == {"name": ["见证人最多 5 名"]}


def test_removing_a_witness_keeps_the_order_of_the_others(world):
    draw = define(world)
    first, *_rest = [add(world, draw, n, v * 16) for n, v in (("甲", "a"), ("乙", "b"), ("丙", "c"))]
    services.draw_witness_remove(
        actor=world.auth_staff, draw=draw, witness=first, row_version=current_version(draw, Draw)
    )
    assert list(draw.witnesses.order_by("position").values_list("position", "name")) == [(1, "乙"), (2, "丙")]
    removed = AuditEvent.objects.get(action="supervision.draw.witness_remove")
    assert (removed.object_type, removed.object_id, removed.before["name"]) == (
        "supervision.drawwitness",
        str(first.pk),
        "甲",
    )
    with pytest.raises(NotFound):
        services.draw_witness_remove(
            actor=world.auth_staff, draw=draw, witness=first.pk, row_version=current_version(draw, Draw)
        )


def test_values_are_entered_after_publication_and_must_match(world):
    draw = define(world)
    values = add_witnesses(world, draw)
    first, second = draw.witnesses.order_by("position")
    with pytest.raises(IllegalTransition):  # before publication a revealed value would be known too early
        services.draw_witness_reveal(
            actor=world.auth_staff,
            draw=draw,
            witness=first,
            value=values[0],
            row_version=current_version(draw, Draw),
        )
    draw = services.draw_publish(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    with pytest.raises(IllegalTransition) as exc:
        services.draw_run(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    assert exc.value.code == "witness_values_missing"
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.draw_witness_reveal(
            actor=world.auth_staff,
            draw=draw,
            witness=first,
            value=values[1],
            row_version=current_version(draw, Draw),
        )
    assert exc.value.detail == {"value": ["随机值与见证人见证人1公布的承诺值不符,请核对后重新输入"]}
    with pytest.raises(ValidationFailed) as exc:
        services.draw_witness_reveal(
            actor=world.auth_staff,
            draw=draw,
            witness=first,
            value="short",
            row_version=current_version(draw, Draw),
        )
    assert exc.value.code == "invalid_witness_value"
    assert counts() == before
    services.draw_witness_reveal(
        actor=world.auth_staff,
        draw=draw,
        witness=first,
        value=f" {values[0]} ",
        row_version=current_version(draw, Draw),
    )
    with pytest.raises(IllegalTransition) as exc:
        services.draw_witness_reveal(
            actor=world.auth_staff,
            draw=draw,
            witness=first,
            value=values[0],
            row_version=current_version(draw, Draw),
        )
    assert exc.value.code == "witness_revealed"
    with pytest.raises(IllegalTransition) as exc:  # one value is not enough
        services.draw_run(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    assert exc.value.message == "见证人随机值尚未全部录入(缺:见证人2),不能执行抽取"
    services.draw_witness_reveal(
        actor=world.auth_staff,
        draw=draw,
        witness=second,
        value=values[1],
        row_version=current_version(draw, Draw),
    )
    draw = services.draw_run(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    assert draw.final_seed == digest(f"{draw.seed}|{values[0]}|{values[1]}", draw.hash_algorithm)
    assert draw.final_seed == domain.final_seed(draw.seed, values, draw.hash_algorithm)
    assert (
        json.loads(draw.result)
        == domain.solve_draw(
            json.loads(draw.scenario), draw.final_seed, algorithm=draw.hash_algorithm
        ).payload
    )
    reveals = AuditEvent.objects.filter(action="supervision.draw.witness_reveal").order_by("id")
    assert [e.after["value"] for e in reveals] == values
    # The final seed stays secret until the lock, like the server seed.
    assert not any(
        draw.final_seed in json.dumps([e.before, e.after])
        for e in AuditEvent.objects.filter(object_type="supervision.draw")
    )


def test_a_value_altered_after_entry_stops_the_run(world):
    draw = publish_draw(world, define(world))
    reveal_witnesses(world, draw)
    DrawWitness.objects.filter(draw=draw, position=2).update(value="forged-0123456789abcdef")
    before = counts()
    with pytest.raises(Conflict) as exc:
        services.draw_run(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    assert exc.value.code == "witness_mismatch"
    assert counts() == before


def test_only_the_draws_managers_handle_witnesses(world):
    draw = define(world)
    value = "a" * 16
    for actor in (world.inst_admin, world.inst_staff):
        with pytest.raises((NotFound, PermissionDenied)):
            services.draw_witness_add(
                actor=actor,
                draw=draw,
                name="甲",
                role="notary",
                commitment=digest(value, draw.hash_algorithm),
                row_version=current_version(draw, Draw),
            )
    assert not DrawWitness.objects.exists()


def test_a_legacy_draw_runs_on_its_server_seed(world):
    """Draws published before this change (migration: seed_scheme=server) run and verify as before."""
    draw = publish_draw(world, define(world))
    DrawWitness.objects.filter(draw=draw).delete()
    Draw.objects.filter(pk=draw.pk).update(seed_scheme="server")
    draw = services.draw_run(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    assert draw.final_seed == draw.seed
    assert domain.verify_draw(json.loads(draw.scenario), draw.seed, json.loads(draw.result)).ok


def test_cancelling_a_published_draw_reveals_its_seed_in_the_audit(world):
    draw = publish_draw(world, define(world))
    draw = services.draw_cancel(
        actor=world.auth_staff, draw=draw, reason="名录有误", row_version=current_version(draw, Draw)
    )
    assert draw.cancelled_at is not None
    event = AuditEvent.objects.get(action="supervision.draw.cancel")
    assert (event.after["seed"], event.after["cancel_reason"]) == (draw.seed, "名录有误")
    fresh = define(world)
    unpublished = services.draw_cancel(
        actor=world.auth_staff, draw=fresh, reason="不需要", row_version=current_version(fresh, Draw)
    )
    event = AuditEvent.objects.filter(action="supervision.draw.cancel").latest("id")
    assert "seed" not in event.after and unpublished.cancelled_at is not None


def test_the_command_registers_and_reveals_witnesses(world):
    """`dudao draw witness-add|witness-reveal` act as the named manager through the same services."""
    from io import StringIO

    from django.core.management import call_command

    draw = define(world)
    values = ["jijian-0123456789abcdef", "gongzheng-0123456789abcdef"]
    for n, (name, role) in enumerate((("纪检甲", "discipline"), ("公证乙", "notary"))):
        out = StringIO()
        call_command(
            "draw",
            "witness-add",
            "--draw",
            draw.number,
            "--user",
            world.auth_staff.username,
            "--name",
            name,
            "--role",
            role,
            "--commitment",
            digest(values[n], draw.hash_algorithm),
            stdout=out,
        )
        assert f"已登记见证人 {n + 1}:{name}" in out.getvalue()
    draw = services.draw_publish(actor=world.auth_staff, draw=draw, row_version=current_version(draw, Draw))
    err = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(
            "draw", "witness-reveal", "--draw", draw.number, "--user", world.auth_staff.username,
            "--position", "1", "--value", values[1], stderr=err,
        )  # fmt: skip
    assert exc.value.code == 2
    assert "随机值与见证人纪检甲公布的承诺值不符" in err.getvalue()
    for position, value in enumerate(values, start=1):
        call_command(
            "draw", "witness-reveal", "--draw", draw.number, "--user", world.auth_staff.username,
            "--position", str(position), "--value", value, stdout=StringIO(),
        )  # fmt: skip
    assert list(draw.witnesses.order_by("position").values_list("value", flat=True)) == values
    with pytest.raises(SystemExit):  # a user outside the draw's scope changes nothing
        call_command(
            "draw", "witness-add", "--draw", draw.number, "--user", world.inst_admin.username,
            "--name", "丙", "--role", "other", "--commitment", "0" * 64, stderr=StringIO(),
        )  # fmt: skip


def test_a_commitment_registered_concurrently_elsewhere_is_refused_not_a_server_error(world, monkeypatch):
    """Two registrations of one commitment on different draws can both pass the reuse check before either
    inserts; the unique constraint decides, and the loser gets the reuse message (issue 8 §7, no 500)."""
    first, second = define(world), define(world)
    commitment = digest("c" * 16, second.hash_algorithm)
    real_save = DrawWitness.save

    def save_after_the_other_commit(self, *args, **kwargs):
        if self.draw_id == second.pk:  # the other registration commits between our check and our insert
            DrawWitness.objects.bulk_create(
                [DrawWitness(draw=first, position=1, name="他人", role="notary", commitment=commitment)]
            )
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(DrawWitness, "save", save_after_the_other_commit)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.draw_witness_add(
            actor=world.auth_staff,
            draw=second,
            name="公证乙",
            role="notary",
            commitment=commitment,
            row_version=current_version(second, Draw),
        )
    assert exc.value.code == "reused_commitment"
    assert not second.witnesses.exists() and AuditEvent.objects.count() == before
