"""The database itself refuses to change or remove audit rows (SEC-1, issue 8 §3)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from dudao.common import audit
from dudao.common.audit_checkpoints import checkpoint_create
from dudao.common.models import AuditCheckpoint, AuditEvent
from tests.audit.guards import drop_guards

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail():
    for i in range(3):
        with transaction.atomic():
            audit.record(actor=None, action="test.write", object_type="t", object_id=str(i))
    checkpoint_create()


def _refused(sql: str) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


@pytest.mark.parametrize("table", ["common_auditevent", "common_auditcheckpoint"])
def test_update_and_delete_refused(trail, table):
    _refused(f"UPDATE {table} SET id = id WHERE id = 1")  # noqa: S608 - table names are constants
    _refused(f"DELETE FROM {table} WHERE id = 1")  # noqa: S608
    _refused(f"DELETE FROM {table}")  # noqa: S608
    assert AuditEvent.objects.count() == 3 and AuditCheckpoint.objects.count() == 1


def test_orm_update_and_delete_refused(trail):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=2).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=3).delete()
    assert audit.verify_chain().ok


def test_appending_still_works(trail):
    with transaction.atomic():
        audit.record(actor=None, action="test.write", object_type="t", object_id="after")
    checkpoint_create()
    assert AuditEvent.objects.count() == 4 and AuditCheckpoint.objects.count() == 2


def test_guards_can_be_lifted_only_by_dropping_them(trail):
    """The tamper tests' premise: with the triggers dropped (file/owner access) the rows change."""
    drop_guards()
    AuditEvent.objects.filter(pk=2).update(action="forged")
    assert AuditEvent.objects.get(pk=2).action == "forged"


@pytest.mark.pg
@pytest.mark.parametrize("table", ["common_auditevent", "common_auditcheckpoint"])
def test_postgresql_refuses_truncate(trail, table):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no TRUNCATE")
    _refused(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 3 and AuditCheckpoint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_still_flush_audit_rows():
    """Django empties the tables after this test; tests/conftest.py lifts the triggers around that flush."""
    with transaction.atomic():
        audit.record(actor=None, action="test.write", object_type="t")
    assert AuditEvent.objects.count() == 1
