"""Home page to-do panel (issue 9 §3.3): per role, scoped, with working-day deadlines, N+1-free."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.registry.models import Batch
from dudao.renewals.models import RenewalApplication
from dudao.scorecards import services as scorecard_services
from dudao.scorecards.models import Evaluation, EvaluationMember, ScoreFormVersion
from dudao.supervision.models import Opinion, Rectification, SupervisionTask, TaskMember
from dudao.web.charts import charts_for
from dudao.web.todo import SHOWN_PER_GROUP, todo_for
from tests import factories as f
from tests.clock import TODAY

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def task(institution, status="dispatched", **extra) -> SupervisionTask:
    starts = timezone.now() + dt.timedelta(days=3)
    return SupervisionTask.objects.create(
        number=f"T-{next(_n):04d}",
        authority=institution.authority,
        institution=institution,
        kind="special",
        supervisor_kind="external",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=4),
        report_due_on=extra.pop("report_due_on", TODAY + dt.timedelta(days=10)),
        dispatched_at=timezone.now(),
        status=status,
        **extra,
    )


def member(t, user, response="pending") -> TaskMember:
    supervisor = user.person.supervisor_roles.get()
    return TaskMember.objects.create(task=t, supervisor=supervisor, response=response, role="leader")


def renewal(institution, applicant, status="submitted", decide_by=None) -> RenewalApplication:
    filing = f.FilingFactory(institution=institution)
    return RenewalApplication.objects.create(
        institution=institution,
        filing=filing,
        authority=institution.authority,
        kind="social",
        status=status,
        received_on=TODAY,
        expires_on=TODAY + dt.timedelta(days=60),
        decision_workdays=20,
        decide_by=decide_by or TODAY + dt.timedelta(days=20),
        period_start=TODAY - dt.timedelta(days=1400),
        applicant=applicant,
    )


def groups(user) -> dict[str, list]:
    return {g.key: g for g in todo_for(user)}


def test_authority_sees_renewals_to_accept_with_working_days_left(users, institution, other_institution):
    staff = users["authority_staff"]
    app = renewal(institution, users["institution_admin"], decide_by=TODAY + dt.timedelta(days=7))
    renewal(other_institution, users["institution_admin"])  # other province: not shown
    group = groups(staff)["renewal_submitted"]
    assert group.total == 1
    (item,) = group.items
    assert item.title == institution.name
    assert item.url == f"/renewals/{app.pk}/"
    assert item.deadline == "剩余 5 个工作日"  # Thu 2026-12-03 → Thu 12-10
    assert not item.overdue


def test_a_renewal_decided_by_a_city_is_no_to_do_of_the_province(users, institution, authority):
    """REN-7: only the authority holding the filing acts; the province reads its cities' applications."""
    staff = users["authority_staff"]
    city_region = f.RegionFactory(code="360100", name="南昌市", kind="city", parent=authority.region)
    city = f.AuthorityFactory(code="JX-NC", name="南昌市人社局", region=city_region)
    app = renewal(institution, users["institution_admin"])
    RenewalApplication.objects.filter(pk=app.pk).update(authority=city)
    assert "renewal_submitted" not in groups(staff)
    RenewalApplication.objects.filter(pk=app.pk).update(authority=authority)
    assert groups(staff)["renewal_submitted"].total == 1
    assert groups(users["superuser"])["renewal_submitted"].total == 1


def test_deadline_boundary_due_today_is_not_overdue_yesterday_is(users, institution):
    staff = users["authority_staff"]
    renewal(institution, users["institution_admin"], decide_by=TODAY)
    (item,) = groups(staff)["renewal_submitted"].items
    assert not item.overdue
    RenewalApplication.objects.update(decide_by=TODAY - dt.timedelta(days=1))
    (item,) = groups(staff)["renewal_submitted"].items
    assert item.overdue
    assert item.deadline == "已逾期 1 个工作日"


def test_authority_groups_for_supervision_steps(users, institution):
    staff = users["authority_staff"]
    task(institution, "report_submitted")
    sent = task(institution, "sent_to_institution")
    Opinion.objects.create(
        task=sent,
        kind="preliminary",
        body="意见",
        prepared_by=staff,
        defence_due_on=TODAY + dt.timedelta(days=1),
    )
    task(institution, "rectification_submitted")
    task(institution, "declined")
    got = groups(staff)
    assert {"report_review", "defence_window", "rectification_review", "declined"} <= set(got)
    assert got["defence_window"].items[0].deadline == "剩余 1 个工作日"


