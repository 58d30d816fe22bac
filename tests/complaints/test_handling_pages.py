"""The handling on the complaint page: the admin assigns a handler (recused people are not offered and a
forged choice is refused), the handler takes each step; the pages keep plain words and show no filer to a
handler without the right."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.complaints.models import Complaint
from tests import factories as f
from tests.conftest import client_for

from .support import PHONE, accepted, staff_of, version


@pytest.fixture
def admin(users):
    return staff_of(users, Role.AUTHORITY_ADMIN)


@pytest.fixture
def handler(users):
    return staff_of(users, Role.AUTHORITY_STAFF)


def check_plain(html: str) -> None:
    from tests.web.test_csp import InlineScriptFinder
    from tests.web.test_plain_words import problems_in, shown

    assert problems_in("\n".join(shown(html).parts)) == []
    finder = InlineScriptFinder()
    finder.feed(html)
    assert finder.problems == []


def test_assign_and_handle_through_the_pages(admin, handler, institution, authority):
    case = accepted(institution, admin)
    employee = f.UserFactory(
        username="employee",
        display_name="机构职工",
        role=Role.AUTHORITY_STAFF,
        authority=authority,
        person=f.PersonFactory(employer=institution),
    )
    page_url = f"/complaints/{case.pk}/"
    admin_client, handler_client = client_for(admin), client_for(handler)
    page = admin_client.get(page_url).content.decode()
    assert 'id="assign"' in page and f'value="{handler.pk}"' in page and "机构职工" not in page
    check_plain(page)
    forged = admin_client.post(
        f"{page_url}handle/assign/", {"user": employee.pk, "row_version": 2}, follow=True
    )
    assert "须回避" in forged.content.decode() and case.handlers.count() == 0
    admin_client.post(f"{page_url}handle/assign/", {"user": handler.pk, "row_version": 2})
    assert list(case.handlers.values_list("user_id", flat=True)) == [handler.pk]
    steps = [
        ("investigate", {}),
        ("find", {"finding": "verified", "text": "经查属实。"}),
        ("dispose", {"disposition": "no_action", "note": "机构已整改。"}),
        ("reply", {"reply": "经查属实,机构已整改。"}),
        ("close", {}),
    ]
    for action, data in steps:
        page = handler_client.get(page_url).content.decode()
        assert 'id="next-step"' in page and f"handle/{action}/" in page, action
        assert "李四" not in page and PHONE not in page and 'id="show-filer"' not in page
        check_plain(page)
        done = handler_client.post(f"{page_url}handle/{action}/", {**data, "row_version": version(case)})
        assert done.status_code == 302, action
    case.refresh_from_db()
    assert case.status == Complaint.Status.CLOSED
    page = handler_client.get(page_url).content.decode()
    assert 'id="next-step"' not in page and "经查属实,机构已整改。" in page and "查实" in page
    check_plain(page)


def test_an_unassigned_user_sees_no_step_and_is_refused(admin, institution, authority):
    case = accepted(institution, admin)
    bystander = f.UserFactory(username="bystander", role=Role.AUTHORITY_STAFF, authority=authority)
    client = client_for(bystander)
    page = client.get(f"/complaints/{case.pk}/").content.decode()
    assert 'id="next-step"' not in page and 'id="assign"' not in page
    assert client.post(f"/complaints/{case.pk}/handle/investigate/", {"row_version": 2}).status_code == 403
    assert client.post(f"/complaints/{case.pk}/handle/bogus/", {"row_version": 2}).status_code == 404
