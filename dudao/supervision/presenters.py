"""Plain dicts of supervision objects for the API and the pages (one place decides who sees which part).

The task detail is role-aware: institution users see findings, reports and opinions only after the report
is submitted, never other members' decline reasons; supervisors do not see the institution's ratings.
"""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.permissions import is_institution_user

from . import selectors, workflow
from .domain import verify_public_draw
from .models import Draw, DrawWitness, Opinion, SupervisionPolicy, SupervisionTask, TaskMember
from .permissions import can_manage_draw, can_manage_task
from .transitions import AFTER_REPORT, TASK_TRANSITIONS


def policy_row(policy: SupervisionPolicy) -> dict[str, Any]:
    return {
        "authority_id": policy.authority_id,
        "report_days": policy.report_days,
        "defence_workdays": policy.defence_workdays,
        "rectification_days": policy.rectification_days,
        "termination_statement_workdays": policy.termination_statement_workdays,
        "disclose_supervisors_as": policy.disclose_supervisors_as,
        "coverage_required": policy.coverage_required,
        "opinion_number_prefix": policy.opinion_number_prefix,
        "saved": policy.pk is not None,
        "row_version": policy.row_version if policy.pk else None,
    }


def draw_row(draw: Draw) -> dict[str, Any]:
    return {
        "id": draw.pk,
        "number": draw.number,
        "title": draw.title,
        "authority_id": draw.authority_id,
        "authority_name": draw.authority.name,
        "institution_id": draw.institution_id,
        "institution_name": draw.institution.name if draw.institution_id else "",
        "kind": draw.kind,
        "kind_label": draw.get_kind_display(),
        "period_start": draw.period_start,
        "period_end": draw.period_end,
        "population": draw.population,
        "population_label": draw.get_population_display(),
        "task_kind": draw.task_kind,
        "task_kind_label": draw.get_task_kind_display(),
        "covert_policy": draw.covert_policy,
        "status": draw.status,
        "status_label": draw.get_status_display(),
        "target_count": draw.target_count,
        "supervisor_count": draw.supervisor_count,
        "published_at": draw.published_at,
        "locked_at": draw.locked_at,
        "row_version": draw.row_version,
    }


def draw_parameters(draw: Draw) -> dict[str, Any]:
    return {
        "filters": draw.filters,
        "sample_count": draw.sample_count,
        "sample_ratio": None if draw.sample_ratio is None else str(draw.sample_ratio.normalize()),
        "risk_weights": draw.risk_weights,
        "items": draw.items,
        "item_labels": [workflow.CONTENT_AREAS[i] for i in draw.items],
        "group_size": draw.group_size,
        "group_reason": draw.group_reason,
        "max_tasks": draw.max_tasks,
        "pool": draw.pool,
    }


def witness_row(witness: DrawWitness) -> dict[str, Any]:
    """A witness as everyone sees it: the value is public once entered at the draw meeting."""
    return {
        "id": witness.pk,
        "position": witness.position,
        "name": witness.name,
        "role": witness.role,
        "role_label": witness.get_role_display(),
        "organisation": witness.organisation,
        "commitment": witness.commitment,
        "value": witness.value or None,
        "revealed_at": witness.revealed_at,
    }


def _seed_revealed(draw: Draw) -> bool:
    """The server and final seeds are revealed at the lock, or when a published draw is cancelled."""
    return draw.status == Draw.Status.LOCKED or (
        draw.status == Draw.Status.CANCELLED and draw.published_at is not None
    )


def _final_seed(draw: Draw) -> str | None:
    """The seed the engine ran on; a draw published before witnesses existed ran on the server seed."""
    if draw.seed_scheme == Draw.SeedScheme.SERVER:
        return draw.final_seed or draw.seed or None
    return draw.final_seed or None


