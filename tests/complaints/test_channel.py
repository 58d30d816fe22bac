"""Each institution's published complaint channel (COMPL-1; FORM-B C2.2): recorded on the institution by its
own admin, seen by the authority, shown on the public filing page when the institution is chosen."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.registry import domain
from dudao.registry.services import institution_update
from tests.conftest import client_for

CHANNEL = {
    "complaint_phone": "0791-88886666",
    "complaint_mailbox": "南昌市红谷滩区赣江中大道 1 号一楼大厅投诉箱",
    "complaint_email": "tousu@example.cn",
    "complaint_page_url": "https://www.example.cn/tousu",
}


def record(user, institution, **values):
    institution.refresh_from_db()
    version = institution.row_version
    return institution_update(actor=user, institution=institution.pk, row_version=version, **values)


def test_institution_admin_records_own_channel(users, institution):
    admin = users[Role.INSTITUTION_ADMIN]
    saved = record(admin, institution, **CHANNEL)
    assert {name: getattr(saved, name) for name in CHANNEL} == CHANNEL
    event = AuditEvent.objects.filter(action="registry.institution.update").latest("id")
    assert event.after["complaint_page_url"] == CHANNEL["complaint_page_url"]


def test_values_are_trimmed_and_may_be_cleared(users, institution):
    admin = users[Role.INSTITUTION_ADMIN]
    saved = record(admin, institution, complaint_phone="  0791-88886666  ")
    assert saved.complaint_phone == "0791-88886666"
    assert record(admin, institution, complaint_phone="").complaint_phone == ""


def test_institution_admin_cannot_record_another_institution(users, other_institution):
    with pytest.raises((NotFound, PermissionDenied)):
        record(users[Role.INSTITUTION_ADMIN], other_institution, **CHANNEL)


def test_institution_staff_cannot_record(users, institution):
    with pytest.raises(PermissionDenied):
        record(users[Role.INSTITUTION_STAFF], institution, **CHANNEL)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("complaint_phone", "请拨打", domain.COMPLAINT_PHONE_MESSAGE),
        ("complaint_email", "tousu-at-example.cn", domain.COMPLAINT_EMAIL_MESSAGE),
        ("complaint_email", "tousu@example", domain.COMPLAINT_EMAIL_MESSAGE),
        ("complaint_page_url", "www.example.cn/tousu", domain.COMPLAINT_URL_MESSAGE),
        ("complaint_page_url", "javascript:alert(1)", domain.COMPLAINT_URL_MESSAGE),
    ],
)
def test_invalid_channel_refused_in_chinese(users, institution, field, value, message):
    with pytest.raises(ValidationFailed) as caught:
        record(users[Role.INSTITUTION_ADMIN], institution, **{field: value})
    assert caught.value.detail == {field: [message]}
    institution.refresh_from_db()
    assert getattr(institution, field) == ""


def test_edit_page_for_institution_admin(users, institution):
    client = client_for(users[Role.INSTITUTION_ADMIN])
    url = f"/registry/institutions/{institution.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200 and "投诉举报电话" in page.content.decode()
    data = {"row_version": institution.row_version, "address": "", "contact_name": "", "contact_phone": ""}
    data |= {"legal_representative": "", **CHANNEL, "complaint_email": "坏地址"}
    bad = client.post(url, data)
    assert bad.status_code in (200, 422) and domain.COMPLAINT_EMAIL_MESSAGE in bad.content.decode()
    done = client.post(url, {**data, "complaint_email": CHANNEL["complaint_email"]})
    assert done.status_code == 302
    institution.refresh_from_db()
    assert institution.complaint_email == CHANNEL["complaint_email"]


def test_authority_sees_channel(users, institution):
    record(users[Role.INSTITUTION_ADMIN], institution, **CHANNEL)
    page = client_for(users[Role.AUTHORITY_STAFF]).get(f"/registry/institutions/{institution.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert CHANNEL["complaint_phone"] in html and CHANNEL["complaint_page_url"] in html
    api = client_for(users[Role.AUTHORITY_STAFF]).get(f"/api/v1/registry/institutions/{institution.pk}")
    assert api.status_code == 200 and api.json()["complaint_email"] == CHANNEL["complaint_email"]


def test_public_page_shows_channel_of_chosen_institution(users, institution):
    anon = client_for(None)
    fragment = anon.get("/complaints/public/channel/", {"institution": institution.name})
    assert "尚未登记投诉举报渠道" in fragment.content.decode()
    record(users[Role.INSTITUTION_ADMIN], institution, **CHANNEL)
    for typed in (institution.name, institution.uscc.lower()):
        html = anon.get("/complaints/public/channel/", {"institution": typed}).content.decode()
        assert 'id="institution-channel"' in html and CHANNEL["complaint_phone"] in html
        assert CHANNEL["complaint_email"] in html and CHANNEL["complaint_page_url"] in html
    unknown = anon.get("/complaints/public/channel/", {"institution": "不存在的机构"})
    assert unknown.content.decode().strip() == ""
    # the filing page re-shown after an error keeps the chosen institution's channel
    filing = {"institution": institution.name, "category": "fees", "content": ""}
    page = anon.post("/complaints/public/", filing)
    assert CHANNEL["complaint_phone"] in page.content.decode()
    assert 'hx-get="/complaints/public/channel/"' in anon.get("/complaints/public/").content.decode()
