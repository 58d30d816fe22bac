"""Demo data writers: load a synthetic province (`demo_data_create`) or remove it (`demo_data_reset`).

Records are written by the owning apps: through their services one by one (`mode="services"`), or,
at province scale, by the bulk path in `bulk.py` that runs the same domain rules and writes the same
audit events in bulk (`mode="bulk"`; see docs/performance.md for why and what it skips).
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone

from dudao.accounts.models import User
from dudao.common import audit
from dudao.common.errors import Conflict, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.people.models import (
    Examiner,
    ExaminerCard,
    Person,
    Relation,
    Supervisor,
    SupervisorCard,
    SupervisorContract,
)
from dudao.registry.models import Authority, Batch, Filing, FilingScope, Institution, Occupation, Venue
from dudao.workdays import selectors as workday_selectors

from . import bulk, loader, names, workflows
from .plan import DEMO_AUTHORITY_PREFIX, DEMO_USER_PREFIX, SCALES, build_plan

DEFAULT_DEMO_PASSWORD = "Dudao#2026"  # noqa: S105 - documented demo password, demo data only
SUPERUSER = "demo_admin"

# What the summary counts (label, model).
COUNTED = (
    ("委派机构 authorities", Authority),
    ("评价机构 institutions", Institution),
    ("备案 filings", Filing),
    ("认定范围 scopes", FilingScope),
    ("考核场所 venues", Venue),
    ("人员 persons", Person),
    ("考评员 examiners", Examiner),
    ("考评员证卡 examiner cards", ExaminerCard),
    ("督导员 supervisors", Supervisor),
    ("督导员证卡 supervisor cards", SupervisorCard),
    ("聘任合同 contract terms", SupervisorContract),
    ("申报关系 relations", Relation),
    ("评价批次 batches", Batch),
    ("用户 users", User),
    ("审计事件 audit events", AuditEvent),
)


@dataclass
class Summary:
    """What one `demo-data` run did."""

    scale: str
    seed: int
    mode: str
    seconds: float = 0.0
    plan_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, tuple[float, float]] = field(default_factory=dict)  # step → (wall s, CPU s)
    cpu_seconds: float = 0.0


PRODUCTION_REFUSAL = (
    "生产环境(DUDAO_ENV=production)不能生成或删除演示数据:演示数据会创建密码公开的超级管理员账号"
)


def refuse_in_production() -> None:
    """Demo data creates a superuser whose password is published: never in production (issue 8 §5)."""
    if getattr(settings, "PRODUCTION", False):
        raise PermissionDenied(PRODUCTION_REFUSAL)


def demo_password() -> str:
    return getattr(settings, "DUDAO_DEMO_PASSWORD", "") or DEFAULT_DEMO_PASSWORD


def demo_data_present() -> bool:
    """True when a previous run left demo data (its superuser or its authorities)."""
    return (
        User.objects.filter(username=SUPERUSER).exists()
        or Authority.objects.filter(code__startswith=DEMO_AUTHORITY_PREFIX).exists()
    )


def _counts() -> dict[str, int]:
    return {label: model.objects.count() for label, model in COUNTED}


def resolve_mode(scale: str, mode: str) -> str:
    if mode not in ("auto", "services", "bulk"):
        raise ValidationFailed(f"未知的写入方式「{mode}」", detail={"mode": ["应为 auto、services 或 bulk"]})
    if mode == "auto":
        return "bulk" if scale == "province" else "services"
    return mode


def _load(plan, mode: str, password: str) -> loader.Loaded:
    with transaction.atomic():
        admin_plan = next(u for u in plan.users if u.superuser)
        admin = loader.create_superuser(
            username=admin_plan.username, password=password, display_name=admin_plan.display_name
        )
        if mode == "services":
            loaded = loader.load_with_services(plan, actor=admin)
        else:
            loaded = bulk.load_with_bulk(plan, actor=admin)
        loaded.timer()(
            "演示账号 users", lambda: loader.load_users(plan, loaded, password=password, superuser=admin)
        )
        # Issue 9 §3.11: tasks, opinions, rectifications, renewals … through the services, as the demo users.
        loaded.timer()("演示业务 workflows", lambda: workflows.create(plan.today))
    return loaded


def _refresh_statistics() -> None:
    """PostgreSQL plans queries from table statistics, which stay empty after a bulk load until autovacuum
    gets round to the tables (minutes later, or never on a busy server): refresh them now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def demo_data_create(*, scale: str, seed: int, mode: str = "auto", today: dt.date | None = None) -> Summary:
    """Load the synthetic province for `scale` and `seed` in one transaction (all or nothing)."""
    refuse_in_production()
    if scale not in SCALES:
        raise ValidationFailed(f"未知的规模「{scale}」", detail={"scale": [f"应为 {'、'.join(SCALES)}"]})
    mode = resolve_mode(scale, mode)
    if demo_data_present():
        raise Conflict("数据库中已有演示数据:请加 --if-empty(已有则跳过)或 --reset(先删除再生成)")
    started, cpu_started = time.perf_counter(), time.process_time()
    plan = build_plan(scale, seed, today or timezone.localdate(), workday_selectors.calendar().is_workday)
    plan_seconds = time.perf_counter() - started
    before = _counts()
    password = demo_password()
    # Hundreds of thousands of long-lived objects: the cyclic collector would rescan them again and
    # again, and nothing here makes garbage cycles worth collecting (re-enabled afterwards).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        loaded = _load(plan, mode, password)
    finally:
        if gc_was_enabled:
            gc.enable()
    loaded.timer()("统计信息 ANALYZE", _refresh_statistics)
    after = _counts()
    return Summary(
        scale=scale,
        seed=seed,
        mode=mode,
        seconds=time.perf_counter() - started,
        plan_seconds=plan_seconds,
        counts={label: after[label] - before[label] for label in after},
        timings=loaded.timings,
        cpu_seconds=time.process_time() - cpu_started,
    )