def test_supervisor_sees_tasks_to_accept_and_reports_due(users, institution):
    sup = users["external_supervisor"]
    waiting = task(institution)
    member(waiting, sup)
    doing = task(institution, "accepted", report_due_on=TODAY - dt.timedelta(days=1))
    member(doing, sup, response="accepted")
    task(institution)  # not a member: not shown
    got = groups(sup)
    assert [i.url for i in got["task_accept"].items] == [f"/supervision/tasks/{waiting.pk}/"]
    (due,) = got["report_due"].items
    assert due.overdue and due.deadline == "已逾期 1 个工作日"
    assert "renewal_submitted" not in got


def test_institution_sees_defence_rectification_and_renewal(users, institution, other_institution):
    admin = users["institution_admin"]
    sent = task(institution, "sent_to_institution")
    Opinion.objects.create(
        task=sent,
        kind="preliminary",
        body="意见",
        prepared_by=admin,
        defence_due_on=TODAY + dt.timedelta(days=2),
    )
    ordered = task(institution, "rectification_ordered")
    Rectification.objects.create(task=ordered, requirements="整改", due_on=TODAY, ordered_by=admin)
    other = task(other_institution, "rectification_ordered")
    Rectification.objects.create(task=other, requirements="整改", due_on=TODAY, ordered_by=admin)
    covert = task(institution, "accepted", covert=True)  # hidden until its report
    member(covert, users["external_supervisor"], response="accepted")
    renewal(institution, admin, status="rectifying").__class__.objects.filter(status="rectifying").update(
        rectification_deadline=TODAY + dt.timedelta(days=30)
    )
    got = groups(admin)
    assert got["defence"].total == 1
    assert got["rectification_due"].total == 1
    assert got["rectification_due"].items[0].deadline == "剩余 0 个工作日"
    assert got["renewal_steps"].items[0].title == "整改中"
    assert "task_accept" not in got


def test_evaluation_member_sees_signature_waiting(users, institution):
    examiner = users["examiner"]
    scorecard_services.form_versions_load_shipped(actor=None)
    form = ScoreFormVersion.objects.first()
    evaluation = Evaluation.objects.create(
        institution=institution,
        authority=institution.authority,
        form_version=form,
        purpose="other",
        status="submitted",
        opened_by=users["authority_staff"],
        leader=examiner,
    )
    EvaluationMember.objects.create(evaluation=evaluation, user=examiner)
    assert groups(examiner)["evaluation_sign"].items[0].url == f"/scorecards/{evaluation.pk}/"
    EvaluationMember.objects.filter(user=examiner).update(signed_at=timezone.now())
    assert "evaluation_sign" not in groups(examiner)


def test_group_shows_a_page_and_counts_the_rest(users, institution):
    for _ in range(SHOWN_PER_GROUP + 2):
        task(institution, "report_submitted")
    group = groups(users["authority_staff"])["report_review"]
    assert (group.total, len(group.items), group.more) == (SHOWN_PER_GROUP + 2, SHOWN_PER_GROUP, 2)


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as ctx:
        callable_()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["authority_staff", "institution_admin", "external_supervisor"])
def test_todo_and_charts_cost_the_same_queries_for_one_row_or_many(role, users, institution):
    user = users[role]

    def add_rows():
        sent = task(institution, "sent_to_institution")
        Opinion.objects.create(
            task=sent, kind="preliminary", body="意见", prepared_by=user, defence_due_on=TODAY
        )
        mine = task(institution)
        member(mine, users["external_supervisor"])
        renewal(institution, users["institution_admin"])
        task(institution, "report_submitted")

    add_rows()
    todo_for(user), charts_for(user)  # warm the calendar cache
    one = _queries(lambda: (todo_for(user), charts_for(user)))
    for _ in range(3):
        add_rows()
    many = _queries(lambda: (todo_for(user), charts_for(user)))
    assert one == many


def test_charts_for_roles(users, institution):
    kinds = [c["id"] for c in charts_for(users["authority_staff"])]
    assert kinds == ["coverage", "severity", "renewals", "workload"]
    assert [c["id"] for c in charts_for(users["institution_admin"])] == ["severity", "renewals"]
    assert charts_for(users["examiner"]) == []


