"""Two processes' writers appending at once still leave one intact chain (PostgreSQL row lock on the head)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from dudao.common import audit
from dudao.common.models import AuditEvent


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_chain_intact():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    audit.record(actor=None, action="test.concurrent", object_type="t", object_id=f"{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.count() == 40
    result = audit.verify_chain()
    assert result.ok and result.checked == 40
