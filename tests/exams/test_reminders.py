"""Deadline reminders of evaluation operations (issue 11 item 3; EXAM-17, EXAM-12, CERT-3, FORM-B C4.2,
CAL-2): each provider on both sides of its deadline and of its due-soon horizon, once per deadline (a rerun
sends nothing), to exactly the institution's and the filing authority's users — never another institution's,
nor another authority covering the same region."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.models import Certificate, ExamPlan, Objection
from dudao.notifications.models import Message
from dudao.notifications.tasks import reminder_providers, run_due_reminders
from tests import factories as f
from tests.factories import exams as fx

from . import test_certificate_uploads as upload_tests
from . import test_results_certificates as results_tests
from .test_results_certificates import failing_theory, passing, record

# the fixtures of those tests, found by pytest under these names
after_exam, cohort, issuer = results_tests.after_exam, results_tests.cohort, results_tests.issuer
issued = upload_tests.issued

pytestmark = pytest.mark.django_db

D = dt.date
OBJECTIONS = "exams.objections"
PUBLICATION = "exams.publication"
CONFIRMATION = "exams.results_confirmation"
UPLOADS = "exams.certificate_uploads"
INSTITUTION = {"inst_admin", "inst_staff"}
AUTHORITY = {"auth_admin", "auth_staff"}


def run(day: dt.date, name: str) -> int:
    """New messages of one provider on `day` (and it did not fail)."""
    done = run_due_reminders(today=day, only=[name])
    assert done.failed == {}
    return done.sent[name]


def received(kind: str) -> set[str]:
    return set(Message.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def message(kind: str) -> Message:
    return Message.objects.filter(kind=kind).order_by("id").first()


def file_objection(time_machine, registration, subject: str) -> Objection:
    """The candidate asks for a re-check on Tuesday 2026-12-22 at 09:00."""
    time_machine.move_to(fx.at(D(2026, 12, 22), 9))
    return services.objection_file(registration=registration, subject=subject, reason="成绩偏低")


def shows(kind: str, *, title: str, body: str, link: str, key: str, label: str) -> None:
    """The first message of `kind` reads exactly so (every recipient gets the same)."""
    got = message(kind)
    assert (got.title, got.body, got.link, got.dedupe_key, got.kind_label) == (title, body, link, key, label)


@pytest.fixture(autouse=True)
def others(users, authority, province):
    """Users who must never get these reminders: another institution of the same authority (admin and
    staff), and another authority whose region covers the institution just as the filing authority's does."""
    neighbour = f.InstitutionFactory(authority=authority, region=authority.region)
    f.UserFactory(username="other_admin", role=Role.INSTITUTION_ADMIN, institution=neighbour)
    f.UserFactory(username="other_staff", role=Role.INSTITUTION_STAFF, institution=neighbour)
    peer = f.AuthorityFactory(region=province)
    f.UserFactory(username="peer_staff", role=Role.AUTHORITY_STAFF, authority=peer)


@pytest.fixture
def publication(plan, cohort, inst_admin, after_exam, settings):
    """Published on Monday 2026-12-21: 公示 to 12-28 (5 working days), objections to 12-29 (6, set here so
    that every date stays in 2026, whose arrangement is confirmed); two passed, the third failed."""
    settings.DUDAO_RESULT_OBJECTION_WORKDAYS = 6
    a, b, c = cohort
    record(plan, inst_admin, {a: passing(), b: passing(), c: failing_theory()})
    published = services.results_publish(actor=inst_admin, plan=plan)
    assert (published.publicity_ends_on, published.objections_close_on) == (D(2026, 12, 28), D(2026, 12, 29))
    return published


def test_the_four_providers_are_registered():
    assert {OBJECTIONS, PUBLICATION, CONFIRMATION, UPLOADS} <= set(reminder_providers())


# ----------------------------------------------------------------------------------------- objections


