"""Registry services: each write and each refusal (refusals change nothing, AuditEvent included)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.registry import models as rm
from dudao.registry import selectors, services
from dudao.registry.models import Batch, Filing, FilingScope
from tests import factories as f
from tests.factories import current_version
from tests.registry.conftest import counts, local, make_examiner

pytestmark = pytest.mark.django_db
D = dt.date


def refused(exc_type, fn, **kwargs):
    """Call a service expecting `exc_type`; assert nothing changed; return the error."""
    before = counts()
    with pytest.raises(exc_type) as exc:
        fn(**kwargs)
    assert counts() == before
    return exc.value


# ------------------------------------------------------------------ institutions
def test_institution_create_audited(users, authority):
    admin = users[Role.AUTHORITY_STAFF]
    uscc = f.make_uscc(501)
    inst = services.institution_create(
        actor=admin,
        name=" 南昌焊接培训中心 ",
        kind="social_org",
        uscc=uscc.lower(),
        region="360000",
        contact_phone="0791-88886666",
    )
    assert (inst.name, inst.uscc, inst.authority_id, inst.region_id) == (
        "南昌焊接培训中心",
        uscc,
        authority.pk,
        "360000",
    )
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.after["uscc"]) == (
        "registry.institution.create",
        str(inst.pk),
        uscc,
    )


def test_institution_wrong_uscc_checksum(users):
    good = f.make_uscc(502)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    err = refused(
        ValidationFailed,
        services.institution_create,
        actor=users[Role.AUTHORITY_ADMIN],
        name="甲",
        kind="employer",
        uscc=bad,
        region="360000",
    )
    assert err.detail == {"uscc": [f"统一社会信用代码「{bad}」校验位错误,请核对"]}


def test_institution_duplicate_uscc(users, institution):
    err = refused(
        ValidationFailed,
        services.institution_create,
        actor=users[Role.AUTHORITY_ADMIN],
        name="乙",
        kind="employer",
        uscc=institution.uscc,
        region="360000",
    )
    assert err.detail == {"uscc": [f"统一社会信用代码 {institution.uscc} 已被机构「{institution.name}」使用"]}


def test_institution_region_outside_authority(users, other_province):
    err = refused(
        ValidationFailed,
        services.institution_create,
        actor=users[Role.AUTHORITY_ADMIN],
        name="丙",
        kind="employer",
        uscc=f.make_uscc(503),
        region="440000",
    )
    assert err.detail == {"region": ["所在区划「广东省」不在主管机构「江西省职业技能鉴定指导中心」的辖区内"]}


def test_institution_other_authority_refused(users, other_authority):
    err = refused(
        ValidationFailed,
        services.institution_create,
        actor=users[Role.AUTHORITY_ADMIN],
        name="丁",
        kind="employer",
        uscc=f.make_uscc(504),
        region="440000",
        authority=other_authority.pk,
    )
    assert err.detail == {"authority": ["主管机构不存在或不在您的管辖范围内"]}


@pytest.mark.parametrize(
    "role", [Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER]
)
def test_institution_create_denied(users, role):
    refused(
        PermissionDenied,
        services.institution_create,
        actor=users[role],
        name="戊",
        kind="employer",
        uscc=f.make_uscc(505),
        region="360000",
    )


def test_parent_org_only_for_social_org(users):
    err = refused(
        ValidationFailed,
        services.institution_create,
        actor=users["superuser"],
        name="己",
        kind="employer",
        uscc=f.make_uscc(506),
        region="360000",
        authority=users[Role.AUTHORITY_ADMIN].authority_id,
        parent_org_name="中国焊接协会",
    )
    assert err.detail == {"parent_org_name": ["只有社会培训评价组织可填写上级全国性组织"]}


def test_institution_admin_updates_contact_only(users, institution):
    admin = users[Role.INSTITUTION_ADMIN]
    obj = services.institution_update(
        actor=admin,
        institution=institution.pk,
        row_version=1,
        address="南昌市红谷滩区 1 号",
        contact_phone="13900001111",
    )
    assert (obj.address, obj.contact_phone, obj.row_version) == ("南昌市红谷滩区 1 号", "13900001111", 2)
    err = refused(
        PermissionDenied,
        services.institution_update,
        actor=admin,
        institution=institution.pk,
        row_version=2,
        name="改名",
    )
    assert err.message == "评价机构管理员只能修改地址、联系人、联系电话、法定代表人和投诉举报渠道"
    refused(
        PermissionDenied,
        services.institution_update,
        actor=users[Role.INSTITUTION_STAFF],
        institution=institution.pk,
        row_version=2,
        address="x",
    )


def test_institution_update_stale_version(users, institution):
    services.institution_update(
        actor=users[Role.AUTHORITY_STAFF], institution=institution, row_version=1, name="新名"
    )
    err = refused(
        Conflict,
        services.institution_update,
        actor=users[Role.AUTHORITY_ADMIN],
        institution=institution,
        row_version=1,
        name="再改",
    )
    assert err.message == "数据已被他人修改,请刷新后重试"
    institution.refresh_from_db()
    assert institution.name == "新名"


def test_institution_outside_scope_is_not_found(users, other_institution):
    refused(
        NotFound,
        services.institution_update,
        actor=users[Role.AUTHORITY_ADMIN],
        institution=other_institution.pk,
        row_version=1,
        name="x",
    )
    refused(
        NotFound,
        services.institution_update,
        actor=users[Role.INSTITUTION_ADMIN],
        institution=other_institution.pk,
        row_version=1,
        address="x",
    )


def test_unchanged_update_writes_nothing(users, institution):
    before = counts()
    obj = services.institution_update(
        actor=users[Role.AUTHORITY_ADMIN], institution=institution, row_version=1, name=institution.name
    )
    assert obj.row_version == 1
    assert counts() == before


# ------------------------------------------------------------------ occupations and authorities
def test_occupation_create_and_refusals(users):
    occ = services.occupation_create(actor=users[Role.AUTHORITY_ADMIN], code="4-10-01-05", name="养老护理员")
    assert (occ.code, occ.verified) == ("4-10-01-05", False)
    err = refused(
        ValidationFailed, services.occupation_create, actor=users["superuser"], code="4-10-01-05", name="x"
    )
    assert err.detail == {"code": ["职业编码 4-10-01-05 已存在(职业「养老护理员」)"]}
    err = refused(
        ValidationFailed,
        services.occupation_create,
        actor=users["superuser"],
        code="4-10-01-06",
        name="x",
        verified=True,
    )
    assert err.detail == {"source": ["已核实的职业编码须注明编码来源"]}
    refused(
        PermissionDenied,
        services.occupation_create,
        actor=users[Role.AUTHORITY_STAFF],
        code="4-10-01-07",
        name="x",
    )


def test_authority_create_in_region(users, authority, db):
    f.RegionFactory(code="360100", name="南昌市", kind="city", parent_id="360000")
    sub = services.authority_create(
        actor=users[Role.AUTHORITY_ADMIN],
        code="NC-HRSS",
        name="南昌市人社局",
        region="360100",
        parent=authority.pk,
    )
    assert (sub.region_id, sub.parent_id, sub.card_issuer_code) == ("360100", authority.pk, "")
    f.RegionFactory(code="440000", name="广东省", kind="province")
    err = refused(
        ValidationFailed,
        services.authority_create,
        actor=users[Role.AUTHORITY_ADMIN],
        code="GD2",
        name="x",
        region="440000",
    )
    assert err.detail == {"region": ["区划「广东省」不在您的管辖范围内"]}
    top = services.authority_create(actor=users["superuser"], code="GD2", name="广东中心", region="440000")
    assert top.card_issuer_code == "44"  # SUP-3 default for a provincial authority


# ------------------------------------------------------------------ filings
def test_filing_overlap_refused(users, filing, institution):
    err = refused(
        ValidationFailed,
        services.filing_create,
        actor=users[Role.AUTHORITY_ADMIN],
        institution=institution,
        number="JX-BA-0002",
        valid_from=D(2028, 6, 1),
        valid_until=D(2031, 5, 31),
    )
    assert err.detail == {"valid_from": ["与现有备案 JX-BA-0001 的有效期重叠(2024-01-01 至 2028-12-31)"]}


def test_filing_overlap_with_closed_filing_allowed(users, filing, institution):
    services.filing_set_status(
        actor=users[Role.AUTHORITY_STAFF],
        filing=filing,
        status="terminated",
        reason="机构申请注销",
        row_version=current_version(filing, Filing),
    )
    new = services.filing_create(
        actor=users[Role.AUTHORITY_STAFF],
        institution=institution,
        number="JX-BA-0002",
        valid_from=D(2025, 1, 1),
        valid_until=D(2027, 12, 31),
        scopes=[{"occupation": filing.scopes.first().occupation_id, "levels": [4, 5]}],
    )
    assert new.status == "active"
    assert list(new.scopes.values_list("levels", "start_date")) == [([5, 4], D(2025, 1, 1))]


def test_filing_update_overlap_and_period(users, filing, institution):
    later = services.filing_create(
        actor=users[Role.AUTHORITY_STAFF],
        institution=institution,
        number="JX-BA-0009",
        valid_from=D(2029, 1, 1),
        valid_until=D(2031, 12, 31),
    )
    err = refused(
        ValidationFailed,
        services.filing_update,
        actor=users[Role.AUTHORITY_STAFF],
        filing=later,
        row_version=1,
        valid_from=D(2028, 12, 31),
    )
    assert err.detail == {"valid_from": ["与现有备案 JX-BA-0001 的有效期重叠(2024-01-01 至 2028-12-31)"]}
    err = refused(
        ValidationFailed,
        services.filing_update,
        actor=users[Role.AUTHORITY_STAFF],
        filing=later,
        row_version=1,
        valid_until=D(2028, 1, 1),
    )
    assert err.detail == {"valid_until": ["有效期止必须晚于有效期起"]}


def test_filing_duplicate_number(users, filing, other_institution, institution):
    services.filing_set_status(
        actor=users[Role.AUTHORITY_STAFF],
        filing=filing,
        status="expired",
        row_version=current_version(filing, Filing),
    )
    err = refused(
        ValidationFailed,
        services.filing_create,
        actor=users[Role.AUTHORITY_STAFF],
        institution=institution,
        number="JX-BA-0001",
        valid_from=D(2029, 1, 1),
        valid_until=D(2031, 12, 31),
    )
    assert err.detail == {"number": [f"备案编号 JX-BA-0001 已存在(机构「{institution.name}」)"]}


def test_filing_status_transitions(users, filing):
    staff = users[Role.AUTHORITY_STAFF]
    err = refused(
        ValidationFailed,
        services.filing_set_status,
        actor=staff,
        filing=filing,
        status="suspended",
        row_version=filing.row_version,
    )
    assert err.detail == {"reason": ["变更为「暂停」须填写原因"]}
    obj = services.filing_set_status(
        actor=staff,
        filing=filing,
        status="suspended",
        reason="督导发现违规",
        row_version=current_version(filing, Filing),
    )
    assert (obj.status, obj.status_reason, obj.row_version) == ("suspended", "督导发现违规", 2)
    obj = services.filing_set_status(
        actor=staff, filing=filing, status="active", row_version=current_version(filing, Filing)
    )
    services.filing_set_status(
        actor=staff,
        filing=filing,
        status="terminated",
        reason="吊销",
        row_version=current_version(filing, Filing),
    )
    err = refused(
        IllegalTransition,
        services.filing_set_status,
        actor=staff,
        filing=filing,
        status="active",
        row_version=current_version(filing, Filing),
    )
    assert err.message == "备案当前状态为「已终止」,不能变更为「有效」"
    refused(
        PermissionDenied,
        services.filing_set_status,
        actor=users[Role.INSTITUTION_ADMIN],
        filing=filing,
        status="expired",
        row_version=current_version(filing, Filing),
    )


def test_filing_institution_user_denied(users, institution):
    refused(
        PermissionDenied,
        services.filing_create,
        actor=users[Role.INSTITUTION_ADMIN],
        institution=institution,
        number="X-1",
        valid_from=D(2024, 1, 1),
        valid_until=D(2025, 1, 1),
    )


def test_scope_add_and_end(users, filing, cook):
    staff = users[Role.AUTHORITY_STAFF]
    scope = services.filing_scope_add(
        actor=staff, filing=filing, occupation=cook, levels=[4, 5], start_date=D(2025, 1, 1)
    )
    assert (scope.levels, scope.start_date) == ([5, 4], D(2025, 1, 1))
    err = refused(
        ValidationFailed,
        services.filing_scope_add,
        actor=staff,
        filing=filing,
        occupation=cook,
        levels=[4, 3],
    )
    assert err.detail == {"levels": ["职业「中式烹调师」的等级 四级/中级工 已在认定范围内"]}
    err = refused(
        ValidationFailed,
        services.filing_scope_add,
        actor=staff,
        filing=filing,
        occupation=cook,
        levels=[3],
        start_date=D(2030, 1, 1),
    )
    assert err.detail == {"start_date": ["起始日期应在备案有效期(2024-01-01 至 2028-12-31)内"]}
    ended = services.filing_scope_end(
        actor=staff, scope=scope, ended_on=D(2026, 1, 1), row_version=current_version(scope, FilingScope)
    )
    assert ended.ended_on == D(2026, 1, 1)
    err = refused(
        IllegalTransition,
        services.filing_scope_end,
        actor=staff,
        scope=scope,
        row_version=current_version(scope, FilingScope),
    )
    assert err.message == "该认定范围已于 2026-01-01 终止"
    refused(
        PermissionDenied,
        services.filing_scope_add,
        actor=users[Role.INSTITUTION_ADMIN],
        filing=filing,
        occupation=cook,
        levels=[3],
    )


# ------------------------------------------------------------------ venues
def test_venue_create_by_institution_user(users, institution):
    venue = services.venue_create(
        actor=users[Role.INSTITUTION_STAFF],
        institution=institution,
        name="实训楼 A",
        room_count=3,
        capacity=90,
        camera_count=6,
    )
    assert (venue.institution_id, venue.room_count) == (institution.pk, 3)
    err = refused(
        ValidationFailed,
        services.venue_update,
        actor=users[Role.INSTITUTION_STAFF],
        venue=venue,
        row_version=1,
        room_count=0,
    )
    assert err.detail == {"room_count": ["考场数不能小于 1"]}
    refused(
        NotFound,
        services.venue_create,
        actor=users[Role.INSTITUTION_STAFF],
        institution=f.InstitutionFactory(),
        name="x",
    )


# ------------------------------------------------------------------ batches (INST-3)
def batch_kwargs(institution, venue, occupation, **over):
    kwargs = {
        "institution": institution,
        "occupation": occupation,
        "levels": [4],
        "venue": venue,
        "starts_at": local(2025, 3, 10, 9),
        "ends_at": local(2025, 3, 10, 17),
        "candidate_count": 30,
    }
    kwargs.update(over)
    return kwargs


def test_batch_create(users, filing, institution, venue, welder, examiner):
    batch = services.batch_create(
        actor=users[Role.INSTITUTION_STAFF],
        examiners=[examiner.pk],
        team_leader=examiner.pk,
        **batch_kwargs(institution, venue, welder),
    )
    assert (batch.code, batch.filing_id, batch.levels, batch.status) == (
        "PC202503100001",
        filing.pk,
        [4],
        "planned",
    )
    assert list(batch.examiners.values_list("pk", flat=True)) == [examiner.pk]
    second = services.batch_create(
        actor=users[Role.AUTHORITY_STAFF], **batch_kwargs(institution, venue, welder)
    )
    assert second.code == "PC202503100002"
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.after["examiners"]) == ("registry.batch.create", [])


def test_batch_scope_check_is_one_query(filing, institution):
    with CaptureQueriesContext(connection) as ctx:
        specs = selectors.filing_specs_for_institution(institution.pk)
    assert len(ctx.captured_queries) == 1
    assert [(s.number, [sc.levels for sc in s.scopes]) for s in specs] == [("JX-BA-0001", [(5, 4, 3)])]


def test_batch_no_filing(users, institution, venue, welder):
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        **batch_kwargs(institution, venue, welder),
    )
    assert err.message == "该机构没有备案,不能安排评价批次"


def test_batch_with_suspended_filing(users, filing, institution, venue, welder):
    services.filing_set_status(
        actor=users[Role.AUTHORITY_STAFF],
        filing=filing,
        status="suspended",
        reason="整顿",
        row_version=current_version(filing, Filing),
    )
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        **batch_kwargs(institution, venue, welder),
    )
    assert err.message == "备案 JX-BA-0001 当前状态为「暂停」,不能安排评价批次"


@pytest.mark.parametrize(
    "over,field,message",
    [
        (
            {"starts_at": local(2029, 1, 2, 9), "ends_at": local(2029, 1, 2, 17)},
            "starts_at",
            "批次日期 2029-01-02 至 2029-01-02 不在备案 JX-BA-0001 的有效期(2024-01-01 至 2028-12-31)内",
        ),
        ({"levels": [2, 3]}, "levels", "等级 二级/技师 不在备案 JX-BA-0001 职业「焊工」的认定范围内"),
        ({"ends_at": local(2025, 3, 10, 8)}, "ends_at", "批次结束时间必须晚于开始时间"),
    ],
)
def test_batch_out_of_scope(users, filing, institution, venue, welder, over, field, message):
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        **batch_kwargs(institution, venue, welder, **over),
    )
    assert err.detail == {field: [message]}


def test_batch_occupation_not_in_scope(users, filing, institution, venue, cook):
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        **batch_kwargs(institution, venue, cook),
    )
    assert err.detail == {"occupation": ["职业「中式烹调师」不在备案 JX-BA-0001 的认定范围内"]}


def test_batch_work_type_not_in_scope(users, institution, venue, welder):
    filing = f.FilingFactory(institution=institution, number="JX-BA-0100")
    f.FilingScopeFactory(filing=filing, occupation=welder, work_type="电焊工", levels=[5, 4])
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        **batch_kwargs(institution, venue, welder, work_type="气焊工"),
    )
    assert err.detail == {
        "work_type": ["工种「气焊工」不在备案 JX-BA-0100 职业「焊工」的认定范围内(已备案工种:电焊工)"]
    }


def test_batch_scope_not_started_and_ended(users, institution, venue, welder):
    staff = users[Role.AUTHORITY_STAFF]
    filing = f.FilingFactory(institution=institution, number="JX-BA-0200")
    scope = services.filing_scope_add(
        actor=staff, filing=filing, occupation=welder, levels=[4], start_date=D(2025, 6, 1)
    )
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        **batch_kwargs(institution, venue, welder),
    )
    assert err.message == (
        "备案 JX-BA-0200 中职业「焊工」四级/中级工 的认定范围自 2025-06-01 起生效,"
        "批次开始日期 2025-03-10 早于该日期"
    )
    services.filing_scope_end(
        actor=staff, scope=scope, ended_on=D(2025, 7, 1), row_version=current_version(scope, FilingScope)
    )
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        **batch_kwargs(
            institution, venue, welder, starts_at=local(2025, 7, 1, 9), ends_at=local(2025, 7, 1, 17)
        ),
    )
    assert err.message == "备案 JX-BA-0200 中职业「焊工」四级/中级工 的认定范围已于 2025-07-01 终止"


def test_batch_venue_of_other_institution(users, filing, institution, other_venue, welder):
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        **batch_kwargs(institution, other_venue, welder),
    )
    assert err.detail == {"venue": ["考核场所不属于该评价机构"]}


def test_batch_examiner_card_lost(users, filing, institution, venue, welder):
    lost = make_examiner(welder, status="lost", name="李挂失")
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        examiners=[lost.pk],
        **batch_kwargs(institution, venue, welder),
    )
    card = lost.cards.get()
    assert err.detail == {"examiners": [f"考评员 李挂失:证卡 {card.number}:考评员证卡已挂失,不得参加考评"]}


def test_batch_examiner_card_expired_during_batch(users, filing, institution, venue, welder):
    late = make_examiner(welder, until=D(2025, 3, 10), name="赵到期")
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        examiners=[late.pk],
        **batch_kwargs(institution, venue, welder, ends_at=local(2025, 3, 11, 17)),
    )
    assert err.detail["examiners"][0].startswith("考评员 赵到期:证卡 ")
    assert "已过期" in err.detail["examiners"][0]


def test_batch_examiner_scope_exam3(users, filing, institution, venue, welder):
    low = make_examiner(welder, levels=(5,), name="钱初级")
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        examiners=[low.pk],
        **batch_kwargs(institution, venue, welder),
    )
    assert err.detail == {
        "examiners": [f"考评员 钱初级:证卡 {low.cards.get().number}:证卡考评范围不含等级 四级/中级工"]
    }


def test_batch_team_leader_must_be_examiner(users, filing, institution, venue, welder, examiner):
    other = make_examiner(welder, name="孙组长")
    err = refused(
        ValidationFailed,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        examiners=[examiner.pk],
        team_leader=other.pk,
        **batch_kwargs(institution, venue, welder),
    )
    assert err.detail == {"team_leader": ["考评组长须是本批次的考评人员之一"]}


def test_batch_of_other_institution_not_found(users, other_institution, other_venue, welder):
    refused(
        NotFound,
        services.batch_create,
        actor=users[Role.INSTITUTION_STAFF],
        **batch_kwargs(other_institution, other_venue, welder),
    )


def test_batch_update_rechecks_scope(users, filing, institution, venue, welder, examiner):
    staff = users[Role.INSTITUTION_STAFF]
    batch = services.batch_create(actor=staff, **batch_kwargs(institution, venue, welder))
    updated = services.batch_update(
        actor=staff,
        batch=batch,
        row_version=1,
        levels=[5, 4],
        examiners=[examiner.pk],
        team_leader=examiner.pk,
    )
    assert (updated.levels, updated.team_leader_id, updated.row_version) == ([5, 4], examiner.pk, 2)
    err = refused(
        ValidationFailed, services.batch_update, actor=staff, batch=batch, row_version=2, levels=[1]
    )
    assert err.detail == {"levels": ["等级 一级/高级技师 不在备案 JX-BA-0001 职业「焊工」的认定范围内"]}
    refused(Conflict, services.batch_update, actor=staff, batch=batch, row_version=1, candidate_count=5)


def test_batch_cancel(users, filing, institution, venue, welder):
    staff = users[Role.INSTITUTION_STAFF]
    batch = services.batch_create(actor=staff, **batch_kwargs(institution, venue, welder))
    err = refused(ValidationFailed, services.batch_cancel, actor=staff, batch=batch, reason=" ")
    assert err.detail == {"reason": ["请填写取消原因"]}
    obj = services.batch_cancel(
        actor=staff, batch=batch, reason="考生不足", row_version=current_version(batch, Batch)
    )
    assert (obj.status, obj.cancel_reason) == ("cancelled", "考生不足")
    err = refused(
        IllegalTransition,
        services.batch_cancel,
        actor=staff,
        batch=batch,
        reason="again",
        row_version=current_version(batch, Batch),
    )
    assert err.message == "批次状态为「已取消」,不能取消"
    err = refused(
        IllegalTransition,
        services.batch_update,
        actor=staff,
        batch=batch,
        row_version=obj.row_version,
        candidate_count=1,
    )
    assert err.message == "批次状态为「已取消」,不能修改"


# ------------------------------------------------------------------ reference data (regions: test_regions.py)
def test_reference_load_idempotent(db):
    from django.core.management import call_command

    call_command("load-reference", verbosity=0)
    assert rm.Region.objects.filter(kind="province").count() == 34
    assert set(
        rm.Region.objects.filter(code__in=["710000", "810000", "820000"]).values_list("name", flat=True)
    ) == {"台湾省", "香港特别行政区", "澳门特别行政区"}
    occs = {o.code: (o.name, o.verified, o.source) for o in rm.Occupation.objects.all()}
    assert occs == {
        code: (name, True, "公开名录(中等可信度,使用前请核对)")
        for code, name in [
            ("4-03-02-01", "中式烹调师"),
            ("4-12-01-01", "汽车维修工"),
            ("4-14-02-01", "公共营养师"),
            ("6-18-01-01", "车工"),
            ("6-18-02-04", "焊工"),
            ("6-31-01-03", "电工"),
        ]
    }
    before = counts()
    call_command("load-reference", verbosity=0)
    assert counts() == before


def test_reference_load_replaces_earlier_source_text_once(db):
    """M7: rows loaded by an earlier release get the Chinese source; an administrator's own source stays."""
    from django.core.management import call_command

    old_text = "DOMAIN.md OCC-1 (public lists, medium confidence)"
    legacy = f.OccupationFactory(code="6-18-02-04", name="焊工", verified=True, source=old_text)
    blank = f.OccupationFactory(code="6-31-01-03", name="电工", verified=True, source="")
    own = f.OccupationFactory(code="6-18-01-01", name="车工", verified=True, source="大典(2022)第 312 页")
    result = services.reference_load(actor=None)
    assert result["occupations"] == {"created": 3, "updated": 2, "unchanged": 1}
    assert rm.Occupation.objects.get(pk=legacy.pk).source == "公开名录(中等可信度,使用前请核对)"
    assert rm.Occupation.objects.get(pk=blank.pk).source == "公开名录(中等可信度,使用前请核对)"
    assert rm.Occupation.objects.get(pk=own.pk).source == "大典(2022)第 312 页"
    update = AuditEvent.objects.filter(action="registry.occupation.update", object_id=str(legacy.pk)).get()
    assert (update.before["source"], update.after["source"]) == (
        old_text,
        "公开名录(中等可信度,使用前请核对)",
    )
    assert rm.Occupation.objects.get(pk=legacy.pk).row_version == 2
    before = counts()
    call_command("load-reference", verbosity=0)  # idempotent: the second run changes nothing
    assert counts() == before
    assert services.reference_load(actor=None)["occupations"] == {"created": 0, "updated": 0, "unchanged": 6}
    assert not any("DOMAIN" in o.source or "OCC-" in o.source for o in rm.Occupation.objects.all())


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_batch_update_refused_when_completed_or_cancelled(users, institution, filing, venue, welder, status):
    batch = rm.Batch.objects.create(
        code="PC-DONE",
        institution=institution,
        filing=filing,
        occupation=welder,
        levels=[4],
        starts_at=local(2025, 5, 1, 9),
        ends_at=local(2025, 5, 1, 17),
        venue=venue,
        status=status,
    )
    label = {"completed": "已完成", "cancelled": "已取消"}[status]
    err = refused(
        IllegalTransition,
        services.batch_update,
        actor=users[Role.INSTITUTION_STAFF],
        batch=batch,
        row_version=batch.row_version,
        candidate_count=5,
    )
    assert err.message == f"批次状态为「{label}」,不能修改"
    err = refused(
        IllegalTransition,
        services.batch_cancel,
        actor=users[Role.INSTITUTION_STAFF],
        batch=batch,
        reason="x",
        row_version=batch.row_version,
    )
    assert err.message == f"批次状态为「{label}」,不能取消"


def test_examiner_problems_match_batch_create(users, welder, examiner):
    lost = make_examiner(welder, status="lost", name="李挂失")
    other = f.OccupationFactory(code="4-14-02-01", name="公共营养师")
    problems = services.examiner_problems(
        [examiner.pk, lost.pk, 999999],
        occupation=welder,
        work_type="",
        levels=[4],
        first=D(2025, 5, 1),
        last=D(2025, 5, 1),
    )
    card = lost.cards.get()
    assert problems == {examiner.pk: None, lost.pk: f"证卡 {card.number}:考评员证卡已挂失,不得参加考评"}
    problems = services.examiner_problems(
        [examiner.pk], occupation=other, work_type="", levels=[4], first=D(2025, 5, 1), last=D(2025, 5, 1)
    )
    assert problems == {examiner.pk: f"证卡 {examiner.cards.get().number}:证卡考评范围不含职业 4-14-02-01"}
