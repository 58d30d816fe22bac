"""Background tasks of the renewals app (django-tasks `db_worker`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from . import services


@task()
def close_expired_task(today: str | None = None) -> dict[str, Any]:
    """Daily: filings of refused renewals become `expired` after their last valid day (REN-4); idempotent."""
    return services.renewals_close_expired(today=dt.date.fromisoformat(today) if today else None)
