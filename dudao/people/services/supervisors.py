"""Supervisors: create, update, status (SUP-9, SUP-10) with SUPERVISOR_TRANSITIONS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from dudao.accounts.permissions import (
    is_authority_user,
    is_institution_admin,
)
from dudao.common import audit
from dudao.common.errors import (
    Conflict,
)
from dudao.common.transitions import TransitionTable, check_transition
from dudao.common.writes import (
    check_version,
    fail,
    lock,
    require,
    save_fields,
    save_new,
    text,
)
from dudao.registry.models import Authority, Institution

from ..models import (
    CardStatus,
    Person,
    Supervisor,
)
from ..permissions import (
    can_change_supervisor,
    can_manage_supervisor_target,
)
from .base import UNSET
from .persons import _resolve_person

# --------------------------------------------------------------------------------------- supervisors


# status → {next status: who may take the step} (SUP-9, SUP-10); dismissed and revoked are final.
SUPERVISOR_TRANSITIONS: TransitionTable = {
    Supervisor.Status.ACTIVE: dict.fromkeys(
        (Supervisor.Status.SUSPENDED, Supervisor.Status.DISMISSED, Supervisor.Status.REVOKED),
        can_change_supervisor,
    ),
    Supervisor.Status.SUSPENDED: dict.fromkeys(
        (Supervisor.Status.ACTIVE, Supervisor.Status.DISMISSED, Supervisor.Status.REVOKED),
        can_change_supervisor,
    ),
    Supervisor.Status.DISMISSED: {},
    Supervisor.Status.REVOKED: {},
}
_REASON_REQUIRED = {Supervisor.Status.SUSPENDED, Supervisor.Status.DISMISSED, Supervisor.Status.REVOKED}

QUALIFICATION_KEYS = {
    "personal_conditions": "具备第六条规定的五项条件",
    "basis": "任职依据",
    "training_passed_on": "培训合格日期",
    "exam_passed_on": "考核合格日期",
    "note": "备注",
}
QUALIFICATION_BASIS = {
    "assessment_work": "从事技能人才评价管理或技术工作",
    "examiner_3_years": "从事考评工作 3 年以上且年度考核合格",
}


def _clean_qualification(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """SUP-2: the recorded appointment conditions (five personal conditions, basis, training, exam)."""
    if not data:
        return {}
    unknown = sorted(set(data) - set(QUALIFICATION_KEYS))
    if unknown:
        raise fail("qualification", f"任职条件中有未知项:{'、'.join(unknown)}")
    result: dict[str, Any] = {}
    if "personal_conditions" in data:
        result["personal_conditions"] = bool(data["personal_conditions"])
    if data.get("basis"):
        if data["basis"] not in QUALIFICATION_BASIS:
            raise fail("qualification", "任职依据应为「从事评价管理或技术工作」或「考评工作 3 年以上」")
        result["basis"] = data["basis"]
    for key in ("training_passed_on", "exam_passed_on"):
        value = data.get(key)
        if value:
            try:
                result[key] = (
                    value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
                ).isoformat()
            except ValueError:
                raise fail("qualification", f"{QUALIFICATION_KEYS[key]}格式应为 YYYY-MM-DD") from None
    if data.get("note"):
        result["note"] = text(str(data["note"]))[:255]
    return result


def qualification_gaps(qualification: Mapping[str, Any]) -> list[str]:
    """SUP-2 items not yet recorded (shown as a warning on the supervisor page)."""
    gaps = []
    if not qualification.get("personal_conditions"):
        gaps.append("五项基本条件")
    if not qualification.get("basis"):
        gaps.append("任职依据")
    if not qualification.get("training_passed_on"):
        gaps.append("培训合格")
    if not qualification.get("exam_passed_on"):
        gaps.append("考核合格")
    return gaps


def _supervisor_owner(kind: str, authority: Authority | None, institution: Institution | None):
    """SUP-1: external → an authority and no institution; internal → an institution."""
    if kind not in Supervisor.Kind.values:
        raise fail("kind", "督导员类型应为外部质量督导员或内部质量督导员")
    if kind == Supervisor.Kind.EXTERNAL:
        if authority is None:
            raise fail("authority", "外部质量督导员须选择委派(聘任)机构")
        if institution is not None:
            raise fail("institution", "外部质量督导员不属于评价机构,请勿填写所属评价机构")
        return authority, None
    if institution is None:
        raise fail("institution", "内部质量督导员须选择所属评价机构")
    return None, institution


@transaction.atomic
def supervisor_create(
    *,
    actor,
    kind: str,
    person: Person | None = None,
    person_data: Mapping[str, Any] | None = None,
    authority: Authority | None = None,
    institution: Institution | None = None,
    qualification: Mapping[str, Any] | None = None,
) -> Supervisor:
    """Appoint a supervisor (SUP-1/SUP-2); the person may be registered inline in the same transaction."""
    if is_authority_user(actor) and kind == Supervisor.Kind.EXTERNAL and authority is None:
        authority = actor.authority
    if is_institution_admin(actor) and kind == Supervisor.Kind.INTERNAL and institution is None:
        institution = actor.institution
    authority, institution = _supervisor_owner(kind, authority, institution)
    require(can_manage_supervisor_target(actor, kind=kind, authority=authority, institution=institution))
    clean_q = _clean_qualification(qualification)
    person, _ = _resolve_person(
        actor=actor,
        person=person,
        person_data=person_data,
        employer=institution,
        registered_by=authority,
    )
    if Supervisor.objects.filter(person=person, kind=kind).exists():
        label = Supervisor.Kind(kind).label
        raise Conflict(f"该人员已登记为{label}", code="duplicate_supervisor")
    supervisor = Supervisor(
        person=person, kind=kind, authority=authority, institution=institution, qualification=clean_q
    )
    save_new(supervisor)
    audit.record(
        actor=actor, action="people.supervisor.create", obj=supervisor, after=audit.snapshot(supervisor)
    )
    return supervisor


@transaction.atomic
def supervisor_update(
    *,
    actor,
    supervisor: Supervisor,
    row_version: int,
    qualification: Any = UNSET,
    authority: Any = UNSET,
    institution: Any = UNSET,
) -> Supervisor:
    """Change a supervisor's recorded conditions or owner (the kind never changes)."""
    supervisor = lock(supervisor)
    require(can_change_supervisor(actor, supervisor))
    check_version(supervisor, row_version)
    before = audit.snapshot(supervisor)
    changed: list[str] = []
    if qualification is not UNSET:
        supervisor.qualification = _clean_qualification(qualification)
        changed.append("qualification")
    new_authority = supervisor.authority if authority is UNSET else authority
    new_institution = supervisor.institution if institution is UNSET else institution
    if authority is not UNSET or institution is not UNSET:
        new_authority, new_institution = _supervisor_owner(supervisor.kind, new_authority, new_institution)
        require(
            can_manage_supervisor_target(
                actor, kind=supervisor.kind, authority=new_authority, institution=new_institution
            ),
            "不能将督导员转到本机构管辖范围之外",
        )
        supervisor.authority, supervisor.institution = new_authority, new_institution
        changed += ["authority", "institution"]
    if not changed:
        return supervisor
    save_fields(supervisor, changed)
    audit.record(
        actor=actor,
        action="people.supervisor.update",
        obj=supervisor,
        before=before,
        after=audit.snapshot(supervisor),
    )
    return supervisor


