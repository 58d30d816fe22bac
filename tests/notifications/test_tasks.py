"""The periodic reminder job: registered providers, idempotent across runs, the notify-due command.

The providers here are real providers written for the test (over real filings in the database),
registered through the same decorator the apps use; nothing is mocked.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dudao.notifications.models import Message
from dudao.notifications.recipients import authority_staff_for_region, institution_users
from dudao.notifications.tasks import (
    Reminder,
    register_reminder_provider,
    reminder_providers,
    run_due_reminders,
    run_due_reminders_task,
    unregister_reminder_provider,
)
from dudao.registry.models import Filing
from tests import factories as f

pytestmark = pytest.mark.django_db

NAME = "test.filing_expiry"
TODAY = dt.date(2026, 3, 2)


def filing_expiry(*, today):
    """Filings ending within 3 days → their institution's users; already ended → the authority's staff."""
    filings = Filing.objects.filter(
        status=Filing.Status.ACTIVE, valid_until__lte=today + dt.timedelta(days=3)
    )
    for filing in filings.select_related("institution").order_by("pk"):
        if filing.valid_until < today:
            kind, recipients = "renewal.overdue", authority_staff_for_region(filing.institution.region_id)
            title = f"备案 {filing.number} 已过期"
        else:
            kind, recipients = "renewal.due_soon", institution_users(filing.institution)
            title = f"备案 {filing.number} 将于 {filing.valid_until} 到期"
        yield Reminder(
            recipients=recipients,
            kind=kind,
            title=title,
            body="请及时办理延续备案",
            link=f"/registry/filings/{filing.pk}/",
            obj=filing,
            dedupe_key=f"{kind}:{filing.pk}",
        )


@pytest.fixture
def provider():
    register_reminder_provider(NAME)(filing_expiry)
    yield NAME
    unregister_reminder_provider(NAME)


@pytest.fixture
def filings(users, institution):
    return {
        "soon": f.FilingFactory(institution=institution, number="BA-SOON", valid_until=dt.date(2026, 3, 4)),
        "later": f.FilingFactory(
            institution=institution, number="BA-LATER", valid_until=dt.date(2026, 3, 20)
        ),
        "past": f.FilingFactory(institution=institution, number="BA-PAST", valid_until=dt.date(2026, 2, 27)),
    }


def _inbox():
    return sorted(Message.objects.values_list("recipient__username", "kind", "title", "dedupe_key"))


def test_reminder_job_is_idempotent_across_runs(provider, filings):
    run = run_due_reminders(today=TODAY, only=[NAME])
    assert run.sent == {NAME: 4}
    assert run.failed == {}
    soon, past = filings["soon"].pk, filings["past"].pk
    assert _inbox() == [
        ("auth_admin", "renewal.overdue", "备案 BA-PAST 已过期", f"renewal.overdue:{past}"),
        ("auth_staff", "renewal.overdue", "备案 BA-PAST 已过期", f"renewal.overdue:{past}"),
        ("inst_admin", "renewal.due_soon", "备案 BA-SOON 将于 2026-03-04 到期", f"renewal.due_soon:{soon}"),
        ("inst_staff", "renewal.due_soon", "备案 BA-SOON 将于 2026-03-04 到期", f"renewal.due_soon:{soon}"),
    ]
    message = Message.objects.get(recipient__username="inst_admin")
    assert (message.object_type, message.object_id, message.link) == (
        "registry.filing",
        str(soon),
        f"/registry/filings/{soon}/",
    )
    # Second run on the same day: nothing new.
    again = run_due_reminders(today=TODAY, only=[NAME])
    assert again.sent == {NAME: 0}
    assert Message.objects.count() == 4
    # Three days later BA-SOON is overdue: that is a new reminder (new key), sent once.
    later = run_due_reminders(today=dt.date(2026, 3, 5), only=[NAME])
    assert later.sent == {NAME: 2}
    assert Message.objects.filter(dedupe_key=f"renewal.overdue:{soon}").count() == 2
    assert run_due_reminders(today=dt.date(2026, 3, 5), only=[NAME]).sent == {NAME: 0}
    assert Message.objects.count() == 6


def test_a_failing_provider_is_rolled_back_and_does_not_stop_the_others(provider, filings, users):
    @register_reminder_provider("test.broken")
    def broken(*, today):
        yield ([users["authority_staff"]], "k", "半途", "", "", None, "k:1")
        raise RuntimeError("数据源不可用")

    try:
        run = run_due_reminders(today=TODAY, only=["test.broken", NAME])
    finally:
        unregister_reminder_provider("test.broken")
    assert run.sent == {NAME: 4}
    assert run.failed == {"test.broken": "RuntimeError: 数据源不可用"}
    assert Message.objects.filter(kind="k").count() == 0  # its first message was rolled back
    assert Message.objects.count() == 4


def test_reminders_need_a_dedupe_key_and_may_be_plain_tuples(users):
    staff = users["authority_staff"]

    @register_reminder_provider("test.tuples")
    def tuples(*, today):
        yield ([staff], "renewal.due_soon", f"{today} 提醒", "", "/x/", None, f"t:{today}")

    @register_reminder_provider("test.no_key")
    def no_key(*, today):
        yield Reminder(recipients=[staff], kind="renewal.due_soon", title="无去重键")

    try:
        run = run_due_reminders(today=TODAY, only=["test.tuples", "test.no_key"])
    finally:
        unregister_reminder_provider("test.tuples")
        unregister_reminder_provider("test.no_key")
    assert run.sent == {"test.tuples": 1}
    assert run.failed == {
        "test.no_key": "ValueError: reminder 'renewal.due_soon' has no dedupe_key: "
        "a periodic job must be idempotent"
    }
    assert list(Message.objects.values_list("title", "dedupe_key")) == [("2026-03-02 提醒", "t:2026-03-02")]


def test_provider_names_are_unique(provider):
    register_reminder_provider(NAME)(filing_expiry)  # same function again: allowed (module re-import)
    with pytest.raises(ValueError, match="already registered"):
        register_reminder_provider(NAME)(lambda *, today: [])
    assert reminder_providers()[NAME] is filing_expiry


def _command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("notify-due", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_notify_due_command_runs_once_per_call_and_is_idempotent(provider, filings):
    out, _ = _command("--date", "2026-03-02", "--only", NAME, "--json")
    assert json.loads(out) == {"today": "2026-03-02", "sent": {NAME: 4}, "failed": {}, "total": 4}
    out, _ = _command("--date", "2026-03-02", "--only", NAME)
    assert out.splitlines() == [f"{NAME}: 新发送 0 条", "2026-03-02 共新发送 0 条提醒"]
    assert Message.objects.count() == 4
    out, _ = _command("--list")
    assert NAME in out.splitlines()


def test_notify_due_command_errors(provider, users):
    with pytest.raises(CommandError, match="未注册的提醒来源:nope"):
        _command("--only", "nope")
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        _command("--date", "2026-02-30")

    @register_reminder_provider("test.broken")
    def broken(*, today):
        raise RuntimeError("坏了")
        yield  # pragma: no cover

    out = io.StringIO()
    try:
        with pytest.raises(CommandError, match=r"部分提醒来源运行失败:test.broken\(RuntimeError: 坏了\)"):
            call_command("notify-due", "--only", "test.broken", "--json", stdout=out)
    finally:
        unregister_reminder_provider("test.broken")
    assert json.loads(out.getvalue())["failed"] == {"test.broken": "RuntimeError: 坏了"}


@pytest.mark.django_db(transaction=True)  # the worker closes a connection left in a test transaction
def test_enqueue_then_db_worker_runs_the_job(provider, filings):
    from django_tasks_db.models import DBTaskResult

    out, _ = _command("--enqueue", "--date", "2026-03-02")
    row = DBTaskResult.objects.get()
    assert out == f"已放入任务队列:{row.id}\n"
    assert row.task_path == "dudao.notifications.tasks.run_due_reminders_task"
    assert row.args_kwargs == {"args": ["2026-03-02"], "kwargs": {}}
    assert Message.objects.count() == 0  # nothing sent until a worker runs it

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert row.return_value["sent"][NAME] == 4
    assert Message.objects.count() == 4
    # A second enqueue (cron fired twice) sends nothing more.
    run_due_reminders_task.enqueue("2026-03-02")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Message.objects.count() == 4
