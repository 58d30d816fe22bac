"""Exports of the supervision lists (issue 9 §3.8): tasks, coverage, opinions, penalties — the list's
filters and scope, personal data masked for readers without the reveal right, one audit event each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.supervision import services
from tests.conftest import client_for
from tests.supervision.app_support import TODAY
from tests.xlsx_support import column, sheet_rows

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def special(special):
    """conftest's special task, its leader with a phone number (masked in exports)."""
    person = special.w.s1.person
    person.phone = PHONE
    person.save()
    return special


def _export(user, name: str, **params):
    return client_for(user).get(reverse(f"supervision:{name}"), params)


def _last_export() -> AuditEvent:
    return AuditEvent.objects.filter(action__endswith=".exported").order_by("-id").first()


def test_task_export_unmasks_the_leader_phone_only_for_the_reveal_right(world, special):
    rows = sheet_rows(_export(world.auth_admin, "task_export"))
    assert rows[0][:4] == ["任务编号", "督导类型", "暗访", "评价机构"]
    assert column(rows, "任务编号") == [special.task.number]
    assert column(rows, "组长联系电话") == [PHONE]
    assert column(rows, "督导组长") == [world.s1.person.name]
    event = _last_export()
    assert (event.action, event.actor_id, event.object_type) == (
        "supervision.supervisiontask.exported",
        world.auth_admin.pk,
        "supervision.supervisiontask",
    )
    assert event.after == {"rows": 1, "filters": {}, "personal_data_shown": True}

    rows = sheet_rows(_export(world.auth_staff, "task_export"))
    assert column(rows, "组长联系电话") == ["139****5678"]
    assert _last_export().after["personal_data_shown"] is False


def test_task_export_keeps_the_list_filters(world, special):
    services.task_create(
        actor=world.auth_staff, institution=world.institution_b, supervisors=[world.s4], batch=world.b3
    )
    assert len(sheet_rows(_export(world.auth_staff, "task_export"))) == 3
    rows = sheet_rows(_export(world.auth_staff, "task_export", q="PC-B-1"))
    assert column(rows, "评价机构") == ["乙机构"]
    assert _last_export().after == {"rows": 1, "filters": {"q": "PC-B-1"}, "personal_data_shown": False}
    rows = sheet_rows(_export(world.auth_staff, "task_export", sort="-institution"))
    assert column(rows, "评价机构") == sorted(column(rows, "评价机构"), reverse=True)
    assert sheet_rows(_export(world.auth_staff, "task_export", q="没有这个")) == [rows[0]]


def test_task_export_scope_institution_sees_its_own_other_province_nothing(world, special, other_institution):
    services.task_create(
        actor=world.auth_staff, institution=world.institution_b, supervisors=[world.s4], batch=world.b3
    )
    rows = sheet_rows(_export(world.inst_admin, "task_export"))
    assert column(rows, "评价机构") == [world.institution.name]
    assert column(rows, "组长联系电话") == ["139****5678"]


@pytest.mark.parametrize("role", [Role.EXTERNAL_SUPERVISOR, Role.EXAMINER])
@pytest.mark.parametrize("name", ["task_export", "coverage_export", "opinion_export", "penalty_export"])
def test_field_roles_cannot_export(world, special, role, name):
    before = AuditEvent.objects.count()
    assert _export(world.users[role], name).status_code == 403
    assert AuditEvent.objects.count() == before


def test_export_needs_login(world):
    response = client_for(None).get(reverse("supervision:task_export"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_coverage_export_same_period_and_filter_as_the_page(world):
    services.task_create(
        actor=world.auth_staff, institution=world.institution, supervisors=[world.s1], batch=world.b1
    )
    period = {"start": TODAY.isoformat(), "end": (TODAY + dt.timedelta(days=30)).isoformat()}
    rows = sheet_rows(_export(world.auth_staff, "coverage_export", **period))
    assert column(rows, "批次编号") == ["PC-A-1", "PC-A-2", "PC-B-1"]
    assert column(rows, "已派督导") == ["是", "否", "否"]
    assert column(rows, "督导任务数") == [1, 0, 0]
    rows = sheet_rows(_export(world.auth_staff, "coverage_export", covered="no", **period))
    assert column(rows, "批次编号") == ["PC-A-2", "PC-B-1"]
    # The institution sees its own batches only.
    rows = sheet_rows(_export(world.inst_staff, "coverage_export", **period))
    assert column(rows, "批次编号") == ["PC-A-1", "PC-A-2"]
    assert _last_export().action == "supervision.coverage.exported"


def test_opinion_export_authority_and_institution(world, special):
    special.preliminary()
    rows = sheet_rows(_export(world.auth_staff, "opinion_export"))
    assert column(rows, "类型") == ["初步督导意见"]
    assert column(rows, "督导任务") == [special.task.number]
    assert sheet_rows(_export(world.inst_admin, "opinion_export"))[1:] == rows[1:]
    assert len(sheet_rows(_export(world.auth_staff, "opinion_export", kind="final"))) == 1
    assert _last_export().action == "supervision.opinion.exported"


def test_penalty_export_masks_numbers_in_the_text(world):
    services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="public_criticism",
        ground="other",
        description=f"举报人电话 {PHONE}",
    )
    rows = sheet_rows(_export(world.auth_staff, "penalty_export"))
    assert column(rows, "处理方式") == ["通报批评"]
    assert column(rows, "情况说明") == ["举报人电话 139****5678"]
    rows = sheet_rows(_export(world.auth_admin, "penalty_export"))
    assert column(rows, "情况说明") == [f"举报人电话 {PHONE}"]
    rows = sheet_rows(_export(world.inst_staff, "penalty_export"))
    assert column(rows, "评价机构") == [world.institution.name]
    assert sheet_rows(_export(world.inst_staff, "penalty_export", status="lifted"))[1:] == []


def test_list_pages_link_to_their_export_with_the_filters(world):
    for name, list_name in (
        ("task_export", "task_list"),
        ("penalty_export", "penalty_list"),
        ("opinion_export", "opinion_list"),
        ("coverage_export", "coverage"),
    ):
        html = (
            client_for(world.auth_staff)
            .get(reverse(f"supervision:{list_name}"), {"q": "甲"})
            .content.decode()
        )
        assert f'href="{reverse(f"supervision:{name}")}?q=%E7%94%B2"' in html, name
