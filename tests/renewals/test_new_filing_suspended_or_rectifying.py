"""Review of issue 12 (new filing applications): REN-6 — an institution suspended or rectifying for
violations applies after it resumes, also through the late-renewal path of a new filing application."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict
from dudao.renewals.models import FilingApplication

from .test_new_filing import D, _submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", ["suspended", "rectifying"])
def test_late_renewal_refused_while_the_filing_is_suspended_or_rectifying(users, filing, occupations, status):
    filing.status = status
    filing.save(update_fields=["status"])
    with pytest.raises(Conflict) as exc:
        _submit(
            users[Role.INSTITUTION_ADMIN],
            filing.institution,
            occupations,
            previous_filing=filing.pk,
            today=D("2024-12-02"),
        )
    assert exc.value.code == "filing_suspended"
    assert "恢复" in exc.value.message
    assert FilingApplication.objects.count() == 0


def test_late_renewal_taken_for_an_active_filing(users, filing, occupations):
    app = _submit(
        users[Role.INSTITUTION_ADMIN],
        filing.institution,
        occupations,
        previous_filing=filing.pk,
        today=D("2024-12-02"),
    )
    assert app.origin == "late_renewal"
