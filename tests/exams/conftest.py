"""Fixtures of the exams tests: a planned batch of the `institution` and its published plan."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from tests.factories import exams as fx


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def batch(institution):
    return fx.exam_batch(institution)


@pytest.fixture
def plan(batch, users):
    return fx.exam_plan(batch, users[Role.INSTITUTION_ADMIN])


@pytest.fixture
def inst_admin(users):
    return users[Role.INSTITUTION_ADMIN]


@pytest.fixture
def auth_staff(users):
    return users[Role.AUTHORITY_STAFF]
