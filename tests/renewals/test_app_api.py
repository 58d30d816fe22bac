"""The renewals API: a role × endpoint permission matrix (REN-7 谁备案、谁负责; other institution / other
authority → 404, nothing changes), the multipart application, the queue's query count."""

from __future__ import annotations

import json

import pytest

from dudao.accounts.models import Role
from dudao.registry.models import Filing, Institution
from dudao.renewals.models import RenewalApplication
from tests import factories as f

from .conftest import TODAY, D, add_batch, apply, counts, make_filing, state

API = "/api/v1/renewals"


@pytest.fixture
def city(authority):
    """A city authority under the province one: it holds the filing, the province only oversees."""
    region = f.RegionFactory(code="360100", name="南昌市", kind="city", parent=authority.region)
    return f.AuthorityFactory(
        region=region, code="NC-HRSS", name="南昌市人力资源和社会保障局", parent=authority
    )


@pytest.fixture
def city_world(city, occupations):
    institution = f.InstitutionFactory(authority=city, region=city.region, name="南昌市家政服务职业培训学校")
    filing = make_filing(institution, occupations, number="洪人社鉴备〔2020〕5号")
    add_batch(filing, occupations["A"], day=D("2023-05-20"))  # REN-5: something to renew
    return {
        "institution": institution,
        "filing": filing,
        "admin": f.UserFactory(
            username="nc_inst_admin", role=Role.INSTITUTION_ADMIN, institution=institution
        ),
        "staff": f.UserFactory(username="nc_staff", role=Role.AUTHORITY_STAFF, authority=city),
    }


@pytest.fixture
def outsiders(other_authority, other_institution):
    return {
        "other_authority_staff": f.UserFactory(
            username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_authority
        ),
        "other_institution_admin": f.UserFactory(
            username="gd_inst", role=Role.INSTITUTION_ADMIN, institution=other_institution
        ),
    }


@pytest.fixture
def app(city_world):
    return apply(city_world["admin"], city_world["filing"])


def _actor(name, users, city_world, outsiders):
    if name in city_world:
        return city_world[name]
    if name in outsiders:
        return outsiders[name]
    return users[name]


# who → expected status of GET detail
READ = {
    "admin": 200,  # the applying institution's admin
    "staff": 200,  # the city authority that holds the filing
    Role.AUTHORITY_STAFF: 200,  # the province authority oversees its region (read only)
    "superuser": 200,
    Role.INSTITUTION_ADMIN: 404,  # another institution (in the province)
    "other_institution_admin": 404,
    "other_authority_staff": 404,
    Role.EXTERNAL_SUPERVISOR: 404,
    Role.INTERNAL_SUPERVISOR: 404,
    Role.EXAMINER: 404,
}


@pytest.mark.parametrize(("who", "expected"), READ.items())
def test_read_matrix(client_as, users, city_world, outsiders, app, who, expected):
    client = client_as(_actor(who, users, city_world, outsiders))
    response = client.get(f"{API}/applications/{app.pk}")
    assert response.status_code == expected
    listed = client.get(f"{API}/applications").json()
    assert (app.pk in [i["id"] for i in listed["items"]]) == (expected == 200)
    if expected == 404:
        assert response.json()["code"] == "not_found"
        assert client.get(f"{API}/applications/{app.pk}/attachments/1").status_code == 404


def test_anonymous_is_401(client, app):
    assert client.get(f"{API}/applications/{app.pk}").status_code == 401


# who → expected status of a decision (accept)
WRITE = {
    "staff": 200,
    "superuser": 200,
    Role.AUTHORITY_STAFF: 403,  # oversees but does not hold the filing (REN-7)
    Role.AUTHORITY_ADMIN: 403,
    "admin": 403,  # the applicant cannot accept its own application
    Role.INSTITUTION_ADMIN: 404,
    "other_institution_admin": 404,
    "other_authority_staff": 404,
    Role.EXTERNAL_SUPERVISOR: 404,
    Role.EXAMINER: 404,
}


@pytest.mark.parametrize(("who", "expected"), WRITE.items())
def test_decision_matrix_and_nothing_changes_on_denial(
    client_as, users, city_world, outsiders, app, who, expected
):
    client = client_as(_actor(who, users, city_world, outsiders))
    before, snapshot = counts(), state(app)
    response = client.post(
        f"{API}/applications/{app.pk}/accept", {"row_version": app.row_version}, "application/json"
    )
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json()["status"] == "under_review"
        return
    assert (counts(), state(app)) == (before, snapshot)
    body = response.json()
    if expected == 403:
        assert body["code"] == "permission_denied"
        if who != "admin":
            assert (
                body["message"]
                == "只有持有该备案的人力社保部门(委派机构)可以办理此延续备案申请(谁备案、谁负责)"
            )
    for path, payload in (
        ("not-accept", {"row_version": app.row_version, "reason": "x"}),
        ("review", {"row_version": app.row_version, "approve": True, "opinion": "x"}),
        ("evaluation", {"row_version": app.row_version, "leader": city_world["staff"].pk}),
        ("outcome", {"row_version": app.row_version}),
    ):
        denied = client.post(f"{API}/applications/{app.pk}/{path}", payload, "application/json")
        assert denied.status_code == expected, (path, denied.content)
    assert (counts(), state(app)) == (before, snapshot)


