"""What a write leaves behind, for comparing a bulk service with the single-row services it stands for."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models, transaction

from dudao.common.models import AuditEvent
from tests import factories as f


class _Rollback(Exception):
    pass


def written(
    call: Callable[[], object],
    tracked: Iterable[type[models.Model]],
    *,
    volatile: frozenset[str] = frozenset({"created_at", "updated_at"}),
    as_sets: Iterable[type[models.Model]] = (),
) -> tuple[dict, list]:
    """The rows of `tracked` models and the audit events `call` writes (write times left out), then rolled
    back. Rows of `as_sets` models (link tables of a set) are compared as sorted value tuples without ids."""
    tracked, as_sets = list(tracked), set(as_sets)
    f.restart_id_sequences(tracked)
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    before = {m: set(m.objects.values_list("pk", flat=True)) for m in tracked}
    captured: dict = {}
    try:
        with transaction.atomic():
            call()
            rows = {}
            for m in tracked:
                new = m.objects.exclude(pk__in=before[m]).order_by("pk").values()
                kept = [{k: v for k, v in row.items() if k not in volatile} for row in new]
                if m in as_sets:
                    kept = sorted(tuple(v for k, v in sorted(row.items()) if k != "id") for row in kept)
                rows[m.__name__] = kept
            captured["rows"] = rows
            captured["events"] = sorted(
                (
                    e.action,
                    e.object_type,
                    e.object_id,
                    repr({k: v for k, v in (e.after or {}).items() if not k.endswith("_at")}),
                )
                for e in AuditEvent.objects.filter(id__gt=start)
            )
            raise _Rollback
    except _Rollback:
        pass
    return captured["rows"], captured["events"]