def draw_record(draw: Draw, *, reveal: bool) -> dict[str, Any]:
    """What was published about a draw, as `dudao draw verify --record` reads it (issue 8 §7)."""
    return {
        "number": draw.number,
        "hash": draw.hash_algorithm,
        "scenario_digest": draw.scenario_digest,
        "seed_commitment": draw.seed_commitment,
        "seed_scheme": draw.seed_scheme,
        "witnesses": [
            {k: row[k] for k in ("position", "name", "role", "commitment", "value")}
            for row in map(witness_row, draw.witnesses.order_by("position"))
        ],
        "seed": draw.seed if reveal else None,
        "final_seed": _final_seed(draw) if reveal else None,
    }


def public_verification(draw: Draw) -> dict[str, Any]:
    """The one public verification (page, API; `dudao draw verify --record` offline) of a disclosed draw."""
    record = draw_record(draw, reveal=True)
    outcome = verify_public_draw(record, json.loads(draw.scenario), json.loads(draw.result))
    return {
        **outcome.as_dict(),
        "scenario_digest": draw.scenario_digest,
        "seed_commitment": draw.seed_commitment,
        "warnings": outcome.warnings,
    }


def draw_detail(user, draw: Draw) -> dict[str, Any]:
    """What authority (or internal-draw) staff see: everything but the seeds before lock."""
    result = selectors.draw_result(draw)
    revealed = _seed_revealed(draw)
    return {
        **draw_row(draw),
        **draw_parameters(draw),
        "hash_algorithm": draw.hash_algorithm,
        "scenario_digest": draw.scenario_digest,
        "seed_commitment": draw.seed_commitment,
        "seed_scheme": draw.seed_scheme,
        "witnesses": [witness_row(w) for w in draw.witnesses.order_by("position")],
        "seed": draw.seed if revealed and draw.seed else None,
        "final_seed": _final_seed(draw) if revealed else None,
        "run_at": draw.run_at,
        "cancel_reason": draw.cancel_reason,
        "cancelled_at": draw.cancelled_at,
        "result": result,
        "task_count": draw.tasks.count(),
        "can_manage": bool(can_manage_draw(user, draw)),
    }


def _member_row(member: TaskMember, *, private: bool) -> dict[str, Any]:
    supervisor = member.supervisor
    row = {
        "id": member.pk,
        "supervisor_id": supervisor.pk,
        "name": supervisor.person.name,
        "role": member.role,
        "role_label": member.get_role_display(),
        "response": member.response,
        "response_label": member.get_response_display(),
        "active": member.active,
    }
    if private:
        row.update(
            {
                "responded_at": member.responded_at,
                "decline_reason_kind": member.decline_reason_kind,
                "decline_reason": member.decline_reason,
                "justified": member.justified,
                "review_note": member.review_note,
                "replaced_by_id": member.replaced_by_id,
                "row_version": member.row_version,
            }
        )
    return row


def task_row(task: SupervisionTask) -> dict[str, Any]:
    members = [m for m in task.members.all() if m.active]
    leader = next((m for m in members if m.role == TaskMember.Role.LEADER), None)
    today = timezone.localdate()
    late = (
        task.report_submitted_at is None
        and task.report_due_on < today
        and task.status not in (SupervisionTask.Status.CANCELLED,)
    )
    if task.report_submitted_at is not None:
        late = workflow.is_late(timezone.localtime(task.report_submitted_at).date(), task.report_due_on)
    return {
        "id": task.pk,
        "number": task.number,
        "draw_id": task.draw_id,
        "draw_number": task.draw.number if task.draw_id else "",
        "authority_id": task.authority_id,
        "institution_id": task.institution_id,
        "institution_name": task.institution.name,
        "batch_id": task.batch_id,
        "batch_code": task.batch.code if task.batch_id else "",
        "kind": task.kind,
        "kind_label": task.get_kind_display(),
        "supervisor_kind": task.supervisor_kind,
        "covert": task.covert,
        "items": task.items,
        "starts_at": task.starts_at,
        "ends_at": task.ends_at,
        "status": task.status,
        "status_label": task.get_status_display(),
        "report_due_on": task.report_due_on,
        "report_overdue": late,
        "report_submitted_at": task.report_submitted_at,
        "leader_name": leader.supervisor.person.name if leader else "",
        "member_names": [m.supervisor.person.name for m in members],
        "row_version": task.row_version,
    }


