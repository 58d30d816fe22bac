"""Deadline reminders of complaints (COMPL-2) in working days, both sides of each boundary: the acceptance
decision (due soon on its last working day and the one before, overdue the day after) and the result (due
soon within two working days → the handlers; overdue → the handlers and the admins). No filer's data."""

from __future__ import annotations

import datetime as dt

from dudao.accounts.models import Role
from dudao.complaints import handling
from dudao.complaints.reminders import acceptance_deadlines, result_deadlines
from dudao.notifications.models import Message
from dudao.notifications.tasks import run_due_reminders

from .support import PHONE, accepted, staff_of

D = dt.date


def kinds(reminders) -> list[str]:
    return [r.kind for r in reminders]


def test_acceptance_reminders_by_working_day(users, complaint):
    # filed Thursday 2026-12-03, decision due Tuesday 2026-12-08
    assert complaint.accept_by == D(2026, 12, 8)
    assert kinds(acceptance_deadlines(today=D(2026, 12, 4))) == []  # two working days left
    assert kinds(acceptance_deadlines(today=D(2026, 12, 5))) == []  # Saturday: still two
    assert kinds(acceptance_deadlines(today=D(2026, 12, 7))) == ["complaint.accept_due_soon"]
    assert kinds(acceptance_deadlines(today=D(2026, 12, 8))) == ["complaint.accept_due_soon"]
    [late] = acceptance_deadlines(today=D(2026, 12, 9))
    assert late.kind == "complaint.accept_overdue" and complaint.code in late.title
    admin, staff = staff_of(users, Role.AUTHORITY_ADMIN), staff_of(users, Role.AUTHORITY_STAFF)
    assert set(late.recipients.values_list("pk", flat=True)) == {admin.pk, staff.pk}
    assert "李四" not in late.title + late.body and PHONE not in late.body


def test_no_acceptance_reminder_once_decided(users, institution):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    accepted(institution, admin)
    assert kinds(acceptance_deadlines(today=D(2026, 12, 9))) == []


def test_result_reminders_go_to_the_handlers_then_escalate(users, institution, authority):
    admin, handler = staff_of(users, Role.AUTHORITY_ADMIN), staff_of(users, Role.AUTHORITY_STAFF)
    case = accepted(institution, admin)  # accepted Thursday 2026-12-03 → result due Monday 2026-12-14
    assert case.result_by == D(2026, 12, 14)
    [soon] = result_deadlines(today=D(2026, 12, 10))  # before a handler: the admins
    assert soon.kind == "complaint.result_due_soon" and soon.recipients == [admin.pk]
    handling.complaint_handler_assign(actor=admin, complaint=case, user=handler, row_version=2)
    assert kinds(result_deadlines(today=D(2026, 12, 9))) == []  # three working days left
    [soon] = result_deadlines(today=D(2026, 12, 10))  # Thursday: two left (Friday, Monday)
    assert soon.recipients == [handler.pk]
    [due] = result_deadlines(today=D(2026, 12, 14))
    assert due.kind == "complaint.result_due_soon"
    [late] = result_deadlines(today=D(2026, 12, 15))
    assert late.kind == "complaint.result_overdue" and late.recipients == sorted([admin.pk, handler.pk])
    handling.complaint_investigate(actor=handler, complaint=case, row_version=3)
    assert kinds(result_deadlines(today=D(2026, 12, 15))) == ["complaint.result_overdue"]


def test_no_result_reminder_once_replied(users, institution):
    admin = staff_of(users, Role.AUTHORITY_ADMIN)
    case = accepted(institution, admin)
    handling.complaint_handler_assign(actor=admin, complaint=case, user=admin, row_version=2)
    handling.complaint_investigate(actor=admin, complaint=case, row_version=3)
    handling.complaint_find(actor=admin, complaint=case, finding="not_verified", text="x", row_version=4)
    handling.complaint_dispose(actor=admin, complaint=case, disposition="no_action", note="x", row_version=5)
    assert kinds(result_deadlines(today=D(2026, 12, 15))) == ["complaint.result_overdue"]
    handling.complaint_reply(actor=admin, complaint=case, reply="未查实。", row_version=6)
    assert kinds(result_deadlines(today=D(2026, 12, 15))) == []


def test_notify_due_sends_once(users, complaint):
    only = ["complaints.acceptance", "complaints.result"]
    first = run_due_reminders(today=D(2026, 12, 9), only=only)
    assert first.sent["complaints.acceptance"] == 2 and not first.failed
    again = run_due_reminders(today=D(2026, 12, 9), only=only)
    assert again.sent["complaints.acceptance"] == 0
    assert Message.objects.filter(kind="complaint.accept_overdue").count() == 2
