"""Issue 9 §3.3 in the browser: the home page's to-do panel shows a waiting item with its deadline, its
link leads to the item, and the charts draw (vendored ECharts, no inline script)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.renewals.models import RenewalApplication
from dudao.supervision.models import SupervisionTask, TaskMember
from tests import factories as f
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    inst = f.InstitutionFactory(authority=authority, region=province, name="南昌市家政服务职业培训学校")
    sup = f.SupervisorFactory(authority=authority)
    f.UserFactory(
        username="sup1",
        role=Role.EXTERNAL_SUPERVISOR,
        authority=authority,
        person=sup.person,
        display_name="王督导",
    )
    staff = f.UserFactory(
        username="staff1", role=Role.AUTHORITY_STAFF, authority=authority, display_name="李科员"
    )
    starts = timezone.now() + dt.timedelta(days=2)
    task = SupervisionTask.objects.create(
        number="JX-HRSS-RW2026-00001",
        authority=authority,
        institution=inst,
        kind="daily",
        supervisor_kind="external",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        report_due_on=timezone.localdate() + dt.timedelta(days=5),
        dispatched_at=timezone.now(),
    )
    TaskMember.objects.create(task=task, supervisor=sup, role="leader")
    filing = f.FilingFactory(institution=inst, authority=authority)
    RenewalApplication.objects.create(
        institution=inst,
        filing=filing,
        authority=authority,
        kind="social_org",
        received_on=timezone.localdate(),
        expires_on=filing.valid_until,
        decision_workdays=20,
        decide_by=timezone.localdate() + dt.timedelta(days=10),
        period_start=filing.valid_from,
        applicant=staff,
    )
    return {"task": task, "institution": inst}


def test_supervisor_sees_the_task_to_accept_and_follows_it(page, world):
    login(page, "sup1")
    page.goto("/")
    group = page.locator('[data-todo="task_accept"]')
    assert "待接受督导任务" in group.inner_text()
    item = page.locator("#todo a.dudao-todo-item").first
    assert "南昌市家政服务职业培训学校" in item.inner_text()
    assert "剩余" in item.inner_text()
    shot(page, "home-supervisor-todo")
    item.click()
    page.wait_for_url(f"**/supervision/tasks/{world['task'].pk}/")


def test_authority_sees_renewal_to_accept_and_charts_draw(page, world):
    login(page, "staff1")
    page.goto("/")
    assert "待受理延续备案" in page.locator('[data-todo="renewal_submitted"]').inner_text()
    page.wait_for_selector('[data-chart="renewals"] svg')
    assert page.locator('[data-chart="workload"] svg').count() == 1
    shot(page, "home-authority-todo")
