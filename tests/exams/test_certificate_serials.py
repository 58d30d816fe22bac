"""CERT-1 on PostgreSQL: two workers reserving serials of one prefix at the same time never share a number,
and the sequence only grows with what was issued (a rolled-back block was never issued: the next block
takes its numbers, so no issued number is ever handed out twice)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from dudao.exams.models import CertificateSerial
from dudao.exams.services import reserve_serials

PREFIX = "S000036000123274"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL (CI runs it)")
def test_two_concurrent_workers_never_collide():
    got: list[list[int]] = [[], []]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(slot: int) -> None:
        try:
            start.wait()
            for _ in range(50):
                with transaction.atomic():
                    got[slot].extend(reserve_serials(PREFIX, 7))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    every = got[0] + got[1]
    assert len(every) == len(set(every)) == 700
    assert sorted(every) == list(range(1, 701))
    assert CertificateSerial.objects.get(prefix=PREFIX).last == 700


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_block_is_not_handed_out_twice():
    with transaction.atomic():
        assert list(reserve_serials(PREFIX, 3)) == [1, 2, 3]
    try:
        with transaction.atomic():
            reserve_serials(PREFIX, 2)
            raise RuntimeError("issuing failed")
    except RuntimeError:
        pass
    with transaction.atomic():
        assert list(reserve_serials(PREFIX, 1)) == [4]  # 4–5 rolled back, never issued: 4 is next
    assert list(reserve_serials(PREFIX, 0)) == []
