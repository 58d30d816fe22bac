"""Freeze both registers into a draw scenario (RAND-1) in the engine's JSON format (docs/draw-scenario.md).

Identifiers in the scenario are public-safe: targets are batch codes (population `batches`) or the
institution's unified social credit code (population `institutions`); institutions are their credit
codes; supervisors are opaque `S<id>` (names or card numbers are shown beside assignments per the
authority's disclosure setting, never inside the scenario).

- targets: batches starting in the period (not cancelled or completed) of active institutions in the
  authority's region (internal draws: the institution's own batches), narrowed by the draw's filters; or
  institutions holding an active/rectifying filing. Institution targets occupy the whole period, so a
  supervisor takes at most one of them per draw (the engine forbids overlapping targets).
- weights: the draw's per-institution risk weight × `prior_violation` for institutions with a penalty
  in the three years before the period (RAND-1: raised for prior violations) × with `risk_score`
  (按风险加权) the weight of the institution's risk score on the day the scenario is built
  (dudao.analytics.risk: 1 + score / 10, at most 10); the published scenario freezes the product.
- supervisors: card holders of the pool (external: of authorities in the region; internal: of the
  institution), status active, not flagged for dismissal (SUP-10) unless the pool says so, with a card
  whose stored status is valid; `card_valid_until` is the latest such card's last day (the engine
  refuses a card that expires before the target ends).
- conflicts (SUP-8): declared relations with the target institution, with a person employed there
  (institution conflict), or with an examiner of the batch (target conflict).
- examiners (SUP-8): a supervisor who examines in the same batch.
Supervisors already busy in other draws' tasks are not modelled (each draw balances its own load).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from dudao.common.errors import ValidationFailed
from dudao.people.models import CardStatus, Person, Supervisor, SupervisorCard
from dudao.people.selectors import active_relations
from dudao.registry.models import Batch, Filing, Institution

from . import workflow
from .models import Draw, SupervisorKind
from .selectors import committed_memberships, public_institution_ids_with_penalty

CST_OFFSET = "+08:00"
PRIOR_VIOLATION_YEARS = 3


def _iso(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def supervisor_key(pk: int) -> str:
    return f"S{pk}"


def supervisor_pk(key: str) -> int:
    return int(key[1:])


def _region_prefix(draw: Draw) -> str:
    prefix = draw.authority.region.prefix
    wanted = (draw.filters or {}).get("region")
    if wanted and str(wanted).startswith(prefix):
        return str(wanted)
    return prefix


def _target_batches(draw: Draw) -> list[Batch]:
    filters = draw.filters or {}
    qs = Batch.objects.filter(
        starts_at__gte=_day(draw.period_start),
        starts_at__lt=_day(draw.period_end + dt.timedelta(days=1)),
        status__in=[Batch.Status.PLANNED, Batch.Status.ONGOING],
        institution__is_active=True,
    )
    if draw.kind == SupervisorKind.INTERNAL:
        qs = qs.filter(institution_id=draw.institution_id)
    else:
        qs = qs.filter(institution__region__code__startswith=_region_prefix(draw))
    if filters.get("occupations"):
        qs = qs.filter(occupation_id__in=filters["occupations"])
    if filters.get("institution_kinds"):
        qs = qs.filter(institution__kind__in=filters["institution_kinds"])
    if filters.get("institutions"):
        qs = qs.filter(institution_id__in=filters["institutions"])
    return list(qs.select_related("institution", "team_leader").order_by("code"))


def _target_institutions(draw: Draw) -> list[Institution]:
    filters = draw.filters or {}
    qs = Institution.objects.filter(
        is_active=True,
        region__code__startswith=_region_prefix(draw),
        filings__status__in=[Filing.Status.ACTIVE, Filing.Status.RECTIFYING],
    )
    if filters.get("institution_kinds"):
        qs = qs.filter(kind__in=filters["institution_kinds"])
    if filters.get("institutions"):
        qs = qs.filter(pk__in=filters["institutions"])
    return list(qs.distinct().order_by("uscc"))


def _weights(draw: Draw, institution_ids: set[int], risk_out: dict | None = None) -> dict[int, int | float]:
    spec = draw.risk_weights or {}
    per_institution = {int(k): workflow.weight_value(v) for k, v in (spec.get("institutions") or {}).items()}
    factor = workflow.weight_value(spec.get("prior_violation", 1))
    prior: set[int] = set()
    if factor != 1:
        since = dt.date(draw.period_start.year - PRIOR_VIOLATION_YEARS, draw.period_start.month, 1)
        prior = public_institution_ids_with_penalty(institution_ids, since)
    scored: dict[int, Decimal] = {}
    if spec.get("risk_score"):  # 按风险加权 (RAND-1): frozen here, at publication
        from dudao.analytics.risk_selectors import risk_scores, scoring_day

        day = scoring_day()
        scores = risk_scores(institution_ids, day)
        scored = {pk: score.weight for pk, score in scores.items()}
        if risk_out is not None:
            risk_out["as_of"] = day.isoformat()
            risk_out["scores"] = scores
    return {
        pk: workflow.scenario_weight(
            per_institution.get(pk, Decimal(1)) * scored.get(pk, Decimal(1)),
            factor if pk in prior else Decimal(1),
        )
        for pk in institution_ids
    }


def _pool(draw: Draw) -> list[tuple[Supervisor, dt.date]]:
    pool = draw.pool or {}
    qs = Supervisor.objects.filter(kind=draw.kind, status=Supervisor.Status.ACTIVE)
    if draw.kind == SupervisorKind.INTERNAL:
        qs = qs.filter(institution_id=draw.institution_id)
    else:
        qs = qs.filter(authority__region__code__startswith=draw.authority.region.prefix)
    if not pool.get("include_flagged"):
        qs = qs.filter(dismissal_flag=False)
    if pool.get("supervisors"):
        qs = qs.filter(pk__in=pool["supervisors"])
    cards = SupervisorCard.objects.filter(status=CardStatus.VALID, issued_on__lte=draw.period_end).order_by(
        "-valid_until"
    )
    rows = []
    for supervisor in (
        qs.select_related("person__employer", "institution")
        .prefetch_related(Prefetch("cards", queryset=cards, to_attr="valid_cards"))
        .order_by("pk")
    ):
        if supervisor.valid_cards:
            rows.append((supervisor, supervisor.valid_cards[0].valid_until))
    return rows


def build_scenario(draw: Draw, risk_out: dict | None = None) -> dict[str, Any]:
    """The scenario of `draw` from the registers now; ValidationFailed (Chinese) when nothing can be drawn.

    With `risk_out` and a risk-weighted draw, the scores behind the weights are put there (for the audit)."""
    population_batches = draw.population == Draw.Population.BATCHES
    if population_batches:
        batches = _target_batches(draw)
        institutions = {b.institution_id: b.institution for b in batches}
    else:
        batches = []
        institutions = {i.pk: i for i in _target_institutions(draw)}
    if not institutions:
        what = "评价批次" if population_batches else "有效备案的评价机构"
        message = f"{draw.period_start}至{draw.period_end}期间在抽取范围内没有{what},无法公布抽取"
        raise ValidationFailed(message, code="empty_population", detail={"population": [message]})
    weights = _weights(draw, set(institutions), risk_out)
    base = {
        "kind": draw.task_kind,
        "supervisor_kind": draw.kind,
        "group_size": draw.group_size,
    }
    if draw.group_reason:
        base["reason"] = draw.group_reason
    targets: list[dict[str, Any]] = []
    if population_batches:
        for batch in batches:
            entry = {
                "id": batch.code,
                "institution": batch.institution.uscc,
                "start": _iso(batch.starts_at),
                "end": _iso(batch.ends_at),
                **base,
            }
            if weights[batch.institution_id] != 1:
                entry["weight"] = weights[batch.institution_id]
            targets.append(entry)
    else:
        start, end = _day(draw.period_start), _day(draw.period_end + dt.timedelta(days=1))
        for institution in institutions.values():
            entry = {
                "id": institution.uscc,
                "institution": institution.uscc,
                "start": _iso(start),
                "end": _iso(end),
                **base,
            }
            if weights[institution.pk] != 1:
                entry["weight"] = weights[institution.pk]
            targets.append(entry)
    size = len(targets)
    if draw.sample_count is not None and draw.sample_count > size:
        message = f"抽取数量 {draw.sample_count} 超过抽取范围内的对象数 {size}"
        raise ValidationFailed(message, code="sample_too_large", detail={"sample_count": [message]})

    pool = _pool(draw)
    supervisors = []
    for supervisor, valid_until in pool:
        entry: dict[str, Any] = {
            "id": supervisor_key(supervisor.pk),
            "kind": supervisor.kind,
            "card_valid_until": valid_until.isoformat(),
            "max_tasks": draw.max_tasks,
        }
        if supervisor.kind == SupervisorKind.INTERNAL:
            entry["institution"] = supervisor.institution.uscc
        elif supervisor.person.employer_id:
            entry["employer"] = supervisor.person.employer.uscc
        supervisors.append(entry)

    person_to_key = {s.person_id: supervisor_key(s.pk) for s, _ in pool}
    uscc = {pk: inst.uscc for pk, inst in institutions.items()}
    examiner_persons: dict[int, set[str]] = defaultdict(set)  # person id -> batch codes
    if population_batches:
        through = Batch.examiners.through
        for batch_code, person_id in through.objects.filter(batch__in=batches).values_list(
            "batch__code", "examiner__person_id"
        ):
            examiner_persons[person_id].add(batch_code)
        for batch in batches:
            if batch.team_leader_id:
                leader_person = batch.team_leader.person_id
                examiner_persons[leader_person].add(batch.code)
    employees: dict[int, int] = dict(
        Person.objects.filter(employer_id__in=list(institutions)).values_list("pk", "employer_id")
    )
    conflicts: set[tuple[str, str, str]] = set()
    relations = active_relations(
        list(person_to_key),
        other_person_ids=sorted(set(employees) | set(examiner_persons)),
        institution_ids=list(institutions),
    )
    for rel in relations:
        pairs = [(rel.person_id, rel.other_person_id), (rel.other_person_id, rel.person_id)]
        if rel.institution_id is not None:
            if rel.person_id in person_to_key:
                conflicts.add((person_to_key[rel.person_id], "institution", uscc[rel.institution_id]))
            continue
        for mine, other in pairs:
            if mine not in person_to_key or other is None:
                continue
            if other in employees and employees[other] in uscc:
                conflicts.add((person_to_key[mine], "institution", uscc[employees[other]]))
            for code in examiner_persons.get(other, ()):
                conflicts.add((person_to_key[mine], "target", code))
    # A supervisor already committed to an open task at an overlapping time is busy for that target,
    # across draws too: recorded as a target conflict so the engine and its verification see it.
    windows = [
        (t["id"], dt.datetime.fromisoformat(t["start"]), dt.datetime.fromisoformat(t["end"])) for t in targets
    ]
    if windows:
        window_start = min(w[1] for w in windows)
        window_end = max(w[2] for w in windows)
        pks = [s.pk for s, _ in pool]
        for supervisor_id, busy_from, busy_to in committed_memberships(
            pks, window_start, window_end
        ).values_list("supervisor_id", "task__starts_at", "task__ends_at"):
            for target_id, target_start, target_end in windows:
                if busy_from < target_end and busy_to > target_start:
                    conflicts.add((supervisor_key(supervisor_id), "target", target_id))
    examiners = sorted(
        (person_to_key[person_id], code)
        for person_id, codes in examiner_persons.items()
        if person_id in person_to_key
        for code in codes
    )
    raw: dict[str, Any] = {
        "meta": {
            "draw": draw.number,
            "authority": draw.authority.code,
            "period": [draw.period_start.isoformat(), draw.period_end.isoformat()],
            "population": draw.population,
            "snapshot_at": _iso(timezone.now()),
        },
        "targets": targets,
        "supervisors": supervisors,
        "conflicts": [{"supervisor": s, kind: value} for s, kind, value in sorted(conflicts)],
        "examiners": [{"supervisor": s, "target": t} for s, t in examiners],
    }
    if draw.sample_count is not None:
        raw["sample"] = {"count": draw.sample_count}
    elif draw.sample_ratio is not None:
        ratio = Decimal(draw.sample_ratio).normalize()
        raw["sample"] = {"ratio": int(ratio) if ratio == 1 else float(ratio)}
    return raw
