"""Two-step renewal (seed 004 四(一): the centre evaluates, the bureau reviews and issues the receipt),
enabled per authority by RenewalConfig.evaluation_centre; one step stays the default."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.renewals import selectors, services
from dudao.renewals.models import RenewalApplication
from tests import factories as f

from .conftest import VALID_UNTIL, D, apply, counts, run_evaluation, rv, state

DECIDED = D("2024-10-28")


@pytest.fixture
def centre(authority):
    return f.AuthorityFactory(region=authority.region, code="JX-CENTRE", name="江西省职业技能鉴定评估中心")


@pytest.fixture
def centre_staff(centre):
    return f.UserFactory(username="centre_staff", role=Role.AUTHORITY_STAFF, authority=centre)


@pytest.fixture
def two_step(users, authority, centre):
    return services.renewal_config_save(
        actor=users[Role.AUTHORITY_ADMIN], authority=authority, renewal_years=4, evaluation_centre=centre
    )


def _accepted(users, filing):
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    return services.renewal_accept(actor=users[Role.AUTHORITY_STAFF], application=app, row_version=rv(app))


def _open(actor, app, leader):
    return services.renewal_open_evaluation(actor=actor, application=app, leader=leader, row_version=rv(app))


def test_one_step_is_the_default(users, filing):
    assert selectors.config_for(filing.authority).evaluation_centre is None
    app = _accepted(users, filing)
    assert (app.status, app.evaluation_centre_id, app.two_step) == ("under_review", None, False)


def test_centre_must_be_another_authority(users, authority):
    with pytest.raises(ValidationFailed) as exc:
        services.renewal_config_save(
            actor=users[Role.AUTHORITY_ADMIN],
            authority=authority,
            renewal_years=4,
            evaluation_centre=authority,
        )
    assert exc.value.detail == {"evaluation_centre": ["评估机构不能是本机构(两步办理由中心评估、本局审核)"]}
    with pytest.raises(ValidationFailed) as exc:
        services.renewal_config_save(
            actor=users[Role.AUTHORITY_ADMIN], authority=authority, renewal_years=4, evaluation_centre=999999
        )
    assert exc.value.detail == {"evaluation_centre": ["评估机构不存在或无权访问"]}


def test_two_step_centre_evaluates_then_bureau_returns_then_confirms(
    users, filing, two_step, centre, centre_staff
):
    bureau = users[Role.AUTHORITY_STAFF]
    app = _accepted(users, filing)
    assert (app.evaluation_centre_id, app.two_step) == (centre.pk, True)

    # The bureau may not open the evaluation: the centre does (nothing written on denial).
    before, snapshot = counts(), state(app)
    with pytest.raises(PermissionDenied) as exc:
        _open(bureau, app, bureau)
    assert str(exc.value.message) == "本申请的延续备案评估由指定的评估机构组织,您所在机构不能办理此步骤"
    assert (counts(), state(app)) == (before, snapshot)

    app = _open(centre_staff, app, centre_staff)
    assert app.status == "evaluating"
    run_evaluation(app)
    # The bureau may not record the centre's result either.
    with pytest.raises(PermissionDenied):
        services.renewal_record_outcome(actor=bureau, application=app, row_version=rv(app), today=DECIDED)
    app = services.renewal_record_outcome(
        actor=centre_staff, application=app, row_version=rv(app), today=DECIDED
    )
    assert (app.status, app.centre_outcome, app.evaluation_total, app.receipt_number) == (
        "bureau_review",
        "renew",
        Decimal("96.00"),
        "",
    )
    filing.refresh_from_db()
    assert (filing.valid_until, filing.status) == (VALID_UNTIL, "active")  # nothing decided yet
    assert (
        AuditEvent.objects.filter(action="renewals.application.centre_result", object_id=str(app.pk)).count()
        == 1
    )

    # The centre cannot confirm its own result.
    with pytest.raises(PermissionDenied):
        services.renewal_bureau_review(
            actor=centre_staff, application=app, approve=True, opinion="", row_version=rv(app), today=DECIDED
        )
    # A return needs the bureau's opinion.
    with pytest.raises(ValidationFailed):
        services.renewal_bureau_review(
            actor=bureau, application=app, approve=False, opinion="", row_version=rv(app), today=DECIDED
        )
    app = services.renewal_bureau_review(
        actor=bureau,
        application=app,
        approve=False,
        opinion="请核实 B4.5 扣分",
        row_version=rv(app),
        today=DECIDED,
    )
    assert (app.status, app.bureau_opinion, app.centre_outcome) == ("evaluating", "请核实 B4.5 扣分", "")
    app = services.renewal_record_outcome(
        actor=centre_staff, application=app, row_version=rv(app), today=DECIDED
    )
    assert app.status == "bureau_review"
    app = services.renewal_bureau_review(
        actor=bureau, application=app, approve=True, opinion="同意", row_version=rv(app), today=DECIDED
    )
    assert (app.status, app.renewed_until, app.receipt_number, app.bureau_opinion, app.decided_by_id) == (
        "renewed",
        D("2028-12-31"),
        "延备回执〔2024〕1号",
        "同意",
        bureau.pk,
    )
    filing.refresh_from_db()
    assert filing.valid_until == D("2028-12-31")
    # Out of order: nothing left to review.
    with pytest.raises(IllegalTransition):
        services.renewal_bureau_review(
            actor=bureau, application=app, approve=True, opinion="", row_version=rv(app), today=DECIDED
        )


def test_two_step_rectify_band_takes_effect_only_after_the_bureau(users, filing, two_step, centre_staff):
    bureau = users[Role.AUTHORITY_STAFF]
    app = _open(centre_staff, _accepted(users, filing), centre_staff)
    run_evaluation(app, f.RECTIFY_DEDUCTIONS, f.RECTIFY_NOTES)
    app = services.renewal_record_outcome(
        actor=centre_staff, application=app, row_version=rv(app), today=DECIDED
    )
    assert (app.status, app.centre_outcome, app.notice_number) == ("bureau_review", "rectify", "")
    filing.refresh_from_db()
    assert filing.status == "active"
    app = services.renewal_bureau_review(
        actor=bureau, application=app, approve=True, opinion="", row_version=rv(app), today=DECIDED
    )
    assert (app.status, app.rectification_deadline, app.notice_number) == (
        "rectifying",
        D("2025-04-28"),
        "延备整改〔2024〕1号",
    )
    filing.refresh_from_db()
    assert filing.status == "rectifying"
    # The re-evaluation is the centre's again.
    with pytest.raises(PermissionDenied):
        _open(bureau, app, bureau)
    app = _open(centre_staff, app, centre_staff)
    assert app.status == "re_evaluating"


def test_centre_sees_the_application_others_do_not(users, filing, two_step, centre_staff, other_authority):
    app = _accepted(users, filing)
    assert selectors.application_get(centre_staff, app.pk).pk == app.pk
    outsider = f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_authority)
    with pytest.raises(NotFound):
        _open(outsider, app, outsider)


def test_employers_stay_one_step(users, employer_admin, employer_filing, two_step):
    app = apply(employer_admin, employer_filing)
    app = services.renewal_accept(actor=users[Role.AUTHORITY_STAFF], application=app, row_version=rv(app))
    assert (app.evaluation_centre_id, RenewalApplication.objects.get(pk=app.pk).two_step) == (None, False)


def test_two_step_pages(client_as, users, filing, two_step, centre_staff):
    bureau = users[Role.AUTHORITY_STAFF]
    app = _open(centre_staff, _accepted(users, filing), centre_staff)
    run_evaluation(app)
    centre_page = client_as(centre_staff).get(f"/renewals/{app.pk}/").content.decode()
    bureau_page = client_as(bureau).get(f"/renewals/{app.pk}/").content.decode()
    assert "按评估结果作出决定" in centre_page and "按评估结果作出决定" not in bureau_page
    app = services.renewal_record_outcome(
        actor=centre_staff, application=app, row_version=rv(app), today=DECIDED
    )
    centre_page = client_as(centre_staff).get(f"/renewals/{app.pk}/").content.decode()
    bureau_page = client_as(bureau).get(f"/renewals/{app.pk}/").content.decode()
    assert "审核评估机构的评估结果" in bureau_page and "审核评估机构的评估结果" not in centre_page
    assert "江西省职业技能鉴定评估中心" in bureau_page
    denied = client_as(centre_staff).post(
        f"/renewals/{app.pk}/bureau-review/", {"approve": "1", "opinion": "", "row_version": rv(app)}
    )
    assert denied.status_code == 403
    assert RenewalApplication.objects.get(pk=app.pk).status == "bureau_review"
    r = client_as(bureau).post(
        f"/renewals/{app.pk}/bureau-review/", {"approve": "1", "opinion": "同意", "row_version": rv(app)}
    )
    assert r.status_code == 302
    assert RenewalApplication.objects.get(pk=app.pk).status == "renewed"
