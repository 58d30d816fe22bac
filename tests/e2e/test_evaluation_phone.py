"""Browser: a group fills QC-STATION on a phone (live total, camera, offline), submits, signs (FORM-A)."""

from __future__ import annotations

import struct
import zlib

import pytest

from dudao.accounts.models import Role
from dudao.scorecards import services
from dudao.scorecards.models import Evaluation
from tests import factories as f
from tests.e2e.conftest import login, shot
from tests.scorecards.helpers import clean_answers

# Functions, not bare expressions: Playwright evals a bare expression in the page, which the CSP refuses.
LIVE_TOTAL_IS = "(total) => document.querySelector('[data-live-total]').textContent.trim() === total"
PROGRESS_DONE = "() => document.querySelector('[data-live-progress]').textContent.includes('22/22')"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def png_bytes(width: int = 60, height: int = 40) -> bytes:
    """A small valid PNG (a colour gradient), as a phone camera would send a photo."""
    rows = (
        b"\x00" + bytes(v for x in range(width) for v in (x * 4 % 256, y * 6 % 256, 160))
        for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"".join(rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.fixture
def group(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心")
    institution = f.InstitutionFactory(authority=authority, region=province, name="南昌市第一技工学校")
    admin = f.UserFactory(username="auth_admin", role=Role.AUTHORITY_ADMIN, authority=authority)
    leader = f.UserFactory(
        username="eval_leader", display_name="李组长", role=Role.AUTHORITY_STAFF, authority=authority
    )
    member = f.UserFactory(
        username="eval_member", display_name="王督导", role=Role.EXTERNAL_SUPERVISOR, authority=authority
    )
    ev = services.evaluation_open(
        actor=admin,
        institution=institution,
        form_id="QC-STATION",
        purpose="annual_inspection",
        leader=leader,
        members=[member],
    )
    answers = clean_answers("QC-STATION")
    for item_id in ("1.1", "B1", "4.3"):
        answers.pop(item_id)
    for item_id, value in answers.items():
        ev = services.evaluation_answer(actor=leader, evaluation=ev, item_id=item_id, value=value)
    return {"ev": ev, "leader": leader, "member": member, "tmp": tmp_path}


def test_fill_on_a_phone_submit_and_sign(group, phone_page, page):
    ev = group["ev"]
    phone = phone_page
    login(phone, "eval_member")
    phone.goto(f"/scorecards/{ev.pk}/")
    assert phone.locator("[data-live-progress]").inner_text() == "已评 19/22 项"
    assert phone.locator("[data-live-total]").inner_text() == "90.00"

    # A choice button saves at once; the sticky total follows.
    phone.locator("label[for='item-1_1-partial']").click()
    phone.wait_for_function(LIVE_TOTAL_IS, arg="92.00")
    assert "2.00" in phone.locator("#item-1_1-status").inner_text()

    # Camera upload (photo) on the item.
    photo = group["tmp"] / "site.png"
    photo.write_bytes(png_bytes())
    phone.locator("#item-1_1 input[type=file][capture]").set_input_files(str(photo))
    phone.wait_for_selector("#item-1_1-evidence img")

    # The connection drops: the answer is kept and re-sent when it returns.
    phone.context.set_offline(True)
    phone.locator("label[for='item-B1-true']").click()
    phone.wait_for_function("() => document.getElementById('save-state').textContent.includes('未保存')")
    shot(phone, "evaluation-phone-offline")
    assert Evaluation.objects.get(pk=ev.pk).answers.get("B1") is None
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.wait_for_function(LIVE_TOTAL_IS, arg="97.00")
    phone.locator("#item-4_3 textarea").fill("评价反馈表未存档")
    phone.locator("label[for='item-4_3-none']").click()
    phone.wait_for_function(PROGRESS_DONE)
    assert phone.locator("[data-live-total]").inner_text() == "97.00"
    shot(phone, "evaluation-phone-fill")
    saved = Evaluation.objects.get(pk=ev.pk)
    assert (saved.answers["1.1"], saved.answers["B1"], saved.answers["4.3"], str(saved.total)) == (
        "partial",
        True,
        "none",
        "97.00",
    )
    assert saved.notes.get(item_id="4.3").note == "评价反馈表未存档"

    # The leader submits on a laptop; both sign.
    login(page, "eval_leader")
    page.goto(f"/scorecards/{ev.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-btn")
    page.wait_for_selector("text=评估已提交,请评估组成员逐一签名确认")
    for who in (page, phone):
        who.goto(f"/scorecards/{ev.pk}/sign/")
        who.check("input[name=confirm]")
        who.once("dialog", lambda dialog: dialog.accept())
        who.click("button:has-text('签名确认')")
        who.wait_for_url(f"**/scorecards/{ev.pk}/")
    phone.wait_for_selector("text=评估组全部成员已签名,评估已签署")
    shot(phone, "evaluation-phone-signed")
    signed = Evaluation.objects.get(pk=ev.pk)
    assert (signed.status, str(signed.total), signed.band) == ("signed", "97.00", "excellent")
    assert phone.locator(".dudao-item-form").count() == 0
