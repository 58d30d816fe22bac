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


@pytest.fixture
def exam_morning(time_machine):
    """The clock on EXAM_DAY at 08:50, before a 09:00 session: check-in is open and on time."""
    time_machine.move_to(fx.at(fx.EXAM_DAY, 8, 50))


@pytest.fixture
def exam_started(time_machine):
    """The clock on EXAM_DAY at 09:05: a 09:00 session has begun, a candidate arriving now is late."""
    time_machine.move_to(fx.at(fx.EXAM_DAY, 9, 5))
