"""数据比对 flags (issue 13 item 1; ACT-3, ACT-7, RAND-1).

A flag is one irregular pattern found in the evaluation data, by the statistical scan or by an
operational check over the database, with the rows it rests on. Its `fingerprint` is a stable hash of
the kind, the subject and the data behind it: the same pattern on the same data has the same fingerprint,
so a dismissed flag is not raised again by the next refresh, while new data makes a new fingerprint.
Every write goes through `dudao.analytics.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FlagKind(models.TextChoices):
    # statistical (the scan, dudao/analytics/scan/)
    PASS_RATE = "pass_rate", "通过率明显高于同类"
    HEAPING = "heaping", "分数扎堆于合格线"
    LENIENCY = "leniency", "考评员评分系统性偏高或偏低"
    DISAGREEMENT = "disagreement", "双评分歧或第三评比例过高"
    IDENTICAL = "identical", "评分组对多数考生给分相同"
    # operational (checks over the database)
    LATE_CHECKIN = "late_checkin", "开考后签到"
    DEVICE_CHECKIN = "device_checkin", "同一设备为多名考生签到"
    CERTIFICATE_WITHOUT_PASS = "certificate_without_pass", "无合格成绩而发证"
    MARK_AFTER_PUBLICATION = "mark_after_publication", "成绩公示后录入评分"
    OUT_OF_SCOPE = "out_of_scope", "批次超出备案范围"


STATISTICAL_KINDS = frozenset({"pass_rate", "heaping", "leniency", "disagreement", "identical"})


class Flag(models.Model):
    """数据比对疑点: one pattern, its statistic and evidence, and its review."""

    class Status(models.TextChoices):
        OPEN = "open", "待核查"
        CONFIRMED = "confirmed", "已确认"
        DISMISSED = "dismissed", "已排除"

    class Source(models.TextChoices):
        SCAN = "scan", "统计比对"
        DATABASE = "database", "业务数据核对"

    kind = models.CharField("疑点类型", max_length=32, choices=FlagKind.choices, db_index=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    # Whose staff review it (scope); the institution's filing authority where known.
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="主管机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="评价机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    batch = models.ForeignKey(
        "registry.Batch",
        verbose_name="评价批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    examiner = models.ForeignKey(
        "people.Examiner",
        verbose_name="考评员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    # The subject as the scan names it (text ids of the snapshot), kept when no row matches it.
    subject_key = models.CharField("对象标识", max_length=255, blank=True)
    period_start = models.DateField("期间起", null=True, blank=True)
    period_end = models.DateField("期间止", null=True, blank=True)
    statistic = models.FloatField("统计量")
    p_value = models.FloatField("显著性概率", null=True, blank=True)
    evidence = models.JSONField("证据", default=dict)
    fingerprint = models.CharField("特征码", max_length=64, db_index=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("核查结论", blank=True)
    reviewed_at = models.DateTimeField("核查时间", null=True, blank=True)
    task = models.ForeignKey(
        "supervision.SupervisionTask",
        verbose_name="专项督导任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name="调查件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    created_at = models.DateTimeField("发现时间", db_index=True)
    row_version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        verbose_name = "数据比对疑点"
        verbose_name_plural = "数据比对疑点"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["authority", "status"]),
            models.Index(fields=["institution", "kind"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["fingerprint"], name="analytics_flag_fingerprint_unique"),
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True)
                | models.Q(period_end__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="analytics_flag_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_key}".strip()
