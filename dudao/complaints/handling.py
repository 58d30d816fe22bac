"""Writers of a complaint's handling after acceptance (COMPL-2/3): the persons concerned, the handlers
(recusal checked like SUP-8), investigation → finding → disposition → reply → closed, a special
supervision task dispatched from the complaint (ACT-1 (3)) and the penalty proposal (INST-4).

Order of refusals (nothing written in any case): out of scope → 404; the role may not → 403; stale
`row_version` → 409; a step the table does not allow → 409; bad input or a recused handler → 422.
Each write and its audit event share one transaction; the filer's contact never enters the trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, ValidationFailed
from dudao.common.transitions import check_transition
from dudao.common.writes import check_version, fail, lock, pk_of, require
from dudao.people.selectors import examiners_for, supervisors_for
from dudao.supervision.workflow import PENALTY_GROUNDS

from . import domain, permissions
from .models import Complaint, ComplaintHandler
from .recusal import recusal_problems
from .transitions import HANDLING

NOUN = "投诉"
MAX_REPLY_CHARS = 1000


def locked_at(complaint: Complaint, row_version: Any) -> Complaint:
    locked = lock(Complaint, complaint.pk)
    check_version(locked, row_version)
    return locked


def bump(complaint: Complaint, fields: Sequence[str] = ()) -> None:
    complaint.row_version += 1
    complaint.save(update_fields=[*fields, "row_version", "updated_at"])


def record(actor: Any, action: str, complaint: Complaint, **after: Any) -> None:
    audit.record(
        actor=actor,
        action=f"complaints.complaint.{action}",
        obj=complaint,
        after={"code": complaint.code, "status": complaint.status, "row_version": complaint.row_version}
        | after,
    )


def _require_open(complaint: Complaint) -> None:
    if complaint.status not in domain.OPEN_FOR_HANDLERS:
        raise IllegalTransition(f"投诉当前状态为「{complaint.get_status_display()}」,不能变更办理人员")


# ------------------------------------------------------------------------------------------ recusal
def handler_candidates(complaint: Complaint) -> list[User]:
    """The authority's users of the region who could be assigned (recused ones left out)."""
    taken = set(complaint.handlers.values_list("user_id", flat=True))
    users = User.objects.filter(is_active=True, role__in=["authority_admin", "authority_staff"])
    users = users.exclude(pk__in=taken).select_related("person").order_by("display_name", "id")
    return [u for u in users if permissions.may_handle(u, complaint) and not recusal_problems(u, complaint)]


def _user_or_fail(value: Any) -> User:
    try:
        return User.objects.select_related("person").get(pk=pk_of(value))
    except (User.DoesNotExist, ValueError, TypeError):
        raise fail("user", "请选择办理人员") from None


def complaint_handler_assign(
    *, actor: Any, complaint: Complaint, user: Any, row_version: Any
) -> ComplaintHandler:
    """Assign one handler: an authority user of the region, not recused (COMPL-2)."""
    require(permissions.may_assign(actor, complaint), "只有人社部门管理员可以指定办理人员")
    handler = _user_or_fail(user)
    with transaction.atomic():
        locked = locked_at(complaint, row_version)
        _require_open(locked)
        problems = recusal_problems(handler, locked)
        if problems:
            raise ValidationFailed(f"不能指定该人员办理:{';'.join(problems)}", detail={"user": problems})
        if not permissions.may_handle(handler, locked):
            raise fail("user", "办理人员须是被投诉机构所在地区人社部门的用户")
        if locked.handlers.filter(user=handler).exists():
            raise Conflict("该人员已是本投诉的办理人员", detail={"user": ["已指定"]})
        row = ComplaintHandler.objects.create(
            complaint=locked, user=handler, assigned_by=actor, assigned_at=timezone.now()
        )
        bump(locked)
        record(actor, "assign_handler", locked, handler_id=handler.pk)
    return row


def complaint_handler_remove(*, actor: Any, complaint: Complaint, user: Any, row_version: Any) -> Complaint:
    require(permissions.may_assign(actor, complaint), "只有人社部门管理员可以变更办理人员")
    with transaction.atomic():
        locked = locked_at(complaint, row_version)
        _require_open(locked)
        deleted, _ = locked.handlers.filter(user_id=pk_of(user)).delete()
        if not deleted:
            raise fail("user", "该人员不是本投诉的办理人员")
        bump(locked)
        record(actor, "remove_handler", locked, handler_id=int(pk_of(user)))
    return locked


