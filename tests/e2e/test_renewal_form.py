"""Issue 9 §3.2 and §3.6 in the browser: the renewal dead end is warned on the application form, a draft
and the chosen file survive a validation error, and the form's tables fit their cards on desktop and
phone (they scroll inside the card instead of overflowing it)."""

from __future__ import annotations

import pytest

from dudao.registry.models import Batch
from dudao.renewals.models import RenewalApplication, RenewalDraft
from tests.e2e.conftest import SHOTS, login, shot
from tests.e2e.test_renewal_journey import PDF, world  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A card wider than its content box, or a table that needs sideways scrolling to reach its last column.
OVERFLOWING_CARDS = """() => [...document.querySelectorAll('.dudao-renewal-section')]
  .filter(card => card.scrollWidth > card.clientWidth + 1
    || [...card.querySelectorAll('.table-responsive')].some(t => t.scrollWidth > t.clientWidth + 1))
  .map(card => card.id)"""


def _inst(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "inst1")
    return page


def test_dead_end_is_warned_on_the_application_form(browser, live_server, world):  # noqa: F811
    filing = world["filing"]
    page = _inst(browser, live_server, {"width": 1366, "height": 900})
    page.goto(f"/renewals/apply/{filing.pk}/")
    forecast = page.locator("#scope-forecast")
    assert forecast.locator("[data-forecast=dropped]").all_inner_texts() == ["电工"]
    Batch.objects.filter(filing=filing).update(status="cancelled")  # nothing evaluated in the period
    page.reload()
    assert "本次延续后认定范围将为空" in forecast.inner_text()
    shot(page, "renewal-dead-end-warning")
    page.fill("textarea[name=summary-text]", "备案期间未开展认定。")
    page.check("input[name=commitment-accepted]")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    assert "认定范围为空" in page.locator("#error-summary").inner_text()
    assert RenewalApplication.objects.count() == 0


def test_draft_and_upload_survive_a_validation_error(browser, live_server, world, tmp_path):  # noqa: F811
    filing = world["filing"]
    page = _inst(browser, live_server, {"width": 1366, "height": 900})
    page.goto(f"/renewals/apply/{filing.pk}/")
    page.fill("input[name=managers-0-name]", "王主任")
    page.fill("input[name=managers-0-id_number]", "123")  # wrong: the error must not lose anything
    page.fill("textarea[name=summary-text]", "写到一半的工作总结")
    letter = tmp_path / "盖章申请.pdf"
    letter.write_bytes(PDF)
    page.set_input_files("input[name=application_letter]", str(letter))
    page.locator("#save-draft").click()
    page.wait_for_load_state()
    assert RenewalDraft.objects.count() == 1

    # Come back later: the draft is loaded; submit it unfinished → errors listed, nothing lost.
    page.goto("/")
    page.goto(f"/renewals/apply/{filing.pk}/")
    assert page.locator("#draft-loaded").is_visible()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.locator("li").count() >= 2
    shot(page, "renewal-form-errors")
    assert page.locator("input[name=managers-0-name]").input_value() == "王主任"
    assert page.locator("textarea[name=summary-text]").input_value() == "写到一半的工作总结"
    assert "盖章申请.pdf" in page.locator("[data-kept=application_letter]").inner_text()
    summary.get_by_role("link", name="五、(一)管理人员情况 第 1 行:身份证号").click()
    assert page.evaluate("document.activeElement && document.activeElement.name") in (
        "managers-0-id_number",
        None,
    ) or page.url.endswith("#id_managers-0-id_number")

    # Fix the errors without choosing the file again: the application is submitted with it.
    page.fill("input[name=managers-0-id_number]", "")
    page.fill("input[name=managers-0-post]", "机构负责人")
    page.check("input[name=commitment-accepted]")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    assert "/apply/" not in page.url, page.locator("#error-summary").inner_text()
    app = RenewalApplication.objects.get()
    assert [a.original_name for a in app.attachments.all()] == ["盖章申请.pdf"]
    assert RenewalDraft.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "viewport"),
    [("desktop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844})],
)
def test_form_tables_fit_their_cards(browser, live_server, world, name, viewport):  # noqa: F811
    page = _inst(browser, live_server, viewport)
    page.goto(f"/renewals/apply/{world['filing'].pk}/")
    for key in ("examiners", "managers"):
        page.locator(f'[data-add-row="{key}"]').click()
    assert page.evaluate(OVERFLOWING_CARDS) == []
    shot(page, f"renewal-form-{name}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#section-managers").screenshot(path=str(SHOTS / f"renewal-form-table-{name}.png"))
