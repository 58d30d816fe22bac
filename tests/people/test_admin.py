"""Django admin of people records: personal data masked in lists and forms; card number rules saved
through the card-pattern services (validated, versioned, audited) with refusals shown on the form."""

from __future__ import annotations

import pytest

from dudao.common.models import AuditEvent
from dudao.people import services
from dudao.people.models import CardPattern
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(users, client_as):
    return client_as(users["superuser"])


def test_person_list_and_form_show_the_phone_masked(root):
    person = f.PersonFactory(name="张三", phone="13912345678")
    for url in ("/admin/people/person/", f"/admin/people/person/{person.pk}/change/"):
        html = root.get(url).content.decode()
        assert "139****5678" in html, url
        assert "13912345678" not in html, url
        assert person.id_number_masked in html


def test_person_list_shows_no_phone_for_a_person_without_one(root):
    f.PersonFactory(name="李四", phone="")
    html = root.get("/admin/people/person/").content.decode()
    row = html.split("李四", 1)[1].split("</tr>", 1)[0]
    assert '<td class="field-phone_masked">-</td>' in row


def _pattern(users) -> CardPattern:
    row = CardPattern.objects.filter(kind=CardPattern.Kind.EXAMINER).first()
    if row is None:
        row = services.card_pattern_create(actor=users["superuser"], kind="examiner", regex=r"K\d{6}")
    return row


def _post(root, row, **changes):
    data = {
        "regex": row.regex,
        "description": row.description,
        "current_version": str(row.row_version),
        **changes,
    }
    return root.post(f"/admin/people/cardpattern/{row.pk}/change/", data)


def test_a_card_pattern_change_goes_through_the_service_and_is_audited(root, users):
    row = _pattern(users)
    events = AuditEvent.objects.count()
    response = _post(root, row, regex=r"KP\d{8}", description="省厅规则")
    assert response.status_code == 302
    saved = CardPattern.objects.get(pk=row.pk)
    assert (saved.regex, saved.description, saved.row_version) == (
        r"KP\d{8}",
        "省厅规则",
        row.row_version + 1,
    )
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.before["regex"], event.after["regex"]) == (
        "people.card_pattern.update",
        row.regex,
        r"KP\d{8}",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"regex": "K(\\d"}, "号码正则无法解析"),
        ({"regex": "   "}, "这个字段是必填项。"),  # the form's own check, before the service
        ({"current_version": "999"}, "数据已被他人修改,请刷新后重试"),
        ({"current_version": ""}, "缺少版本号,请刷新后重试"),
    ],
)
def test_a_refused_card_pattern_change_shows_the_error_and_writes_nothing(root, users, changes, message):
    row = _pattern(users)
    events = AuditEvent.objects.count()
    response = _post(root, row, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    saved = CardPattern.objects.get(pk=row.pk)
    assert (saved.regex, saved.row_version) == (row.regex, row.row_version)
    assert AuditEvent.objects.count() == events


def test_an_unchanged_card_pattern_writes_no_event(root, users):
    row = _pattern(users)
    events = AuditEvent.objects.count()
    assert _post(root, row).status_code == 302
    assert CardPattern.objects.get(pk=row.pk).row_version == row.row_version
    assert AuditEvent.objects.count() == events


def test_a_second_rule_for_a_kind_is_refused_on_the_add_form(root, users):
    row = _pattern(users)
    events = AuditEvent.objects.count()
    response = root.post("/admin/people/cardpattern/add/", {"kind": "examiner", "regex": r"X\d+"})
    assert response.status_code == 200
    assert "「考评员证卡」已有编码规则,请修改原有规则" in response.content.decode()
    assert CardPattern.objects.get(kind="examiner").regex == row.regex
    assert AuditEvent.objects.count() == events


def test_a_new_card_pattern_is_created_and_audited(root, users):
    CardPattern.objects.filter(kind="examiner").delete()
    response = root.post("/admin/people/cardpattern/add/", {"kind": "examiner", "regex": r"X\d+"})
    assert response.status_code == 302
    row = CardPattern.objects.get(kind="examiner")
    assert (row.regex, row.row_version) == (r"X\d+", 1)
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id) == ("people.card_pattern.create", str(row.pk))


def test_only_holders_of_the_permission_save_card_patterns(users):
    from dudao.common.errors import PermissionDenied

    row = _pattern(users)
    with pytest.raises(PermissionDenied):
        services.card_pattern_update(
            actor=users["authority_admin"], pattern=row, regex=r"Z\d+", row_version=row.row_version
        )
    assert CardPattern.objects.get(pk=row.pk).regex == row.regex
