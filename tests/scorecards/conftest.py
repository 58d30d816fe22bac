"""Fixtures for the evaluation tests (the engine tests in this folder use none of them)."""

from __future__ import annotations

from typing import Any

import pytest

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.scorecards import services
from dudao.scorecards.models import (
    Evaluation,
    EvaluationItemNote,
    EvaluationMember,
    Evidence,
    ScoreFormVersion,
)
from tests import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(200))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def media_root(settings, tmp_path):
    """Evidence files go to a fresh MEDIA_ROOT per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def forms_loaded(db):
    """The shipped forms loaded into the database (as `dudao scorecards load` does)."""
    return {row.form_id: row for row, _ in services.form_versions_load_shipped(actor=None)}


@pytest.fixture
def evaluators(authority):
    """An evaluation group of the Jiangxi authority: leader (staff) and a member (external supervisor)."""
    leader = f.UserFactory(
        username="eval_leader", display_name="李组长", role=Role.AUTHORITY_STAFF, authority=authority
    )
    sup = f.SupervisorFactory(authority=authority)
    member = f.UserFactory(
        username="eval_member",
        display_name="王督导",
        role=Role.EXTERNAL_SUPERVISOR,
        authority=authority,
        person=sup.person,
    )
    return {"leader": leader, "member": member}


@pytest.fixture
def opened(users, evaluators, institution, forms_loaded, media_root):
    """A CQ-RENEWAL draft of `institution` opened by the authority admin (`f.evaluation_advance` takes it on
    to submitted or signed)."""
    return f.evaluation(
        "open",
        actor=users[Role.AUTHORITY_ADMIN],
        institution=institution,
        leader=evaluators["leader"],
        members=[evaluators["member"]],
    )


def fill(evaluation: Evaluation, user: Any, answers: dict[str, Any]) -> Evaluation:
    for item_id, value in answers.items():
        evaluation = services.evaluation_answer(
            actor=user, evaluation=evaluation, item_id=item_id, value=value
        )
    return evaluation


def sign_all(evaluation: Evaluation, *users: Any) -> Evaluation:
    for user in users:
        evaluation = services.evaluation_sign(actor=user, evaluation=evaluation)
    return evaluation


def counts() -> dict[str, int]:
    """Row counts of everything an evaluation call could write (nothing-changed assertions)."""
    return {
        "evaluations": Evaluation.objects.count(),
        "members": EvaluationMember.objects.filter(signed_at__isnull=False).count(),
        "notes": EvaluationItemNote.objects.count(),
        "evidence": Evidence.objects.count(),
        "forms": ScoreFormVersion.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def state(evaluation: Evaluation) -> tuple:
    """The mutable state of one evaluation, re-read from the database."""
    ev = Evaluation.objects.get(pk=evaluation.pk)
    return (ev.status, ev.answers, str(ev.total), ev.band, ev.row_version, ev.answered_count)
