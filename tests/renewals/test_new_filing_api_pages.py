"""New filing applications, two-step review and the renewal's termination through the API and the pages:
the whole new-filing life over HTTP, role denials that change nothing, the receipt documents, the
settings (two-step is kept when a client does not send it)."""

from __future__ import annotations

import json

import pytest

from dudao.accounts.models import Role
from dudao.registry.models import Filing, Institution
from dudao.renewals.models import FilingApplication, RenewalConfig
from tests import factories as f

API = "/api/v1/renewals"


@pytest.fixture
def newcomer(authority):
    return f.InstitutionFactory(
        authority=authority,
        region=authority.region,
        kind=Institution.Kind.SOCIAL_ORG,
        name="江西某职业培训学校",
    )


@pytest.fixture
def newcomer_admin(newcomer):
    return f.UserFactory(username="new_admin2", role=Role.INSTITUTION_ADMIN, institution=newcomer)


def _post(client, url, payload):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def _submit(client, newcomer, occupations, **extra):
    data = {
        "institution": newcomer.pk,
        "scope": json.dumps([{"occupation": occupations["A"].pk, "levels": [5, 4]}]),
        "materials": json.dumps({"contact_name": "王老师", "summary": "理论考场 2 间"}),
        **extra,
    }
    return client.post(f"{API}/filing-applications", data=data)


def test_api_whole_life_and_receipt(client_as, users, newcomer, newcomer_admin, occupations):
    inst = client_as(newcomer_admin)
    r = _submit(inst, newcomer, occupations)
    assert r.status_code == 422  # the application letter is missing
    assert FilingApplication.objects.count() == 0
    r = _submit(inst, newcomer, occupations, application_letter=f.pdf("申请书.pdf"))
    assert r.status_code == 201, r.content
    body = r.json()
    assert (
        body["status"],
        body["origin"],
        body["scope"][0]["levels"],
        body["attachments"][0]["material"],
    ) == (
        "submitted",
        "new",
        [5, 4],
        "application_letter",
    )
    pk, rv = body["id"], body["row_version"]
    staff = client_as(users[Role.AUTHORITY_STAFF])

    # Denials change nothing: the institution cannot review, an authority user cannot withdraw.
    r = _post(inst, f"{API}/filing-applications/{pk}/review", {"decision": "accept", "row_version": rv})
    assert r.status_code == 403
    r = _post(staff, f"{API}/filing-applications/{pk}/withdraw", {"row_version": rv})
    assert r.status_code == 403
    # Out of order → 409; stale version → 409.
    r = _post(
        staff, f"{API}/filing-applications/{pk}/decision", {"approve": True, "number": "N", "row_version": rv}
    )
    assert r.status_code == 409
    r = _post(staff, f"{API}/filing-applications/{pk}/review", {"decision": "accept", "row_version": rv + 1})
    assert r.status_code == 409
    assert FilingApplication.objects.get(pk=pk).row_version == rv

    r = _post(staff, f"{API}/filing-applications/{pk}/review", {"decision": "accept", "row_version": rv})
    assert (r.status_code, r.json()["status"]) == (200, "accepted")
    rv = r.json()["row_version"]
    site = {"evaluators": "张三、李四", "passed": True, "notes": "符合", "row_version": rv}
    # Accepted on 2026-12-03 (the test clock): a visit the day before is refused, that day is fine.
    r = _post(staff, f"{API}/filing-applications/{pk}/site-evaluation", {**site, "visited_on": "2026-12-02"})
    assert (r.status_code, r.json()["detail"]) == (422, {"visited_on": ["不能早于受理日期"]})
    r = _post(
        staff,
        f"{API}/filing-applications/{pk}/site-evaluation",
        {
            "visited_on": "2026-12-03",
            "evaluators": "张三、李四",
            "passed": True,
            "notes": "符合",
            "row_version": rv,
        },
    )
    assert (r.status_code, r.json()["status"], r.json()["site_visit_on"]) == (200, "evaluated", "2026-12-03")
    rv = r.json()["row_version"]
    r = inst.get(f"{API}/filing-applications/{pk}/receipt.docx")
    assert r.status_code == 409  # not approved yet: no receipt
    r = _post(
        staff,
        f"{API}/filing-applications/{pk}/decision",
        {"approve": True, "number": "赣人社鉴备〔2026〕7号", "row_version": rv},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["status"], body["receipt_number"], body["receipt_issued_on"]) == (
        "approved",
        "备案回执〔2026〕1号",
        "2026-12-03",
    )
    filing = Filing.objects.get(pk=body["filing_id"])
    assert (filing.number, filing.valid_from.isoformat(), filing.valid_until.isoformat()) == (
        "赣人社鉴备〔2026〕7号",
        "2026-12-03",
        "2030-12-02",
    )
    r = inst.get(f"{API}/filing-applications/{pk}/receipt.docx")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_outsiders_get_404(
    client_as, newcomer, newcomer_admin, occupations, other_authority, other_institution
):
    r = _submit(client_as(newcomer_admin), newcomer, occupations, application_letter=f.pdf())
    pk, rv = r.json()["id"], r.json()["row_version"]
    gd_staff = f.UserFactory(username="gd_s", role=Role.AUTHORITY_STAFF, authority=other_authority)
    gd_inst = f.UserFactory(username="gd_i", role=Role.INSTITUTION_ADMIN, institution=other_institution)
    for user in (gd_staff, gd_inst):
        c = client_as(user)
        assert c.get(f"{API}/filing-applications/{pk}").status_code == 404
        r = _post(c, f"{API}/filing-applications/{pk}/review", {"decision": "accept", "row_version": rv})
        assert r.status_code == 404
        assert c.get(f"/renewals/filings/{pk}/").status_code == 404
    assert FilingApplication.objects.get(pk=pk).status == "submitted"
    assert client_as(None).get(f"{API}/filing-applications/{pk}").status_code == 401


