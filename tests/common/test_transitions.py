"""The one transition mechanism (dudao.common.transitions): table, predicate, save, audit."""

from __future__ import annotations

import pytest

from dudao.common.errors import IllegalTransition, PermissionDenied
from dudao.common.models import AuditEvent
from dudao.common.transitions import allowed_next, anyone, apply_transition, check_transition, transition
from dudao.registry.models import Filing
from tests import factories as f

pytestmark = pytest.mark.django_db


def _only_superusers(user, obj) -> bool:
    return bool(user.is_superuser)


TABLE = {
    "active": {"suspended": _only_superusers, "expired": anyone},
    "suspended": {"active": anyone},
    "expired": {},
}


@pytest.fixture
def filing():
    return f.FilingFactory()


def test_an_illegal_step_names_both_statuses_in_chinese(filing, users):
    with pytest.raises(IllegalTransition) as exc:
        check_transition(TABLE, filing, "active", users["superuser"], noun="备案")
    assert exc.value.message == "备案当前状态为「有效」,不能变更为「有效」"
    assert (exc.value.status, exc.value.detail) == (409, {"from": "active", "to": "active"})
    filing.status = "expired"
    with pytest.raises(IllegalTransition) as exc:
        check_transition(TABLE, filing, "suspended", users["superuser"], message="已失效的备案不能暂停")
    assert exc.value.message == "已失效的备案不能暂停"


def test_a_false_predicate_is_permission_denied(filing, users):
    with pytest.raises(PermissionDenied) as exc:
        check_transition(TABLE, filing, "suspended", users["authority_staff"], denied="只有管理员可以暂停")
    assert (exc.value.status, exc.value.message) == (403, "只有管理员可以暂停")
    check_transition(TABLE, filing, "suspended", users["superuser"])  # the predicate holds: no error


def test_allowed_next_lists_the_steps_the_actor_may_take(filing, users):
    assert allowed_next(TABLE, filing, users["superuser"]) == ["suspended", "expired"]
    assert allowed_next(TABLE, filing, users["authority_staff"]) == ["expired"]


def test_transition_saves_bumps_the_version_and_audits(filing, users):
    moved = transition(
        filing,
        "suspended",
        actor=users["superuser"],
        table=TABLE,
        action="registry.filing.set_status",
        changes={"status_reason": "督导发现违规"},
        extra={"why": "test"},
    )
    stored = Filing.objects.get(pk=filing.pk)
    assert (moved.status, stored.status, stored.status_reason, stored.row_version) == (
        "suspended",
        "suspended",
        "督导发现违规",
        2,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.before["status"], event.after["status"], event.after["why"]) == (
        "registry.filing.set_status",
        "active",
        "suspended",
        "test",
    )


def test_apply_transition_locks_and_refuses_without_writing(filing, users):
    with pytest.raises(PermissionDenied):
        apply_transition(
            Filing, filing.pk, to="suspended", actor=users["authority_staff"], table=TABLE, action="x.y.z"
        )
    assert (Filing.objects.get(pk=filing.pk).row_version, AuditEvent.objects.count()) == (1, 0)
    moved = apply_transition(
        Filing, filing.pk, to="expired", actor=users["authority_staff"], table=TABLE, action="x.y.z"
    )
    assert (moved.status, moved.row_version) == ("expired", 2)
