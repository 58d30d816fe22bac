"""people.bulk supervisors_create, examiners_create, relations_create: the same rows and audit events as the
single-row services for the same input, each rule of those services reported per row with its column and
value, nothing written on any error."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.common.audit import verify_chain
from dudao.common.bulk import BulkRefused
from dudao.common.errors import PermissionDenied
from dudao.people import bulk, services
from dudao.people import models as pm
from tests import bulk_support
from tests import factories as f
from tests.clock import TODAY
from tests.people.helpers import resident_id, state_counts, wrong_check_digit

pytestmark = pytest.mark.django_db

MODELS = [
    pm.Person,
    pm.Supervisor,
    pm.SupervisorCard,
    pm.SupervisorContract,
    pm.Examiner,
    pm.ExaminerCard,
    pm.ExaminerCardScope,
    pm.Relation,
]
VOLATILE = frozenset({"created_at", "updated_at", "id_number_encrypted"})


def written(call) -> tuple[dict, list]:
    return bulk_support.written(call, MODELS, volatile=VOLATILE)


def problems(call) -> list[tuple[int, str, str, str]]:
    before = state_counts()
    with pytest.raises(BulkRefused) as exc:
        call()
    assert state_counts() == before  # nothing written
    return [(p.row, p.field, p.message, p.value) for p in exc.value.problems]


def rows(*items, start=2):
    return [(start + i, item) for i, item in enumerate(items)]


def masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


# ----------------------------------------------------------------------------------------- supervisors
def sup(n: int, **values):
    row = {
        "name": f"督导{n}",
        "id_number": resident_id(n),
        "phone": "13900000000",
        "kind": "external",
        "card_number": f"R3621{n:04d}",
        "card_issued_on": dt.date(2021, 3, 1),
    }
    row.update(values)
    if row["card_number"] == "":
        row["card_issued_on"] = None
    return row


def supervisors_one_by_one(actor, items, authority=None, institution=None):
    for _n, row in items:
        person, data = services.resolve_person_input(
            actor=actor,
            name=row["name"],
            id_number=row["id_number"],
            phone=row.get("phone", ""),
            employer_name=row.get("employer_name", ""),
        )
        supervisor = services.supervisor_create(
            actor=actor,
            kind=row["kind"],
            person=person,
            person_data=data,
            authority=authority if row["kind"] == "external" else None,
            institution=institution if row["kind"] == "internal" else None,
            qualification=row.get("qualification"),
        )
        if row.get("card_number"):
            services.supervisor_card_issue(
                actor=actor,
                supervisor=supervisor,
                number=row["card_number"],
                issued_on=row["card_issued_on"],
                valid_until=row.get("card_valid_until"),
            )
        for k in range(row.get("contract_terms", 0)):
            services.supervisor_contract_add(
                actor=actor,
                supervisor=supervisor,
                starts_on=row.get("contract_starts_on") if k == 0 else None,
            )


def test_supervisors_write_what_the_single_row_services_write(users, authority, institution):
    admin = users[Role.AUTHORITY_ADMIN]
    items = rows(
        sup(1, qualification={"personal_conditions": True, "basis": "assessment_work"}),
        sup(
            2, card_valid_until=dt.date(2023, 6, 30), contract_terms=3, contract_starts_on=dt.date(2020, 1, 1)
        ),
        sup(3, card_number="", card_issued_on=None),
        # the same person as an internal supervisor too (SUP-8 allows both kinds)
        sup(1, kind="internal", institution_uscc=institution.uscc, card_number="", card_issued_on=None),
    )
    root = users["superuser"]
    for row in items[:3]:
        row[1]["authority_code"] = authority.code
    single = written(lambda: supervisors_one_by_one(root, items, authority, institution))
    many = written(lambda: bulk.supervisors_create(actor=root, rows=items))
    assert single == many
    assert {e[0] for e in many[1]} == {
        "people.person.create",
        "people.supervisor.create",
        "people.supervisor_card.issue",
        "people.supervisor_contract.add",
        "people.supervisor_contract.renew",
    }
    assert len(many[0]["SupervisorContract"]) == 3
    result = bulk.supervisors_create(actor=admin, rows=items[:3])
    assert (result.rows, result.created) == (3, 3)
    assert verify_chain().ok


def test_supervisor_rules_reported_per_row_with_column_and_value(users, authority, other_authority):
    admin = users[Role.AUTHORITY_ADMIN]
    services.supervisor_create(
        actor=admin, kind="external", person_data={"name": "已有", "id_number": resident_id(90)}
    )
    services.supervisor_card_issue(
        actor=admin,
        supervisor=pm.Supervisor.objects.get(person__name="已有"),
        number="R36210090",
        issued_on=dt.date(2021, 3, 1),
    )
    bad_id = wrong_check_digit(resident_id(11))
    found = problems(
        lambda: bulk.supervisors_create(
            actor=admin,
            rows=rows(
                sup(11, id_number=bad_id),  # 2
                sup(12, name="别名", id_number=resident_id(90)),  # 3: registered under another name
                sup(13, institution_uscc="91360000MA00000000"),  # 4: external with an institution
                sup(14, authority_code="NOPE"),  # 5
                sup(15, card_issued_on=None),  # 6
                sup(16, card_issued_on=TODAY + dt.timedelta(days=1)),  # 7: issued tomorrow
                sup(17, card_valid_until=dt.date(2021, 2, 28)),  # 8
                sup(18, card_number="R44210018"),  # 9: issuer code of another province
                sup(19, card_number="R36210090"),  # 10: number taken
                sup(20, card_number="R36210021"),  # 11
                sup(21, card_number="R36210021"),  # 12: same number twice in the file
                sup(90, name="已有", card_number=""),  # 13: already an external supervisor
                sup(22, authority_code=other_authority.code),  # 14: outside the actor's region
                sup(23, qualification={"unknown": 1}),  # 15
            ),
        )
    )
    assert found == [
        (2, "id_number", "身份证号校验码错误,请核对后重新输入", bad_id),
        (3, "name", "该身份证号已登记,但与所填姓名不一致,请核对姓名和身份证号", "别名"),
        (
            4,
            "institution_uscc",
            "统一社会信用代码「91360000MA00000000」对应的评价机构不存在",
            "91360000MA00000000",
        ),
        (4, "institution_uscc", "外部质量督导员不填写评价机构", "91360000MA00000000"),
        (5, "authority_code", "机构编码「NOPE」不存在", "NOPE"),
        (6, "card_issued_on", "填写证卡号时须填写发证日期", ""),
        (7, "card_issued_on", "发证日期不能晚于今天", (TODAY + dt.timedelta(days=1)).isoformat()),
        (8, "card_valid_until", "有效期至不能早于发证日期", "2021-02-28"),
        (9, "card_number", "证卡号第 2–3 位发证机关代码为「44」,与发证机构的代码「36」不符", "R44210018"),
        (10, "card_number", "证卡号「R36210090」已被使用", "R36210090"),
        (12, "card_number", "证卡号「R36210021」与第 11 行重复", "R36210021"),
        (13, "id_number", "该人员已登记为外部质量督导员", masked(resident_id(90))),
        (14, "authority_code", "没有管理该督导员的权限", other_authority.code),
        (15, "qualification", "任职条件中有未知项:unknown", "{'unknown': 1}"),
    ]


def test_supervisor_issue_date_today_is_accepted(users):
    admin = users[Role.AUTHORITY_ADMIN]
    assert (
        bulk.supervisors_create(
            actor=admin, rows=rows(sup(30, card_issued_on=TODAY, card_number=f"R36{TODAY:%y}0030"))
        ).created
        == 1
    )


def test_supervisor_twice_in_the_file_and_internal_rules(users, institution, other_institution):
    admin = users[Role.AUTHORITY_ADMIN]
    inst_admin = users[Role.INSTITUTION_ADMIN]
    found = problems(
        lambda: bulk.supervisors_create(
            actor=admin, rows=rows(sup(40, card_number=""), sup(40, card_number=""))
        )
    )
    assert found == [(3, "id_number", "该人员已登记为外部质量督导员(第 2 行)", masked(resident_id(40)))]
    internal = {"kind": "internal", "card_number": ""}
    found = problems(
        lambda: bulk.supervisors_create(
            actor=inst_admin,
            rows=rows(
                sup(41, **internal, authority_code="JX-HRSS"),
                sup(42, **internal, institution_uscc=other_institution.uscc),
            ),
        )
    )
    assert found == [
        (2, "authority_code", "内部质量督导员不填写委派机构编码", "JX-HRSS"),
        (3, "institution_uscc", "没有管理该督导员的权限", other_institution.uscc),
    ]
    # the institution admin's own institution is the default
    result = bulk.supervisors_create(actor=inst_admin, rows=rows(sup(43, **internal)))
    assert result.objects[0].institution == institution


def test_supervisors_need_the_right_role(users):
    with pytest.raises(PermissionDenied):
        bulk.supervisors_create(actor=users[Role.EXAMINER], rows=rows(sup(50)))


def test_supervisor_dry_run_writes_nothing(users):
    before = state_counts()
    result = bulk.supervisors_create(actor=users[Role.AUTHORITY_ADMIN], rows=rows(sup(51)), dry_run=True)
    assert (result.rows, result.created) == (1, 1)
    assert state_counts() == before


# ----------------------------------------------------------------------------------------- examiners
def exa(n: int, **values):
    row = {
        "name": f"考评{n}",
        "id_number": resident_id(n, region="110105"),
        "card_number": f"KP-{n:04d}",
        "card_issued_on": dt.date(2022, 1, 1),
        "scopes": "4-03-02-01:5,4;6-18-02-04/焊工:3",
    }
    row.update(values)
    return row


def examiners_one_by_one(actor, items, authority):
    for _n, row in items:
        person, data = services.resolve_person_input(
            actor=actor, name=row["name"], id_number=row["id_number"], phone=row.get("phone", "")
        )
        examiner = services.examiner_create(
            actor=actor, person=person, person_data=data, authority=authority, senior=bool(row.get("senior"))
        )
        if row.get("card_number"):
            from dudao.people import domain

            services.examiner_card_issue(
                actor=actor,
                examiner=examiner,
                number=row["card_number"],
                issued_on=row["card_issued_on"],
                valid_until=row.get("card_valid_until"),
                scopes=domain.parse_scopes_text(row["scopes"]),
            )


def test_examiners_write_what_the_single_row_services_write(users, authority, occupations):
    admin = users[Role.AUTHORITY_ADMIN]
    items = rows(exa(1, senior=True), exa(2, card_number="", card_issued_on=None, scopes=""), exa(3))
    single = written(lambda: examiners_one_by_one(admin, items, authority))
    many = written(lambda: bulk.examiners_create(actor=admin, rows=items))
    assert single == many
    assert len(many[0]["ExaminerCardScope"]) == 4
    assert {e[0] for e in many[1]} == {
        "people.person.create",
        "people.examiner.create",
        "people.examiner_card.issue",
    }
    result = bulk.examiners_create(actor=admin, rows=items)
    assert [c is None for c in result.related["cards"]] == [False, True, False]
    assert verify_chain().ok


def test_examiner_rules_reported_per_row_with_column_and_value(users, occupations, other_authority):
    admin = users[Role.AUTHORITY_ADMIN]
    f.OccupationFactory(code="4-01-01-01", name="停用职业", is_active=False)
    services.examiner_create(actor=admin, person_data={"name": "已有", "id_number": resident_id(90)})
    found = problems(
        lambda: bulk.examiners_create(
            actor=admin,
            rows=rows(
                exa(11, scopes="9-99-99-99:3"),  # 2: unknown occupation
                exa(12, scopes="4-01-01-01:3"),  # 3: occupation not in use
                exa(13, scopes="4-03-02-01:3;4-03-02-01:4"),  # 4: same occupation twice
                exa(14, scopes="4-03-02-01:7"),  # 5: level out of range
                exa(15, card_number="", card_issued_on=None),  # 6: scope without a card
                exa(16, scopes=""),  # 7: card without a scope
                exa(90, name="已有", id_number=resident_id(90)),  # 8: already an examiner
                exa(17, authority_code=other_authority.code),  # 9: outside the actor's region
                exa(18, card_number="KP-0018"),  # 10
                exa(19, card_number="KP-0018"),  # 11: same card number twice
            ),
        )
    )
    assert found == [
        (2, "scopes", "职业编码「9-99-99-99」不存在", "9-99-99-99:3"),
        (3, "scopes", "职业「4-01-01-01 停用职业」已停用", "4-01-01-01:3"),
        (4, "scopes", "考评范围中职业「4-03-02-01 中式烹调师」重复", "4-03-02-01:3;4-03-02-01:4"),
        (5, "scopes", "「4-03-02-01:7」中的等级「7」无效,应为 1–5", "4-03-02-01:7"),
        (6, "card_number", "填写了考评范围,但未填写证卡号", ""),
        (7, "scopes", "请填写考评范围,如 4-03-02-01:5,4", ""),
        (8, "id_number", "该人员已登记为考评员", masked(resident_id(90))),
        (9, "authority_code", "没有管理该考评员的权限", other_authority.code),
        (11, "card_number", "证卡号「KP-0018」与第 10 行重复", "KP-0018"),
    ]


def test_examiner_authority_required_for_the_superuser(users, authority, occupations):
    root = users["superuser"]
    found = problems(lambda: bulk.examiners_create(actor=root, rows=rows(exa(60))))
    assert found == [(2, "authority_code", "请选择管理机构", "")]
    assert bulk.examiners_create(actor=root, rows=rows(exa(60, authority_code=authority.code))).created == 1


def test_examiners_need_the_right_role(users):
    with pytest.raises(PermissionDenied):
        bulk.examiners_create(actor=users[Role.INSTITUTION_ADMIN], rows=rows(exa(61)))


# ----------------------------------------------------------------------------------------- relations
def test_relations_write_what_relation_declare_writes(users, institution):
    admin = users[Role.AUTHORITY_ADMIN]
    a = services.person_create(actor=admin, name="申报人", id_number=resident_id(1))
    b = services.person_create(actor=admin, name="关系人", id_number=resident_id(2))
    items = rows(
        {
            "person_id_number": resident_id(1),
            "kind": "relative",
            "other_id_number": resident_id(2),
            "note": "兄弟",
        },
        {"person_id_number": resident_id(1), "kind": "employment", "institution_uscc": institution.uscc},
        {
            "person_id_number": resident_id(1),
            "kind": "master_apprentice",
            "other_id_number": resident_id(3),
            "other_name": "新人",
        },
        {
            "person_id_number": resident_id(2),
            "kind": "relative",
            "other_id_number": resident_id(3),
            "declared_on": dt.date(2025, 1, 2),
        },
    )

    def one_by_one():
        services.relation_declare(actor=admin, person=a, kind="relative", other_person=b, note="兄弟")
        services.relation_declare(actor=admin, person=a, kind="employment", institution=institution)
        services.relation_declare(
            actor=admin, person=a, kind="master_apprentice", other_id_number=resident_id(3), other_name="新人"
        )
        services.relation_declare(
            actor=admin,
            person=b,
            kind="relative",
            other_id_number=resident_id(3),
            declared_on=dt.date(2025, 1, 2),
        )

    single = written(one_by_one)
    many = written(lambda: bulk.relations_create(actor=admin, rows=items))
    assert single == many
    assert {e[0] for e in many[1]} == {"people.person.create", "people.relation.declare"}
    assert bulk.relations_create(actor=admin, rows=items).created == 4
    assert verify_chain().ok


def test_relation_rules_reported_per_row_with_column_and_value(users, institution):
    admin = users[Role.AUTHORITY_ADMIN]
    a = services.person_create(actor=admin, name="申报人", id_number=resident_id(1))
    b = services.person_create(actor=admin, name="关系人", id_number=resident_id(2))
    services.relation_declare(actor=admin, person=a, kind="relative", other_person=b)
    me, other = resident_id(1), resident_id(2)
    found = problems(
        lambda: bulk.relations_create(
            actor=admin,
            rows=rows(
                {"person_id_number": resident_id(9), "kind": "relative", "other_id_number": other},  # 2
                {"person_id_number": me, "kind": "cousin", "other_id_number": other},  # 3
                {
                    "person_id_number": me,
                    "kind": "relative",
                    "other_id_number": other,
                    "institution_uscc": institution.uscc,
                },  # 4
                {"person_id_number": me, "kind": "master_apprentice", "other_id_number": resident_id(5)},  # 5
                {
                    "person_id_number": me,
                    "kind": "master_apprentice",
                    "other_id_number": other,
                    "other_name": "错名",
                },  # 6
                {"person_id_number": me, "kind": "master_apprentice", "other_id_number": me},  # 7
                {"person_id_number": me, "kind": "relative", "other_id_number": other},  # 8: declared before
                {"person_id_number": me, "kind": "teacher_student", "other_id_number": other},  # 9
                {"person_id_number": me, "kind": "teacher_student", "other_id_number": other},  # 10: twice
            ),
        )
    )
    assert found == [
        (2, "person_id_number", "申报人不存在", resident_id(9)),
        (3, "kind", "关系类型应为亲属、师生、师徒、雇佣/任职或其他利害关系", "cousin"),
        (4, "other_id_number", "关系人与关系机构须且只能填写一项", ""),
        (5, "other_name", "关系人未登记,请填写关系人姓名", ""),
        (6, "other_name", "关系人姓名与身份证号不一致,请核对", "错名"),
        (7, "other_id_number", "不能与本人申报关系", masked(me)),
        (8, "kind", "已申报过相同的关系", "relative"),
        (10, "kind", "已申报过相同的关系(第 9 行)", "teacher_student"),
    ]


def test_relations_need_the_right_to_declare(users):
    admin = users[Role.AUTHORITY_ADMIN]
    services.person_create(actor=admin, name="申报人", id_number=resident_id(1))
    found = problems(
        lambda: bulk.relations_create(
            actor=users[Role.EXAMINER],
            rows=rows(
                {
                    "person_id_number": resident_id(1),
                    "kind": "relative",
                    "other_id_number": resident_id(2),
                    "other_name": "新人",
                }
            ),
        )
    )
    assert found == [(2, "person_id_number", "无权为该人员申报关系", masked(resident_id(1)))]
