"""Renewal applications (延续备案) in a chosen state, made through the renewals and scorecards services: the
renewal form, its attachments, acceptance, the CQ-RENEWAL evaluation and the outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.registry.models import Filing, FilingScope
from dudao.renewals import services
from dudao.renewals.models import RenewalApplication

from .rows import current_version, make_resident_id
from .scorecards import evaluation_advance

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

# CQ-RENEWAL answers (FORM-B): best answers score 96 (renew); these deductions give 77 (rectify) and 58
# (refuse) — REN-4's bands.
RECTIFY_DEDUCTIONS = {"B4.2": 3, "B4.5": 2, "B5.1": [0, 2], "B6.1": 1}  # −6 −4 −6 −3 → 77
REFUSE_DEDUCTIONS = {"B4.1": 3, "B4.2": 5, "B4.3": 2, "B4.4": 2, "B4.5": 2, "B5.1": [1, 0], "B6.1": 1}  # → 58
RECTIFY_NOTES = {"B4.2": "技能考核场地与备案不一致,候考区未设置", "B6.1": "2 名考评员证书已过期"}

RENEWAL_PATH = ("submitted", "under_review", "evaluating")
# Each state after the first evaluation: the evaluation's answers, and whether a re-evaluation is opened.
RENEWAL_OUTCOMES = {
    "renewed": {},
    "rectifying": RECTIFY_DEDUCTIONS,
    "refused": REFUSE_DEDUCTIONS,
    "re_evaluating": RECTIFY_DEDUCTIONS,
}


def pdf(name: str = "申请.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def renewal_scope_rows(
    filing: Filing, *, levels: dict[str, list[int]] | None = None, skip: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The renewal form's scope table: every open entry of the filing (its levels unless overridden)."""
    rows = []
    for s in FilingScope.objects.filter(filing=filing, ended_on=None).select_related("occupation"):
        if s.occupation.code in skip:
            continue
        rows.append(
            {
                "occupation_code": s.occupation.code,
                "occupation_name": s.occupation.name,
                "work_type": s.work_type,
                "levels": (levels or {}).get(s.occupation.code, list(s.levels)),
                "start_date": s.start_date.isoformat(),
                "certified_count": 120,
            }
        )
    return rows


def renewal_materials(filing: Filing, *, self_built: bool = False, **scope_kwargs) -> dict[str, Any]:
    """A complete, valid renewal form (seed 004 attachment 2)."""
    inst = filing.institution
    return {
        "basic": {
            "name": inst.name,
            "address": "南昌市红谷滩区丰和中大道 1 号",
            "uscc": inst.uscc,
            "legal_representative": "张法人",
            "contact_name": "李联系",
            "contact_phone": "0791-88123456",
            "email": "renewal@example.cn",
        },
        "scope": renewal_scope_rows(filing, **scope_kwargs),
        "rules": [
            {"name": "考务管理制度", "made_on": "2021-01-05", "issuer_and_number": "机构发〔2021〕1号"}
        ],
        "strengths": {"organisation": "设有评价工作部", "professional": "养老护理专业师资"},
        "sites": {"workplace": "南昌市红谷滩区,800 平方米,自有", "video_monitoring": "每考场 2 个高清摄像头"},
        "equipment": [{"name": "护理床", "model": "HL-2", "quantity": 10, "ownership": "自有"}],
        "managers": [
            {
                "name": "王主任",
                "id_number": make_resident_id(7),
                "title": "主任",
                "post": "机构负责人",
                "own_staff": True,
            }
        ],
        "examiners": [
            {
                "name": "赵考评",
                "id_number": make_resident_id(8),
                "certificate_no": "KP-0001",
                "phone": "13912345678",
            }
        ],
        "internal_supervisors": [{"name": "钱督导", "id_number": make_resident_id(9), "own_staff": True}],
        "question_resources": [
            {
                "occupation_name": "养老护理员",
                "occupation_code": "4-10-01-05",
                "level": "4",
                "source": "self_built" if self_built else "city_bank",
                **(
                    {"resource_type": "bank", "subject": "theory", "quantity": "理论 500 题"}
                    if self_built
                    else {}
                ),
            }
        ],
        "summary": {"text": "备案期间累计开展 2 个职业(工种)240 人次职业技能等级认定。"},
        "commitment": {"accepted": True, "legal_representative": "张法人"},
    }


def renewal_attachments(*, self_built: bool = False) -> dict[str, Any]:
    attachments: dict[str, Any] = {"application_letter": pdf()}
    if self_built:
        attachments.update(question_explanation=pdf("编制说明.pdf"), expert_review=pdf("专家评审.pdf"))
    return attachments


def renewal_application(
    state: str = "submitted",
    *,
    applicant,
    filing: Filing,
    decider=None,
    leader=None,
    members=(),
    today: dt.date | None = None,
    decided_on: dt.date | None = None,
    received_on: dt.date | None = None,
    materials: dict[str, Any] | None = None,
    self_built: bool = False,
) -> RenewalApplication:
    """A renewal application of `filing` by `applicant` (the institution's admin, or the authority recording
    a paper application with `received_on`), taken to `state` by `decider` (the authority holding the
    filing): not accepted, accepted, evaluated by `leader` (default: the decider) and `members` with the
    CQ-RENEWAL form (96 → renewed, 77 → rectifying, 58 → refused), re-evaluation opened after a
    rectification. `withdrawn` is the applicant's step (an institution admin). `today` is the application's
    day, `decided_on` the outcome's (default: `today`)."""
    app = services.renewal_apply(
        actor=applicant,
        filing=filing,
        materials=materials or renewal_materials(filing, self_built=self_built),
        attachments=renewal_attachments(self_built=self_built),
        received_on=received_on,
        today=today,
    )
    if state == "submitted":
        return app
    if state == "withdrawn":
        return services.renewal_withdraw(
            actor=applicant, application=app, reason="材料需补充", row_version=current_version(app)
        )
    if decider is None:
        raise ValueError(f"a decider (authority user) is needed to reach {state!r}")
    if state == "not_accepted":
        return services.renewal_not_accept(
            actor=decider, application=app, reason="申请材料未加盖公章", row_version=current_version(app)
        )
    if state not in (*RENEWAL_PATH, *RENEWAL_OUTCOMES):
        raise ValueError(f"no path to renewal state {state!r}")
    app = services.renewal_accept(actor=decider, application=app, row_version=current_version(app))
    if state == "under_review":
        return app
    app = services.renewal_open_evaluation(
        actor=decider,
        application=app,
        leader=leader or decider,
        members=members,
        row_version=current_version(app),
    )
    if state == "evaluating":
        return app
    notes = RECTIFY_NOTES if state in ("rectifying", "re_evaluating") else None
    evaluation_advance(app.evaluation, "signed", answers=RENEWAL_OUTCOMES[state], notes=notes)
    app = services.renewal_record_outcome(
        actor=decider, application=app, row_version=current_version(app), today=decided_on or today
    )
    if state == "re_evaluating":
        app = services.renewal_open_evaluation(
            actor=decider,
            application=app,
            leader=leader or decider,
            members=members,
            row_version=current_version(app),
        )
    assert app.status == state, (app.status, state)
    return app
