"""Audit log data scope (REVIEW H1) and the page in Chinese (REVIEW M6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.common import audit
from dudao.common.models import AuditEvent
from dudao.registry.models import Institution
from dudao.web import audit_labels as labels
from dudao.web.selectors import audit_events_for
from dudao.web.views import compact_diff
from tests import factories as f


def ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<td class="text-secondary" data-label="#">(\d+)</td>', html)]


@pytest.fixture
def jiangxi(users, authority):
    """江西 (the `authority` fixture, province) with 南昌 and 赣州 below it, each with its own accounts."""
    nanchang = f.RegionFactory(code="360100", name="南昌市", kind="city")
    ganzhou = f.RegionFactory(code="360700", name="赣州市", kind="city")
    zhanggong = f.RegionFactory(code="360702", name="章贡区", kind="district")
    nc_authority = f.AuthorityFactory(region=nanchang, parent=authority, name="南昌市职业技能鉴定指导中心")
    gz_authority = f.AuthorityFactory(region=ganzhou, parent=authority, name="赣州市职业技能鉴定指导中心")
    nc_institution = f.InstitutionFactory(authority=nc_authority, region=nanchang, uscc=f.make_uscc(901))
    gz_institution = f.InstitutionFactory(authority=gz_authority, region=zhanggong, uscc=f.make_uscc(902))
    gz_examiner = f.ExaminerFactory(authority=gz_authority)
    nc_examiner = f.ExaminerFactory(authority=nc_authority)
    accounts = {
        "gz_admin": f.UserFactory(username="gz_admin", role="authority_admin", authority=gz_authority),
        "gz_inst": f.UserFactory(username="gz_inst", role="institution_staff", institution=gz_institution),
        "gz_examiner": f.UserFactory(username="gz_exam", role="examiner", person=gz_examiner.person),
        "nc_staff": f.UserFactory(username="nc_staff", role="authority_staff", authority=nc_authority),
        "nc_inst": f.UserFactory(username="nc_inst", role="institution_admin", institution=nc_institution),
        "nc_examiner": f.UserFactory(username="nc_exam", role="examiner", person=nc_examiner.person),
    }
    return {"nc_institution": nc_institution, "gz_institution": gz_institution, **accounts}


@pytest.fixture
def scoped_events(users, jiangxi):
    """One event per actor (1–7: gz_admin, gz_inst, gz_examiner, nc_staff, nc_inst, nc_examiner, root),
    then system events about a 赣州 account (8) and a 南昌 account (9), and a system event (10)."""
    order = ["gz_admin", "gz_inst", "gz_examiner", "nc_staff", "nc_inst", "nc_examiner"]
    for name in order:
        audit.record(
            actor=jiangxi[name],
            action="people.person.update",
            object_type="people.person",
            object_id=1,
            after={},
        )
    audit.record(
        actor=users["superuser"], action="people.person.update", object_type="people.person", object_id=1
    )
    for name in ("gz_inst", "nc_inst"):
        audit.record(actor=None, action="accounts.user.lock", obj=jiangxi[name], after={"failed_logins": 5})
    audit.record(actor=None, action="demo.data.reset", object_type="demo", object_id="")
    return AuditEvent.objects.order_by("id")


@pytest.mark.django_db
def test_ganzhou_admin_sees_only_ganzhou_users_events(scoped_events, jiangxi, client_as):
    assert sorted(audit_events_for(jiangxi["gz_admin"]).values_list("id", flat=True)) == [1, 2, 3, 8]
    html = client_as(jiangxi["gz_admin"]).get("/audit/").content.decode()
    assert ids(html) == [8, 3, 2, 1]
    assert "nc_staff" not in html and "nc_inst" not in html and "nc_exam" not in html
    assert "显示本辖区用户的操作记录" in html


@pytest.mark.django_db
def test_ganzhou_admin_cannot_reach_nanchang_events_through_filters(scoped_events, jiangxi, client_as):
    client = client_as(jiangxi["gz_admin"])
    assert ids(client.get("/audit/", {"actor": "nc_"}).content.decode()) == []
    assert ids(client.get("/audit/", {"object_type": "accounts.user"}).content.decode()) == [8]
    assert ids(client.get("/audit/", {"page_size": "100"}).content.decode()) == [8, 3, 2, 1]


@pytest.mark.django_db
def test_province_admin_sees_the_whole_province_but_not_superusers_or_system(scoped_events, users):
    # The province admin's region (36) covers 南昌 and 赣州; the root's and the system's own events stay out.
    assert sorted(audit_events_for(users["authority_admin"]).values_list("id", flat=True)) == [
        1, 2, 3, 4, 5, 6, 8, 9,
    ]  # fmt: skip


@pytest.mark.django_db
def test_superuser_sees_everything_and_no_scope_note(scoped_events, users, client_as):
    assert audit_events_for(users["superuser"]).count() == 10
    html = client_as(users["superuser"]).get("/audit/").content.decode()
    assert ids(html) == list(range(10, 0, -1))
    assert "显示全部用户的操作记录" in html
    assert "显示本辖区用户的操作记录" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role",
    ["authority_staff", "institution_admin", "institution_staff", "external_supervisor", "examiner"],
)
def test_other_roles_get_no_events_from_the_selector(role, users, scoped_events):
    assert list(audit_events_for(users[role])) == []


@pytest.mark.django_db
def test_other_province_admin_sees_nothing_of_jiangxi(scoped_events, other_authority):
    gd_admin = f.UserFactory(username="gd_admin", role="authority_admin", authority=other_authority)
    assert list(audit_events_for(gd_admin)) == []


@pytest.mark.django_db
def test_audit_page_query_count_does_not_grow_with_events(jiangxi, client_as):
    def count_queries() -> int:
        client = client_as(jiangxi["gz_admin"])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/audit/", {"page_size": "50"}).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        audit.record(
            actor=jiangxi["gz_inst"], action="people.person.update", object_type="people.person", object_id=i
        )
    few = count_queries()
    for i in range(40):
        actor = jiangxi["gz_examiner"] if i % 2 else jiangxi["nc_inst"]
        audit.record(
            actor=actor,
            action="registry.institution.update",
            obj=jiangxi["gz_institution"],
            before={"is_active": True},
            after={"is_active": False},
        )
    assert count_queries() == few


# ------------------------------------------------------------------------------------ Chinese (M6)


@pytest.mark.django_db
def test_page_shows_actions_object_types_fields_and_values_in_chinese(jiangxi, users, client_as):
    institution: Institution = jiangxi["gz_institution"]
    audit.record(
        actor=jiangxi["gz_admin"],
        action="registry.institution.update",
        obj=institution,
        before={
            "name": "旧名称",
            "kind": "employer",
            "is_active": True,
            "updated_at": "2026-11-21T18:05:00Z",
        },
        after={
            "name": "新名称",
            "kind": "tech_school",
            "is_active": False,
            "updated_at": "2026-11-21T18:06:00Z",
        },
    )
    audit.record(
        actor=None,
        action="accounts.user.lock",
        obj=jiangxi["gz_inst"],
        before={"failed_logins": 4, "locked_until": None},
        after={"failed_logins": 5, "locked_until": "2026-11-21T18:20:00.123456+00:00"},
    )
    html = client_as(jiangxi["gz_admin"]).get("/audit/").content.decode()
    table = html.split("dudao-audit")[-1]
    assert '<span title="registry.institution.update">修改评价机构</span>' in table
    assert f'title="registry.institution">评价机构 #{institution.pk}</div>' in table
    assert '<dt class="d-inline">机构名称</dt>: <del>旧名称</del> → <ins>新名称</ins>' in table
    assert '<dt class="d-inline">机构类型</dt>: <del>用人单位</del> → <ins>技工院校</ins>' in table
    assert '<dt class="d-inline">启用</dt>: <del>否</del>' not in table
    assert '<dt class="d-inline">启用</dt>: <del>是</del> → <ins>否</ins>' in table
    assert '<span title="accounts.user.lock">账号因连续输错密码被锁定</span>' in table
    assert '<dt class="d-inline">锁定至</dt>: <del>∅</del> → <ins>2026-11-22 02:20</ins>' in table
    assert '<dt class="d-inline">连续登录失败次数</dt>: <del>4</del> → <ins>5</ins>' in table
    for english in ("registry.institution<", "is_active", "locked_until", "True", "False", "T18:"):
        assert english not in table
    # The filter offers Chinese labels with the codes as values.
    assert '<option value="registry.institution.update">修改评价机构</option>' in html
    assert '<option value="registry.institution">评价机构</option>' in html


def test_action_labels_fall_back_and_name_status_changes():
    assert labels.action_label("people.person.create") == "登记人员"
    assert labels.action_label("supervisor.status.suspended", "people.supervisor") == "督导员状态变为「暂停」"
    assert (
        labels.action_label("examiner_card.status.lost", "people.examinercard")
        == "考评员证卡状态变为「挂失」"
    )
    assert labels.action_label("supervisor_card.status.replaced") == "督导员证卡状态变为「已补发作废」"
    assert labels.action_label("examiner.status.inactive") == "考评员移出名册"
    # New codes read the same as the legacy ones above (the chain keeps events as written).
    assert (
        labels.action_label("people.supervisor.status_suspended", "people.supervisor")
        == "督导员状态变为「暂停」"
    )
    assert labels.action_label("people.examiner_card.status_lost") == "考评员证卡状态变为「挂失」"
    assert labels.action_label("people.examiner.status_inactive") == "考评员移出名册"
    assert labels.action_label("accounts.login") == labels.action_label("accounts.session.login") == "登录"
    assert labels.action_label("people.supervisor.status_bogus") == "督导员状态变为「bogus」"
    assert labels.action_label("something.new") == "something.new"
    assert labels.object_type_label("people.person") == "人员"
    assert labels.object_type_label("registry.filingscope") == "认定范围"
    assert labels.object_type_label("nothing.here") == "nothing.here"
    assert labels.object_type_label("") == ""


def test_field_labels_and_values():
    assert labels.field_label("registry.institution", "authority_id") == "主管(备案)机构"
    assert labels.field_label("registry.institution", "authority") == "主管(备案)机构"
    assert labels.field_label("people.examiner", "reason") == "原因"
    assert labels.field_label("unknown.model", "cancel_reason") == "cancel_reason"
    assert labels.value_text("registry.batch", "x", True) == "是"
    assert labels.value_text("", "x", False) == "否"
    assert labels.value_text("", "x", None) == "∅"
    assert labels.value_text("", "at", "2026-11-21T18:05:59.999+00:00") == "2026-11-22 02:05"
    assert labels.value_text("", "at", "2026-01-31T16:00:00Z") == "2026-02-01 00:00"
    assert labels.value_text("", "day", "2026-11-21") == "2026-11-21"  # dates stay dates
    assert labels.value_text("", "x", "2026-13-45T99:99") == "2026-13-45T99:99"  # not a time: as is
    assert labels.value_text("", "levels", [5, 4]) == "[5,4]"
    assert labels.value_text("", "q", {"a": "甲"}) == '{"a":"甲"}'
    assert labels.value_text("people.supervisor", "status", "suspended") == "暂停"
    assert labels.value_text("people.supervisor", "status", "bogus") == "bogus"


def test_compact_diff_uses_labels():
    rows, hidden = compact_diff(
        {"is_active": True, "contact_phone": "1"},
        {"is_active": False, "contact_phone": "1"},
        "registry.institution",
    )
    assert (rows, hidden) == ([{"key": "启用", "old": "是", "new": "否"}], 0)
    assert compact_diff("a", "b") == ([{"key": "", "old": "a", "new": "b"}], 0)


ACTION_LITERAL = re.compile(
    r"""\baction\s*=\s*"([a-z_]+(?:\.[a-z_]+)+)"|_refresh_group_status\([^)]*"([a-z_.]+)"\)"""
)
# Codes written through f-strings (people.services): every target status of those models.
DYNAMIC = [
    *(f"people.supervisor.status_{s}" for s in ("active", "suspended", "dismissed", "revoked")),
    *(f"people.examiner.status_{s}" for s in ("active", "inactive")),
    *(
        f"people.{c}.status_{s}"
        for c in ("supervisor_card", "examiner_card")
        for s in ("valid", "lost", "reissuing", "revoked", "replaced")
    ),
]


def test_every_action_written_in_the_code_has_a_chinese_label():
    root = Path(__file__).resolve().parents[2] / "dudao"
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for match in ACTION_LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) or match.group(2))
    assert len(found) > 100  # the scan works
    missing = sorted(code for code in found | set(DYNAMIC) if labels.action_label(code) == code)
    assert missing == []
    unlabeled_status = [c for c in DYNAMIC if re.search(r"[a-z]{3,}", labels.action_label(c))]
    assert unlabeled_status == []


ACTION_SHAPE = re.compile(r"^(?P<app>[a-z]+)\.[a-z_]+\.[a-z_]+$")


def test_every_action_written_in_the_code_is_app_entity_verb():
    """Issue 9 §1: one naming scheme, `app.entity.verb`, with `app` an installed app's label."""
    from django.apps import apps

    app_labels = {config.label for config in apps.get_app_configs()}
    root = Path(__file__).resolve().parents[2] / "dudao"
    found: set[str] = set(DYNAMIC)
    for path in root.rglob("*.py"):
        for match in ACTION_LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) or match.group(2))
    misnamed = sorted(
        code for code in found if not (m := ACTION_SHAPE.match(code)) or m["app"] not in app_labels
    )
    assert misnamed == []
    assert set(labels.ACTION_LABELS).isdisjoint(labels.LEGACY_ACTIONS)
    assert set(labels.LEGACY_ACTIONS.values()) <= set(labels.ACTION_LABELS)


def test_the_filter_matches_an_action_under_its_older_codes():
    assert set(labels.action_codes("accounts.session.login")) == {"accounts.session.login", "accounts.login"}
    assert set(labels.action_codes("people.supervisor_card.status_lost")) == {
        "people.supervisor_card.status_lost",
        "supervisor_card.status.lost",
    }
    assert labels.action_codes("registry.institution.create") == ["registry.institution.create"]
    assert labels.current_action("supervisor.status.suspended") == "people.supervisor.status_suspended"
    assert labels.current_action("examiner.status.inactive") == "people.examiner.status_inactive"
    assert labels.current_action("person.create") == "people.person.create"
    assert labels.current_action("registry.batch.create") == "registry.batch.create"
    assert labels.current_action("something.status.odd") == "something.status.odd"  # not a people entity


def test_the_superusers_request_trail_reads_in_chinese():
    assert labels.object_type_label("http.request") == "网页/接口请求"
    assert labels.field_label("http.request", "method") == "请求方法"
    assert labels.field_label("http.request", "status") == "响应状态码"
    assert labels.field_label("accounts.loginevent", "method") != "请求方法"  # login events keep their label
