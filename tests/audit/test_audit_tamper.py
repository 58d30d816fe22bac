"""A privileged database writer tampers with the audit trail (SEC-1, issue 8 §3): each class is detected.

The writer has dropped the append-only triggers (file or owner access) and knows the project's code,
but holds neither the chain key (DUDAO_AUDIT_KEY) nor the checkpoint signing key. Before the chain was
keyed, the recompute, tail + head and reorder-with-recompute probes passed `dudao audit verify`.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import transaction

from dudao.common import audit, audit_keys
from dudao.common.audit_checkpoints import checkpoint_create, checkpoints_document
from dudao.common.domain import GENESIS_HASH, audit_event_hash, preferred_hash_algorithm
from dudao.common.models import AuditChainHead, AuditCheckpoint, AuditEvent
from tests.audit.guards import drop_guards

pytestmark = pytest.mark.django_db

FIELDS = [
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "before",
    "after",
    "request_id",
    "algorithm",
    "key_id",
    "prev_hash",
    "hash",
]


def _events(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(actor=None, action="test.write", object_type="t", object_id=str(i), after={"n": i})


def _set_head(event_id: int) -> None:
    last_hash = AuditEvent.objects.get(pk=event_id).hash if event_id else GENESIS_HASH
    AuditChainHead.objects.filter(pk=1).update(last_event_id=event_id, last_hash=last_hash)


def _saved_head() -> dict:
    """What a writer with read access can copy at one time: the whole head row, MAC included."""
    return AuditChainHead.objects.filter(pk=1).values("last_event_id", "last_hash", "mac").get()


def _replay_head(saved: dict) -> None:
    AuditChainHead.objects.filter(pk=1).update(**saved)


def _truncate_after_checkpoint_replaying_the_head() -> None:
    """Five events, a checkpoint over #5; the writer deletes #4-#5 and puts back the head row it copied when
    #3 was last (its MAC holds), so only the checkpoint can tell."""
    _events(3)
    saved = _saved_head()
    _events(2)
    checkpoint_create()
    drop_guards()
    AuditEvent.objects.filter(id__gte=4).delete()
    _replay_head(saved)


def _recompute_unkeyed(from_id: int, algorithm: str | None = None, key_id: str | None = None) -> None:
    """What the project's own (unkeyed) function lets anyone do: re-hash every event from `from_id` on."""
    prev = AuditEvent.objects.get(pk=from_id - 1).hash if from_id > 1 else GENESIS_HASH
    for event in AuditEvent.objects.filter(id__gte=from_id).order_by("id"):
        if algorithm is not None:
            event.algorithm, event.key_id = algorithm, key_id or ""
        event.prev_hash = prev
        event.hash = prev = audit_event_hash(prev, event.hash_payload(), preferred_hash_algorithm())
        event.save()
    _set_head(AuditEvent.objects.order_by("-id").values_list("id", flat=True).first())


def _verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", *args)
    assert exc.value.returncode == 1
    return str(exc.value)


def _downloads(tmp_path, signing_key_files):
    """What a member of the public saved from /public/audit/: the public key and checkpoints.json."""
    checkpoints = tmp_path / "checkpoints.json"
    checkpoints.write_text(json.dumps(checkpoints_document()))
    return ["--public-key", str(signing_key_files[1]), "--checkpoints", str(checkpoints)]


def test_intact_trail_with_checkpoints_verifies(tmp_path, signing_key_files, capsys):
    _events(4)
    checkpoint_create()
    _events(2)
    checkpoint_create()
    call_command("audit", "verify", *_downloads(tmp_path, signing_key_files))
    assert "共校验 6 个事件、2 个检查点并校验签名" in capsys.readouterr().out


def test_edit_one_field():
    _events(5)
    drop_guards()
    AuditEvent.objects.filter(pk=3).update(object_label="篡改")
    assert _verify_fails() == "审计链被破坏:事件 #3 的 HMAC 不符(内容被修改或哈希被重算)"


def test_delete_middle_event():
    _events(5)
    drop_guards()
    AuditEvent.objects.filter(pk=3).delete()
    assert _verify_fails() == "审计链被破坏:事件编号不连续(缺少 #3)"
    assert audit.verify_chain().check == "sequence"


def test_delete_tail_only():
    _events(5)
    drop_guards()
    AuditEvent.objects.filter(id__gte=4).delete()
    assert _verify_fails() == "审计链被破坏:链头与最后事件不符(链头记录事件 #5,链中最后是事件 #3)"
    assert audit.verify_chain().bad_event_id == 4


