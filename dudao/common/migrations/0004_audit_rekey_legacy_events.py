"""Re-key events written before the chain was keyed (SEC-1).

The legacy unkeyed chain is checked first: if it is already broken the migration stops, so tampering
from before the upgrade is not laundered into valid HMACs. Then every legacy event gets an HMAC with the
current chain key (`DUDAO_AUDIT_KEY`), chained from the genesis hash, and the head row follows. The payload
below is frozen here on purpose: it is the legacy format, whatever `AuditEvent.hash_payload` becomes.
"""

from django.db import migrations

from dudao.common import audit_keys
from dudao.common.domain import GENESIS_HASH, audit_event_hash, audit_event_mac, keyed_algorithm

CHUNK = 2000


def _payload(event, key_id=""):
    payload = {
        "id": event.id,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "algorithm": event.algorithm,
    }
    if key_id:
        payload["key_id"] = key_id
    return payload


def _legacy_events(AuditEvent):
    last_id = 0
    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1].id


def rekey(apps, schema_editor):
    AuditEvent = apps.get_model("common", "AuditEvent")
    AuditChainHead = apps.get_model("common", "AuditChainHead")
    if not AuditEvent.objects.filter(key_id="").exists():
        return
    if AuditEvent.objects.exclude(key_id="").exists():
        raise RuntimeError("审计链中已有加密钥事件,不能再重签旧事件")
    expected_prev, expected_id = GENESIS_HASH, 1
    for chunk in _legacy_events(AuditEvent):
        for event in chunk:
            recomputed = audit_event_hash(event.prev_hash, _payload(event), event.algorithm)
            if event.id != expected_id or event.prev_hash != expected_prev or recomputed != event.hash:
                raise RuntimeError(f"旧审计链在事件 #{event.id} 处已被破坏,拒绝重签;请先调查(dudao audit verify)")
            expected_prev, expected_id = event.hash, expected_id + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or (head.last_event_id, head.last_hash) != (expected_id - 1, expected_prev):
        raise RuntimeError("旧审计链的链头与最后事件不符,拒绝重签;请先调查")

    key = audit_keys.current_chain_key()
    prev = GENESIS_HASH
    for chunk in _legacy_events(AuditEvent):
        for event in chunk:
            event.algorithm = keyed_algorithm(event.algorithm)
            event.key_id = key.key_id
            event.prev_hash = prev
            event.hash = prev = audit_event_mac(key.secret, prev, _payload(event, key.key_id), event.algorithm)
        AuditEvent.objects.bulk_update(chunk, ["algorithm", "key_id", "prev_hash", "hash"])
    head.last_hash = prev
    head.save(update_fields=["last_hash"])


class Migration(migrations.Migration):
    dependencies = [("common", "0003_audit_keyed_chain_checkpoints")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop, elidable=False)]