def test_objection_due_soon_then_overdue_each_once(
    plan, institution, cohort, publication, time_machine, inst_admin
):
    objection = file_objection(time_machine, cohort[2], "theory")
    # handled by 2026-12-29: 5 working days after Tuesday 12-22 (23, 24, 25, 28, 29)
    assert run(D(2026, 12, 24), OBJECTIONS) == 0  # 3 working days left: not yet
    assert run(D(2026, 12, 25), OBJECTIONS) == 2  # 2 left: the institution's admin and staff
    assert received("exam.objection_due_soon") == INSTITUTION
    assert run(D(2026, 12, 25), OBJECTIONS) == 0  # a rerun sends nothing
    assert run(D(2026, 12, 29), OBJECTIONS) == 0  # the last day: still due, same deadline, already told
    shows(
        "exam.objection_due_soon",
        title=f"复核申请即将到期:{institution.name}(批次 PC-EXAM-1) 报名号 {cohort[2].number}",
        body="理论知识考试复核申请于 2026-12-22 提出,处理期限 2026-12-29,剩余 2 个工作日。"
        "有未处理的复核申请时不能发证。",
        link=f"/exams/{plan.pk}/results/#objections",
        key=f"exam.objection_due_soon:{objection.pk}:2026-12-29",
        label="复核申请即将到期",
    )
    assert not Message.objects.filter(kind="exam.objection_overdue").exists()
    # the day after the last day: overdue, to the institution and the authority holding the filing
    assert run(D(2026, 12, 30), OBJECTIONS) == 4
    assert received("exam.objection_overdue") == INSTITUTION | AUTHORITY
    shows(
        "exam.objection_overdue",
        title=f"复核申请处理已逾期:{institution.name}(批次 PC-EXAM-1) 报名号 {cohort[2].number}",
        body="理论知识考试复核申请于 2026-12-22 提出,处理期限 2026-12-29,已逾期 1 个工作日。"
        "有未处理的复核申请时不能发证。",
        link=f"/exams/{plan.pk}/results/#objections",
        key=f"exam.objection_overdue:{objection.pk}:2026-12-29",
        label="复核申请处理逾期",
    )
    assert run(D(2026, 12, 31), OBJECTIONS) == 0
    # handled: no more reminders, whatever the day
    services.objection_handle(actor=inst_admin, objection=objection, outcome="复核无误")
    Message.objects.all().delete()
    assert run(D(2026, 12, 30), OBJECTIONS) == 0


def test_the_handling_deadline_follows_the_setting(cohort, publication, time_machine, settings):
    objection = file_objection(time_machine, cohort[0], "practical")
    settings.DUDAO_OBJECTION_HANDLING_WORKDAYS = 3  # due 12-25 (Friday)
    assert run(D(2026, 12, 22), OBJECTIONS) == 0  # 3 working days left
    assert run(D(2026, 12, 23), OBJECTIONS) == 2
    assert run(D(2026, 12, 28), OBJECTIONS) == 4  # Monday after the weekend: overdue by 1 working day
    assert message("exam.objection_overdue").dedupe_key == f"exam.objection_overdue:{objection.pk}:2026-12-25"
    assert "已逾期 1 个工作日" in message("exam.objection_overdue").body
    # a moved deadline is a new deadline: told again
    settings.DUDAO_OBJECTION_HANDLING_WORKDAYS = 4  # due 12-28
    assert run(D(2026, 12, 29), OBJECTIONS) == 4


def test_objections_of_a_cancelled_plan_are_not_reminded(plan, cohort, publication, time_machine):
    file_objection(time_machine, cohort[2], "theory")
    ExamPlan.objects.filter(pk=plan.pk).update(status=ExamPlan.Status.CANCELLED)
    assert run(D(2026, 12, 30), OBJECTIONS) == 0


# ---------------------------------------------------------------------------------------- publication


def test_objection_window_closing_on_the_working_day_before(plan, institution, publication):
    # closes Tuesday 12-29: Friday 12-25 and Saturday 12-26 are two working days before, Monday 12-28 one
    assert run(D(2026, 12, 25), PUBLICATION) == 0
    assert run(D(2026, 12, 26), PUBLICATION) == 0
    assert run(D(2026, 12, 28), PUBLICATION) == 1
    assert received("exam.objection_window_closing") == {"inst_admin"}
    assert run(D(2026, 12, 29), PUBLICATION) == 0  # the last day: same window, already told
    shows(
        "exam.objection_window_closing",
        title=f"复核申请期即将截止:{institution.name}(批次 PC-EXAM-1)",
        body="复核申请截止日期 2026-12-29(剩余 1 个工作日),公示期至 2026-12-28。"
        "两者都截止且没有未处理的复核申请后即可发证;目前未处理的复核申请 0 件。",
        link=f"/exams/{plan.pk}/results/#publication",
        key=f"exam.objection_window_closing:{plan.pk}:2026-12-29",
        label="复核申请期即将截止",
    )
    assert not Message.objects.filter(kind="exam.certificates_ready").exists()  # not on the last day