def test_delete_tail_and_rewrite_head_is_caught_by_the_head_mac():
    """Probe from issue 8: passed verify before (the head matched the new last event). Without the audit
    key the writer cannot give the rewritten head a valid MAC — no checkpoint needed."""
    _events(5)
    drop_guards()
    AuditEvent.objects.filter(id__gte=4).delete()
    _set_head(3)
    assert _verify_fails() == "审计链被破坏:链头的 HMAC 不符(链头被改写,事件 #3 之后的事件可能被删除)"
    assert (audit.verify_chain().check, audit.verify_chain().bad_event_id) == ("head_mac", 4)


def test_an_intact_head_mac_verifies_and_an_emptied_one_does_not():
    _events(3)
    assert audit.verify_chain().ok
    AuditChainHead.objects.filter(pk=1).update(mac="")
    assert audit.verify_chain().check == "head_mac"


def test_delete_tail_and_replay_a_saved_head_is_caught_by_the_checkpoint():
    """A writer who copied the head row (with its MAC) when event #3 was last can put it back after
    deleting the tail: only a checkpoint signed after #5 tells."""
    _truncate_after_checkpoint_replaying_the_head()
    assert _verify_fails() == "审计链被破坏:检查点 #1 指向的事件 #5 已不存在或被改写"


def test_truncate_after_checkpoint_and_delete_checkpoints_caught_with_public_downloads(
    tmp_path, signing_key_files
):
    """The writer also deletes the database's checkpoints; the public copy and public key still tell."""
    _events(5)
    checkpoint_create()
    saved = _saved_head()
    _events(3)
    checkpoint_create()
    downloads = _downloads(tmp_path, signing_key_files)
    drop_guards()
    AuditEvent.objects.filter(id__gte=6).delete()
    AuditCheckpoint.objects.filter(id=2).delete()
    _replay_head(saved)
    audit_ok_without_downloads = audit.verify_chain()
    assert audit_ok_without_downloads.ok  # the database alone now looks consistent (checkpoint #1 holds)
    assert _verify_fails(*downloads) == "审计链被破坏:检查点 #2 指向的事件 #8 已不存在或被改写"


def test_full_recompute_with_the_unkeyed_function():
    """Probe from issue 8: edit event #2 and recompute every following hash; passed verify before."""
    _events(5)
    drop_guards()
    AuditEvent.objects.filter(pk=2).update(after={"n": 99})
    _recompute_unkeyed(2)
    assert _verify_fails() == "审计链被破坏:事件 #2 的 HMAC 不符(内容被修改或哈希被重算)"


def test_full_recompute_declaring_the_old_unkeyed_algorithm():
    """The writer rewrites the whole chain in the legacy unkeyed format: refused from event #1."""
    _events(5)
    drop_guards()
    _recompute_unkeyed(1, algorithm=preferred_hash_algorithm())
    message = _verify_fails()
    assert message == f"审计链被破坏:事件 #1 未用 HMAC 保护(算法 {preferred_hash_algorithm()})"


def test_reorder_two_events():
    _events(5)
    drop_guards()
    second, third = AuditEvent.objects.get(pk=2), AuditEvent.objects.get(pk=3)
    AuditEvent.objects.filter(pk=3).update(hash="placeholder")
    for target, source in ((2, third), (3, second)):
        AuditEvent.objects.filter(pk=target).update(**{name: getattr(source, name) for name in FIELDS})
    assert _verify_fails() == "审计链被破坏:事件 #2 的前一哈希与事件 #1 不符(顺序被调换或链被改写)"


def test_reorder_two_events_and_recompute_unkeyed():
    _events(5)
    drop_guards()
    second, third = AuditEvent.objects.get(pk=2), AuditEvent.objects.get(pk=3)
    keep = ["at", "actor_label", "action", "object_id", "after"]
    AuditEvent.objects.filter(pk=2).update(**{name: getattr(third, name) for name in keep})
    AuditEvent.objects.filter(pk=3).update(**{name: getattr(second, name) for name in keep})
    _recompute_unkeyed(2)
    assert audit.verify_chain().bad_event_id == 2
    assert audit.verify_chain().check == "hmac"


def test_head_row_rewritten():
    _events(5)
    AuditChainHead.objects.filter(pk=1).update(last_event_id=7)
    assert _verify_fails() == "审计链被破坏:链头与最后事件不符(链头记录事件 #7,链中最后是事件 #5)"


