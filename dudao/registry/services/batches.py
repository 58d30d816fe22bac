"""Batches (INST-3, EXAM-2, EXAM-3): create, update, cancel, with the examiner checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    ValidationFailed,
)
from dudao.common.writes import (
    check_fields,
    clean,
    fail,
    lock_version,
    parse_datetime,
    pk_of,
    ref_or_fail,
    require_perm,
    save_changed,
    text,
    visible_or_404,
)
from dudao.people import domain as people_domain
from dudao.people.models import Examiner, ExaminerCard, ExaminerCardScope

from .. import domain, selectors
from ..models import Batch, Institution, Occupation, Venue

# ---------------------------------------------------------------------------------------------------------
# Batches (INST-3, EXAM-2, EXAM-3)
BATCH_FIELDS = (
    "occupation",
    "work_type",
    "levels",
    "starts_at",
    "ends_at",
    "venue",
    "candidate_count",
    "examiners",
    "team_leader",
)
EDITABLE_BATCH_STATUSES = (Batch.Status.PLANNED, Batch.Status.ONGOING)


def _examiners_with_cards(ids: Sequence[int]) -> dict[int, Examiner]:
    card_scopes = Prefetch("scopes", queryset=ExaminerCardScope.objects.select_related("occupation"))
    cards = Prefetch("cards", queryset=ExaminerCard.objects.prefetch_related(card_scopes))
    qs = Examiner.objects.filter(pk__in=ids).select_related("person").prefetch_related(cards)
    return {e.pk: e for e in qs}


def _examiner_problem(
    examiner: Examiner,
    occupation: Occupation,
    work_type: str,
    levels: Sequence[int],
    first: dt.date,
    last: dt.date,
) -> str | None:
    """EXAM-2/3 through people.domain: some card valid on the first and last day covering the batch."""
    if not examiner.is_active:
        return "不在册"
    reasons: list[str] = []
    for card in examiner.cards.all():
        facts = people_domain.CardFacts(
            status=card.status,
            issued_on=card.issued_on,
            valid_until=card.valid_until,
            renewal_trained_on=card.renewal_trained_on,
        )
        state = people_domain.examiner_card_state(facts, first)
        if state == people_domain.STATE_VALID:
            state = people_domain.examiner_card_state(facts, last)
        scopes = [
            people_domain.Scope(occupation=s.occupation.code, work_type=s.work_type, levels=tuple(s.levels))
            for s in card.scopes.all()
        ]
        decision = people_domain.can_examine(state, scopes, occupation.code, work_type, levels, first)
        if decision.ok:
            return None
        reasons.append(f"证卡 {card.number}:{domain.without_rule_ids(decision.reason)}")
    if not reasons:
        return "没有考评员证卡"  # EXAM-2
    return ";".join(reasons)


def examiner_problems(
    examiner_ids: Sequence[int],
    *,
    occupation: Occupation,
    work_type: str,
    levels: Sequence[int],
    first: dt.date,
    last: dt.date,
) -> dict[int, str | None]:
    """Read-only: why each examiner may not examine this batch (None = may), as batch_create would say."""
    found = _examiners_with_cards(list(examiner_ids))
    return {
        pk: _examiner_problem(examiner, occupation, work_type, levels, first, last)
        for pk, examiner in found.items()
    }


def _check_examiners(
    examiner_ids: Sequence[Any],
    team_leader: Any,
    occupation: Occupation,
    work_type: str,
    levels: Sequence[int],
    first: dt.date,
    last: dt.date,
) -> tuple[list[Examiner], Examiner | None]:
    try:
        ids = list(dict.fromkeys(int(pk_of(e)) for e in examiner_ids))
    except (TypeError, ValueError):
        raise fail("examiners", "考评人员格式不正确") from None
    found = _examiners_with_cards(ids)
    problems = []
    for pk in ids:
        examiner = found.get(pk)
        if examiner is None:
            problems.append(f"编号为 {pk} 的考评员不存在")
            continue
        problem = _examiner_problem(examiner, occupation, work_type, levels, first, last)
        if problem:
            problems.append(f"考评员 {examiner.person.name}:{problem}")
    if problems:
        raise ValidationFailed(problems[0], detail={"examiners": problems})
    leader = None
    if team_leader not in (None, ""):
        try:
            leader = found.get(int(pk_of(team_leader)))
        except (TypeError, ValueError):
            leader = None
        if leader is None:
            raise fail("team_leader", "考评组长须是本批次的考评人员之一")
    return [found[pk] for pk in ids], leader


def _batch_checks(*, institution: Institution, values: dict[str, Any]) -> domain.FilingSpec:
    """Everything a batch must satisfy; returns the covering filing (INST-3)."""
    starts_at, ends_at = values["starts_at"], values["ends_at"]
    spec = domain.BatchSpec(
        occupation_id=values["occupation"].pk,
        occupation_label=values["occupation"].name,
        work_type=values["work_type"],
        levels=tuple(values["levels"]),
        starts_at=timezone.localtime(starts_at),
        ends_at=timezone.localtime(ends_at),
    )
    # One query: the institution's filings LEFT JOIN their scope entries (indexed on institution, filing).
    return domain.check_batch_in_scope(spec, selectors.filing_specs_for_institution(institution.pk))


def _batch_values(values: dict[str, Any], institution: Institution) -> dict[str, Any]:
    if "occupation" in values:
        values["occupation"] = ref_or_fail(
            Occupation.objects.filter(is_active=True),
            values["occupation"],
            "occupation",
            "职业不存在或已停用",
        )
        if values["occupation"] is None:
            raise fail("occupation", "请选择职业")
    if "work_type" in values:
        values["work_type"] = text(values["work_type"])
    if "levels" in values:
        values["levels"] = domain.validate_levels(values["levels"])
    for name in ("starts_at", "ends_at"):
        if name in values:
            if not isinstance(values[name], dt.datetime):
                raise fail(name, "时间格式应为 YYYY-MM-DD HH:MM")
            values[name] = parse_datetime(values[name], name)
    if "venue" in values:
        values["venue"] = ref_or_fail(
            Venue.objects.filter(institution=institution),
            values["venue"],
            "venue",
            "考核场所不属于该评价机构",
        )
        if values["venue"] is None:
            raise fail("venue", "请选择考核场所")
        if not values["venue"].is_active:
            raise fail("venue", f"考核场所「{values['venue'].name}」已停用")
    if "candidate_count" in values:
        try:
            values["candidate_count"] = int(values["candidate_count"] or 0)
        except (TypeError, ValueError):
            raise fail("candidate_count", "考生人数应为整数") from None
        if values["candidate_count"] < 0:
            raise fail("candidate_count", "考生人数不能为负数")
    return values


def _new_batch_code(day: dt.date) -> str:
    prefix = f"PC{day:%Y%m%d}"
    # A range instead of LIKE 'prefix%': uses the unique index on code on SQLite and PostgreSQL alike.
    existing = Batch.objects.filter(code__gte=prefix, code__lt=prefix + "~").values_list("code", flat=True)
    return domain.batch_code(day, domain.next_batch_seq(existing, day))


@transaction.atomic
def batch_create(
    *,
    actor,
    institution: Institution | int,
    occupation: Occupation | int,
    levels: Sequence[int],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    venue: Venue | int,
    work_type: str = "",
    candidate_count: int = 0,
    examiners: Sequence[Any] = (),
    team_leader: Any = None,
    code: str = "",
) -> Batch:
    """Schedule an evaluation batch inside the institution's filed scope (INST-3) with qualified examiners."""
    target = visible_or_404(selectors.institutions_for(actor), institution)
    require_perm(actor, "registry.add_batch", target)
    values = _batch_values(
        {
            "occupation": occupation,
            "work_type": work_type,
            "levels": levels,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "venue": venue,
            "candidate_count": candidate_count,
        },
        target,
    )
    filing = _batch_checks(institution=target, values=values)
    local_start = timezone.localtime(values["starts_at"])
    chosen, leader = _check_examiners(
        examiners,
        team_leader,
        values["occupation"],
        values["work_type"],
        values["levels"],
        local_start.date(),
        timezone.localtime(values["ends_at"]).date(),
    )
    code = text(code)
    if code and Batch.objects.filter(code=code).exists():
        raise fail("code", f"批次编号 {code} 已存在", "duplicate")
    with transaction.atomic():
        for _attempt in range(5):
            batch = Batch(
                institution=target,
                filing_id=filing.id,
                team_leader=leader,
                code=code or _new_batch_code(local_start.date()),
                **values,
            )
            clean(batch)
            try:
                with transaction.atomic():
                    batch.save()
                break
            except IntegrityError:
                if code:  # a hand-given code taken concurrently: the user must choose another
                    raise fail("code", f"批次编号 {code} 已存在", "duplicate") from None
        else:  # pragma: no cover - five concurrent writers on the same day
            raise Conflict("批次编号生成冲突,请重试")
        batch.examiners.set(chosen)
        after = {**audit.snapshot(batch), "examiners": [e.pk for e in chosen]}
        audit.record(actor=actor, action="registry.batch.create", obj=batch, after=after)
    return batch


