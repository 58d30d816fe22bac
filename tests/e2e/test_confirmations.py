"""Browser: an irreversible step asks first, with a summary of what will happen, and dismissing the question
sends nothing (issue 9 §3 point 1). The signing form has a checkbox named `confirm`: with the old inline
`onsubmit="return confirm(…)"` it shadowed `window.confirm` (`confirm is not a function`) and the form was
sent without asking."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.scorecards import services
from dudao.scorecards.models import EvaluationMember
from tests import factories as f
from tests.e2e.conftest import login, shot
from tests.factories import current_version
from tests.scorecards.helpers import clean_answers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def submitted():
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市第一技工学校")
    admin = f.UserFactory(username="auth_admin", role=Role.AUTHORITY_ADMIN, authority=authority)
    leader = f.UserFactory(
        username="eval_leader", display_name="李组长", role=Role.AUTHORITY_STAFF, authority=authority
    )
    ev = services.evaluation_open(
        actor=admin, institution=institution, form_id="QC-STATION", purpose="annual_inspection", leader=leader
    )
    for item_id, value in clean_answers("QC-STATION").items():
        ev = services.evaluation_answer(actor=leader, evaluation=ev, item_id=item_id, value=value)
    return services.evaluation_submit(actor=leader, evaluation=ev, row_version=current_version(ev))


def test_signing_asks_with_a_summary_and_dismissing_sends_nothing(submitted, page):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    login(page, "eval_leader")
    page.goto(f"/scorecards/{submitted.pk}/sign/")
    page.check("input[name=confirm]")
    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    posts.clear()
    page.click("button:has-text('签名确认')")
    assert len(asked) == 1
    assert "南昌市第一技工学校" in asked[0] and "总分" in asked[0] and "不可撤回" in asked[0]
    assert page.url.endswith(f"/scorecards/{submitted.pk}/sign/")
    assert errors == []

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('签名确认')")
    page.wait_for_url(f"**/scorecards/{submitted.pk}/")
    shot(page, "confirm-signing-accepted")
    # Exactly one POST for both clicks: the dismissed one sent nothing (no sleep needed to prove it).
    assert len([url for url in posts if url.endswith(f"/scorecards/{submitted.pk}/sign/")]) == 1
    assert EvaluationMember.objects.get(evaluation=submitted).signed_at is not None
    assert errors == []


def test_pdf_link_shows_it_is_busy_and_cannot_be_pressed_twice(submitted, page):
    """A PDF takes seconds to produce (LibreOffice): the button says so and ignores a second press."""
    login(page, "eval_leader")
    page.goto(f"/scorecards/{submitted.pk}/")
    link = page.locator("a[data-busy]").first
    with page.context.expect_page() as opened:
        link.click()
    assert link.get_attribute("aria-disabled") == "true"
    assert "正在生成 PDF" in link.inner_text()
    assert link.locator(".spinner-border").count() == 1
    assert link.evaluate("(a) => getComputedStyle(a).pointerEvents") == "none"
    opened.value.close()
