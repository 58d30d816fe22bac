"""Evaluation operations (考务, EXAM-1 steps 1–9): the published plan of a batch, registrations and their
two-level eligibility review, fees, sessions, rooms and seats, admission tickets, check-in and room records.

Every write goes through `dudao.exams.services`; workflows are the tables in `dudao.exams.workflow`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common import pii
from dudao.common.files import StoredFileFields
from dudao.common.models import BaseModel

from .domain.results import SUBJECT_NAMES

SUBJECT_CHOICES = list(SUBJECT_NAMES.items())


class QuestionSource(models.TextChoices):
    """Where a batch's questions come from (INST-5)."""

    PROVINCIAL_BANK = "provincial_bank", "省级题库"
    SELF_BUILT = "self_built", "自建题库"


class QuestionSourcePolicy(BaseModel):
    """An authority's question-source policy (INST-5: a regional policy). "Provincial bank only" anywhere up
    the chain binds the authorities below; otherwise the nearest policy decides; without any, either source
    is allowed (self-built with its papers)."""

    authority = models.OneToOneField(
        "registry.Authority",
        verbose_name="委派机构",
        on_delete=models.PROTECT,
        related_name="question_policy",
    )
    bank_only = models.BooleanField("仅限省级题库", default=True)
    note = models.CharField("政策依据", max_length=255, blank=True)

    class Meta:
        verbose_name = "题库政策"
        verbose_name_plural = "题库政策"

    def __str__(self) -> str:
        return f"{self.authority}:{'仅限省级题库' if self.bank_only else '允许自建题库'}"


