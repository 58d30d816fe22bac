"""The yearly cycle (ACT-6, RAND-1): the annual supervision plan (one per authority and year, draft →
published → immutable, a correction is a new version), the links of draws and tasks to it, the progress and
the year-end summary computed from the records with the year's boundaries (1 January / 31 December), the
API permission matrix (denials change nothing) and the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.supervision import selectors_plans as sel
from dudao.supervision import services
from dudao.supervision.models import Penalty, Rectification, SupervisionTask
from dudao.supervision.models_plans import AnnualPlan, AnnualSummary
from dudao.supervision.services import annual_plans as svc
from tests import factories as f
from tests.conftest import client_for
from tests.factories import current_version
from tests.supervision.app_support import API, World, api, counts, local

pytestmark = pytest.mark.django_db

BASE = {"responsible": "张科长", "target_institutions": 2, "target_tasks": 4, "draws_per_year": 2}


def plan_counts() -> dict[str, int]:
    return {
        **counts(),
        "plans": AnnualPlan.objects.count(),
        "plan_versions": sum(AnnualPlan.objects.values_list("row_version", flat=True)),
        "summaries": AnnualSummary.objects.count(),
        "summary_versions": sum(AnnualSummary.objects.values_list("row_version", flat=True)),
    }


def published(w: World, year: int = 2026, **extra) -> AnnualPlan:
    plan = svc.annual_plan_create(actor=w.auth_staff, year=year, **{**BASE, **extra})
    return svc.annual_plan_publish(actor=w.auth_staff, plan=plan, row_version=plan.row_version)


def task_at(w: World, when: dt.datetime, *, supervisor=None, institution=None) -> SupervisionTask:
    return w.task(
        "dispatched",
        supervisor or w.s1,
        starts_at=when,
        ends_at=when + dt.timedelta(hours=1),
        institution=institution or w.institution,
    )


# ------------------------------------------------------------------------------------------ plan
def test_create_draft_with_defaults_and_audit(world):
    plan = svc.annual_plan_create(
        actor=world.auth_staff,
        year=2027,
        draw_ratio="0.2",
        risk_draw_ratio="0.5",
        items=["self_inspection", "external_inspection"],
        schedule=[{"quarter": 2, "content": "机构自查"}, {"quarter": 1, "content": ""}],
        **BASE,
    )
    assert plan.status == "draft" and plan.version == 1 and plan.previous is None
    assert plan.title == f"{world.authority.name}2027年度督导工作计划"
    assert plan.draw_ratio == Decimal("0.2000") and plan.risk_draw_ratio == Decimal("0.5000")
    assert plan.schedule == [{"quarter": 2, "content": "机构自查"}]
    assert (
        AuditEvent.objects.filter(action="supervision.annual_plan.create", object_id=str(plan.pk)).count()
        == 1
    )


@pytest.mark.parametrize(
    ("ratio", "risk", "ok"),
    [("0.2", "0.2", True), ("0.2", "0.1999", False), ("1", "1", True), ("0", "1.0001", False)],
)
def test_risky_targets_are_drawn_at_no_lower_ratio(world, ratio, risk, ok):
    """RAND-1: the ratio is raised for risky targets; equal is allowed, lower or above 1 refused."""
    call = lambda: svc.annual_plan_create(  # noqa: E731
        actor=world.auth_staff, year=2027, draw_ratio=ratio, risk_draw_ratio=risk, **BASE
    )
    if ok:
        assert call().risk_draw_ratio == Decimal(risk)
    else:
        with pytest.raises(ValidationFailed) as exc:
            call()
        assert list(exc.value.detail) == ["risk_draw_ratio"]
        assert AnnualPlan.objects.count() == 0


def test_one_plan_per_authority_and_year(world):
    published(world, 2026)
    before = plan_counts()
    with pytest.raises(Conflict):
        svc.annual_plan_create(actor=world.auth_admin, year=2026, **BASE)
    assert plan_counts() == before
    # another year is free
    assert svc.annual_plan_create(actor=world.auth_admin, year=2027, **BASE).year == 2027


def test_a_second_draft_of_the_same_year_is_refused_too(world):
    svc.annual_plan_create(actor=world.auth_staff, year=2027, **BASE)
    with pytest.raises(Conflict):
        svc.annual_plan_create(actor=world.auth_staff, year=2027, **BASE)
    assert AnnualPlan.objects.count() == 1


def test_update_needs_the_current_version_and_a_draft(world):
    plan = svc.annual_plan_create(actor=world.auth_staff, year=2027, **BASE)
    with pytest.raises(ValidationFailed):
        svc.annual_plan_update(actor=world.auth_staff, plan=plan, row_version=None, target_tasks=9)
    with pytest.raises(Conflict):
        svc.annual_plan_update(
            actor=world.auth_staff, plan=plan, row_version=plan.row_version + 1, target_tasks=9
        )
    plan = svc.annual_plan_update(
        actor=world.auth_staff, plan=plan, row_version=plan.row_version, target_tasks=9
    )
    assert plan.target_tasks == 9 and plan.row_version == 2
    plan = svc.annual_plan_publish(actor=world.auth_staff, plan=plan, row_version=plan.row_version)
    before = plan_counts()
    with pytest.raises(IllegalTransition):
        svc.annual_plan_update(
            actor=world.auth_staff, plan=plan, row_version=plan.row_version, target_tasks=1
        )
    with pytest.raises(IllegalTransition):
        svc.annual_plan_publish(actor=world.auth_staff, plan=plan, row_version=plan.row_version)
    assert plan_counts() == before
    assert AnnualPlan.objects.get(pk=plan.pk).target_tasks == 9


def test_correction_is_a_new_version_that_supersedes_on_publication(world):
    v1 = published(world, 2026)
    task = task_at(world, local(dt.date(2026, 12, 10), 9))
    assert task.annual_plan_id == v1.pk
    with pytest.raises(ValidationFailed):
        svc.annual_plan_correct(actor=world.auth_staff, plan=v1, reason=" ", row_version=v1.row_version)
    v2 = svc.annual_plan_correct(
        actor=world.auth_staff, plan=v1, reason="增加抽取次数", row_version=v1.row_version
    )
    assert (v2.version, v2.previous_id, v2.status, v2.target_tasks) == (2, v1.pk, "draft", 4)
    with pytest.raises(Conflict):  # one pending correction at a time
        svc.annual_plan_correct(actor=world.auth_staff, plan=v1, reason="再改", row_version=v1.row_version)
    # the old version stays in force until the new one is published
    assert sel.published_plan(world.authority, 2026).pk == v1.pk
    v2 = svc.annual_plan_update(actor=world.auth_staff, plan=v2, row_version=v2.row_version, draws_per_year=3)
    v2 = svc.annual_plan_publish(actor=world.auth_staff, plan=v2, row_version=v2.row_version)
    v1.refresh_from_db()
    task.refresh_from_db()
    assert (v1.status, v2.status) == ("superseded", "published")
    assert task.annual_plan_id == v2.pk
    assert sel.published_plan(world.authority, 2026).pk == v2.pk
    with pytest.raises(IllegalTransition):  # a superseded version cannot be corrected again
        svc.annual_plan_correct(actor=world.auth_staff, plan=v1, reason="x", row_version=v1.row_version)


def test_draws_and_tasks_link_to_the_published_plan_of_their_own_year(world):
    before_plan = task_at(world, local(dt.date(2026, 12, 10), 9))
    assert before_plan.annual_plan_id is None
    plan = published(world, 2026)
    before_plan.refresh_from_db()
    assert before_plan.annual_plan_id == plan.pk  # linked when the plan is published
    in_year = task_at(world, local(dt.date(2026, 12, 31), 23, 59), supervisor=world.s2)
    next_year = task_at(world, local(dt.date(2027, 1, 1), 0, 0), supervisor=world.s3)
    assert in_year.annual_plan_id == plan.pk
    assert next_year.annual_plan_id is None
    draw = services.draw_define(
        actor=world.auth_staff,
        title="抽取",
        period_start=dt.date(2026, 12, 20),
        period_end=dt.date(2027, 1, 20),
    )
    assert draw.annual_plan_id == plan.pk
    draw_2027 = services.draw_define(
        actor=world.auth_staff,
        title="抽取",
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 1, 20),
    )
    assert draw_2027.annual_plan_id is None


@pytest.mark.parametrize("role", [Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF, "supervisor"])
def test_institutions_and_supervisors_cannot_make_or_see_plans(world, role):
    plan = published(world, 2026)
    user = world.s1.user if role == "supervisor" else world.users[role]
    before = plan_counts()
    with pytest.raises(PermissionDenied):
        svc.annual_plan_create(actor=user, year=2027, authority=world.authority.pk, **BASE)
    with pytest.raises(NotFound):
        svc.annual_plan_correct(actor=user, plan=plan, reason="x", row_version=plan.row_version)
    with pytest.raises(PermissionDenied):
        svc.annual_summary_generate(actor=user, year=2026, authority=world.authority.pk)
    assert plan_counts() == before
    assert not sel.plans_for(user).exists()


def test_a_superior_authority_sees_but_does_not_write_a_subordinate_plan(world):
    city = f.AuthorityFactory(
        region=f.RegionFactory(code="360700", name="赣州市"), code="GZ", name="赣州市人社局"
    )
    city_staff = f.UserFactory(username="gz_staff", role=Role.AUTHORITY_STAFF, authority=city)
    plan = svc.annual_plan_create(actor=city_staff, year=2027, **BASE)
    assert sel.plans_for(world.auth_staff).filter(pk=plan.pk).exists()
    assert not sel.plans_for(city_staff).exclude(authority=city).exists()
    with pytest.raises(PermissionDenied):
        svc.annual_plan_publish(actor=world.auth_staff, plan=plan, row_version=plan.row_version)
    assert AnnualPlan.objects.get(pk=plan.pk).status == "draft"


# ------------------------------------------------------------------------------- year boundaries
def test_the_year_counts_from_january_1st_to_december_31st(world):
    """Tasks starting 2025-12-31 23:59 and 2027-01-01 00:00 stay out of 2026; 2026-01-01 00:00 and
    2026-12-31 23:59 count (the boundaries on both sides)."""
    task_at(world, local(dt.date(2025, 12, 31), 23, 59), supervisor=world.s1)
    task_at(world, local(dt.date(2026, 1, 1), 0, 0), supervisor=world.s2)
    task_at(world, local(dt.date(2026, 12, 31), 23, 59), supervisor=world.s3, institution=world.institution_b)
    task_at(world, local(dt.date(2027, 1, 1), 0, 0), supervisor=world.s4)
    fig = sel.year_figures(world.authority, 2026)
    assert (fig["tasks_total"], fig["institutions_covered"]) == (2, 2)
    assert sel.year_figures(world.authority, 2025)["tasks_total"] == 1
    assert sel.year_figures(world.authority, 2027)["tasks_total"] == 1


def test_progress_and_summary_figures_from_the_records(world, special):
    plan = published(world, 2026, target_batches=3)
    special.final()  # a special task (this week) with one major finding, its opinion issued
    daily = world.task("closed", world.s4, batch=world.b2)  # a daily task through rectification to closure
    cancelled = world.task("dispatched", world.s5, batch=world.b3, institution=world.institution_b)
    services.task_cancel(
        actor=world.auth_staff, task=cancelled, reason="取消", row_version=cancelled.row_version
    )
    services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="order_to_correct",
        ground="other",
        description="x",
    )
    fig = sel.year_figures(world.authority, 2026)
    assert fig["tasks_total"] == 2 and fig["tasks_done"] == 1
    assert fig["tasks_by_kind"] == {"daily": 1, "special": 1}
    assert fig["institutions_covered"] == 1 and fig["batches_covered"] == 2
    assert fig["findings_by_severity"] == {"minor": 0, "major": 2, "serious": 0}
    # the special task's rectification is still open; the daily task's passed its re-verification
    assert Rectification.objects.get(task=daily).status == "passed"
    assert fig["rectifications_total"] == 2
    assert (fig["rectifications_closed"], fig["rectifications_on_time"], fig["rectifications_late"]) == (
        1,
        1,
        0,
    )
    assert fig["penalties_by_kind"] == {"order_to_correct": 1} and fig["penalties_total"] == 1
    progress = {r["label"]: (r["planned"], r["done"], r["percent"]) for r in sel.plan_progress(plan)}
    assert progress["督导任务(已办结)"] == (4, 1, 25)
    assert progress["覆盖评价机构"] == (2, 1, 50)
    assert progress["督导评价批次"] == (3, 2, 67)
    assert progress["整改复核通过"] == (2, 1, 50)


def test_a_late_rectification_counts_late_from_the_day_after_its_deadline(world):
    task = world.task("rectification_ordered", world.s1)
    rect = Rectification.objects.get(task=task)
    Rectification.objects.filter(pk=rect.pk).update(due_on=dt.date(2026, 12, 3))  # today: not yet late
    assert sel.year_figures(world.authority, 2026)["rectifications_late"] == 0
    Rectification.objects.filter(pk=rect.pk).update(due_on=dt.date(2026, 12, 2))
    assert sel.year_figures(world.authority, 2026)["rectifications_late"] == 1


# ------------------------------------------------------------------------------------------ summary
def test_summary_generate_edit_finalise_and_immutability(world):
    plan = published(world, 2026)
    task_at(world, local(dt.date(2026, 3, 1), 9))
    s = svc.annual_summary_generate(actor=world.auth_staff, year=2026)
    assert s.plan_id == plan.pk and s.status == "draft"
    assert s.figures["tasks_total"] == 1 and s.figures["plan"]["target_tasks"] == 4
    with pytest.raises(Conflict):
        svc.annual_summary_generate(actor=world.auth_admin, year=2026)
    with pytest.raises(ValidationFailed):  # the overview is needed before finalising
        svc.annual_summary_finalise(actor=world.auth_staff, summary=s, row_version=s.row_version)
    s = svc.annual_summary_update(
        actor=world.auth_staff, summary=s, row_version=s.row_version, overview="全年开展督导"
    )
    task_at(world, local(dt.date(2026, 6, 1), 9), supervisor=world.s2)
    s = svc.annual_summary_finalise(actor=world.auth_staff, summary=s, row_version=s.row_version)
    assert s.status == "final" and s.figures["tasks_total"] == 2  # recomputed at finalisation
    before = plan_counts()
    with pytest.raises(IllegalTransition):
        svc.annual_summary_update(actor=world.auth_staff, summary=s, row_version=s.row_version, overview="改")
    with pytest.raises(IllegalTransition):
        svc.annual_summary_refresh(actor=world.auth_staff, summary=s, row_version=s.row_version)
    task_at(world, local(dt.date(2026, 7, 1), 9), supervisor=world.s3)
    s.refresh_from_db()
    assert s.figures["tasks_total"] == 2 and s.overview == "全年开展督导"
    assert plan_counts()["summary_versions"] == before["summary_versions"]


def test_summary_without_a_plan_and_complaints_counted(world):
    from dudao.complaints.models import Complaint

    s = svc.annual_summary_generate(actor=world.auth_staff, year=2026)
    assert s.plan is None and s.figures["complaints_received"] == Complaint.objects.count() == 0
    assert "plan" not in s.figures


# ------------------------------------------------------------------------------------------- API
SU, AA, AS, IA, IS, ES, OA = (
    "superuser",
    Role.AUTHORITY_ADMIN,
    Role.AUTHORITY_STAFF,
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_STAFF,
    Role.EXTERNAL_SUPERVISOR,
    "other_authority",
)
ROLES = [SU, AA, AS, IA, IS, ES, OA, "anonymous"]


def actor(w: World, role: str):
    if role == "anonymous":
        return None
    if role == OA:
        return f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=w.other_authority)
    if role == ES:
        return w.s1.user
    return w.users[role]


def _setup(w: World, endpoint: str):
    if endpoint == "create":
        return "post", f"{API}/annual-plans", {"year": 2027, "authority_id": w.authority.pk, **BASE}
    if endpoint == "publish":
        plan = svc.annual_plan_create(actor=w.auth_staff, year=2027, **BASE)
        return "post", f"{API}/annual-plans/{plan.pk}/publish", {"row_version": plan.row_version}
    if endpoint == "correct":
        plan = published(w, 2026)
        return (
            "post",
            f"{API}/annual-plans/{plan.pk}/correct",
            {"reason": "调整", "row_version": plan.row_version},
        )
    if endpoint == "summary":
        return "post", f"{API}/annual-summaries", {"year": 2026, "authority_id": w.authority.pk}
    if endpoint == "finalise":
        s = svc.annual_summary_generate(actor=w.auth_staff, year=2026)
        s = svc.annual_summary_update(
            actor=w.auth_staff, summary=s, row_version=s.row_version, overview="概述"
        )
        return "post", f"{API}/annual-summaries/{s.pk}/finalise", {"row_version": s.row_version}
    raise AssertionError(endpoint)


MATRIX = {
    #             SU   AA   AS   IA   IS   ES   OA   AN
    "create": [201, 201, 201, 403, 403, 403, 404, 401],
    "publish": [200, 200, 200, 404, 404, 404, 404, 401],
    "correct": [201, 201, 201, 404, 404, 404, 404, 401],
    "summary": [201, 201, 201, 403, 403, 403, 404, 401],
    "finalise": [200, 200, 200, 404, 404, 404, 404, 401],
}
CASES = [(e, role, expected[i]) for e, expected in MATRIX.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES, ids=[f"{e}-{r}" for e, r, _ in CASES])
def test_permission_matrix(world, endpoint, role, expected):
    user = actor(world, role)
    method, url, body = _setup(world, endpoint)
    before = plan_counts()
    response = api(user, method, url, body)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert plan_counts() == before
        assert set(response.json()) == {"code", "message", "detail"}
    else:
        assert plan_counts() != before


def test_api_second_published_plan_is_409_and_stale_version_409(world):
    plan = published(world, 2026)
    response = api(world.auth_staff, "post", f"{API}/annual-plans", {"year": 2026, **BASE})
    assert response.status_code == 409 and response.json()["code"] == "plan_exists"
    draft = svc.annual_plan_create(actor=world.auth_staff, year=2027, **BASE)
    stale = api(
        world.auth_staff, "patch", f"{API}/annual-plans/{draft.pk}", {"target_tasks": 1, "row_version": 9}
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    immutable = api(
        world.auth_staff, "patch", f"{API}/annual-plans/{plan.pk}", {"target_tasks": 1, "row_version": 2}
    )
    assert immutable.status_code == 409
    bad = api(
        world.auth_staff, "patch", f"{API}/annual-plans/{draft.pk}", {"draw_ratio": "0.5", "row_version": 1}
    )
    assert bad.status_code == 422 and "risk_draw_ratio" in bad.json()["detail"]
    assert AnnualPlan.objects.get(pk=draft.pk).draw_ratio == 0


def test_api_detail_carries_progress_and_lists_are_scoped(world):
    plan = published(world, 2026)
    body = api(world.auth_admin, "get", f"{API}/annual-plans/{plan.pk}").json()
    assert body["status"] == "published" and body["progress"][0] == {
        "label": "抽取次数",
        "planned": 2,
        "done": 0,
        "percent": 0,
    }
    assert api(world.auth_staff, "get", f"{API}/annual-plans").json()["count"] == 1
    assert api(world.inst_admin, "get", f"{API}/annual-plans").json()["count"] == 0
    assert api(world.inst_admin, "get", f"{API}/annual-plans/{plan.pk}").status_code == 404
    other = actor(world, OA)
    assert api(other, "get", f"{API}/annual-plans/{plan.pk}").status_code == 404


# ----------------------------------------------------------------------------------------- pages
def test_pages_for_the_authority(world):
    client = client_for(world.auth_staff)
    list_page = client.get("/supervision/annual-plans/")
    assert list_page.status_code == 200 and "年度督导工作计划" in list_page.content.decode()
    response = client.post(
        "/supervision/annual-plans/new/",
        {"year": 2027, "responsible": "李处长", "target_institutions": 3, "target_batches": 0,
         "target_tasks": 5, "draws_per_year": 2, "draw_ratio": "0.1", "risk_draw_ratio": "0.3",
         "items": ["onsite"],
         "q1": "制定计划", "q4": "年度总结"},
    )  # fmt: skip
    plan = AnnualPlan.objects.get(year=2027)
    assert response.status_code == 302 and response["Location"] == f"/supervision/annual-plans/{plan.pk}/"
    assert plan.schedule == [{"quarter": 1, "content": "制定计划"}, {"quarter": 4, "content": "年度总结"}]
    detail = client.get(f"/supervision/annual-plans/{plan.pk}/").content.decode()
    assert "完成进度" in detail and "发布计划" in detail and "第一季度:制定计划" in detail
    client.post(f"/supervision/annual-plans/{plan.pk}/publish/", {"row_version": plan.row_version})
    assert AnnualPlan.objects.get(pk=plan.pk).status == "published"
    response = client.post("/supervision/annual-summaries/new/", {"year": 2027})
    summary = AnnualSummary.objects.get()
    assert response["Location"] == f"/supervision/annual-summaries/{summary.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "计划完成情况" in page and "定稿" in page


def test_pages_form_errors_keep_the_input(world):
    client = client_for(world.auth_staff)
    response = client.post(
        "/supervision/annual-plans/new/",
        {"year": 2027, "responsible": "李处长", "target_institutions": 0, "target_batches": 0,
         "target_tasks": 0, "draws_per_year": 0, "draw_ratio": "0.5", "risk_draw_ratio": "0.1"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "重点对象抽取比例不得低于一般对象抽取比例" in html and 'value="李处长"' in html
    assert AnnualPlan.objects.count() == 0


@pytest.mark.parametrize("role", [Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF, "supervisor"])
def test_pages_refuse_institutions_and_supervisors(world, role):
    plan = published(world, 2026)
    user = world.s1.user if role == "supervisor" else world.users[role]
    client = client_for(user)
    before = plan_counts()
    assert client.get("/supervision/annual-plans/").status_code == 403
    assert client.get(f"/supervision/annual-plans/{plan.pk}/").status_code == 403
    assert client.get(f"/supervision/annual-plans/{plan.pk}/plan.docx").status_code == 403
    assert client.post("/supervision/annual-summaries/new/", {"year": 2026}).status_code == 403
    assert (
        client.post(
            f"/supervision/annual-plans/{plan.pk}/correct/", {"reason": "x", "row_version": 2}
        ).status_code
        == 403
    )
    assert plan_counts() == before
    assert "年度计划与总结" not in client.get("/").content.decode()


def test_penalty_count_boundary_by_decision_time(world):
    penalty = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="public_criticism",
        ground="other",
        description="x",
    )
    Penalty.objects.filter(pk=penalty.pk).update(decided_at=local(dt.date(2027, 1, 1), 0, 0))
    assert sel.year_figures(world.authority, 2026)["penalties_total"] == 0
    Penalty.objects.filter(pk=penalty.pk).update(decided_at=local(dt.date(2026, 12, 31), 23, 59))
    assert sel.year_figures(world.authority, 2026)["penalties_total"] == 1


def test_current_version_helper_reads_plans(world):
    plan = svc.annual_plan_create(actor=world.auth_staff, year=2027, **BASE)
    assert current_version(plan) == 1


@pytest.mark.parametrize("year", ["2026", "99999999999999999999", "-1", "abc"])
def test_list_filters_never_fail_on_odd_years(world, year):
    published(world, 2026)
    page = client_for(world.auth_staff).get(f"/supervision/annual-plans/?year={year}")
    assert page.status_code == 200
    response = api(world.auth_staff, "get", f"{API}/annual-plans?year={year}")
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json()["count"] == 1