@transaction.atomic
def batch_update(*, actor, batch: Batch | int, row_version: int, **changes: Any) -> Batch:
    """Change a planned or ongoing batch; INST-3 and the examiner checks are run again."""
    check_fields(changes, BATCH_FIELDS)
    target = visible_or_404(selectors.batches_for(actor).select_related("institution", "occupation"), batch)
    require_perm(actor, "registry.change_batch", target)
    with transaction.atomic():
        obj = lock_version(target, row_version)
        if obj.status not in EDITABLE_BATCH_STATUSES:
            raise IllegalTransition(f"批次状态为「{obj.get_status_display()}」,不能修改")
        institution = target.institution
        before = {**audit.snapshot(obj), "examiners": sorted(obj.examiners.values_list("pk", flat=True))}
        values = _batch_values(
            {k: v for k, v in changes.items() if k not in ("examiners", "team_leader")}, institution
        )
        merged = {
            "occupation": values.get("occupation", obj.occupation),
            "work_type": values.get("work_type", obj.work_type),
            "levels": values.get("levels", obj.levels),
            "starts_at": values.get("starts_at", obj.starts_at),
            "ends_at": values.get("ends_at", obj.ends_at),
        }
        filing = _batch_checks(institution=institution, values=merged)
        examiner_ids = changes.get("examiners", list(obj.examiners.values_list("pk", flat=True)))
        leader_in = changes.get("team_leader", obj.team_leader_id)
        chosen, leader = _check_examiners(
            examiner_ids,
            leader_in,
            merged["occupation"],
            merged["work_type"],
            merged["levels"],
            timezone.localtime(merged["starts_at"]).date(),
            timezone.localtime(merged["ends_at"]).date(),
        )
        values["filing_id"] = filing.id
        values["team_leader"] = leader
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        clean(obj)
        examiners_changed = sorted(e.pk for e in chosen) != before["examiners"]
        if changed or examiners_changed:
            obj.row_version += 1
            obj.save(update_fields=[*changed, "row_version", "updated_at"])
            if examiners_changed:
                obj.examiners.set(chosen)
            after = {**audit.snapshot(obj), "examiners": sorted(e.pk for e in chosen)}
            audit.record(actor=actor, action="registry.batch.update", obj=obj, before=before, after=after)
    return obj


@transaction.atomic
def batch_cancel(*, actor, batch: Batch | int, reason: str, row_version: int | None = None) -> Batch:
    """Cancel a planned or ongoing batch, with the reason."""
    target = visible_or_404(selectors.batches_for(actor).select_related("institution"), batch)
    require_perm(actor, "registry.change_batch", target)
    reason = text(reason)
    if not reason:
        raise fail("reason", "请填写取消原因")
    with transaction.atomic():
        obj = lock_version(target, row_version)
        if obj.status not in EDITABLE_BATCH_STATUSES:
            raise IllegalTransition(f"批次状态为「{obj.get_status_display()}」,不能取消")
        before = audit.snapshot(obj)
        save_changed(
            obj,
            {"status": Batch.Status.CANCELLED, "cancel_reason": reason[:255]},
            actor=actor,
            action="registry.batch.cancel",
            before=before,
        )
    return obj
