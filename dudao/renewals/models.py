"""Renewal of a filing (延续备案, seed 004, REN-1…8): applications, attachments, per-authority settings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from dudao.common.files import StoredFileFields
from dudao.common.models import BaseModel
from dudao.common.pii import EncryptedTextField

from . import domain


class RenewalConfig(BaseModel):
    """Per-authority settings of the renewal procedure (renewal length, document-number prefixes)."""

    authority = models.OneToOneField(
        "registry.Authority",
        verbose_name="委派机构",
        on_delete=models.CASCADE,
        related_name="renewal_config",
    )
    renewal_years = models.PositiveSmallIntegerField(
        "延续备案年限(年)",
        default=domain.DEFAULT_RENEWAL_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="[解释] 种子文件未规定续期年限,默认 4 年(见用户手册)",
    )
    receipt_prefix = models.CharField(
        "回执文号前缀", max_length=32, default=domain.DEFAULT_RECEIPT_PREFIX, help_text="如「渝人社延备」"
    )
    notice_prefix = models.CharField(
        "整改通知书文号前缀",
        max_length=32,
        default=domain.DEFAULT_NOTICE_PREFIX,
        help_text="如「渝人社延备整改」",
    )
    # Seed 004 四(一): a city's own institutions are evaluated by the city centre (中心), whose result the
    # bureau (局) reviews before it issues the receipt. Empty = one step (the default): the authority holding
    # the filing evaluates and decides alone.
    evaluation_centre = models.ForeignKey(
        "registry.Authority",
        verbose_name="延续备案评估机构(两步办理)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="设置后,技工院校、社会培训评价组织的延续备案先由该中心评估,再由本局审核并出具回执;"
        "留空为一步办理",
    )
    filing_prefix = models.CharField(
        "新备案回执文号前缀",
        max_length=32,
        default=domain.DEFAULT_FILING_RECEIPT_PREFIX,
        help_text="如「渝人社备」",
    )

    class Meta:
        verbose_name = "延续备案设置"
        verbose_name_plural = "延续备案设置"

    def __str__(self) -> str:
        return f"{self.authority}:{self.renewal_years} 年"


class RenewalApplication(BaseModel):
    """延续备案申请: one institution's application to extend one filing, from receipt to outcome."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已提交"
        UNDER_REVIEW = "under_review", "审核中"
        EVALUATING = "evaluating", "评估中"
        RECTIFYING = "rectifying", "整改中"
        RE_EVALUATING = "re_evaluating", "整改后评估中"
        BUREAU_REVIEW = "bureau_review", "评估结果待局审核"
        RENEWED = "renewed", "准予延续"
        REFUSED = "refused", "不予延续"
        NOT_ACCEPTED = "not_accepted", "不予受理"
        WITHDRAWN = "withdrawn", "已撤回"

    FINAL_STATUSES = ("renewed", "refused", "not_accepted", "withdrawn")
    # The renewal form is large and holds encrypted ID numbers: audit events record the workflow fields.
    AUDIT_EXCLUDE = ("materials",)
    PII_JSON_FIELDS = ("materials",)  # ID numbers inside are tokens: `dudao pii rotate-key` re-encrypts them
    # Statuses in which the REN-3/REN-4 decision deadline (`decide_by`) runs.
    AWAITING_DECISION = ("submitted", "under_review", "evaluating", "bureau_review")

    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="评价机构",
        on_delete=models.PROTECT,
        related_name="renewal_applications",
    )
    filing = models.ForeignKey(
        "registry.Filing", verbose_name="备案", on_delete=models.PROTECT, related_name="renewal_applications"
    )
    # REN-7 谁备案、谁负责: the authority that held the filing when the application arrived decides.
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="受理(备案)机关",
        on_delete=models.PROTECT,
        related_name="renewal_applications",
    )
    kind = models.CharField(
        "机构类型", max_length=16, choices=[(k.value, v) for k, v in domain.KIND_LABELS.items()]
    )
    self_built_questions = models.BooleanField("使用自建试题资源", default=False)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    # REN-1…4 (domain.plan), computed with the CAL calendar at receipt.
    received_on = models.DateField("材料收到日期")
    expires_on = models.DateField("备案有效期届满日期")
    path = models.CharField("办理路径", max_length=16, default=domain.RenewalPath.RENEWAL)
    decision_workdays = models.PositiveSmallIntegerField("办结时限(工作日)")
    decide_by = models.DateField("办结期限", db_index=True)
    provisional = models.BooleanField(
        "期限为临时期限",
        default=False,
        help_text="涉及未确认节假日安排的年度",  # CAL-3
    )
    period_start = models.DateField("本备案期起始日", help_text="统计此日起至届满日的认定活动")  # REN-5
    materials = models.JSONField("延续备案申报表", default=dict)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # REN-3: the employer review.
    review_opinion = models.TextField("审核意见", blank=True, max_length=2000)
    # REN-4: the CQ-RENEWAL evaluations (the first one, then the one after rectification).
    evaluation = models.ForeignKey(
        "scorecards.Evaluation",
        verbose_name="延续备案评估",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    re_evaluation = models.ForeignKey(
        "scorecards.Evaluation",
        verbose_name="整改后评估",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evaluation_total = models.DecimalField("评估得分", max_digits=6, decimal_places=2, null=True, blank=True)
    evaluation_band = models.CharField("评估结论", max_length=16, blank=True)
    re_evaluation_total = models.DecimalField(
        "整改后评估得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    re_evaluation_band = models.CharField("整改后评估结论", max_length=16, blank=True)
    problems = models.JSONField("发现的问题", default=list, blank=True)  # domain.Problem.as_json()
    rectification_started_on = models.DateField("整改起始日", null=True, blank=True)
    rectification_deadline = models.DateField("整改期限", null=True, blank=True)
    # Outcome.
    outcome_reason = models.TextField("说明/理由", blank=True, max_length=2000)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    renewed_from = models.DateField("续期起始日", null=True, blank=True)
    renewed_until = models.DateField("续期届满日", null=True, blank=True)
    scope_changes = models.JSONField("认定范围变化", default=list, blank=True)  # domain.ScopeChange.as_json()
    # A refusal ends the filing at its expiry: the daily job (`dudao renewals close-expired`) expires it.
    filing_closed_at = models.DateTimeField("备案已到期处理", null=True, blank=True)
    receipt_number = models.CharField("回执文号", max_length=64, blank=True)
    receipt_issued_on = models.DateField("回执出具日期", null=True, blank=True)
    notice_number = models.CharField("整改通知书文号", max_length=64, blank=True)
    notice_issued_on = models.DateField("整改通知书日期", null=True, blank=True)
    # Two-step renewal (seed 004 四(一)): the centre that evaluates, fixed when the application is accepted,
    # its recorded result awaiting the bureau's review, and the bureau's opinion.
    evaluation_centre = models.ForeignKey(
        "registry.Authority",
        verbose_name="评估机构(两步办理)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal_evaluations",
    )
    centre_outcome = models.CharField("评估机构结论", max_length=16, blank=True)
    centre_note = models.TextField("评估机构说明", blank=True, max_length=2000)
    centre_recorded_at = models.DateTimeField("评估结果报送时间", null=True, blank=True)
    centre_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评估结果报送人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    bureau_opinion = models.TextField("局审核意见", blank=True, max_length=2000)

    class Meta:
        verbose_name = "延续备案申请"
        verbose_name_plural = "延续备案申请"
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["authority", "status", "decide_by"], name="renewal_app_queue"),
            models.Index(fields=["institution", "status"], name="renewal_app_institution"),
        ]
        constraints = [
            # One open application per filing at a time.
            models.UniqueConstraint(
                fields=["filing"],
                condition=~Q(status__in=["renewed", "refused", "not_accepted", "withdrawn"]),
                name="renewal_app_one_open_per_filing",
                violation_error_message="该备案已有正在办理的延续备案申请",
            ),
            models.UniqueConstraint(
                fields=["receipt_number"], condition=~Q(receipt_number=""), name="renewal_app_receipt_number"
            ),
            models.UniqueConstraint(
                fields=["notice_number"], condition=~Q(notice_number=""), name="renewal_app_notice_number"
            ),
        ]

    def __str__(self) -> str:
        return f"延续备案申请 {self.pk} 号"

    @property
    def is_employer(self) -> bool:
        return self.kind == domain.InstitutionKind.EMPLOYER

    @property
    def is_open(self) -> bool:
        return self.status not in self.FINAL_STATUSES

    @property
    def awaiting_decision(self) -> bool:
        return self.status in self.AWAITING_DECISION

    @property
    def kind_label(self) -> str:
        return domain.KIND_LABELS.get(domain.InstitutionKind(self.kind), self.kind)

    @property
    def two_step(self) -> bool:
        return self.evaluation_centre_id is not None

    @property
    def current_evaluation(self):
        """The evaluation whose outcome is pending or was last decided (re-evaluation first)."""
        return self.re_evaluation if self.re_evaluation_id else self.evaluation


class RenewalAttachment(StoredFileFields):
    """An uploaded material of an application (application letter, question explanation, expert review …)."""

    class Material(models.TextChoices):
        APPLICATION_LETTER = "application_letter", "关于延续开展职业技能等级认定工作的申请(附件1)"
        QUESTION_EXPLANATION = "question_explanation", "试题资源编制说明(附件4)"
        EXPERT_REVIEW = "expert_review", "专家评审意见表(附件5)"
        LEGAL_CERTIFICATE = "legal_certificate", "法人单位资格证书"
        OTHER = "other", "其他材料"

    application = models.ForeignKey(
        RenewalApplication, verbose_name="申请", on_delete=models.PROTECT, related_name="attachments"
    )
    material = models.CharField("材料", max_length=32, choices=Material.choices)

    class Meta:
        verbose_name = "延续备案材料"
        verbose_name_plural = "延续备案材料"
        ordering = ["application_id", "id"]


class RenewalDraft(BaseModel):
    """保存草稿: the unfinished renewal form of one filing, until it is submitted or discarded.

    `content` is the form as posted ({field: [values]}) plus the kept uploads' references, encrypted as a
    whole (it may hold resident ID numbers).
    """

    filing = models.OneToOneField(
        "registry.Filing", verbose_name="备案", on_delete=models.CASCADE, related_name="renewal_draft"
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name="评价机构", on_delete=models.CASCADE, related_name="+"
    )
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="保存人", on_delete=models.PROTECT, related_name="+"
    )
    content = EncryptedTextField("草稿内容")
    AUDIT_EXCLUDE = ("content",)

    class Meta:
        verbose_name = "延续备案申请草稿"
        verbose_name_plural = "延续备案申请草稿"

    def __str__(self) -> str:
        return f"{self.filing} 的延续备案申请草稿"


