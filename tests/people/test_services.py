"""Services of the people app: validation, permissions, state changes, audit; refusals change nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.accounts.models import Role
from dudao.common import pii
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.people import models as pm
from dudao.people import selectors, services
from tests import factories as f
from tests.factories import current_version

from .helpers import resident_id, state_counts, wrong_check_digit

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------------------- persons and PII


def test_person_create_encrypts_masks_and_indexes(admin, authority):
    number = resident_id(7)  # 360102198501010077 style: sequence 007
    person = services.person_create(actor=admin, name=" 张三 ", id_number=number.lower(), phone="13900001111")
    person.refresh_from_db()
    assert person.name == "张三"
    assert person.id_number_masked == number[:6] + "********" + number[-4:]
    assert person.id_number_encrypted != number
    assert number not in person.id_number_encrypted
    assert pii.decrypt(person.id_number_encrypted) == number
    assert person.id_number_index == pii.blind_index(number)
    assert person.birth_date == dt.date(1985, 1, 1)
    assert person.gender == ("M" if int(number[16]) % 2 else "F")
    assert person.registered_by == authority
    event = AuditEvent.objects.get(action="people.person.create")
    assert event.object_id == str(person.pk)
    assert number not in json.dumps(event.after, ensure_ascii=False)
    assert "id_number_encrypted" not in event.after
    assert event.after["id_number_masked"] == person.id_number_masked


def test_plaintext_never_reaches_the_audit_trail(admin, make_external, inst_admin, institution):
    number = resident_id(11)
    supervisor = make_external(id_number=number)
    services.person_update(actor=admin, person=supervisor.person, row_version=1, id_number=resident_id(12))
    services.person_reveal_id(actor=admin, person=supervisor.person)
    for event in AuditEvent.objects.all():
        blob = json.dumps([event.before, event.after], ensure_ascii=False)
        assert number not in blob
        assert resident_id(12) not in blob
        assert "v1:" not in blob  # no ciphertext either (they look like "v1:<base64>")
    assert AuditEvent.objects.filter(action="people.person.update").count() == 1


def test_wrong_checksum_refused_nothing_changed(admin):
    before = state_counts()
    with pytest.raises(ValidationFailed) as exc:
        services.person_create(actor=admin, name="李四", id_number=wrong_check_digit(resident_id(3)))
    assert exc.value.detail == {"id_number": ["身份证号校验码错误,请核对后重新输入"]}
    assert state_counts() == before


def test_name_and_id_errors_reported_together(admin):
    with pytest.raises(ValidationFailed) as exc:
        services.person_create(actor=admin, name=" ", id_number="123")
    assert exc.value.detail == {"name": ["请填写姓名"], "id_number": ["身份证号应为 18 位(当前 3 位)"]}


def test_duplicate_id_refused_nothing_changed(admin):
    number = resident_id(21)
    services.person_create(actor=admin, name="王五", id_number=number)
    before = state_counts()
    with pytest.raises(Conflict) as exc:
        services.person_create(actor=admin, name="王五二", id_number=" " + number.lower() + " ")
    assert exc.value.message == "该身份证号已登记"
    assert exc.value.detail == {"id_number": ["该身份证号已登记"]}
    assert state_counts() == before


def test_blind_index_lookup(admin, users):
    number = resident_id(31)
    person = services.person_create(actor=admin, name="赵六", id_number=number)
    assert services.person_find_by_id_number(actor=admin, id_number=number.lower()) == person
    assert services.person_find_by_id_number(actor=admin, id_number=resident_id(32)) is None
    # Out of scope: an institution user does not find the authority's person.
    assert services.person_find_by_id_number(actor=users[Role.INSTITUTION_STAFF], id_number=number) is None
    assert list(selectors.person_list(admin, number)) == [person]
    assert list(selectors.person_list(admin, "赵")) == [person]


def test_reveal_audited_for_admin_denied_for_staff(admin, staff, users):
    number = resident_id(41)
    person = services.person_create(actor=admin, name="钱七", id_number=number)
    before = state_counts()
    with pytest.raises(PermissionDenied) as exc:
        services.person_reveal_id(actor=staff, person=person)
    assert exc.value.message == "无权查看完整身份证号"
    assert state_counts() == before
    assert services.person_reveal_id(actor=admin, person=person) == number
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.actor_label) == (
        "people.person.reveal_id",
        str(person.pk),
        "auth_admin",
    )
    assert number not in json.dumps(event.after)
    assert services.person_reveal_id(actor=users["superuser"], person=person) == number
    assert AuditEvent.objects.filter(action="people.person.reveal_id").count() == 2


def test_reveal_out_of_scope_is_not_found(admin, other_authority):
    outsider = f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    person = services.person_create(actor=admin, name="孙八", id_number=resident_id(42))
    before = state_counts()
    with pytest.raises(NotFound):
        services.person_reveal_id(actor=outsider, person=person)
    assert state_counts() == before


def test_person_update_stale_version_refused(admin):
    person = services.person_create(actor=admin, name="周九", id_number=resident_id(51))
    services.person_update(actor=admin, person=person, row_version=1, phone="13800000001")
    before = state_counts()
    with pytest.raises(Conflict) as exc:
        services.person_update(actor=admin, person=person, row_version=1, name="周九九")
    assert exc.value.code == "stale_version"
    assert state_counts() == before
    person.refresh_from_db()
    assert (person.name, person.phone, person.row_version) == ("周九", "13800000001", 2)


def test_person_update_new_id_revalidated(admin):
    p1 = services.person_create(actor=admin, name="吴一", id_number=resident_id(61))
    services.person_create(actor=admin, name="吴二", id_number=resident_id(62))
    with pytest.raises(Conflict):
        services.person_update(actor=admin, person=p1, row_version=1, id_number=resident_id(62))
    updated = services.person_update(
        actor=admin, person=p1, row_version=1, id_number=resident_id(63, birth="19900315")
    )
    assert updated.birth_date == dt.date(1990, 3, 15)
    assert pii.decrypt(updated.id_number_encrypted) == resident_id(63, birth="19900315")
    assert updated.row_version == 2


PHONE_ERROR = "手机号格式不正确:应为 11 位手机号(如 13912345678)或带区号的固定电话(如 0791-86123456)"


def test_phone_validated_on_create_nothing_changed(admin, make_external):
    """M5: person_create, and persons registered inline by supervisor/examiner creation."""
    before = state_counts()
    with pytest.raises(ValidationFailed) as exc:
        services.person_create(actor=admin, name="郑一", id_number=resident_id(71), phone="12345")
    assert (exc.value.message, exc.value.detail) == (PHONE_ERROR, {"phone": [PHONE_ERROR]})
    with pytest.raises(ValidationFailed) as exc:  # reported together with the other field errors
        services.person_create(actor=admin, name="", id_number=resident_id(71), phone="139")
    assert exc.value.detail == {"name": ["请填写姓名"], "phone": [PHONE_ERROR]}
    with pytest.raises(ValidationFailed) as exc:
        services.examiner_create(
            actor=admin, person_data={"name": "郑二", "id_number": resident_id(72), "phone": "1234567890123"}
        )
    assert exc.value.detail == {"phone": [PHONE_ERROR]}
    assert state_counts() == before
    person = services.person_create(
        actor=admin, name="郑三", id_number=resident_id(73), phone=" 139 1234 5678"
    )
    assert person.phone == "13912345678"
    landline = services.person_create(
        actor=admin, name="郑四", id_number=resident_id(74), phone="0791-86123456"
    )
    assert landline.phone == "0791-86123456"


def test_phone_validated_on_update(admin):
    person = services.person_create(actor=admin, name="钱一", id_number=resident_id(75), phone="13900000000")
    before = state_counts()
    with pytest.raises(ValidationFailed) as exc:
        services.person_update(actor=admin, person=person, row_version=1, name="钱二", phone="12345")
    assert exc.value.detail == {"phone": [PHONE_ERROR]}
    assert state_counts() == before
    person.refresh_from_db()
    assert (person.name, person.phone) == ("钱一", "13900000000")
    services.person_update(actor=admin, person=person, row_version=1, phone="010-12345678转8")
    person.refresh_from_db()
    assert (person.phone, person.row_version) == ("010-12345678转8", 2)


def test_legacy_phone_does_not_block_other_corrections(admin):
    """A number stored before M5 is validated only when it is changed."""
    person = services.person_create(actor=admin, name="孙一", id_number=resident_id(76))
    pm.Person.objects.filter(pk=person.pk).update(phone="12345")
    person.refresh_from_db()
    services.person_update(actor=admin, person=person, row_version=1, name="孙二", phone="12345")
    person.refresh_from_db()
    assert (person.name, person.phone, person.row_version) == ("孙二", "12345", 2)
    with pytest.raises(ValidationFailed):
        services.person_update(actor=admin, person=person, row_version=2, phone="123456")


def test_institution_admin_registers_own_employees_only(inst_admin, institution, other_institution, users):
    person = services.person_create(actor=inst_admin, name="机构员工", id_number=resident_id(71))
    assert person.employer == institution
    assert person.registered_by is None
    before = state_counts()
    with pytest.raises(PermissionDenied):
        services.person_create(
            actor=inst_admin, name="他机构", id_number=resident_id(72), employer=other_institution
        )
    with pytest.raises(PermissionDenied):
        services.person_create(actor=users[Role.INSTITUTION_STAFF], name="员工", id_number=resident_id(73))
    with pytest.raises(PermissionDenied):
        services.person_create(actor=users[Role.EXAMINER], name="考评员", id_number=resident_id(74))
    assert state_counts() == before


# --------------------------------------------------------------------------------------- supervisors


def test_supervisor_kinds_and_owners(admin, staff, inst_admin, authority, institution):
    external = services.supervisor_create(
        actor=staff,
        kind="external",
        person_data={"name": "外督", "id_number": resident_id(81)},
        qualification={
            "personal_conditions": True,
            "basis": "assessment_work",
            "training_passed_on": "2021-01-05",
        },
    )
    assert (external.authority, external.institution) == (authority, None)
    assert external.person.registered_by == authority
    assert external.qualification == {
        "personal_conditions": True,
        "basis": "assessment_work",
        "training_passed_on": "2021-01-05",
    }
    assert services.qualification_gaps(external.qualification) == ["考核合格"]
    internal = services.supervisor_create(
        actor=inst_admin, kind="internal", person_data={"name": "内督", "id_number": resident_id(82)}
    )
    assert (internal.authority, internal.institution) == (None, institution)
    assert internal.person.employer == institution
    before = state_counts()
    with pytest.raises(PermissionDenied):  # authority staff do not appoint internal supervisors
        services.supervisor_create(
            actor=staff,
            kind="internal",
            institution=institution,
            person_data={"name": "x", "id_number": resident_id(83)},
        )
    with pytest.raises(PermissionDenied):  # institutions do not appoint external supervisors
        services.supervisor_create(
            actor=inst_admin,
            kind="external",
            authority=authority,
            person_data={"name": "x", "id_number": resident_id(84)},
        )
    with pytest.raises(ValidationFailed) as exc:
        services.supervisor_create(
            actor=admin,
            kind="external",
            authority=authority,
            institution=institution,
            person_data={"name": "x", "id_number": resident_id(85)},
        )
    assert exc.value.detail == {"institution": ["外部质量督导员不属于评价机构,请勿填写所属评价机构"]}
    with pytest.raises(Conflict) as exc:
        services.supervisor_create(actor=admin, kind="external", person=external.person)
    assert exc.value.message == "该人员已登记为外部质量督导员"
    assert state_counts() == before


def test_inline_person_error_rolls_back_everything(admin, make_external):
    make_external(id_number=resident_id(90))
    before = state_counts()
    with pytest.raises(Conflict):
        make_external(id_number=resident_id(90))
    with pytest.raises(ValidationFailed):
        make_external(id_number=wrong_check_digit(resident_id(91)))
    assert state_counts() == before


def test_supervisor_status_transitions_and_revoke_cascade(admin, make_external):
    supervisor = make_external()
    card = services.supervisor_card_issue(
        actor=admin, supervisor=supervisor, number="R36210001", issued_on=dt.date(2021, 3, 1)
    )
    with pytest.raises(ValidationFailed) as exc:
        services.supervisor_set_status(
            actor=admin, supervisor=supervisor, to="suspended", row_version=current_version(supervisor)
        )
    assert exc.value.detail == {"reason": ["请填写原因"]}
    services.supervisor_set_status(
        actor=admin,
        supervisor=supervisor,
        to="suspended",
        reason="考核待定",
        row_version=current_version(supervisor),
    )
    services.supervisor_set_status(
        actor=admin, supervisor=supervisor, to="active", row_version=current_version(supervisor)
    )
    services.supervisor_set_status(
        actor=admin,
        supervisor=supervisor,
        to="revoked",
        reason="考核不合格",
        row_version=current_version(supervisor),
    )
    card.refresh_from_db()
    assert (card.status, card.status_reason) == ("revoked", "督导员资格吊销:考核不合格")
    before = state_counts()
    with pytest.raises(IllegalTransition) as exc:
        services.supervisor_set_status(
            actor=admin, supervisor=supervisor, to="active", row_version=current_version(supervisor)
        )
    assert exc.value.message == "督导员当前状态为「已吊销」,不能变更为「在册」"
    assert state_counts() == before
    actions = list(
        AuditEvent.objects.filter(object_type__startswith="people.supervisor").values_list(
            "action", flat=True
        )
    )
    assert actions[-4:] == [
        "people.supervisor.status_suspended",
        "people.supervisor.status_active",
        "people.supervisor.status_revoked",
        "people.supervisor_card.status_revoked",
    ]


# ------------------------------------------------------------------------------ supervisor cards (SUP-3)


def test_external_card_issued_with_default_validity(admin, make_external, authority):
    supervisor = make_external()
    card = services.supervisor_card_issue(
        actor=admin, supervisor=supervisor, number=" r36210001", issued_on=dt.date(2021, 3, 1)
    )
    assert (card.number, card.issuer, card.valid_until) == ("R36210001", authority, dt.date(2024, 2, 29))
    assert selectors.supervisor_card_state(card, dt.date(2024, 2, 29)) == "valid"
    assert selectors.supervisor_card_state(card, dt.date(2024, 3, 1)) == "expired"


@pytest.mark.parametrize(
    ("number", "issued_on", "message"),
    [
        (
            "R3621001",
            dt.date(2021, 3, 1),
            "外部质量督导员证卡号「R3621001」格式不正确:应为 9 位,R + 2 位发证机关代码 + 2 位发证年份"
            " + 4 位流水号,如 R36210001",
        ),
        ("R36210000", dt.date(2021, 3, 1), "证卡号的流水号(后 4 位)应在 0001–9999 之间"),
        ("R44210001", dt.date(2021, 3, 1), "证卡号第 2–3 位发证机关代码为「44」,与发证机构的代码「36」不符"),
        (
            "R36200001",
            dt.date(2021, 3, 1),
            "证卡号第 4–5 位年份为「20」,与发证日期 2021-03-01 的年份「21」不符",
        ),
    ],
)
def test_malformed_external_card_refused_nothing_changed(admin, make_external, number, issued_on, message):
    supervisor = make_external()
    before = state_counts()
    with pytest.raises(ValidationFailed) as exc:
        services.supervisor_card_issue(actor=admin, supervisor=supervisor, number=number, issued_on=issued_on)
    assert exc.value.detail == {"number": [message]}
    assert state_counts() == before


def test_issuer_code_found_up_the_chain(admin, authority):
    city_region = f.RegionFactory(code="360100", name="南昌市", kind="city")
    city = f.AuthorityFactory(region=city_region, parent=authority, card_issuer_code="")
    supervisor = services.supervisor_create(
        actor=admin,
        kind="external",
        authority=city,
        person_data={"name": "市外督", "id_number": resident_id(95)},
    )
    card = services.supervisor_card_issue(
        actor=admin, supervisor=supervisor, number="R36220002", issued_on=dt.date(2022, 1, 1)
    )
    assert card.issuer == authority
    orphan = f.AuthorityFactory(region=city_region, card_issuer_code="")
    lonely = services.supervisor_create(
        actor=admin,
        kind="external",
        authority=orphan,
        person_data={"name": "无码", "id_number": resident_id(96)},
    )
    with pytest.raises(ValidationFailed) as exc:
        services.supervisor_card_issue(
            actor=admin, supervisor=lonely, number="R36220003", issued_on=dt.date(2022, 1, 1)
        )
    assert exc.value.message == "委派机构及其上级机构均未设置证卡发证机关代码,请先在委派机构中设置"


def test_duplicate_card_and_second_live_card_refused(admin, make_external):
    first, second = make_external("甲"), make_external("乙")
    services.supervisor_card_issue(
        actor=admin, supervisor=first, number="R36210001", issued_on=dt.date(2021, 3, 1)
    )
    before = state_counts()
    with pytest.raises(Conflict) as exc:
        services.supervisor_card_issue(
            actor=admin, supervisor=second, number="R36210001", issued_on=dt.date(2021, 4, 1)
        )
    assert exc.value.message == "证卡号「R36210001」已被使用"
    with pytest.raises(Conflict) as exc:
        services.supervisor_card_issue(
            actor=admin, supervisor=first, number="R36210002", issued_on=dt.date(2021, 4, 1)
        )
    assert exc.value.code == "card_exists"
    assert state_counts() == before
    # Once the first card has expired a new one may be issued.
    renewed = services.supervisor_card_issue(
        actor=admin, supervisor=first, number="R36240003", issued_on=dt.date(2024, 3, 1)
    )
    assert renewed.valid_until == dt.date(2027, 2, 28)


def test_internal_card_pattern_is_data(inst_admin, institution):
    supervisor = services.supervisor_create(
        actor=inst_admin, kind="internal", person_data={"name": "内督", "id_number": resident_id(97)}
    )
    with pytest.raises(ValidationFailed) as exc:
        services.supervisor_card_issue(
            actor=inst_admin, supervisor=supervisor, number="NB!", issued_on=dt.date(2022, 1, 1)
        )
    assert exc.value.message == "证卡号「NB!」不符合内部质量督导员证卡的编码规则"
    pm.CardPattern.objects.filter(kind="supervisor_internal").update(regex=r"^NB\d{6}$")
    with pytest.raises(ValidationFailed):
        services.supervisor_card_issue(
            actor=inst_admin, supervisor=supervisor, number="ND-2022", issued_on=dt.date(2022, 1, 1)
        )
    card = services.supervisor_card_issue(
        actor=inst_admin, supervisor=supervisor, number="nb000001", issued_on=dt.date(2022, 1, 1)
    )
    assert (card.number, card.issuer) == ("NB000001", None)


def test_lost_reissue_replace_flow(admin, make_external):
    supervisor = make_external()
    card = services.supervisor_card_issue(
        actor=admin, supervisor=supervisor, number="R36210001", issued_on=dt.date(2021, 3, 1)
    )
    card = services.supervisor_card_set_status(actor=admin, card=card, to="lost", row_version=1)
    before = state_counts()
    with pytest.raises(IllegalTransition):  # a lost card cannot be replaced before re-issue is requested
        services.supervisor_card_replace(
            actor=admin,
            card=card,
            number="R36220001",
            issued_on=dt.date(2022, 1, 1),
            row_version=current_version(card),
        )
    assert state_counts() == before
    card = services.supervisor_card_set_status(
        actor=admin, card=card, to="reissuing", row_version=current_version(card)
    )
    new = services.supervisor_card_replace(
        actor=admin,
        card=card,
        number="R36220001",
        issued_on=dt.date(2022, 1, 1),
        row_version=current_version(card),
    )
    card.refresh_from_db()
    assert card.status == "replaced"
    assert (new.replaces, new.valid_until, new.status) == (card, dt.date(2024, 2, 29), "valid")
    with pytest.raises(IllegalTransition) as exc:
        services.supervisor_card_set_status(
            actor=admin, card=card, to="valid", row_version=current_version(card)
        )
    assert exc.value.message == "证卡当前状态为「已补发作废」,不能变更为「有效」"
    with pytest.raises(ValidationFailed) as exc:
        services.supervisor_card_set_status(
            actor=admin, card=new, to="revoked", row_version=current_version(new)
        )
    assert exc.value.detail == {"reason": ["吊销证卡须填写原因"]}
    revoked = services.supervisor_card_set_status(
        actor=admin, card=new, to="revoked", reason="违规", row_version=current_version(new)
    )
    assert (revoked.status, revoked.status_reason) == ("revoked", "违规")


def test_card_writes_denied_for_other_roles(users, make_external):
    supervisor = make_external()
    card = services.supervisor_card_issue(
        actor=users[Role.AUTHORITY_ADMIN],
        supervisor=supervisor,
        number="R36210001",
        issued_on=dt.date(2021, 3, 1),
    )
    before = state_counts()
    for role in (Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER):
        with pytest.raises(PermissionDenied):
            services.supervisor_card_set_status(
                actor=users[role], card=card, to="lost", row_version=current_version(card)
            )
        with pytest.raises(PermissionDenied):
            services.supervisor_card_issue(
                actor=users[role], supervisor=supervisor, number="R36210002", issued_on=dt.date(2021, 3, 1)
            )
    assert state_counts() == before


# --------------------------------------------------------------------------------------- contracts (SUP-5)


def test_three_terms_then_fourth_refused(admin, make_external):
    supervisor = make_external()
    t1 = services.supervisor_contract_add(actor=admin, supervisor=supervisor, starts_on=dt.date(2020, 2, 29))
    t2 = services.supervisor_contract_renew(actor=admin, supervisor=supervisor)
    t3 = services.supervisor_contract_renew(actor=admin, supervisor=supervisor)
    assert [(t.term_no, t.starts_on, t.ends_on) for t in (t1, t2, t3)] == [
        (1, dt.date(2020, 2, 29), dt.date(2023, 2, 28)),
        (2, dt.date(2023, 3, 1), dt.date(2026, 2, 28)),
        (3, dt.date(2026, 3, 1), dt.date(2029, 2, 28)),
    ]
    before = state_counts()
    with pytest.raises(IllegalTransition) as exc:
        services.supervisor_contract_renew(actor=admin, supervisor=supervisor)
    assert exc.value.code == "max_terms"
    assert state_counts() == before
    assert [a for a in AuditEvent.objects.values_list("action", flat=True) if "contract" in a] == [
        "people.supervisor_contract.add",
        "people.supervisor_contract.renew",
        "people.supervisor_contract.renew",
    ]


def test_overlapping_term_refused(admin, make_external):
    supervisor = make_external()
    with pytest.raises(IllegalTransition) as exc:
        services.supervisor_contract_renew(actor=admin, supervisor=supervisor)
    assert exc.value.message == "该督导员尚无聘任合同,请先签订首届合同"
    services.supervisor_contract_add(actor=admin, supervisor=supervisor, starts_on=dt.date(2021, 1, 1))
    before = state_counts()
    with pytest.raises(ValidationFailed) as exc:
        services.supervisor_contract_add(actor=admin, supervisor=supervisor, starts_on=dt.date(2023, 6, 1))
    assert exc.value.code == "term_overlap"
    assert state_counts() == before
    later = services.supervisor_contract_add(
        actor=admin, supervisor=supervisor, starts_on=dt.date(2024, 6, 1)
    )
    assert (later.term_no, later.ends_on) == (2, dt.date(2027, 5, 31))


# --------------------------------------------------------------------------------------- examiners (EXAM-2/3)


def test_examiner_card_with_scopes(admin, issued_examiner_card):
    card = issued_examiner_card()
    assert (card.number, card.valid_until) == ("KP-0001", dt.date(2024, 2, 29))
    scopes = [(s.occupation.code, s.work_type, s.levels) for s in card.scopes.all()]
    assert scopes == [("4-03-02-01", "", [5, 4])]
    event = AuditEvent.objects.get(action="people.examiner_card.issue")
    assert event.after["scopes"] == [{"occupation": "4-03-02-01", "work_type": "", "levels": [5, 4]}]


def test_examiner_card_scope_errors(admin, make_examiner, occupations):
    examiner = make_examiner()
    before = state_counts()
    for scopes, message in [
        ([], "请至少填写一项考评范围(职业及等级)"),
        ([{"occupation": "9-99-99-99", "levels": [5]}], "职业编码「9-99-99-99」不存在"),
        ([{"occupation": "4-03-02-01", "levels": [7]}], "等级 7 无效,应为 1–5"),
        (
            [{"occupation": "4-03-02-01", "levels": [5]}, {"occupation": "4-03-02-01", "levels": [4]}],
            "考评范围中职业「4-03-02-01 中式烹调师」重复",
        ),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            services.examiner_card_issue(
                actor=admin, examiner=examiner, number="KP-0009", issued_on=dt.date(2021, 1, 1), scopes=scopes
            )
        assert exc.value.message == message
    with pytest.raises(ValidationFailed) as exc:
        services.examiner_card_issue(
            actor=admin,
            examiner=examiner,
            number="K!",
            issued_on=dt.date(2021, 1, 1),
            scopes=[{"occupation": "4-03-02-01", "levels": [5]}],
        )
    assert exc.value.message == "证卡号「K!」不符合考评员证卡的编码规则"
    assert state_counts() == before


def test_renewal_training_extends_validity(admin, issued_examiner_card):
    card = issued_examiner_card(issued_on=dt.date(2021, 3, 1))  # valid until 2024-02-29
    card = services.examiner_card_renew_training(
        actor=admin, card=card, trained_on=dt.date(2024, 5, 10), row_version=1
    )
    assert (card.renewal_trained_on, card.valid_until, card.row_version) == (
        dt.date(2024, 5, 10),
        dt.date(2027, 2, 28),
        2,
    )
    assert selectors.examiner_card_state(card, dt.date(2026, 1, 1)) == "valid"


def test_examiner_lapses_after_a_year_without_training(admin, issued_examiner_card, make_examiner):
    card = issued_examiner_card(issued_on=dt.date(2018, 1, 1))  # valid until 2020-12-31
    assert selectors.examiner_card_state(card, dt.date(2021, 12, 30)) == "expired"
    assert selectors.examiner_card_state(card, dt.date(2021, 12, 31)) == "lapsed"
    before = state_counts()
    with pytest.raises(IllegalTransition) as exc:
        services.examiner_card_renew_training(
            actor=admin, card=card, trained_on=dt.date(2022, 1, 5), row_version=current_version(card)
        )
    assert exc.value.code == "lapsed"
    assert exc.value.message == (
        "证卡已于 2020-12-31 到期且超过一年未参加延续培训,考评资格已失效,须重新取得资格"
    )
    assert state_counts() == before
    card.refresh_from_db()
    assert (card.valid_until, card.renewal_trained_on) == (dt.date(2020, 12, 31), None)
    # Listed as lapsed, not as expired.
    lapsed = selectors.examiner_list(admin, selectors.ExaminerFilters(card_state="lapsed"))
    expired = selectors.examiner_list(admin, selectors.ExaminerFilters(card_state="expired"))
    assert [e.pk for e in lapsed] == [card.examiner_id]
    assert list(expired) == []
    # A new card (new qualification) may be issued once the old one lapsed.
    fresh = services.examiner_card_issue(
        actor=admin,
        examiner=card.examiner,
        number="KP-0100",
        issued_on=dt.date(2023, 1, 1),
        scopes=[{"occupation": "6-18-02-04", "work_type": "焊工", "levels": [3]}],
    )
    assert fresh.valid_until == dt.date(2025, 12, 31)


def test_examiner_card_lost_cannot_examine_and_reissue(admin, issued_examiner_card):
    from dudao.people import domain

    card = issued_examiner_card(issued_on=dt.date(2024, 1, 1))
    card = services.examiner_card_set_status(
        actor=admin, card=card, to="lost", row_version=current_version(card)
    )
    scopes = [domain.Scope(s.occupation.code, s.work_type, tuple(s.levels)) for s in card.scopes.all()]
    decision = domain.can_examine(
        selectors.card_facts(card), scopes, "4-03-02-01", "", [5], dt.date(2024, 6, 1)
    )
    assert decision.reason == "考评员证卡已挂失,不得参加考评"
    card = services.examiner_card_set_status(
        actor=admin, card=card, to="reissuing", row_version=current_version(card)
    )
    new = services.examiner_card_replace(
        actor=admin,
        card=card,
        number="KP-0002",
        issued_on=dt.date(2024, 7, 1),
        row_version=current_version(card),
    )
    assert [(s.occupation.code, s.levels) for s in new.scopes.all()] == [("4-03-02-01", [5, 4])]
    assert new.valid_until == dt.date(2026, 12, 31)
    assert domain.can_examine(
        selectors.card_facts(new), scopes, "4-03-02-01", "", [4], dt.date(2024, 8, 1)
    ).ok


def test_examiner_set_scopes_and_status(admin, issued_examiner_card, staff):
    card = issued_examiner_card()
    card = services.examiner_card_set_scopes(
        actor=staff, card=card, row_version=1, scopes=[{"occupation": "6-18-02-04", "levels": [3, 2]}]
    )
    assert [(s.occupation.code, s.levels) for s in card.scopes.all()] == [("6-18-02-04", [3, 2])]
    assert card.row_version == 2
    examiner = card.examiner
    with pytest.raises(ValidationFailed):
        services.examiner_set_status(
            actor=admin, examiner=examiner, to="inactive", row_version=current_version(examiner)
        )
    examiner = services.examiner_set_status(
        actor=admin,
        examiner=examiner,
        to="inactive",
        reason="连续三次缺席",
        row_version=current_version(examiner),
    )
    assert examiner.is_active is False
    with pytest.raises(IllegalTransition) as exc:
        services.examiner_card_issue(
            actor=admin,
            examiner=examiner,
            number="KP-0003",
            issued_on=dt.date(2024, 1, 1),
            scopes=[{"occupation": "4-03-02-01", "levels": [5]}],
        )
    assert exc.value.message == "考评员不在册,不能办理证卡"


def test_examiner_writes_limited_to_region(admin, other_authority, make_examiner, inst_admin):
    outsider = f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_authority)
    examiner = make_examiner()
    before = state_counts()
    with pytest.raises(PermissionDenied):
        services.examiner_update(actor=outsider, examiner=examiner, row_version=1, senior=True)
    with pytest.raises(PermissionDenied):
        services.examiner_update(actor=inst_admin, examiner=examiner, row_version=1, senior=True)
    with pytest.raises(PermissionDenied):
        services.examiner_update(actor=admin, examiner=examiner, row_version=1, authority=other_authority)
    assert state_counts() == before
    assert services.examiner_update(actor=admin, examiner=examiner, row_version=1, senior=True).senior is True


# ------------------------------------------------------------------------------ relations (SUP-8, EXAM-4)


def test_relations_declare_and_withdraw(admin, make_external, institution, users):
    supervisor = make_external()
    person = supervisor.person
    by_inst = services.relation_declare(
        actor=admin, person=person, kind="employment", institution=institution
    )
    by_number = services.relation_declare(
        actor=admin, person=person, kind="relative", other_id_number=resident_id(301), other_name="亲属甲"
    )
    assert by_number.other_person.name == "亲属甲"
    assert by_number.other_person.registered_by is None
    before = state_counts()
    with pytest.raises(ValidationFailed) as exc:
        services.relation_declare(actor=admin, person=person, kind="relative")
    assert exc.value.detail == {"other_person": ["关系人与关系机构须且只能填写一项"]}
    with pytest.raises(ValidationFailed):
        services.relation_declare(
            actor=admin,
            person=person,
            kind="relative",
            institution=institution,
            other_person=by_number.other_person,
        )
    with pytest.raises(ValidationFailed) as exc:
        services.relation_declare(
            actor=admin, person=person, kind="relative", other_id_number=resident_id(301), other_name="别名"
        )
    assert exc.value.detail == {"other_name": ["关系人姓名与身份证号不一致,请核对"]}
    with pytest.raises(Conflict):
        services.relation_declare(actor=admin, person=person, kind="employment", institution=institution)
    with pytest.raises(ValidationFailed):
        services.relation_declare(actor=admin, person=person, kind="friend", institution=institution)
    with pytest.raises(ValidationFailed) as exc:
        services.relation_declare(actor=admin, person=person, kind="relative", other_person=person)
    assert exc.value.detail == {"other_person": ["不能与本人申报关系"]}
    with pytest.raises(PermissionDenied):
        services.relation_declare(
            actor=users[Role.INSTITUTION_ADMIN], person=person, kind="other", institution=institution
        )
    assert state_counts() == before
    withdrawn = services.relation_withdraw(
        actor=admin, relation=by_inst, row_version=current_version(by_inst)
    )
    assert withdrawn.withdrawn_on == selectors.today()
    with pytest.raises(IllegalTransition):
        services.relation_withdraw(actor=admin, relation=by_inst, row_version=current_version(by_inst))
    assert list(selectors.relation_list(admin, person=person.pk)) == [by_number]


def test_supervisor_declares_own_relation(users, institution):
    me = users[Role.EXTERNAL_SUPERVISOR]
    relation = services.relation_declare(
        actor=me,
        person=me.person,
        kind="teacher_student",
        other_id_number=resident_id(401),
        other_name="学生乙",
    )
    assert relation.person == me.person
    other = users[Role.INTERNAL_SUPERVISOR]
    with pytest.raises(PermissionDenied):
        services.relation_declare(actor=me, person=other.person, kind="other", institution=institution)


def test_examiner_decision_for_other_apps(admin, issued_examiner_card):
    card = issued_examiner_card(issued_on=dt.date(2024, 1, 1))  # valid until 2026-12-31
    examiner = pm.Examiner.objects.prefetch_related(selectors.examiner_cards_prefetch()).get(
        pk=card.examiner_id
    )
    at = dt.date(2025, 6, 1)
    assert selectors.examiner_decision(examiner, "4-03-02-01", "", [4], at).ok is True
    assert selectors.examiner_decision(examiner, "4-03-02-01", "", [3], at).reason == (
        "证卡考评范围不含等级 三级/高级工"
    )
    assert selectors.examiner_decision(examiner, "4-03-02-01", "", [5], dt.date(2027, 1, 1)).reason == (
        "考评员证卡已过期,须参加延续培训"
    )
    examiner.is_active = False
    assert selectors.examiner_decision(examiner, "4-03-02-01", "", [5], at).reason == "考评员不在册"


def test_active_relations_both_directions(admin, make_external, institution):
    a, b = make_external("甲"), make_external("乙")
    r1 = services.relation_declare(actor=admin, person=a.person, kind="relative", other_person=b.person)
    r2 = services.relation_declare(actor=admin, person=a.person, kind="employment", institution=institution)
    assert set(selectors.active_relations([b.person_id], other_person_ids=[a.person_id])) == {r1}
    assert set(selectors.active_relations([a.person_id], institution_ids=[institution.pk])) == {r2}
    services.relation_withdraw(actor=admin, relation=r1, row_version=current_version(r1))
    assert list(selectors.active_relations([b.person_id], other_person_ids=[a.person_id])) == []
