"""Fixtures of the supervision tests: the supervision `world` (tests/supervision/app_support.World), a fresh
MEDIA_ROOT for evidence, and a special task advanced on demand (`special`). The draw-engine tests in this
folder use none of them."""

from __future__ import annotations

import pytest

from tests.supervision.app_support import World
from tests.supervision.documents_support import SpecialTask


# Named `*_fixture` so that tests outside this folder can import them without shadowing their parameters.
@pytest.fixture(name="world")
def world_fixture(users, institution, other_institution) -> World:
    return World(users, institution, other_institution)


@pytest.fixture(name="media_root")
def media_root_fixture(settings, tmp_path):
    """Evidence files go to a fresh MEDIA_ROOT per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(name="special")
def special_fixture(world, media_root) -> SpecialTask:
    """A special supervision of institution A by s1 (leader), s2, s3, dispatched; advance it with
    `.report()`, `.preliminary()`, `.final()`."""
    return SpecialTask(world)
