"""Audit chain (DESIGN: audit): every event chains to the previous; `dudao audit verify` finds tampering."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from dudao.common import audit
from dudao.common.domain import GENESIS_HASH, preferred_hash_algorithm
from dudao.common.models import AuditChainHead, AuditEvent
from tests import factories as f
from tests.audit.guards import drop_guards

pytestmark = pytest.mark.django_db


def _three_events(actor=None):
    region = f.RegionFactory()
    for i in range(3):
        with transaction.atomic():
            audit.record(actor=actor, action="test.write", obj=region, before={"n": i}, after={"n": i + 1})
    return list(AuditEvent.objects.order_by("id"))


def test_events_are_chained_with_recorded_algorithm():
    events = _three_events()
    assert [e.id for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert {e.algorithm for e in events} == {"hmac-" + preferred_hash_algorithm()}
    assert {e.key_id for e in events} == {"t1"}
    assert events[0].object_type == "registry.region"
    assert events[0].actor_label == "system"
    assert AuditChainHead.objects.get().last_hash == events[2].hash


def test_actor_and_request_fields_recorded(users):
    event = _three_events(actor=users["superuser"])[0]
    assert event.actor_id == users["superuser"].pk
    assert event.actor_label == "root"
    assert event.before == {"n": 0} and event.after == {"n": 1}


def test_intact_chain_verifies(capsys):
    _three_events()
    result = audit.verify_chain()
    assert result.ok and result.checked == 3
    call_command("audit", "verify")
    assert "共校验 3 个事件" in capsys.readouterr().out


def test_edited_event_is_named():
    events = _three_events()
    drop_guards()
    AuditEvent.objects.filter(pk=events[1].pk).update(after={"n": 99})
    result = audit.verify_chain()
    assert not result.ok and result.bad_event_id == 2
    with pytest.raises(CommandError, match="#2"):
        call_command("audit", "verify")


def test_edited_actor_is_detected():
    events = _three_events()
    drop_guards()
    AuditEvent.objects.filter(pk=events[0].pk).update(actor_label="someone-else")
    assert audit.verify_chain().bad_event_id == 1


def test_deleted_middle_event_is_named():
    _three_events()
    drop_guards()
    AuditEvent.objects.filter(pk=2).delete()
    result = audit.verify_chain()
    assert not result.ok and result.bad_event_id == 2


def test_deleted_last_event_is_detected():
    _three_events()
    drop_guards()
    AuditEvent.objects.filter(pk=3).delete()
    result = audit.verify_chain()
    assert not result.ok and result.bad_event_id == 3


def test_rehashed_event_is_named_by_its_hmac():
    """Recomputing an edited event's hash with the unkeyed function no longer passes: its HMAC is wrong."""
    from dudao.common.domain import audit_event_hash

    _three_events()
    drop_guards()
    event = AuditEvent.objects.get(pk=1)
    event.after = {"n": 42}
    event.hash = audit_event_hash(event.prev_hash, event.hash_payload(), preferred_hash_algorithm())
    event.save()
    result = audit.verify_chain()
    assert (result.bad_event_id, result.check) == (1, "hmac")


def test_cli_exit_code_non_zero_on_tamper(tmp_path):
    """`dudao audit verify` exits 1 (CommandError) on a broken chain."""
    _three_events()
    drop_guards()
    AuditEvent.objects.filter(pk=1).update(action="forged")
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert exc.value.returncode == 1
    assert "#1" in str(exc.value)


def test_snapshot_excludes_secret_columns():
    person = f.PersonFactory()
    snap = audit.snapshot(person)
    assert "id_number_encrypted" not in snap
    assert snap["id_number_masked"] == person.id_number_masked
    assert snap["name"] == person.name


def test_record_many_continues_the_chain():
    _three_events()
    regions = [f.RegionFactory(code=f"36{i:02d}00", name=f"市{i}", kind="city") for i in range(1, 4)]
    with transaction.atomic():
        assert audit.record_many(actor=None, action="region.import", objects=regions) == 3
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.id for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[3].prev_hash == events[2].hash
    assert events[5].after["code"] == "360300"
    assert audit.verify_chain().ok