def test_the_window_closing_on_its_last_day_is_still_told(publication):
    assert run(D(2026, 12, 29), PUBLICATION) == 1
    assert "剩余 0 个工作日" in message("exam.objection_window_closing").body
    assert run(D(2026, 12, 30), PUBLICATION) == 1  # closed: now certificates, not the window
    assert Message.objects.filter(kind="exam.objection_window_closing").count() == 1


def test_certificates_ready_after_both_windows_without_an_open_objection(
    plan, institution, cohort, publication, time_machine, inst_admin
):
    objection = file_objection(time_machine, cohort[0], "practical")
    assert run(D(2026, 12, 29), PUBLICATION) == 1  # only the window closing
    assert run(D(2026, 12, 30), PUBLICATION) == 0  # windows over, but an objection is open
    assert not Message.objects.filter(kind="exam.certificates_ready").exists()
    services.objection_handle(actor=inst_admin, objection=objection, outcome="维持原成绩")
    assert run(D(2026, 12, 30), PUBLICATION) == 1
    assert received("exam.certificates_ready") == {"inst_admin"}  # only the admin issues
    shows(
        "exam.certificates_ready",
        title=f"公示期已结束,可以发证:{institution.name}(批次 PC-EXAM-1)",
        body="公示期至 2026-12-28,复核申请已于 2026-12-29 截止,没有未处理的复核申请;2 名合格考生待发证。"
        "本机构尚未设置证书编码,请先联系备案机关设置。",
        link=f"/exams/{plan.pk}/results/#certificates",
        key=f"exam.certificates_ready:{plan.pk}:2026-12-29",
        label="公示期满待发证",
    )
    assert run(D(2026, 12, 31), PUBLICATION) == 0


def test_certificates_ready_only_while_someone_waits(plan, publication, issuer, inst_admin):
    assert run(D(2026, 12, 30), PUBLICATION) == 1
    assert message("exam.certificates_ready").body.endswith("2 名合格考生待发证。")  # the issuer is set
    Message.objects.all().delete()
    services.certificates_issue(actor=inst_admin, plan=plan, today=D(2026, 12, 30))
    assert run(D(2026, 12, 30), PUBLICATION) == 0


def test_a_cancelled_plan_is_not_reminded_to_issue(plan, publication):
    ExamPlan.objects.filter(pk=plan.pk).update(status=ExamPlan.Status.CANCELLED)
    assert run(D(2026, 12, 28), PUBLICATION) == 0
    assert run(D(2026, 12, 30), PUBLICATION) == 0


# ------------------------------------------------------------------------------- results confirmation


def test_results_to_confirm_once_per_submission(
    plan, institution, authority, cohort, inst_admin, auth_staff, users, after_exam, time_machine
):
    services.results_policy_set(actor=users[Role.AUTHORITY_ADMIN], authority=authority, confirm_required=True)
    a, b, c = cohort
    record(plan, inst_admin, {a: passing(), b: passing(), c: failing_theory()})
    assert run(D(2026, 12, 21), CONFIRMATION) == 0  # nothing submitted
    time_machine.move_to(fx.at(D(2026, 12, 21), 10, 30))
    confirmation = services.results_submit(actor=inst_admin, plan=plan)
    assert run(D(2026, 12, 21), CONFIRMATION) == 2
    assert received("exam.results_to_confirm") == AUTHORITY  # the filing authority, nobody else
    assert run(D(2026, 12, 28), CONFIRMATION) == 0  # no deadline: told once, not again
    submitted = timezone.localtime(confirmation.requested_at).isoformat()
    assert submitted.startswith("2026-12-21T10:30:")
    shows(
        "exam.results_to_confirm",
        title=f"成绩待确认:{institution.name}(批次 PC-EXAM-1)",
        body="评价机构于 2026-12-21 10:30 提交了成绩,请确认,或写明原因退回;确认后评价机构方可公示。",
        link=f"/exams/{plan.pk}/results/#confirmation",
        key=f"exam.results_to_confirm:{confirmation.pk}:{submitted}",
        label="成绩待确认",
    )
    services.results_confirm(actor=auth_staff, plan=plan, approve=False, reason="缺签名")
    assert run(D(2026, 12, 22), CONFIRMATION) == 0  # returned: the institution's turn
    time_machine.move_to(fx.at(D(2026, 12, 22), 15))
    services.results_submit(actor=inst_admin, plan=plan)
    assert run(D(2026, 12, 22), CONFIRMATION) == 2  # a new submission is told again
    again = Message.objects.filter(kind="exam.results_to_confirm").order_by("id").last()
    assert "2026-12-22 15:00 提交" in again.body
    services.results_confirm(actor=auth_staff, plan=plan, approve=True)
    Message.objects.all().delete()
    assert run(D(2026, 12, 23), CONFIRMATION) == 0


