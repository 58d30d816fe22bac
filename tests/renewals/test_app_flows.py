"""The renewal procedure through its services (REN-1…8): employer review, CQ-RENEWAL outcomes,
rectification and re-evaluation, REN-5 scope, REN-6 refusals, the filing's status and batches (INST-3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.common import pii
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.notifications.models import Message
from dudao.registry import services as registry_services
from dudao.registry.models import Batch, Filing, FilingScope
from dudao.renewals import services
from dudao.renewals.models import RenewalApplication, RenewalAttachment
from dudao.scorecards import services as sc
from dudao.scorecards.models import Evaluation
from tests import factories as f
from tests.factories import current_version

from .conftest import TODAY, D, add_batch, apply, counts, open_evaluation, run_evaluation, rv, state

S = RenewalApplication.Status


def _scope(filing: Filing) -> list[tuple[str, str, list[int], str, str | None]]:
    return [
        (
            s.occupation.code,
            s.work_type,
            s.levels,
            s.start_date.isoformat(),
            s.ended_on and s.ended_on.isoformat(),
        )
        for s in FilingScope.objects.filter(filing=filing).select_related("occupation").order_by("id")
    ]


def _messages(user) -> list[tuple[str, str]]:
    return list(Message.objects.filter(recipient=user).order_by("id").values_list("kind", "title"))


def _renewal(state: str, users, filing: Filing, evaluators) -> RenewalApplication:
    """The institution's application on TODAY taken to `state` by the authority's staff with `evaluators`;
    outcomes recorded on 2024-10-28."""
    return f.renewal_application(
        state,
        applicant=users[Role.INSTITUTION_ADMIN],
        filing=filing,
        decider=users[Role.AUTHORITY_STAFF],
        leader=evaluators["leader"],
        members=evaluators["members"],
        today=TODAY,
        decided_on=D("2024-10-28"),
    )


# ------------------------------------------------------------------------------------------- apply


def test_apply_plans_the_deadline_and_notifies_the_authority(users, filing):
    app = apply(users[Role.INSTITUTION_ADMIN], filing, self_built=True)
    assert (app.status, app.path, app.kind, app.self_built_questions) == (
        "submitted",
        "renewal",
        "social_org",
        True,
    )
    # CAL-2/CAL-4: received 2024-09-27 + 20 working days across National Day = 2024-10-30 (REN-4).
    assert (app.received_on, app.decide_by, app.decision_workdays, app.provisional) == (
        TODAY,
        D("2024-10-30"),
        20,
        False,
    )
    assert (app.expires_on, app.period_start, app.authority_id) == (
        D("2024-12-31"),
        D("2020-11-01"),
        filing.authority_id,
    )
    assert sorted(RenewalAttachment.objects.filter(application=app).values_list("material", flat=True)) == [
        "application_letter",
        "expert_review",
        "question_explanation",
    ]
    # PII: ID numbers are stored encrypted and shown masked, never in clear.
    manager = app.materials["managers"][0]
    assert "id_number" not in manager
    assert manager["id_number_masked"] == f.make_resident_id(7)[:6] + "********" + f.make_resident_id(7)[-4:]
    assert f.make_resident_id(7) not in str(app.materials)
    # SEC-3: the examiners' phones likewise (issue 8 §2).
    examiner = app.materials["examiners"][0]
    assert "phone" not in examiner and "13912345678" not in str(app.materials)
    assert examiner["phone_masked"] == "139****5678"
    assert pii.decrypt(examiner["phone_encrypted"]) == "13912345678"
    from dudao.common.models import AuditEvent

    logged = str(list(AuditEvent.objects.values_list("before", "after")))
    assert manager["id_number_encrypted"] not in logged and "materials" not in logged
    # The deciding authority's staff are told (REN-7); the province overseer of another region is not.
    for role in (Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF):
        assert _messages(users[role]) == [
            (
                "renewal.new_application",
                f"新的延续备案申请:{filing.institution.name}(备案 赣人社鉴备〔2020〕18号)",
            )
        ]
    assert _messages(users[Role.INSTITUTION_ADMIN]) == []


def test_employer_decide_by_is_ten_working_days(employer_admin, employer_filing):
    app = apply(employer_admin, employer_filing)
    assert (app.decide_by, app.decision_workdays) == (D("2024-10-16"), 10)  # the example


@pytest.mark.parametrize(
    ("today", "code", "message"),
    [
        (
            D("2024-12-02"),  # 29 days before expiry: late (REN-6)
            "path_new_filing",
            "备案有效期至 2024-12-31,未在届满 30 日前提出延续备案申请,"
            "按新设立评价机构受理,请通过「新备案申请」提出(选择原备案)",
        ),
        (
            D("2025-01-01"),
            "path_not_accepted",
            "备案有效期已于 2024-12-31 届满,届满后提出的延续备案申请不予受理",
        ),
    ],
)
def test_late_or_expired_applications_are_refused(users, filing, today, code, message):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        apply(users[Role.INSTITUTION_ADMIN], filing, today=today)
    assert (exc.value.code, exc.value.message) == (code, message)
    assert counts() == before


def test_thirty_days_before_expiry_is_on_time(users, filing):
    app = apply(users[Role.INSTITUTION_ADMIN], filing, today=D("2024-12-01"))
    assert app.path == "renewal"


@pytest.mark.parametrize("status", ["suspended", "rectifying"])
def test_suspended_or_rectifying_filing_cannot_apply_until_it_resumes(users, filing, status):
    """REN-6: an institution suspended or rectifying for violations applies after it resumes."""
    admin = users[Role.AUTHORITY_ADMIN]
    registry_services.filing_set_status(
        actor=admin,
        filing=filing,
        status=status,
        reason="违规组织考试",
        row_version=current_version(filing, Filing),
    )
    before = counts()
    with pytest.raises(Conflict) as exc:
        apply(users[Role.INSTITUTION_ADMIN], filing)
    label = {"suspended": "暂停", "rectifying": "整改期"}[status]
    assert exc.value.code == "filing_suspended"
    assert exc.value.message == (
        f"备案处于「{label}」状态:因违规违纪处于暂停认定或整改期间的评价机构,待恢复工作后方可提出延续备案申请"
    )
    assert counts() == before
    registry_services.filing_set_status(
        actor=admin, filing=filing, status="active", row_version=current_version(filing, Filing)
    )
    assert apply(users[Role.INSTITUTION_ADMIN], filing).status == "submitted"


def test_suspension_that_outlasts_the_filing_defers_the_deadline(users, filing):
    """REN-6: suspended through the expiry → may apply within 30 days of resuming [interpretation]."""
    admin = users[Role.AUTHORITY_ADMIN]
    registry_services.filing_set_status(
        actor=admin,
        filing=filing,
        status="suspended",
        reason="违规组织考试",
        row_version=current_version(filing, Filing),
    )
    registry_services.filing_set_status(
        actor=admin, filing=filing, status="active", row_version=current_version(filing, Filing)
    )  # resumed today
    today = timezone.localdate()
    Filing.objects.filter(pk=filing.pk).update(
        valid_until=today - dt.timedelta(days=5), valid_from=D("2020-01-01")
    )
    filing.refresh_from_db()
    app = apply(users[Role.INSTITUTION_ADMIN], filing, today=today)
    assert (app.path, app.expires_on) == ("renewal", today - dt.timedelta(days=5))
    # Without the resumption record the same application would be refused (not accepted).
    app.status = "withdrawn"
    app.save(update_fields=["status"])
    with pytest.raises(ValidationFailed):
        apply(users[Role.INSTITUTION_ADMIN], filing, today=today + dt.timedelta(days=31))


def test_scope_must_stay_inside_the_original_scope(users, filing, occupations):
    """REN-5: no new occupation, work type or level."""
    new = f.OccupationFactory(code="4-14-02-01", name="保育师")
    form = f.renewal_materials(filing)
    form["scope"][0]["levels"] = [5, 4, 3, 2]
    form["scope"].append(
        {"occupation_code": new.code, "occupation_name": new.name, "work_type": "", "levels": [5]}
    )
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.renewal_apply(
            actor=users[Role.INSTITUTION_ADMIN],
            filing=filing,
            materials=form,
            attachments={"application_letter": f.pdf()},
            today=TODAY,
        )
    assert exc.value.detail == {
        "scope.0.levels": ["养老护理员 的等级 二级/技师 不在原备案认定范围内,不得新增等级"],
        "scope.3.occupation_code": [
            "保育师 不在原备案认定范围内:续期备案只限原有认定范围,不得新增职业(工种)"
        ],
    }
    assert counts() == before


def test_required_materials(users, filing):
    """REN-2: the application letter always; self-built questions also need (3) and (4)."""
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.renewal_apply(
            actor=users[Role.INSTITUTION_ADMIN],
            filing=filing,
            materials=f.renewal_materials(filing, self_built=True),
            attachments={"application_letter": f.pdf()},
            today=TODAY,
        )
    assert exc.value.code == "materials_missing"
    assert exc.value.detail == {
        "attachments.question_explanation": ["请上传(三)试题资源编制说明(附件4)"],
        "attachments.expert_review": ["请上传(四)专家评审意见表(附件5)"],
    }
    assert counts() == before


def test_a_bad_upload_is_refused_and_nothing_is_written(users, filing):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("申请.pdf", b"just text", content_type="application/pdf")
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.renewal_apply(
            actor=users[Role.INSTITUTION_ADMIN],
            filing=filing,
            materials=f.renewal_materials(filing),
            attachments={"application_letter": fake},
            today=TODAY,
        )
    assert exc.value.code == "upload_rejected"
    assert counts() == before


def test_one_open_application_per_filing(users, filing):
    apply(users[Role.INSTITUTION_ADMIN], filing)
    with pytest.raises(Conflict) as exc:
        apply(users[Role.INSTITUTION_ADMIN], filing)
    assert exc.value.message == "该备案已有正在办理的延续备案申请"


# ------------------------------------------------------------------------------------------- employer


def test_employer_renewed_with_receipt_and_reduced_scope(users, employer_admin, employer_filing, occupations):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(employer_admin, employer_filing, levels={"4-10-01-05": [5, 4]}, skip=("6-18-02-04",))
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    assert (app.status, app.accepted_by_id) == ("under_review", staff.pk)
    with pytest.raises(IllegalTransition):
        open_evaluation_for_employer = services.renewal_open_evaluation  # employers are not evaluated (REN-3)
        open_evaluation_for_employer(
            actor=staff, application=app, leader=staff, members=[], row_version=app.row_version
        )
    app = services.renewal_employer_decide(
        actor=staff,
        application=app,
        approve=True,
        opinion="材料齐全,符合延续条件",
        row_version=app.row_version,
        today=D("2024-10-15"),
    )
    assert (app.status, app.renewed_from, app.renewed_until) == ("renewed", D("2025-01-01"), D("2028-12-31"))
    assert (app.receipt_number, app.receipt_issued_on) == ("延备回执〔2024〕1号", D("2024-10-15"))
    employer_filing.refresh_from_db()
    assert (employer_filing.status, employer_filing.valid_until) == ("active", D("2028-12-31"))
    # A narrowed to [5, 4] (asked for), B kept, C not requested → dropped; all from 2025-01-01.
    assert _scope(employer_filing) == [
        ("4-10-01-05", "", [5, 4, 3], "2020-11-01", "2025-01-01"),
        ("4-03-02-01", "中式烹调", [5, 4], "2020-11-01", None),
        ("6-18-02-04", "", [4, 3], "2020-11-01", "2025-01-01"),
        ("4-10-01-05", "", [5, 4], "2025-01-01", None),
    ]
    assert [(c["occupation_code"], c["action"], c["reason"]) for c in app.scope_changes] == [
        ("4-03-02-01", "keep", ""),
        ("4-10-01-05", "narrow", ""),
        ("6-18-02-04", "drop", "not_requested"),
    ]
    assert _messages(employer_admin)[-1] == (
        "renewal.outcome",
        "延续备案申请已准予延续(备案 赣人社鉴备〔2020〕31号)",
    )


def test_employer_refused_keeps_the_filing_until_expiry(users, employer_admin, employer_filing):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(employer_admin, employer_filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = services.renewal_employer_decide(
        actor=staff,
        application=app,
        approve=False,
        opinion="考评人员不足",
        row_version=app.row_version,
        today=D("2024-10-15"),
    )
    assert (app.status, app.outcome_reason, app.filing_closed_at) == ("refused", "考评人员不足", None)
    employer_filing.refresh_from_db()
    assert (employer_filing.status, employer_filing.valid_until) == ("active", D("2024-12-31"))
    # The daily job ends it after expiry (REN-4), once.
    assert services.renewals_close_expired(today=D("2024-12-31")) == {"closed": 0, "skipped": 0}
    assert services.renewals_close_expired(today=D("2025-01-01")) == {"closed": 1, "skipped": 0}
    assert services.renewals_close_expired(today=D("2025-01-02")) == {"closed": 0, "skipped": 0}
    employer_filing.refresh_from_db()
    assert employer_filing.status == "expired"
    assert RenewalApplication.objects.get(pk=app.pk).filing_closed_at is not None


# ------------------------------------------------------------------------------------------- social org


def test_social_org_renewed_at_96(users, filing, evaluators):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    with pytest.raises(IllegalTransition):  # REN-4: tech schools and social orgs are evaluated
        services.renewal_employer_decide(
            actor=staff, application=app, approve=True, opinion="x", row_version=app.row_version
        )
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    assert app.status == "evaluating"
    ev = app.evaluation
    assert (ev.purpose, ev.form_version.form_id, ev.institution_id, ev.leader_id) == (
        "renewal",
        "CQ-RENEWAL",
        filing.institution_id,
        evaluators["leader"].pk,
    )
    with pytest.raises(IllegalTransition) as exc:  # not signed yet
        services.renewal_record_outcome(actor=staff, application=app, row_version=rv(app))
    assert exc.value.message == f"评估 {ev.pk} 号尚未签署(当前:填写中),签署后才能记录结果"
    run_evaluation(app)
    app = services.renewal_record_outcome(
        actor=staff, application=app, row_version=rv(app), today=D("2024-10-28")
    )
    assert (app.status, app.evaluation_total, app.evaluation_band) == ("renewed", Decimal("96.00"), "renew")
    assert (app.renewed_from, app.renewed_until, app.receipt_number) == (
        D("2025-01-01"),
        D("2028-12-31"),
        "延备回执〔2024〕1号",
    )
    # REN-5: C had only a cancelled batch → dropped from 2025-01-01; A and B kept.
    assert [(c["occupation_code"], c["action"], c["reason"]) for c in app.scope_changes] == [
        ("4-03-02-01", "keep", ""),
        ("4-10-01-05", "keep", ""),
        ("6-18-02-04", "drop", "no_activity"),
    ]
    assert _scope(filing)[2] == ("6-18-02-04", "", [4, 3], "2020-11-01", "2025-01-01")


def test_renewal_years_are_configurable_per_authority(users, filing, evaluators):
    services.renewal_config_save(
        actor=users[Role.AUTHORITY_ADMIN],
        authority=filing.authority,
        renewal_years=3,
        receipt_prefix="赣人社延备",
        notice_prefix="赣人社延备整改",
    )
    with pytest.raises(PermissionDenied):
        services.renewal_config_save(
            actor=users[Role.AUTHORITY_STAFF], authority=filing.authority, renewal_years=5
        )
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    run_evaluation(app)
    app = services.renewal_record_outcome(
        actor=staff, application=app, row_version=rv(app), today=D("2024-10-28")
    )
    assert (app.renewed_until, app.receipt_number) == (D("2027-12-31"), "赣人社延备〔2024〕1号")


def test_rectify_then_re_evaluate_then_renew_with_reduced_scope(users, filing, evaluators, occupations):
    """77 (rectify band) → notice, filing `rectifying`, batches refused; re-evaluation 96 → renewed."""
    staff, inst_admin = users[Role.AUTHORITY_STAFF], users[Role.INSTITUTION_ADMIN]
    app = apply(inst_admin, filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    first = run_evaluation(app, f.RECTIFY_DEDUCTIONS, f.RECTIFY_NOTES)
    assert (first.total, first.band) == (Decimal("77.00"), "rectify")
    app = services.renewal_record_outcome(
        actor=staff, application=app, row_version=rv(app), today=D("2024-10-28")
    )
    assert (app.status, app.evaluation_total, app.evaluation_band) == (
        "rectifying",
        Decimal("77.00"),
        "rectify",
    )
    assert (app.rectification_started_on, app.rectification_deadline) == (D("2024-10-28"), D("2025-04-28"))
    assert (app.notice_number, app.notice_issued_on) == ("延备整改〔2024〕1号", D("2024-10-28"))
    assert [(p["item_id"], p["max"], p["points"], p["lost"], p["note"]) for p in app.problems] == [
        ("B4.2", "10", "4", "6", "技能考核场地与备案不一致,候考区未设置"),
        ("B4.5", "4", "0", "4", ""),
        ("B5.1", "10", "4", "6", ""),
        ("B6.1", "3", "0", "3", "2 名考评员证书已过期"),
    ]
    filing.refresh_from_db()
    assert filing.status == "rectifying"
    assert filing.status_reason == "延续备案评估得分 77 分,整改至 2025-04-28,整改期内暂停认定工作"
    assert _messages(inst_admin)[-1] == (
        "renewal.outcome",
        "延续备案评估结论为整改(备案 赣人社鉴备〔2020〕18号)",
    )

    # INST-3: evaluations are suspended during rectification: a new batch is refused.
    venue = f.VenueFactory(institution=filing.institution)
    start = timezone.make_aware(dt.datetime(2024, 11, 20, 9))
    with pytest.raises(ValidationFailed) as exc:
        registry_services.batch_create(
            actor=inst_admin,
            institution=filing.institution,
            occupation=occupations["A"],
            levels=[4],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=4),
            venue=venue,
        )
    assert exc.value.code == "out_of_scope"
    assert "整改期" in exc.value.message

    # Re-evaluation after rectification: the scope asked for at application time stands; C had no
    # evaluation in the period, so the renewed scope is A and B only (REN-5).
    with pytest.raises(IllegalTransition):  # nothing to record before the re-evaluation is opened
        services.renewal_record_outcome(actor=staff, application=app, row_version=rv(app))
    app = open_evaluation(staff, app, evaluators)
    assert (app.status, app.evaluation_id != app.re_evaluation_id) == ("re_evaluating", True)
    run_evaluation(app)
    app = services.renewal_record_outcome(
        actor=staff, application=app, row_version=rv(app), today=D("2025-04-20")
    )
    assert (app.status, app.re_evaluation_total, app.re_evaluation_band) == (
        "renewed",
        Decimal("96.00"),
        "renew",
    )
    assert (app.renewed_from, app.renewed_until, app.receipt_number) == (
        D("2025-01-01"),
        D("2028-12-31"),
        "延备回执〔2025〕1号",
    )
    filing.refresh_from_db()
    assert (filing.status, filing.valid_until) == ("active", D("2028-12-31"))
    assert [s[0] for s in _scope(filing) if s[4] is None] == ["4-10-01-05", "4-03-02-01"]


def test_re_evaluation_in_the_rectify_band_is_refused(users, filing, evaluators):
    """REN-4: renewed only after a *passing* re-evaluation; 77 again → not renewed; expired filing closes."""
    staff = users[Role.AUTHORITY_STAFF]
    app = _renewal("re_evaluating", users, filing, evaluators)
    run_evaluation(app, f.RECTIFY_DEDUCTIONS)
    app = services.renewal_record_outcome(
        actor=staff, application=app, row_version=rv(app), today=D("2025-04-29")
    )
    assert app.status == "refused"
    assert app.outcome_reason == "延续备案整改后评估得分 77 分,整改后评估仍不合格,不予续期备案"
    filing.refresh_from_db()  # decided after the expiry: the filing ends now
    assert (filing.status, filing.valid_until) == ("expired", D("2024-12-31"))
    assert app.filing_closed_at is not None


def test_refused_below_sixty(users, filing, evaluators):
    app = _renewal("refused", users, filing, evaluators)
    assert (app.evaluation.total, app.evaluation.band) == (Decimal("58.00"), "refuse")
    assert (app.status, app.outcome_reason) == (
        "refused",
        "延续备案评估得分 58 分,低于 60 分,不予续期备案",
    )
    filing.refresh_from_db()
    assert (filing.status, filing.valid_until) == ("active", D("2024-12-31"))  # ends at expiry (daily job)
    assert (app.receipt_number, app.notice_number) == ("", "")


def test_a_signed_correction_decides(users, filing, evaluators):
    """The evaluation in force is the signed correction (scorecards versions), not the superseded one."""
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    first = run_evaluation(app, f.RECTIFY_DEDUCTIONS)
    fix = sc.evaluation_correct(actor=staff, evaluation=first, reason="B4.2 误判")
    with pytest.raises(Conflict):  # a correction is pending
        services.renewal_record_outcome(actor=staff, application=app, row_version=rv(app))
    for item_id in f.RECTIFY_DEDUCTIONS:
        value = [0, 0] if item_id == "B5.1" else 0
        fix = sc.evaluation_answer(actor=evaluators["leader"], evaluation=fix, item_id=item_id, value=value)
    fix = sc.evaluation_submit(actor=evaluators["leader"], evaluation=fix, row_version=current_version(fix))
    for user in [evaluators["leader"], *evaluators["members"]]:
        fix = sc.evaluation_sign(actor=user, evaluation=fix)
    app = services.renewal_record_outcome(
        actor=staff, application=app, row_version=rv(app), today=D("2024-10-28")
    )
    assert (app.status, app.evaluation_id, app.evaluation_total) == ("renewed", fix.pk, Decimal("96.00"))


def test_cancelled_evaluation_can_be_replaced(users, filing, evaluators):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    with pytest.raises(Conflict):
        open_evaluation(staff, app, evaluators)
    sc.evaluation_cancel(
        actor=staff,
        evaluation=app.evaluation,
        reason="评估组调整",
        row_version=current_version(app.evaluation),
    )
    old = app.evaluation_id
    app = open_evaluation(staff, app, evaluators)
    assert app.status == "evaluating" and app.evaluation_id != old
    assert Evaluation.objects.get(pk=old).status == "cancelled"


def test_not_accepted_and_withdrawn(users, filing):
    staff, inst_admin = users[Role.AUTHORITY_STAFF], users[Role.INSTITUTION_ADMIN]
    app = apply(inst_admin, filing)
    with pytest.raises(ValidationFailed):
        services.renewal_not_accept(actor=staff, application=app, reason=" ", row_version=app.row_version)
    app = services.renewal_not_accept(
        actor=staff, application=app, reason="材料不全", row_version=app.row_version
    )
    assert (app.status, app.outcome_reason) == ("not_accepted", "材料不全")
    app2 = apply(inst_admin, filing)
    with pytest.raises(PermissionDenied):
        services.renewal_withdraw(
            actor=users[Role.INSTITUTION_STAFF], application=app2, row_version=app2.row_version
        )
    app2 = services.renewal_withdraw(
        actor=inst_admin, application=app2, reason="材料重报", row_version=app2.row_version
    )
    assert app2.status == "withdrawn"
    with pytest.raises(IllegalTransition):
        services.renewal_accept(actor=staff, application=app2, row_version=app2.row_version)


def test_stale_row_version_changes_nothing(users, filing):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    before, snapshot = counts(), state(app)
    with pytest.raises(Conflict):
        services.renewal_accept(actor=staff, application=app, row_version=app.row_version + 1)
    assert (counts(), state(app)) == (before, snapshot)


def test_transition_table_matches_the_statuses():
    assert set(services.TRANSITIONS) == set(S.values)
    assert services.TRANSITIONS[S.SUBMITTED].keys() == {S.UNDER_REVIEW, S.NOT_ACCEPTED, S.WITHDRAWN}
    # REFUSED from rectifying: the termination of the filing after a missed deadline closes the renewal.
    assert services.TRANSITIONS[S.RECTIFYING].keys() == {S.RE_EVALUATING, S.REFUSED}
    assert services.TRANSITIONS[S.RE_EVALUATING].keys() == {S.RENEWED, S.REFUSED, S.BUREAU_REVIEW}
    assert services.TRANSITIONS[S.BUREAU_REVIEW].keys() == {
        S.RENEWED,
        S.RECTIFYING,
        S.REFUSED,
        S.EVALUATING,
        S.RE_EVALUATING,
    }
    assert all(services.TRANSITIONS[s] == {} for s in RenewalApplication.FINAL_STATUSES)


def test_add_batch_helper_is_in_the_period(filing, occupations):
    """Guard for the fixtures: a batch after the decision day does not count (REN-5 [interpretation])."""
    from dudao.renewals import selectors

    add_batch(filing, occupations["C"], day=D("2024-11-15"))
    assert selectors.active_pairs(filing.pk, D("2020-11-01"), D("2024-10-28")) == {
        ("4-10-01-05", ""),
        ("4-03-02-01", "中式烹调"),
    }
    assert ("6-18-02-04", "") in selectors.active_pairs(filing.pk, D("2020-11-01"), D("2024-12-31"))


def test_close_expired_command(users, employer_admin, employer_filing):
    from io import StringIO

    from django.core.management import call_command

    staff = users[Role.AUTHORITY_STAFF]
    app = apply(employer_admin, employer_filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    services.renewal_employer_decide(
        actor=staff,
        application=app,
        approve=False,
        opinion="不符合",
        row_version=app.row_version,
        today=D("2024-10-15"),
    )
    out = StringIO()
    call_command("renewals", "close-expired", "--date", "2025-01-01", "--json", stdout=out)
    assert out.getvalue().strip() == '{"closed": 1, "skipped": 0}'
    out = StringIO()
    call_command("renewals", "close-expired", "--date", "2025-01-02", stdout=out)
    assert out.getvalue().strip() == "已到期处理 0 个备案,跳过 0 个(次日重试)"
    assert Filing.objects.get(pk=employer_filing.pk).status == "expired"


def test_a_renewal_that_would_leave_no_scope_is_refused_and_changes_nothing(
    users, employer_admin, employer_filing
):
    """REN-5 drops every occupation without activity; if nothing is left there is nothing to renew."""
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(employer_admin, employer_filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    Batch.objects.filter(filing=employer_filing).update(status="cancelled")
    before = (_scope(employer_filing), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        services.renewal_employer_decide(
            actor=staff,
            application=app,
            approve=True,
            opinion="材料齐全",
            row_version=app.row_version,
            today=D("2024-10-15"),
        )
    assert exc.value.code == "empty_renewed_scope"
    assert "认定范围为空" in exc.value.message
    assert (_scope(employer_filing), AuditEvent.objects.count()) == before
    app.refresh_from_db()
    assert app.status == "under_review"


@pytest.mark.parametrize("field", ["leader", "members"])
def test_evaluation_group_outside_reach_answers_like_a_missing_id(
    users, filing, evaluators, other_authority, field
):
    """SEC-3 (issue 8 §2): a user of another province and a missing id give one answer naming nobody."""
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    outsider = f.UserFactory(
        username="gd_staff_x", display_name="外省某", role=Role.AUTHORITY_STAFF, authority=other_authority
    )
    messages = []
    for target in (outsider.pk, 999999):
        group = {"leader": evaluators["leader"], "members": []}
        group[field] = target if field == "leader" else [target]
        with pytest.raises(ValidationFailed) as caught:
            services.renewal_open_evaluation(
                actor=staff,
                application=app,
                leader=group["leader"],
                members=group["members"],
                row_version=app.row_version,
            )
        messages.append((caught.value.message, caught.value.detail))
    assert (
        messages[0] == messages[1] == ("评估组成员不存在或无权访问", {field: ["评估组成员不存在或无权访问"]})
    )
    app.refresh_from_db()
    assert app.status == "under_review" and app.evaluation_id is None
