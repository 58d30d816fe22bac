"""People: persons (encrypted ID numbers), supervisors and their cards and terms, examiners, relations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from dudao.common import pii
from dudao.common.models import BaseModel

from . import domain


class Person(BaseModel):
    """A natural person; the resident ID number is stored encrypted with a blind index (DESIGN: PII)."""

    # SEC-3: the audit trail holds the masked ID and the birth year only (the full birth date fills in the
    # masked digits); a phone change is recorded as masked numbers by the services.
    AUDIT_EXCLUDE = ("id_number_encrypted", "birth_date", "phone")

    name = models.CharField("姓名", max_length=64, db_index=True)
    id_number_encrypted = pii.CiphertextField("身份证号(密文)", editable=False)
    id_number_index = pii.BlindIndexField(
        "身份证号索引", source="id_number_encrypted", unique=True, editable=False
    )
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    gender = models.CharField("性别", max_length=1, choices=[("M", "男"), ("F", "女")], editable=False)
    birth_date = pii.EncryptedDateField("出生日期", editable=False)
    phone = pii.EncryptedTextField("手机号", max_length=20, blank=True)
    employer = models.ForeignKey(
        "registry.Institution",
        verbose_name="工作单位(评价机构)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employees",
    )
    employer_name = models.CharField("工作单位", max_length=128, blank=True)
    registered_by = models.ForeignKey(
        "registry.Authority",
        verbose_name="登记机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_persons",
        help_text="登记该人员的委派机构(决定数据范围)",
    )

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def birth_year(self) -> int:
        """What readers without the reveal right see of the birth date (SEC-3)."""
        return self.birth_date.year

    birth_year.fget.short_description = "出生年份"  # the admin's column label


class CardPattern(BaseModel):
    """Number pattern per card kind (SUP-3): data, so internal/examiner formats can be set by admins."""

    class Kind(models.TextChoices):
        SUPERVISOR_EXTERNAL = "supervisor_external", "外部质量督导员证卡"
        SUPERVISOR_INTERNAL = "supervisor_internal", "内部质量督导员证卡"
        EXAMINER = "examiner", "考评员证卡"

    kind = models.CharField("证卡类型", max_length=32, choices=Kind.choices, unique=True)
    regex = models.CharField("号码正则", max_length=255)
    description = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "证卡编码规则"
        verbose_name_plural = "证卡编码规则"

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        message = domain.validate_regex(self.regex)
        if message:
            raise ValidationError({"regex": message})


class Supervisor(BaseModel):
    """质量督导员 (SUP-1): external (appointed by an authority) or internal (by an institution)."""

    class Kind(models.TextChoices):
        EXTERNAL = "external", "外部质量督导员"
        INTERNAL = "internal", "内部质量督导员"

    class Status(models.TextChoices):
        ACTIVE = "active", "在册"
        SUSPENDED = "suspended", "暂停"
        DISMISSED = "dismissed", "已解聘"
        REVOKED = "revoked", "已吊销"

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="supervisor_roles"
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="委派(聘任)机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisors",
    )
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="所属评价机构(内督)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="internal_supervisors",
    )
    qualification = models.JSONField("任职条件", default=dict, blank=True)  # SUP-2
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    dismissal_flag = models.BooleanField("解聘风险标记", default=False)  # SUP-10
    status_reason = models.CharField("状态变更原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "质量督导员"
        verbose_name_plural = "质量督导员"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                name="uniq_supervisor_person_kind",
                violation_error_message="该人员已登记为此类督导员",
            ),
            # SUP-1: an external supervisor belongs to an authority, an internal one to an institution.
            models.CheckConstraint(
                condition=(
                    models.Q(kind="external", authority__isnull=False, institution__isnull=True)
                    | models.Q(kind="internal", institution__isnull=False)
                ),
                name="supervisor_kind_owner",
                violation_error_message="外部督导员须有委派机构且不属于评价机构;内部督导员须属于评价机构",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}({self.get_kind_display()})"


class CardStatus(models.TextChoices):
    VALID = "valid", "有效"
    LOST = "lost", "挂失"
    REISSUING = "reissuing", "补办中"
    REVOKED = "revoked", "已吊销"
    REPLACED = "replaced", "已补发作废"


class SupervisorCard(BaseModel):
    """督导员证卡 (SUP-3): number unique and validated against its kind's pattern."""

    supervisor = models.ForeignKey(
        Supervisor, verbose_name="督导员", on_delete=models.PROTECT, related_name="cards"
    )
    number = models.CharField("证卡号", max_length=32, unique=True)
    issuer = models.ForeignKey(
        "registry.Authority",
        verbose_name="发证机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_supervisor_cards",
    )
    issued_on = models.DateField("发证日期")
    valid_until = models.DateField("有效期至")
    status = models.CharField("状态", max_length=16, choices=CardStatus.choices, default=CardStatus.VALID)
    status_reason = models.CharField("状态变更原因", max_length=255, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name="补发所替换的旧证",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )

    class Meta:
        verbose_name = "督导员证卡"
        verbose_name_plural = "督导员证卡"
        ordering = ["-issued_on", "id"]

    def __str__(self) -> str:
        return self.number


