"""Supervision: authority policy, draws (RAND-1/2), tasks and their groups, findings, reports, opinions,
rectification, penalties (INST-4), supervisor ratings (SUP-11), assessments (SUP-9), misconduct (SUP-10).

Statuses are TextChoices; which status may follow which, and who may take the step, is the table in
`transitions.py`. Every write goes through `services.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dudao.common.files import StoredFileFields
from dudao.common.models import BaseModel

from . import workflow

USER = settings.AUTH_USER_MODEL


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class SupervisionPolicy(BaseModel):
    """Per-authority settings the rules leave open (SUP-7 deadline, defence period, disclosure)."""

    class Disclosure(models.TextChoices):
        NAME = "name", "公开督导员姓名"
        CARD_NUMBER = "card_number", "公开督导员证卡号"

    authority = models.OneToOneField(
        "registry.Authority",
        verbose_name="委派机构",
        on_delete=models.CASCADE,
        related_name="supervision_policy",
    )
    report_days = models.PositiveSmallIntegerField(
        "报告提交期限(自然日)",
        default=2,
        help_text="评价结束后 N 日内书面反馈,默认 2 日",  # SUP-7
    )
    defence_workdays = models.PositiveSmallIntegerField(
        "申辩期限(工作日)",
        default=5,
        help_text="初步督导意见送达后 N 个工作日内申辩",  # ACT-4
    )
    rectification_days = models.PositiveSmallIntegerField(
        "默认整改期限(自然日)", default=30, help_text="下达整改要求时的默认期限"
    )
    disclose_supervisors_as = models.CharField(
        "公开督导员方式", max_length=16, choices=Disclosure.choices, default=Disclosure.CARD_NUMBER
    )
    coverage_required = models.BooleanField("逢考必督", default=False, help_text="每个评价批次都须派出督导员")
    opinion_number_prefix = models.CharField(
        "督导意见书文号前缀", max_length=32, blank=True, help_text="如「赣鉴督」;空则用机构编码"
    )
    termination_statement_workdays = models.PositiveSmallIntegerField(
        "终止备案陈述申辩期限(工作日)",
        default=5,
        help_text="拟终止备案告知送达后 N 个工作日内陈述申辩",
    )

    class Meta:
        verbose_name = "督导工作设置"
        verbose_name_plural = "督导工作设置"

    def __str__(self) -> str:
        return f"{self.authority} 督导设置"


class NumberSequence(models.Model):
    """Last number issued per key (draws, tasks, opinions by authority and year); locked to issue the next."""

    key = models.CharField(max_length=96, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "编号序列"
        verbose_name_plural = "编号序列"

    def __str__(self) -> str:
        return f"{self.key}={self.last}"


class TaskKind(models.TextChoices):
    DAILY = "daily", "日常督导"
    SPECIAL = "special", "专项督导"


class SupervisorKind(models.TextChoices):
    EXTERNAL = "external", "外部督导"
    INTERNAL = "internal", "内部督导"


class Draw(BaseModel):
    """双随机抽取 (RAND-1): targets and supervisors drawn from a frozen scenario with a committed seed."""

    # The seed stays out of audit snapshots (secret until the draw is locked, RAND-2); the scenario and the
    # result are large and recorded by their digests instead.
    AUDIT_EXCLUDE = ("seed", "final_seed", "scenario", "result")

    class Population(models.TextChoices):
        BATCHES = "batches", "评价批次"
        INSTITUTIONS = "institutions", "评价机构"

    class Status(models.TextChoices):
        DEFINED = "defined", "已定义"
        PUBLISHED = "published", "已公布"
        RUN = "run", "已抽取"
        LOCKED = "locked", "已锁定"
        CANCELLED = "cancelled", "已取消"

    class CovertPolicy(models.TextChoices):
        OPEN = "open", "明察"
        COVERT = "covert", "暗访"

    class SeedScheme(models.TextChoices):
        # issue 8 §7: the final seed also depends on values witnesses reveal after publication.
        WITNESS = "witness", "服务器种子 + 见证人随机值"
        SERVER = "server", "仅服务器种子(旧版抽取)"

    number = models.CharField("抽取编号", max_length=64, unique=True)
    title = models.CharField("名称", max_length=128)
    authority = models.ForeignKey(
        "registry.Authority", verbose_name="委派机构", on_delete=models.PROTECT, related_name="draws"
    )
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="评价机构(内部抽取)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="internal_draws",
    )
    kind = models.CharField("督导员类型", max_length=16, choices=SupervisorKind.choices)
    period_start = models.DateField("期间起")
    period_end = models.DateField("期间止")
    population = models.CharField("抽取对象", max_length=16, choices=Population.choices)
    filters = models.JSONField(
        "对象范围", default=dict, blank=True, help_text="occupations、institution_kinds、institutions、region"
    )
    sample_count = models.PositiveIntegerField("抽取数量", null=True, blank=True)
    sample_ratio = models.DecimalField("抽取比例", max_digits=5, decimal_places=4, null=True, blank=True)
    risk_weights = models.JSONField(
        "风险权重",
        default=dict,
        blank=True,
        help_text='{"institutions": {"机构ID": 权重}, "prior_violation": 系数}',
    )
    task_kind = models.CharField("督导类型", max_length=16, choices=TaskKind.choices)
    items = models.JSONField("督导事项", default=list, blank=True)  # ACT-1
    annual_plan = models.ForeignKey(  # ACT-6: the year's published plan, set by the services
        "supervision.AnnualPlan", verbose_name="年度计划", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="draws",
    )  # fmt: skip
    group_size = models.PositiveSmallIntegerField("督导组人数", default=1)
    group_reason = models.CharField("人数不足 3 人的理由", max_length=255, blank=True)  # ACT-4
    max_tasks = models.PositiveSmallIntegerField("每名督导员最多任务数", default=3)
    pool = models.JSONField(
        "督导员库范围", default=dict, blank=True, help_text="supervisors、include_flagged"
    )
    covert_policy = models.CharField(
        "督导方式", max_length=16, choices=CovertPolicy.choices, default=CovertPolicy.OPEN
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DEFINED, db_index=True
    )
    hash_algorithm = models.CharField("哈希算法", max_length=16, blank=True)
    scenario = models.TextField("抽取情景(规范 JSON)", blank=True)
    scenario_digest = models.CharField("情景摘要", max_length=128, blank=True)
    seed = models.CharField("随机种子", max_length=128, blank=True)
    seed_commitment = models.CharField("种子承诺值", max_length=128, blank=True)
    seed_scheme = models.CharField(
        "种子方案", max_length=16, choices=SeedScheme.choices, default=SeedScheme.WITNESS
    )
    final_seed = models.CharField("最终种子", max_length=128, blank=True)
    result = models.TextField("抽取结果(规范 JSON)", blank=True)
    target_count = models.PositiveIntegerField("对象总数", default=0)
    supervisor_count = models.PositiveIntegerField("督导员总数", default=0)
    created_by = models.ForeignKey(
        USER, verbose_name="创建人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        USER, verbose_name="公布人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    run_at = models.DateTimeField("抽取时间", null=True, blank=True)
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)
    locked_by = models.ForeignKey(
        USER, verbose_name="锁定人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField("取消原因", max_length=255, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)

    class Meta:
        verbose_name = "双随机抽取"
        verbose_name_plural = "双随机抽取"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["authority", "status"]),
            models.Index(fields=["status", "published_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="draw_period_order",
                violation_error_message="期间止不能早于期间起",
            ),
            models.CheckConstraint(
                condition=models.Q(sample_count__isnull=True) | models.Q(sample_ratio__isnull=True),
                name="draw_one_sample_rule",
                violation_error_message="抽取数量与抽取比例只能填写一项",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class DrawWitness(BaseModel):
    """见证人 (issue 8 §7): commits to a secret value before publication, reveals it at the draw meeting."""

    class Role(models.TextChoices):
        DISCIPLINE = "discipline", "纪检监察"
        NOTARY = "notary", "公证"
        OTHER = "other", "其他监督人员"

    draw = models.ForeignKey(Draw, verbose_name="抽取", on_delete=models.CASCADE, related_name="witnesses")
    position = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("姓名", max_length=64)
    role = models.CharField("身份", max_length=16, choices=Role.choices)
    organisation = models.CharField("单位", max_length=128, blank=True)
    # A value once revealed is public: a commitment is never accepted twice, on any draw.
    commitment = models.CharField("承诺值", max_length=64, unique=True)
    value = models.CharField("随机值", max_length=128, blank=True)
    revealed_at = models.DateTimeField("录入时间", null=True, blank=True)
    revealed_by = models.ForeignKey(
        USER, verbose_name="录入人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        USER, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "抽取见证人"
        verbose_name_plural = "抽取见证人"
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="draw_witness_position"),
            models.UniqueConstraint(fields=["draw", "name"], name="draw_witness_name"),
        ]

    def __str__(self) -> str:
        return f"{self.draw.number} 见证人{self.position} {self.name}"


class SupervisionTask(BaseModel):
    """督导任务: one dispatch of a group to a batch or an institution, from a draw or ad hoc."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", "已派发"
        DECLINED = "declined", "有人拒绝"
        ACCEPTED = "accepted", "已接受"
        ON_SITE = "on_site", "现场督导中"
        REPORT_SUBMITTED = "report_submitted", "报告已提交"
        PRELIMINARY_OPINION = "preliminary_opinion", "初步意见已形成"
        SENT_TO_INSTITUTION = "sent_to_institution", "初步意见已反馈机构"
        DEFENCE_SUBMITTED = "defence_submitted", "机构已申辩"
        DEFENCE_WINDOW_CLOSED = "defence_window_closed", "申辩期已届满"
        OPINION_ISSUED = "opinion_issued", "督导意见书已下达"
        RECTIFICATION_ORDERED = "rectification_ordered", "整改中"
        RECTIFICATION_SUBMITTED = "rectification_submitted", "整改材料已提交"
        REVERIFIED = "reverified", "复核通过"
        CLOSED = "closed", "已办结"
        ESCALATED = "escalated", "已移送处理"
        CANCELLED = "cancelled", "已取消"

    number = models.CharField("任务编号", max_length=80, unique=True)
    draw = models.ForeignKey(
        Draw, verbose_name="来源抽取", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    target_key = models.CharField("抽取对象编号", max_length=64, blank=True)
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="委派机构",
        on_delete=models.PROTECT,
        related_name="supervision_tasks",
    )
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="评价机构",
        on_delete=models.PROTECT,
        related_name="supervision_tasks",
    )
    batch = models.ForeignKey(
        "registry.Batch",
        verbose_name="评价批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_tasks",
    )
    kind = models.CharField("督导类型", max_length=16, choices=TaskKind.choices)
    supervisor_kind = models.CharField("督导员类型", max_length=16, choices=SupervisorKind.choices)
    covert = models.BooleanField("暗访", default=False)
    items = models.JSONField("督导事项", default=list, blank=True)  # ACT-1
    annual_plan = models.ForeignKey(  # ACT-6: the year's published plan, set by the services
        "supervision.AnnualPlan", verbose_name="年度计划", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tasks",
    )  # fmt: skip
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    group_size = models.PositiveSmallIntegerField("督导组人数", default=1)
    group_reason = models.CharField("人数不足 3 人的理由", max_length=255, blank=True)  # ACT-4
    status = models.CharField(
        "状态", max_length=32, choices=Status.choices, default=Status.DISPATCHED, db_index=True
    )
    report_due_on = models.DateField("报告截止日期")  # SUP-7
    created_by = models.ForeignKey(
        USER, verbose_name="派发人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispatched_at = models.DateTimeField("派发时间")
    on_site_at = models.DateTimeField("到达现场时间", null=True, blank=True)
    report_submitted_at = models.DateTimeField("报告提交时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    note = models.CharField("备注/原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "督导任务"
        verbose_name_plural = "督导任务"
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["authority", "status"]),
            models.Index(fields=["status", "report_due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="task_time_order",
                violation_error_message="结束时间必须晚于开始时间",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def hidden_from_institution(self) -> bool:
        """Covert (暗访) tasks stay hidden from the institution and the public until their report."""
        return self.covert and self.report_submitted_at is None


class TaskMember(BaseModel):
    """One supervisor of a task's group, with their answer to the dispatch (SUP-4, SUP-10)."""

    class Role(models.TextChoices):
        LEADER = "leader", "组长"
        MEMBER = "member", "组员"

    class Response(models.TextChoices):
        PENDING = "pending", "待确认"
        ACCEPTED = "accepted", "已接受"
        DECLINED = "declined", "已拒绝"

    task = models.ForeignKey(
        SupervisionTask, verbose_name="任务", on_delete=models.CASCADE, related_name="members"
    )
    supervisor = models.ForeignKey(
        "people.Supervisor", verbose_name="督导员", on_delete=models.PROTECT, related_name="task_memberships"
    )
    role = models.CharField("组内角色", max_length=16, choices=Role.choices, default=Role.MEMBER)
    response = models.CharField("答复", max_length=16, choices=Response.choices, default=Response.PENDING)
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    decline_reason_kind = models.CharField(
        "拒绝理由类别", max_length=16, choices=_choices(workflow.DECLINE_REASON_KINDS), blank=True
    )
    decline_reason = models.CharField("拒绝理由", max_length=255, blank=True)
    justified = models.BooleanField("理由成立", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=255, blank=True)
    active = models.BooleanField("在组", default=True, help_text="被替换后为否")
    replaced_by = models.OneToOneField(
        "self",
        verbose_name="替换人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )

    class Meta:
        verbose_name = "督导组成员"
        verbose_name_plural = "督导组成员"
        ordering = ["task_id", "-role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "supervisor"], name="uniq_task_supervisor"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.supervisor_id} {self.get_role_display()}"


class Finding(BaseModel):
    """One on-site finding: ACT-1 content area, SUP-6 method, severity, description, evidence files."""

    task = models.ForeignKey(
        SupervisionTask, verbose_name="任务", on_delete=models.CASCADE, related_name="findings"
    )
    content_area = models.CharField(
        "督导内容", max_length=8, choices=_choices(workflow.CONTENT_AREAS)
    )  # ACT-1
    method = models.CharField("督导方式", max_length=24, choices=_choices(workflow.METHODS))  # SUP-6
    severity = models.CharField("严重程度", max_length=16, choices=_choices(workflow.SEVERITIES))
    description = models.TextField("情况描述", blank=True)
    recorded_by = models.ForeignKey(USER, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "督导发现"
        verbose_name_plural = "督导发现"
        ordering = ["task_id", "content_area", "id"]

    def __str__(self) -> str:
        return f"{self.content_area} {self.get_severity_display()}"


class FindingEvidence(StoredFileFields):
    """An evidence file (photo, PDF, spreadsheet) of a finding."""

    finding = models.ForeignKey(
        Finding, verbose_name="督导发现", on_delete=models.CASCADE, related_name="evidence"
    )

    class Meta:
        verbose_name = "督导证据"
        verbose_name_plural = "督导证据"
        ordering = ["finding_id", "id"]


class Report(models.Model):
    """督导报告 (SUP-7): immutable once submitted; a correction is a new version pointing to the old one."""

    task = models.ForeignKey(
        SupervisionTask, verbose_name="任务", on_delete=models.PROTECT, related_name="reports"
    )
    version = models.PositiveSmallIntegerField("版本", default=1)
    previous = models.OneToOneField(
        "self",
        verbose_name="更正前版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next",
    )
    summary = models.TextField("督导情况")
    problems = models.TextField("存在问题", blank=True)
    recommendations = models.TextField("意见建议", blank=True)
    findings = models.JSONField("督导发现(提交时快照)", default=list, blank=True)
    content_digest = models.CharField("内容摘要", max_length=128)
    hash_algorithm = models.CharField("哈希算法", max_length=16)
    correction_reason = models.CharField("更正原因", max_length=255, blank=True)
    submitted_by = models.ForeignKey(USER, verbose_name="提交人", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间")
    due_on = models.DateField("截止日期")  # SUP-7
    overdue = models.BooleanField("逾期提交", default=False)

    class Meta:
        verbose_name = "督导报告"
        verbose_name_plural = "督导报告"
        ordering = ["task_id", "version"]
        constraints = [models.UniqueConstraint(fields=["task", "version"], name="uniq_report_version")]

    def __str__(self) -> str:
        return f"{self.task} 报告 v{self.version}"


class Opinion(BaseModel):
    """初步督导意见 (the group's) and the numbered 督导意见书 (the authority's) of a special task (ACT-4)."""

    class Kind(models.TextChoices):
        PRELIMINARY = "preliminary", "初步督导意见"
        FINAL = "final", "督导意见书"

    task = models.ForeignKey(
        SupervisionTask, verbose_name="任务", on_delete=models.PROTECT, related_name="opinions"
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    number = models.CharField("文号", max_length=80, null=True, blank=True, unique=True)
    body = models.TextField("意见")
    requirements = models.TextField("整改要求", blank=True)
    requires_rectification = models.BooleanField("须整改", default=False)
    rectification_due_on = models.DateField("整改期限", null=True, blank=True)
    prepared_by = models.ForeignKey(USER, verbose_name="拟稿人", on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("送达机构时间", null=True, blank=True)
    defence_due_on = models.DateField("申辩截止日期", null=True, blank=True)
    defence_text = models.TextField("机构申辩意见", blank=True)
    defence_submitted_at = models.DateTimeField("申辩提交时间", null=True, blank=True)
    defence_by = models.ForeignKey(
        USER, verbose_name="申辩提交人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("下达时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        USER, verbose_name="签发人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "督导意见"
        verbose_name_plural = "督导意见"
        ordering = ["task_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["task", "kind"], name="uniq_task_opinion_kind")]

    def __str__(self) -> str:
        return self.number or f"{self.task} {self.get_kind_display()}"


class Rectification(BaseModel):
    """整改 (ACT-6): one round of requirements, the institution's plan and evidence, and its 复核."""

    class Status(models.TextChoices):
        ORDERED = "ordered", "整改中"
        SUBMITTED = "submitted", "已提交"
        PASSED = "passed", "复核通过"
        FAILED = "failed", "复核未通过"

    task = models.ForeignKey(
        SupervisionTask, verbose_name="任务", on_delete=models.PROTECT, related_name="rectifications"
    )
    round_no = models.PositiveSmallIntegerField("轮次", default=1)
    requirements = models.TextField("整改要求")
    due_on = models.DateField("整改期限")
    ordered_by = models.ForeignKey(USER, verbose_name="下达人", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ORDERED)
    plan = models.TextField("整改报告/方案", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        USER, verbose_name="提交人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overdue = models.BooleanField("逾期提交", default=False)
    review_note = models.TextField("复核意见", blank=True)
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, verbose_name="复核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "整改"
        verbose_name_plural = "整改"
        ordering = ["task_id", "round_no"]
        constraints = [models.UniqueConstraint(fields=["task", "round_no"], name="uniq_rectification_round")]

    def __str__(self) -> str:
        return f"{self.task} 整改第{self.round_no}轮"


class RectificationEvidence(StoredFileFields):
    """An evidence file of a rectification round."""

    rectification = models.ForeignKey(
        Rectification, verbose_name="整改", on_delete=models.CASCADE, related_name="evidence"
    )

    class Meta:
        verbose_name = "整改证明材料"
        verbose_name_plural = "整改证明材料"
        ordering = ["rectification_id", "id"]


class Penalty(BaseModel):
    """INST-4 penalty on an institution; suspension and revocation change its filing's status (INST-3)."""

    class Kind(models.TextChoices):
        PUBLIC_CRITICISM = "public_criticism", "通报批评"
        ORDER_TO_CORRECT = "order_to_correct", "责令改正"
        DISCIPLINARY_PROPOSAL = "disciplinary_proposal", "建议给予处分"
        SUSPENSION = "suspension", "暂停评价工作(暂停备案)"
        REVOCATION = "revocation", "取消评价工作资格"

    class Status(models.TextChoices):
        IN_FORCE = "in_force", "执行中"
        LIFTED = "lifted", "已解除"

    authority = models.ForeignKey(
        "registry.Authority", verbose_name="决定机构", on_delete=models.PROTECT, related_name="penalties"
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name="评价机构", on_delete=models.PROTECT, related_name="penalties"
    )
    filing = models.ForeignKey(
        "registry.Filing",
        verbose_name="备案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    task = models.ForeignKey(
        SupervisionTask,
        verbose_name="督导任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    kind = models.CharField("处理方式", max_length=24, choices=Kind.choices)
    ground = models.CharField("事由", max_length=24, choices=_choices(workflow.PENALTY_GROUNDS))  # INST-4
    description = models.TextField("情况说明")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.IN_FORCE)
    decided_by = models.ForeignKey(USER, verbose_name="决定人", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("决定时间")
    lifted_by = models.ForeignKey(
        USER, verbose_name="解除人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lift_reason = models.CharField("解除原因", max_length=255, blank=True)
    # INST-4 ladder: the earlier penalty this step builds on (拒不改正), or a serious matter (情节严重).
    escalated_from = models.ForeignKey(
        "self",
        verbose_name="前一级处理",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    serious = models.BooleanField("情节严重", default=False)
    serious_reason = models.TextField("情节严重的理由", blank=True)
    responsible_persons = models.JSONField("直接负责的主管人员和其他责任人员", default=list, blank=True)

    class Meta:
        verbose_name = "处理决定"
        verbose_name_plural = "处理决定"
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.institution} {self.get_kind_display()}"


class SupervisorRating(models.Model):
    """SUP-11: the institution's rating of one supervisor after a task (职业技能鉴定质量督导员评价表)."""

    task = models.ForeignKey(
        SupervisionTask, verbose_name="任务", on_delete=models.PROTECT, related_name="ratings"
    )
    supervisor = models.ForeignKey(
        "people.Supervisor", verbose_name="督导员", on_delete=models.PROTECT, related_name="ratings"
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name="评价机构", on_delete=models.PROTECT, related_name="+"
    )
    scores = models.JSONField("各项得分")
    total = models.PositiveSmallIntegerField("总分")
    comment = models.TextField("评价意见", blank=True)
    rated_by = models.ForeignKey(USER, verbose_name="评价人", on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "督导员评价"
        verbose_name_plural = "督导员评价"
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "supervisor"], name="uniq_rating_task_supervisor")
        ]

    def __str__(self) -> str:
        return f"{self.supervisor_id}@{self.task_id}: {self.total}"


class SupervisorAssessment(BaseModel):
    """SUP-9 annual assessment with the authority's decision; the archive keeps the figures it used."""

    class Decision(models.TextChoices):
        KEEP = "keep", "合格,继续聘用"
        NOT_RENEW = "not_renew", "不予续聘"
        REVOKE_CARD = "revoke_card", "取消资格(吊销证卡)"

    supervisor = models.ForeignKey(
        "people.Supervisor", verbose_name="督导员", on_delete=models.PROTECT, related_name="assessments"
    )
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name="考核机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField("考核年度")
    metrics = models.JSONField("考核数据", default=dict, blank=True)
    decision = models.CharField("考核结论", max_length=16, choices=Decision.choices)
    note = models.TextField("考核意见", blank=True)
    decided_by = models.ForeignKey(USER, verbose_name="考核人", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("考核时间")

    class Meta:
        verbose_name = "督导员考核"
        verbose_name_plural = "督导员考核"
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["supervisor", "year"], name="uniq_assessment_year")]

    def __str__(self) -> str:
        return f"{self.supervisor_id} {self.year} {self.get_decision_display()}"


class MisconductRecord(BaseModel):
    """SUP-10 event (dismissal ground); any record not withdrawn sets Supervisor.dismissal_flag."""

    supervisor = models.ForeignKey(
        "people.Supervisor",
        verbose_name="督导员",
        on_delete=models.PROTECT,
        related_name="misconduct_records",
    )
    kind = models.CharField("情形", max_length=24, choices=_choices(workflow.MISCONDUCT_KINDS))  # SUP-10
    task = models.ForeignKey(
        SupervisionTask,
        verbose_name="督导任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    member = models.OneToOneField(
        TaskMember,
        verbose_name="任务答复",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="misconduct",
    )
    description = models.TextField("情况说明", blank=True)
    occurred_on = models.DateField("发生日期")
    recorded_by = models.ForeignKey(
        USER, verbose_name="记录人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, verbose_name="撤销人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdraw_reason = models.CharField("撤销原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "督导员违规记录"
        verbose_name_plural = "督导员违规记录"
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.supervisor_id} {self.get_kind_display()}"


class FilingTermination(BaseModel):
    """终止备案: after a missed rectification (seed 004) the authority notifies the institution, hears its
    statement (陈述申辩) within a working-day window, then terminates the filing or withdraws."""

    class Status(models.TextChoices):
        NOTIFIED = "notified", "已告知,待陈述申辩"
        STATEMENT_SUBMITTED = "statement_submitted", "已陈述申辩"
        TERMINATED = "terminated", "已终止备案"
        WITHDRAWN = "withdrawn", "已撤回"

    authority = models.ForeignKey(
        "registry.Authority", verbose_name="决定机构", on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name="评价机构",
        on_delete=models.PROTECT,
        related_name="filing_terminations",
    )
    filing = models.ForeignKey(
        "registry.Filing", verbose_name="备案", on_delete=models.PROTECT, related_name="terminations"
    )
    # The ground's origin: a supervision task's rectification, or a renewal's rectification (REN-4).
    task = models.ForeignKey(
        SupervisionTask,
        verbose_name="督导任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="terminations",
    )
    rectification = models.ForeignKey(
        Rectification,
        verbose_name="整改",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="terminations",
    )
    renewal = models.ForeignKey(
        "renewals.RenewalApplication",
        verbose_name="延续备案申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="terminations",
    )
    ground = models.CharField("终止事由", max_length=32)
    notice = models.TextField("告知内容")
    status = models.CharField(
        "状态", max_length=24, choices=Status.choices, default=Status.NOTIFIED, db_index=True
    )
    notified_by = models.ForeignKey(USER, verbose_name="告知人", on_delete=models.PROTECT, related_name="+")
    notified_at = models.DateTimeField("告知时间")
    statement_due_on = models.DateField("陈述申辩截止日期")
    statement_due_provisional = models.BooleanField("截止日期待确认", default=False)
    statement = models.TextField("陈述申辩意见", blank=True)
    statement_by = models.ForeignKey(
        USER, verbose_name="陈述人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    statement_at = models.DateTimeField("陈述申辩时间", null=True, blank=True)
    decision_note = models.TextField("决定理由", blank=True)
    decided_by = models.ForeignKey(
        USER, verbose_name="决定人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)

    class Meta:
        verbose_name = "终止备案"
        verbose_name_plural = "终止备案"
        ordering = ["-notified_at", "-id"]

    def __str__(self) -> str:
        return f"{self.institution} 终止备案 {self.filing}"


# The survey after a task (QUAL-4) and the self-evaluation report (ACT-4) live in their own module.
from .models_plans import AnnualPlan, AnnualSummary  # noqa: E402, F401  (ACT-6, own module)
from .models_survey import (  # noqa: E402, F401
    SelfEvaluation,
    SelfEvaluationFile,
    Survey,
    SurveyCode,
    SurveyResponse,
)
