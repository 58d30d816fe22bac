"""Pages: calendar with month grid and calculator (htmx), arrangement editor for admins, admin site."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.workdays import selectors
from dudao.workdays.models import OfficialArrangement
from dudao.workdays.views import month_grids

pytestmark = pytest.mark.django_db
URL = "/workdays/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    selectors.clear_cache()
    yield
    selectors.clear_cache()


def _counts():
    return OfficialArrangement.objects.count(), AuditEvent.objects.count()


def test_url_name():
    assert reverse("workdays:calendar") == URL


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_calendar_page_marks_holidays_and_adjusted_workdays(users, client_as):
    html = client_as(users[Role.AUTHORITY_STAFF]).get(URL, {"year": 2024}).content.decode()
    assert (
        '<td class="workdays-holiday" title="2024-10-01" data-date="2024-10-01" data-kind="holiday">'
        "1<sup>休</sup>"
    ) in html
    assert 'data-date="2024-10-12" data-kind="adjusted_workday">12<sup>班</sup>' in html
    assert 'data-date="2024-10-13" data-kind="weekend">13</td>' in html
    assert 'data-date="2024-10-14" data-kind="workday">14</td>' in html
    assert "2024 年" in html and "已确认" in html
    assert "修改 2024 年节假日安排" not in html  # staff may not edit


def test_unloaded_year_is_shown_as_provisional(users, client_as):
    html = client_as(users["superuser"]).get(URL, {"year": 2031}).content.decode()
    assert "2031 年尚未载入国务院办公厅节假日安排" in html
    assert "未载入(临时推算)" in html
    assert 'data-date="2031-10-01" data-kind="holiday">1<sup>休</sup>' in html  # statutory day
    assert 'data-date="2031-10-04" data-kind="weekend"' in html  # Saturday; no 调休 guessed
    assert "录入 2031 年节假日安排" in html
    assert reverse("workdays:arrangement_edit", args=[2031]) in html


def test_bad_year_falls_back_to_this_year(users, client_as):
    response = client_as(users["superuser"]).get(URL, {"year": "abc"})
    assert response.status_code == 200
    assert f"{dt.date.today().year} 年" in response.content.decode()


def test_month_grid_layout():
    grids = month_grids(selectors.calendar(), 2024)
    october = grids[9]
    assert october["month"] == 10
    # 2024-10-01 is a Tuesday: one empty cell before it; Oct has 31 days → 5 weeks.
    assert october["weeks"][0][0] is None and october["weeks"][0][1]["date"] == dt.date(2024, 10, 1)
    assert len(october["weeks"]) == 5 and all(len(w) == 7 for w in october["weeks"])
    # Oct 2024: 23 weekdays - 5 days off on weekdays (1–4, 7) + 1 Saturday worked (12).
    assert october["workdays"] == 19
    assert sum(g["workdays"] for g in grids) == 251


def test_calculator_htmx_fragment(users, client_as):
    client = client_as(users[Role.EXAMINER])
    response = client.get("/workdays/calculate/", {"date": "2024-09-27", "n": "10"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert '<div class="h2 my-1" data-date="2024-10-16">2024-10-16</div>' in html
    assert "临时结果" not in html
    html = client.get(
        "/workdays/calculate/", {"date": "2026-12-20", "n": "10"}, HTTP_HX_REQUEST="true"
    ).content
    assert 'data-date="2027-01-04"' in html.decode() and "临时结果" in html.decode()


def test_calculator_errors_inline(users, client_as):
    client = client_as(users[Role.EXAMINER])
    html = client.get(
        "/workdays/calculate/", {"date": "2100-12-30", "n": "10"}, HTTP_HX_REQUEST="true"
    ).content
    assert "计算结果超出支持范围(1950–2100 年)" in html.decode()
    html = client.get(
        "/workdays/calculate/", {"date": "2024-09-27", "n": "x"}, HTTP_HX_REQUEST="true"
    ).content
    assert "invalid-feedback" in html.decode() and "data-date=" not in html.decode()


def test_calculator_without_htmx_renders_full_page(users, client_as):
    html = client_as(users["superuser"]).get("/workdays/calculate/", {"date": "2025-01-24", "n": "1"}).content
    assert "<html" in html.decode() and 'data-date="2025-01-26">2025-01-26</div>' in html.decode()


def test_editor_creates_year_and_audits(users, client_as):
    client = client_as(users[Role.AUTHORITY_ADMIN])
    url = reverse("workdays:arrangement_edit", args=[2027])
    form = client.get(url)
    assert form.status_code == 200
    assert "国务院办公厅关于2027年部分节假日安排的通知" in form.content.decode()
    response = client.post(
        url,
        {
            "days_off": "2027-10-01~2027-10-07\n2027-01-01",
            "workdays": "2027-09-26, 2027-10-09",
            "confirmed": "on",
            "source": "国务院办公厅关于2027年部分节假日安排的通知",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/workdays/?year=2027"
    obj = OfficialArrangement.objects.get(year=2027)
    assert obj.days_off[0] == "2027-01-01" and len(obj.days_off) == 8
    assert obj.workdays == ["2027-09-26", "2027-10-09"]
    assert AuditEvent.objects.get().actor_id == users[Role.AUTHORITY_ADMIN].pk
    page = client.get(response["Location"]).content.decode()
    assert "2027 年节假日安排已保存" in page and 'data-date="2027-09-26" data-kind="adjusted_workday"' in page
    # Editing again carries the row version; the existing dates are prefilled.
    html = client.get(url).content.decode()
    assert 'name="row_version" value="1"' in html and "2027-10-07" in html


def test_editor_shows_errors_and_keeps_input(users, client_as):
    client = client_as(users["superuser"])
    url = reverse("workdays:arrangement_edit", args=[2027])
    response = client.post(
        url, {"days_off": "2027-10-01\n2027-13-01", "workdays": "2027-10-08", "source": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "“2027-13-01”不是有效日期,应为 YYYY-MM-DD" in html
    assert "2027-10-01\n2027-13-01" in html
    response = client.post(url, {"days_off": "2027-10-01", "workdays": "2027-10-08", "source": "x"})
    assert "2027-10-08 不是周六或周日,调休上班日只能是周末" in response.content.decode()
    assert _counts() == (0, 0)


def test_editor_stale_row_version(users, client_as):
    client = client_as(users["superuser"])
    url = reverse("workdays:arrangement_edit", args=[2027])
    client.post(url, {"days_off": "2027-10-01", "workdays": "", "confirmed": "on", "source": "a"})
    client.post(url, {"days_off": "2027-10-02", "workdays": "", "source": "b", "row_version": "1"})
    response = client.post(url, {"days_off": "2027-10-03", "workdays": "", "source": "c", "row_version": "1"})
    assert "已被他人修改" in response.content.decode()
    assert OfficialArrangement.objects.get(year=2027).days_off == ["2027-10-02"]


@pytest.mark.parametrize(
    "role",
    [Role.AUTHORITY_STAFF, Role.INSTITUTION_ADMIN, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER],
)
def test_editor_denied(users, client_as, role):
    client = client_as(users[role])
    url = reverse("workdays:arrangement_edit", args=[2027])
    assert client.get(url).status_code == 403
    assert client.post(url, {"days_off": "2027-10-01", "workdays": "", "source": "x"}).status_code == 403
    assert _counts() == (0, 0)


def test_remaining_tag():
    tpl = Template("{% load workdays_tags %}{% workdays_remaining deadline today %}")
    assert tpl.render(Context({"deadline": dt.date(2024, 10, 16), "today": dt.date(2024, 9, 27)})) == (
        "剩余 10 个工作日"
    )
    assert tpl.render(Context({"deadline": dt.date(2025, 3, 7), "today": dt.date(2025, 3, 10)})) == (
        "已逾期 1 个工作日"
    )


def test_admin_change_goes_through_service(users, client_as):
    client = client_as(users["superuser"])
    response = client.post(
        "/admin/workdays/officialarrangement/add/",
        {"year": "2027", "confirmed": "on", "source": "测试", "days_off_text": "2027-10-01~2027-10-03",
         "workdays_text": "2027-09-26"},
    )  # fmt: skip
    assert response.status_code == 302, re.findall(
        r'class="errorlist[^"]*">(.*?)</ul>', response.content.decode()
    )
    obj = OfficialArrangement.objects.get(year=2027)
    assert obj.days_off == ["2027-10-01", "2027-10-02", "2027-10-03"]
    assert AuditEvent.objects.get().action == "workdays.arrangement.create"
    bad = client.post(
        f"/admin/workdays/officialarrangement/{obj.pk}/change/",
        {"confirmed": "on", "source": "测试", "days_off_text": "2027-10-01", "workdays_text": "2027-10-01"},
    )
    assert bad.status_code == 200 and "同时列为放假日和调休上班日" in bad.content.decode()
    assert client.get(f"/admin/workdays/officialarrangement/{obj.pk}/delete/").status_code == 403


def test_year_navigation_does_not_submit_calculator(users, client_as):
    html = client_as(users["superuser"]).get(URL, {"year": 2025}).content.decode()
    assert "invalid-feedback" not in html and "workdays-calc-result" not in html


def test_calendar_page_query_count(users, client_as, django_assert_max_num_queries):
    client = client_as(users[Role.AUTHORITY_ADMIN])
    client.get(URL)  # warm the per-process calendar cache
    # session, user (+ authority/region for the top bar), one calendar cache check: nothing per year or day.
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"year": 2026, "date": "2026-12-20", "n": "10"})
    assert 'data-date="2027-01-04"' in response.content.decode()