class ExamPlan(BaseModel):
    """认定计划与公告: what an institution publishes for one batch before registration (INST-6)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        CLOSED = "closed", "报名截止"
        CANCELLED = "cancelled", "已撤销"

    batch = models.OneToOneField(
        "registry.Batch", verbose_name="评价批次", on_delete=models.PROTECT, related_name="exam_plan"
    )
    title = models.CharField("公告标题", max_length=128)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    registration_opens_on = models.DateField("报名开始日期")
    registration_closes_on = models.DateField("报名截止日期")
    withdraw_deadline = models.DateField("撤回截止日期")
    # {"5": "200.00", "4": "300.00"}: per level, from the official fee standard (INST-6).
    fees = models.JSONField("收费标准(元)", default=dict)
    fee_basis = models.CharField("收费依据", max_length=255)
    eligibility_summary = models.TextField("申报条件摘要")
    contact_name = models.CharField("联系人", max_length=64)
    contact_phone = models.CharField("联系电话", max_length=32)
    question_source = models.CharField(
        "题库来源", max_length=16, choices=QuestionSource.choices, default=QuestionSource.PROVINCIAL_BANK
    )
    compilation_note = models.TextField("自建题库编制说明", blank=True)
    expert_review_ref = models.CharField("专家审定材料编号", max_length=128, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "认定计划"
        verbose_name_plural = "认定计划"
        ordering = ["-registration_opens_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(registration_closes_on__gte=models.F("registration_opens_on")),
                name="exams_plan_window_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Registration(BaseModel):
    """报名: one person for one batch (occupation) and level (EXAM-1 step 3), reviewed in two levels."""

    # personal data never enters the audit chain (decrypted in Python, it would be stored in clear there)
    AUDIT_EXCLUDE = ("phone",)

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待机构审核"
        INSTITUTION_APPROVED = "institution_approved", "机构审核通过,待认定中心确认"
        APPROVED = "approved", "资格审核通过"
        REJECTED = "rejected", "资格审核未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    class Source(models.TextChoices):
        ONLINE = "online", "网上报名"
        ROSTER = "roster", "机构导入"

    class Education(models.TextChoices):
        NONE = "none", "无相关学历"
        TECH_SCHOOL = "tech_school", "技工学校"
        SECONDARY_VOCATIONAL = "secondary_vocational", "中等职业学校"
        SENIOR_TECH_SCHOOL = "senior_tech_school", "高级技工学校"
        TECHNICIAN_COLLEGE = "technician_college", "技师学院"
        HIGHER_VOCATIONAL = "higher_vocational", "高等职业学校"
        COLLEGE = "college", "大学专科及以上"

    number = models.CharField("报名号", max_length=32, unique=True)
    plan = models.ForeignKey(
        ExamPlan, verbose_name="认定计划", on_delete=models.PROTECT, related_name="registrations"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="考生", on_delete=models.PROTECT, related_name="registrations"
    )
    level = models.PositiveSmallIntegerField("申报等级")
    status = models.CharField(
        "状态", max_length=24, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.ONLINE)
    phone = pii.EncryptedTextField("手机号", max_length=20, blank=True)
    education = models.CharField("学历", max_length=24, choices=Education.choices, default=Education.NONE)
    education_related = models.BooleanField("本职业或相关专业", default=False)
    work_years = models.DecimalField(
        "累计从事本职业(相关职业)工作年限", max_digits=4, decimal_places=1, default=0
    )
    apprenticeship_completed = models.BooleanField("经本职业正规培训/学徒期满", default=False)
    # [{"level": 4, "related": true, "preparatory_technician": false, "work_years_after": 4}] (EXAM-15 facts)
    certificates = models.JSONField("已取得证书", default=list, blank=True)
    work_history = models.TextField("工作经历", blank=True)
    # The automatic pre-check (EXAM-15): {"eligible", "route", "routes": [...]}, kept as it was computed.
    precheck = models.JSONField("资格预审结果", default=dict, blank=True)
    precheck_route = models.CharField("预审满足路径", max_length=8, blank=True)
    institution_reviewed_at = models.DateTimeField("机构审核时间", null=True, blank=True)
    institution_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="机构审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    authority_reviewed_at = models.DateTimeField("认定中心确认时间", null=True, blank=True)
    authority_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="认定中心确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_reason = models.CharField("审核意见", max_length=255, blank=True)
    fee_amount = models.DecimalField("应缴费用(元)", max_digits=8, decimal_places=2, default=0)
    fee_receipt_no = models.CharField("收据号", max_length=40, blank=True)
    fee_paid_at = models.DateTimeField("缴费时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    ticket_number = models.CharField("准考证号", max_length=32, null=True, blank=True, unique=True)
    # EXAM-11 补考: the original registration whose single failed subject this one retakes in a later batch
    # (its passed subjects are carried into this result); a retake is not retaken again.
    retake_of = models.ForeignKey(
        "self",
        verbose_name="补考原报名",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retakes",
    )
    retake_subject = models.CharField("补考科目", max_length=16, blank=True, choices=SUBJECT_CHOICES)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["plan", "level", "number"]
        constraints = [
            # One live registration per person, batch (and so occupation) and level; a withdrawn one
            # does not block registering again.
            models.UniqueConstraint(
                fields=["plan", "person", "level"],
                condition=~models.Q(status="withdrawn"),
                name="exams_registration_one_live",
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="exams_registration_level"
            ),
            # INST-6: a receipt number belongs to one registration of the batch (two clerks at once)
            models.UniqueConstraint(
                fields=["plan", "fee_receipt_no"],
                condition=~models.Q(fee_receipt_no=""),
                name="exams_registration_receipt_unique",
            ),
            # EXAM-11: one live retake of an original registration (a withdrawn or refused one does not
            # count); two submitted at once meet this constraint.
            models.UniqueConstraint(
                fields=["retake_of"],
                condition=models.Q(retake_of__isnull=False) & ~models.Q(status__in=["withdrawn", "rejected"]),
                name="exams_registration_retake_once",
            ),
            models.CheckConstraint(
                condition=(models.Q(retake_of__isnull=True) & models.Q(retake_subject=""))
                | (models.Q(retake_of__isnull=False) & ~models.Q(retake_subject="")),
                name="exams_registration_retake_subject",
            ),
        ]
        indexes = [models.Index(fields=["plan", "status"], name="exams_reg_plan_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.person.name}"


class RegistrationFile(StoredFileFields):
    """报名材料: photo (for the identity check), certificate scans, proofs of work years."""

    class Material(models.TextChoices):
        PHOTO = "photo", "本人照片"
        CERTIFICATE = "certificate", "证书"
        WORK_PROOF = "work_proof", "工作年限证明"
        EDUCATION = "education", "学历证明"

    registration = models.ForeignKey(
        Registration, verbose_name="报名", on_delete=models.CASCADE, related_name="files"
    )
    material = models.CharField("材料类别", max_length=16, choices=Material.choices)
    # Candidates upload without an account: the uploader may be nobody.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "报名材料"
        verbose_name_plural = "报名材料"
        ordering = ["registration", "material", "id"]


class ExamSession(BaseModel):
    """场次: one subject of one level of a plan at a time (EXAM-1 step 4); review only for levels 2 and 1."""

    class Subject(models.TextChoices):
        THEORY = "theory", "理论知识考试"
        PRACTICAL = "practical", "操作技能考核"
        REVIEW = "review", "综合评审"

    plan = models.ForeignKey(
        ExamPlan, verbose_name="认定计划", on_delete=models.PROTECT, related_name="sessions"
    )
    subject = models.CharField("科目", max_length=16, choices=Subject.choices)
    level = models.PositiveSmallIntegerField("等级")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")

    class Meta:
        verbose_name = "场次"
        verbose_name_plural = "场次"
        ordering = ["plan", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="exams_session_time_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()}({self.level}级){self.starts_at:%Y-%m-%d %H:%M}"


class ExamRoom(BaseModel):
    """考场: a room of a session with its capacity; practical rooms carry the standard's ratio (EXAM-13)."""

    session = models.ForeignKey(
        ExamSession, verbose_name="场次", on_delete=models.PROTECT, related_name="rooms"
    )
    name = models.CharField("考场名称", max_length=64)
    capacity = models.PositiveIntegerField("座位数")
    ratio = models.PositiveSmallIntegerField("考评员与考生配比(1:N)", null=True, blank=True)
    panel = models.PositiveSmallIntegerField("评审组人数", null=True, blank=True)

    class Meta:
        verbose_name = "考场"
        verbose_name_plural = "考场"
        ordering = ["session", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "name"], name="exams_room_name_unique"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="exams_room_capacity"),
        ]

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    """座位: one approved registration in one room of a session."""

    room = models.ForeignKey(ExamRoom, verbose_name="考场", on_delete=models.CASCADE, related_name="seats")
    session = models.ForeignKey(
        ExamSession, verbose_name="场次", on_delete=models.CASCADE, related_name="seats"
    )
    registration = models.ForeignKey(
        Registration, verbose_name="报名", on_delete=models.PROTECT, related_name="seats"
    )
    number = models.PositiveIntegerField("座位号")

    class Meta:
        verbose_name = "座位"
        verbose_name_plural = "座位"
        ordering = ["room", "number"]
        constraints = [
            models.UniqueConstraint(fields=["room", "number"], name="exams_seat_number_unique"),
            models.UniqueConstraint(fields=["session", "registration"], name="exams_seat_one_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.number:02d}"


class RoomAssignment(BaseModel):
    """考评人员/监考人员安排: the solver's result for a plan, frozen with its seed commitment,
    published to the batch's supervisors and locked before the exam (EXAM-2/3/4/5/7/13, SUP-8)."""

    class Status(models.TextChoices):
        FROZEN = "frozen", "已生成"
        PUBLISHED = "published", "已公布"
        LOCKED = "locked", "已锁定"

    plan = models.OneToOneField(
        ExamPlan, verbose_name="认定计划", on_delete=models.PROTECT, related_name="assignment"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.FROZEN)
    scenario = models.JSONField("输入情形")
    scenario_digest = models.CharField("情形摘要", max_length=128)
    seed_commitment = models.CharField("种子承诺", max_length=128)
    seed = models.CharField("种子", max_length=128, blank=True)  # revealed at publication
    result = models.JSONField("结果")
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)

    class Meta:
        verbose_name = "考评安排"
        verbose_name_plural = "考评安排"

    def __str__(self) -> str:
        return f"{self.plan} 考评安排"


class RoomStaff(models.Model):
    """One examiner (or invigilator) in one room; a replacement after locking keeps the old row, ended."""

    room = models.ForeignKey(ExamRoom, verbose_name="考场", on_delete=models.CASCADE, related_name="staff")
    examiner = models.ForeignKey(
        "people.Examiner", verbose_name="考评员", on_delete=models.PROTECT, related_name="room_duties"
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name="替换为",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    replace_reason = models.CharField("替换原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "考场考评人员"
        verbose_name_plural = "考场考评人员"
        ordering = ["room", "id"]

    def __str__(self) -> str:
        return f"{self.room} {self.examiner}"


class CheckIn(models.Model):
    """签到: a candidate's attendance at one session; `client_id` makes an offline resend idempotent."""

    class Status(models.TextChoices):
        PRESENT = "present", "已签到"
        LATE = "late", "迟到"
        ABSENT = "absent", "缺考"

    seat = models.OneToOneField(Seat, verbose_name="座位", on_delete=models.CASCADE, related_name="checkin")
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    at = models.DateTimeField("时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    identity_checked = models.BooleanField("已核验身份", default=False)
    client_id = models.CharField("设备记录号", max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = "签到"
        verbose_name_plural = "签到"

    def __str__(self) -> str:
        return f"{self.seat} {self.get_status_display()}"


class SeatSwap(models.Model):
    """换座记录: who moved from which seat to which, why and who recorded it."""

    session = models.ForeignKey(
        ExamSession, verbose_name="场次", on_delete=models.CASCADE, related_name="swaps"
    )
    registration = models.ForeignKey(
        Registration, verbose_name="考生", on_delete=models.PROTECT, related_name="+"
    )
    from_label = models.CharField("原座位", max_length=80)
    to_label = models.CharField("新座位", max_length=80)
    reason = models.CharField("原因", max_length=255)
    at = models.DateTimeField("时间", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "换座记录"
        verbose_name_plural = "换座记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_label} → {self.to_label}"


class Violation(BaseModel):
    """考场违纪记录 (EXAM-8): an individual's (advice, warning, stop, void) or a collective one,
    which stops or voids only with the centre's approval."""

    class Measure(models.TextChoices):
        ADVICE = "advice", "劝告"
        WARNING = "warning", "警告"
        STOP = "stop", "终止考试"
        VOID = "void", "成绩无效"

    class Approval(models.TextChoices):
        NOT_NEEDED = "not_needed", "无需审批"
        PENDING = "pending", "待认定中心审批"
        APPROVED = "approved", "认定中心已批准"
        REFUSED = "refused", "认定中心不予批准"

    room = models.ForeignKey(
        ExamRoom, verbose_name="考场", on_delete=models.PROTECT, related_name="violations"
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name="考生",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
    )
    collective = models.BooleanField("集体违纪", default=False)
    measure = models.CharField("处理", max_length=16, choices=Measure.choices)
    facts = models.TextField("违纪事实")
    approval = models.CharField("审批", max_length=16, choices=Approval.choices, default=Approval.NOT_NEEDED)
    approval_reason = models.CharField("审批意见", max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "违纪记录"
        verbose_name_plural = "违纪记录"
        ordering = ["room", "created_at", "id"]
        constraints = [
            # EXAM-8: an individual violation names the candidate; a collective one names none.
            models.CheckConstraint(
                condition=models.Q(collective=True, registration__isnull=True)
                | models.Q(collective=False, registration__isnull=False),
                name="exams_violation_subject",
            ),
        ]


class RoomNote(models.Model):
    """考场记录 entries that are not violations (start, incidents, hand-in), kept in order."""

    room = models.ForeignKey(ExamRoom, verbose_name="考场", on_delete=models.CASCADE, related_name="notes")
    text = models.CharField("记录", max_length=255)
    at = models.DateTimeField("时间", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "考场记录"
        verbose_name_plural = "考场记录"
        ordering = ["room", "at", "id"]

    def __str__(self) -> str:
        return self.text


class VenueCheck(models.Model):
    """An examiner's check of the room before the start: confirmed, or refused with a reason (EXAM-19)."""

    room = models.ForeignKey(
        ExamRoom, verbose_name="考场", on_delete=models.CASCADE, related_name="venue_checks"
    )
    examiner = models.ForeignKey(
        "people.Examiner", verbose_name="考评员", on_delete=models.PROTECT, related_name="+"
    )
    confirmed = models.BooleanField("确认符合要求")
    reason = models.CharField("拒绝原因", max_length=255, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "场地确认"
        verbose_name_plural = "场地确认"
        constraints = [
            models.UniqueConstraint(fields=["room", "examiner"], name="exams_venue_check_once"),
            models.CheckConstraint(
                condition=models.Q(confirmed=True) | ~models.Q(reason=""), name="exams_venue_refusal_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} {'确认' if self.confirmed else '拒绝'}"


class EligibilityRuleSet(models.Model):
    """An occupation's own 申报条件 (EXAM-15 as data), loaded by an administrator and linted; the active
    set replaces the national template for that occupation's pre-checks. Older sets stay for the record."""

    occupation = models.ForeignKey(
        "registry.Occupation", verbose_name="职业", on_delete=models.PROTECT, related_name="eligibility_rules"
    )
    standard = models.CharField("依据标准与版本", max_length=255)
    source = models.TextField("规则(YAML)")
    original_name = models.CharField("上传文件名", max_length=255, blank=True)
    is_active = models.BooleanField("生效", default=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "申报条件规则"
        verbose_name_plural = "申报条件规则"
        ordering = ["occupation", "-loaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["occupation"], condition=models.Q(is_active=True), name="exams_rules_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occupation} {self.standard}"


# Results, publication, objections and certificates (issue 11) live in their own module of this app.
# Examiner conduct: attendance, sanction proposals and appeals (issue 11 point 5).
from .models_conduct import (  # noqa: E402, F401
    ExaminerAttendance,
    SanctionAppeal,
    SanctionProposal,
)
from .models_marking import Mark, Marking, Paper, ScoreBook, ScoreBookSignature  # noqa: E402, F401
from .models_results import (  # noqa: E402, F401
    Certificate,
    CertificateIssuer,
    CertificateSerial,
    ExamResult,
    Objection,
    ResultConfirmation,
    ResultPublication,
    ResultsPolicy,
)

# The national upload of certificate information (CERT-3) lives in its own module of this app.
from .models_upload import CertificateUpload, CertificateUploadItem  # noqa: E402, F401
