"""API schemas of the scorecards app (numbers as JSON numbers rounded to 2 decimals, like the CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class ScoreIn(Schema):
    form: str = Field(..., description="评估表编号,如 CQ-RENEWAL")
    version: int | None = Field(None, description="版本;缺省为现行版本")
    answers: dict[str, Any] = Field(
        ..., description="{项目编号: 答案},同 `dudao scorecards score` 的答案文件"
    )


class ScoreOut(Schema):
    form: str
    version: int
    total: float
    band: str
    sections: dict[str, float]
    items: dict[str, float]


class FormLoadIn(Schema):
    definition: str = Field(..., description="评估表定义(YAML 文本),先用 dudao scorecards check 校验")


class FormVersionOut(Schema):
    form_id: str
    version: int
    title: str
    is_current: bool
    digest: str
    digest_algorithm: str
    source: str
    loaded_at: dt.datetime
    loaded_by: str


class FormVersionListOut(Schema):
    items: list[FormVersionOut]
    count: int
    page: int
    page_size: int


class ChoiceOut(Schema):
    key: str
    label: str
    points: float


class RuleOut(Schema):
    label: str
    points: float
    max_count: int | None


class FormItemOut(Schema):
    id: str
    title: str
    kind: str
    max: float
    group: str
    method: str
    note: str
    choices: list[ChoiceOut]
    rules: list[RuleOut]


class FormSectionOut(Schema):
    id: str
    title: str
    max: float
    bonus: bool
    items: list[FormItemOut]


class BandOut(Schema):
    id: str
    label: str
    min: float
    max: float


class FormDetailOut(FormVersionOut):
    cap: float
    base_max: float
    bonus_max: float
    source: str
    note: str
    bands: list[BandOut]
    sections: list[FormSectionOut]
    definition: str


class EvaluationFilter(Schema):
    institution: int | None = Field(None, description="评价机构 ID")
    status: str | None = Field(None, description="draft|submitted|signed|superseded|cancelled")
    form: str | None = Field(None, description="评估表编号")
    purpose: str | None = Field(None, description="renewal|annual_inspection|other")
    q: str | None = Field(None, description="机构名称或统一社会信用代码关键字")


class EvaluationListItemOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    form_id: str
    form_version: int
    form_title: str
    purpose: str
    purpose_label: str
    status: str
    status_label: str
    total: float = Field(..., description="填写中:已评项目得分之和;提交后:总分")
    band: str = Field(..., description="提交后的结论档次(如 renew/rectify/refuse);填写中为空")
    answered_count: int
    item_count: int
    version_no: int
    previous_id: int | None
    leader_name: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    signed_at: dt.datetime | None
    row_version: int


class EvaluationListOut(Schema):
    items: list[EvaluationListItemOut]
    count: int
    page: int
    page_size: int


class EvaluationEvidenceOut(Schema):
    id: int
    item_id: str
    original_name: str
    content_type: str
    kind: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime
    url: str


class ItemOut(FormItemOut):
    answered: bool
    answer: Any = None
    points: float | None
    note: str
    revision: int = Field(..., description="本项目的修订号;PATCH 时作为 item_revision 传回")
    evidence: list[EvaluationEvidenceOut]


class SectionOut(Schema):
    id: str
    title: str
    max: float
    bonus: bool
    points: float
    answered: int
    items: list[ItemOut]


class LiveOut(Schema):
    total: float = Field(..., description="已评项目得分之和(封顶);提交后为总分")
    ceiling: float = Field(..., description="未评项目均得满分时可达到的最高分")
    answered: int
    item_count: int
    complete: bool
    band_low: str
    band_high: str
    settled: bool = Field(..., description="band_low 与 band_high 相同:结论已确定")
    final: bool


class EvaluationMemberOut(Schema):
    user_id: int
    name: str
    role: str
    is_leader: bool
    signed_at: dt.datetime | None


class HistoryOut(Schema):
    id: int
    version_no: int
    status: str
    total: float
    band: str
    signed_at: dt.datetime | None
    correction_reason: str


class ActionsOut(Schema):
    fill: bool
    submit: bool
    reopen: bool
    sign: bool
    correct: bool
    cancel: bool


class EvaluationOut(EvaluationListItemOut):
    authority_name: str
    note: str
    opened_by: str
    band_label: str
    content_digest: str
    correction_reason: str
    cancel_reason: str
    result: dict[str, Any] | None
    live: LiveOut
    members: list[EvaluationMemberOut]
    sections: list[SectionOut]
    general_evidence: list[EvaluationEvidenceOut]
    history: list[HistoryOut]
    actions: ActionsOut


class EvaluationOpenIn(Schema):
    institution_id: int
    form_id: str = Field(..., description="评估表编号(使用现行版本)")
    purpose: str = Field(..., description="renewal|annual_inspection|other")
    leader_id: int = Field(..., description="评估组长(自动成为成员)")
    member_ids: list[int] = Field(default_factory=list, description="其他评估组成员")
    note: str = ""


class AnswerIn(Schema):
    value: Any = Field(None, description="答案(同答案文件);null 清除;省略则只改说明")
    note: str | None = Field(None, description="项目说明;省略则不变")
    row_version: int | None = Field(None, description="评估的 row_version(整表并发控制)")
    item_revision: int | None = Field(None, description="本项目的 revision(逐项并发控制)")


class AnswerOut(Schema):
    item: ItemOut
    live: LiveOut
    row_version: int


class EvaluationRowVersionIn(Schema):
    row_version: int | None = None


class EvaluationReasonIn(Schema):
    reason: str = ""
    row_version: int | None = None


class SignIn(Schema):
    content_digest: str | None = Field(None, description="签名人核对过的内容摘要;与当前不符则拒绝")


class CorrectIn(Schema):
    reason: str
    leader_id: int | None = Field(None, description="缺省沿用原评估组长")
    member_ids: list[int] | None = Field(None, description="缺省沿用原评估组")
