"""Bulk services (registry.bulk, people.bulk): the single-row services' rules, each on both sides of its
boundary, every problem of every row reported, all or nothing, one audit event per row."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from dudao.accounts.models import Role
from dudao.common import imports
from dudao.common.audit import verify_chain
from dudao.common.bulk import BulkRefused
from dudao.common.errors import PermissionDenied
from dudao.common.excel import ImportFailed, read_example_rows, template_workbook
from dudao.common.models import AuditEvent
from dudao.people import bulk as people_bulk
from dudao.people.models import Person
from dudao.registry import bulk
from dudao.registry import models as rm
from tests import factories as f
from tests.people.helpers import resident_id
from tests.registry.conftest import counts

pytestmark = pytest.mark.django_db


def inst(**values):
    row = {"name": "甲机构", "kind": "employer", "uscc": f.make_uscc(901), "region": "360000"}
    row.update(values)
    return row


def problems(call):
    with pytest.raises(BulkRefused) as exc:
        call()
    return [(p.row, p.field, p.message) for p in exc.value.problems]


def rows(*items, start=2):
    return [(start + i, item) for i, item in enumerate(items)]


# ----------------------------------------------------------------------------------------- institutions
def test_institutions_created_with_one_audit_event_each(users, authority):
    staff = users[Role.AUTHORITY_STAFF]
    result = bulk.institutions_create(
        actor=staff, rows=rows(inst(), inst(uscc=f.make_uscc(902), name="乙机构", authority=authority.code))
    )
    assert (result.rows, result.created) == (2, 2)
    created = rm.Institution.objects.filter(name__in=["甲机构", "乙机构"]).order_by("id")
    assert [i.authority_id for i in created] == [authority.pk, authority.pk]  # blank = the actor's own
    events = AuditEvent.objects.filter(action="registry.institution.create").order_by("id")
    assert [e.object_id for e in events] == [str(i.pk) for i in created]
    assert events[0].after["uscc"] == created[0].uscc
    assert verify_chain().ok


def test_audit_events_match_the_single_row_service(users, authority):
    """The bulk append writes the event `institution_create` would (apart from id, time and links)."""
    from dudao.registry import services

    staff = users[Role.AUTHORITY_STAFF]
    one = services.institution_create(
        actor=staff, name="单条", kind="employer", uscc=f.make_uscc(903), region="360000"
    )
    bulk.institutions_create(actor=staff, rows=rows(inst(uscc=f.make_uscc(904), name="批量")))
    single, many = AuditEvent.objects.filter(action="registry.institution.create").order_by("id")
    skip = {"id", "created_at", "updated_at", "uscc", "name"}
    assert {k: v for k, v in single.after.items() if k not in skip} == {
        k: v for k, v in many.after.items() if k not in skip
    }
    assert set(single.after) == set(many.after)
    assert (single.object_type, single.actor_label) == (many.object_type, many.actor_label)
    assert one.pk != int(many.object_id)
    assert verify_chain().ok


def test_dry_run_checks_and_writes_nothing(users):
    before = counts()
    result = bulk.institutions_create(actor=users[Role.AUTHORITY_STAFF], rows=rows(inst()), dry_run=True)
    assert result.created == 1
    assert counts() == before


def test_every_problem_of_a_row_is_reported(users):
    bad = inst(name="", kind="nope", uscc="123", region="999999", contact_phone="电话")
    found = problems(lambda: bulk.institutions_create(actor=users[Role.AUTHORITY_STAFF], rows=rows(bad)))
    assert {field for _row, field, _m in found} == {"name", "kind", "uscc", "region", "contact_phone"}


@pytest.mark.parametrize(
    ("length", "ok"), [(128, True), (129, False)], ids=["name-at-limit", "name-over-limit"]
)
def test_name_length_boundary(users, length, ok):
    def call():
        return bulk.institutions_create(
            actor=users[Role.AUTHORITY_STAFF], rows=rows(inst(name="名" * length))
        )

    if ok:
        assert call().created == 1
    else:
        assert [f for _r, f, _m in problems(call)] == ["name"]


@pytest.mark.parametrize("name", ["甲\n机构", "甲\t机构"])
def test_one_line_fields_refuse_line_breaks(users, name):
    found = problems(
        lambda: bulk.institutions_create(actor=users[Role.AUTHORITY_STAFF], rows=rows(inst(name=name)))
    )
    assert found == [(2, "name", "只能填写一行,不能包含换行符或制表符")]


@pytest.mark.parametrize(("phone", "ok"), [("1234", False), ("12345", True)])
def test_phone_boundary(users, phone, ok):
    def call():
        return bulk.institutions_create(
            actor=users[Role.AUTHORITY_STAFF], rows=rows(inst(contact_phone=phone))
        )

    if ok:
        assert call().created == 1
    else:
        assert problems(call) == [(2, "contact_phone", "联系电话格式不正确")]


def test_uscc_check_digit_and_lower_case(users):
    good = f.make_uscc(905)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    found = problems(
        lambda: bulk.institutions_create(actor=users[Role.AUTHORITY_STAFF], rows=rows(inst(uscc=wrong)))
    )
    assert found == [(2, "uscc", f"统一社会信用代码「{wrong}」校验位错误,请核对")]
    # the compact fast path and stdnum's normalising path agree: lower case and spaces are accepted
    result = bulk.institutions_create(
        actor=users[Role.AUTHORITY_STAFF], rows=rows(inst(uscc=" " + good.lower()))
    )
    assert result.created == 1
    assert rm.Institution.objects.filter(uscc=good).exists()


def test_uscc_unique_against_database_and_within_file(users, institution):
    twice = f.make_uscc(906)
    found = problems(
        lambda: bulk.institutions_create(
            actor=users[Role.AUTHORITY_STAFF],
            rows=rows(inst(uscc=institution.uscc), inst(uscc=twice), inst(uscc=twice)),
        )
    )
    assert found == [
        (2, "uscc", f"统一社会信用代码 {institution.uscc} 已被机构「{institution.name}」使用"),
        (4, "uscc", f"统一社会信用代码 {twice} 与第 3 行重复"),
    ]


def test_region_must_lie_in_the_authoritys_jurisdiction(users, other_province):
    found = problems(
        lambda: bulk.institutions_create(actor=users[Role.AUTHORITY_STAFF], rows=rows(inst(region="440000")))
    )
    assert found == [(2, "region", "所在区划「广东省」不在主管机构「江西省职业技能鉴定指导中心」的辖区内")]


def test_authority_outside_scope_is_not_found(users, other_authority):
    found = problems(
        lambda: bulk.institutions_create(
            actor=users[Role.AUTHORITY_STAFF], rows=rows(inst(authority=other_authority.code))
        )
    )
    assert found == [(2, "authority", "主管机构编码「GD-HRSS」不存在或不在您的管辖范围内")]


def test_superuser_must_name_the_authority(users, authority):
    root = users["superuser"]
    found = problems(lambda: bulk.institutions_create(actor=root, rows=rows(inst())))
    assert found == [(2, "authority", "请选择主管(备案)机构")]
    assert bulk.institutions_create(actor=root, rows=rows(inst(authority=authority.code))).created == 1


@pytest.mark.parametrize(("kind", "ok"), [("social_org", True), ("employer", False)])
def test_parent_org_only_for_social_orgs(users, kind, ok):
    call = lambda: bulk.institutions_create(  # noqa: E731
        actor=users[Role.AUTHORITY_STAFF], rows=rows(inst(kind=kind, parent_org_name="全国总会"))
    )
    if ok:
        assert call().created == 1
    else:
        assert problems(call) == [(2, "parent_org_name", "只有社会培训评价组织可填写上级全国性组织")]


def test_permission_of_the_actor(users):
    with pytest.raises(PermissionDenied):
        bulk.institutions_create(actor=users[Role.INSTITUTION_ADMIN], rows=rows(inst()))


# ----------------------------------------------------------------------------------------- occupations
def test_occupations(users):
    admin = users[Role.AUTHORITY_ADMIN]
    f.OccupationFactory(code="4-01-01-01", name="已有")
    found = problems(
        lambda: bulk.occupations_create(
            actor=admin,
            rows=rows(
                {"code": "4-01-01-01", "name": "重复"},
                {"code": "4-1-01-01", "name": "格式"},
                {"code": "4-02-02-02", "name": "核实", "verified": True},
                {"code": "4-02-02-03", "name": ""},
            ),
        )
    )
    assert [(r, field) for r, field, _m in found] == [(2, "code"), (3, "code"), (4, "source"), (5, "name")]
    result = bulk.occupations_create(
        actor=admin, rows=rows({"code": "4-02-02-02", "name": "核实", "verified": True, "source": "大典"})
    )
    assert result.created == 1


# ----------------------------------------------------------------------------------------- venues
@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [("room_count", 1, True), ("room_count", 0, False), ("capacity", 0, True), ("capacity", -1, False)],
)
def test_venue_count_boundaries(users, institution, field, value, ok):
    row = {"institution_uscc": institution.uscc, "name": "一号考场", field: value}
    call = lambda: bulk.venues_create(actor=users[Role.AUTHORITY_STAFF], rows=rows(row))  # noqa: E731
    if ok:
        assert call().created == 1
    else:
        assert [f for _r, f, _m in problems(call)] == [field]


def test_venue_institution_outside_scope_is_not_found(users, other_institution):
    row = {"institution_uscc": other_institution.uscc, "name": "外省考场"}
    found = problems(lambda: bulk.venues_create(actor=users[Role.AUTHORITY_STAFF], rows=rows(row)))
    assert found == [
        (2, "institution_uscc", f"评价机构「{other_institution.uscc}」不存在或不在您的管辖范围内")
    ]


# ----------------------------------------------------------------------------------------- persons
def test_persons_id_rules_and_uniqueness(users):
    staff = users[Role.AUTHORITY_STAFF]
    taken = resident_id(1, "360102", "19850101")
    before = Person.objects.count()
    people_bulk.persons_create(actor=staff, rows=rows({"name": "已有", "id_number": taken}))
    good = resident_id(2, "360102", "19900202")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    twice = resident_id(3, "360102", "19920303")
    found = problems(
        lambda: people_bulk.persons_create(
            actor=staff,
            rows=rows(
                {"name": "重复", "id_number": taken},
                {"name": "校验", "id_number": bad},
                {"name": "一", "id_number": twice},
                {"name": "二", "id_number": twice, "phone": "12345"},
            ),
        )
    )
    assert [(r, field) for r, field, _m in found] == [
        (2, "id_number"),
        (3, "id_number"),
        (5, "phone"),
        (5, "id_number"),
    ]
    assert Person.objects.count() == before + 1


def test_persons_created_encrypted_and_audited_without_the_id(users):
    staff = users[Role.AUTHORITY_STAFF]
    number = resident_id(5, "360102", "19850101")
    people_bulk.persons_create(
        actor=staff, rows=rows({"name": "张三", "id_number": number, "phone": "13912345678"})
    )
    person = Person.objects.get(name="张三")
    assert person.registered_by_id == staff.authority_id
    event = AuditEvent.objects.get(action="people.person.create", object_id=str(person.pk))
    assert number not in str(event.after) and "13912345678" not in str(event.after)
    assert verify_chain().ok


# ----------------------------------------------------------------------------------------- templates
def test_every_templates_example_rows_import_cleanly(users):
    """The example rows of every kind's template import without an error (region 360102 included)."""
    call_command("load-reference", verbosity=0)
    assert rm.Region.objects.filter(code="360102", name="东湖区").exists()
    staff = users[Role.AUTHORITY_STAFF]
    for name in ("occupations", "institutions", "venues", "persons", "supervisors", "examiners"):
        kind = imports.get_kind(name)
        data = template_workbook(kind.columns, sheet_name=kind.label, example_rows=kind.example_rows)
        examples = read_example_rows(data, kind.columns)
        assert examples, name
        actor = users[Role.AUTHORITY_ADMIN] if name == "occupations" else staff
        result = kind.bulk(actor=actor, rows=examples)
        assert result.created == len(examples), name
    assert verify_chain().ok


