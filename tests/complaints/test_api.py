"""The public complaint channel's API contract (issue 12 item 1; COMPL-1, COMPL-2)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection

from dudao.common.models import AuditEvent
from dudao.complaints.models import Complaint
from dudao.complaints.services import secret_digest
from tests.conftest import client_for

URL = "/api/v1/public/complaints"
PHONE = "13912345678"


def post(client, body, **extra):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)


def body_for(institution, /, **overrides):
    body = {
        "institution": institution.uscc,
        "category": "fees",
        "content": "报名时被要求额外缴纳培训费 800 元,不交不给报名。",
        "anonymous": False,
        "contact": {"name": "李四", "phone": PHONE},
    }
    body.update(overrides)
    return body


@pytest.fixture
def anon():
    return client_for(None)


def test_file_named_complaint_contract(anon, institution):
    done = post(anon, body_for(institution))
    assert done.status_code == 201
    data = done.json()
    assert set(data) == {"code", "secret"}
    complaint = Complaint.objects.get(code=data["code"])
    assert complaint.institution == institution
    assert (complaint.category, complaint.anonymous, complaint.status) == ("fees", False, "received")
    assert (complaint.contact_name, complaint.contact_phone) == ("李四", PHONE)
    # received Thursday 2026-12-03: Fri, Mon, Tue (COMPL-2, CAL-2)
    assert (complaint.accept_by, complaint.accept_by_provisional) == (dt.date(2026, 12, 8), False)
    # the secret is stored as a keyed digest only
    assert (
        complaint.secret_hash == secret_digest(data["secret"]) and data["secret"] not in complaint.secret_hash
    )
    # the contact is encrypted at rest (SEC-3)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_name, contact_phone FROM complaints_complaint WHERE id = %s", [complaint.pk]
        )
        raw = cursor.fetchone()
    assert "李四" not in raw[0] and PHONE not in raw[1]


def test_follow_contract_status_and_reply_only(anon, institution):
    data = post(anon, body_for(institution)).json()
    done = anon.get(f"{URL}/{data['code']}", {"secret": data["secret"]})
    assert done.status_code == 200
    assert done.json() == {
        "code": data["code"],
        "status": "received",
        "status_label": "已收到,待受理",
        "reply": None,
    }
    assert "李四" not in done.content.decode() and PHONE not in done.content.decode()
    Complaint.objects.filter(code=data["code"]).update(public_reply="经核查,已责令退还费用。")
    assert (
        anon.get(f"{URL}/{data['code']}", {"secret": data["secret"]}).json()["reply"]
        == "经核查,已责令退还费用。"
    )
    # the code is read without regard to case and surrounding spaces, as typed on a phone
    assert anon.get(f"{URL}/{data['code'].lower()}", {"secret": data["secret"]}).status_code == 200


def test_wrong_secret_is_the_same_404_as_an_unknown_code(anon, institution):
    data = post(anon, body_for(institution)).json()
    wrong = anon.get(
        f"{URL}/{data['code']}", {"secret": data["secret"][:-1] + ("A" if data["secret"][-1] != "A" else "B")}
    )
    unknown = anon.get(f"{URL}/ZZZZZZZZZZ", {"secret": data["secret"]})
    missing = anon.get(f"{URL}/{data['code']}")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert wrong.json() == unknown.json() == missing.json()
    assert wrong.json()["message"] == "查询码或查询密码不正确"


def test_anonymous_complaint_keeps_no_contact(anon, institution):
    done = post(anon, body_for(institution, anonymous=True, contact={"name": "王五", "phone": "13800000000"}))
    assert done.status_code == 201
    complaint = Complaint.objects.get(code=done.json()["code"])
    assert (complaint.anonymous, complaint.contact_name, complaint.contact_phone) == (True, "", "")
    assert post(anon, body_for(institution, anonymous=True, contact=None)).status_code == 201


def test_audit_event_in_the_same_transaction_without_contact_or_text(anon, institution):
    data = post(anon, body_for(institution)).json()
    complaint = Complaint.objects.get(code=data["code"])
    event = AuditEvent.objects.get(action="complaints.complaint.file", object_id=str(complaint.pk))
    assert event.actor_id is None and event.actor_label == "anonymous"
    trail = json.dumps([event.before, event.after], ensure_ascii=False)
    for secret_part in ("李四", PHONE, "800 元", data["secret"], complaint.secret_hash):
        assert secret_part not in trail
    assert event.after["code"] == data["code"] and event.after["accept_by"] == "2026-12-08"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"content": ""}, "content", "请填写投诉内容"),
        ({"content": "   \n  "}, "content", "请填写投诉内容"),
        ({"content": "字" * 2001}, "content", "投诉内容不能超过 2000 个字"),
        ({"category": "bribery"}, "category", "请选择投诉类别"),
        # a well-formed code (check digit right) that no active institution holds
        ({"institution": "91500000MA5U00000W"}, "institution", "未找到该统一社会信用代码对应的评价机构"),
        # a mistyped code says what is wrong with it rather than "not found"
        ({"institution": "91500000MA5U000000"}, "institution", "校验位错误,请核对"),
        ({"institution": "9150000"}, "institution", "统一社会信用代码应为 18 位,当前为 7 位"),
        # not a code at all (a name): simply not found
        ({"institution": "某某职业培训学校"}, "institution", "未找到该统一社会信用代码对应的评价机构"),
        ({"content": "\u200b\u200b\ufeff"}, "content", "请填写投诉内容"),
        ({"content": "\u3000\u00a0\u200b"}, "content", "请填写投诉内容"),
        ({"institution": ""}, "institution", "未找到该统一社会信用代码对应的评价机构"),
        ({"contact": None}, "contact", "实名投诉请填写联系人姓名和联系电话"),
        ({"contact": {"name": "李四", "phone": ""}}, "contact", "实名投诉请填写联系人姓名和联系电话"),
        ({"contact": {"name": " ", "phone": PHONE}}, "contact", "实名投诉请填写联系人姓名和联系电话"),
        ({"contact": {"name": "李四", "phone": "12345"}}, "contact", "手机号格式不正确"),
        ({"contact": {"name": "李" * 65, "phone": PHONE}}, "contact", "联系人姓名不能超过 64 个字"),
    ],
)
def test_refusals_in_chinese(anon, institution, overrides, field, message):
    done = post(anon, body_for(institution, **overrides))
    assert done.status_code == 422
    body = done.json()
    assert body["code"] == "validation_error"
    assert message in body["message"] and message in body["detail"][field][0]
    assert not Complaint.objects.exists()


def test_boundaries_of_accepted_input(anon, institution):
    assert post(anon, body_for(institution, content="字" * 2000)).status_code == 201
    assert post(anon, body_for(institution, content="乱")).status_code == 201
    assert post(anon, body_for(institution, contact={"name": "李" * 64, "phone": PHONE})).status_code == 201
    # the credit code is read as the registry reads it (lower case and spaces tolerated)
    spaced = " " + institution.uscc.lower() + " "
    assert post(anon, body_for(institution, institution=spaced)).status_code == 201


def test_every_category_of_the_contract_is_accepted(anon, institution):
    for category in ("exam_discipline", "eligibility", "fees", "certificate", "examiner", "other"):
        done = post(anon, body_for(institution, category=category))
        assert done.status_code == 201, category
        assert Complaint.objects.get(code=done.json()["code"]).category == category
    for category in ("unknown", "FEES", ""):
        assert post(anon, body_for(institution, category=category)).status_code == 422
    assert Complaint.objects.count() == 6


def test_invisible_characters_alone_are_empty_but_count_beside_text(anon, institution):
    # only zero-width characters: nothing to read (refused above); one visible character beside them: kept
    done = post(anon, body_for(institution, content="\u200b乱\u200b"))
    assert done.status_code == 201
    assert Complaint.objects.get(code=done.json()["code"]).content == "\u200b乱\u200b"


@pytest.mark.parametrize(
    ("overrides", "location", "message"),
    [
        # the contract's `anonymous` is a JSON boolean: a string or a number is not read as one
        ({"anonymous": "true"}, ["body", "payload", "anonymous"], "格式不正确,应为 true 或 false"),
        ({"anonymous": "yes"}, ["body", "payload", "anonymous"], "格式不正确,应为 true 或 false"),
        ({"anonymous": 1}, ["body", "payload", "anonymous"], "格式不正确,应为 true 或 false"),
        ({"anonymous": None}, ["body", "payload", "anonymous"], "格式不正确,应为 true 或 false"),
        # fields the contract does not name (e.g. attachments) are refused, never silently dropped
        ({"attachments": ["a.jpg"]}, ["body", "payload", "attachments"], "不允许的字段"),
        (
            {"contact": {"name": "李四", "phone": PHONE, "email": "a@b.cn"}},
            ["body", "payload", "contact", "email"],
            "不允许的字段",
        ),
        ({"content": 123}, ["body", "payload", "content"], "格式不正确,应为文本"),
        (
            {"contact": {"name": "李四", "phone": 13912345678}},
            ["body", "payload", "contact", "phone"],
            "格式不正确,应为文本",
        ),
    ],
)
def test_wrong_types_and_extra_fields_are_refused(anon, institution, overrides, location, message):
    done = post(anon, body_for(institution, **overrides))
    assert done.status_code == 422
    body = done.json()
    assert body["message"] == "请求参数格式不正确"
    assert [(e["loc"], e["msg"]) for e in body["detail"]] == [(location, message)]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("field", ["institution", "category", "content", "anonymous"])
def test_each_required_field_missing_is_refused(anon, institution, field):
    body = body_for(institution)
    body.pop(field)
    done = post(anon, body)
    assert done.status_code == 422
    assert done.json()["detail"] == [{"loc": ["body", "payload", field], "msg": "必填", "type": "missing"}]
    assert not Complaint.objects.exists()


def test_contact_may_be_left_out_of_an_anonymous_complaint(anon, institution):
    body = body_for(institution, anonymous=True)
    body.pop("contact")
    assert post(anon, body).status_code == 201
    body = body_for(institution)
    body.pop("contact")
    assert post(anon, body).status_code == 422
    assert Complaint.objects.count() == 1


def test_malformed_json_is_a_chinese_400(anon, institution):
    done = anon.post(URL, data="{bad json", content_type="application/json")
    assert (done.status_code, done.json()["message"]) == (400, "请求体不是有效的 JSON")
    assert not Complaint.objects.exists()


def test_lookups_are_limited_per_address(anon, institution, settings):
    data = post(anon, body_for(institution)).json()
    settings.DUDAO_PUBLIC_COMPLAINT_LOOKUPS_PER_HOUR = 2
    follow = f"{URL}/{data['code']}"
    looks = [anon.get(follow, {"secret": "WRONG"}).status_code for _ in range(2)]
    assert looks == [404, 404]
    # the budget spent, even the right secret waits; another address is not blocked
    assert anon.get(follow, {"secret": data["secret"]}).status_code == 429
    assert anon.get(follow, {"secret": data["secret"]}, REMOTE_ADDR="10.9.8.7").status_code == 200


def test_inactive_institution_is_unknown(anon, institution):
    institution.is_active = False
    institution.save(update_fields=["is_active"])
    assert post(anon, body_for(institution)).status_code == 422


def test_schema_errors_are_chinese(anon, institution):
    done = post(anon, body_for(institution, anonymous="maybe"))
    assert done.status_code == 422
    assert done.json()["message"] == "请求参数格式不正确"
    done = anon.post(URL, data=json.dumps({"category": "fees"}), content_type="application/json")
    assert done.status_code == 422


def test_rate_limited_per_address(anon, institution, settings):
    settings.DUDAO_PUBLIC_COMPLAINTS_PER_HOUR = 2
    settings.DUDAO_PUBLIC_COMPLAINT_LOOKUPS_PER_HOUR = 2
    statuses = [post(anon, body_for(institution)).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert post(anon, body_for(institution)).headers["Retry-After"]
    # another address has its own budget
    assert post(anon, body_for(institution), REMOTE_ADDR="10.9.8.7").status_code == 201
    # refused input counts too (nobody probes the registry for free)
    looks = [anon.get(f"{URL}/ZZZZZZZZZZ", {"secret": "x"}).status_code for _ in range(3)]
    assert looks == [404, 404, 429]


def test_deadline_reaching_an_unloaded_year_is_provisional(anon, institution):
    with time_machine.travel(dt.datetime(2026, 12, 29, 10, 0, tzinfo=dt.UTC)):
        done = post(anon, body_for(institution))
    complaint = Complaint.objects.get(code=done.json()["code"])
    assert (complaint.accept_by, complaint.accept_by_provisional) == (dt.date(2027, 1, 4), True)
    with time_machine.travel(dt.datetime(2026, 12, 28, 10, 0, tzinfo=dt.UTC)):
        done = post(anon, body_for(institution))
    complaint = Complaint.objects.get(code=done.json()["code"])
    assert (complaint.accept_by, complaint.accept_by_provisional) == (dt.date(2026, 12, 31), False)


def test_codes_and_secrets_are_distinct(anon, institution):
    first = post(anon, body_for(institution)).json()
    second = post(anon, body_for(institution)).json()
    assert first["code"] != second["code"] and first["secret"] != second["secret"]
    assert len(first["code"]) == 10 and len(first["secret"]) == 12
    assert anon.get(f"{URL}/{first['code']}", {"secret": second["secret"]}).status_code == 404
