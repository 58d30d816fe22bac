"""Issue 11 item 2: the authority's confirmation of results where its policy requires it — the policy binds
the authorities below, the institution's admin submits decided results, the authority holding the filing
confirms or returns with a reason, publication waits for a confirmation of the very results published."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import IllegalTransition, PermissionDenied, ValidationFailed
from dudao.exams import services
from dudao.exams.models import ResultConfirmation, ResultPublication
from tests import factories as f
from tests.conftest import client_for

from .test_results_certificates import after_exam, cohort, failing_theory, passing, record  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(plan, cohort, inst_admin, after_exam):  # noqa: F811
    a, b, c = cohort
    record(plan, inst_admin, {a: passing(), b: passing(), c: failing_theory()})
    return cohort


@pytest.fixture
def required(authority, users):
    return services.results_policy_set(
        actor=users[Role.AUTHORITY_ADMIN], authority=authority, confirm_required=True
    )


def test_without_a_policy_publication_needs_no_confirmation(plan, recorded, inst_admin):
    with pytest.raises(IllegalTransition, match="不要求确认"):
        services.results_submit(actor=inst_admin, plan=plan)
    assert services.results_publish(actor=inst_admin, plan=plan)


def test_publication_waits_for_the_confirmation(plan, recorded, required, inst_admin, auth_staff):
    with pytest.raises(IllegalTransition, match="请先提交确认"):
        services.results_publish(actor=inst_admin, plan=plan)
    services.results_submit(actor=inst_admin, plan=plan)
    with pytest.raises(IllegalTransition, match="确认后方可公示"):
        services.results_publish(actor=inst_admin, plan=plan)
    services.results_confirm(actor=auth_staff, plan=plan, approve=True)
    assert services.results_publish(actor=inst_admin, plan=plan)


def test_a_result_changed_after_confirmation_needs_a_new_one(
    plan, recorded, required, inst_admin, auth_staff
):
    services.results_submit(actor=inst_admin, plan=plan)
    services.results_confirm(actor=auth_staff, plan=plan, approve=True)
    record(plan, inst_admin, {recorded[2]: passing()})  # re-recorded: version 2
    with pytest.raises(IllegalTransition, match="成绩有变动"):
        services.results_publish(actor=inst_admin, plan=plan)
    services.results_submit(actor=inst_admin, plan=plan)
    services.results_confirm(actor=auth_staff, plan=plan, approve=True)
    assert services.results_publish(actor=inst_admin, plan=plan)


def test_returned_with_a_reason_then_resubmitted(plan, recorded, required, inst_admin, auth_staff):
    services.results_submit(actor=inst_admin, plan=plan)
    with pytest.raises(ValidationFailed):
        services.results_confirm(actor=auth_staff, plan=plan, approve=False, reason="")
    services.results_confirm(actor=auth_staff, plan=plan, approve=False, reason="第3名考生实操成绩缺签名")
    with pytest.raises(IllegalTransition, match="缺签名"):
        services.results_publish(actor=inst_admin, plan=plan)
    assert services.results_submit(actor=inst_admin, plan=plan).status == ResultConfirmation.Status.REQUESTED


def test_who_may_submit_and_confirm(plan, recorded, required, users, inst_admin):
    for role in (Role.INSTITUTION_STAFF, Role.AUTHORITY_STAFF, Role.EXAMINER):
        with pytest.raises(PermissionDenied):
            services.results_submit(actor=users[role], plan=plan)
    services.results_submit(actor=inst_admin, plan=plan)
    for role in (Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF, Role.EXTERNAL_SUPERVISOR):
        with pytest.raises(PermissionDenied):
            services.results_confirm(actor=users[role], plan=plan, approve=True)
    assert ResultConfirmation.objects.get().status == ResultConfirmation.Status.REQUESTED


def test_undecided_results_cannot_be_submitted(plan, cohort, required, inst_admin, after_exam):  # noqa: F811
    record(plan, inst_admin, {cohort[0]: passing()})
    with pytest.raises(IllegalTransition, match="未登记成绩"):
        services.results_submit(actor=inst_admin, plan=plan)
    assert not ResultConfirmation.objects.exists()


def test_a_province_requirement_binds_the_city(authority, users):
    city = f.AuthorityFactory(parent=authority, region=authority.region)
    city_admin = f.UserFactory(username="city_admin", role=Role.AUTHORITY_ADMIN, authority=city)
    services.results_policy_set(actor=users[Role.AUTHORITY_ADMIN], authority=authority, confirm_required=True)
    with pytest.raises(ValidationFailed, match="本级不能取消"):
        services.results_policy_set(actor=city_admin, authority=city, confirm_required=False)
    assert services.results_policy_set(
        actor=city_admin, authority=city, confirm_required=True
    ).confirm_required
    with pytest.raises(PermissionDenied):
        services.results_policy_set(
            actor=users[Role.AUTHORITY_STAFF], authority=authority, confirm_required=False
        )


def test_pages_and_api(plan, recorded, required, inst_admin, auth_staff):
    page = client_for(inst_admin).get(f"/exams/{plan.pk}/results/").content.decode()
    assert "提交认定中心确认</button>" in page
    client_for(inst_admin).post(f"/exams/{plan.pk}/results/submit/")
    page = client_for(auth_staff).get(f"/exams/{plan.pk}/results/").content.decode()
    assert "确认成绩</button>" in page and "待认定中心确认" in page
    answer = client_for(auth_staff).post(
        f"/api/v1/exams/plans/{plan.pk}/results/confirm",
        data={"approve": True},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "confirmed"
    assert client_for(inst_admin).post(f"/api/v1/exams/plans/{plan.pk}/results/publish").status_code == 200
    assert ResultPublication.objects.filter(plan=plan).exists()
