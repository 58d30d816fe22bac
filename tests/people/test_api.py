"""/api/v1/people: role × endpoint permission matrix (denials change nothing, out of scope is 404),
masked IDs, search, state actions, query counts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.people import models as pm
from dudao.people import services
from tests import factories as f
from tests.conftest import client_for
from tests.factories import current_version

from .helpers import resident_id, state_counts, wrong_check_digit

pytestmark = pytest.mark.django_db
BASE = "/api/v1/people"


@pytest.fixture
def world(users, authority, institution, other_authority, occupations):
    """One record of each kind in the authority's region, and an outsider from another province."""
    admin = users[Role.AUTHORITY_ADMIN]
    external = services.supervisor_create(
        actor=admin, kind="external", person_data={"name": "外督甲", "id_number": resident_id(1)}
    )
    card = services.supervisor_card_issue(
        actor=admin, supervisor=external, number="R36210001", issued_on=dt.date(2021, 3, 1)
    )
    internal = services.supervisor_create(
        actor=users[Role.INSTITUTION_ADMIN],
        kind="internal",
        person_data={"name": "内督乙", "id_number": resident_id(2)},
    )
    examiner = services.examiner_create(
        actor=admin, person_data={"name": "考评员丙", "id_number": resident_id(3)}
    )
    ecard = services.examiner_card_issue(
        actor=admin,
        examiner=examiner,
        number="KP-0001",
        issued_on=dt.date(2021, 3, 1),
        scopes=[{"occupation": "4-03-02-01", "levels": [5, 4]}],
    )
    person = services.person_create(actor=admin, name="登记丁", id_number=resident_id(4))
    outsider = f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    roles = dict(users)
    roles["outsider"] = outsider
    roles["anonymous"] = None
    return {
        "external": external,
        "card": card,
        "internal": internal,
        "examiner": examiner,
        "ecard": ecard,
        "person": person,
        "roles": roles,
    }


ALL = [
    "superuser",
    Role.AUTHORITY_ADMIN,
    Role.AUTHORITY_STAFF,
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_STAFF,
    Role.EXTERNAL_SUPERVISOR,
    Role.INTERNAL_SUPERVISOR,
    Role.EXAMINER,
    "outsider",
    "anonymous",
]


def expect(ok: int, **overrides) -> dict[str, int]:
    """Expected status per role: `ok` for superuser/authority users unless overridden; 404 for the rest."""
    table = {r: 404 for r in ALL}
    table.update({"superuser": ok, Role.AUTHORITY_ADMIN: ok, Role.AUTHORITY_STAFF: ok, "anonymous": 401})
    table.update({str(k): v for k, v in overrides.items()})
    return table


IA, IS = str(Role.INSTITUTION_ADMIN), str(Role.INSTITUTION_STAFF)

# (name, method, url template, body factory, expected per role)
CASES = [
    ("get external", "get", "/supervisors/{external}", None, expect(200)),
    (
        "get internal",
        "get",
        "/supervisors/{internal}",
        None,
        expect(200, **{IA: 200, IS: 200, str(Role.INTERNAL_SUPERVISOR): 404}),
    ),
    (
        "patch external",
        "patch",
        "/supervisors/{external}",
        lambda w: {"row_version": 1, "qualification": {"personal_conditions": True}},
        expect(200),
    ),
    (
        "patch internal",
        "patch",
        "/supervisors/{internal}",
        lambda w: {"row_version": 1, "qualification": {"personal_conditions": True}},
        expect(200, **{Role.AUTHORITY_ADMIN: 403, Role.AUTHORITY_STAFF: 403, IA: 200, IS: 403}),
    ),
    (
        "suspend external",
        "post",
        "/supervisors/{external}/status",
        lambda w: {"to": "suspended", "reason": "核查", "row_version": current_version(w["external"])},
        expect(200),
    ),
    (
        "issue card",
        "post",
        "/supervisor-cards",
        lambda w: {"supervisor_id": w["internal"].pk, "number": "NB-000001", "issued_on": "2022-01-01"},
        expect(201, **{Role.AUTHORITY_ADMIN: 403, Role.AUTHORITY_STAFF: 403, IA: 201, IS: 403}),
    ),
    (
        "report card lost",
        "post",
        "/supervisor-cards/{card}/status",
        lambda w: {"to": "lost", "row_version": current_version(w["card"])},
        expect(200),
    ),
    (
        "add contract",
        "post",
        "/contracts",
        lambda w: {"supervisor_id": w["external"].pk, "starts_on": "2021-01-01"},
        expect(201),
    ),
    ("get examiner", "get", "/examiners/{examiner}", None, expect(200, **{IA: 200, IS: 200})),
    (
        "patch examiner",
        "patch",
        "/examiners/{examiner}",
        lambda w: {"row_version": 1, "senior": True},
        expect(200, **{IA: 403, IS: 403}),
    ),
    (
        "renewal training",
        "post",
        "/examiner-cards/{ecard}/renewal-training",
        lambda w: {"trained_on": "2024-01-10", "row_version": current_version(w["ecard"])},
        expect(200, **{IA: 403, IS: 403}),
    ),
    (
        "patch scopes",
        "patch",
        "/examiner-cards/{ecard}",
        lambda w: {"row_version": 1, "scopes": [{"occupation": "6-18-02-04", "levels": [3]}]},
        expect(200, **{IA: 403, IS: 403}),
    ),
    ("get person", "get", "/persons/{person}", None, expect(200)),
    (
        "patch person",
        "patch",
        "/persons/{person}",
        lambda w: {"row_version": 1, "phone": "13512345678"},
        expect(200),
    ),
    ("reveal id", "post", "/persons/{person}/reveal-id", None, expect(200, **{Role.AUTHORITY_STAFF: 403})),
    (
        "declare relation",
        "post",
        "/relations",
        lambda w: {
            "person_id": w["person"].pk,
            "kind": "relative",
            "other_id_number": resident_id(9),
            "other_name": "亲属",
        },
        expect(201),
    ),
]


