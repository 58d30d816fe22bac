"""Renewal reminders (issue 3 item 7): due within 3 working days, overdue, rectification period over;
sent to the deciding authority's users only, once per deadline (dedupe keys)."""

from __future__ import annotations

from dudao.accounts.models import Role
from dudao.notifications.models import Message
from dudao.notifications.tasks import reminder_providers, run_due_reminders
from dudao.renewals import services
from dudao.renewals.models import RenewalApplication
from tests import factories as f

from .conftest import D, apply, open_evaluation, run_evaluation, rv

ONLY = ["renewals.deadlines"]


def _reminders() -> list[tuple[str, str, str]]:
    return list(
        Message.objects.filter(kind__in=["renewal.due_soon", "renewal.overdue", "renewal.rectification_due"])
        .order_by("id")
        .values_list("recipient__username", "kind", "dedupe_key")
    )


def test_provider_is_registered():
    assert "renewals.deadlines" in reminder_providers()


def test_due_soon_then_overdue_each_once(users, filing):
    app = apply(users[Role.INSTITUTION_ADMIN], filing)  # decide_by 2024-10-30 (Wed)
    # 2024-10-24 (Thu): 4 working days left (25, 28, 29, 30) → nothing yet.
    assert run_due_reminders(today=D("2024-10-24"), only=ONLY).sent == {"renewals.deadlines": 0}
    # 2024-10-25 (Fri): 3 working days left → due soon, to the authority's admin and staff.
    assert run_due_reminders(today=D("2024-10-25"), only=ONLY).sent == {"renewals.deadlines": 2}
    assert run_due_reminders(today=D("2024-10-25"), only=ONLY).sent == {"renewals.deadlines": 0}  # idempotent
    assert run_due_reminders(today=D("2024-10-28"), only=ONLY).sent == {
        "renewals.deadlines": 0
    }  # same deadline
    key = f"renewal.due_soon:{app.pk}:2024-10-30"
    assert _reminders() == [("auth_admin", "renewal.due_soon", key), ("auth_staff", "renewal.due_soon", key)]
    title = Message.objects.filter(kind="renewal.due_soon").first()
    assert title.title == f"延续备案申请即将到期办结:{filing.institution.name}(备案 {filing.number})"
    assert title.body == "办结期限 2024-10-30,剩余 3 个工作日。"
    assert title.link == f"/renewals/{app.pk}/"
    # 2024-10-31: overdue by one working day.
    assert run_due_reminders(today=D("2024-10-31"), only=ONLY).sent == {"renewals.deadlines": 2}
    assert run_due_reminders(today=D("2024-11-01"), only=ONLY).sent == {"renewals.deadlines": 0}
    overdue = Message.objects.filter(kind="renewal.overdue").first()
    assert overdue.body == "办结期限 2024-10-30,已逾期 1 个工作日。"
    assert (
        Message.objects.filter(recipient__role__startswith="institution", kind__startswith="renewal.")
        .filter(kind__in=["renewal.due_soon", "renewal.overdue"])
        .count()
        == 0
    )


def test_decided_applications_are_not_reminded(users, employer_admin, employer_filing):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(employer_admin, employer_filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    services.renewal_employer_decide(
        actor=staff,
        application=app,
        approve=True,
        opinion="符合",
        row_version=app.row_version,
        today=D("2024-10-15"),
    )
    assert run_due_reminders(today=D("2024-10-31"), only=ONLY).sent == {"renewals.deadlines": 0}


def test_rectification_period_over_reminds_to_re_evaluate(users, filing, evaluators):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    run_evaluation(app, f.RECTIFY_DEDUCTIONS)
    app = services.renewal_record_outcome(
        actor=staff, application=app, row_version=rv(app), today=D("2024-10-28")
    )
    assert app.rectification_deadline == D("2025-04-28")
    assert run_due_reminders(today=D("2025-04-28"), only=ONLY).sent == {"renewals.deadlines": 0}
    assert run_due_reminders(today=D("2025-04-29"), only=ONLY).sent == {"renewals.deadlines": 2}
    assert run_due_reminders(today=D("2025-05-06"), only=ONLY).sent == {"renewals.deadlines": 0}
    assert _reminders()[-1] == (
        "auth_staff",
        "renewal.rectification_due",
        f"renewal.rectification_due:{app.pk}:2025-04-28",
    )
    assert RenewalApplication.objects.get(pk=app.pk).status == "rectifying"


def test_signed_evaluation_reminds_to_record_the_outcome(users, filing, evaluators):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    day = D("2024-10-01")  # decide_by 2024-10-30 is far: only the signed evaluation reminds
    assert run_due_reminders(today=day, only=ONLY).sent == {"renewals.deadlines": 0}  # still a draft
    ev = run_evaluation(app)
    assert run_due_reminders(today=day, only=ONLY).sent == {"renewals.deadlines": 2}
    assert run_due_reminders(today=day, only=ONLY).sent == {"renewals.deadlines": 0}
    assert _signed() == [
        ("auth_admin", f"renewal.evaluation_signed:{app.pk}:{ev.pk}"),
        ("auth_staff", f"renewal.evaluation_signed:{app.pk}:{ev.pk}"),
    ]
    services.renewal_record_outcome(actor=staff, application=app, row_version=rv(app), today=D("2024-10-28"))
    assert run_due_reminders(today=D("2024-10-29"), only=ONLY).sent == {"renewals.deadlines": 0}


def _signed() -> list[tuple[str, str]]:
    return list(
        Message.objects.filter(kind="renewal.evaluation_signed")
        .order_by("id")
        .values_list("recipient__username", "dedupe_key")
    )
