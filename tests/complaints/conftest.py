"""Fixtures of the complaints tests: a named complaint about `institution`, one about `other_institution`."""

from __future__ import annotations

import pytest

from .support import file


@pytest.fixture
def complaint(institution):
    return file(institution)


@pytest.fixture
def other_complaint(other_institution):
    return file(other_institution)
