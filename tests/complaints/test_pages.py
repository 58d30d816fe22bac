"""The public complaint pages on a phone, without login (COMPL-1, COMPL-2)."""

from __future__ import annotations

import re

import pytest

from dudao.common.models import AuditEvent
from dudao.complaints.models import Complaint
from tests.conftest import client_for

NEW = "/complaints/public/"
FOLLOW = "/complaints/public/follow/"


@pytest.fixture
def anon():
    return client_for(None)


def form(institution, /, **overrides):
    data = {
        "institution": institution.name,
        "category": "exam_discipline",
        "content": "考场内有人使用手机,监考人员未制止。",
        "contact_name": "李四",
        "contact_phone": "139 1234 5678",
    }
    data.update(overrides)
    return data


def test_pages_open_without_login(anon, institution):
    page = anon.get(NEW)
    assert page.status_code == 200
    text = page.content.decode()
    assert "我要投诉" in text and institution.name in text  # offered in the institution list
    assert anon.get(FOLLOW).status_code == 200


def test_file_then_follow_with_code_and_secret_posted(anon, institution):
    done = anon.post(NEW, form(institution))
    assert done.status_code == 201
    text = done.content.decode()
    code = re.search(r'id="filed-code">(\w+)<', text).group(1)
    secret = re.search(r'id="filed-secret">(\w+)<', text).group(1)
    complaint = Complaint.objects.get(code=code)
    assert (complaint.contact_name, complaint.contact_phone) == ("李四", "13912345678")
    assert complaint.category == "exam_discipline" and "2026-12-08" in text
    shown = anon.post(FOLLOW, {"code": code, "secret": secret})
    body = shown.content.decode()
    assert shown.status_code == 200 and "已收到,待受理" in body
    assert secret not in body and "李四" not in body and "13912345678" not in body
    assert AuditEvent.objects.filter(action="complaints.complaint.file").count() == 1
    # the secret and the status are never kept in a cache, although the pages are public
    assert "no-store" in done["Cache-Control"] and "no-store" in shown["Cache-Control"]


def test_credit_code_accepted_on_the_page(anon, institution):
    assert anon.post(NEW, form(institution, institution=institution.uscc)).status_code == 201


def test_wrong_secret_one_neutral_message(anon, institution):
    anon.post(NEW, form(institution))
    code = Complaint.objects.get().code
    for data in ({"code": code, "secret": "AAAAAAAAAAAA"}, {"code": "ZZZZZZZZZZ", "secret": "AAAAAAAAAAAA"}):
        page = anon.post(FOLLOW, data)
        assert page.status_code == 200
        assert "查询码或查询密码不正确" in page.content.decode()
        assert 'id="complaint-progress"' not in page.content.decode()


def test_refusals_under_their_fields(anon, institution):
    page = anon.post(NEW, form(institution, content="", contact_phone="", institution="没有这个机构"))
    assert page.status_code == 200
    text = page.content.decode()
    for message in (
        "请填写投诉内容",
        "实名投诉请填写联系人姓名和联系电话",
        "未找到该统一社会信用代码对应的评价机构",
    ):
        assert message in text
    assert not Complaint.objects.exists()


def test_anonymous_on_the_page_keeps_no_contact(anon, institution):
    assert anon.post(NEW, form(institution, anonymous="on")).status_code == 201
    complaint = Complaint.objects.get()
    assert (complaint.anonymous, complaint.contact_name, complaint.contact_phone) == (True, "", "")


def test_pages_share_the_address_budget(anon, institution, settings):
    settings.DUDAO_PUBLIC_COMPLAINTS_PER_HOUR = 1
    settings.DUDAO_PUBLIC_COMPLAINT_LOOKUPS_PER_HOUR = 1
    assert anon.post(NEW, form(institution)).status_code == 201
    assert anon.post(NEW, form(institution)).status_code == 429
    assert anon.post(FOLLOW, {"code": "X", "secret": "Y"}).status_code == 200
    assert anon.post(FOLLOW, {"code": "X", "secret": "Y"}).status_code == 429
    assert anon.get(NEW).status_code == 200  # reading the form costs nothing


def test_pages_show_plain_words_and_no_inline_script(anon, institution):
    from tests.web.test_csp import InlineScriptFinder
    from tests.web.test_plain_words import problems_in, shown

    filed = anon.post(NEW, form(institution)).content.decode()
    complaint = Complaint.objects.get()
    complaint.public_reply = "经核查属实,已责令整改。"
    complaint.save(update_fields=["public_reply"])
    code = complaint.code
    secret = re.search(r'id="filed-secret">(\w+)<', filed).group(1)
    pages = {
        "new": anon.get(NEW).content.decode(),
        "refused": anon.post(NEW, form(institution, content="")).content.decode(),
        "filed": filed,
        "follow": anon.post(FOLLOW, {"code": code, "secret": secret}).content.decode(),
    }
    assert "经核查属实,已责令整改。" in pages["follow"]
    for name, html in pages.items():
        assert problems_in("\n".join(shown(html).parts)) == [], name
        finder = InlineScriptFinder()
        finder.feed(html)
        assert finder.problems == [], name
