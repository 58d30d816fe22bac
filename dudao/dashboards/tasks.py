"""Background task of the dashboards (django-tasks `db_worker`): rebuild the aggregates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from . import domain, services


@task()
def refresh_task(today: str | None = None, months: int = domain.DEFAULT_MONTHS) -> dict[str, Any]:
    """Nightly (or after an import): rebuild every aggregate; idempotent."""
    done = services.refresh(today=dt.date.fromisoformat(today) if today else None, months=months)
    return {"rows": done.rows, "seconds": done.seconds, "first_month": done.first_month.isoformat()}
