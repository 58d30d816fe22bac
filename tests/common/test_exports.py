"""The shared list export (dudao.common.exports): masking helpers, the recorded filters, the row cap, and
the registry and people exports going through it (one audit event each)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from dudao.common.excel import Column
from dudao.common.exports import export_list, filters_of, mask_free_text, mask_phone
from dudao.common.models import AuditEvent
from tests.conftest import client_for
from tests.xlsx_support import column, sheet_rows


def test_masks():
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("") == "" and mask_phone(None) == ""
    assert (
        mask_free_text("电话13912345678,证件 11010519491231002X。")
        == "电话139****5678,证件 110105********002X。"
    )
    # Longer digit runs and short numbers are left alone (not a phone or an ID number).
    assert mask_free_text("批次 PC-2024-000123 编号 123456789012") == "批次 PC-2024-000123 编号 123456789012"


def test_filters_leave_out_paging_and_empty_values():
    assert filters_of({"q": "甲", "page": "3", "page_size": "50", "status": "", "sort": "-name"}) == {
        "q": "甲",
        "sort": "-name",
    }
    assert filters_of({"q": "x" * 300}) == {"q": "x" * 100}


@pytest.mark.django_db
def test_row_cap_is_recorded(users):
    columns = (Column("n", "序号", kind="int"),)
    with transaction.atomic():
        export_list(
            actor=users["superuser"],
            action="registry.institution.exported",
            object_type="registry.institution",
            label="评价机构",
            columns=columns,
            rows=({"n": i} for i in range(10)),
            filters={},
            revealed=False,
            max_rows=3,
        )
    assert AuditEvent.objects.order_by("-id").first().after["rows"] == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "action"),
    [
        ("registry:institution_export", "registry.institution.exported"),
        ("registry:batch_export", "registry.batch.exported"),
        ("registry:occupation_export", "registry.occupation.exported"),
        ("people:supervisor_export", "people.supervisor.exported"),
        ("people:examiner_export", "people.examiner.exported"),
    ],
)
def test_registry_and_people_exports_are_audited(users, url_name, action):
    response = client_for(users["authority_staff"]).get(reverse(url_name), {"q": "无此项"})
    assert sheet_rows(response)[1:] == []
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor_id) == (action, users["authority_staff"].pk)
    assert event.after["rows"] == 0 and event.after["filters"] == {"q": "无此项"}


@pytest.mark.django_db
def test_people_exports_mask_id_numbers_always_and_phones_without_the_reveal_right(users):
    from dudao.people.models import Person

    Person.objects.update(phone="13912345678")
    for url_name in ("people:supervisor_export", "people:examiner_export"):
        rows = sheet_rows(client_for(users["authority_admin"]).get(reverse(url_name)))
        assert rows[1:] and all("********" in value for value in column(rows, "身份证号(脱敏)"))
        assert set(column(rows, "手机号")) == {"13912345678"}
        assert AuditEvent.objects.order_by("-id").first().after["personal_data_shown"] is True
        rows = sheet_rows(client_for(users["authority_staff"]).get(reverse(url_name)))
        assert set(column(rows, "手机号")) == {"139****5678"}, url_name
