"""Issue 11 API contracts: GET /api/v1/public/certificates (any two of name, ID number, number; else 400 in
Chinese; rate-limited per address; masked record and status, voided shown as voided — CERT-2, CERT-4),
GET /api/v1/certificates (paginated, scoped, number and name in each item), the candidate's own result and
objection, the online QR check and the published key, the certificate PDF."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dudao.accounts.models import Role
from dudao.exams import services
from dudao.exams.domain.certificate_seal import load_public_key, verify_seal
from tests import factories as f
from tests.conftest import client_for
from tests.factories import exams as fx
from tests.factories.rows import make_resident_id

from .test_results_certificates import failing_theory, passing

pytestmark = pytest.mark.django_db
PUBLIC = "/api/v1/public/certificates"
ISSUE_DAY = dt.date(2027, 1, 15)


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


@pytest.fixture
def issued(plan, inst_admin, auth_staff, institution, time_machine):
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2, 3)]
    time_machine.move_to(fx.at(fx.EXAM_DAY + dt.timedelta(days=1), 10))
    services.results_record(
        actor=inst_admin,
        plan=plan,
        entries=[
            {"registration": r.number, "subjects": s}
            for r, s in zip(regs, [passing(), passing(), failing_theory()], strict=True)
        ],
    )
    services.results_publish(actor=inst_admin, plan=plan)
    services.certificate_issuer_set(actor=auth_staff, institution=institution, serial="000123")
    certs = services.certificates_issue(actor=inst_admin, plan=plan, today=ISSUE_DAY)
    return {"registrations": regs, "certificates": sorted(certs, key=lambda c: c.number)}


def test_lookup_by_any_two_of_name_id_and_number(issued):
    first = issued["registrations"][0]
    cert = next(c for c in issued["certificates"] if c.registration_id == first.pk)
    id_number = make_resident_id(1, birth="19900101")
    anon = client_for(None)
    for query in (
        {"name": cert.name, "number": cert.number},
        {"id_number": id_number, "number": cert.number},
        {"name": cert.name, "id_number": id_number},
    ):
        answer = anon.get(PUBLIC, query)
        assert answer.status_code == 200, answer.content
        (item,) = answer.json()["items"]
        assert item["number"] == cert.number and item["status"] == "valid"
        assert "*" in item["id_number_masked"] and id_number not in answer.content.decode()
        assert {"occupation_name", "level", "institution_name", "issued_on"} <= item.keys()
    assert anon.get(PUBLIC, {"name": "别人", "number": cert.number}).json() == {"count": 0, "items": []}
    other_id = make_resident_id(2, birth="19900101")  # all three given: every one must match
    all_three = {"name": cert.name, "number": cert.number, "id_number": other_id}
    assert anon.get(PUBLIC, all_three).json()["count"] == 0


@pytest.mark.parametrize(
    "query", [{}, {"name": "考生1"}, {"number": "S000036000123274000001"}, {"id_number": "x"}]
)
def test_fewer_than_two_is_a_chinese_400(issued, query):
    answer = client_for(None).get(PUBLIC, query)
    assert answer.status_code == 400
    assert "两项" in answer.json()["message"]


def test_a_malformed_id_number_is_a_400_not_a_miss(issued):
    answer = client_for(None).get(PUBLIC, {"name": "考生1", "id_number": "123"})
    assert answer.status_code == 400 and answer.json()["message"]


def test_only_the_issuing_institution_voids_over_the_api(issued, users, other_institution):
    cert = issued["certificates"][0]
    other_admin = f.UserFactory(role=Role.INSTITUTION_ADMIN, institution=other_institution)
    body = {"row_version": 1, "reason": "错误"}
    assert post(client_for(other_admin), f"/api/v1/certificates/{cert.number}/void", body).status_code == 404
    assert (
        post(
            client_for(users[Role.AUTHORITY_STAFF]), f"/api/v1/certificates/{cert.number}/void", body
        ).status_code
        == 403
    )
    assert (
        post(
            client_for(users[Role.INSTITUTION_ADMIN]),
            f"/api/v1/certificates/{cert.number}/void",
            {"row_version": "x", "reason": "错误"},
        ).status_code
        == 422
    )
    cert.refresh_from_db()
    assert cert.status == "valid"


def test_a_voided_certificate_stays_public_as_voided(issued, inst_admin):
    cert = issued["certificates"][0]
    answer = post(
        client_for(inst_admin),
        f"/api/v1/certificates/{cert.number}/void",
        {"row_version": 1, "reason": "信息有误"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "voided"
    (item,) = client_for(None).get(PUBLIC, {"name": cert.name, "number": cert.number}).json()["items"]
    assert (item["status"], item["status_label"]) == ("voided", "已注销")


def test_lookups_are_rate_limited_per_address(issued, settings):
    settings.DUDAO_PUBLIC_CERTIFICATE_LOOKUPS_PER_HOUR = 2
    anon = client_for(None)
    codes = [anon.get(PUBLIC, {"name": "a", "number": "b"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    elsewhere = anon.get(PUBLIC, {"name": "a", "number": "b"}, REMOTE_ADDR="10.9.9.9")
    assert elsewhere.status_code == 200  # the budget is per address


def test_authority_list_is_paginated_and_scoped(issued, users, other_authority):
    answer = client_for(users[Role.AUTHORITY_STAFF]).get("/api/v1/certificates", {"page_size": 1})
    body = answer.json()
    assert answer.status_code == 200 and body["count"] == 2 and len(body["items"]) == 1
    assert {"number", "name"} <= body["items"][0].keys()
    outsider = f.UserFactory(role=Role.AUTHORITY_STAFF, authority=other_authority)
    assert client_for(outsider).get("/api/v1/certificates").json()["count"] == 0
    assert client_for(users[Role.EXAMINER]).get("/api/v1/certificates").json()["count"] == 0
    assert client_for(None).get("/api/v1/certificates").status_code == 401
    number = issued["certificates"][0].number
    assert client_for(outsider).get(f"/api/v1/certificates/{number}").status_code == 404
    named = client_for(users[Role.INSTITUTION_ADMIN]).get("/api/v1/certificates", {"number": number})
    assert [i["number"] for i in named.json()["items"]] == [number]


def test_the_published_key_verifies_the_qr_offline_and_online(issued):
    cert = issued["certificates"][0]
    anon = client_for(None)
    pem = anon.get(f"{PUBLIC}/public-key")
    assert pem.status_code == 200 and pem.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert verify_seal(cert.seal, load_public_key(pem.content)).valid
    online = post(anon, f"{PUBLIC}/verify", {"qr": cert.seal}).json()
    assert online["valid"] and online["status"] == "valid" and online["facts"]["number"] == cert.number
    forged = post(anon, f"{PUBLIC}/verify", {"qr": cert.seal.replace("v1.", "v1.e", 1)}).json()
    assert forged["valid"] is False and forged["reason"]


def test_the_candidate_sees_results_only_after_publication_and_objects(
    plan, inst_admin, auth_staff, time_machine
):
    reg = fx.approve(fx.register(plan, 5), inst_admin, auth_staff)
    body = {"number": reg.number, "id_number": make_resident_id(5, birth="19900101")}
    anon = client_for(None)
    time_machine.move_to(fx.at(fx.EXAM_DAY + dt.timedelta(days=1), 10))
    services.results_record(
        actor=inst_admin, plan=plan, entries=[{"registration": reg.number, "subjects": failing_theory()}]
    )
    hidden = post(anon, "/api/v1/exams/my-result", body).json()
    assert hidden == {
        "published": False,
        "passed": None,
        "subjects": [],
        "objections_close_on": None,
        "certificate_number": None,
        "certificate_status": None,
    }
    services.results_publish(actor=inst_admin, plan=plan)
    shown = post(anon, "/api/v1/exams/my-result", body).json()
    assert shown["published"] and shown["passed"] is False
    filed = post(
        anon, "/api/v1/exams/my-result/objections", {**body, "subject": "theory", "reason": "请复核"}
    )
    assert filed.status_code == 201 and filed.json()["status"] == "open"
    wrong = post(
        anon, "/api/v1/exams/my-result", {**body, "id_number": make_resident_id(6, birth="19900101")}
    )
    assert wrong.status_code == 404


def test_certificate_pdf_carries_the_facts(issued, inst_admin):
    cert = issued["certificates"][0]
    answer = client_for(inst_admin).get(f"/api/v1/certificates/{cert.number}/pdf")
    assert answer.status_code == 200 and answer.content[:4] == b"%PDF"


def test_the_filing_authority_sets_the_issuer_prefix_over_the_api(institution, users, other_institution):
    url = "/api/v1/certificate-issuers"
    staff = client_for(users[Role.AUTHORITY_STAFF])
    answer = post(staff, url, {"institution": institution.pk, "serial": "000456"})
    assert answer.status_code == 200 and answer.json()["kind"] == "S" and answer.json()["serial"] == "000456"
    assert post(staff, url, {"institution": institution.pk, "serial": "45"}).status_code == 422
    assert post(staff, url, {"institution": other_institution.pk, "serial": "000457"}).status_code == 404
    admin = client_for(users[Role.INSTITUTION_ADMIN])
    assert post(admin, url, {"institution": institution.pk, "serial": "000999"}).status_code == 403
    institution.certificate_issuer.refresh_from_db()
    assert institution.certificate_issuer.serial == "000456"


def test_the_candidate_sees_a_voided_certificate_as_voided(issued, inst_admin):
    first = issued["registrations"][0]
    cert = next(c for c in issued["certificates"] if c.registration_id == first.pk)
    services.certificate_void(
        actor=inst_admin, certificate=cert, reason="信息有误", row_version=cert.row_version
    )
    body = {"number": first.number, "id_number": make_resident_id(1, birth="19900101")}
    mine = post(client_for(None), "/api/v1/exams/my-result", body).json()
    assert (mine["certificate_number"], mine["certificate_status"]) == (cert.number, "voided")
    page = client_for(None).post("/exams/my/", body).content.decode()
    assert 'id="own-certificate-voided"' in page


def test_a_missing_signing_key_in_production_is_a_503_not_a_500(settings):
    from dudao.exams.services import certificates

    settings.PRODUCTION, settings.DUDAO_CERT_SIGNING_KEY = True, ""
    certificates._signing_key.cache_clear()
    try:
        answer = client_for(None).get("/api/v1/public/certificates/public-key")
    finally:
        certificates._signing_key.cache_clear()
    assert answer.status_code == 503
    assert answer.json()["message"] == "证书签名服务暂不可用,请联系平台管理员"
