"""Plans and public notices (INST-5, INST-6): drafts, publication, the question-source policy."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.exams import services
from dudao.exams.models import ExamPlan, QuestionSourcePolicy
from tests.clock import TODAY
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db


def test_create_and_publish_records_who_and_audits(batch, inst_admin):
    plan = services.plan_create(actor=inst_admin, batch=batch, values=fx.plan_values(batch))
    assert plan.status == ExamPlan.Status.DRAFT
    assert plan.fees == {"4": "300.00", "2": "500.00"}
    plan = services.plan_publish(actor=inst_admin, plan=plan, row_version=plan.row_version)
    assert (plan.status, plan.published_by) == (ExamPlan.Status.PUBLISHED, inst_admin)
    assert list(AuditEvent.objects.filter(object_type="exams.examplan").values_list("action", flat=True)) == [
        "exams.plan.create",
        "exams.plan.publish",
    ]


def test_one_plan_per_batch(batch, inst_admin):
    services.plan_create(actor=inst_admin, batch=batch, values=fx.plan_values(batch))
    with pytest.raises(Conflict):
        services.plan_create(actor=inst_admin, batch=batch, values=fx.plan_values(batch))


def test_fee_for_every_level_of_the_batch_inst6(batch, inst_admin):
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(actor=inst_admin, batch=batch, values=fx.plan_values(batch, fees={"4": "300"}))
    assert exc.value.detail["fees"] == ["缺少2级的收费标准"]
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(
            actor=inst_admin, batch=batch, values=fx.plan_values(batch, fees={"4": "300.005", "2": "-1"})
        )
    assert len(exc.value.detail["fees"]) == 2
    assert not ExamPlan.objects.exists()


@pytest.mark.parametrize(
    ("closes", "ok"),
    [(fx.EXAM_DAY - dt.timedelta(days=1), True), (fx.EXAM_DAY, False)],
)
def test_registration_closes_before_the_exam_day(batch, inst_admin, closes, ok):
    values = fx.plan_values(batch, registration_closes_on=closes, withdraw_deadline=closes)
    if ok:
        services.plan_create(actor=inst_admin, batch=batch, values=values)
    else:
        with pytest.raises(ValidationFailed) as exc:
            services.plan_create(actor=inst_admin, batch=batch, values=values)
        assert "registration_closes_on" in exc.value.detail


def test_window_order(batch, inst_admin):
    values = fx.plan_values(
        batch, registration_opens_on=TODAY, registration_closes_on=TODAY - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(actor=inst_admin, batch=batch, values=values)
    assert exc.value.detail["registration_closes_on"] == ["报名截止日期不能早于报名开始日期"]
    # the same day is a one-day window
    values = fx.plan_values(
        batch, registration_opens_on=TODAY, registration_closes_on=TODAY, withdraw_deadline=TODAY
    )
    assert services.plan_create(actor=inst_admin, batch=batch, values=values).registration_closes_on == TODAY


def test_only_the_institutions_admin_publishes(batch, users, inst_admin):
    plan = services.plan_create(
        actor=users[Role.INSTITUTION_STAFF], batch=batch, values=fx.plan_values(batch)
    )
    with pytest.raises(PermissionDenied):
        services.plan_publish(actor=users[Role.INSTITUTION_STAFF], plan=plan, row_version=plan.row_version)
    with pytest.raises(PermissionDenied):
        services.plan_publish(actor=users[Role.AUTHORITY_ADMIN], plan=plan, row_version=plan.row_version)
    plan.refresh_from_db()
    assert plan.status == ExamPlan.Status.DRAFT


def test_other_institution_cannot_plan_the_batch(batch, other_institution):
    from tests.factories import UserFactory

    outsider = UserFactory(username="outsider", role=Role.INSTITUTION_ADMIN, institution=other_institution)
    with pytest.raises(ValidationFailed):
        services.plan_create(actor=outsider, batch=batch, values=fx.plan_values(batch))


def test_bank_only_region_refuses_a_self_built_bank_inst5(batch, inst_admin, authority):
    QuestionSourcePolicy.objects.create(authority=authority, bank_only=True)
    plan = services.plan_create(
        actor=inst_admin,
        batch=batch,
        values=fx.plan_values(
            batch, question_source="self_built", compilation_note="说明", expert_review_ref="ZJ-1"
        ),
    )
    with pytest.raises(ValidationFailed) as exc:
        services.plan_publish(actor=inst_admin, plan=plan, row_version=plan.row_version)
    assert exc.value.detail == {"question_source": ["本地区规定只能使用省级题库,不能使用自建题库"]}


def test_self_built_bank_needs_its_papers_where_allowed_inst5(batch, inst_admin, authority):
    QuestionSourcePolicy.objects.create(authority=authority, bank_only=False)
    plan = services.plan_create(
        actor=inst_admin, batch=batch, values=fx.plan_values(batch, question_source="self_built")
    )
    with pytest.raises(ValidationFailed) as exc:
        services.plan_publish(actor=inst_admin, plan=plan, row_version=plan.row_version)
    assert set(exc.value.detail) == {"compilation_note", "expert_review_ref"}
    plan = services.plan_update(
        actor=inst_admin,
        plan=plan,
        row_version=plan.row_version,
        values={"compilation_note": "依据国家职业技能标准编制", "expert_review_ref": "ZJ-2026-01"},
    )
    assert (
        services.plan_publish(actor=inst_admin, plan=plan, row_version=plan.row_version).status == "published"
    )


def test_policy_of_the_parent_authority_applies(batch, inst_admin, authority):
    from tests.factories import AuthorityFactory

    parent = AuthorityFactory(region=authority.region, code="PARENT")
    authority.parent = parent
    authority.save()
    QuestionSourcePolicy.objects.create(authority=parent, bank_only=True)
    assert services.question_policy_for(authority).authority == parent


def test_published_plan_is_not_edited(plan, inst_admin):
    with pytest.raises(ValidationFailed):
        services.plan_update(
            actor=inst_admin, plan=plan, row_version=plan.row_version, values={"title": "新"}
        )


def test_cancelled_plan_cannot_be_published(batch, inst_admin):
    plan = fx.exam_plan(batch, inst_admin, publish=False)
    plan = services.plan_cancel(actor=inst_admin, plan=plan, row_version=plan.row_version)
    with pytest.raises(IllegalTransition):
        services.plan_publish(actor=inst_admin, plan=plan, row_version=plan.row_version)


def test_question_policy_is_set_by_the_authoritys_admin(authority, users, other_authority):
    from tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        services.question_policy_set(actor=users[Role.AUTHORITY_STAFF], authority=authority, bank_only=True)
    stranger = UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    with pytest.raises(PermissionDenied):
        services.question_policy_set(actor=stranger, authority=authority, bank_only=True)
    policy = services.question_policy_set(
        actor=users[Role.AUTHORITY_ADMIN], authority=authority, bank_only=True
    )
    policy = services.question_policy_set(
        actor=users[Role.AUTHORITY_ADMIN], authority=authority, bank_only=False, note="渝人社发〔2021〕"
    )
    assert (QuestionSourcePolicy.objects.count(), policy.bank_only, policy.row_version) == (1, False, 2)


@pytest.mark.parametrize(
    ("deadline", "ok"), [(fx.EXAM_DAY - dt.timedelta(days=1), True), (fx.EXAM_DAY, False)]
)
def test_withdrawal_deadline_before_the_exam_day(batch, inst_admin, deadline, ok):
    values = fx.plan_values(batch, withdraw_deadline=deadline)
    if ok:
        assert (
            services.plan_create(actor=inst_admin, batch=batch, values=values).withdraw_deadline == deadline
        )
    else:
        with pytest.raises(ValidationFailed) as exc:
            services.plan_create(actor=inst_admin, batch=batch, values=values)
        assert exc.value.detail["withdraw_deadline"] == ["撤回截止日期须早于考试开始日期"]


@pytest.mark.parametrize(
    ("amount", "ok"), [("99999.99", True), ("100000", False), ("0", True), ("-0.01", False)]
)
def test_fee_bounds(batch, inst_admin, amount, ok):
    values = fx.plan_values(batch, fees={"4": amount, "2": "500"})
    if ok:
        assert (
            services.plan_create(actor=inst_admin, batch=batch, values=values).fees["4"]
            == f"{float(amount):.2f}"
        )
    else:
        with pytest.raises(ValidationFailed):
            services.plan_create(actor=inst_admin, batch=batch, values=values)


def test_question_policy_page(users, authority):
    from django.urls import reverse

    from tests.conftest import client_for

    url = reverse("exams:question_policy")
    assert client_for(users[Role.INSTITUTION_ADMIN]).get(url).status_code == 403
    staff_page = client_for(users[Role.AUTHORITY_STAFF]).get(url).content.decode()
    assert (
        "本地区尚未设置题库政策" in staff_page and "<form" not in staff_page.split('id="policy-current"')[1]
    )
    assert client_for(users[Role.AUTHORITY_STAFF]).post(url, {"bank_only": "1"}).status_code == 403
    admin = client_for(users[Role.AUTHORITY_ADMIN])
    admin.post(url, {"bank_only": "1", "note": "粤人社规〔2020〕"})
    policy = QuestionSourcePolicy.objects.get(authority=authority)
    assert (policy.bank_only, policy.note) == (True, "粤人社规〔2020〕")
    assert "仅限使用省级题库" in admin.get(url).content.decode()


# INST-3 / REN-6: only an active filing carries evaluation work; a terminated filing (supervision: termination
# after a missed rectification, or revocation) stops new plans, publication and registrations of its batches.
@pytest.mark.parametrize("status", ["suspended", "rectifying", "expired", "terminated"])
def test_an_inactive_filing_stops_plans_and_registrations(batch, inst_admin, status):
    plan = services.plan_create(actor=inst_admin, batch=batch, values=fx.plan_values(batch))
    filing = batch.filing
    filing.status = status
    filing.save(update_fields=["status"])
    label = {"suspended": "暂停", "rectifying": "整改期", "expired": "已到期", "terminated": "已终止"}[status]
    message = f"备案 {filing.number} 当前状态为「{label}」,不能开展评价活动"
    with pytest.raises(ValidationFailed) as exc:
        services.plan_publish(actor=inst_admin, plan=plan, row_version=plan.row_version)
    assert (exc.value.code, exc.value.message) == ("filing_inactive", message)
    plan.refresh_from_db()
    assert plan.status == ExamPlan.Status.DRAFT
    ExamPlan.objects.filter(pk=plan.pk).delete()
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(actor=inst_admin, batch=batch, values=fx.plan_values(batch))
    assert exc.value.code == "filing_inactive"


def test_registrations_stop_when_the_filing_is_terminated(plan):
    fx.register(plan, 1, work_years="6")  # active filing: accepted
    filing = plan.batch.filing
    filing.status = "terminated"
    filing.save(update_fields=["status"])
    with pytest.raises(ValidationFailed) as exc:
        fx.register(plan, 2, work_years="6")
    assert exc.value.code == "filing_inactive"
    assert plan.registrations.count() == 1
