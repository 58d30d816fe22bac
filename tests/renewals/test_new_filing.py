"""新备案申请: a new institution, or a late renewal sent here by REN-6, applies for a filing; the authority
reviews (accept / return for completion / refuse), records the site evaluation, decides; approval creates
the Filing through the registry service with its validity period and a receipt number."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.registry.models import Filing, FilingScope, Institution
from dudao.renewals import services
from dudao.renewals.models import FilingApplication, FilingApplicationAttachment
from tests import factories as f

from .conftest import VALID_UNTIL, D

TODAY = D("2026-12-03")


@pytest.fixture
def newcomer(authority):
    return f.InstitutionFactory(
        authority=authority,
        region=authority.region,
        kind=Institution.Kind.SOCIAL_ORG,
        name="江西某职业培训学校",
    )


@pytest.fixture
def newcomer_admin(newcomer):
    return f.UserFactory(username="new_admin", role=Role.INSTITUTION_ADMIN, institution=newcomer)


def _scope(occupations):
    return [
        {"occupation": occupations["A"].pk, "levels": [5, 4]},
        {"occupation": occupations["B"].pk, "work_type": "中式烹调", "levels": [3]},
    ]


def _submit(actor, institution, occupations, **kw):
    kw.setdefault("attachments", {"application_letter": f.pdf("备案申请书.pdf")})
    kw.setdefault("today", TODAY)
    return services.filing_application_submit(
        actor=actor,
        institution=institution,
        scope=_scope(occupations),
        materials={"summary": "场地 2 处"},
        **kw,
    )


def _rv(app):
    return FilingApplication.objects.get(pk=app.pk).row_version


def _counts():
    return (
        FilingApplication.objects.count(),
        FilingApplicationAttachment.objects.count(),
        Filing.objects.count(),
        AuditEvent.objects.count(),
    )


def test_whole_life_return_resubmit_accept_evaluate_approve(users, newcomer, newcomer_admin, occupations):
    staff = users[Role.AUTHORITY_STAFF]
    app = _submit(newcomer_admin, newcomer, occupations)
    assert (app.status, app.origin, app.authority_id, app.previous_filing_id) == (
        "submitted",
        "new",
        newcomer.authority_id,
        None,
    )
    assert [(r["occupation_code"], r["work_type"], r["levels"]) for r in app.scope] == [
        ("4-10-01-05", "", [5, 4]),
        ("4-03-02-01", "中式烹调", [3]),
    ]
    assert list(app.attachments.values_list("material", "original_name")) == [
        ("application_letter", "备案申请书.pdf")
    ]

    # Out of order: no site evaluation or decision before acceptance (409, nothing written).
    before = _counts()
    with pytest.raises(IllegalTransition):
        services.filing_application_record_site(
            actor=staff,
            application=app,
            visited_on="2026-12-01",
            evaluators="张三",
            passed=True,
            notes="合格",
            row_version=_rv(app),
        )
    with pytest.raises(IllegalTransition):
        services.filing_application_decide(
            actor=staff, application=app, approve=True, number="X1", row_version=_rv(app)
        )
    # A return needs what is missing.
    with pytest.raises(ValidationFailed):
        services.filing_application_review(
            actor=staff, application=app, decision="return", row_version=_rv(app)
        )
    assert _counts() == before

    app = services.filing_application_review(
        actor=staff, application=app, decision="return", note="请补充法人单位资格证书", row_version=_rv(app)
    )
    assert (app.status, app.review_note) == ("returned", "请补充法人单位资格证书")
    # Only the applying institution's admin completes it.
    with pytest.raises(PermissionDenied):
        services.filing_application_resubmit(actor=staff, application=app, row_version=_rv(app))
    app = services.filing_application_resubmit(
        actor=newcomer_admin,
        application=app,
        row_version=_rv(app),
        attachments={"legal_certificate": f.pdf("法人证书.pdf")},
    )
    assert app.status == "submitted"
    assert sorted(app.attachments.values_list("material", flat=True)) == [
        "application_letter",
        "legal_certificate",
    ]

    app = services.filing_application_review(
        actor=staff, application=app, decision="accept", row_version=_rv(app)
    )
    assert app.status == "accepted"
    # The visit cannot be in the future: the last allowed day is today.
    with pytest.raises(ValidationFailed):
        services.filing_application_record_site(
            actor=staff,
            application=app,
            visited_on="2026-12-04",
            evaluators="张三、李四",
            passed=True,
            notes="场地符合要求",
            row_version=_rv(app),
            today=TODAY,
        )
    app = services.filing_application_record_site(
        actor=staff,
        application=app,
        visited_on="2026-12-03",
        evaluators="张三、李四",
        passed=True,
        notes="场地符合要求",
        row_version=_rv(app),
        today=TODAY,
    )
    assert (app.status, app.site_visit_on, app.site_passed) == ("evaluated", D("2026-12-03"), True)

    with pytest.raises(ValidationFailed):  # the registry's rule: a filing number is required
        services.filing_application_decide(
            actor=staff, application=app, approve=True, number="", row_version=_rv(app)
        )
    app = services.filing_application_decide(
        actor=staff,
        application=app,
        approve=True,
        number="赣人社鉴备〔2026〕5号",
        row_version=_rv(app),
        today=TODAY,
    )
    assert (app.status, app.receipt_number, app.receipt_issued_on) == (
        "approved",
        "备案回执〔2026〕1号",
        TODAY,
    )
    filing = app.filing
    assert (
        filing.institution_id,
        filing.authority_id,
        filing.status,
        filing.valid_from,
        filing.valid_until,
    ) == (
        newcomer.pk,
        newcomer.authority_id,
        "active",
        D("2026-12-03"),
        D("2030-12-02"),
    )
    assert sorted(
        (s.occupation.code, s.work_type, s.levels, s.start_date)
        for s in FilingScope.objects.filter(filing=filing)
    ) == [("4-03-02-01", "中式烹调", [3], TODAY), ("4-10-01-05", "", [5, 4], TODAY)]
    actions = list(
        AuditEvent.objects.filter(object_id=str(app.pk), action__startswith="renewals.filing_application")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "renewals.filing_application.submit",
        "renewals.filing_application.return",
        "renewals.filing_application.resubmit",
        "renewals.filing_application.accept",
        "renewals.filing_application.site_evaluation",
        "renewals.filing_application.approve",
    ]
    assert AuditEvent.objects.filter(action="registry.filing.create", object_id=str(filing.pk)).count() == 1


def test_failed_site_evaluation_cannot_be_approved(users, newcomer, newcomer_admin, occupations):
    staff = users[Role.AUTHORITY_STAFF]
    app = _submit(newcomer_admin, newcomer, occupations)
    app = services.filing_application_review(
        actor=staff, application=app, decision="accept", row_version=_rv(app)
    )
    app = services.filing_application_record_site(
        actor=staff,
        application=app,
        visited_on=TODAY,
        evaluators="张三",
        passed=False,
        notes="无理论考场",
        row_version=_rv(app),
        today=TODAY,
    )
    with pytest.raises(IllegalTransition) as exc:
        services.filing_application_decide(
            actor=staff, application=app, approve=True, number="N1", row_version=_rv(app)
        )
    assert exc.value.code == "site_failed"
    with pytest.raises(ValidationFailed):  # a refusal needs its reason
        services.filing_application_decide(actor=staff, application=app, approve=False, row_version=_rv(app))
    app = services.filing_application_decide(
        actor=staff, application=app, approve=False, note="现场评估不合格", row_version=_rv(app)
    )
    assert (app.status, app.decision_note, app.filing_id) == ("refused", "现场评估不合格", None)
    assert Filing.objects.filter(institution=newcomer).count() == 0


def test_refused_at_review_and_withdrawn(users, newcomer, newcomer_admin, occupations):
    staff = users[Role.AUTHORITY_STAFF]
    app = _submit(newcomer_admin, newcomer, occupations)
    with pytest.raises(Conflict):  # one open application per institution
        _submit(newcomer_admin, newcomer, occupations)
    app = services.filing_application_review(
        actor=staff, application=app, decision="refuse", note="不属于本部门受理范围", row_version=_rv(app)
    )
    assert (app.status, app.decision_note) == ("refused", "不属于本部门受理范围")
    second = _submit(newcomer_admin, newcomer, occupations)
    with pytest.raises(PermissionDenied):
        services.filing_application_withdraw(actor=staff, application=second, row_version=_rv(second))
    second = services.filing_application_withdraw(
        actor=newcomer_admin, application=second, row_version=_rv(second)
    )
    assert second.status == "withdrawn"


def test_input_and_permission_refusals_write_nothing(
    users, newcomer, newcomer_admin, occupations, other_authority
):
    staff = users[Role.AUTHORITY_STAFF]
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:  # the application letter is required
        _submit(newcomer_admin, newcomer, occupations, attachments={})
    assert exc.value.detail == {"attachments.application_letter": ["请上传备案申请书"]}
    with pytest.raises(ValidationFailed):
        services.filing_application_submit(actor=newcomer_admin, institution=newcomer, scope=[], today=TODAY)
    with pytest.raises(ValidationFailed):
        services.filing_application_submit(
            actor=newcomer_admin,
            institution=newcomer,
            scope=[{"occupation": occupations["A"].pk, "levels": [6]}],
            attachments={"application_letter": f.pdf()},
            today=TODAY,
        )
    # Another institution's staff (not an admin) and users of another institution cannot apply for it.
    with pytest.raises(PermissionDenied):
        _submit(users[Role.INSTITUTION_STAFF], users[Role.INSTITUTION_STAFF].institution, occupations)
    with pytest.raises(NotFound):
        _submit(users[Role.INSTITUTION_ADMIN], newcomer, occupations)
    assert _counts() == before
    app = _submit(newcomer_admin, newcomer, occupations)
    outsider = f.UserFactory(username="gd_staff3", role=Role.AUTHORITY_STAFF, authority=other_authority)
    with pytest.raises(NotFound):
        services.filing_application_review(
            actor=outsider, application=app, decision="accept", row_version=_rv(app)
        )
    with pytest.raises(PermissionDenied):
        services.filing_application_review(
            actor=newcomer_admin, application=app, decision="accept", row_version=_rv(app)
        )
    assert FilingApplication.objects.get(pk=app.pk).status == "submitted"
    del staff


def test_an_institution_with_a_valid_filing_renews_instead(users, filing, occupations):
    with pytest.raises(Conflict) as exc:
        _submit(users[Role.INSTITUTION_ADMIN], filing.institution, occupations, today=D("2024-09-27"))
    assert exc.value.code == "filing_exists"


@pytest.mark.parametrize(
    ("today", "code"),
    [
        (D("2024-12-01"), "renewal_on_time"),  # 30 days before expiry: still the renewal path (REN-1)
        (D("2024-12-02"), None),  # 29 days: late, handled as a new filing (REN-6)
        (D("2024-12-31"), None),  # expiry day: the filing is still valid
        (D("2025-01-01"), "filing_expired"),  # expired: not as a late renewal
    ],
)
def test_late_renewal_window(users, filing, occupations, today, code):
    admin = users[Role.INSTITUTION_ADMIN]
    if code is None:
        app = _submit(admin, filing.institution, occupations, previous_filing=filing.pk, today=today)
        assert (app.origin, app.previous_filing_id) == ("late_renewal", filing.pk)
    else:
        with pytest.raises(ValidationFailed) as exc:
            _submit(admin, filing.institution, occupations, previous_filing=filing.pk, today=today)
        assert exc.value.code == code
        assert FilingApplication.objects.count() == 0


def test_renewal_refused_as_late_points_to_the_new_filing_path(users, filing):
    """REN-6: the renewal service refuses the late application with the path code; the new filing takes it."""
    from .conftest import apply

    with pytest.raises(ValidationFailed) as exc:
        apply(users[Role.INSTITUTION_ADMIN], filing, today=D("2024-12-02"))
    assert exc.value.code == "path_new_filing"
    assert "新备案申请" in exc.value.message


def test_late_renewal_approved_continues_the_old_filing(users, filing, occupations):
    staff, admin = users[Role.AUTHORITY_STAFF], users[Role.INSTITUTION_ADMIN]
    app = _submit(admin, filing.institution, occupations, previous_filing=filing.pk, today=D("2024-12-02"))
    app = services.filing_application_review(
        actor=staff, application=app, decision="accept", row_version=_rv(app)
    )
    app = services.filing_application_record_site(
        actor=staff,
        application=app,
        visited_on=TODAY,
        evaluators="张三",
        passed=True,
        notes="合格",
        row_version=_rv(app),
        today=TODAY,
    )
    # Approved while the old filing is still valid (2024-12-20): the new one starts the day after expiry.
    app = services.filing_application_decide(
        actor=staff,
        application=app,
        approve=True,
        number="赣人社鉴备〔2024〕9号",
        row_version=_rv(app),
        today=D("2024-12-20"),
    )
    assert (app.filing.valid_from, app.filing.valid_until) == (D("2025-01-01"), D("2028-12-31"))
    assert D("2024-12-31") == VALID_UNTIL
