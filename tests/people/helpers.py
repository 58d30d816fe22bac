"""Test helpers for the people app: valid resident IDs, a snapshot of what a denied call must not change."""

from __future__ import annotations

from django.db.models import Sum
from stdnum.cn import ric

from dudao.common.models import AuditEvent
from dudao.people import models as pm

# Regions assigned since at least 1983 (python-stdnum checks the county existed in the birth year).
REGIONS = ("360102", "110105", "440106", "310101", "320102", "420111")


def resident_id(n: int, region: str = "360102", birth: str = "19850101") -> str:
    """A valid 18-character ID: region + birth date + 3-digit sequence + check digit."""
    body = f"{region}{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def wrong_check_digit(number: str) -> str:
    """The same ID with a different (hence wrong) check digit."""
    digits = "0123456789X"
    return number[:17] + digits[(digits.index(number[17]) + 1) % 11]


def state_counts() -> dict[str, int]:
    """Row counts of every people table plus the audit trail: a denied call changes none of them."""
    models = [
        pm.Person,
        pm.Supervisor,
        pm.SupervisorCard,
        pm.SupervisorContract,
        pm.Examiner,
        pm.ExaminerCard,
        pm.ExaminerCardScope,
        pm.Relation,
        AuditEvent,
    ]
    counts = {m.__name__: m.objects.count() for m in models}
    counts["versions"] = sum(
        m.objects.aggregate(v=Sum("row_version"))["v"] or 0
        for m in (
            pm.Person,
            pm.Supervisor,
            pm.SupervisorCard,
            pm.SupervisorContract,
            pm.Examiner,
            pm.ExaminerCard,
            pm.Relation,
        )
    )
    return counts