class FilingApplication(BaseModel):
    """新备案申请: an institution (new, or a late renewal sent here by REN-6) applies for a filing; the
    authority reviews the materials, evaluates the site (现场评估) and decides; approval creates the Filing
    through the registry service."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "退回补正"
        ACCEPTED = "accepted", "已受理,待现场评估"
        EVALUATED = "evaluated", "已现场评估,待决定"
        APPROVED = "approved", "准予备案"
        REFUSED = "refused", "不予备案"
        WITHDRAWN = "withdrawn", "已撤回"

    class Origin(models.TextChoices):
        NEW = "new", "新设立评价机构"
        LATE_RENEWAL = "late_renewal", "逾期申请延续备案(按新设立受理)"

    FINAL_STATUSES = ("approved", "refused", "withdrawn")
    AUDIT_EXCLUDE = ("materials",)

    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="评价机构",
        on_delete=models.PROTECT,
        related_name="filing_applications",
    )
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="受理机关",
        on_delete=models.PROTECT,
        related_name="filing_applications",
    )
    origin = models.CharField("申请类型", max_length=16, choices=Origin.choices, default=Origin.NEW)
    previous_filing = models.ForeignKey(
        "registry.Filing",
        verbose_name="原备案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="逾期申请延续备案时的原备案",
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    scope = models.JSONField(
        "申请认定范围", default=list
    )  # [{"occupation": id, "work_type": "", "levels": [..]}]
    materials = models.JSONField("申报信息", default=dict, blank=True)  # free-text parts of the form
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间")
    review_note = models.TextField("审核意见", blank=True, max_length=2000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    # 现场评估: a recorded result (the CQ-RENEWAL form is for renewals; no new-filing form is in the seeds).
    site_visit_on = models.DateField("现场评估日期", null=True, blank=True)
    evaluators = models.CharField("评估人员", max_length=255, blank=True)
    site_passed = models.BooleanField("现场评估结论为合格", null=True, blank=True)
    site_notes = models.TextField("现场评估意见", blank=True, max_length=4000)
    site_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评估记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField("决定理由", blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    filing = models.OneToOneField(
        "registry.Filing",
        verbose_name="新备案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filing_application",
    )
    receipt_number = models.CharField("备案回执文号", max_length=64, blank=True)
    receipt_issued_on = models.DateField("回执出具日期", null=True, blank=True)

    class Meta:
        verbose_name = "新备案申请"
        verbose_name_plural = "新备案申请"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution"],
                condition=~Q(status__in=["approved", "refused", "withdrawn"]),
                name="filing_app_one_open_per_institution",
                violation_error_message="该机构已有正在办理的备案申请",
            ),
            models.UniqueConstraint(
                fields=["receipt_number"], condition=~Q(receipt_number=""), name="filing_app_receipt_number"
            ),
        ]

    def __str__(self) -> str:
        return f"新备案申请 {self.pk} 号"

    @property
    def is_open(self) -> bool:
        return self.status not in self.FINAL_STATUSES


class FilingApplicationAttachment(StoredFileFields):
    """An uploaded material of a new filing application (same storage and checks as renewal materials)."""

    class Material(models.TextChoices):
        APPLICATION_LETTER = "application_letter", "备案申请书"
        LEGAL_CERTIFICATE = "legal_certificate", "法人单位资格证书"
        QUESTION_EXPLANATION = "question_explanation", "试题资源编制说明"
        EXPERT_REVIEW = "expert_review", "专家评审意见表"
        OTHER = "other", "其他材料"

    application = models.ForeignKey(
        FilingApplication, verbose_name="申请", on_delete=models.PROTECT, related_name="attachments"
    )
    material = models.CharField("材料", max_length=32, choices=Material.choices)

    class Meta:
        verbose_name = "新备案申请材料"
        verbose_name_plural = "新备案申请材料"
        ordering = ["application_id", "id"]
