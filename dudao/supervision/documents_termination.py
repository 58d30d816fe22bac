"""The 拟终止备案告知书: the notice of the termination procedure after a missed rectification (seed 004's
rectification notice: "若逾期未整改或未按要求完成整改,将视情况…终止…备案"), with the institution's right to
be heard and the statement deadline. Rendered on demand from the `FilingTermination` row with the
``termination_notice`` template (``dudao.supervision.build_templates``); admins may replace it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from . import domain, selectors
from .documents import _cn, _cn_date, _lines, _local_date, _render, _variant
from .models import FilingTermination

TERMINATION_TEMPLATE = "termination_notice"


def termination_for(user, pk: Any) -> FilingTermination:
    """A termination procedure in the user's scope (authority region, the institution concerned)."""
    return selectors.termination_get(user, pk)


def termination_number(t: FilingTermination) -> str:
    """``<prefix>终告〔<year>〕<n>号``, n = its order among the authority's notices of that year (rows are
    never deleted, so the order is stable); the prefix is the policy's opinion prefix or ``<code>督``."""
    notified = timezone.localtime(t.notified_at)
    start = timezone.make_aware(dt.datetime(notified.year, 1, 1))
    end = timezone.make_aware(dt.datetime(notified.year + 1, 1, 1))
    n = (
        FilingTermination.objects.filter(
            authority_id=t.authority_id, notified_at__gte=start, notified_at__lt=end
        )
        .filter(Q(notified_at__lt=t.notified_at) | Q(notified_at=t.notified_at, pk__lte=t.pk))
        .count()
    )
    policy = selectors.policy_for(t.authority_id)
    prefix = policy.opinion_number_prefix or f"{t.authority.code}督"
    return f"{prefix}终告〔{notified.year}〕{n}号"


def termination_context(t: FilingTermination) -> dict[str, Any]:
    """Context of ``termination_notice``: facts, notice text, the intended measure, the right to be heard."""
    authority = t.authority.name
    ground = domain.TERMINATION_GROUNDS.get(t.ground, t.ground)
    if t.renewal_id:  # REN-4: the renewal evaluation's rectification notice
        renewal = t.renewal
        facts = (
            f"{_cn_date(renewal.notice_issued_on)}，{authority}经延续备案评估向你单位下达整改通知书"
            f"（{renewal.notice_number}），整改期限至{_cn_date(renewal.rectification_deadline)}。"
            "截至整改期限届满，你单位未完成整改。"
        )
    else:
        rectification = t.rectification
        ordered_on = _local_date(rectification.created_at)
        facts = (
            f"{_cn_date(ordered_on)}，{authority}对你单位下达整改要求（督导任务编号：{t.task.number}），"
            f"整改期限至{_cn_date(rectification.due_on)}。截至整改期限届满，你单位{ground}。"
        )
    measure = (
        f"依据整改通知的规定，{authority}拟终止你单位的职业技能等级评价机构备案"
        f"（备案编号：{t.filing.number}）。"
    )
    hearing = (
        f"你单位对上述事实和拟作出的处理有异议的，可于{_cn_date(t.statement_due_on)}前向{authority}提出陈述"
        "申辩意见，并提供相关证明材料；逾期未提出的，视为放弃陈述申辩。"
    )
    return {
        "mark": "",
        "header": authority,
        "authority_name": authority,
        "doc_number": termination_number(t),
        "title": f"关于拟终止{t.institution.name}评价机构备案的告知书",
        "recipient": t.institution.name,
        "body": [facts, *(_cn(line) for line in _lines(t.notice)), measure, hearing],
        "signer": authority,
        "date": _local_date(t.notified_at),
        "seal": True,
    }


def render_termination(t: FilingTermination, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the 拟终止备案告知书 as DOCX or PDF."""
    context = termination_context(t)
    stem = f"拟终止备案告知书_{t.institution.name}_{context['doc_number']}"
    return _render(TERMINATION_TEMPLATE, context, fmt, _variant(t), stem)