def _evidence_row(task_id: int, evidence, url_name: str) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "original_name": evidence.original_name,
        "content_type": evidence.content_type,
        "kind": evidence.kind,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "uploaded_at": evidence.uploaded_at,
        "url": reverse(f"api-1:{url_name}", kwargs={"pk": task_id, "evidence_id": evidence.pk}),
    }


def finding_row(finding) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "content_area": finding.content_area,
        "content_area_label": workflow.CONTENT_AREAS.get(finding.content_area, ""),
        "method": finding.method,
        "method_label": workflow.METHODS.get(finding.method, ""),
        "severity": finding.severity,
        "severity_label": workflow.SEVERITIES.get(finding.severity, ""),
        "description": finding.description,
        "recorded_by": str(finding.recorded_by),
        "created_at": finding.created_at,
        "row_version": finding.row_version,
        "evidence": [
            _evidence_row(finding.task_id, e, "supervision_finding_evidence") for e in finding.evidence.all()
        ],
    }


def report_row(report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "version": report.version,
        "previous_id": report.previous_id,
        "summary": report.summary,
        "problems": report.problems,
        "recommendations": report.recommendations,
        "content_digest": report.content_digest,
        "hash_algorithm": report.hash_algorithm,
        "correction_reason": report.correction_reason,
        "submitted_by": str(report.submitted_by),
        "submitted_at": report.submitted_at,
        "due_on": report.due_on,
        "overdue": report.overdue,
        "findings": report.findings,
    }


def opinion_row(opinion: Opinion) -> dict[str, Any]:
    return {
        "id": opinion.pk,
        "kind": opinion.kind,
        "kind_label": opinion.get_kind_display(),
        "number": opinion.number,
        "body": opinion.body,
        "requirements": opinion.requirements,
        "requires_rectification": opinion.requires_rectification,
        "rectification_due_on": opinion.rectification_due_on,
        "sent_at": opinion.sent_at,
        "defence_due_on": opinion.defence_due_on,
        "defence_text": opinion.defence_text,
        "defence_submitted_at": opinion.defence_submitted_at,
        "issued_at": opinion.issued_at,
        "row_version": opinion.row_version,
    }


def rectification_row(row) -> dict[str, Any]:
    return {
        "id": row.pk,
        "round_no": row.round_no,
        "requirements": row.requirements,
        "due_on": row.due_on,
        "status": row.status,
        "status_label": row.get_status_display(),
        "plan": row.plan,
        "submitted_at": row.submitted_at,
        "overdue": row.overdue,
        "review_note": row.review_note,
        "reviewed_at": row.reviewed_at,
        "evidence": [
            _evidence_row(row.task_id, e, "supervision_rectification_evidence") for e in row.evidence.all()
        ],
    }


def rating_row(rating) -> dict[str, Any]:
    return {
        "id": rating.pk,
        "task_id": rating.task_id,
        "supervisor_id": rating.supervisor_id,
        "supervisor_name": rating.supervisor.person.name,
        "institution_id": rating.institution_id,
        "scores": rating.scores,
        "total": rating.total,
        "band": workflow.rating_band(rating.total),
        "comment": rating.comment,
        "rated_at": rating.rated_at,
    }


def task_actions(user, task: SupervisionTask) -> list[str]:
    """Next statuses the table allows this user now, plus member answers ('accept', 'decline')."""
    allowed = [to for to, predicate in TASK_TRANSITIONS.get(task.status, {}).items() if predicate(user, task)]
    person_id = getattr(user, "person_id", None)
    mine = next(
        (m for m in task.members.all() if m.active and person_id and m.supervisor.person_id == person_id),
        None,
    )
    if (
        mine is not None
        and mine.response == TaskMember.Response.PENDING
        and task.status in ("dispatched", "declined")
    ):
        allowed += ["accept", "decline"]
    return allowed