def _url(template: str, world) -> str:
    ids = {k: getattr(v, "pk", None) for k, v in world.items() if k != "roles"}
    return BASE + template.format(**ids)


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize(("name", "method", "template", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_permission_matrix(world, role, name, method, template, body, expected):
    client = client_for(world["roles"][role])
    before = state_counts()
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body(world))
    response = getattr(client, method)(_url(template, world), **kwargs)
    assert response.status_code == expected[str(role)], (name, role, response.content[:300])
    if response.status_code >= 400:
        assert state_counts() == before
        assert set(response.json()) == {"code", "message", "detail"}
    elif method == "get":
        assert state_counts() == before


def test_own_records_visible_not_writable(world):
    roles = world["roles"]
    own_sup = pm.Supervisor.objects.get(person=roles[Role.EXTERNAL_SUPERVISOR].person)
    client = client_for(roles[Role.EXTERNAL_SUPERVISOR])
    assert client.get(f"{BASE}/supervisors/{own_sup.pk}").status_code == 200
    before = state_counts()
    response = client.patch(
        f"{BASE}/supervisors/{own_sup.pk}",
        data=json.dumps({"row_version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert state_counts() == before
    listed = client.get(f"{BASE}/supervisors").json()
    assert [x["id"] for x in listed["items"]] == [own_sup.pk]
    examiner_client = client_for(roles[Role.EXAMINER])
    own_ex = roles[Role.EXAMINER].person.examiner
    assert [x["id"] for x in examiner_client.get(f"{BASE}/examiners").json()["items"]] == [own_ex.pk]
    assert examiner_client.get(f"{BASE}/persons/{own_ex.person_id}").status_code == 200


def test_list_scopes_per_role(world):
    roles = world["roles"]
    ext, internal = world["external"], world["internal"]
    fixture_ext = pm.Supervisor.objects.get(person=roles[Role.EXTERNAL_SUPERVISOR].person)
    fixture_int = pm.Supervisor.objects.get(person=roles[Role.INTERNAL_SUPERVISOR].person)
    seen = {}
    for role in (Role.AUTHORITY_STAFF, Role.INSTITUTION_STAFF, "outsider", "superuser"):
        body = client_for(roles[role]).get(f"{BASE}/supervisors?page_size=100").json()
        seen[str(role)] = sorted(x["id"] for x in body["items"])
    assert seen[str(Role.AUTHORITY_STAFF)] == sorted([ext.pk, internal.pk, fixture_ext.pk, fixture_int.pk])
    assert seen[str(Role.INSTITUTION_STAFF)] == sorted([internal.pk, fixture_int.pk])
    assert seen["outsider"] == []
    assert seen["superuser"] == seen[str(Role.AUTHORITY_STAFF)]
    # Institution users read the examiners of their institution's authority (to staff batches).
    body = client_for(roles[Role.INSTITUTION_STAFF]).get(f"{BASE}/examiners").json()
    fixture_examiner = roles[Role.EXAMINER].person.examiner
    assert sorted(x["id"] for x in body["items"]) == sorted([world["examiner"].pk, fixture_examiner.pk])
    assert client_for(None).get(f"{BASE}/supervisors").status_code == 401


def test_ids_masked_everywhere_and_revealed_with_audit(world):
    admin_client = client_for(world["roles"][Role.AUTHORITY_ADMIN])
    number = resident_id(1)
    masked = number[:6] + "********" + number[-4:]
    for url in (
        f"{BASE}/supervisors",
        f"{BASE}/supervisors/{world['external'].pk}",
        f"{BASE}/persons",
        f"{BASE}/persons/{world['external'].person_id}",
    ):
        text = admin_client.get(url).content.decode()
        assert number not in text
    detail = admin_client.get(f"{BASE}/supervisors/{world['external'].pk}").json()
    assert detail["person"]["id_number_masked"] == masked
    events = AuditEvent.objects.count()
    response = admin_client.post(f"{BASE}/persons/{world['external'].person_id}/reveal-id")
    assert response.json() == {"id_number": number, "birth_date": "1985-01-01"}
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.latest("id").action == "people.person.reveal_id"


def test_search_by_name_card_and_exact_id(world):
    client = client_for(world["roles"][Role.AUTHORITY_STAFF])

    def ids(query):
        return [x["id"] for x in client.get(f"{BASE}/supervisors", {"q": query}).json()["items"]]

    assert ids("外督甲") == [world["external"].pk]
    assert ids("R3621") == [world["external"].pk]
    assert ids(resident_id(1).lower()) == [world["external"].pk]
    assert ids(resident_id(2)) == [world["internal"].pk]
    assert ids(resident_id(1)[:10]) == []  # partial ID numbers never match (blind index: exact only)
    persons = client.get(f"{BASE}/persons", {"q": resident_id(4)}).json()
    assert [x["id"] for x in persons["items"]] == [world["person"].pk]


def test_filters(world):
    client = client_for(world["roles"][Role.AUTHORITY_STAFF])

    def ids(url, **params):
        return sorted(x["id"] for x in client.get(url, params).json()["items"])

    assert ids(
        f"{BASE}/supervisors", kind="internal", institution=world["internal"].institution_id
    ) == sorted(pm.Supervisor.objects.filter(kind="internal").values_list("id", flat=True))
    # The 2021 card expired on 2024-02-29: "expired" finds it, "valid" does not.
    assert ids(f"{BASE}/supervisors", card_state="expired") == [world["external"].pk]
    assert ids(f"{BASE}/supervisors", card_state="valid") == []
    assert ids(f"{BASE}/examiners", card_state="lapsed") == [world["examiner"].pk]
    assert ids(f"{BASE}/examiners", occupation="4-03-02-01") == [world["examiner"].pk]
    assert ids(f"{BASE}/examiners", occupation="6-18-02-04") == []
    response = client.get(f"{BASE}/supervisors", {"page_size": 101})
    assert response.status_code == 422


def test_create_supervisor_with_inline_person_is_atomic(world):
    client = client_for(world["roles"][Role.AUTHORITY_STAFF])
    body = {"kind": "external", "person": {"name": "新外督", "id_number": wrong_check_digit(resident_id(50))}}
    before = state_counts()
    response = client.post(f"{BASE}/supervisors", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == {"id_number": ["身份证号校验码错误,请核对后重新输入"]}
    assert state_counts() == before
    body["person"]["id_number"] = resident_id(50)
    response = client.post(f"{BASE}/supervisors", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    assert (data["kind"], data["authority"]["id"], data["person"]["name"]) == (
        "external",
        world["external"].authority_id,
        "新外督",
    )
    response = client.post(f"{BASE}/supervisors", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 409
    assert response.json()["message"] == "该身份证号已登记"


def test_phone_validated_via_api(world):
    """M5: PATCH person and POST supervisor with an inline person refuse a malformed phone (422)."""
    message = "手机号格式不正确:应为 11 位手机号(如 13912345678)或带区号的固定电话(如 0791-86123456)"
    client = client_for(world["roles"][Role.AUTHORITY_ADMIN])
    before = state_counts()
    response = client.patch(
        f"{BASE}/persons/{world['person'].pk}",
        data=json.dumps({"row_version": 1, "phone": "12345"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert (response.json()["message"], response.json()["detail"]) == (message, {"phone": [message]})
    body = {"kind": "external", "person": {"name": "新外督", "id_number": resident_id(51), "phone": "0791-1"}}
    response = client.post(f"{BASE}/supervisors", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == {"phone": [message]}
    assert state_counts() == before


def test_stale_row_version_is_409(world):
    client = client_for(world["roles"][Role.AUTHORITY_ADMIN])
    url = f"{BASE}/examiners/{world['examiner'].pk}"
    assert (
        client.patch(
            url, data=json.dumps({"row_version": 1, "senior": True}), content_type="application/json"
        ).status_code
        == 200
    )
    before = state_counts()
    response = client.patch(
        url, data=json.dumps({"row_version": 1, "senior": False}), content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert state_counts() == before


def test_card_state_actions_via_api(world):
    client = client_for(world["roles"][Role.AUTHORITY_ADMIN])
    card_url = f"{BASE}/supervisor-cards/{world['card'].pk}"
    version = world["card"].row_version
    for to in ("lost", "reissuing"):
        response = client.post(
            f"{card_url}/status",
            data=json.dumps({"to": to, "row_version": version}),
            content_type="application/json",
        )
        assert response.json()["status"] == to
        version = response.json()["row_version"]
    response = client.post(
        f"{card_url}/replacement",
        data=json.dumps(
            {
                "number": "R36240007",
                "issued_on": "2024-01-02",
                "valid_until": "2027-01-01",
                "row_version": version,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert (response.json()["replaces_id"], response.json()["state"]) == (world["card"].pk, "valid")
    response = client.post(
        f"{card_url}/status",
        data=json.dumps({"to": "valid", "row_version": current_version(world["card"])}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    detail = client.get(f"{BASE}/supervisors/{world['external'].pk}").json()
    assert [(c["number"], c["state"]) for c in detail["cards"]] == [
        ("R36240007", "valid"),
        ("R36210001", "replaced"),
    ]
    assert detail["current_card"]["number"] == "R36240007"


def test_examiner_card_detail_shows_lapsed_state(world):
    client = client_for(world["roles"][Role.AUTHORITY_ADMIN])
    detail = client.get(f"{BASE}/examiners/{world['examiner'].pk}").json()
    card = detail["cards"][0]
    assert (card["state"], card["state_label"]) == ("lapsed", "已失效(超期未培训)")
    assert card["scopes"] == [
        {"occupation_code": "4-03-02-01", "occupation_name": "中式烹调师", "work_type": "", "levels": [5, 4]}
    ]


def test_relation_withdraw_via_api(world):
    client = client_for(world["roles"][Role.AUTHORITY_ADMIN])
    response = client.post(
        f"{BASE}/relations",
        data=json.dumps(
            {
                "person_id": world["person"].pk,
                "kind": "employment",
                "institution_id": world["internal"].institution_id,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    rel = response.json()
    assert (rel["kind_label"], rel["institution"]["id"]) == ("雇佣/任职", world["internal"].institution_id)
    response = client.post(
        f"{BASE}/relations/{rel['id']}/status",
        data=json.dumps({"to": "withdrawn", "row_version": rel["row_version"]}),
        content_type="application/json",
    )
    assert response.json()["withdrawn_on"] is not None
    assert client.get(f"{BASE}/relations", {"person": world["person"].pk}).json()["count"] == 0


@pytest.mark.parametrize(
    "path", ["/supervisors", "/examiners", "/persons", "/supervisor-cards", "/examiner-cards"]
)
def test_list_query_count_is_constant(world, admin, occupations, django_assert_max_num_queries, path):
    for n in range(25):
        sup = services.supervisor_create(
            actor=admin, kind="external", person_data={"name": f"批量{n}", "id_number": resident_id(100 + n)}
        )
        services.supervisor_card_issue(
            actor=admin, supervisor=sup, number=f"R3621{n + 100:04d}", issued_on=dt.date(2021, 1, 1)
        )
        ex = services.examiner_create(
            actor=admin, person_data={"name": f"考{n}", "id_number": resident_id(200 + n, region="110105")}
        )
        services.examiner_card_issue(
            actor=admin,
            examiner=ex,
            number=f"KP-{n + 100:04d}",
            issued_on=dt.date(2021, 1, 1),
            scopes=[{"occupation": "4-03-02-01", "levels": [5]}, {"occupation": "6-18-02-04", "levels": [3]}],
        )
    client = client_for(world["roles"][Role.AUTHORITY_STAFF])
    client.get(f"{BASE}{path}")  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}{path}", {"page_size": 50})
    assert response.status_code == 200
    assert len(response.json()["items"]) >= 20
