"""Pure rules of the handling (COMPL-2/3): recusal reasons, the finding, the disposition and the INST-4
proposal, text bounds on both sides."""

from __future__ import annotations

import pytest

from dudao.common.errors import ValidationFailed
from dudao.complaints import domain
from dudao.supervision.workflow import PENALTY_GROUNDS


def test_recusal_reasons():
    none = {"concerned": False, "institution_user": False, "employee": False, "declared_relation": False}
    assert domain.handler_problems(**none) == []
    for key, message in [
        ("concerned", domain.RECUSAL_CONCERNED),
        ("institution_user", domain.RECUSAL_INSTITUTION_USER),
        ("employee", domain.RECUSAL_EMPLOYEE),
        ("declared_relation", domain.RECUSAL_RELATION),
    ]:
        assert domain.handler_problems(**(none | {key: True})) == [message]


def test_the_steps_follow_one_another():
    chain = [domain.HANDLING_STEPS[a] for a in ("investigate", "find", "dispose", "reply", "close")]
    assert chain[0][0] is domain.Status.ACCEPTED and chain[-1][1] is domain.Status.CLOSED
    assert all(chain[i][1] is chain[i + 1][0] for i in range(len(chain) - 1))
    assert set(domain.STATUS_LABELS) == set(domain.Status)


@pytest.mark.parametrize(("n", "ok"), [(2000, True), (2001, False)])
def test_finding_text_bound(n, ok):
    if ok:
        assert domain.check_finding("verified", "查" * n) == ("verified", "查" * n)
    else:
        with pytest.raises(ValidationFailed, match="不能超过 2000 个字"):
            domain.check_finding("verified", "查" * n)


def test_disposition_rules():
    dispose = domain.check_disposition
    assert dispose("not_verified", "no_action", "x", "", "", PENALTY_GROUNDS).disposition == "no_action"
    with pytest.raises(ValidationFailed, match="未查实"):
        dispose("not_verified", "voided_certificate", "x", "", "", PENALTY_GROUNDS)
    with pytest.raises(ValidationFailed, match="请选择处理方式"):
        dispose("verified", "jail", "x", "", "", PENALTY_GROUNDS)
    with pytest.raises(ValidationFailed, match="请填写处理说明"):
        dispose("verified", "no_action", " ", "", "", PENALTY_GROUNDS)
    proposal = dispose("verified", "penalty_proposal", "x", "revocation", "falsification", PENALTY_GROUNDS)
    assert (proposal.measure, proposal.ground) == ("revocation", "falsification")
    plain = dispose("verified", "voided_result", "x", "revocation", "falsification", PENALTY_GROUNDS)
    assert (plain.measure, plain.ground) == ("", "")  # only a proposal keeps a measure
    with pytest.raises(ValidationFailed) as exc:
        dispose("verified", "penalty_proposal", "x", "", "", PENALTY_GROUNDS)
    assert set(exc.value.detail) == {"measure", "ground"}
    assert set(domain.MEASURE_PENALTY_KIND) == set(domain.MEASURE_LABELS)


def test_model_choices_match_the_domain():
    from dudao.complaints.models import Complaint
    from dudao.supervision.models import Penalty

    assert dict(Complaint.Finding.choices) == domain.FINDING_LABELS
    assert dict(Complaint.Disposition.choices) == domain.DISPOSITION_LABELS
    assert dict(Complaint.Measure.choices) == domain.MEASURE_LABELS
    assert {k.value: v for k, v in domain.STATUS_LABELS.items()} == dict(Complaint.Status.choices)
    assert set(domain.MEASURE_PENALTY_KIND.values()) <= set(Penalty.Kind.values)
