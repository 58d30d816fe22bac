"""Fixtures of the renewal procedure tests (test_app_*): a social organisation's filing with three scope
entries, batches in the period, evaluators, and helpers to apply, evaluate and sign.

The CLI/domain tests of `renewals plan` in this folder use none of these fixtures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.notifications.models import Message
from dudao.registry.models import Batch, Filing, FilingScope, Institution
from dudao.renewals import services
from dudao.renewals.models import RenewalApplication, RenewalAttachment
from dudao.scorecards import services as sc
from dudao.scorecards.domain import shipped_form
from tests import factories as f
from tests.factories import current_version

D = dt.date.fromisoformat
TODAY = D("2024-09-27")  # received: employer decide_by 2024-10-16, others 2024-10-30 (CAL-2, CAL-4)
VALID_UNTIL = D("2024-12-31")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

# CQ-RENEWAL answers (FORM-B): every item full, no bonus → 96.
RECTIFY_DEDUCTIONS = {"B4.2": 3, "B4.5": 2, "B5.1": [0, 2], "B6.1": 1}  # −6 −4 −6 −3 → 77
REFUSE_DEDUCTIONS = {"B4.1": 3, "B4.2": 5, "B4.3": 2, "B4.4": 2, "B4.5": 2, "B5.1": [1, 0], "B6.1": 1}  # → 58
RECTIFY_NOTES = {"B4.2": "技能考核场地与备案不一致,候考区未设置", "B6.1": "2 名考评员证书已过期"}


def clean_answers() -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in shipped_form("CQ-RENEWAL").items:
        if item.kind == "bonus":
            answers[item.id] = False
        elif item.kind == "choice":
            answers[item.id] = "full"
        else:
            answers[item.id] = 0 if len(item.rules) == 1 else [0] * len(item.rules)
    return answers


def pdf(name: str = "申请.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def occupations(db):
    return {
        "A": f.OccupationFactory(code="4-10-01-05", name="养老护理员"),
        "B": f.OccupationFactory(code="4-03-02-01", name="中式烹调师"),
        "C": f.OccupationFactory(code="6-18-02-04", name="电工"),
    }


def make_filing(
    institution: Institution, occupations: dict, *, number: str = "赣人社鉴备〔2020〕18号"
) -> Filing:
    filing = f.FilingFactory(
        institution=institution,
        authority=institution.authority,
        number=number,
        valid_from=D("2020-11-01"),
        valid_until=VALID_UNTIL,
    )
    f.FilingScopeFactory(filing=filing, occupation=occupations["A"], levels=[5, 4, 3])
    f.FilingScopeFactory(filing=filing, occupation=occupations["B"], work_type="中式烹调", levels=[5, 4])
    f.FilingScopeFactory(filing=filing, occupation=occupations["C"], levels=[4, 3])
    return filing


def add_batch(
    filing: Filing, occupation, *, day: dt.date, work_type: str = "", status: str = "completed"
) -> Batch:
    venue = f.VenueFactory(institution=filing.institution)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    return Batch.objects.create(
        code=f"PC{day:%Y%m%d}{Batch.objects.count() + 1:04d}",
        institution=filing.institution,
        filing=filing,
        occupation=occupation,
        work_type=work_type,
        levels=[4],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        venue=venue,
        status=status,
    )


@pytest.fixture
def filing(institution, occupations):
    """The social organisation's filing: A and B were evaluated in the period, C never (REN-5)."""
    filing = make_filing(institution, occupations)
    add_batch(filing, occupations["A"], day=D("2023-05-20"))
    add_batch(filing, occupations["B"], day=D("2022-06-11"), work_type="中式烹调")
    add_batch(filing, occupations["C"], day=D("2023-08-01"), status="cancelled")  # cancelled: not 开展
    return filing


@pytest.fixture
def employer(authority):
    return f.InstitutionFactory(
        authority=authority,
        region=authority.region,
        kind=Institution.Kind.EMPLOYER,
        name="江西某机械制造有限公司",
    )


@pytest.fixture
def employer_admin(employer):
    return f.UserFactory(username="emp_admin", role=Role.INSTITUTION_ADMIN, institution=employer)


