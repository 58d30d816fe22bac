"""Review of issue 12: the termination of a filing started from a renewal is decided by the authority that
holds the filing (seed 004: the bureau), not by another authority of the same region such as the
evaluation centre of a two-step renewal; a denial changes nothing."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import PermissionDenied
from dudao.registry.models import Filing
from dudao.supervision import services as supervision_services
from dudao.supervision.models import FilingTermination
from tests import factories as f

from .conftest import D, counts
from .test_renewal_termination import _start, rectifying  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("decision", ["terminate", "withdraw"])
def test_another_authority_of_the_region_cannot_decide(users, authority, rectifying, decision):  # noqa: F811
    centre = f.AuthorityFactory(region=authority.region, code="JX-CENTRE", name="江西省职业技能鉴定评估中心")
    centre_staff = f.UserFactory(username="centre_staff", role=Role.AUTHORITY_STAFF, authority=centre)
    t = _start(users[Role.AUTHORITY_STAFF], rectifying, D("2025-04-29"))
    before, filing_status = counts(), Filing.objects.get(pk=rectifying.filing_id).status
    with pytest.raises(PermissionDenied):
        supervision_services.termination_decide(
            actor=centre_staff, termination=t, decision=decision, note="x", row_version=t.row_version
        )
    assert counts() == before
    assert FilingTermination.objects.get(pk=t.pk).status == "notified"
    assert Filing.objects.get(pk=rectifying.filing_id).status == filing_status == "rectifying"
    # The filing's authority decides.
    t = supervision_services.termination_decide(
        actor=users[Role.AUTHORITY_STAFF],
        termination=t,
        decision=decision,
        note="x",
        row_version=t.row_version,
    )
    assert t.status == {"terminate": "terminated", "withdraw": "withdrawn"}[decision]
