"""Periodic reminders: a registry of deadline providers, run once a day (or hour) by cron or a worker.

Any app registers a provider in its own `reminders.py` (found by autodiscovery)::

    from dudao.notifications.tasks import Reminder, register_reminder_provider

    @register_reminder_provider("renewals.deadlines")
    def renewal_deadlines(*, today):
        for app in applications_due_within(today, workdays=3):
            yield Reminder(
                recipients=authority_staff_for_region(app.institution.region_id),
                kind="renewal.due_soon",
                title=f"{app.institution.name} 的延续备案申请将于 {app.decide_by} 到期办结",
                link=f"/renewals/{app.pk}/",
                obj=app,
                dedupe_key=f"renewal.due_soon:{app.pk}",
            )

A provider yields `Reminder`s or plain 7-tuples
`(recipients, kind, title, body, link, obj, dedupe_key)`. The dedupe key is required: the job runs
again and again, and each recipient gets a given key only once (`services.notify`). Each provider
runs in its own transaction; one that fails is rolled back and reported, the others still run.

Scheduling (pick one):

* cron runs the job itself, e.g. every day at 07:30 and 13:30 Beijing time::

      30 7,13 * * *  cd /srv/dudao && .venv/bin/dudao notify-due >> var/log/notify-due.log 2>&1

* cron only enqueues, and the `db_worker` that already runs the other background tasks does the
  work (useful with several app hosts: any worker picks it up, none needs the code's cron)::

      30 7,13 * * *  cd /srv/dudao && .venv/bin/dudao notify-due --enqueue
      # and, under systemd or supervisord:  .venv/bin/dudao db_worker

Running it more often than needed, or twice at once, is harmless: sending is idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks import task

from . import services

logger = logging.getLogger(__name__)


class Reminder(NamedTuple):
    """One reminder to send: the arguments of `services.notify` (dedupe_key required)."""

    recipients: Any
    kind: str
    title: str
    body: str = ""
    link: str = ""
    obj: Any = None
    dedupe_key: str = ""


ReminderProvider = Callable[..., Iterable[Any]]

_PROVIDERS: dict[str, ReminderProvider] = {}
_discovered = False


def register_reminder_provider(name: str) -> Callable[[ReminderProvider], ReminderProvider]:
    """Decorator: register `provider(*, today: date) -> Iterable[Reminder]` under a unique `name`."""

    def decorator(provider: ReminderProvider) -> ReminderProvider:
        existing = _PROVIDERS.get(name)
        if existing is not None and existing is not provider:
            raise ValueError(f"reminder provider {name!r} is already registered")
        _PROVIDERS[name] = provider
        return provider

    return decorator


def unregister_reminder_provider(name: str) -> None:
    """Remove a provider (tests that register their own)."""
    _PROVIDERS.pop(name, None)


def reminder_providers() -> dict[str, ReminderProvider]:
    """The registered providers, after importing every installed app's `reminders` module once."""
    global _discovered
    if not _discovered:
        autodiscover_modules("reminders")
        _discovered = True
    return dict(_PROVIDERS)


@dataclass
class ReminderRun:
    """What one run did: new messages per provider, and the providers that failed (with the error)."""

    today: dt.date
    sent: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "sent": self.sent,
            "failed": self.failed,
            "total": self.total,
        }


def _as_reminder(item: Any) -> Reminder:
    reminder = item if isinstance(item, Reminder) else Reminder(*item)
    if not reminder.dedupe_key:
        raise ValueError(f"reminder {reminder.kind!r} has no dedupe_key: a periodic job must be idempotent")
    return reminder


def run_due_reminders(*, today: dt.date | None = None, only: Iterable[str] | None = None) -> ReminderRun:
    """Call every registered provider (or those in `only`) and send what they yield, idempotently."""
    today = today or timezone.localdate()
    run = ReminderRun(today=today)
    providers = reminder_providers()
    names = sorted(providers) if only is None else [n for n in only if n in providers]
    for name in names:
        try:
            with transaction.atomic():
                sent = 0
                for item in providers[name](today=today):
                    r = _as_reminder(item)
                    sent += services.notify(
                        recipients=r.recipients,
                        kind=r.kind,
                        title=r.title,
                        body=r.body,
                        link=r.link,
                        obj=r.obj,
                        dedupe_key=r.dedupe_key,
                    )
        except Exception as exc:  # one broken provider must not stop the others' reminders
            logger.exception("reminder provider %s failed", name)
            run.failed[name] = f"{type(exc).__name__}: {exc}"
        else:
            run.sent[name] = sent
    return run


@task()
def run_due_reminders_task(today: str | None = None) -> dict[str, Any]:
    """Background-worker entry point (`db_worker`); arguments and result are JSON for the DB queue."""
    day = dt.date.fromisoformat(today) if today else None
    return run_due_reminders(today=day).as_dict()
