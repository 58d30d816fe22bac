"""Fixtures of the quality tests: a second institution in the authority's province, role users."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from tests import factories as f


@pytest.fixture
def second_institution(authority):
    return f.InstitutionFactory(authority=authority, region=authority.region, name="赣州市技能评价中心")


@pytest.fixture
def auth_admin(users):
    return users[Role.AUTHORITY_ADMIN]


@pytest.fixture
def inst_admin(users):
    return users[Role.INSTITUTION_ADMIN]


@pytest.fixture
def second_user(second_institution):
    return f.UserFactory(username="inst2", role=Role.INSTITUTION_ADMIN, institution=second_institution)


@pytest.fixture
def other_authority_user(other_authority):
    return f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
