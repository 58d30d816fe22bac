"""SEC-2: every request of the break-glass superuser is audited, reads included; nobody else's is."""

from __future__ import annotations

import pytest

from dudao.accounts.break_glass import ACTION
from dudao.accounts.models import Role
from dudao.common import audit
from dudao.common.models import AuditEvent
from tests.conftest import client_for
from tests.web.test_production_settings import STRONG_KEY, _production, _run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on(settings):
    settings.DUDAO_AUDIT_SUPERUSER_REQUESTS = True


_PRINT = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DUDAO_AUDIT_SUPERUSER_REQUESTS)"
)


def test_production_cannot_switch_the_trail_off(tmp_path):
    production = _run(_production(tmp_path, STRONG_KEY, DUDAO_AUDIT_SUPERUSER_REQUESTS="0"), "-c", _PRINT)
    development = _run({"DUDAO_AUDIT_SUPERUSER_REQUESTS": "0", "DUDAO_VAR_DIR": str(tmp_path)}, "-c", _PRINT)
    assert production.stdout.strip() == "True", production.stderr
    assert development.stdout.strip() == "False", development.stderr


def test_a_superuser_read_joins_the_chain_without_its_query_string(users):
    root = users["superuser"]
    response = client_for(root).get("/people/persons/", {"q": "360102198501010014"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=ACTION)
    assert event.actor_id == root.pk
    assert event.after == {"method": "GET", "path": "/people/persons/", "status": 200}
    assert "360102198501010014" not in str(event.after) + event.object_label
    assert audit.verify_chain().ok


def test_an_api_call_of_the_superuser_is_audited_too(users):
    client_for(users["superuser"]).get("/api/v1/people/persons")
    assert AuditEvent.objects.filter(action=ACTION, after__path="/api/v1/people/persons").count() == 1


@pytest.mark.parametrize("role", [Role.AUTHORITY_ADMIN, Role.INSTITUTION_ADMIN])
def test_other_users_reads_are_not_audited(users, role):
    assert client_for(users[role]).get("/people/persons/").status_code in (200, 403)
    assert not AuditEvent.objects.filter(action=ACTION).exists()