def test_workload_and_renewal_state_figures(users, institution, other_institution):
    sup = users["external_supervisor"]
    member(task(institution), sup)
    member(task(institution, "accepted"), sup, response="accepted")
    member(task(institution, "closed"), sup, response="accepted")  # closed: not workload
    renewal(institution, users["institution_admin"])
    renewal(other_institution, users["institution_admin"])  # out of scope
    charts = {c["id"]: c["data"] for c in charts_for(users["authority_staff"])}
    assert charts["workload"] == {"labels": [sup.person.name], "values": [2]}
    renewals = dict(zip(charts["renewals"]["labels"], charts["renewals"]["values"], strict=True))
    assert renewals["已提交"] == 1 and sum(renewals.values()) == 1


def test_home_page_shows_the_waiting_item_with_its_link(users, institution, client_as):
    sup = users["external_supervisor"]
    waiting = task(institution)
    member(waiting, sup)
    html = client_as(sup).get("/").content.decode()
    assert "待接受督导任务" in html
    assert f'href="/supervision/tasks/{waiting.pk}/"' in html
    assert "上线后会显示" not in html


def test_audit_admin_sees_recent_failed_logins_only(users):
    from dudao.accounts.models import LoginEvent, Role

    auditor = f.UserFactory(username="auditor", role=Role.AUDIT_ADMIN)
    LoginEvent.objects.create(username="mallory", ip="10.0.0.9", success=False)
    LoginEvent.objects.create(username="alice", ip="10.0.0.8", success=True)
    old = LoginEvent.objects.create(username="old", ip="10.0.0.7", success=False)
    LoginEvent.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=8))
    (group,) = todo_for(auditor)
    assert group.key == "failed_logins"
    assert [i.title for i in group.items] == ["mallory"]
    assert todo_for(f.UserFactory(username="secadm", role=Role.SECURITY_ADMIN)) == []


def test_examiner_sees_the_planned_batches_of_the_team_from_today_on(users, institution, client_as):
    examiner_user = users["examiner"]
    examiner = examiner_user.person.examiner
    other = f.ExaminerFactory(authority=institution.authority)
    filing = f.FilingFactory(institution=institution)
    occupation = f.OccupationFactory(name="焊工")
    venue = f.VenueFactory(institution=institution)
    midnight = timezone.make_aware(dt.datetime.combine(TODAY, dt.time.min))

    def batch(code: str, starts: dt.datetime, team, status="planned") -> Batch:
        row = Batch.objects.create(
            code=code,
            institution=institution,
            filing=filing,
            occupation=occupation,
            levels=[4],
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=4),
            venue=venue,
            status=status,
        )
        row.examiners.set(team)
        return row

    batch("PC-LATER", midnight + dt.timedelta(days=10, hours=9), [examiner, other])
    batch("PC-TODAY", midnight, [examiner])  # starts at today's first moment: still to come
    batch("PC-YESTERDAY", midnight - dt.timedelta(minutes=1), [examiner])  # begun before today
    batch("PC-CANCELLED", midnight + dt.timedelta(days=2, hours=9), [examiner], status="cancelled")
    batch("PC-OTHER", midnight + dt.timedelta(days=3, hours=9), [other])  # not on the team
    group = groups(examiner_user)["examiner_batches"]
    record = f"/people/examiners/{examiner.pk}/"
    assert (group.label, group.total) == ("待参加的考评", 2)
    assert [(i.title, i.detail, i.url, i.due_on) for i in group.items] == [
        (institution.name, f"{TODAY:%Y-%m-%d} 00:00 开始 · 焊工 · 批次 PC-TODAY", record, TODAY),
        (
            institution.name,
            f"{TODAY + dt.timedelta(days=10):%Y-%m-%d} 09:00 开始 · 焊工 · 批次 PC-LATER",
            record,
            TODAY + dt.timedelta(days=10),
        ),
    ]
    assert "examiner_batches" not in groups(users["authority_staff"])
    html = client_as(examiner_user).get("/").content.decode()
    assert "待参加的考评" in html and f'href="{record}"' in html
    assert client_as(examiner_user).get(record).status_code == 200  # the link is one the examiner may follow