class SupervisorContract(BaseModel):
    """Contract term (SUP-5): 3 years, ends automatically, at most three terms in total."""

    supervisor = models.ForeignKey(
        Supervisor, verbose_name="督导员", on_delete=models.PROTECT, related_name="contracts"
    )
    term_no = models.PositiveSmallIntegerField("届次")
    starts_on = models.DateField("聘期起")
    ends_on = models.DateField("聘期止")

    class Meta:
        verbose_name = "聘任合同"
        verbose_name_plural = "聘任合同"
        ordering = ["supervisor_id", "term_no"]
        constraints = [models.UniqueConstraint(fields=["supervisor", "term_no"], name="uniq_contract_term")]

    def __str__(self) -> str:
        return f"第{self.term_no}届 {self.starts_on}–{self.ends_on}"


class Examiner(BaseModel):
    """考评员 (EXAM-2/3); `senior` for 高级考评员."""

    person = models.OneToOneField(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="examiner"
    )
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="管理机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="examiners",
        help_text="管理该考评员的委派机构(决定数据范围)",
    )
    senior = models.BooleanField("高级考评员", default=False)
    is_active = models.BooleanField("在册", default=True)

    class Meta:
        verbose_name = "考评员"
        verbose_name_plural = "考评员"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.person.name


class ExaminerCard(BaseModel):
    """考评员证卡: 3-year validity (EXAM-2), scope of occupations and levels (EXAM-3)."""

    examiner = models.ForeignKey(
        Examiner, verbose_name="考评员", on_delete=models.PROTECT, related_name="cards"
    )
    number = models.CharField("证卡号", max_length=32, unique=True)
    issued_on = models.DateField("发证日期")
    valid_until = models.DateField("有效期至")
    renewal_trained_on = models.DateField("最近延续培训日期", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=CardStatus.choices, default=CardStatus.VALID)
    status_reason = models.CharField("状态变更原因", max_length=255, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name="补发所替换的旧证",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )

    class Meta:
        verbose_name = "考评员证卡"
        verbose_name_plural = "考评员证卡"
        ordering = ["-issued_on", "id"]

    def __str__(self) -> str:
        return self.number


class ExaminerCardScope(models.Model):
    """One occupation (+ work type) and its levels on an examiner card (EXAM-3)."""

    card = models.ForeignKey(
        ExaminerCard, verbose_name="证卡", on_delete=models.CASCADE, related_name="scopes"
    )
    occupation = models.ForeignKey(
        "registry.Occupation", verbose_name="职业", on_delete=models.PROTECT, related_name="+"
    )
    work_type = models.CharField("工种", max_length=64, blank=True)
    levels = models.JSONField("等级", default=list)

    class Meta:
        verbose_name = "考评范围"
        verbose_name_plural = "考评范围"

    def __str__(self) -> str:
        return f"{self.occupation} {self.levels}"


class Relation(BaseModel):
    """Declared relation used for recusal (SUP-8, EXAM-4): with another person or an institution."""

    class Kind(models.TextChoices):
        RELATIVE = "relative", "亲属"
        TEACHER_STUDENT = "teacher_student", "师生"
        MASTER_APPRENTICE = "master_apprentice", "师徒"
        EMPLOYMENT = "employment", "雇佣/任职"
        OTHER = "other", "其他利害关系"

    person = models.ForeignKey(
        Person, verbose_name="申报人", on_delete=models.CASCADE, related_name="relations"
    )
    kind = models.CharField("关系类型", max_length=24, choices=Kind.choices)
    other_person = models.ForeignKey(
        Person, verbose_name="关系人", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="关系机构",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="declared_relations",
    )
    note = models.CharField("说明", max_length=255, blank=True)
    declared_on = models.DateField("申报日期")
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)

    class Meta:
        verbose_name = "申报关系"
        verbose_name_plural = "申报关系"
        ordering = ["person_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(other_person__isnull=False, institution__isnull=True)
                    | models.Q(other_person__isnull=True, institution__isnull=False)
                ),
                name="relation_one_counterpart",
                violation_error_message="关系人与关系机构须且只能填写一项",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()}"