def test_config_api_keeps_two_step_unless_sent(client_as, users, authority):
    centre = f.AuthorityFactory(region=authority.region, code="JX-CTR", name="江西省评估中心")
    admin = client_as(users[Role.AUTHORITY_ADMIN])
    url = f"{API}/config/{authority.pk}"
    r = admin.put(
        url,
        data=json.dumps({"renewal_years": 4, "evaluation_centre_id": centre.pk}),
        content_type="application/json",
    )
    assert (r.status_code, r.json()["evaluation_centre_id"]) == (200, centre.pk)
    rv = r.json()["row_version"]
    r = admin.put(
        url, data=json.dumps({"renewal_years": 5, "row_version": rv}), content_type="application/json"
    )
    assert (r.status_code, r.json()["evaluation_centre_id"], r.json()["renewal_years"]) == (200, centre.pk, 5)
    rv = r.json()["row_version"]
    r = admin.put(
        url,
        data=json.dumps({"renewal_years": 5, "evaluation_centre_id": None, "row_version": rv}),
        content_type="application/json",
    )
    assert (r.status_code, r.json()["evaluation_centre_id"]) == (200, None)
    # Staff (not admin) cannot change it.
    staff = client_as(users[Role.AUTHORITY_STAFF])
    r = staff.put(
        url,
        data=json.dumps({"renewal_years": 4, "evaluation_centre_id": centre.pk}),
        content_type="application/json",
    )
    assert r.status_code == 403
    assert RenewalConfig.objects.get(authority=authority).evaluation_centre_id is None


@pytest.mark.parametrize("role", [Role.AUTHORITY_STAFF, Role.INSTITUTION_ADMIN])
def test_pages_render_for_each_role(client_as, users, newcomer, newcomer_admin, occupations, role):
    _submit(client_as(newcomer_admin), newcomer, occupations, application_letter=f.pdf())
    pk = FilingApplication.objects.get().pk
    user = users[role] if role == Role.AUTHORITY_STAFF else newcomer_admin
    c = client_as(user)
    assert c.get("/renewals/filings/").status_code == 200
    page = c.get(f"/renewals/filings/{pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert ("审核申报材料" in text) is (role == Role.AUTHORITY_STAFF)
    assert ("撤回申请" in text) is (role == Role.INSTITUTION_ADMIN)
    assert c.get("/renewals/filings/apply/").status_code == 200


def test_apply_page_posts_an_application(client_as, newcomer, newcomer_admin, occupations):
    c = client_as(newcomer_admin)
    r = c.post(
        "/renewals/filings/apply/",
        {
            "institution": str(newcomer.pk),
            "occupation_0": str(occupations["B"].pk),
            "work_type_0": "中式烹调",
            "levels_0": ["4", "3"],
            "summary": "实操工位 20 个",
            "application_letter": f.pdf("申请书.pdf"),
        },
    )
    app = FilingApplication.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/renewals/filings/{app.pk}/"
    assert [(x["occupation_code"], x["work_type"], x["levels"]) for x in app.scope] == [
        ("4-03-02-01", "中式烹调", [4, 3])
    ]
    assert app.materials == {"summary": "实操工位 20 个"}


def test_examiner_and_supervisor_cannot_reach_the_pages(client_as, users):
    for role in (Role.EXAMINER, Role.EXTERNAL_SUPERVISOR):
        c = client_as(users[role])
        assert c.get("/renewals/filings/").status_code == 403
        assert c.get("/renewals/filings/apply/").status_code == 403


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("scope", "申请备案范围(scope)不是有效的 JSON"),
        ("materials", "申报材料(materials)不是有效的 JSON"),
    ],
)
def test_api_names_the_field_that_is_not_json(
    client_as, newcomer, newcomer_admin, occupations, field, message
):
    r = _submit(
        client_as(newcomer_admin),
        newcomer,
        occupations,
        application_letter=f.pdf("申请书.pdf"),
        **{field: "[{"},
    )
    assert (r.status_code, r.json()["message"], r.json()["detail"]) == (
        422,
        message,
        {field: ["不是有效的 JSON"]},
    )
    assert FilingApplication.objects.count() == 0