@pytest.mark.parametrize(
    "who", ["staff", Role.AUTHORITY_STAFF, "other_institution_admin", "other_authority_staff"]
)
def test_only_the_applicant_withdraws(client_as, users, city_world, outsiders, app, who):
    client = client_as(_actor(who, users, city_world, outsiders))
    before, snapshot = counts(), state(app)
    response = client.post(
        f"{API}/applications/{app.pk}/withdraw", {"row_version": app.row_version}, "application/json"
    )
    assert response.status_code == (404 if who.startswith("other") else 403)
    assert (counts(), state(app)) == (before, snapshot)
    ok = client_as(city_world["admin"]).post(
        f"{API}/applications/{app.pk}/withdraw", {"row_version": app.row_version}, "application/json"
    )
    assert (ok.status_code, ok.json()["status"]) == (200, "withdrawn")


def test_apply_through_the_api_on_a_filing_far_from_expiry(client_as, users, filing):
    Filing.objects.filter(pk=filing.pk).update(valid_until="2099-12-31")
    client = client_as(users[Role.INSTITUTION_ADMIN])
    response = client.post(
        f"{API}/applications",
        {
            "filing": filing.pk,
            "materials": json.dumps(f.renewal_materials(filing), ensure_ascii=False),
            "application_letter": f.pdf(),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["expires_on"], body["deadline_label"]) == (
        "submitted",
        "2099-12-31",
        "剩余 20 个工作日",
    )


@pytest.mark.parametrize(
    ("applied", "label"),
    [
        # Thursday 2026-12-03 + 20 working days = Thursday 2026-12-31: inside confirmed 2026 (REN-4, CAL-2).
        ("2026-12-03 10:00 +0800", "剩余 20 个工作日"),
        # One day later the 20th working day is Monday 2027-01-04: 2027 is not loaded, so provisional (CAL-3).
        ("2026-12-04 10:00 +0800", "剩余 20 个工作日(临时)"),
        ("2026-12-06 10:00 +0800", "剩余 20 个工作日(临时)"),  # the day issue 7 found the old test failing
    ],
)
def test_a_deadline_reaching_an_unconfirmed_year_is_provisional(
    client_as, users, filing, time_machine, applied, label
):
    time_machine.move_to(applied)
    Filing.objects.filter(pk=filing.pk).update(valid_until="2099-12-31")
    response = client_as(users[Role.INSTITUTION_ADMIN]).post(
        f"{API}/applications",
        {
            "filing": filing.pk,
            "materials": json.dumps(f.renewal_materials(filing), ensure_ascii=False),
            "application_letter": f.pdf(),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["deadline_label"] == label


def test_api_apply_errors_are_422_and_change_nothing(client_as, users, filing, outsiders):
    Filing.objects.filter(pk=filing.pk).update(valid_until="2099-12-31")
    client = client_as(users[Role.INSTITUTION_ADMIN])
    before = counts()
    bad = client.post(f"{API}/applications", {"filing": filing.pk, "materials": "{not json"})
    assert (bad.status_code, bad.json()["detail"]) == (422, {"materials": ["不是有效的 JSON"]})
    form = f.renewal_materials(filing)
    form["commitment"]["accepted"] = False
    refused = client.post(
        f"{API}/applications",
        {
            "filing": filing.pk,
            "materials": json.dumps(form, ensure_ascii=False),
            "application_letter": f.pdf(),
        },
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == {"commitment.accepted": ["请阅读并确认诚信及评价质量承诺"]}
    other = client_as(outsiders["other_institution_admin"]).post(
        f"{API}/applications",
        {
            "filing": filing.pk,
            "materials": json.dumps(f.renewal_materials(filing), ensure_ascii=False),
            "application_letter": f.pdf(),
        },
    )
    assert other.status_code == 404
    assert counts() == before


def test_queue_query_count(client_as, users, authority, occupations, django_assert_max_num_queries):
    """The list is N+1-free: 25 applications of 25 institutions, one page."""
    admin = users[Role.INSTITUTION_ADMIN]
    for i in range(25):
        inst = f.InstitutionFactory(
            authority=authority, region=authority.region, kind=Institution.Kind.TECH_SCHOOL
        )
        filing = make_filing(inst, occupations, number=f"赣人社鉴备〔2020〕{100 + i}号")
        RenewalApplication.objects.create(
            institution=inst,
            filing=filing,
            authority=authority,
            kind=inst.kind,
            received_on=TODAY,
            expires_on=filing.valid_until,
            decision_workdays=20,
            decide_by="2024-10-30",
            period_start=filing.valid_from,
            applicant=admin,
        )
    client = client_as(users[Role.AUTHORITY_STAFF])
    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/applications?page_size=100")
    body = response.json()
    assert body["count"] == 25
    assert {i["deadline_label"][:3] for i in body["items"]} == {"已逾期"}
    overdue = client.get(f"{API}/applications?deadline=overdue").json()
    assert overdue["count"] == 25


def test_an_attachment_names_its_material_and_its_file_kind(client_as, users, city_world, outsiders, app):
    client = client_as(_actor("admin", users, city_world, outsiders))
    (attachment,) = client.get(f"{API}/applications/{app.pk}").json()["attachments"]
    assert {
        k: attachment[k] for k in ("material", "material_label", "kind", "content_type", "original_name")
    } == {
        "material": "application_letter",
        "material_label": "关于延续开展职业技能等级认定工作的申请(附件1)",
        "kind": "pdf",
        "content_type": "application/pdf",
        "original_name": "申请.pdf",
    }
