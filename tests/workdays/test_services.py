"""arrangement_save (CAL-3): validation, permissions, audit, row version; selectors overlay and cache."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.workdays import selectors
from dudao.workdays.domain import Result
from dudao.workdays.models import OfficialArrangement
from dudao.workdays.services import arrangement_save

pytestmark = pytest.mark.django_db
D = dt.date

DRAFT_2027 = {
    "year": 2027,
    "days_off": [
        "2027-10-01",
        "2027-10-02",
        "2027-10-03",
        "2027-10-04",
        "2027-10-05",
        "2027-10-06",
        "2027-10-07",
    ],
    "workdays": ["2027-09-26", "2027-10-09"],
    "confirmed": True,
    "source": "国务院办公厅关于2027年部分节假日安排的通知",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    selectors.clear_cache()
    yield
    selectors.clear_cache()


def _counts():
    return OfficialArrangement.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("role", ["superuser", Role.AUTHORITY_ADMIN])
def test_create_is_audited_and_overrides_fallback(users, role):
    actor = users[role]
    assert selectors.calendar().add_workdays(D(2027, 9, 24), 1) == Result(D(2027, 9, 27), True)
    obj = arrangement_save(actor=actor, **DRAFT_2027)
    assert obj.row_version == 1
    assert obj.days_off == DRAFT_2027["days_off"] and obj.workdays == ["2027-09-26", "2027-10-09"]
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.object_type, event.object_id) == (
        "workdays.arrangement.create",
        actor.pk,
        "workdays.officialarrangement",
        str(obj.pk),
    )
    assert (
        event.before is None
        and event.after["year"] == 2027
        and event.after["workdays"] == DRAFT_2027["workdays"]
    )
    # The selector sees the new row: 2027 is now confirmed, Sun 09-26 is worked.
    assert selectors.calendar().add_workdays(D(2027, 9, 24), 1) == Result(D(2027, 9, 26), False)
    assert selectors.calendar().add_workdays(D(2027, 9, 30), 1) == Result(D(2027, 10, 8), False)


def test_update_overrides_shipped_year_and_is_audited(users):
    admin = users[Role.AUTHORITY_ADMIN]
    assert selectors.calendar().is_workday(D(2025, 10, 11))  # shipped: Sat 10-11 worked
    obj = arrangement_save(
        actor=admin, year=2025, days_off=["2025-10-01"], workdays=[], confirmed=True, source="测试覆盖"
    )
    cal = selectors.calendar()
    assert not cal.is_workday(D(2025, 10, 11)) and cal.is_workday(D(2025, 10, 2))
    obj2 = arrangement_save(
        actor=admin,
        year=2025,
        days_off=["2025-10-01", "2025-10-02"],
        workdays=[],
        source="更正",
        row_version=1,
    )
    assert obj2.pk == obj.pk and obj2.row_version == 2
    obj.refresh_from_db()
    assert (obj.days_off, obj.source, obj.row_version) == (["2025-10-01", "2025-10-02"], "更正", 2)
    update = AuditEvent.objects.order_by("id").last()
    assert update.action == "workdays.arrangement.update"
    assert update.before["days_off"] == ["2025-10-01"] and update.after["days_off"] == [
        "2025-10-01",
        "2025-10-02",
    ]
    assert not selectors.calendar().is_workday(D(2025, 10, 2))
    rows = {r.year: r for r in selectors.arrangement_list()}
    assert (rows[2025].origin, rows[2025].row_version, rows[2024].origin) == ("db", 2, "file")


def test_stale_row_version_conflicts_and_changes_nothing(users):
    admin = users["superuser"]
    arrangement_save(actor=admin, **DRAFT_2027)
    before = _counts()
    with pytest.raises(Conflict):
        arrangement_save(actor=admin, **{**DRAFT_2027, "source": "x"}, row_version=7)
    assert _counts() == before
    assert OfficialArrangement.objects.get(year=2027).source == DRAFT_2027["source"]


@pytest.mark.parametrize(
    "role",
    [
        Role.AUTHORITY_STAFF,
        Role.INSTITUTION_ADMIN,
        Role.INSTITUTION_STAFF,
        Role.EXTERNAL_SUPERVISOR,
        Role.INTERNAL_SUPERVISOR,
        Role.EXAMINER,
    ],
)
def test_other_roles_denied(users, role):
    before = _counts()
    with pytest.raises(PermissionDenied):
        arrangement_save(actor=users[role], **DRAFT_2027)
    assert _counts() == before


def test_anonymous_denied(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        arrangement_save(actor=AnonymousUser(), **DRAFT_2027)
    assert _counts() == (0, 0)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"days_off": ["2026-10-01"]}, "days_off", "2026-10-01 不属于 2027 年"),
        ({"workdays": ["2027-10-01"]}, "workdays", "2027-10-01 同时列为放假日和调休上班日"),
        ({"workdays": ["2027-10-08"]}, "workdays", "2027-10-08 不是周六或周日,调休上班日只能是周末"),
        ({"days_off": ["2027-10-01", "2027-10-01"]}, "days_off", "2027-10-01 重复列出"),
        ({"days_off": ["10/01/2027"]}, "days_off", "“10/01/2027”不是有效日期,应为 YYYY-MM-DD"),
        ({"source": "长" * 256}, "source", "确保该变量包含不超过 255 字符 (目前字符数 256)。"),
    ],
)
def test_validation_changes_nothing(users, changes, field, message):
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        arrangement_save(actor=users["superuser"], **{**DRAFT_2027, **changes})
    assert message in exc.value.detail[field]
    assert _counts() == before


def test_selector_cache_reuses_calendar_and_sees_other_writers(users, django_assert_max_num_queries):
    first = selectors.calendar()
    with django_assert_max_num_queries(1):  # only the cache-key aggregate
        assert selectors.calendar() is first
    arrangement_save(actor=users["superuser"], **DRAFT_2027)
    # on_commit never fires inside a test transaction: the new row is seen through the cache key.
    cal = selectors.calendar()
    assert cal is not first and cal.is_confirmed(2027)
    # Another process edits the row: this process's cache is not cleared, the key still changes.
    OfficialArrangement.objects.filter(year=2027).update(confirmed=False, row_version=F("row_version") + 1)
    cal2 = selectors.calendar()
    assert cal2 is not cal and not cal2.is_confirmed(2027)
    OfficialArrangement.objects.all().delete()
    assert selectors.calendar().is_confirmed(2027) is False
    assert [r.year for r in selectors.arrangement_list()] == [2024, 2025, 2026]


def test_cache_key_query_is_cheap(users):
    arrangement_save(actor=users["superuser"], **DRAFT_2027)
    selectors.calendar()
    with CaptureQueriesContext(connection) as ctx:
        selectors.calendar()
    assert len(ctx.captured_queries) == 1
    assert "COUNT" in ctx.captured_queries[0]["sql"].upper()


def test_cli_uses_database_rows(users):
    out = io.StringIO()
    call_command("workdays", "add", "2027-09-24", "1", stdout=out)
    assert out.getvalue() == "2027-09-27 provisional\n"
    arrangement_save(actor=users["superuser"], **DRAFT_2027)
    out = io.StringIO()
    call_command("workdays", "add", "2027-09-24", "1", "--json", stdout=out)
    assert out.getvalue() == '{"date": "2027-09-26", "provisional": false}\n'
    out = io.StringIO()
    call_command("workdays", "list-years", "--json", stdout=out)
    assert '{"year": 2027, "confirmed": true, "origin": "db"' in out.getvalue()


def test_cli_load_year_uses_service(tmp_path):
    import json

    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"arrangements": [DRAFT_2027]}), encoding="utf-8")
    out = io.StringIO()
    call_command("workdays", "load-year", str(path), stdout=out)
    assert out.getvalue() == "已新增 2027 年节假日安排(已确认)\n"
    call_command("workdays", "load-year", str(path), stdout=(out := io.StringIO()))
    assert out.getvalue() == "已更新 2027 年节假日安排(已确认)\n"
    assert OfficialArrangement.objects.get(year=2027).row_version == 2
    assert list(AuditEvent.objects.values_list("action", "actor_label")) == [
        ("workdays.arrangement.create", "system"),
        ("workdays.arrangement.update", "system"),
    ]


def test_cli_load_year_all_or_nothing(tmp_path, capsys):
    import json

    bad = {**DRAFT_2027, "year": 2028}
    path = tmp_path / "two.json"
    path.write_text(json.dumps([DRAFT_2027, bad]), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        call_command("workdays", "load-year", str(path))
    assert exc.value.code == 2
    assert _counts() == (0, 0)
