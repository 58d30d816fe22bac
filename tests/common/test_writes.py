"""The one write-helper layer (dudao.common.writes): every helper, both sides of each check."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dudao.common import writes
from dudao.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.registry.models import Occupation
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def occupation():
    return f.OccupationFactory(code="4-03-02-01", name="中式烹调师")


def test_fail_names_the_field_and_keeps_the_code():
    error = writes.fail("name", "请填写名称", code="required")
    assert (error.message, error.code, error.detail, error.status) == (
        "请填写名称",
        "required",
        {"name": ["请填写名称"]},
        422,
    )


def test_require_passes_when_allowed_and_refuses_with_403_otherwise():
    writes.require(True)
    with pytest.raises(PermissionDenied) as exc:
        writes.require(False, "只有组长可以提交")
    assert (exc.value.status, exc.value.message) == (403, "只有组长可以提交")


def test_require_perm_refuses_anonymous_and_a_user_without_the_permission(users):
    with pytest.raises(PermissionDenied):
        writes.require_perm(None, "registry.add_occupation")
    with pytest.raises(PermissionDenied):
        writes.require_perm(users["examiner"], "registry.add_occupation")
    writes.require_perm(users["superuser"], "registry.add_occupation")


# ------------------------------------------------------------------------------------------ check_version
def test_check_version_refuses_a_missing_version_with_its_own_code(occupation):
    for missing in (None, ""):
        with pytest.raises(ValidationFailed) as exc:
            writes.check_version(occupation, missing)
        assert (exc.value.status, exc.value.code) == (422, "missing_version")
        assert exc.value.detail == {"row_version": ["缺少版本号,请刷新后重试"]}


def test_check_version_refuses_garbage_like_a_missing_version(occupation):
    with pytest.raises(ValidationFailed) as exc:
        writes.check_version(occupation, "abc")
    assert (exc.value.code, exc.value.message) == ("missing_version", "版本号无效,请刷新后重试")


@pytest.mark.parametrize("stale", [0, 2])
def test_check_version_refuses_a_stale_version_with_409(occupation, stale):
    assert occupation.row_version == 1
    with pytest.raises(Conflict) as exc:
        writes.check_version(occupation, stale)
    assert (exc.value.status, exc.value.code, exc.value.message) == (
        409,
        "stale_version",
        writes.STALE_MESSAGE,
    )
    assert exc.value.detail == {"row_version": 1}


@pytest.mark.parametrize("given", [1, "1"])
def test_check_version_passes_the_version_that_was_read(occupation, given):
    writes.check_version(occupation, given)


def test_lock_version_returns_the_fresh_row_or_refuses(occupation):
    Occupation.objects.filter(pk=occupation.pk).update(name="新名称", row_version=2)
    fresh = writes.lock_version(occupation, 2)
    assert (fresh.name, fresh.row_version) == ("新名称", 2)
    with pytest.raises(Conflict):
        writes.lock_version(occupation, 1)


# ------------------------------------------------------------------------------------------ lock, lookup
def test_lock_by_model_and_pk_or_by_instance(occupation):
    assert writes.lock(Occupation, occupation.pk) == occupation
    assert writes.lock(occupation) == occupation
    assert writes.lock(Occupation, occupation) == occupation


@pytest.mark.parametrize("pk", [999_999, "x", None])
def test_lock_of_a_missing_row_is_404(pk):
    with pytest.raises(NotFound):
        writes.lock(Occupation, pk)


def test_visible_or_404_answers_missing_and_out_of_scope_alike(occupation):
    scope = Occupation.objects.filter(is_active=True)
    assert writes.visible_or_404(scope, occupation.pk) == occupation
    assert writes.visible_or_404(scope, occupation) == occupation
    Occupation.objects.filter(pk=occupation.pk).update(is_active=False)
    for value in (occupation.pk, 999_999, "abc"):
        with pytest.raises(NotFound):
            writes.visible_or_404(scope, value)


def test_ref_or_fail_resolves_in_scope_and_names_the_field_otherwise(occupation):
    scope = Occupation.objects.all()
    assert writes.ref_or_fail(scope, None, "occupation", "职业不存在") is None
    assert writes.ref_or_fail(scope, "", "occupation", "职业不存在") is None
    assert writes.ref_or_fail(scope, occupation.pk, "occupation", "职业不存在") == occupation
    with pytest.raises(ValidationFailed) as exc:
        writes.ref_or_fail(scope, 999_999, "occupation", "职业不存在")
    assert exc.value.detail == {"occupation": ["职业不存在"]}


def test_pk_of_an_instance_or_a_value(occupation):
    assert (writes.pk_of(occupation), writes.pk_of(7), writes.pk_of("7")) == (occupation.pk, 7, "7")


# ------------------------------------------------------------------------------------------ saving
def test_save_new_validates_before_inserting():
    with pytest.raises(ValidationFailed) as exc:
        writes.save_new(Occupation(code="", name="无代码"))
    assert "code" in exc.value.detail
    assert not Occupation.objects.exists()
    row = Occupation(code="4-01-01-01", name="保安员")
    writes.save_new(row)
    assert Occupation.objects.get().name == "保安员"


def test_save_fields_bumps_the_version_and_saves_only_the_named_fields(occupation):
    Occupation.objects.filter(pk=occupation.pk).update(source="别处改的")
    occupation.name = "烹调师"
    occupation.source = "不保存"
    writes.save_fields(occupation, ["name"])
    stored = Occupation.objects.get(pk=occupation.pk)
    assert (stored.name, stored.source, stored.row_version) == ("烹调师", "别处改的", 2)


def test_save_fields_refuses_an_invalid_row(occupation):
    occupation.name = ""
    with pytest.raises(ValidationFailed):
        writes.save_fields(occupation, ["name"])
    assert Occupation.objects.get(pk=occupation.pk).row_version == 1


def test_save_changed_writes_and_audits_only_real_changes(occupation, users):
    actor = users["superuser"]
    before = {"name": occupation.name}
    unchanged = writes.save_changed(
        occupation, {"name": "中式烹调师"}, actor=actor, action="registry.occupation.update", before=before
    )
    assert (unchanged, AuditEvent.objects.count(), occupation.row_version) == (False, 0, 1)
    changed = writes.save_changed(
        occupation, {"name": "中式面点师"}, actor=actor, action="registry.occupation.update", before=before
    )
    event = AuditEvent.objects.get()
    assert (changed, event.action, event.after["name"]) == (True, "registry.occupation.update", "中式面点师")
    assert Occupation.objects.get(pk=occupation.pk).row_version == 2


def test_check_fields_refuses_fields_outside_the_allowed_ones():
    writes.check_fields({"name": "x"}, ["name", "code"])
    with pytest.raises(ValidationFailed) as exc:
        writes.check_fields({"name": "x", "row_id": 1, "code": "y"}, ["name"])
    assert exc.value.detail == {"code": ["不可修改"], "row_id": ["不可修改"]}


# ------------------------------------------------------------------------------------------ text, dates
def test_text_strips_and_cuts():
    assert (writes.text(None), writes.text("  甲 "), writes.text(12), writes.text("abcdef", limit=3)) == (
        "",
        "甲",
        "12",
        "abc",
    )


def test_required_text_and_checked_text_refuse_empty_and_too_long():
    assert writes.required_text(" 意见 ", "body", "意见", 2) == "意见"
    with pytest.raises(ValidationFailed) as exc:
        writes.required_text("  ", "body", "意见")
    assert exc.value.detail == {"body": ["请填写意见"]}
    with pytest.raises(ValidationFailed) as exc:
        writes.required_text("三个字", "body", "意见", 2)
    assert exc.value.detail == {"body": ["意见不能超过 2 个字"]}
    assert writes.checked_text(None, "note", "说明", limit=3, required=False) == ""
    assert writes.checked_text("abc", "note", "说明", limit=3, required=False) == "abc"
    with pytest.raises(ValidationFailed):
        writes.checked_text("abcd", "note", "说明", limit=3, required=False)


def test_parse_date_accepts_dates_datetimes_and_iso_strings():
    local = ZoneInfo("Asia/Shanghai")
    late_utc = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)  # already 2 March in Shanghai
    assert writes.parse_date(dt.date(2026, 3, 1), "d") == dt.date(2026, 3, 1)
    assert writes.parse_date(late_utc, "d") == late_utc.astimezone(local).date() == dt.date(2026, 3, 2)
    assert writes.parse_date(dt.datetime(2026, 3, 1, 23, 0), "d") == dt.date(2026, 3, 1)
    assert writes.parse_date(" 2026-03-01 ", "d") == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "请填写截止日期"), ("", "请填写截止日期"), ("2026/03/01", "截止日期格式应为 YYYY-MM-DD")],
)
def test_parse_date_refuses_missing_and_malformed(value, message):
    with pytest.raises(ValidationFailed) as exc:
        writes.parse_date(value, "due_on", "截止日期")
    assert exc.value.detail == {"due_on": [message]}


def test_parse_datetime_makes_naive_values_local_and_refuses_garbage():
    parsed = writes.parse_datetime("2026-03-01T08:30", "starts_at")
    assert (parsed.tzinfo is not None, parsed.hour) == (True, 8)
    aware = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
    assert writes.parse_datetime(aware, "starts_at") is aware
    for bad in ("08:30 tomorrow", 5, None):
        with pytest.raises(ValidationFailed) as exc:
            writes.parse_datetime(bad, "starts_at")
        assert exc.value.detail == {"starts_at": ["时间格式应为 YYYY-MM-DDTHH:MM"]}
