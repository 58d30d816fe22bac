"""Results, their publication and objections, and certificates (issue 11; EXAM-7, 9, 12, 14, 17, CERT-1..4).

Imported by `dudao.exams.models` (one app, the models split by what they hold). Every write goes through
`dudao.exams.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common.models import BaseModel


class ExamResult(models.Model):
    """成绩: one registration's judged subjects (EXAM-14/16/18, EXAM-7) — the pure judge's output, kept
    with the marks it was judged from. Not shown to the candidate before the plan's results are published
    (EXAM-9)."""

    registration = models.OneToOneField(
        "exams.Registration", verbose_name="报名", on_delete=models.PROTECT, related_name="result"
    )
    # The marks as entered: the judge's input subjects (`dudao results judge` FILE's "subjects").
    marks = models.JSONField("分数记录")
    # The judge's output: {"pass", "subjects": [...], "missing": [...]}.
    judged = models.JSONField("评判结果")
    passed = models.BooleanField("是否合格", null=True)
    version = models.PositiveIntegerField("版本", default=1)
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "认定成绩"
        verbose_name_plural = "认定成绩"
        ordering = ["registration"]

    def __str__(self) -> str:
        return f"{self.registration.number} 成绩"


class ResultPublication(models.Model):
    """成绩公示 of one plan (EXAM-9, EXAM-17): from publication the results reach the candidates and
    the masked list is public until `publicity_ends_on` (last day, working days); objections until
    `objections_close_on`."""

    plan = models.OneToOneField(
        "exams.ExamPlan", verbose_name="认定计划", on_delete=models.PROTECT, related_name="publication"
    )
    published_at = models.DateTimeField("公示时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="公示人", on_delete=models.PROTECT, related_name="+"
    )
    publicity_ends_on = models.DateField("公示截止日期")
    objections_close_on = models.DateField("复核申请截止日期")

    class Meta:
        verbose_name = "成绩公示"
        verbose_name_plural = "成绩公示"

    def __str__(self) -> str:
        return f"{self.plan} 成绩公示"


class Objection(BaseModel):
    """查分/复核申请 (EXAM-17): a candidate's request within the window, handled with a recorded outcome;
    where marks change the result is re-judged and the change kept here (before/after)."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        UPHELD = "upheld", "复核后更正成绩"
        DISMISSED = "dismissed", "复核后维持原成绩"

    registration = models.ForeignKey(
        "exams.Registration", verbose_name="报名", on_delete=models.PROTECT, related_name="objections"
    )
    subject = models.CharField("科目", max_length=16)
    reason = models.TextField("申请理由")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    filed_at = models.DateTimeField("申请时间")
    outcome = models.TextField("复核结论", blank=True)
    before = models.JSONField("更正前", null=True, blank=True)
    after = models.JSONField("更正后", null=True, blank=True)
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "复核申请"
        verbose_name_plural = "复核申请"
        ordering = ["filed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "subject"],
                name="exams_objection_once_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration.number} {self.subject} 复核"


class CertificateIssuer(BaseModel):
    """An institution's certificate number prefix parts (EXAM-12): kind letter, ministry code (0000 when filed
    with a province) and the 6-digit institution serial the province assigned. Set by the filing authority."""

    institution = models.OneToOneField(
        "registry.Institution",
        verbose_name="评价机构",
        on_delete=models.PROTECT,
        related_name="certificate_issuer",
    )
    kind = models.CharField("类别字母", max_length=1)
    ministry = models.CharField("部委机构代码", max_length=4, default="0000")
    serial = models.CharField("评价机构序号", max_length=6)

    class Meta:
        verbose_name = "证书编码设置"
        verbose_name_plural = "证书编码设置"

    def __str__(self) -> str:
        return f"{self.institution} {self.kind}{self.ministry}…{self.serial}"


class CertificateSerial(models.Model):
    """CERT-1's sequence per prefix (the 16 characters before the serial): `last` only grows, in the same
    transaction as the certificates it numbers; never reused, never restarted (voided numbers stay spent)."""

    prefix = models.CharField("编号前缀", max_length=16, unique=True)
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "证书序号"
        verbose_name_plural = "证书序号"

    def __str__(self) -> str:
        return f"{self.prefix} → {self.last:06d}"


class Certificate(BaseModel):
    """职业技能等级证书 (EXAM-12, CERT-1..4): issued to a passed candidate after the 公示 window; the QR seal
    carries its public facts signed with the platform's key. Voided by the issuing unit only, with a reason,
    and still public as voided (CERT-2, CERT-4)."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        VOIDED = "voided", "已注销"

    class Upload(models.TextChoices):
        PENDING = "pending", "待上传"
        UPLOADED = "uploaded", "已上传"

    number = models.CharField("证书编号", max_length=22, unique=True)
    registration = models.OneToOneField(
        "exams.Registration", verbose_name="报名", on_delete=models.PROTECT, related_name="certificate"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="持证人", on_delete=models.PROTECT, related_name="certificates"
    )
    name = models.CharField("姓名", max_length=64)
    id_number_masked = models.CharField("身份证号", max_length=18)
    occupation_code = models.CharField("职业编码", max_length=16)
    occupation_name = models.CharField("职业名称", max_length=128)
    level = models.PositiveSmallIntegerField("等级")
    institution = models.ForeignKey(
        "registry.Institution", verbose_name="发证机构", on_delete=models.PROTECT, related_name="certificates"
    )
    institution_name = models.CharField("发证机构名称", max_length=128)
    issued_on = models.DateField("发证日期")
    seal = models.TextField("二维码签名数据")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.VALID)
    void_reason = models.CharField("注销原因", max_length=255, blank=True)
    voided_at = models.DateTimeField("注销时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="注销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    upload = models.CharField("上报状态", max_length=16, choices=Upload.choices, default=Upload.PENDING)
    uploaded_at = models.DateTimeField("上报时间", null=True, blank=True)

    class Meta:
        verbose_name = "证书"
        verbose_name_plural = "证书"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="exams_certificate_level"
            ),
        ]
        indexes = [
            models.Index(fields=["name", "number"], name="exams_cert_name_number"),
            models.Index(fields=["person", "name"], name="exams_cert_person_name"),
            models.Index(fields=["institution", "issued_on"], name="exams_cert_inst_issued"),
        ]

    def __str__(self) -> str:
        return self.number


class ResultsPolicy(BaseModel):
    """An authority's policy on results (issue 11 item 2): whether the institutions it oversees publish only
    after the authority confirms the results. Required anywhere up the chain binds the authorities below."""

    authority = models.OneToOneField(
        "registry.Authority", verbose_name="委派机构", on_delete=models.PROTECT, related_name="results_policy"
    )
    confirm_required = models.BooleanField("成绩须经认定中心确认后公示", default=True)
    note = models.CharField("政策依据", max_length=255, blank=True)

    class Meta:
        verbose_name = "成绩确认政策"
        verbose_name_plural = "成绩确认政策"

    def __str__(self) -> str:
        return f"{self.authority}:{'须确认' if self.confirm_required else '无需确认'}"


class ResultConfirmation(models.Model):
    """认定中心确认成绩: the institution submits the plan's decided results; the authority holding the filing
    confirms them or returns them with a reason. The confirmed results are pinned by their digest: a result
    changed after confirmation needs a new confirmation before publication."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "待认定中心确认"
        CONFIRMED = "confirmed", "认定中心已确认"
        RETURNED = "returned", "认定中心退回"

    plan = models.OneToOneField(
        "exams.ExamPlan",
        verbose_name="认定计划",
        on_delete=models.PROTECT,
        related_name="result_confirmation",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.REQUESTED)
    results_digest = models.CharField("成绩摘要", max_length=64)
    requested_at = models.DateTimeField("提交时间")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("退回原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "成绩确认"
        verbose_name_plural = "成绩确认"

    def __str__(self) -> str:
        return f"{self.plan} 成绩确认"
