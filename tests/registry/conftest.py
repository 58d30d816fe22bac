"""Registry fixtures: an institution with an active filing and scope, a venue, a qualified examiner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.common.models import AuditEvent
from dudao.people import models as pm
from dudao.registry import models as rm
from tests import factories as f


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # role users are created in every test: PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def local(*args) -> dt.datetime:
    """Aware Asia/Shanghai datetime."""
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def welder(db):
    return f.OccupationFactory(code="6-18-02-04", name="焊工", verified=True, source="OCC-1")


@pytest.fixture
def cook(db):
    return f.OccupationFactory(code="4-03-02-01", name="中式烹调师", verified=True, source="OCC-1")


@pytest.fixture
def filing(institution, welder):
    """Active 2024-01-01…2028-12-31, scope 焊工 levels 5,4,3 from 2024-01-01."""
    filing = f.FilingFactory(institution=institution, number="JX-BA-0001")
    f.FilingScopeFactory(filing=filing, occupation=welder, levels=[5, 4, 3])
    return filing


@pytest.fixture
def venue(institution):
    return f.VenueFactory(institution=institution, name="一号考场")


@pytest.fixture
def other_venue(other_institution):
    return f.VenueFactory(institution=other_institution, name="外省考场")


def make_examiner(
    occupation,
    levels=(5, 4, 3),
    *,
    status="valid",
    issued=dt.date(2024, 1, 1),
    until=dt.date(2026, 12, 31),
    name=None,
):
    # No managing authority: keeps the authority counts of the scoping tests independent of examiners.
    examiner = f.ExaminerFactory(authority=None, **({"person__name": name} if name else {}))
    card = pm.ExaminerCard.objects.create(
        examiner=examiner, number=f"KP{examiner.pk:06d}", issued_on=issued, valid_until=until, status=status
    )
    pm.ExaminerCardScope.objects.create(card=card, occupation=occupation, levels=list(levels))
    return examiner


@pytest.fixture
def examiner(welder):
    return make_examiner(welder, name="王考评")


def counts() -> dict[str, int]:
    """Row counts of everything a registry write could touch (for 'nothing changed' assertions)."""
    return {
        "audit": AuditEvent.objects.count(),
        "authority": rm.Authority.objects.count(),
        "occupation": rm.Occupation.objects.count(),
        "institution": rm.Institution.objects.count(),
        "filing": rm.Filing.objects.count(),
        "scope": rm.FilingScope.objects.count(),
        "venue": rm.Venue.objects.count(),
        "batch": rm.Batch.objects.count(),
        "region": rm.Region.objects.count(),
    }