# ---------------------------------------------------------------------------------- national upload


def test_upload_due_soon_then_overdue(plan, institution, issued):
    # two certificates issued 2027-01-15: deadline 2027-07-15 (six calendar months, that day still in time)
    assert run(D(2027, 6, 14), UPLOADS) == 0  # 31 days left
    assert run(D(2027, 6, 15), UPLOADS) == 1  # 30 days left: the issuing institution's admin
    assert received("exam.upload_due_soon") == {"inst_admin"}
    shows(
        "exam.upload_due_soon",
        title=f"证书信息即将到期上报:{institution.name}(批次 PC-EXAM-1)",
        body="2 本证书待上报,最迟上报日期 2027-07-15,剩余 30 天;下一个上报日 2027-06-25。",
        link=f"/exams/{plan.pk}/results/#uploads",
        key=f"exam.upload_due_soon:{plan.pk}:2027-07-15",
        label="证书信息即将到期上报",
    )
    assert run(D(2027, 6, 16), UPLOADS) == 0
    assert run(D(2027, 7, 15), UPLOADS) == 0  # the last day: in time, already told
    assert not Message.objects.filter(kind="exam.upload_overdue").exists()
    assert run(D(2027, 7, 16), UPLOADS) == 3  # overdue: the admin and the filing authority
    assert received("exam.upload_overdue") == {"inst_admin"} | AUTHORITY
    shows(
        "exam.upload_overdue",
        title=f"证书信息超过 6 个月未上报:{institution.name}(批次 PC-EXAM-1)",
        body="2 本证书已过最迟上报日期(最早 2027-07-15)仍未上报,本批次证书信息上报不及时;"
        "请尽快导出上报文件,上报国家查询系统后登记回执。",
        link=f"/exams/{plan.pk}/results/#uploads",
        key=f"exam.upload_overdue:{plan.pk}:2027-07-15",
        label="证书信息超期未上报",
    )
    assert run(D(2027, 7, 17), UPLOADS) == 0


def test_no_upload_day_left_before_the_deadline(issued):
    assert run(D(2027, 7, 11), UPLOADS) == 1  # the next upload day, 07-25, is after the deadline
    assert message("exam.upload_due_soon").body == "2 本证书待上报,最迟上报日期 2027-07-15,剩余 4 天。"
    # issued on the 25th instead: the deadline is itself an upload day, still worth naming
    Certificate.objects.update(issued_on=D(2027, 1, 25))
    Message.objects.all().delete()
    assert run(D(2027, 7, 11), UPLOADS) == 1
    assert message("exam.upload_due_soon").body == (
        "2 本证书待上报,最迟上报日期 2027-07-25,剩余 14 天;下一个上报日 2027-07-25。"
    )


def test_an_export_awaiting_its_receipt_is_still_reminded_a_confirmed_one_not(plan, inst_admin, issued):
    upload = services.certificate_upload_export(actor=inst_admin, plan=plan)
    assert run(D(2027, 7, 16), UPLOADS) == 3  # exported is not uploaded
    Message.objects.all().delete()
    services.certificate_upload_confirm(
        actor=inst_admin, upload=upload, receipt_number="HZ-2027-001", receipt_date="2027-01-20"
    )
    assert run(D(2027, 7, 16), UPLOADS) == 0


def test_nothing_to_remind_on_an_empty_platform(db):
    for name in (OBJECTIONS, PUBLICATION, CONFIRMATION, UPLOADS):
        assert run(D(2026, 12, 3), name) == 0
    assert not Objection.objects.exists()