def test_load_reference_ships_counties(db):
    call_command("load-reference", verbosity=0)
    assert rm.Region.objects.get(code="360102").parent_id == "360100"
    assert rm.Region.objects.get(code="110101").parent_id == "110000"  # 直辖市: no city row
    assert rm.Region.objects.filter(kind="district").count() == 2846
    assert not rm.Region.objects.filter(code="500157").exists()  # not a GB/T 2260 code
    before = rm.Region.objects.count()
    call_command("load-reference", verbosity=0)
    assert rm.Region.objects.count() == before


def test_import_run_reports_cell_and_rule_errors_together(users):
    from dudao.common.excel import export_workbook
    from dudao.registry.excel import INSTITUTION_COLUMNS

    data = export_workbook(
        INSTITUTION_COLUMNS,
        [inst(kind="不存在的类型"), inst(uscc="bad", name="乙")],
        sheet_name="导入",
    )
    with pytest.raises(ImportFailed) as exc:
        imports.run("institutions", data, actor=users[Role.AUTHORITY_STAFF])
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "机构类型"), (3, "统一社会信用代码")]
    assert exc.value.errors[0].value == "不存在的类型"


def test_id_numbers_in_error_reports_are_masked(users):
    """SEC-3: a bad ID number is reported masked (row, column and message as usual), never whole."""
    from dudao.common.excel import export_workbook
    from dudao.people.excel import PERSON_COLUMNS
    from tests.people.helpers import wrong_check_digit

    bad = wrong_check_digit(resident_id(7, "360102", "19850101"))
    data = export_workbook(PERSON_COLUMNS, [{"name": "张三", "id_number": bad}], sheet_name="人员")
    with pytest.raises(ImportFailed) as exc:
        imports.run("persons", data, actor=users[Role.AUTHORITY_STAFF])
    (error,) = exc.value.errors
    assert (error.row, error.column) == (2, "身份证号")
    assert error.value == bad[:6] + "********" + bad[-4:]
    assert bad not in str(exc.value.detail)
