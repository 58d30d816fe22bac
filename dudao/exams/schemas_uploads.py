"""API schemas of the national upload of certificate information (CERT-3). No ID numbers: the export's file
(with full ID numbers) is only served by GET /api/v1/certificate-uploads/{pk}/file to the issuing admin."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class UploadOut(Schema):
    id: int
    plan: int = Field(..., alias="plan_id")
    status: str
    status_label: str = Field(..., alias="get_status_display")
    format: str
    file_name: str
    sha256: str
    count: int
    voided_count: int
    exported_at: dt.datetime
    receipt_number: str
    receipt_date: dt.date | None
    has_receipt_file: bool
    reject_reason: str
    wrong_data: bool
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_has_receipt_file(obj) -> bool:
        return bool(obj.receipt_file)


class ComplianceOut(Schema):
    status: str
    label: str
    compliant: bool
    total: int
    pending: int
    overdue: int
    late: int
    deadline: dt.date | None
    next_due: dt.date | None


class PlanUploadsOut(Schema):
    compliance: ComplianceOut
    items: list[UploadOut]


class ExportIn(Schema):
    format: str = Field("", max_length=8, description="xlsx、csv 或 json;不填用系统设置")


class ConfirmIn(Schema):
    receipt_number: str = Field(..., max_length=64, description="国家平台回执号")
    receipt_date: dt.date = Field(..., description="上报日期(国家平台受理日期)")


class RejectIn(Schema):
    reason: str = Field(..., max_length=500)
    wrong_data: bool = Field(True, description="是否因上报信息有误被退回(计入评估表 C4.3)")
