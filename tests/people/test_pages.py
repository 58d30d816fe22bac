"""Pages of the people app: scope (404), permissions (403), masked IDs, audited reveal, forms keep input,
Excel import (all or nothing) and export (masked)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import python_calamine
from django.urls import reverse
from stdnum.cn import ric

from dudao.accounts.models import Role
from dudao.common.excel import export_workbook
from dudao.common.models import AuditEvent
from dudao.people import domain, excel, selectors, services
from dudao.people import models as pm
from tests import factories as f
from tests.conftest import client_for
from tests.factories import current_version

from .helpers import resident_id, state_counts, wrong_check_digit

pytestmark = pytest.mark.django_db


@pytest.fixture
def external(admin):
    supervisor = services.supervisor_create(
        actor=admin, kind="external", person_data={"name": "外督甲", "id_number": resident_id(1)}
    )
    services.supervisor_card_issue(
        actor=admin, supervisor=supervisor, number="R36210001", issued_on=dt.date(2021, 3, 1)
    )
    return supervisor


def test_list_detail_masked_and_scoped(users, external, other_authority):
    client = client_for(users[Role.AUTHORITY_STAFF])
    number = resident_id(1)
    for url in (
        reverse("people:supervisor_list"),
        reverse("people:supervisor_detail", args=[external.pk]),
        reverse("people:person_list"),
        reverse("people:person_detail", args=[external.person_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert number not in text
    assert (
        number[:6] + "********" + number[-4:]
        in client.get(reverse("people:supervisor_list")).content.decode()
    )
    outsider = f.UserFactory(username="gd", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    assert (
        client_for(outsider).get(reverse("people:supervisor_detail", args=[external.pk])).status_code == 404
    )
    inst = client_for(users[Role.INSTITUTION_STAFF])
    assert inst.get(reverse("people:supervisor_detail", args=[external.pk])).status_code == 404
    assert client_for(None).get(reverse("people:supervisor_list")).status_code == 302


def test_search_by_exact_id_on_person_page(users, external):
    client = client_for(users[Role.AUTHORITY_STAFF])
    found = client.get(reverse("people:person_list"), {"q": resident_id(1).lower()})
    assert "外督甲" in found.content.decode()
    missing = client.get(reverse("people:person_list"), {"q": resident_id(1)[:12]})
    assert "外督甲" not in missing.content.decode()
    assert "按身份证号查找须输入完整的 18 位号码" in missing.content.decode()


def test_reveal_page_audited_and_denied_for_staff(users, external):
    url = reverse("people:person_reveal", args=[external.person_id])
    before = state_counts()
    assert client_for(users[Role.AUTHORITY_STAFF]).post(url).status_code == 403
    assert state_counts() == before
    response = client_for(users[Role.AUTHORITY_ADMIN]).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert resident_id(1) in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.latest("id").action == "people.person.reveal_id"
    assert client_for(users[Role.AUTHORITY_ADMIN]).get(url).status_code == 405


def test_detail_shows_reveal_button_only_to_permitted(users, external):
    url = reverse("people:supervisor_detail", args=[external.pk])
    assert "查看完整身份证号" in client_for(users[Role.AUTHORITY_ADMIN]).get(url).content.decode()
    assert "查看完整身份证号" not in client_for(users[Role.AUTHORITY_STAFF]).get(url).content.decode()


def test_create_form_keeps_input_and_shows_field_error(users, admin):
    client = client_for(admin)
    before = state_counts()
    data = {
        "kind": "external",
        "authority": admin.authority_id,
        "name": "新督导",
        "id_number": wrong_check_digit(resident_id(5)),
        "phone": "13911112222",
    }
    response = client.post(reverse("people:supervisor_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"id_number": ["身份证号校验码错误,请核对后重新输入"]}
    assert 'value="13911112222"' in response.content.decode()
    assert state_counts() == before
    data["id_number"] = resident_id(5)
    response = client.post(reverse("people:supervisor_create"), data)
    created = pm.Supervisor.objects.get(person__name="新督导")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:supervisor_detail", args=[created.pk])
    # The same ID again: the registered person is reused (not duplicated) for an examiner.
    response = client.post(
        reverse("people:examiner_create"),
        {"authority": admin.authority_id, "name": "新督导", "id_number": resident_id(5)},
    )
    assert response.status_code == 302
    assert pm.Examiner.objects.filter(person_id=created.person_id).count() == 1
    assert pm.Person.objects.filter(name="新督导").count() == 1


def test_create_pages_forbidden_for_other_roles(users):
    for role in (Role.INSTITUTION_STAFF, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER):
        client = client_for(users[role])
        assert client.get(reverse("people:supervisor_create")).status_code == 403
        assert client.get(reverse("people:examiner_create")).status_code == 403
        assert client.get(reverse("people:supervisor_import")).status_code == 403
    assert client_for(users[Role.INSTITUTION_ADMIN]).get(reverse("people:examiner_create")).status_code == 403
    assert (
        client_for(users[Role.INSTITUTION_ADMIN]).get(reverse("people:supervisor_create")).status_code == 200
    )


def test_card_issue_error_reopens_form_with_values(users, admin, external):
    """M3: a service error re-renders the page with the form open, the input kept, the error inline."""
    client = client_for(admin)
    services.supervisor_card_set_status(
        actor=admin,
        card=external.cards.get(),
        to="revoked",
        reason="测试",
        row_version=current_version(external.cards.get()),
    )
    before = state_counts()
    response = client.post(
        reverse("people:supervisor_card_issue", args=[external.pk]),
        {"number": "R36230099", "issued_on": "2024-05-01", "valid_until": "2026-04-30"},
    )
    assert state_counts() == before
    assert response.status_code == 200
    form = response.context["card_form"]
    assert form.errors == {"number": ["证卡号第 4–5 位年份为「23」,与发证日期 2024-05-01 的年份「24」不符"]}
    text = response.content.decode()
    assert 'class="collapse show" id="card-issue"' in text
    assert (
        'name="number" id="card-number" value="R36230099" class="form-control font-monospace is-invalid"'
        in text
    )
    assert 'name="issued_on" id="card-issued" value="2024-05-01"' in text
    assert 'name="valid_until" id="card-until" value="2026-04-30"' in text
    assert (
        '<div class="invalid-feedback d-block" id="card-number-error">'
        "<div>证卡号第 4–5 位年份为「23」,与发证日期 2024-05-01 的年份「24」不符</div></div>"
    ) in text
    assert "autofocus" in text.split('id="card-number"')[1].split(">")[0]
    # Unbound (plain GET): the form is closed and empty.
    page = client.get(reverse("people:supervisor_detail", args=[external.pk])).content.decode()
    assert 'class="collapse" id="card-issue"' in page
    assert 'name="number" id="card-number" value=""' in page
    response = client.post(
        reverse("people:supervisor_card_issue", args=[external.pk]),
        {"number": "R36240099", "issued_on": "2024-05-01"},
    )
    assert response["Location"] == reverse("people:supervisor_detail", args=[external.pk])
    assert external.cards.filter(number="R36240099", status="valid").exists()


def test_supervisor_card_form_invalid_keeps_input(users, admin, external):
    """M3: the form itself invalid (发证日期 missing): same page, input kept, Chinese error on the field."""
    client = client_for(admin)
    services.supervisor_card_set_status(
        actor=admin,
        card=external.cards.get(),
        to="revoked",
        reason="测试",
        row_version=current_version(external.cards.get()),
    )
    before = state_counts()
    response = client.post(
        reverse("people:supervisor_card_issue", args=[external.pk]), {"number": "R36240007", "issued_on": ""}
    )
    assert state_counts() == before
    assert response.status_code == 200
    assert response.context["card_form"].errors == {"issued_on": ["这个字段是必填项。"]}
    text = response.content.decode()
    assert 'class="collapse show" id="card-issue"' in text
    assert 'value="R36240007"' in text
    assert 'name="issued_on" id="card-issued" value="" class="form-control is-invalid"' in text
    # A conflict without a field (a live card exists) is shown on top of the form.
    services.supervisor_card_issue(
        actor=admin, supervisor=external, number="R36240001", issued_on=dt.date(2024, 1, 1)
    )
    response = client.post(
        reverse("people:supervisor_card_issue", args=[external.pk]),
        {"number": "R36240002", "issued_on": "2024-02-01"},
    )
    assert response.status_code == 200
    message = "已持有证卡「R36240001」(有效,有效期至 2026-12-31),请先办理挂失补办或吊销后再发新证"
    assert response.context["card_form"].non_field_errors() == [message]
    # The holder has a live card now, so the issue form is not offered: the error goes on top of the page.
    assert [str(m) for m in response.context["messages"]] == ["证卡未发放:" + message]
    assert 'id="card-issue"' not in response.content.decode()


def test_card_and_contract_actions_via_pages(users, admin, external):
    client = client_for(admin)
    card = external.cards.get()
    client.post(
        reverse("people:supervisor_card_status", args=[card.pk]),
        {"to": "lost", "row_version": card.row_version},
    )
    card.refresh_from_db()
    assert card.status == "lost"
    by_staff = client_for(users[Role.AUTHORITY_STAFF]).post(
        reverse("people:supervisor_contract_add", args=[external.pk]), {"starts_on": "2021-01-01"}
    )
    assert by_staff.status_code == 302  # authority staff may manage external supervisors
    assert external.contracts.count() == 1
    client.post(reverse("people:supervisor_contract_add", args=[external.pk]))
    client.post(reverse("people:supervisor_contract_add", args=[external.pk]))
    response = client.post(reverse("people:supervisor_contract_add", args=[external.pk]), follow=True)
    assert external.contracts.count() == 3
    assert "聘任合同最多三届,该督导员已签订 3 届,不能再续聘" in response.content.decode()
    before = state_counts()
    inst = client_for(users[Role.INSTITUTION_ADMIN])
    assert (
        inst.post(reverse("people:supervisor_card_status", args=[card.pk]), {"to": "valid"}).status_code
        == 404
    )
    assert state_counts() == before


def test_relation_add_and_withdraw_pages(users, admin, external):
    client = client_for(admin)
    url = reverse("people:relation_add", args=[external.person_id])
    next_url = reverse("people:supervisor_detail", args=[external.pk])
    response = client.post(
        url, {"kind": "relative", "other_name": "亲属", "other_id_number": resident_id(77), "next": next_url}
    )
    assert response["Location"] == next_url
    relation = pm.Relation.objects.get()
    assert relation.other_person.name == "亲属"
    # An error with a foreign `next`: the person page is rendered (never the foreign address).
    response = client.post(url, {"kind": "relative", "next": "https://evil.example/"})
    assert response.status_code == 200
    assert response.templates[0].name == "people/person_detail.html"
    assert response.context["relation_form"].non_field_errors() == ["关系人与关系机构须且只能填写一项"]
    client.post(
        reverse("people:relation_withdraw", args=[relation.pk]), {"row_version": relation.row_version}
    )
    relation.refresh_from_db()
    assert relation.withdrawn_on is not None


def _relation_post(**overrides):
    return {
        "kind": "teacher_student",
        "other_name": "李某",
        "other_id_number": wrong_check_digit(resident_id(78)),
        "institution_uscc": "",
        "note": "表兄",
        **overrides,
    }


@pytest.mark.parametrize("page", ["person", "supervisor"])
def test_relation_error_keeps_all_input(users, admin, external, institution, page):
    """M4: every error keeps every field (关系类型 too), the form stays open, the error is inline."""
    client = client_for(admin)
    here = (
        reverse("people:person_detail", args=[external.person_id])
        if page == "person"
        else reverse("people:supervisor_detail", args=[external.pk])
    )
    url = reverse("people:relation_add", args=[external.person_id])
    before = state_counts()
    data = _relation_post(next=here)
    response = client.post(url, data)
    assert state_counts() == before
    assert response.status_code == 200
    assert response.templates[0].name == f"people/{page}_detail.html"
    form = response.context["relation_form"]
    assert form.errors == {"other_id_number": ["身份证号校验码错误,请核对后重新输入"]}
    text = response.content.decode()
    pk = external.person_id
    assert f'class="collapse show" id="relation-add-{pk}"' in text
    assert '<option value="teacher_student" selected>师生</option>' in text
    assert '<option value="relative">亲属</option>' in text
    assert f'name="other_name" id="rel-name-{pk}" value="李某"' in text
    wrong_id = data["other_id_number"]
    assert f'id="rel-id-{pk}" value="{wrong_id}" class="form-control is-invalid"' in text
    assert f'name="note" id="rel-note-{pk}" value="表兄"' in text
    assert f'<input type="hidden" name="next" value="{here}">' in text
    # Both a person and an institution: a form-level message; the input is still there.
    response = client.post(
        url, _relation_post(other_id_number=resident_id(78), institution_uscc=institution.uscc, next=here)
    )
    assert response.context["relation_form"].non_field_errors() == ["关系人与关系机构须且只能填写一项"]
    assert f'value="{institution.uscc}"' in response.content.decode()
    # An unknown USCC: on its field.
    response = client.post(
        url,
        _relation_post(other_name="", other_id_number="", institution_uscc="91360100MA0000009X", next=here),
    )
    assert response.context["relation_form"].errors == {
        "institution_uscc": ["关系机构的统一社会信用代码不存在"]
    }
    assert 'value="91360100MA0000009X"' in response.content.decode()
    assert state_counts() == before


def test_relation_error_page_of_another_person_falls_back(users, admin, external, make_examiner):
    """`next` naming another person's page (tampered) renders this person's page, not the other one."""
    other = make_examiner()
    client = client_for(admin)
    response = client.post(
        reverse("people:relation_add", args=[external.person_id]),
        _relation_post(next=reverse("people:examiner_detail", args=[other.pk])),
    )
    assert response.status_code == 200
    assert response.templates[0].name == "people/person_detail.html"
    assert response.context["person"].pk == external.person_id


def test_examiner_relation_error_as_the_examiner(users, make_examiner):
    """M4 as reported: an examiner declares a relation for themselves on their own page."""
    user = users[Role.EXAMINER]
    examiner = pm.Examiner.objects.get(person=user.person)
    here = reverse("people:examiner_detail", args=[examiner.pk])
    response = client_for(user).post(
        reverse("people:relation_add", args=[examiner.person_id]), _relation_post(kind="other", next=here)
    )
    assert response.status_code == 200
    assert response.templates[0].name == "people/examiner_detail.html"
    assert '<option value="other" selected>' in response.content.decode()


def test_examiner_pages(users, admin, occupations):
    client = client_for(admin)
    response = client.post(
        reverse("people:examiner_create"),
        {"authority": admin.authority_id, "name": "考评员", "id_number": resident_id(9), "senior": "on"},
    )
    examiner = pm.Examiner.objects.get(person__name="考评员")
    assert examiner.senior is True
    assert response["Location"] == reverse("people:examiner_detail", args=[examiner.pk])
    response = client.post(
        reverse("people:examiner_card_issue", args=[examiner.pk]),
        {"number": "KP-0001", "issued_on": "2018-06-01", "scopes": "4-03-02-01:5,4"},
    )
    card = examiner.cards.get()
    assert [(s.occupation.code, s.levels) for s in card.scopes.all()] == [("4-03-02-01", [5, 4])]
    page = client.get(reverse("people:examiner_detail", args=[examiner.pk])).content.decode()
    assert "已失效(超期未培训)" in page
    before = state_counts()
    response = client.post(
        reverse("people:examiner_card_training", args=[card.pk]), {"trained_on": "2023-01-01"}, follow=True
    )
    assert "考评资格已失效" in response.content.decode()
    assert state_counts() == before
    listing = client.get(reverse("people:examiner_list"), {"card_state": "lapsed"}).content.decode()
    assert "KP-0001" in listing
    assert (
        "KP-0001" not in client.get(reverse("people:examiner_list"), {"card_state": "valid"}).content.decode()
    )


def _xlsx_rows(data: bytes) -> list[list]:
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_index(0).to_python()


def test_export_masks_ids(users, external, admin):
    response = client_for(admin).get(reverse("people:supervisor_export"))
    assert response.status_code == 200
    rows = _xlsx_rows(response.content)
    assert rows[0][:2] == ["姓名", "身份证号(脱敏)"]
    assert rows[1][0] == "外督甲"
    assert rows[1][1] == resident_id(1)[:6] + "********" + resident_id(1)[-4:]
    assert all(resident_id(1) not in str(cell) for row in rows for cell in row)


def _supervisor_upload(rows) -> bytes:
    return export_workbook(excel.SUPERVISOR_COLUMNS, rows, sheet_name="督导员")


def test_supervisor_import_all_or_nothing(users, admin, authority):
    good = {
        "name": "导入甲",
        "id_number": resident_id(201),
        "kind": "external",
        "authority_code": authority.code,
        "card_number": "R36210201",
        "card_issued_on": dt.date(2021, 3, 1),
    }
    bad = {
        "name": "导入乙",
        "id_number": wrong_check_digit(resident_id(202)),
        "kind": "external",
        "card_number": "R36210202",
        "card_issued_on": dt.date(2021, 3, 1),
    }
    bad_card = {
        "name": "导入丙",
        "id_number": resident_id(203),
        "kind": "external",
        "card_number": "R44210203",
        "card_issued_on": dt.date(2021, 3, 1),
    }
    client = client_for(admin)
    url = reverse("people:supervisor_import")
    before = state_counts()
    upload = io.BytesIO(_supervisor_upload([good, bad, bad_card]))
    upload.name = "sup.xlsx"
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    errors = [(e.row, e.column, e.message) for e in response.context["import_errors"]]
    assert errors == [
        (3, "身份证号", "身份证号校验码错误,请核对后重新输入"),
        (4, "证卡号", "证卡号第 2–3 位发证机关代码为「44」,与发证机构的代码「36」不符"),
    ]
    assert state_counts() == before
    upload = io.BytesIO(_supervisor_upload([good, {**bad_card, "card_number": "R36210203"}]))
    upload.name = "sup.xlsx"
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert sorted(pm.SupervisorCard.objects.values_list("number", flat=True)) == ["R36210201", "R36210203"]
    assert pm.Supervisor.objects.filter(person__name__startswith="导入").count() == 2


def test_examiner_import_with_scopes(users, admin, occupations):
    rows = [
        {
            "name": "考甲",
            "id_number": resident_id(301),
            "card_number": "KP-301",
            "card_issued_on": dt.date(2022, 1, 1),
            "scopes": "4-03-02-01:5,4;6-18-02-04/焊工:3",
            "senior": True,
        },
        {
            "name": "考乙",
            "id_number": resident_id(302),
            "card_number": "KP-302",
            "card_issued_on": dt.date(2022, 1, 1),
            "scopes": "4-03-02-01:7",
        },
    ]
    data = export_workbook(excel.EXAMINER_COLUMNS, rows, sheet_name="考评员")
    client = client_for(admin)
    before = state_counts()
    upload = io.BytesIO(data)
    upload.name = "ex.xlsx"
    response = client.post(reverse("people:examiner_import"), {"file": upload})
    assert [(e.row, e.column, e.message) for e in response.context["import_errors"]] == [
        (3, "考评范围", "「4-03-02-01:7」中的等级「7」无效,应为 1–5")
    ]
    assert state_counts() == before
    rows[1]["scopes"] = "4-03-02-01:4"
    upload = io.BytesIO(export_workbook(excel.EXAMINER_COLUMNS, rows, sheet_name="考评员"))
    upload.name = "ex.xlsx"
    assert client.post(reverse("people:examiner_import"), {"file": upload}).status_code == 302
    card = pm.ExaminerCard.objects.get(number="KP-301")
    assert card.examiner.senior is True
    assert card.examiner.authority == admin.authority
    assert [(s.occupation.code, s.work_type, s.levels) for s in card.scopes.order_by("id")] == [
        ("4-03-02-01", "", [5, 4]),
        ("6-18-02-04", "焊工", [3]),
    ]
    export = _xlsx_rows(client.get(reverse("people:examiner_export")).content)
    header = export[0]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in export[1:]}
    assert by_name["考甲"]["考评范围"] == "4-03-02-01:5,4;6-18-02-04/焊工:3"
    assert by_name["考甲"]["证卡状态"] == domain.CARD_STATE_LABELS[selectors.examiner_card_state(card)]
    assert by_name["考甲"]["身份证号(脱敏)"] == resident_id(301)[:6] + "********" + resident_id(301)[-4:]


def test_import_template_download(users, admin):
    response = client_for(admin).get(reverse("people:supervisor_import"), {"template": "1"})
    assert response.status_code == 200
    rows = _xlsx_rows(response.content)
    assert rows[0] == [c.header for c in excel.SUPERVISOR_COLUMNS]


def test_list_page_query_count(users, admin, django_assert_max_num_queries):
    for n in range(22):
        sup = services.supervisor_create(
            actor=admin, kind="external", person_data={"name": f"督{n}", "id_number": resident_id(400 + n)}
        )
        services.supervisor_card_issue(
            actor=admin, supervisor=sup, number=f"R3621{n + 400:04d}", issued_on=dt.date(2021, 1, 1)
        )
    client = client_for(users[Role.AUTHORITY_STAFF])
    client.get(reverse("people:supervisor_list"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("people:supervisor_list"), {"page_size": 50})
    assert response.content.decode().count("R3621") == 22


# --------------------------------------------------------------------------------------- review fixes

CONFLICT = "数据已被他人修改,请刷新后重试"
PHONE_ERROR = "手机号格式不正确:应为 11 位手机号(如 13912345678)或带区号的固定电话(如 0791-86123456)"


def _supervisor_edit_post(supervisor, **overrides):
    return {
        "row_version": supervisor.row_version,
        "person_row_version": supervisor.person.row_version,
        "name": supervisor.person.name,
        "phone": supervisor.person.phone,
        "employer_name": supervisor.person.employer_name,
        "authority": supervisor.authority_id,
        **overrides,
    }


@pytest.mark.parametrize("stale", ["supervisor", "person"])
def test_stale_supervisor_edit_shows_conflict_and_keeps_input(users, admin, external, stale):
    """M1: a stale edit (second tab) says 「数据已被他人修改,请刷新后重试」, never "Row version:3"."""
    client = client_for(admin)
    url = reverse("people:supervisor_edit", args=[external.pk])
    tab2 = _supervisor_edit_post(external, phone="13700000002", note="第二个标签页")
    # Tab 1 saves first: a new phone (person row) or new conditions (supervisor row).
    tab1 = _supervisor_edit_post(external, phone="13700000001" if stale == "person" else "")
    tab1.update({} if stale == "person" else {"note": "第一个标签页"})
    assert client.post(url, tab1).status_code == 302
    before = state_counts()
    response = client.post(url, tab2)
    assert state_counts() == before
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [CONFLICT]
    assert form.errors == {"__all__": [CONFLICT]}
    text = response.content.decode()
    assert "Row version" not in text
    assert 'value="13700000002"' in text
    assert 'value="第二个标签页"' in text


def test_stale_examiner_edit_shows_conflict_and_keeps_input(users, admin, make_examiner):
    examiner = make_examiner()
    client = client_for(admin)
    url = reverse("people:examiner_edit", args=[examiner.pk])
    data = {
        "row_version": examiner.row_version,
        "person_row_version": examiner.person.row_version,
        "name": examiner.person.name,
        "phone": "",
        "employer_name": "",
        "authority": examiner.authority_id,
    }
    assert client.post(url, {**data, "senior": "on"}).status_code == 302
    before = state_counts()
    response = client.post(url, {**data, "employer_name": "某技师学院"})
    assert state_counts() == before
    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": [CONFLICT]}
    text = response.content.decode()
    assert "Row version" not in text
    assert f'<div class="alert alert-danger" role="alert">\n  <div>{CONFLICT}</div>' in text
    assert 'value="某技师学院"' in text


def test_phone_validated_on_pages(users, admin, external):
    """M5 on the create and edit forms: the error under 手机号, the input kept, nothing written."""
    client = client_for(admin)
    before = state_counts()
    response = client.post(
        reverse("people:supervisor_create"),
        {
            "kind": "external",
            "authority": admin.authority_id,
            "name": "新督导",
            "id_number": resident_id(5),
            "phone": "12345",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"phone": [PHONE_ERROR]}
    assert 'value="12345"' in response.content.decode()
    response = client.post(
        reverse("people:supervisor_edit", args=[external.pk]), _supervisor_edit_post(external, phone="139")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"phone": [PHONE_ERROR]}
    assert state_counts() == before


def test_examiner_card_scope_format_error_keeps_input(users, admin, make_examiner, occupations):
    """M3: 考评范围 with a format error: the form stays open with all input; each wrong entry is named."""
    examiner = make_examiner()
    client = client_for(admin)
    url = reverse("people:examiner_card_issue", args=[examiner.pk])
    data = {
        "number": "JXKP26T00001",
        "issued_on": "2024-06-01",
        "valid_until": "2027-05-31",
        "scopes": "4-03-02-01:7;4-3-02-01:5;6-18-02-04",
    }
    before = state_counts()
    response = client.post(url, data)
    assert state_counts() == before
    assert response.status_code == 200
    form = response.context["card_form"]
    assert form.errors == {
        "scopes": [
            "「4-03-02-01:7」中的等级「7」无效,应为 1–5",
            "职业编码「4-3-02-01」格式不正确,应如 4-03-02-01",
            "「6-18-02-04」缺少冒号和等级,应写成 职业编码:等级,如 4-03-02-01:5,4",
        ]
    }
    text = response.content.decode()
    assert 'class="collapse show" id="card-issue"' in text
    assert 'name="number" id="card-number" value="JXKP26T00001"' in text
    assert 'name="issued_on" id="card-issued" value="2024-06-01"' in text
    assert 'name="valid_until" id="card-until" value="2027-05-31"' in text
    assert f'value="{data["scopes"]}" class="form-control font-monospace is-invalid"' in text
    assert "<div>「4-03-02-01:7」中的等级「7」无效,应为 1–5</div>" in text
    assert "autofocus" in text.split('id="card-scopes"')[1].split(">")[0]
    # A service error (unknown occupation) lands on the same field; missing 发证日期 on its own field.
    response = client.post(url, {**data, "scopes": "9-99-99-99:5"})
    assert response.context["card_form"].errors == {"scopes": ["职业编码「9-99-99-99」不存在"]}
    response = client.post(url, {**data, "issued_on": "", "scopes": "4-03-02-01:5"})
    assert response.context["card_form"].errors == {"issued_on": ["这个字段是必填项。"]}
    assert 'value="JXKP26T00001"' in response.content.decode()
    assert state_counts() == before
    response = client.post(url, {**data, "scopes": "4-03-02-01:5,4"})
    assert response.status_code == 302
    assert examiner.cards.get().number == "JXKP26T00001"


def test_first_term_without_date_says_so(users, admin, external):
    """REVIEW L6: 签订首届 with an empty date asks for the date (not 「尚无聘任合同」)."""
    client = client_for(admin)
    before = state_counts()
    response = client.post(reverse("people:supervisor_contract_add", args=[external.pk]), follow=True)
    assert state_counts() == before
    assert [str(m) for m in response.context["messages"]] == ["请填写首届聘期起始日"]
    response = client.post(
        reverse("people:supervisor_contract_add", args=[external.pk]),
        {"starts_on": "2021-01-01"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["聘期已登记"]
    client.post(reverse("people:supervisor_contract_add", args=[external.pk]))  # renewal without a date
    assert list(external.contracts.values_list("term_no", "starts_on")) == [
        (1, dt.date(2021, 1, 1)),
        (2, dt.date(2024, 1, 1)),
    ]


def test_template_examples_are_valid_synthetic_rows(users, admin, occupations):
    """M0: example rows use clearly fake names and checksum-valid IDs, and would import cleanly."""
    for example in (*excel.SUPERVISOR_EXAMPLES, *excel.EXAMINER_EXAMPLES):
        assert example["name"] == "示例姓名"
        assert ric.is_valid(example["id_number"])
        assert domain.parse_resident_id(example["id_number"]).number == example["id_number"]
        assert domain.validate_phone(example["phone"]) == example["phone"]
    assert [e["id_number"] for e in excel.SUPERVISOR_EXAMPLES] == ["36010219850101001X"]
    assert [e["id_number"] for e in excel.EXAMINER_EXAMPLES] == ["110105198501010020"]
    # The rows pass the import services as they are (no code that must exist in some database).
    supervisor = excel.supervisor_row_service(admin)(dict(excel.SUPERVISOR_EXAMPLES[0]))
    assert (supervisor.authority, supervisor.cards.get().number) == (admin.authority, "R36210001")
    examiner = excel.examiner_row_service(admin)(dict(excel.EXAMINER_EXAMPLES[0]))
    assert (examiner.person.name, examiner.person_id != supervisor.person_id) == ("示例姓名", True)
    assert [(s.occupation.code, s.levels) for s in examiner.cards.get().scopes.order_by("id")] == [
        ("4-03-02-01", [5, 4]),
        ("6-18-02-04", [3]),
    ]


def test_examiner_import_reports_bad_phone(users, admin):
    rows = [{"name": "考丁", "id_number": resident_id(311), "phone": "12345"}]
    upload = io.BytesIO(export_workbook(excel.EXAMINER_COLUMNS, rows, sheet_name="考评员"))
    upload.name = "ex.xlsx"
    before = state_counts()
    response = client_for(admin).post(reverse("people:examiner_import"), {"file": upload})
    assert [(e.row, e.column, e.message) for e in response.context["import_errors"]] == [
        (2, "手机号", PHONE_ERROR)
    ]
    assert state_counts() == before


def test_examiner_export_rows_and_constant_queries(users, admin, occupations, django_assert_num_queries):
    """REVIEW L8: plain values in chunks; the current card (replaced ones skipped), its scope, no card."""
    institution = f.InstitutionFactory(name="某技师学院")
    examiners = []
    for n in range(12):
        examiners.append(
            services.examiner_create(
                actor=admin,
                person_data={
                    "name": f"考{n:02d}",
                    "id_number": resident_id(600 + n),
                    "phone": "13900000000",
                    "employer_name": "某学院",
                },
                senior=n == 0,
            )
        )
    pm.Person.objects.filter(pk=examiners[1].person_id).update(employer=institution)
    for n, ex in enumerate(examiners[:10]):
        services.examiner_card_issue(
            actor=admin,
            examiner=ex,
            number=f"KP-{n:03d}",
            issued_on=dt.date(2024, 1, 1),
            scopes=[
                {"occupation": "4-03-02-01", "levels": [5, 4]},
                {"occupation": "6-18-02-04", "levels": [3]},
            ],
        )
    lost = examiners[0].cards.get()
    services.examiner_card_set_status(actor=admin, card=lost, to="lost", row_version=current_version(lost))
    services.examiner_card_set_status(
        actor=admin, card=lost, to="reissuing", row_version=current_version(lost)
    )
    services.examiner_card_replace(
        actor=admin,
        card=lost,
        number="KP-100",
        issued_on=dt.date(2024, 3, 1),
        row_version=current_version(lost),
    )
    at = dt.date(2025, 1, 1)
    qs = selectors.examiner_list(admin, at=at)
    with django_assert_num_queries(3):  # examiners, their current cards, the cards' scopes
        rows = list(excel.examiner_export_rows(qs, at))
    by_name = {row["name"]: row for row in rows}
    assert [row["name"] for row in rows] == [ex.person.name for ex in qs]
    assert by_name["考00"] == {
        "name": "考00",
        "id_number_masked": resident_id(600)[:6] + "********" + resident_id(600)[-4:],
        "gender": "女" if int(resident_id(600)[16]) % 2 == 0 else "男",
        "birth_year": 1985,
        "phone": "13900000000",
        "employer": "某学院",
        "authority": admin.authority.name,
        "senior": True,
        "is_active": True,
        "card_number": "KP-100",
        "card_issued_on": dt.date(2024, 3, 1),
        "card_valid_until": dt.date(2026, 12, 31),
        "card_state": "有效",
        "renewal_trained_on": None,
        "scopes": "4-03-02-01:5,4;6-18-02-04:3",
    }
    assert by_name["考01"]["employer"] == "某技师学院"
    assert (by_name["考11"]["card_number"], by_name["考11"]["card_state"], by_name["考11"]["scopes"]) == (
        "",
        "无证卡",
        "",
    )
    supervisor_rows = list(excel.supervisor_export_rows(selectors.supervisor_list(admin, at=at), at))
    assert [(r["name"], r["kind"], r["status"], r["card_state"]) for r in supervisor_rows] == [
        (s.person.name, s.get_kind_display(), s.get_status_display(), "无证卡")
        for s in selectors.supervisor_list(admin, at=at)
    ]