@transaction.atomic
def supervisor_set_status(
    *, actor, supervisor: Supervisor, to: str, reason: str = "", row_version: int | None = None
) -> Supervisor:
    """Suspend, reinstate, dismiss (SUP-10) or revoke (SUP-9) a supervisor; revoking voids the cards."""
    supervisor = lock(supervisor)
    require(can_change_supervisor(actor, supervisor))
    check_version(supervisor, row_version)
    if to not in Supervisor.Status.values:
        raise fail("to", "目标状态无效")
    check_transition(SUPERVISOR_TRANSITIONS, supervisor, to, actor, noun="督导员")
    reason = text(reason)
    if to in _REASON_REQUIRED and not reason:
        raise fail("reason", "请填写原因")
    before = audit.snapshot(supervisor)
    supervisor.status = to
    supervisor.status_reason = reason[:255]
    save_fields(supervisor, ["status", "status_reason"])
    audit.record(
        actor=actor,
        action=f"people.supervisor.status_{to}",
        obj=supervisor,
        before=before,
        after=audit.snapshot(supervisor),
    )
    if to == Supervisor.Status.REVOKED:
        for card in supervisor.cards.select_for_update().filter(
            status__in=[CardStatus.VALID, CardStatus.LOST, CardStatus.REISSUING]
        ):
            card_before = audit.snapshot(card)
            card.status = CardStatus.REVOKED
            card.status_reason = f"督导员资格吊销:{reason}"[:255]
            save_fields(card, ["status", "status_reason"])
            audit.record(
                actor=actor,
                action="people.supervisor_card.status_revoked",
                obj=card,
                before=card_before,
                after=audit.snapshot(card),
            )
    return supervisor
