"""Fixtures of the people tests: role users, an occupation, helpers that create records via services."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.people import services
from tests import factories as f

from .helpers import resident_id


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The role users' passwords are hashed at creation; PBKDF2 makes each test take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(users):
    return users[Role.AUTHORITY_ADMIN]


@pytest.fixture
def staff(users):
    return users[Role.AUTHORITY_STAFF]


@pytest.fixture
def inst_admin(users):
    return users[Role.INSTITUTION_ADMIN]


@pytest.fixture
def occupations(db):
    return [
        f.OccupationFactory(code="4-03-02-01", name="中式烹调师"),
        f.OccupationFactory(code="6-18-02-04", name="焊工"),
    ]


@pytest.fixture
def make_external(admin, authority):
    counter = iter(range(100, 1000))

    def make(name: str = "外督甲", id_number: str | None = None, **kwargs):
        return services.supervisor_create(
            actor=kwargs.pop("actor", admin),
            kind="external",
            authority=kwargs.pop("authority", authority),
            person_data={
                "name": name,
                "id_number": id_number or resident_id(next(counter)),
                "phone": "13900000000",
            },
            **kwargs,
        )

    return make


@pytest.fixture
def make_examiner(admin, authority):
    counter = iter(range(500, 1000))

    def make(name: str = "考评员甲", id_number: str | None = None, **kwargs):
        return services.examiner_create(
            actor=kwargs.pop("actor", admin),
            authority=kwargs.pop("authority", authority),
            person_data={"name": name, "id_number": id_number or resident_id(next(counter), region="110105")},
            **kwargs,
        )

    return make


@pytest.fixture
def issued_examiner_card(admin, make_examiner, occupations):
    def make(number="KP-0001", issued_on=dt.date(2021, 3, 1), valid_until=None, examiner=None):
        examiner = examiner or make_examiner()
        return services.examiner_card_issue(
            actor=admin,
            examiner=examiner,
            number=number,
            issued_on=issued_on,
            valid_until=valid_until,
            scopes=[{"occupation": "4-03-02-01", "levels": [5, 4]}],
        )

    return make
