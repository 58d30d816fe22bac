"""Django admin of official arrangements: saves go through `arrangement_save` (validated, versioned,
audited); a refused save shows the Chinese error on the form and writes nothing."""

from __future__ import annotations

import pytest

from dudao.common.models import AuditEvent
from dudao.workdays.models import OfficialArrangement
from dudao.workdays.services import arrangement_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(users, client_as):
    return client_as(users["superuser"])


@pytest.fixture
def year_2027(users):
    return arrangement_save(
        actor=users["superuser"], year=2027, days_off=["2027-10-01"], workdays=[], source="初稿"
    )


def _post(root, row, **changes):
    data = {
        "confirmed": "on",
        "source": row.source,
        "days_off_text": "2027-10-01",
        "workdays_text": "",
        "current_version": str(row.row_version),
        **changes,
    }
    return root.post(f"/admin/workdays/officialarrangement/{row.pk}/change/", data)


def test_an_admin_change_is_saved_by_the_service_and_audited(root, year_2027):
    events = AuditEvent.objects.count()
    response = _post(root, year_2027, days_off_text="2027-10-01~2027-10-02", source="国办发明电")
    assert response.status_code == 302
    row = OfficialArrangement.objects.get(year=2027)
    assert (row.days_off, row.source, row.row_version) == (
        ["2027-10-01", "2027-10-02"],
        "国办发明电",
        year_2027.row_version + 1,
    )
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.latest("id").action == "workdays.arrangement.update"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"current_version": "99"}, "2027 年节假日安排已被他人修改,请刷新后重试"),
        ({"workdays_text": "2027-10-01"}, "同时列为放假日和调休上班日"),
    ],
)
def test_a_refused_admin_change_shows_the_error_and_writes_nothing(root, year_2027, changes, message):
    events = AuditEvent.objects.count()
    response = _post(root, year_2027, source="改动", **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    row = OfficialArrangement.objects.get(year=2027)
    assert (row.source, row.row_version) == ("初稿", year_2027.row_version)
    assert AuditEvent.objects.count() == events


def test_the_change_form_carries_the_version_read(root, year_2027):
    html = root.get(f"/admin/workdays/officialarrangement/{year_2027.pk}/change/").content.decode()
    assert f'name="current_version" value="{year_2027.row_version}"' in html
