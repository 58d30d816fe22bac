"""Pages of the people app: scope (404), permissions (403), masked IDs, audited reveal, forms keep input,
Excel import (all or nothing) and export (masked)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import python_calamine
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.excel import export_workbook
from dudao.common.models import AuditEvent
from dudao.people import domain, excel, selectors, services
from dudao.people import models as pm
from tests import factories as f
from tests.conftest import client_for

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
    assert AuditEvent.objects.latest("id").action == "person.reveal_id"
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
    client = client_for(admin)
    services.supervisor_card_set_status(actor=admin, card=external.cards.get(), to="revoked", reason="测试")
    before = state_counts()
    response = client.post(
        reverse("people:supervisor_card_issue", args=[external.pk]),
        {"number": "R36230099", "issued_on": "2024-05-01"},
    )
    assert state_counts() == before
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("people:supervisor_detail", args=[external.pk])
        + "?card_number=R36230099&card_issued_on=2024-05-01#cards"
    )
    page = client.get(response["Location"].split("#")[0])
    text = page.content.decode()
    assert "证卡号第 4–5 位年份为「23」,与发证日期 2024-05-01 的年份「24」不符" in text
    assert 'value="R36230099"' in text
    response = client.post(
        reverse("people:supervisor_card_issue", args=[external.pk]),
        {"number": "R36240099", "issued_on": "2024-05-01"},
    )
    assert response["Location"] == reverse("people:supervisor_detail", args=[external.pk])
    assert external.cards.filter(number="R36240099", status="valid").exists()


def test_card_and_contract_actions_via_pages(users, admin, external):
    client = client_for(admin)
    card = external.cards.get()
    client.post(reverse("people:supervisor_card_status", args=[card.pk]), {"to": "lost"})
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
    assert "聘任合同最多三届(SUP-5),该督导员已签订 3 届,不能再续聘" in response.content.decode()
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
    response = client.post(url, {"kind": "relative", "next": "https://evil.example/"}, follow=True)
    assert "关系人与关系机构须且只能填写一项" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("people:person_detail", args=[external.person_id])
    client.post(reverse("people:relation_withdraw", args=[relation.pk]))
    relation.refresh_from_db()
    assert relation.withdrawn_on is not None


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
