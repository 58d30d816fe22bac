"""Audit keys live outside the database; production refuses to run without real ones (SEC-1)."""

from __future__ import annotations

import importlib

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from dudao.common import audit, audit_keys
from dudao.common.checks import audit_keys_configured
from dudao.common.domain import GENESIS_HASH, audit_event_hash, preferred_hash_algorithm
from dudao.common.models import AuditChainHead, AuditEvent
from tests.audit.guards import drop_guards

KEY_32 = "k" * 32


@pytest.fixture
def production(settings, tmp_path):
    settings.PRODUCTION = True
    settings.DUDAO_AUDIT_KEY = KEY_32
    settings.DUDAO_AUDIT_SIGNING_KEY = str(tmp_path / "signing.pem")
    settings.DUDAO_AUDIT_PUBLIC_KEY = ""
    return settings


def _ids(errors):
    return [e.id for e in errors]


def test_production_with_keys_passes_the_check(production):
    assert audit_keys_configured() == []


def test_production_without_chain_key_refuses_to_start(production):
    production.DUDAO_AUDIT_KEY = ""
    assert _ids(audit_keys_configured()) == ["dudao.E101"]


def test_production_key_length_boundary(production):
    """32 characters pass, 31 do not (a flipped comparison fails one side)."""
    production.DUDAO_AUDIT_KEY = "k" * 31
    assert _ids(audit_keys_configured()) == ["dudao.E101"]
    production.DUDAO_AUDIT_KEY = KEY_32
    assert audit_keys_configured() == []


def test_production_key_must_differ_from_secret_key(production):
    production.DUDAO_AUDIT_KEY = production.SECRET_KEY = "s" * 40
    assert _ids(audit_keys_configured()) == ["dudao.E101"]


def test_production_without_signing_or_public_key_refuses_to_start(production):
    production.DUDAO_AUDIT_SIGNING_KEY = ""
    assert _ids(audit_keys_configured()) == ["dudao.E102"]
    production.DUDAO_AUDIT_PUBLIC_KEY = "/etc/dudao/audit-public-key.pem"
    assert audit_keys_configured() == []


def test_development_needs_no_keys(settings):
    settings.PRODUCTION = False
    settings.DUDAO_AUDIT_KEY = ""
    assert audit_keys_configured() == []
    assert audit_keys.current_chain_key().key_id == "dev"


@pytest.mark.django_db
def test_production_refuses_to_record_without_key(production):
    production.DUDAO_AUDIT_KEY = ""
    with pytest.raises(audit_keys.AuditKeyMissing), transaction.atomic():
        audit.record(actor=None, action="test.write", object_type="t")
    assert AuditEvent.objects.count() == 0


def test_production_never_generates_a_signing_key(production):
    production.DUDAO_AUDIT_SIGNING_KEY = ""
    with pytest.raises(audit_keys.AuditKeyMissing, match="DUDAO_AUDIT_SIGNING_KEY"):
        audit_keys.signing_key()


def test_keygen_writes_a_private_key_only_the_owner_reads(tmp_path):
    call_command("audit", "keygen", "--output", str(tmp_path))
    assert (tmp_path / "audit-signing-key.pem").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "audit-public-key.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    with pytest.raises(CommandError, match="不覆盖"):
        call_command("audit", "keygen", "--output", str(tmp_path))


@pytest.mark.django_db
def test_rotated_key_verifies_while_the_retired_key_is_configured(settings):
    settings.DUDAO_AUDIT_KEY, settings.DUDAO_AUDIT_KEY_ID, settings.DUDAO_AUDIT_RETIRED_KEYS = KEY_32, "1", ""
    with transaction.atomic():
        audit.record(actor=None, action="test.write", object_type="t")
    settings.DUDAO_AUDIT_KEY, settings.DUDAO_AUDIT_KEY_ID = "n" * 32, "2"
    with transaction.atomic():
        audit.record(actor=None, action="test.write", object_type="t")
    assert list(AuditEvent.objects.values_list("key_id", flat=True)) == ["1", "2"]
    result = audit.verify_chain()
    assert (result.ok, result.bad_event_id) == (False, 1)
    assert result.reason == "事件 #1 的密钥「1」未配置,无法校验"
    settings.DUDAO_AUDIT_RETIRED_KEYS = f"1={KEY_32}"
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_wrong_key_is_detected(settings):
    settings.DUDAO_AUDIT_KEY, settings.DUDAO_AUDIT_KEY_ID = KEY_32, "1"
    with transaction.atomic():
        audit.record(actor=None, action="test.write", object_type="t")
    settings.DUDAO_AUDIT_KEY = "x" * 32
    assert audit.verify_chain().reason == "事件 #1 的 HMAC 不符(内容被修改或哈希被重算)"


# --- migration 0004: legacy unkeyed rows are re-keyed once, only if intact ---------------------------

_rekey = importlib.import_module("dudao.common.migrations.0004_audit_rekey_legacy_events").rekey
_seal_head = importlib.import_module("dudao.common.migrations.0006_audit_head_mac").seal_head


def _legacy_chain(n: int) -> None:
    """Rows as the unkeyed chain wrote them before this change."""
    from django.utils import timezone

    prev = GENESIS_HASH
    algorithm = preferred_hash_algorithm()
    for i in range(1, n + 1):
        event = AuditEvent(
            id=i, at=timezone.now(), action="legacy", object_type="t", object_id=str(i), algorithm=algorithm
        )
        event.prev_hash = prev
        event.hash = prev = audit_event_hash(prev, event.hash_payload(), algorithm)
        event.save(force_insert=True)
    AuditChainHead.objects.create(pk=1, last_event_id=n, last_hash=prev)


@pytest.mark.django_db
def test_rekey_migration_turns_an_intact_legacy_chain_into_a_keyed_one(settings):
    from django.apps import apps

    settings.DUDAO_AUDIT_KEY, settings.DUDAO_AUDIT_KEY_ID = KEY_32, "1"
    _legacy_chain(4)
    assert audit.verify_chain().reason == f"事件 #1 未用 HMAC 保护(算法 {preferred_hash_algorithm()})"
    drop_guards()  # the migration runs before the triggers exist
    _rekey(apps, None)
    assert audit.verify_chain().check == "head_mac"  # migration 0006 seals the head
    _seal_head(apps, None)
    result = audit.verify_chain()
    assert (result.ok, result.checked) == (True, 4)
    assert set(AuditEvent.objects.values_list("algorithm", "key_id")) == {
        ("hmac-" + preferred_hash_algorithm(), "1")
    }
    _rekey(apps, None)  # idempotent: nothing left to re-key
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_rekey_migration_refuses_a_broken_legacy_chain(settings):
    from django.apps import apps

    _legacy_chain(4)
    drop_guards()
    AuditEvent.objects.filter(pk=2).update(action="forged")
    with pytest.raises(RuntimeError, match="事件 #2 处已被破坏"):
        _rekey(apps, None)
    assert AuditEvent.objects.get(pk=1).key_id == ""