def test_forged_checkpoint_signature(tmp_path, signing_key_files):
    """The writer truncates and re-signs the checkpoint over the new head; the signature does not hold."""
    _truncate_after_checkpoint_replaying_the_head()
    AuditCheckpoint.objects.filter(pk=1).update(
        event_id=3, head_hash=AuditEvent.objects.get(pk=3).hash, signature="ab" * 64
    )
    assert _verify_fails(*_downloads(tmp_path, signing_key_files)) == "审计链被破坏:检查点 #1 的签名无效"


def test_checkpoint_signed_with_the_attackers_own_key(tmp_path, signing_key_files):
    """A checkpoint re-signed with another key names another fingerprint than the published key's."""
    _truncate_after_checkpoint_replaying_the_head()
    own = Ed25519PrivateKey.generate()
    claim = audit.CheckpointClaim(
        1,
        3,
        AuditEvent.objects.get(pk=3).hash,
        AuditCheckpoint.objects.get(pk=1).signed_at_text(),
        "",
        audit_keys.fingerprint(own.public_key()),
    )
    AuditCheckpoint.objects.filter(pk=1).update(
        event_id=3,
        head_hash=claim.head_hash,
        public_key_fingerprint=claim.public_key_fingerprint,
        signature=own.sign(claim.message()).hex(),
    )
    message = _verify_fails(*_downloads(tmp_path, signing_key_files))
    assert message == "审计链被破坏:检查点 #1 的公钥指纹与所给公钥不符"


def test_deleted_middle_checkpoint():
    _events(2)
    checkpoint_create()
    _events(1)
    checkpoint_create()
    drop_guards()
    AuditCheckpoint.objects.filter(pk=1).delete()
    assert _verify_fails() == "审计链被破坏:检查点编号不连续(缺少检查点 #1)"


def test_checkpoint_refuses_to_sign_a_broken_chain():
    _events(3)
    drop_guards()
    AuditEvent.objects.filter(pk=2).update(action="forged")
    with pytest.raises(CommandError, match="不能签发检查点:事件 #2 的 HMAC 不符"):
        call_command("audit", "checkpoint")
    assert AuditCheckpoint.objects.count() == 0


def test_checkpoint_of_an_empty_chain_is_refused():
    with pytest.raises(CommandError, match="还没有事件"):
        call_command("audit", "checkpoint")


def test_verify_is_read_only(tmp_path, signing_key_files):
    _events(3)
    checkpoint_create()
    before = (
        AuditEvent.objects.count(),
        AuditCheckpoint.objects.count(),
        AuditChainHead.objects.get().last_hash,
    )
    call_command("audit", "verify", *_downloads(tmp_path, signing_key_files))
    assert (
        AuditEvent.objects.count(),
        AuditCheckpoint.objects.count(),
        AuditChainHead.objects.get().last_hash,
    ) == before


def test_unreadable_downloads_are_refused_in_chinese(tmp_path):
    _events(1)
    (tmp_path / "bad.pem").write_text("not a key")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(CommandError, match="公钥文件不是 PEM 格式"):
        call_command("audit", "verify", "--public-key", str(tmp_path / "bad.pem"))
    with pytest.raises(CommandError, match="检查点文件格式不对"):
        call_command("audit", "verify", "--checkpoints", str(tmp_path / "bad.json"))
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("audit", "verify", "--checkpoints", str(tmp_path / "absent.json"))


def test_next_checkpoint_refuses_after_truncation_below_the_previous_one():
    """Checkpoints check incrementally from the previous one: its event must still be there."""
    _truncate_after_checkpoint_replaying_the_head()
    with pytest.raises(CommandError, match="检查点 #1 指向的事件 #5 已不存在或被改写"):
        call_command("audit", "checkpoint")


def test_next_checkpoint_refuses_an_edit_after_the_previous_one():
    _events(3)
    checkpoint_create()
    _events(2)
    drop_guards()
    AuditEvent.objects.filter(pk=5).update(action="forged")
    with pytest.raises(CommandError, match="事件 #5 的 HMAC 不符"):
        call_command("audit", "checkpoint")
    assert AuditCheckpoint.objects.count() == 1


def test_next_checkpoint_refuses_a_forged_previous_signature():
    _events(3)
    checkpoint_create()
    drop_guards()
    AuditCheckpoint.objects.filter(pk=1).update(signature="cd" * 64)
    with pytest.raises(CommandError, match="检查点 #1 的签名无效"):
        call_command("audit", "checkpoint")


def test_incremental_checkpoint_of_an_intact_chain(capsys):
    _events(3)
    checkpoint_create()
    _events(2)
    call_command("audit", "checkpoint")
    assert capsys.readouterr().out.startswith("已签发检查点 #2:事件 #5")
    assert audit.verify_chain().ok
