"""Migration 0002 keeps existing draws readable (issue 8 §7): draws published before witnesses existed are
marked `seed_scheme = "server"` (verification warns "无见证人熵(旧版抽取)" instead of failing), a draw only
defined must register witnesses before it is published, and a cancelled draw gets its cancellation time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.supervision.app_support import TODAY

BEFORE = [("supervision", "0001_initial")]
AFTER = [("supervision", "0002_draw_witnesses")]


@pytest.mark.django_db(transaction=True)
def test_published_draws_become_legacy_and_cancelled_ones_get_a_time(world):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("supervision", "Draw")
    base = {
        "authority_id": world.authority.pk,
        "kind": "external",
        "period_start": TODAY,
        "period_end": TODAY + dt.timedelta(days=1),
        "population": "batches",
        "task_kind": "daily",
        "title": "旧抽取",
        "hash_algorithm": "sha256",
    }
    now = timezone.now()
    old.objects.create(number="OLD-1", status="locked", published_at=now, **base)
    old.objects.create(number="OLD-2", status="cancelled", published_at=now, cancel_reason="重抽", **base)
    old.objects.create(number="OLD-3", status="defined", **base)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("supervision", "Draw")
    rows = {d.number: d for d in new.objects.all()}
    assert {n: d.seed_scheme for n, d in rows.items()} == {
        "OLD-1": "server",
        "OLD-2": "server",
        "OLD-3": "witness",
    }
    assert rows["OLD-2"].cancelled_at == rows["OLD-2"].updated_at
    assert rows["OLD-1"].cancelled_at is None
    # Back to the latest state for the other tests.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
