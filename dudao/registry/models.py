"""Registers: regions, authorities, occupations, institutions, filings and scopes, venues, batches."""

from __future__ import annotations

from django.db import models

from dudao.common.models import BaseModel


class Region(models.Model):
    """Administrative division per GB/T 2260 (6-digit code); provinces shipped, cities/districts imported."""

    class Kind(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "地市级"
        DISTRICT = "district", "区县级"

    code = models.CharField("区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("层级", max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    @property
    def prefix(self) -> str:
        """Code prefix shared by this region and everything below it (`36`, `3601`, `360102`)."""
        return {"province": self.code[:2], "city": self.code[:4]}.get(self.kind, self.code)


class Authority(BaseModel):
    """委派机构: an HRSS department or skill-assessment centre; scopes its staff to its region and below."""

    code = models.CharField("机构编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=128)
    region = models.ForeignKey(
        Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="authorities"
    )
    parent = models.ForeignKey(
        "self", verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT
    )
    card_issuer_code = models.CharField(
        "督导员证卡发证机关代码",
        max_length=2,
        blank=True,
        help_text="外督证卡号第 2–3 位,通常为省级区划代码前两位",  # SUP-3
    )
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "委派机构"
        verbose_name_plural = "委派机构"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Occupation(BaseModel):
    """职业/工种 per 职业分类大典 (2022); `verified` is False unless the code is sourced (OCC-1)."""

    code = models.CharField("职业编码", max_length=16, unique=True)
    name = models.CharField("职业名称", max_length=128, db_index=True)
    verified = models.BooleanField("编码已核实", default=False)
    source = models.CharField("编码来源", max_length=255, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "职业"
        verbose_name_plural = "职业目录"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Institution(BaseModel):
    """评价机构 (INST-1): employer, technical school or social training-evaluation organisation."""

    class Kind(models.TextChoices):
        EMPLOYER = "employer", "用人单位"
        TECH_SCHOOL = "tech_school", "技工院校"
        SOCIAL_ORG = "social_org", "社会培训评价组织"

    name = models.CharField("机构名称", max_length=128, db_index=True)
    kind = models.CharField("机构类型", max_length=16, choices=Kind.choices)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    region = models.ForeignKey(
        Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="institutions"
    )
    authority = models.ForeignKey(
        Authority, verbose_name="主管(备案)机构", on_delete=models.PROTECT, related_name="institutions"
    )
    parent_org_name = models.CharField(  # INST-1
        "上级全国性组织", max_length=128, blank=True, help_text="全国性社会组织在本地的分支机构填写"
    )
    address = models.CharField("地址", max_length=255, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=64, blank=True)
    contact_name = models.CharField("联系人", max_length=64, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    # The published complaint channel (COMPL-1; FORM-B C2.2): set up = a phone, mailbox or email recorded;
    # published = the page where the institution announces it.
    complaint_phone = models.CharField("投诉举报电话", max_length=32, blank=True)
    complaint_mailbox = models.CharField("投诉举报信箱", max_length=255, blank=True)
    complaint_email = models.CharField("投诉举报电子邮箱", max_length=254, blank=True)
    complaint_page_url = models.CharField("公布投诉渠道的网页", max_length=255, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "评价机构"
        verbose_name_plural = "评价机构"
        ordering = ["id"]
        indexes = [models.Index(fields=["region", "kind"]), models.Index(fields=["authority", "kind"])]

    def __str__(self) -> str:
        return self.name


class Filing(BaseModel):
    """备案 (INST-2): validity period, status and scope of an institution's registration."""

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        SUSPENDED = "suspended", "暂停"
        RECTIFYING = "rectifying", "整改期"
        EXPIRED = "expired", "已到期"
        TERMINATED = "terminated", "已终止"

    institution = models.ForeignKey(
        Institution, verbose_name="评价机构", on_delete=models.PROTECT, related_name="filings"
    )
    authority = models.ForeignKey(
        Authority, verbose_name="备案机关", on_delete=models.PROTECT, related_name="filings"
    )
    number = models.CharField("备案编号", max_length=64, unique=True)
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期止")
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    note = models.CharField("备注", max_length=255, blank=True)
    status_reason = models.CharField("状态变更原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "备案"
        verbose_name_plural = "备案"
        ordering = ["-valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="filing_period_order",
                violation_error_message="有效期止必须晚于有效期起",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class FilingScope(BaseModel):
    """认定范围: occupation (+ optional work type) and levels; `ended_on` set when dropped (REN-5)."""

    filing = models.ForeignKey(Filing, verbose_name="备案", on_delete=models.CASCADE, related_name="scopes")
    occupation = models.ForeignKey(
        Occupation, verbose_name="职业", on_delete=models.PROTECT, related_name="+"
    )
    work_type = models.CharField("工种", max_length=64, blank=True)
    levels = models.JSONField("等级", default=list, help_text="等级列表,如 [5, 4, 3]")
    start_date = models.DateField("起始日期")
    ended_on = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        verbose_name = "认定范围"
        verbose_name_plural = "认定范围"
        ordering = ["filing_id", "occupation_id", "work_type"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("start_date")),
                name="filingscope_end_after_start",
                violation_error_message="终止日期不能早于起始日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occupation} {self.work_type} {self.levels}"


class Venue(BaseModel):
    """考核场所: a site of an institution with its rooms, seats and cameras."""

    institution = models.ForeignKey(
        Institution, verbose_name="评价机构", on_delete=models.PROTECT, related_name="venues"
    )
    name = models.CharField("场所名称", max_length=128)
    address = models.CharField("地址", max_length=255, blank=True)
    room_count = models.PositiveIntegerField("考场数", default=1)
    capacity = models.PositiveIntegerField("容纳人数", default=30)
    camera_count = models.PositiveIntegerField("摄像头数", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "考核场所"
        verbose_name_plural = "考核场所"
        ordering = ["institution_id", "name"]

    def __str__(self) -> str:
        return self.name


class Batch(BaseModel):
    """评价批次: one scheduled evaluation; must sit inside an active filing's scope (INST-3)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "已计划"
        ONGOING = "ongoing", "进行中"
        COMPLETED = "completed", "已完成"
        CANCELLED = "cancelled", "已取消"

    code = models.CharField("批次编号", max_length=40, unique=True)
    institution = models.ForeignKey(
        Institution, verbose_name="评价机构", on_delete=models.PROTECT, related_name="batches"
    )
    filing = models.ForeignKey(
        Filing, verbose_name="所依备案", on_delete=models.PROTECT, related_name="batches"
    )
    occupation = models.ForeignKey(
        Occupation, verbose_name="职业", on_delete=models.PROTECT, related_name="+"
    )
    work_type = models.CharField("工种", max_length=64, blank=True)
    levels = models.JSONField("等级", default=list)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    venue = models.ForeignKey(
        Venue, verbose_name="考核场所", on_delete=models.PROTECT, related_name="batches"
    )
    candidate_count = models.PositiveIntegerField("考生人数", default=0)
    examiners = models.ManyToManyField(
        "people.Examiner", verbose_name="考评人员", blank=True, related_name="batches"
    )
    team_leader = models.ForeignKey(
        "people.Examiner",
        verbose_name="考评组长",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_batches",
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    cancel_reason = models.CharField("取消原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "评价批次"
        verbose_name_plural = "评价批次"
        ordering = ["-starts_at", "id"]
        # List filters sort by start time: each common filter gets a (filter, starts_at) index.
        indexes = [
            models.Index(fields=["institution", "starts_at"]),
            models.Index(fields=["status", "starts_at"], name="registry_batch_status_start"),
            models.Index(fields=["occupation", "starts_at"], name="registry_batch_occ_start"),
            models.Index(fields=["starts_at", "id"], name="registry_batch_start_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="batch_time_order",
                violation_error_message="批次结束时间必须晚于开始时间",
            ),
        ]

    def __str__(self) -> str:
        return self.code
