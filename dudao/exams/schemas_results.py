"""API schemas of results, objections and certificates (issue 11). ID numbers appear only masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from dudao.common.pagination import PageParams


class ResultsIn(Schema):
    entries: list[dict[str, Any]] = Field(
        ..., description='[{"registration": "报名号", "subjects": [...]}],subjects 同 dudao results judge'
    )


class RecordedOut(Schema):
    recorded: int


class ResultOut(Schema):
    registration: str = Field(..., alias="registration.number")
    name: str = Field(..., alias="registration.person.name")
    id_number_masked: str = Field(..., alias="registration.person.id_number_masked")
    level: int = Field(..., alias="registration.level")
    passed: bool | None
    judged: dict[str, Any]
    version: int


class ResultPage(Schema):
    items: list[ResultOut]
    count: int
    page: int
    page_size: int


class PublicationOut(Schema):
    plan_id: int
    published_at: dt.datetime
    publicity_ends_on: dt.date
    objections_close_on: dt.date


class ConfirmationOut(Schema):
    plan_id: int
    status: str
    results_digest: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str


class ConfirmIn(Schema):
    approve: bool
    reason: str = Field("", max_length=255, description="退回原因(退回时必填)")


class ResultsPolicyIn(Schema):
    confirm_required: bool
    note: str = Field("", max_length=255)


class ResultsPolicyOut(Schema):
    authority_id: int
    confirm_required: bool
    note: str


class OwnResultIn(Schema):
    number: str = Field(..., max_length=32, description="报名号")
    id_number: str = Field(..., max_length=32, description="身份证号(完整)")


class OwnResultOut(Schema):
    published: bool
    passed: bool | None = None
    subjects: list[dict[str, Any]] = []
    objections_close_on: dt.date | None = None
    certificate_number: str | None = None
    certificate_status: str | None = Field(None, description="valid | voided")


class ObjectionIn(OwnResultIn):
    subject: str = Field(..., max_length=16, description="theory | practical | review")
    reason: str = Field(..., max_length=1000)


class ObjectionOut(Schema):
    id: int
    registration: str = Field(..., alias="registration.number")
    subject: str
    reason: str
    status: str
    status_label: str = Field(..., alias="get_status_display")
    filed_at: dt.datetime
    outcome: str
    handled_at: dt.datetime | None
    row_version: int


class ObjectionHandleIn(Schema):
    outcome: str = Field(..., max_length=1000)
    subject_marks: dict[str, Any] | None = Field(None, description="复核后该科目的分数(同 judge 的 subject)")


class CertificateFilters(PageParams):
    number: str = Field("", max_length=22, description="证书编号(前缀匹配)")
    name: str = Field("", max_length=64, description="姓名")
    q: str = Field("", max_length=64, description="证书编号或姓名开头")
    status: str = Field("", max_length=16, description="valid | voided")
    plan: int | None = Field(None, description="认定计划")


class CertificateOut(Schema):
    number: str
    name: str
    id_number_masked: str
    occupation_code: str
    occupation_name: str
    level: int
    institution_id: int
    institution_name: str
    issued_on: dt.date
    status: str
    status_label: str = Field(..., alias="get_status_display")
    void_reason: str
    voided_at: dt.datetime | None
    upload: str
    row_version: int


class CertificatePage(Schema):
    items: list[CertificateOut]
    count: int
    page: int
    page_size: int


class PublicCertificateOut(Schema):
    number: str
    name: str
    id_number_masked: str
    occupation_code: str
    occupation_name: str
    level: int
    level_label: str
    institution_name: str
    issued_on: dt.date
    status: str
    status_label: str
    voided_at: dt.date | None = None


class PublicCertificateList(Schema):
    count: int
    items: list[PublicCertificateOut]


class VoidIn(Schema):
    row_version: int
    reason: str = Field(..., max_length=255)


class IssuedOut(Schema):
    issued: int
    numbers: list[str]


class SealIn(Schema):
    qr: str = Field(..., max_length=4096, description="证书二维码内容(v1.…)")


class SealOut(Schema):
    valid: bool
    reason: str = ""
    facts: dict[str, Any] | None = None
    status: str | None = Field(None, description="平台登记的证书状态:valid、voided,或未登记时为空")


class IssuerIn(Schema):
    institution: int
    kind: str = Field(
        "", max_length=1, description="类别字母;用人单位默认 Y、社会培训评价组织默认 S,技工院校须填写"
    )
    ministry: str = Field("0000", max_length=4, description="部委机构代码,省级备案为 0000")
    serial: str = Field(..., max_length=6, description="省里分配的 6 位评价机构序号")


class IssuerOut(Schema):
    institution_id: int
    kind: str
    ministry: str
    serial: str