def task_detail(user, task: SupervisionTask) -> dict[str, Any]:
    """The task as `user` may see it (role-aware, see module docstring)."""
    institution_view = is_institution_user(user) and not can_manage_task(user, task)
    manager = bool(can_manage_task(user, task))
    after_report = task.status in AFTER_REPORT
    show_work = not institution_view or after_report
    findings = selectors.task_findings(task) if show_work else []
    data = {
        **task_row(task),
        "authority_name": task.authority.name,
        "group_size": task.group_size,
        "group_reason": task.group_reason,
        "item_labels": [workflow.CONTENT_AREAS[i] for i in task.items if i in workflow.CONTENT_AREAS],
        "note": task.note,
        "dispatched_at": task.dispatched_at,
        "on_site_at": task.on_site_at,
        "closed_at": task.closed_at,
        "members": [_member_row(m, private=not institution_view) for m in task.members.all()],
        "checklist": selectors.checklist(task, findings) if show_work else [],
        "findings": [finding_row(f) for f in findings],
        "reports": [report_row(r) for r in selectors.task_reports(task)] if show_work else [],
        "opinions": [],
        "rectifications": [rectification_row(r) for r in selectors.task_rectifications(task)],
        "ratings": [],
        "actions": task_actions(user, task),
        "can_manage": manager,
    }
    opinions = selectors.task_opinions(task)
    for kind in (Opinion.Kind.PRELIMINARY, Opinion.Kind.FINAL):
        opinion = opinions.get(kind)
        if opinion is None:
            continue
        if institution_view and opinion.sent_at is None:
            continue  # the group's draft reaches the institution only when sent (ACT-4 step 2)
        data["opinions"].append(opinion_row(opinion))
    if manager or institution_view:
        data["ratings"] = [rating_row(r) for r in selectors.rating_list(user, task=task.pk)]
    return data


# ---------------------------------------------------------------------------------------- public
def _labels(draw: Draw, keys: list[str]) -> dict[str, str]:
    """Supervisor labels (name or card number per the authority's policy) for `S<id>` keys."""
    from django.db.models import Prefetch

    from dudao.people.models import CardStatus, Supervisor, SupervisorCard

    from .snapshot import supervisor_pk

    policy = selectors.policy_for(draw.authority_id)
    supervisors = Supervisor.objects.filter(pk__in=[supervisor_pk(k) for k in keys]).select_related("person")
    supervisors = supervisors.prefetch_related(
        Prefetch(
            "cards",
            queryset=SupervisorCard.objects.exclude(status=CardStatus.REPLACED).order_by("-issued_on", "-id"),
        )
    )
    return {f"S{s.pk}": selectors.public_supervisor_label(s, policy) for s in supervisors}


def _target_labels(draw: Draw, keys: list[str]) -> dict[str, dict[str, Any]]:
    from dudao.registry.models import Batch, Institution

    if draw.population == Draw.Population.BATCHES:
        rows = Batch.objects.filter(code__in=keys).select_related("institution", "occupation")
        return {
            b.code: {
                "institution": b.institution.name,
                "occupation": b.occupation.name,
                "starts_at": b.starts_at,
            }
            for b in rows
        }
    rows = Institution.objects.filter(uscc__in=keys)
    return {i.uscc: {"institution": i.name, "occupation": "", "starts_at": None} for i in rows}