@pytest.fixture
def employer_filing(employer, occupations):
    filing = make_filing(employer, occupations, number="赣人社鉴备〔2020〕31号")
    add_batch(filing, occupations["A"], day=D("2021-03-03"))
    add_batch(filing, occupations["B"], day=D("2021-04-04"), work_type="中式烹调")
    add_batch(filing, occupations["C"], day=D("2022-04-04"))
    return filing


def scope_rows(filing: Filing, *, levels: dict[str, list[int]] | None = None, skip: tuple[str, ...] = ()):
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


def materials(filing: Filing, *, self_built: bool = False, **scope_kwargs) -> dict[str, Any]:
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
        "scope": scope_rows(filing, **scope_kwargs),
        "rules": [
            {"name": "考务管理制度", "made_on": "2021-01-05", "issuer_and_number": "机构发〔2021〕1号"}
        ],
        "strengths": {"organisation": "设有评价工作部", "professional": "养老护理专业师资"},
        "sites": {"workplace": "南昌市红谷滩区,800 平方米,自有", "video_monitoring": "每考场 2 个高清摄像头"},
        "equipment": [{"name": "护理床", "model": "HL-2", "quantity": 10, "ownership": "自有"}],
        "managers": [
            {
                "name": "王主任",
                "id_number": f.make_resident_id(7),
                "title": "主任",
                "post": "机构负责人",
                "own_staff": True,
            }
        ],
        "examiners": [
            {
                "name": "赵考评",
                "id_number": f.make_resident_id(8),
                "certificate_no": "KP-0001",
                "phone": "13912345678",
            }
        ],
        "internal_supervisors": [{"name": "钱督导", "id_number": f.make_resident_id(9), "own_staff": True}],
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


def apply(
    actor, filing: Filing, *, today: dt.date = TODAY, self_built: bool = False, **kwargs
) -> RenewalApplication:
    attachments = {"application_letter": pdf()}
    if self_built:
        attachments.update(question_explanation=pdf("编制说明.pdf"), expert_review=pdf("专家评审.pdf"))
    return services.renewal_apply(
        actor=actor,
        filing=filing,
        materials=materials(filing, self_built=self_built, **kwargs),
        attachments=attachments,
        today=today,
    )


def run_evaluation(app: RenewalApplication, leader, members, deductions=None, notes=None):
    """Fill every CQ-RENEWAL item (answers + notes) as the leader, submit, every member signs."""
    app.refresh_from_db()
    ev = app.re_evaluation or app.evaluation
    answers = {**clean_answers(), **(deductions or {})}
    for item_id, value in answers.items():
        ev = sc.evaluation_answer(
            actor=leader, evaluation=ev, item_id=item_id, value=value, note=(notes or {}).get(item_id)
        )
    ev = sc.evaluation_submit(actor=leader, evaluation=ev, row_version=current_version(ev))
    for user in [leader, *members]:
        ev = sc.evaluation_sign(actor=user, evaluation=ev)
    return ev


@pytest.fixture
def evaluators(users):
    return {"leader": users[Role.AUTHORITY_STAFF], "members": [users[Role.EXTERNAL_SUPERVISOR]]}


def open_evaluation(actor, app: RenewalApplication, evaluators) -> RenewalApplication:
    return services.renewal_open_evaluation(
        actor=actor,
        application=app,
        leader=evaluators["leader"],
        members=evaluators["members"],
        row_version=RenewalApplication.objects.get(pk=app.pk).row_version,
    )


def rv(app: RenewalApplication) -> int:
    return RenewalApplication.objects.get(pk=app.pk).row_version


def counts() -> dict[str, int]:
    """Row counts of everything a renewal call could write (nothing-changed assertions)."""
    return {
        "applications": RenewalApplication.objects.count(),
        "attachments": RenewalAttachment.objects.count(),
        "audit": AuditEvent.objects.count(),
        "messages": Message.objects.count(),
        "scopes_open": FilingScope.objects.filter(ended_on=None).count(),
    }


def state(app: RenewalApplication) -> tuple:
    row = RenewalApplication.objects.get(pk=app.pk)
    filing = Filing.objects.get(pk=row.filing_id)
    return (
        row.status,
        row.row_version,
        row.evaluation_id,
        filing.status,
        filing.valid_until,
        filing.row_version,
    )
