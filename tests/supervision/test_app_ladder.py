"""INST-4's escalation ladder (001 art. 18): criticism / order to correct → disciplinary proposal naming the
responsible persons → revocation of the evaluation qualification; a rung builds on the one below unless the
matter is serious (情节严重, with a reason). The pure rule and its enforcement in penalty_impose."""

from __future__ import annotations

import pytest

from dudao.common.errors import NotFound, ValidationFailed
from dudao.supervision import domain, services
from dudao.supervision.models import Penalty
from tests.supervision.app_support import api, counts

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision"


# ------------------------------------------------------------------------------------------ pure rule
@pytest.mark.parametrize(
    ("kind", "rung"),
    [
        ("public_criticism", 1),
        ("order_to_correct", 1),
        ("disciplinary_proposal", 2),
        ("revocation", 3),
        ("suspension", None),
    ],
)
def test_rungs(kind, rung):
    assert domain.ladder_rung(kind) == rung


@pytest.mark.parametrize(
    ("kind", "previous"),
    [
        ("public_criticism", None),
        ("order_to_correct", None),
        ("suspension", None),
        ("disciplinary_proposal", "public_criticism"),
        ("disciplinary_proposal", "order_to_correct"),
        ("disciplinary_proposal", "disciplinary_proposal"),
        ("revocation", "disciplinary_proposal"),
        ("revocation", "revocation"),
    ],
)
def test_allowed_steps_without_seriousness(kind, previous):
    persons = ("张三",) if kind == "disciplinary_proposal" else ()
    domain.check_ladder_step(domain.LadderStep(kind, previous, responsible_persons=persons))


@pytest.mark.parametrize(
    ("kind", "previous", "message"),
    [
        ("disciplinary_proposal", None, "须先作出「通报批评或责令改正」的处理且拒不改正,才能建议给予处分"),
        (
            "disciplinary_proposal",
            "suspension",
            "须先作出「通报批评或责令改正」的处理且拒不改正,才能建议给予处分",
        ),
        ("revocation", None, "须先作出「建议给予处分」的处理且拒不改正,才能取消评价工作资格"),
        ("revocation", "public_criticism", "须先作出「建议给予处分」的处理且拒不改正,才能取消评价工作资格"),
        ("revocation", "order_to_correct", "须先作出「建议给予处分」的处理且拒不改正,才能取消评价工作资格"),
    ],
)
def test_a_skipped_rung_is_refused(kind, previous, message):
    persons = ("张三",) if kind == "disciplinary_proposal" else ()
    with pytest.raises(ValidationFailed) as exc:
        domain.check_ladder_step(domain.LadderStep(kind, previous, responsible_persons=persons))
    assert exc.value.code == "ladder_skip"
    assert exc.value.message.startswith(message)
    assert list(exc.value.detail) == ["escalated_from"]


@pytest.mark.parametrize("kind", ["disciplinary_proposal", "revocation"])
def test_a_serious_matter_may_skip_with_a_reason(kind):
    persons = ("张三",) if kind == "disciplinary_proposal" else ()
    domain.check_ladder_step(
        domain.LadderStep(kind, None, serious=True, serious_reason="伪造成绩", responsible_persons=persons)
    )
    with pytest.raises(ValidationFailed) as exc:
        domain.check_ladder_step(
            domain.LadderStep(kind, None, serious=True, serious_reason="  ", responsible_persons=persons)
        )
    assert (exc.value.code, exc.value.message) == ("serious_reason", "认定情节严重须写明理由")


def test_a_disciplinary_proposal_names_someone_even_when_serious():
    for serious in (False, True):
        with pytest.raises(ValidationFailed) as exc:
            domain.check_ladder_step(
                domain.LadderStep(
                    "disciplinary_proposal", "public_criticism", serious=serious, serious_reason="严重"
                )
            )
        assert exc.value.code == "responsible_persons"


def test_responsible_persons_are_cleaned():
    assert domain.clean_responsible_persons(" 张三 (主任)\n\n李四\n张三 (主任)") == ("张三 (主任)", "李四")
    assert domain.clean_responsible_persons(["王五", "", "  赵六  "]) == ("王五", "赵六")
    assert domain.clean_responsible_persons(None) == ()
    assert len(domain.clean_responsible_persons([f"人{i}" for i in range(20)])) == 20
    with pytest.raises(ValidationFailed):
        domain.clean_responsible_persons([f"人{i}" for i in range(21)])
    with pytest.raises(ValidationFailed):
        domain.clean_responsible_persons(["长" * 65])
    assert domain.clean_responsible_persons(["长" * 64]) == ("长" * 64,)


# ------------------------------------------------------------------------------------------ service
def _impose(world, kind, **extra):
    return services.penalty_impose(
        actor=world.auth_staff,
        institution=extra.pop("institution", world.institution),
        kind=kind,
        ground=extra.pop("ground", "refused_improvement"),
        description=extra.pop("description", "对督导意见拒不采取改进措施"),
        **extra,
    )


