"""Who sees a risk score (issue 13 item 2; RAND-1): authority roles in their region, on the institution page
(风险评分 card) and in the API; institutions, supervisors, examiners and the public never."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.supervision.models import Penalty
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1/analytics/risk/institutions"


@pytest.fixture
def penalised(users, institution):
    return Penalty.objects.create(
        authority=institution.authority,
        institution=institution,
        kind="disciplinary_proposal",
        ground="falsification",
        description="伪造考场记录",
        decided_by=users[Role.AUTHORITY_STAFF],
        decided_at=timezone.now(),
    )


@pytest.mark.parametrize("role", [Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF, "superuser"])
def test_authority_roles_read_the_scores_of_their_region(
    users, institution, other_institution, penalised, role
):
    response = client_for(users[role]).get(API)
    assert response.status_code == 200
    rows = {r["uscc"]: r for r in response.json()}
    assert rows[institution.uscc] == {
        "institution_id": institution.pk,
        "institution_name": institution.name,
        "uscc": institution.uscc,
        "as_of": "2026-12-03",
        "score": 10.0,
        "weight": 2.0,
        "parts": [
            {
                "key": "penalty_disciplinary_proposal",
                "group": "penalties",
                "label": "建议给予处分",
                "points": 10,
                "counts": [1, 0, 0],
                "value": 10.0,
                "basis": "处理决定:建议给予处分",
            }
        ],
    }
    # The other province's institution only for the superuser.
    assert (other_institution.uscc in rows) is (role == "superuser")
    detail = client_for(users[role]).get(f"{API}/{institution.pk}")
    assert (detail.status_code, detail.json()["score"]) == (200, 10.0)


def test_the_list_is_highest_first_and_filters_by_region(users, institution, other_province, penalised):
    from tests import factories as f

    clean = f.InstitutionFactory(authority=institution.authority, region=institution.region)
    client = client_for(users[Role.AUTHORITY_STAFF])
    assert [r["uscc"] for r in client.get(API).json()] == [institution.uscc, clean.uscc]
    assert [r["uscc"] for r in client.get(API, {"region": "360000"}).json()] == [institution.uscc, clean.uscc]
    assert client.get(API, {"region": "440000"}).json() == []  # not theirs: nothing
    bad = client.get(API, {"region": "999999"})
    assert (bad.status_code, bad.json()["detail"]) == (422, {"region": ["区划代码不存在"]})


def test_outside_the_region_is_not_found(users, other_institution):
    response = client_for(users[Role.AUTHORITY_STAFF]).get(f"{API}/{other_institution.pk}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "role",
    [
        Role.INSTITUTION_ADMIN,
        Role.INSTITUTION_STAFF,
        Role.EXTERNAL_SUPERVISOR,
        Role.INTERNAL_SUPERVISOR,
        Role.EXAMINER,
    ],
)
def test_other_roles_are_refused(users, institution, role):
    client = client_for(users[role])
    for url in (API, f"{API}/{institution.pk}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["message"] == "只有主管部门可以查看风险评分"


def test_the_public_is_refused():
    assert Client().get(API).status_code == 401


def test_the_institution_page_shows_the_card_to_authority_roles_only(users, institution, penalised):
    url = f"/registry/institutions/{institution.pk}/"
    page = client_for(users[Role.AUTHORITY_STAFF]).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="risk-score"' in html
    assert '<div class="h1 mb-0 dudao-num" id="risk-score-value">10.00</div>' in html
    assert 'data-risk-part="penalty_disciplinary_proposal"' in html
    assert "依据:处理决定:建议给予处分" in html
    own = client_for(users[Role.INSTITUTION_ADMIN]).get(url)
    assert own.status_code == 200
    assert 'id="risk-score"' not in own.content.decode()
