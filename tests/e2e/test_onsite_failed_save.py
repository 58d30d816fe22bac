"""Browser: a save the server refuses shows the error beside the finding, never "已保存" (issue 9 §3 point 5).
htmx swaps nothing on a 4xx/5xx answer, so the item kept its previous "已保存 hh:mm:ss" and the page's
state line said 已保存 too."""

from __future__ import annotations

import pytest

from dudao.supervision import services
from tests.e2e.conftest import login, shot
from tests.factories import current_version
from tests.supervision.conftest import world_fixture  # noqa: F401
from tests.supervision.pages_support import crew

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def on_site(world):
    task = services.task_create(
        actor=world.auth_staff, institution=world.institution, supervisors=[world.s1], batch=world.b1
    )
    ((_member, user),) = crew(task)
    services.task_accept(actor=user, task=task)
    services.task_start_on_site(actor=user, task=task, row_version=current_version(task))
    finding = services.finding_add(
        actor=user,
        task=task,
        content_area="2.4",
        method="open_visit",
        severity="none",
        description="考场布置规范",
    )
    return task, finding


def test_a_refused_save_says_so_beside_the_finding(on_site, page):
    task, finding = on_site
    login(page, "sup1")
    page.goto(f"/supervision/tasks/{task.pk}/onsite/")
    status = page.locator(f"#finding-{finding.pk}-status")
    form = page.locator(f"form.dudao-finding-form[data-finding='{finding.pk}']")

    # A first save that works: 已保存.
    with page.expect_response(lambda r: f"/onsite/findings/{finding.pk}/" in r.url):
        form.locator("textarea[name=description]").fill("考场布置规范,监控正常")
        form.locator("textarea[name=description]").dispatch_event("change")
    assert "已保存" in status.inner_text()

    # The next one is refused (the task left the on-site state elsewhere): the item must say so.
    page.route(f"**/onsite/findings/{finding.pk}/", lambda route: route.fulfill(status=403, body="forbidden"))
    with page.expect_response(lambda r: f"/onsite/findings/{finding.pk}/" in r.url):
        form.locator("textarea[name=description]").fill("改动未能保存")
        form.locator("textarea[name=description]").dispatch_event("change")
    page.wait_for_function(
        "(id) => document.getElementById(id).textContent.includes('未保存')",
        arg=f"finding-{finding.pk}-status",
    )
    assert "已保存" not in status.inner_text()
    assert "未保存" in page.locator("#save-state").inner_text()
    shot(page, "onsite-refused-save")