def public_draw(draw: Draw) -> dict[str, Any]:
    """A published draw for anyone (RAND-2): parameters and digests; seed and result once disclosed."""
    disclosure = selectors.draw_disclosure(draw)
    data = {
        "id": draw.pk,
        "number": draw.number,
        "title": draw.title,
        "authority_name": draw.authority.name,
        "institution_name": draw.institution.name if draw.institution_id else "",
        "kind": draw.kind,
        "kind_label": draw.get_kind_display(),
        "period_start": draw.period_start,
        "period_end": draw.period_end,
        "population": draw.population,
        "task_kind": draw.task_kind,
        "task_kind_label": draw.get_task_kind_display(),
        "covert": draw.covert_policy == Draw.CovertPolicy.COVERT,
        "status": draw.status,
        "status_label": draw.get_status_display(),
        "published_at": draw.published_at,
        "run_at": draw.run_at,
        "locked_at": draw.locked_at,
        "target_count": draw.target_count,
        "supervisor_count": draw.supervisor_count,
        "hash_algorithm": draw.hash_algorithm,
        "scenario_digest": draw.scenario_digest,
        "seed_commitment": draw.seed_commitment,
        "seed": draw.seed if disclosure["seed"] else None,
        "seed_scheme": draw.seed_scheme,
        "witnesses": [witness_row(w) for w in draw.witnesses.order_by("position")],
        "final_seed": _final_seed(draw) if disclosure["seed"] else None,
        "cancel_reason": draw.cancel_reason if draw.status == Draw.Status.CANCELLED else "",
        "cancelled_at": draw.cancelled_at,
        "disclosure": disclosure,
        "parameters": draw_parameters(draw),
        "selected": [],
        "weights": [],
        "risk_weighted": False,
        "unassigned": [],
        "stats": None,
    }
    weights: dict[str, Any] = {}
    if disclosure["scenario"] and draw.scenario:
        weights, data["weights"] = _public_weights(draw)
        data["risk_weighted"] = bool((draw.risk_weights or {}).get("risk_score"))
    if disclosure["result"]:
        result = json.loads(draw.result)
        assignments: dict[str, list[str]] = result["assignments"]
        keys = sorted({k for ks in assignments.values() for k in ks})
        labels = _labels(draw, keys)
        places = _target_labels(draw, result["selected"])
        data["selected"] = [
            {
                "target": key,
                **places.get(key, {"institution": "", "occupation": "", "starts_at": None}),
                "supervisors": [labels.get(k, k) for k in assignments.get(key, [])],
                "weight": weights.get(key, 1),
            }
            for key in result["selected"]
        ]
        data["unassigned"] = [{"target": k, "reason": v} for k, v in sorted(result["unassigned"].items())]
        data["stats"] = result["stats"]
    return data


def _public_weights(draw: Draw) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Each target's weight as frozen in the published scenario (RAND-1), and the rows of those not 1."""
    from dudao.registry.models import Institution

    targets = json.loads(draw.scenario)["targets"]
    weights = {t["id"]: t.get("weight", 1) for t in targets}
    heavy = [t for t in targets if t.get("weight", 1) != 1]
    names = dict(
        Institution.objects.filter(uscc__in={t["institution"] for t in heavy}).values_list("uscc", "name")
    )
    rows = [
        {
            "target": t["id"],
            "institution": names.get(t["institution"], t["institution"]),
            "weight": t["weight"],
        }
        for t in sorted(heavy, key=lambda t: (-t["weight"], t["id"]))
    ]
    return weights, rows


def public_task(task: SupervisionTask, policy: SupervisionPolicy) -> dict[str, Any]:
    return {
        "id": task.pk,
        "number": task.number,
        "draw_number": task.draw.number if task.draw_id else "",
        "institution_name": task.institution.name,
        "batch_code": task.batch.code if task.batch_id else "",
        "kind": task.kind,
        "kind_label": task.get_kind_display(),
        "covert": task.covert,
        "starts_at": task.starts_at,
        "status": task.status,
        "status_label": task.get_status_display(),
        "supervisors": [selectors.public_supervisor_label(m.supervisor, policy) for m in task.members.all()],
        **selectors.public_outcome(task),
    }