def complaint_set_concerned(
    *,
    actor: Any,
    complaint: Complaint,
    examiners: Sequence[Any] = (),
    supervisors: Sequence[Any] = (),
    row_version: Any,
) -> Complaint:
    """Record the examiners and supervisors the complaint is about (the persons recused from handling)."""
    require(permissions.may_act(actor, complaint), "只有本投诉的办理人员或人社部门管理员可以记录被投诉人员")
    try:
        examiner_ids = sorted({int(pk_of(e)) for e in examiners or []})
        supervisor_ids = sorted({int(pk_of(s)) for s in supervisors or []})
    except (TypeError, ValueError):
        raise fail("examiners", "考评员或督导员编号不正确") from None
    examiners_qs = examiners_for(actor).filter(pk__in=examiner_ids)
    supervisors_qs = supervisors_for(actor).filter(pk__in=supervisor_ids)
    if examiners_qs.count() != len(examiner_ids):
        raise fail("examiners", "考评员不存在或不在管辖范围内")
    if supervisors_qs.count() != len(supervisor_ids):
        raise fail("supervisors", "督导员不存在或不在管辖范围内")
    persons = set(examiners_qs.values_list("person_id", flat=True))
    persons |= set(supervisors_qs.values_list("person_id", flat=True))
    with transaction.atomic():
        locked = locked_at(complaint, row_version)
        _require_open(locked)
        locked.persons_concerned.set(sorted(persons))
        clash = [
            h.user for h in locked.handlers.select_related("user__person") if h.user.person_id in persons
        ]
        if clash:  # a handler is among them: replace the handler first (COMPL-2)
            names = "、".join(u.display_name or u.username for u in clash)
            raise fail("examiners", f"{names} 是本投诉的办理人员,须先撤换后再记录为被投诉人员")
        bump(locked)
        record(actor, "set_concerned", locked, persons=sorted(persons))
    return locked


# ---------------------------------------------------------------------------------- the handling steps
DENIED = "只有本投诉的办理人员或人社部门管理员可以办理"


def _step(
    actor: Any,
    complaint: Complaint,
    action: str,
    row_version: Any,
    prepare: Callable[[Complaint], dict[str, Any]],
) -> Complaint:
    """Lock, check the version and the step against the table for `actor`, then apply what `prepare`
    returns for the locked row (input checked last), bump and audit."""
    _, target = domain.HANDLING_STEPS[action]
    with transaction.atomic():
        locked = locked_at(complaint, row_version)
        check_transition(HANDLING, locked, target.value, actor, noun=NOUN, denied=DENIED)
        if action == "investigate" and not locked.handlers.exists():
            raise fail("handlers", "请先指定办理人员,再开始调查")
        changes = prepare(locked)
        before = {"status": locked.status, "row_version": locked.row_version}
        locked.status = target.value
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.row_version += 1
        locked.save(update_fields=["status", *changes, "row_version", "updated_at"])
        shown = {k: v for k, v in changes.items() if k != "public_reply"}
        if "public_reply" in changes:
            shown["reply_chars"] = len(changes["public_reply"])
        audit.record(
            actor=actor,
            action=f"complaints.complaint.{action}",
            obj=locked,
            before=before,
            after={"code": locked.code, "status": locked.status, "row_version": locked.row_version} | shown,
        )
    return locked


def complaint_investigate(*, actor: Any, complaint: Complaint, row_version: Any) -> Complaint:
    """Start the investigation (an assigned handler is required)."""
    return _step(actor, complaint, "investigate", row_version, lambda c: {"investigating_at": timezone.now()})


def complaint_find(
    *, actor: Any, complaint: Complaint, finding: Any, text: Any, row_version: Any
) -> Complaint:
    """COMPL-3: the investigation's finding, verified or not, with what it found."""

    def prepare(locked: Complaint) -> dict[str, Any]:
        result, checked = domain.check_finding(finding, text)
        return {"finding": result, "finding_text": checked, "found_at": timezone.now()}

    return _step(actor, complaint, "find", row_version, prepare)


def complaint_dispose(
    *,
    actor: Any,
    complaint: Complaint,
    disposition: Any,
    note: Any,
    measure: Any = "",
    ground: Any = "",
    row_version: Any,
) -> Complaint:
    """COMPL-3: the disposition; a penalty proposal records the INST-4 measure and its ground."""

    def prepare(locked: Complaint) -> dict[str, Any]:
        checked = domain.check_disposition(
            locked.finding, disposition, note, measure, ground, PENALTY_GROUNDS
        )
        return {
            "disposition": checked.disposition,
            "disposition_note": checked.note,
            "penalty_measure": checked.measure,
            "penalty_ground": checked.ground,
            "disposed_at": timezone.now(),
        }

    return _step(actor, complaint, "dispose", row_version, prepare)


def complaint_reply(*, actor: Any, complaint: Complaint, reply: Any, row_version: Any) -> Complaint:
    """The reply the filer reads with the code and secret (COMPL-2: the complainant is told the outcome)."""

    def prepare(locked: Complaint) -> dict[str, Any]:
        text = domain.check_text(reply, "reply", "答复内容", MAX_REPLY_CHARS)
        return {"public_reply": text, "replied_at": timezone.now()}

    return _step(actor, complaint, "reply", row_version, prepare)


def complaint_close(*, actor: Any, complaint: Complaint, row_version: Any) -> Complaint:
    return _step(actor, complaint, "close", row_version, lambda c: {"closed_at": timezone.now()})
