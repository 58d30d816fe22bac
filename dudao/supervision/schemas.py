"""Request and response schemas of the supervision API (field names match services and presenters)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from dudao.common.pagination import PageParams


class RowVersionIn(Schema):
    row_version: int | None = Field(None, description="版本号(乐观锁):读取时的 row_version,缺少则拒绝")


class ReasonIn(Schema):
    reason: str
    row_version: int | None = None


# ---------------------------------------------------------------------------------------- policy
class PolicyOut(Schema):
    authority_id: int | None
    report_days: int
    defence_workdays: int
    rectification_days: int
    termination_statement_workdays: int
    disclose_supervisors_as: str
    coverage_required: bool
    opinion_number_prefix: str
    saved: bool
    row_version: int | None


class PolicyPatch(Schema):
    authority_id: int | None = None
    row_version: int | None = None
    report_days: int | None = Field(None, ge=0, le=60, description="报告提交期限(自然日)")  # SUP-7
    defence_workdays: int | None = Field(None, ge=1, le=60, description="申辩期限(工作日)")  # ACT-4
    rectification_days: int | None = Field(None, ge=1, le=730)
    termination_statement_workdays: int | None = Field(
        None, ge=1, le=60, description="终止备案陈述申辩期限(工作日)"
    )
    disclose_supervisors_as: str | None = Field(None, pattern="^(name|card_number)$")
    coverage_required: bool | None = None
    opinion_number_prefix: str | None = Field(None, max_length=32)


# ----------------------------------------------------------------------------------------- draws
class DrawFilters(PageParams):
    q: str = ""
    status: str = ""
    kind: str = ""
    task_kind: str = ""
    year: int | None = Field(None, ge=1900, le=2100, description="年度")


class DrawIn(Schema):
    title: str = Field(..., max_length=128)
    kind: str = Field(
        "external", pattern="^(external|internal)$", description="external 外部抽取;internal 机构内部抽取"
    )
    period_start: dt.date
    period_end: dt.date
    population: str = Field("batches", pattern="^(batches|institutions)$")
    filters: dict[str, Any] = Field(
        default_factory=dict, description="occupations, institution_kinds, institutions, region"
    )
    sample_count: int | None = Field(None, ge=1)
    sample_ratio: Decimal | None = Field(None, gt=0, le=1)
    risk_weights: dict[str, Any] = Field(
        default_factory=dict, description='{"institutions": {id: w}, "prior_violation": w}'
    )
    task_kind: str = Field("daily", pattern="^(daily|special)$")
    items: list[str] = Field(default_factory=list, description="督导内容编号(专项督导必填)")  # ACT-1
    group_size: int = Field(1, ge=1, le=15)
    group_reason: str = ""
    max_tasks: int = Field(3, ge=1, le=100)
    pool: dict[str, Any] = Field(
        default_factory=dict, description='{"supervisors": [id], "include_flagged": false}'
    )
    covert_policy: str = Field("open", pattern="^(open|covert)$")
    authority_id: int | None = None
    institution_id: int | None = None


class DrawPatch(Schema):
    row_version: int
    title: str | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    population: str | None = None
    filters: dict[str, Any] | None = None
    sample_count: int | None = None
    sample_ratio: Decimal | None = None
    risk_weights: dict[str, Any] | None = None
    task_kind: str | None = None
    items: list[str] | None = None
    group_size: int | None = None
    group_reason: str | None = None
    max_tasks: int | None = None
    pool: dict[str, Any] | None = None
    covert_policy: str | None = None


class DrawRow(Schema):
    id: int
    number: str
    title: str
    authority_id: int
    authority_name: str
    institution_id: int | None
    institution_name: str
    kind: str
    kind_label: str
    period_start: dt.date
    period_end: dt.date
    population: str
    population_label: str
    task_kind: str
    task_kind_label: str
    covert_policy: str
    status: str
    status_label: str
    target_count: int
    supervisor_count: int
    published_at: dt.datetime | None
    locked_at: dt.datetime | None
    row_version: int


class DrawPage(Schema):
    items: list[DrawRow]
    count: int
    page: int
    page_size: int


class WitnessOut(Schema):
    id: int
    position: int
    name: str
    role: str = Field(description="discipline 纪检监察 / notary 公证 / other 其他监督人员")
    role_label: str
    organisation: str
    commitment: str = Field(description="H(随机值),公布前登记")
    value: str | None = Field(None, description="随机值,抽取会上录入后公开")
    revealed_at: dt.datetime | None


class WitnessIn(Schema):
    name: str
    role: str = Field(description="discipline / notary / other")
    organisation: str = ""
    commitment: str = Field(
        description="见证人自行计算的 H(随机值),64 位十六进制,算法为抽取的 hash_algorithm"
    )
    row_version: int | None = None


class WitnessValueIn(Schema):
    value: str = Field(description="见证人的随机值:16–128 位字母、数字、- 或 _")
    row_version: int | None = None


class DrawOut(DrawRow):
    filters: dict[str, Any]
    sample_count: int | None
    sample_ratio: str | None
    risk_weights: dict[str, Any]
    items: list[str]
    item_labels: list[str]
    group_size: int
    group_reason: str
    max_tasks: int
    pool: dict[str, Any]
    hash_algorithm: str
    scenario_digest: str
    seed_commitment: str
    seed_scheme: str = Field(description="witness:服务器种子 + 见证人随机值;server:旧版抽取")
    witnesses: list[WitnessOut]
    seed: str | None = Field(None, description="服务器种子,锁定(或公布后取消)时公开")
    final_seed: str | None = Field(None, description="H(服务器种子|见证人随机值…),锁定时公开")
    run_at: dt.datetime | None
    cancel_reason: str
    cancelled_at: dt.datetime | None
    result: dict[str, Any] | None
    task_count: int
    can_manage: bool


# -------------------------------------------------------------------------------------- coverage
class CoverageFilters(PageParams):
    start: dt.date
    end: dt.date
    covered: bool | None = None
    institution: int | None = None
    q: str = ""


class CoverageRow(Schema):
    batch_id: int
    batch_code: str
    institution_id: int
    institution_name: str
    occupation_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    supervised: bool
    task_count: int


class CoveragePage(Schema):
    items: list[CoverageRow]
    count: int
    page: int
    page_size: int
    total: int
    covered: int
    uncovered: int
    rate: str | None
    coverage_required: bool


# ----------------------------------------------------------------------------------------- tasks
class TaskFilters(PageParams):
    q: str = ""
    status: str = ""
    kind: str = ""
    institution: int | None = None
    draw: int | None = None
    covert: bool | None = None
    mine: bool = False
    overdue: bool | None = None
    open_only: bool = False


class TaskRow(Schema):
    id: int
    number: str
    draw_id: int | None
    draw_number: str
    authority_id: int
    institution_id: int
    institution_name: str
    batch_id: int | None
    batch_code: str
    kind: str
    kind_label: str
    supervisor_kind: str
    covert: bool
    items: list[str]
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    status_label: str
    report_due_on: dt.date
    report_overdue: bool
    report_submitted_at: dt.datetime | None
    leader_name: str
    member_names: list[str]
    row_version: int


class TaskPage(Schema):
    items: list[TaskRow]
    count: int
    page: int
    page_size: int


class TaskOut(TaskRow):
    authority_name: str
    group_size: int
    group_reason: str
    item_labels: list[str]
    note: str
    dispatched_at: dt.datetime
    on_site_at: dt.datetime | None
    closed_at: dt.datetime | None
    members: list[dict[str, Any]]
    checklist: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    reports: list[dict[str, Any]]
    opinions: list[dict[str, Any]]
    rectifications: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    actions: list[str]
    can_manage: bool


class TaskIn(Schema):
    institution_id: int
    supervisor_ids: list[int] = Field(..., min_length=1)
    leader_id: int | None = None
    kind: str = Field("daily", pattern="^(daily|special)$")
    supervisor_kind: str = Field("external", pattern="^(external|internal)$")
    batch_id: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    covert: bool = False
    items: list[str] = Field(default_factory=list)
    group_reason: str = ""
    note: str = ""


class DeclineIn(Schema):
    reason: str = Field("", max_length=255, description="空 = 记录为无故拒绝")  # SUP-10
    reason_kind: str = Field("", pattern="^(|recusal|illness|schedule|other)$")


class ReviewDeclineIn(Schema):
    justified: bool
    note: str = ""
    row_version: int | None = None


class ReplaceIn(Schema):
    supervisor_id: int


class FindingIn(Schema):
    content_area: str
    method: str
    severity: str
    description: str = ""


class FindingPatch(Schema):
    row_version: int
    content_area: str | None = None
    method: str | None = None
    severity: str | None = None
    description: str | None = None


class EvidenceOut(Schema):
    id: int
    original_name: str
    content_type: str
    kind: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str


class FindingOut(Schema):
    id: int
    content_area: str
    content_area_label: str
    method: str
    method_label: str
    severity: str
    severity_label: str
    description: str
    recorded_by: str
    created_at: dt.datetime
    row_version: int
    evidence: list[EvidenceOut]


class ReportIn(Schema):
    summary: str
    problems: str = ""
    recommendations: str = ""
    row_version: int | None = None


class ReportCorrectIn(Schema):
    reason: str
    summary: str
    problems: str = ""
    recommendations: str = ""


class PreliminaryIn(Schema):
    body: str
    requirements: str = ""
    row_version: int | None = None


class DefenceIn(Schema):
    text: str


class OpinionIn(Schema):
    body: str
    requirements: str = ""
    requires_rectification: bool = True
    rectification_due_on: dt.date | None = None
    row_version: int | None = None


class RectificationOrderIn(Schema):
    requirements: str
    due_on: dt.date | None = None
    row_version: int | None = None


class RectificationSubmitIn(Schema):
    plan: str


class RectificationReviewIn(Schema):
    passed: bool
    note: str = ""
    requirements: str = ""
    due_on: dt.date | None = None
    row_version: int | None = None


class CloseIn(Schema):
    note: str = ""
    row_version: int | None = None


class RatingIn(Schema):
    supervisor_id: int
    scores: dict[str, int]
    comment: str = ""


class RatingOut(Schema):
    id: int
    task_id: int
    supervisor_id: int
    supervisor_name: str
    institution_id: int
    scores: dict[str, int]
    total: int
    band: str
    comment: str
    rated_at: dt.datetime


class RatingFilters(PageParams):
    supervisor: int | None = None
    task: int | None = None


class RatingPage(Schema):
    items: list[RatingOut]
    count: int
    page: int
    page_size: int


# ------------------------------------------------------------------------------------- penalties
class PenaltyIn(Schema):
    institution_id: int
    kind: str
    ground: str
    description: str
    task_id: int | None = None
    filing_id: int | None = None
    escalated_from_id: int | None = None
    serious: bool = False
    serious_reason: str = ""
    responsible_persons: list[str] = []


class PenaltyOut(Schema):
    id: int
    authority_id: int
    institution_id: int
    institution_name: str
    filing_id: int | None
    filing_number: str
    filing_status: str
    task_id: int | None
    kind: str
    kind_label: str
    ground: str
    ground_label: str
    description: str
    status: str
    status_label: str
    decided_at: dt.datetime
    lifted_at: dt.datetime | None
    lift_reason: str
    escalated_from_id: int | None
    serious: bool
    serious_reason: str
    responsible_persons: list[str]
    row_version: int


class PenaltyFilters(PageParams):
    institution: int | None = None
    kind: str = ""
    status: str = ""
    q: str = ""


class PenaltyPage(Schema):
    items: list[PenaltyOut]
    count: int
    page: int
    page_size: int


# ------------------------------------------------------------------------- termination of a filing
class TerminationIn(Schema):
    task_id: int
    ground: str = Field(
        description="rectification_overdue 逾期未整改 / rectification_incomplete 未按要求完成整改"
    )
    notice: str
    filing_id: int | None = None


class StatementIn(Schema):
    statement: str
    row_version: int | None = None


class TerminationDecisionIn(Schema):
    decision: str = Field(description="terminate 终止备案 / withdraw 撤回")
    note: str
    row_version: int | None = None


class TerminationOut(Schema):
    id: int
    authority_id: int
    institution_id: int
    institution_name: str
    filing_id: int
    filing_number: str
    filing_status: str
    task_id: int | None
    rectification_id: int | None
    renewal_id: int | None
    rectification_due_on: dt.date
    ground: str
    ground_label: str
    notice: str
    status: str
    status_label: str
    notified_at: dt.datetime
    statement_due_on: dt.date
    statement_due_provisional: bool
    statement: str
    statement_at: dt.datetime | None
    decision_note: str
    decided_at: dt.datetime | None
    row_version: int


class TerminationFilters(PageParams):
    status: str = ""
    institution: int | None = None


class TerminationPage(Schema):
    items: list[TerminationOut]
    count: int
    page: int
    page_size: int


# ----------------------------------------------------------------------------------- performance
class StatsOut(Schema):
    tasks: int
    reports: int
    reports_on_time: int
    on_time_rate: str | None
    declines: int
    unjustified_declines: int
    ratings: int
    rating_average: str | None
    misconduct: int


class SupervisorRecordOut(Schema):
    supervisor_id: int
    name: str
    kind: str
    status: str
    dismissal_flag: bool
    year: int | None
    stats: StatsOut
    tasks: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    misconduct: list[dict[str, Any]]
    assessments: list[dict[str, Any]]


class AssessmentIn(Schema):
    supervisor_id: int
    year: int
    decision: str = Field(..., pattern="^(keep|not_renew|revoke_card)$")
    note: str = ""


class AssessmentOut(Schema):
    id: int
    supervisor_id: int
    supervisor_name: str
    year: int
    metrics: dict[str, Any]
    decision: str
    decision_label: str
    note: str
    decided_at: dt.datetime


class AssessmentFilters(PageParams):
    supervisor: int | None = None
    year: int | None = Field(None, ge=1900, le=2100, description="年度")
    decision: str = ""


class AssessmentPage(Schema):
    items: list[AssessmentOut]
    count: int
    page: int
    page_size: int


class RenewIn(Schema):
    starts_on: dt.date | None = None


class SupervisionContractOut(Schema):
    id: int
    supervisor_id: int
    term_no: int
    starts_on: dt.date
    ends_on: dt.date


class MisconductIn(Schema):
    supervisor_id: int
    kind: str
    description: str
    occurred_on: dt.date | None = None
    task_id: int | None = None


class MisconductOut(Schema):
    id: int
    supervisor_id: int
    supervisor_name: str
    kind: str
    kind_label: str
    task_id: int | None
    description: str
    occurred_on: dt.date
    withdrawn_at: dt.datetime | None
    withdraw_reason: str
    row_version: int


class MisconductFilters(PageParams):
    supervisor: int | None = None
    active: bool | None = None


class MisconductPage(Schema):
    items: list[MisconductOut]
    count: int
    page: int
    page_size: int


# ---------------------------------------------------------------------------------------- public
class PublicDrawFilters(PageParams):
    q: str = ""
    year: int | None = Field(None, ge=1900, le=2100, description="年度")
    authority: str = ""


class PublicDrawRow(Schema):
    id: int
    number: str
    title: str
    authority_name: str
    institution_name: str
    kind: str
    kind_label: str
    period_start: dt.date
    period_end: dt.date
    task_kind: str
    task_kind_label: str
    covert: bool
    status: str
    status_label: str
    published_at: dt.datetime | None
    locked_at: dt.datetime | None
    scenario_digest: str
    seed_commitment: str
    hash_algorithm: str
    cancel_reason: str = Field(description="公布后取消的抽取仍公开,附取消原因")
    cancelled_at: dt.datetime | None


class PublicDrawPage(Schema):
    items: list[PublicDrawRow]
    count: int
    page: int
    page_size: int


class PublicDrawOut(PublicDrawRow):
    population: str
    run_at: dt.datetime | None
    target_count: int
    supervisor_count: int
    seed: str | None = Field(None, description="服务器种子,锁定或公布后取消时公开")
    seed_scheme: str
    witnesses: list[WitnessOut]
    final_seed: str | None
    disclosure: dict[str, bool]
    parameters: dict[str, Any]
    selected: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]
    stats: dict[str, Any] | None


class VerifyCheckOut(Schema):
    key: str = Field(description="seed_commitment / scenario_digest / witnesses / final_seed / result")
    label: str
    outcome: str = Field(description="pass / fail / warning(警告不算失败,如旧版抽取无见证人)")
    ok: bool
    detail: list[str]


class VerifyOut(Schema):
    ok: bool = Field(description="全部核对项都未失败")
    checks: list[VerifyCheckOut]
    failed: list[str] = Field(description="失败的核对项")
    warnings: list[str]
    differences: list[str]
    final_seed: str | None
    hash_algorithm: str
    scenario_digest: str
    seed_commitment: str


class PublicTaskFilters(PageParams):
    draw: int | None = None
    institution: int | None = None
    q: str = ""


class PublicTaskOut(Schema):
    id: int
    number: str
    draw_number: str
    institution_name: str
    batch_code: str
    kind: str
    kind_label: str
    covert: bool
    starts_at: dt.datetime
    status: str
    status_label: str
    supervisors: list[str]
    reported: bool
    problem_count: int
    opinion_number: str | None
    opinion_issued_at: dt.datetime | None
    rectification_status: str | None
    rectification_status_label: str
    rectification_due_on: dt.date | None
    penalties: list[dict[str, Any]]


class PublicTaskPage(Schema):
    items: list[PublicTaskOut]
    count: int
    page: int
    page_size: int


class ReferenceOut(Schema):
    content_areas: dict[str, str]
    daily_checklist: list[str]
    methods: dict[str, str]
    severities: dict[str, str]
    decline_reason_kinds: dict[str, str]
    misconduct_kinds: dict[str, str]
    penalty_kinds: dict[str, str]
    penalty_grounds: dict[str, str]
    rating_items: dict[str, str]
    rating_range: list[int]
    task_statuses: dict[str, str]
    task_transitions: dict[str, list[str]]
    draw_statuses: dict[str, str]