def test_every_rung_in_order(world):
    criticism = _impose(world, "public_criticism")
    assert (criticism.escalated_from_id, criticism.serious, criticism.responsible_persons) == (
        None,
        False,
        [],
    )
    proposal = _impose(
        world, "disciplinary_proposal", escalated_from=criticism, responsible_persons="张三(站长)\n李四"
    )
    assert (proposal.escalated_from_id, proposal.responsible_persons) == (
        criticism.pk,
        ["张三(站长)", "李四"],
    )
    world.filing.refresh_from_db()
    assert world.filing.status == "active"  # a proposal does not touch the filing
    revocation = _impose(world, "revocation", escalated_from=proposal.pk)
    assert revocation.escalated_from_id == proposal.pk
    world.filing.refresh_from_db()
    assert world.filing.status == "terminated"
    assert "取消评价工作资格" in world.filing.status_reason


def test_order_to_correct_is_the_first_rung_too(world):
    order = _impose(world, "order_to_correct")
    proposal = _impose(world, "disciplinary_proposal", escalated_from=order, responsible_persons=["王五"])
    assert proposal.escalated_from_id == order.pk


@pytest.mark.parametrize(
    ("kind", "code"),
    [("disciplinary_proposal", "ladder_skip"), ("revocation", "ladder_skip")],
)
def test_skipping_is_refused_and_changes_nothing(world, kind, code):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        _impose(world, kind, responsible_persons=["张三"])
    assert exc.value.code == code
    assert counts() == before


def test_revocation_after_only_a_criticism_is_refused(world):
    criticism = _impose(world, "public_criticism")
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        _impose(world, "revocation", escalated_from=criticism)
    assert exc.value.code == "ladder_skip"
    assert counts() == before


def test_serious_allows_the_skip_and_is_recorded(world):
    proposal = _impose(
        world,
        "disciplinary_proposal",
        ground="falsification",
        serious=True,
        serious_reason="伪造考生成绩 30 份",
        responsible_persons=["张三"],
    )
    assert (proposal.serious, proposal.serious_reason, proposal.escalated_from_id) == (
        True,
        "伪造考生成绩 30 份",
        None,
    )
    revocation = _impose(world, "revocation", ground="falsification", serious=True, serious_reason="伪造成绩")
    assert revocation.serious is True
    world.filing.refresh_from_db()
    assert world.filing.status == "terminated"


def test_missing_persons_are_refused(world):
    criticism = _impose(world, "public_criticism")
    before = counts()
    for persons in (None, "", "\n  \n", []):
        with pytest.raises(ValidationFailed) as exc:
            _impose(world, "disciplinary_proposal", escalated_from=criticism, responsible_persons=persons)
        assert exc.value.code == "responsible_persons"
        assert exc.value.message == "建议给予处分须写明直接负责的主管人员和其他责任人员(至少一名)"
    assert counts() == before


def test_persons_are_kept_only_on_a_proposal(world):
    criticism = _impose(world, "public_criticism", responsible_persons=["张三"])
    assert criticism.responsible_persons == []


def test_the_earlier_penalty_must_be_the_same_institutions(world):
    other = _impose(world, "public_criticism", institution=world.institution_b)
    before = counts()
    with pytest.raises(NotFound):
        _impose(world, "disciplinary_proposal", escalated_from=other, responsible_persons=["张三"])
    assert counts() == before


def test_seriousness_without_reason_is_refused(world):
    with pytest.raises(ValidationFailed) as exc:
        _impose(world, "revocation", serious=True, serious_reason="")
    assert exc.value.code == "serious_reason"
    assert Penalty.objects.count() == 0


def test_ladder_through_the_api(world):
    criticism = api(
        world.auth_staff,
        "post",
        f"{API}/penalties",
        {
            "institution_id": world.institution.pk,
            "kind": "public_criticism",
            "ground": "other",
            "description": "x",
        },
    )
    assert criticism.status_code == 201
    skipped = api(
        world.auth_staff,
        "post",
        f"{API}/penalties",
        {"institution_id": world.institution.pk, "kind": "revocation", "ground": "other", "description": "x"},
    )
    assert skipped.status_code == 422
    assert skipped.json()["code"] == "ladder_skip"
    no_one = api(
        world.auth_staff,
        "post",
        f"{API}/penalties",
        {
            "institution_id": world.institution.pk,
            "kind": "disciplinary_proposal",
            "ground": "other",
            "description": "x",
            "escalated_from_id": criticism.json()["id"],
        },
    )
    assert no_one.status_code == 422
    assert no_one.json()["code"] == "responsible_persons"
    proposal = api(
        world.auth_staff,
        "post",
        f"{API}/penalties",
        {
            "institution_id": world.institution.pk,
            "kind": "disciplinary_proposal",
            "ground": "other",
            "description": "x",
            "escalated_from_id": criticism.json()["id"],
            "responsible_persons": ["张三(站长)"],
        },
    )
    assert proposal.status_code == 201
    body = proposal.json()
    assert (body["escalated_from_id"], body["responsible_persons"], body["serious"]) == (
        criticism.json()["id"],
        ["张三(站长)"],
        False,
    )
