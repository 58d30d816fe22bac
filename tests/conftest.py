"""Shared fixtures: role users with their scopes, API clients (session and token)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests import factories as f
from tests.clock import FROZEN_NOW

_clock = time_machine.travel(FROZEN_NOW, tick=True)

# Property tests judge results, never speed: CI machines are shared and noisy, so neither the per-example
# deadline nor the "generation is slow" health check may fail a run (a loaded machine tripped both).
hypothesis_settings.register_profile("dudao", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("dudao")


def pytest_configure(config):
    """Freeze the date before collection (module constants), in every xdist worker too (issue 7)."""
    _clock.start()


def pytest_unconfigure(config):
    _clock.stop()


@pytest.fixture(scope="session", autouse=True)
def _audit_tables_flushable():
    """Transactional tests end with a flush; the audit tables refuse DELETE/TRUNCATE (SEC-1 triggers)."""
    from tests.audit.guards import allow_flush_of_audit_tables

    allow_flush_of_audit_tables()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 at production strength would dominate test time; hashing itself is Django's."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _id_lookup_allowance_per_test(settings):
    """The ID-lookup allowance (a file cache in production) in this process's memory, empty for each test:
    user ids repeat across tests and xdist workers."""
    settings.CACHES = {
        **settings.CACHES,
        "id_lookup": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "id-lookup"},
    }
    from django.core.cache import caches

    caches["id_lookup"].clear()


@pytest.fixture(autouse=True)
def _one_libreoffice_per_pdf(settings, monkeypatch):
    """PDFs in tests never go to a resident LibreOffice a developer happens to run (`dudao pdf-server`);
    tests/documents/test_pdf_server.py starts its own."""
    settings.DUDAO_PDF_SERVER = ""
    monkeypatch.setenv("DUDAO_PDF_SERVER", "")


@pytest.fixture(autouse=True)
def _superuser_reads_unaudited(settings):
    """The suite uses the superuser as an all-seeing test user, and "nothing was written" checks count
    audit rows; the break-glass request trail is tested with this on in tests/accounts/test_break_glass.py."""
    settings.DUDAO_AUDIT_SUPERUSER_REQUESTS = False


@pytest.fixture
def province(db):
    return f.RegionFactory(code="360000", name="江西省", kind="province")


@pytest.fixture
def other_province(db):
    return f.RegionFactory(code="440000", name="广东省", kind="province")


@pytest.fixture
def authority(province):
    return f.AuthorityFactory(
        region=province, code="JX-HRSS", name="江西省职业技能鉴定指导中心", card_issuer_code="36"
    )


@pytest.fixture
def other_authority(other_province):
    return f.AuthorityFactory(
        region=other_province, code="GD-HRSS", name="广东省职业技能鉴定指导中心", card_issuer_code="44"
    )


@pytest.fixture
def institution(authority):
    return f.InstitutionFactory(authority=authority, region=authority.region)


@pytest.fixture
def other_institution(other_authority):
    return f.InstitutionFactory(authority=other_authority, region=other_authority.region)


@pytest.fixture
def users(authority, institution):
    """One user per role, all scoped to `authority` / `institution`, plus a superuser."""
    return f.role_users(authority=authority, institution=institution)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def client_as():
    return client_for
