"""Registry API: role × endpoint permission matrix (denied calls change nothing), scoping, query counts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from dudao.accounts.models import Role
from dudao.registry import models as rm
from tests import factories as f
from tests.conftest import client_for
from tests.registry.conftest import counts, local, make_examiner

pytestmark = pytest.mark.django_db
API = "/api/v1/registry"
ROLES = [
    "superuser",
    Role.AUTHORITY_ADMIN,
    Role.AUTHORITY_STAFF,
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_STAFF,
    Role.EXTERNAL_SUPERVISOR,
    Role.INTERNAL_SUPERVISOR,
    Role.EXAMINER,
    "anonymous",
]
SU, AA, AS, IA, IS, ES, IN, EX, AN = ROLES


class World:
    """Own objects (the users' authority and institution) and another province's objects."""

    def __init__(self, institution, other_institution, welder, cook):
        self.authority = institution.authority
        self.other_authority = other_institution.authority
        self.institution, self.other_institution = institution, other_institution
        self.welder, self.cook = welder, cook
        self.filing = f.FilingFactory(institution=institution, number="JX-1", valid_from=dt.date(2024, 1, 1))
        self.scope = f.FilingScopeFactory(filing=self.filing, occupation=welder, levels=[5, 4, 3])
        self.venue = f.VenueFactory(institution=institution)
        self.batch = rm.Batch.objects.create(
            code="PC-OWN",
            institution=institution,
            filing=self.filing,
            occupation=welder,
            levels=[4],
            starts_at=local(2025, 5, 1, 9),
            ends_at=local(2025, 5, 1, 17),
            venue=self.venue,
        )
        self.other_filing = f.FilingFactory(institution=other_institution, number="GD-1")
        self.other_scope = f.FilingScopeFactory(filing=self.other_filing, occupation=welder, levels=[5])
        self.other_venue = f.VenueFactory(institution=other_institution)
        self.other_batch = rm.Batch.objects.create(
            code="PC-OTHER",
            institution=other_institution,
            filing=self.other_filing,
            occupation=welder,
            levels=[5],
            starts_at=local(2025, 5, 2, 9),
            ends_at=local(2025, 5, 2, 17),
            venue=self.other_venue,
        )


@pytest.fixture
def world(institution, other_institution, welder, cook):
    return World(institution, other_institution, welder, cook)


def call(user, method, url, body=None):
    client = client_for(user) if user is not None else Client()
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


# ------------------------------------------------------------------ reads
LIST_VISIBLE = {
    # endpoint: (own-scope count for authority users, institution users); superuser sees both provinces.
    "institutions": 1,
    "filings": 1,
    "venues": 1,
    "batches": 1,
    "scopes": 1,
    "authorities": 1,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(LIST_VISIBLE))
def test_list_scoping(users, world, role, endpoint):
    user = None if role == AN else users[role]
    response = call(user, "get", f"{API}/{endpoint}")
    if role == AN:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    expected = {SU: 2, AA: 1, AS: 1, IA: 1, IS: 1, ES: 0, IN: 0, EX: 0}[role]
    body = response.json()
    assert body["count"] == expected
    if expected == 1 and endpoint == "institutions":
        assert body["items"][0]["id"] == world.institution.pk


@pytest.mark.parametrize("role", ROLES)
def test_reference_data_public(users, world, role):
    user = None if role == AN else users[role]
    assert call(user, "get", f"{API}/occupations").json()["count"] == 2
    assert call(user, "get", f"{API}/regions").json()["count"] == 2
    assert call(user, "get", f"{API}/regions/360000").json()["name"] == "江西省"
    assert call(user, "get", f"{API}/occupations/{world.welder.pk}").json()["code"] == "6-18-02-04"


DETAILS = {
    "institutions": ("institution", "other_institution"),
    "filings": ("filing", "other_filing"),
    "venues": ("venue", "other_venue"),
    "batches": ("batch", "other_batch"),
    "scopes": ("scope", "other_scope"),
    "authorities": ("authority", "other_authority"),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(DETAILS))
def test_detail_scoping(users, world, role, endpoint):
    user = None if role == AN else users[role]
    own, other = (getattr(world, name) for name in DETAILS[endpoint])
    own_status = {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 404, IN: 404, EX: 404, AN: 401}[role]
    other_status = {SU: 200, AN: 401}.get(role, 404)
    assert call(user, "get", f"{API}/{endpoint}/{own.pk}").status_code == own_status
    response = call(user, "get", f"{API}/{endpoint}/{other.pk}")
    assert response.status_code == other_status
    if other_status == 404:
        assert response.json() == {"code": "not_found", "message": "记录不存在或无权查看", "detail": None}


# ------------------------------------------------------------------ writes
def _batch_body(w, **over):
    body = {
        "institution": w.institution.pk,
        "occupation": w.welder.pk,
        "levels": [4],
        "venue": w.venue.pk,
        "starts_at": "2025-06-01T09:00:00+08:00",
        "ends_at": "2025-06-01T17:00:00+08:00",
    }
    body.update(over)
    return body


WRITES = {
    # name: (method, url(w), body(w), expected status per role)
    "create_institution": (
        "post",
        lambda w: f"{API}/institutions",
        lambda w: {
            "name": "新机构",
            "kind": "employer",
            "uscc": f.make_uscc(900),
            "region": "360000",
            "authority": w.authority.pk,
        },
        {SU: 201, AA: 201, AS: 201, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403, AN: 401},
    ),
    "update_institution_name": (
        "patch",
        lambda w: f"{API}/institutions/{w.institution.pk}",
        lambda w: {"row_version": 1, "name": "改名"},
        {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "update_institution_contact": (
        "patch",
        lambda w: f"{API}/institutions/{w.institution.pk}",
        lambda w: {"row_version": 1, "address": "新地址"},
        {SU: 200, AA: 200, AS: 200, IA: 200, IS: 403, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "update_other_institution": (
        "patch",
        lambda w: f"{API}/institutions/{w.other_institution.pk}",
        lambda w: {"row_version": 1, "address": "x"},
        {SU: 200, AA: 404, AS: 404, IA: 404, IS: 404, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "create_filing": (
        "post",
        lambda w: f"{API}/filings",
        lambda w: {
            "institution": w.institution.pk,
            "number": "JX-2",
            "valid_from": "2029-01-01",
            "valid_until": "2031-12-31",
            "scopes": [{"occupation": w.cook.pk, "levels": [5]}],
        },
        {SU: 201, AA: 201, AS: 201, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "create_filing_other": (
        "post",
        lambda w: f"{API}/filings",
        lambda w: {
            "institution": w.other_institution.pk,
            "number": "GD-2",
            "valid_from": "2029-01-01",
            "valid_until": "2031-12-31",
        },
        {SU: 201, AA: 404, AS: 404, IA: 404, IS: 404, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "update_filing": (
        "patch",
        lambda w: f"{API}/filings/{w.filing.pk}",
        lambda w: {"row_version": 1, "note": "备注"},
        {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "filing_status": (
        "post",
        lambda w: f"{API}/filings/{w.filing.pk}/status",
        lambda w: {"status": "suspended", "reason": "违规", "row_version": w.filing.row_version},
        {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "filing_status_other": (
        "post",
        lambda w: f"{API}/filings/{w.other_filing.pk}/status",
        lambda w: {"status": "suspended", "reason": "违规", "row_version": w.other_filing.row_version},
        {SU: 200, AA: 404, AS: 404, IA: 404, IS: 404, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "create_scope": (
        "post",
        lambda w: f"{API}/scopes",
        lambda w: {"filing": w.filing.pk, "occupation": w.cook.pk, "levels": [5, 4]},
        {SU: 201, AA: 201, AS: 201, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "update_scope": (
        "patch",
        lambda w: f"{API}/scopes/{w.scope.pk}",
        lambda w: {"row_version": 1, "levels": [5, 4]},
        {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "end_scope": (
        "post",
        lambda w: f"{API}/scopes/{w.scope.pk}/end",
        lambda w: {"ended_on": "2026-01-01", "row_version": w.scope.row_version},
        {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "end_scope_other": (
        "post",
        lambda w: f"{API}/scopes/{w.other_scope.pk}/end",
        lambda w: {"ended_on": "2026-01-01", "row_version": w.other_scope.row_version},
        {SU: 200, AA: 404, AS: 404, IA: 404, IS: 404, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "create_venue": (
        "post",
        lambda w: f"{API}/venues",
        lambda w: {"institution": w.institution.pk, "name": "二号考场"},
        {SU: 201, AA: 201, AS: 201, IA: 201, IS: 201, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "create_venue_other": (
        "post",
        lambda w: f"{API}/venues",
        lambda w: {"institution": w.other_institution.pk, "name": "x"},
        {SU: 201, AA: 404, AS: 404, IA: 404, IS: 404, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "update_venue": (
        "patch",
        lambda w: f"{API}/venues/{w.venue.pk}",
        lambda w: {"row_version": 1, "capacity": 80},
        {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "update_venue_other": (
        "patch",
        lambda w: f"{API}/venues/{w.other_venue.pk}",
        lambda w: {"row_version": 1, "capacity": 80},
        {SU: 200, AA: 404, AS: 404, IA: 404, IS: 404, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "create_batch": (
        "post",
        lambda w: f"{API}/batches",
        _batch_body,
        {SU: 201, AA: 201, AS: 201, IA: 201, IS: 201, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "update_batch": (
        "patch",
        lambda w: f"{API}/batches/{w.batch.pk}",
        lambda w: {"row_version": 1, "candidate_count": 25},
        {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "cancel_batch": (
        "post",
        lambda w: f"{API}/batches/{w.batch.pk}/cancel",
        lambda w: {"reason": "考生不足", "row_version": w.batch.row_version},
        {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "cancel_batch_other": (
        "post",
        lambda w: f"{API}/batches/{w.other_batch.pk}/cancel",
        lambda w: {"reason": "x", "row_version": w.other_batch.row_version},
        {SU: 200, AA: 404, AS: 404, IA: 404, IS: 404, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "create_occupation": (
        "post",
        lambda w: f"{API}/occupations",
        lambda w: {"code": "4-10-01-05", "name": "养老护理员"},
        {SU: 201, AA: 201, AS: 403, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403, AN: 401},
    ),
    "update_occupation": (
        "patch",
        lambda w: f"{API}/occupations/{w.cook.pk}",
        lambda w: {"row_version": 1, "is_active": False},
        {SU: 200, AA: 200, AS: 403, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403, AN: 401},
    ),
    "create_authority": (
        "post",
        lambda w: f"{API}/authorities",
        lambda w: {"code": "JX-2", "name": "江西二中心", "region": "360000"},
        {SU: 201, AA: 201, AS: 403, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403, AN: 401},
    ),
    "update_authority": (
        "patch",
        lambda w: f"{API}/authorities/{w.authority.pk}",
        lambda w: {"row_version": 1, "contact_phone": "0791-1"},
        {SU: 200, AA: 200, AS: 403, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
    "update_other_authority": (
        "patch",
        lambda w: f"{API}/authorities/{w.other_authority.pk}",
        lambda w: {"row_version": 1, "contact_phone": "020-1"},
        {SU: 200, AA: 404, AS: 404, IA: 404, IS: 404, ES: 404, IN: 404, EX: 404, AN: 401},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(WRITES))
def test_write_matrix(users, world, role, name):
    method, url, body, expected = WRITES[name]
    user = None if role == AN else users[role]
    before = counts()
    response = call(user, method, url(world), body(world))
    assert response.status_code == expected[role], response.content.decode()
    if expected[role] >= 400:
        assert counts() == before
        assert set(response.json()) == {"code", "message", "detail"}
    else:
        after = counts()
        assert after["audit"] > before["audit"]


def test_institution_admin_cannot_change_name_unchanged(users, world):
    """The 403 for a name change leaves the row untouched (row_version and name)."""
    call(users[IA], "patch", f"{API}/institutions/{world.institution.pk}", {"row_version": 1, "name": "改名"})
    world.institution.refresh_from_db()
    assert (world.institution.name, world.institution.row_version) != ("改名", 2)
    assert world.institution.row_version == 1


def test_stale_patch_is_conflict(users, world):
    ok = call(users[AS], "patch", f"{API}/venues/{world.venue.pk}", {"row_version": 1, "capacity": 70})
    assert ok.json()["row_version"] == 2
    before = counts()
    response = call(users[IS], "patch", f"{API}/venues/{world.venue.pk}", {"row_version": 1, "capacity": 10})
    assert response.status_code == 409
    assert response.json()["message"] == "数据已被他人修改,请刷新后重试"
    assert counts() == before


def test_batch_out_of_scope_is_422_in_chinese(users, world):
    before = counts()
    response = call(users[IS], "post", f"{API}/batches", _batch_body(world, occupation=world.cook.pk))
    assert response.status_code == 422
    assert response.json() == {
        "code": "out_of_scope",
        "message": "职业「中式烹调师」不在备案 JX-1 的认定范围内",
        "detail": {"occupation": ["职业「中式烹调师」不在备案 JX-1 的认定范围内"]},
    }
    assert counts() == before


def test_batch_filters(users, world):
    su = users[SU]
    assert [b["code"] for b in call(su, "get", f"{API}/batches?start_from=2025-05-02").json()["items"]] == [
        "PC-OTHER"
    ]
    assert [b["code"] for b in call(su, "get", f"{API}/batches?start_to=2025-05-01").json()["items"]] == [
        "PC-OWN"
    ]
    assert [b["code"] for b in call(su, "get", f"{API}/batches?region=440000").json()["items"]] == [
        "PC-OTHER"
    ]
    assert [b["code"] for b in call(su, "get", f"{API}/batches?q=pc-ow").json()["items"]] == ["PC-OWN"]
    inst = call(su, "get", f"{API}/institutions?status=active&kind=social_org&region=360000").json()
    assert [i["id"] for i in inst["items"]] == [world.institution.pk]
    assert call(su, "get", f"{API}/institutions?status=suspended").json()["count"] == 0
    assert (
        call(su, "get", f"{API}/institutions?q={world.other_institution.uscc.lower()}").json()["count"] == 1
    )
    assert call(su, "get", f"{API}/filings?q=GD").json()["items"][0]["number"] == "GD-1"
    assert call(su, "get", f"{API}/batches?page_size=101").status_code == 422


# ------------------------------------------------------------------ query counts (N+1)
@pytest.fixture
def crowd(authority, welder, cook):
    """25 institutions in the province, each with a filing (2 scopes), a venue, a batch with 2 examiners."""
    examiners = [make_examiner(welder, name=f"考评员{i}") for i in range(2)]
    for i in range(20):  # reference lists get ≥ 20 rows too
        f.RegionFactory(code=f"36{i + 1:02d}00", name=f"城市{i}", kind="city", parent_id="360000")
        f.OccupationFactory(code=f"9-99-{i:02d}-01", name=f"合成职业{i}")
    for i in range(25):
        inst = f.InstitutionFactory(authority=authority, region=authority.region)
        filing = f.FilingFactory(institution=inst, number=f"Q-{i:03d}")
        f.FilingScopeFactory(filing=filing, occupation=welder, levels=[5, 4])
        f.FilingScopeFactory(filing=filing, occupation=cook, levels=[3])
        venue = f.VenueFactory(institution=inst)
        batch = rm.Batch.objects.create(
            code=f"PCQ{i:04d}",
            institution=inst,
            filing=filing,
            occupation=welder,
            levels=[4],
            venue=venue,
            starts_at=local(2025, 4, 1 + i % 28, 9),
            ends_at=local(2025, 4, 1 + i % 28, 17),
            team_leader=examiners[0],
        )
        batch.examiners.set(examiners)


@pytest.mark.parametrize("role", [SU, AA, IS])
@pytest.mark.parametrize(
    "endpoint,max_queries",
    [
        ("institutions", 6),
        ("filings", 7),
        ("scopes", 6),
        ("venues", 6),
        ("batches", 7),
        ("authorities", 6),
        ("occupations", 6),
        ("regions", 6),
    ],
)
def test_list_query_counts(users, crowd, role, endpoint, max_queries, django_assert_max_num_queries):
    client = client_for(users[role])
    with django_assert_max_num_queries(max_queries):
        response = client.get(f"{API}/{endpoint}?page_size=50")
    assert response.status_code == 200
    body = response.json()
    # The crowd (25) plus, for institutions, the users' own institution; institution users see only theirs.
    expected = {
        "institutions": 26,
        "filings": 25,
        "scopes": 50,
        "venues": 25,
        "batches": 25,
        "authorities": 1,
        "occupations": 22,
        "regions": 21,
    }[endpoint]
    if role == IS and endpoint in {"institutions"}:
        expected = 1
    elif role == IS and endpoint in {"filings", "scopes", "venues", "batches"}:
        expected = 0
    assert body["count"] == expected
    assert len(body["items"]) == min(expected, 50)


def test_sibling_institution_is_404_for_institution_users(users, world, authority):
    """Same province, other institution: authority users see it, the institution's own users do not."""
    sibling = f.InstitutionFactory(authority=authority, region=authority.region)
    venue = f.VenueFactory(institution=sibling)
    for role, status in ((AA, 200), (AS, 200), (IA, 404), (IS, 404)):
        assert call(users[role], "get", f"{API}/institutions/{sibling.pk}").status_code == status
        assert call(users[role], "get", f"{API}/venues/{venue.pk}").status_code == status
    before = counts()
    response = call(users[IA], "patch", f"{API}/venues/{venue.pk}", {"row_version": 1, "capacity": 1})
    assert response.status_code == 404
    assert counts() == before


@pytest.mark.parametrize("role", [IA, IS])
def test_create_under_a_sibling_institution_is_404(users, world, authority, role):
    """L4 convention: an institution outside the caller's scope is "not found" (404), never 403, on create."""
    sibling = f.InstitutionFactory(authority=authority, region=authority.region)
    sibling_filing = f.FilingFactory(institution=sibling, number="JX-SIB")
    bodies = {
        "venues": {"institution": sibling.pk, "name": "外机构考场"},
        "batches": _batch_body(world, institution=sibling.pk),
        "filings": {
            "institution": sibling.pk,
            "number": "JX-SIB-2",
            "valid_from": "2029-01-01",
            "valid_until": "2031-12-31",
        },
        "scopes": {"filing": sibling_filing.pk, "occupation": world.cook.pk, "levels": [5]},
    }
    for endpoint, body in bodies.items():
        before = counts()
        response = call(users[role], "post", f"{API}/{endpoint}", body)
        assert response.status_code == 404, (endpoint, response.content.decode())
        assert response.json()["code"] == "not_found"
        assert counts() == before
