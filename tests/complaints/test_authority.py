"""The authority's side (COMPL-2): scoped list, accept or decline with a reason, result deadline, and the
filer's identity only for users with the right, each view audited."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine

from dudao.accounts.models import Role
from dudao.common.errors import PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.complaints import selectors, services
from dudao.complaints.models import Complaint
from tests import factories as f
from tests.conftest import client_for

from .support import PHONE, file, staff_of


def test_list_is_scoped_by_region(users, complaint, other_complaint):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    assert list(selectors.complaints_for(admin)) == [complaint]
    institution_user = staff_of(users, Role.INSTITUTION_ADMIN)
    assert list(selectors.complaints_for(institution_user)) == []  # never the complaints about itself
    superuser = next(u for u in users.values() if u.is_superuser)
    assert set(selectors.complaints_for(superuser)) == {complaint, other_complaint}
    page = client_for(admin).get("/complaints/")
    text = page.content.decode()
    assert page.status_code == 200 and complaint.code in text and other_complaint.code not in text
    assert "2026-12-08" in text  # accept_by shown
    assert client_for(admin).get(f"/complaints/{other_complaint.pk}/").status_code == 404
    assert client_for(institution_user).get(f"/complaints/{complaint.pk}/").status_code == 404
    assert client_for(None).get("/complaints/").status_code == 302


def test_accept_sets_the_result_deadline_and_is_audited(users, complaint):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    client = client_for(admin)
    done = client.post(
        f"/complaints/{complaint.pk}/decide/",
        {"action": "accept", "reason": "属于受理范围", "row_version": "1"},
    )
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.decided_by, complaint.decision_reason) == (
        "accepted",
        admin,
        "属于受理范围",
    )
    # accepted Thursday 2026-12-03: seven working days → Monday 2026-12-14 (CAL-2)
    assert (complaint.result_by, complaint.result_by_provisional) == (dt.date(2026, 12, 14), False)
    assert complaint.public_reply == ""  # an acceptance reason is internal
    event = AuditEvent.objects.get(action="complaints.complaint.accept")
    assert event.actor_id == admin.pk and event.after["result_by"] == "2026-12-14"
    assert "李四" not in json.dumps([event.before, event.after], ensure_ascii=False)
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "2026-12-14" in page and 'id="decide"' not in page


def test_decline_reason_becomes_the_public_reply(users, complaint, client):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    services.complaint_decide(
        actor=admin, complaint=complaint, action="decline", reason="不属于职业技能等级认定事项", row_version=1
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.result_by) == ("declined", None)
    assert services.public_view(complaint)["reply"] == "不属于职业技能等级认定事项"
    assert AuditEvent.objects.filter(action="complaints.complaint.decline").count() == 1


def test_accept_near_year_end_is_provisional(users, institution):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    with time_machine.travel(dt.datetime(2026, 12, 22, 10, 0, tzinfo=dt.UTC)):
        complaint = file(institution)
        services.complaint_decide(
            actor=admin, complaint=complaint, action="accept", reason="受理", row_version=1
        )
    complaint.refresh_from_db()
    assert (complaint.result_by, complaint.result_by_provisional) == (dt.date(2026, 12, 31), False)
    with time_machine.travel(dt.datetime(2026, 12, 23, 10, 0, tzinfo=dt.UTC)):
        complaint = file(institution)
        services.complaint_decide(
            actor=admin, complaint=complaint, action="accept", reason="受理", row_version=1
        )
    complaint.refresh_from_db()
    assert (complaint.result_by, complaint.result_by_provisional) == (dt.date(2027, 1, 4), True)


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "请填写理由"), ("   ", "请填写理由"), ("理" * 1001, "理由不能超过 1000 个字")],
)
def test_reason_required_and_bounded(users, complaint, reason, message):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    with pytest.raises(ValidationFailed, match=message):
        services.complaint_decide(
            actor=admin, complaint=complaint, action="accept", reason=reason, row_version=1
        )
    services.complaint_decide(
        actor=admin, complaint=complaint, action="accept", reason="理" * 1000, row_version=1
    )


def test_decided_once_and_stale_version_refused(users, complaint):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    services.complaint_decide(actor=admin, complaint=complaint, action="accept", reason="受理", row_version=1)
    with pytest.raises(Exception, match="已被他人处理"):
        services.complaint_decide(
            actor=admin, complaint=complaint, action="decline", reason="否", row_version=1
        )
    with pytest.raises(ValidationFailed, match="不能执行此操作"):
        services.complaint_decide(
            actor=admin, complaint=complaint, action="decline", reason="否", row_version=2
        )
    page = client_for(admin).post(
        f"/complaints/{complaint.pk}/decide/", {"action": "bogus", "reason": "x", "row_version": "2"}
    )
    assert page.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).status == "accepted"


def test_only_the_region_decides(users, other_complaint):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.complaint_decide(
            actor=admin, complaint=other_complaint, action="accept", reason="x", row_version=1
        )


def test_filer_visible_only_with_the_right_and_every_view_audited(users, complaint):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    staff = staff_of(users, Role.AUTHORITY_STAFF)
    detail = f"/complaints/{complaint.pk}/"
    # staff without the right: neither the page nor the POST shows the filer
    page = client_for(staff).get(detail).content.decode()
    assert "李四" not in page and PHONE not in page and 'id="show-filer"' not in page
    assert client_for(staff).post(f"{detail}filer/").status_code == 403
    # the admin sees a button, and the filer only on the answer to the POST
    page = client_for(admin).get(detail).content.decode()
    assert "李四" not in page and 'id="show-filer"' in page
    assert AuditEvent.objects.filter(action="complaints.complaint.view_filer").count() == 0
    shown = client_for(admin).post(f"{detail}filer/").content.decode()
    assert re.search(r'id="filer-name">李四<', shown) and PHONE in shown
    client_for(admin).post(f"{detail}filer/")
    events = AuditEvent.objects.filter(action="complaints.complaint.view_filer", actor_id=admin.pk)
    assert events.count() == 2
    assert all("李四" not in json.dumps(e.after, ensure_ascii=False) for e in events)


def test_anonymous_filer_has_nothing_to_show(users, institution):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    complaint = file(institution, anonymous=True)
    page = client_for(admin).get(f"/complaints/{complaint.pk}/").content.decode()
    assert "匿名投诉,未保存投诉人信息" in page and 'id="show-filer"' not in page
    with pytest.raises(ValidationFailed):
        services.complaint_filer(actor=admin, complaint=complaint)


def test_other_region_admin_cannot_see_the_filer(users, complaint, other_authority):
    outsider = f.UserFactory(role=Role.AUTHORITY_ADMIN, authority=other_authority)
    with pytest.raises(PermissionDenied):
        services.complaint_filer(actor=outsider, complaint=complaint)


def test_staff_pages_show_plain_words_and_no_inline_script(users, complaint):
    from tests.web.test_csp import InlineScriptFinder
    from tests.web.test_plain_words import problems_in, shown

    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    client = client_for(admin)
    pages = {
        "list": client.get("/complaints/").content.decode(),
        "filtered": client.get("/complaints/?status=received").content.decode(),
        "detail": client.get(f"/complaints/{complaint.pk}/").content.decode(),
        "filer": client.post(f"/complaints/{complaint.pk}/filer/").content.decode(),
    }
    for name, html in pages.items():
        assert problems_in("\n".join(shown(html).parts)) == [], name
        finder = InlineScriptFinder()
        finder.feed(html)
        assert finder.problems == [], name
    assert "投诉举报" in pages["list"]  # in the menu of the authority