def _demo_person_ids(authorities, institutions) -> set[int]:
    owned = set(
        Person.objects.filter(Q(registered_by__in=authorities) | Q(employer__in=institutions)).values_list(
            "pk", flat=True
        )
    )
    # Relatives declared by ID number are registered by the relation service without an owner.
    counterparts = Relation.objects.filter(
        person_id__in=owned, other_person__registered_by__isnull=True, other_person__employer__isnull=True
    ).values_list("other_person_id", flat=True)
    return owned | set(counterparts)


def demo_data_reset(*, actor=None) -> dict[str, int]:
    """Delete what a previous run created (authorities DEMO-*, their institutions and people, demo_* users).

    Audit events are kept (deleting them would break the chain); one `demo.reset` event records the
    counts. Refused, with nothing deleted, when other records (e.g. supervision tasks) still use demo rows.
    """
    refuse_in_production()
    before = _counts()
    with transaction.atomic():
        authorities = list(Authority.objects.filter(code__startswith=DEMO_AUTHORITY_PREFIX))
        institutions = list(
            Institution.objects.filter(authority__in=authorities).values_list("pk", flat=True)
        )
        persons = _demo_person_ids(authorities, institutions)
        try:
            workflows.delete_for(institutions, [a.pk for a in authorities])
            User.objects.filter(username__startswith=DEMO_USER_PREFIX).delete()
            Batch.objects.filter(institution_id__in=institutions).delete()
            Relation.objects.filter(
                Q(person_id__in=persons) | Q(other_person_id__in=persons) | Q(institution_id__in=institutions)
            ).delete()
            cards = ExaminerCard.objects.filter(examiner__person_id__in=persons)
            cards.filter(replaces__isnull=False).delete()  # re-issued cards first (they protect the old one)
            cards.delete()
            Examiner.objects.filter(person_id__in=persons).delete()
            supervisors = Supervisor.objects.filter(
                Q(person_id__in=persons) | Q(institution_id__in=institutions)
            )
            SupervisorContract.objects.filter(supervisor__in=supervisors).delete()
            sup_cards = SupervisorCard.objects.filter(supervisor__in=supervisors)
            sup_cards.filter(replaces__isnull=False).delete()
            sup_cards.delete()
            supervisors.delete()
            Person.objects.filter(pk__in=persons).delete()
            Venue.objects.filter(institution_id__in=institutions).delete()
            Filing.objects.filter(institution_id__in=institutions).delete()
            Institution.objects.filter(pk__in=institutions).delete()
            for authority in sorted(authorities, key=lambda a: a.parent_id is None):  # children first
                authority.delete()
            unused = Occupation.objects.filter(
                code__in=[c for c, _ in names.DEMO_OCCUPATIONS], source=names.DEMO_OCCUPATION_SOURCE
            )
            for occupation in unused:
                try:
                    with transaction.atomic():
                        occupation.delete()
                except (ProtectedError, RestrictedError):
                    pass  # still used by someone's scope or card: keep it
        except (ProtectedError, RestrictedError) as exc:
            raise Conflict(
                "演示数据已被其他记录引用(如督导任务),不能自动删除;请改用新的数据库重新生成演示数据",
                detail={"protected": sorted({str(o._meta.verbose_name) for o in exc.args[1]})},
            ) from None
        removed = {label: before[label] - count for label, count in _counts().items() if label in before}
        removed.pop("审计事件 audit events", None)
        audit.record(
            actor=actor, action="demo.data.reset", object_type="demo", object_label="演示数据", after=removed
        )
    return removed
