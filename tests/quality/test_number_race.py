"""Two authority users creating a 通报 at the same moment get two different numbers (the sequence row is
locked). SQLite serialises writers itself, so this runs on PostgreSQL only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from dudao.quality import services
from dudao.quality.models import QualityReport
from tests import factories as f
from tests.clock import TODAY
from tests.supervision.test_app_concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_reports_never_share_a_number(authority, institution):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself")
    a = f.UserFactory(username="qa", role="authority_admin", authority=authority)
    b = f.UserFactory(username="qb", role="authority_staff", authority=authority)
    start = dt.date(2026, 1, 1)
    results = race(
        lambda: services.report_create(actor=a, period_start=start, period_end=TODAY),
        lambda: services.report_create(actor=b, period_start=start, period_end=TODAY),
        lambda: services.report_create(actor=a, period_start=start, period_end=TODAY),
    )
    assert all(isinstance(r, QualityReport) for r in results), results
    assert sorted(r.number for r in results) == ["质通〔2026〕1号", "质通〔2026〕2号", "质通〔2026〕3号"]
