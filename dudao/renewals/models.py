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
        RENEWED = "renewed", "准予延续"
        REFUSED = "refused", "不予延续"
        NOT_ACCEPTED = "not_accepted", "不予受理"
        WITHDRAWN = "withdrawn", "已撤回"

    FINAL_STATUSES = ("renewed", "refused", "not_accepted", "withdrawn")
    # The renewal form is large and holds encrypted ID numbers: audit events record the workflow fields.
    AUDIT_EXCLUDE = ("materials",)
    PII_JSON_FIELDS = ("materials",)  # ID numbers inside are tokens: `dudao pii rotate-key` re-encrypts them
    # Statuses in which the REN-3/REN-4 decision deadline (`decide_by`) runs.
    AWAITING_DECISION = ("submitted", "under_review", "evaluating")

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
