"""Review probe (issue 12): bad input to the new filing application and two-step renewal APIs is a
Chinese 4xx and writes nothing."""

from __future__ import annotations

import json
import re

import pytest

from dudao.accounts.models import Role
from dudao.renewals.models import FilingApplication
from tests import factories as f
from tests.conftest import client_for

from .test_new_filing import _counts

pytestmark = pytest.mark.django_db
URL = "/api/v1/renewals/filing-applications"
HAN = re.compile(r"[\u4e00-\u9fff]")


def _text(r):
    try:
        return json.dumps(r.json(), ensure_ascii=False)
    except ValueError:
        return r.content.decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("scope", "materials"),
    [
        ("x", "{}"),
        ("{}", "{}"),
        ("[1]", "{}"),
        ('[{"occupation": 1e400, "levels": [5]}]', "{}"),
        ('[{"occupation": 100000000000000000000000000000, "levels": [5]}]', "{}"),
        ('[{"occupation": -1, "levels": [5]}]', "{}"),
        ('[{"occupation": "x", "levels": [5]}]', "{}"),
        ('[{"occupation": OCC, "levels": 100000000000000000000000}]', "{}"),
        ('[{"occupation": OCC, "levels": [100000000000000000000000]}]', "{}"),
        ('[{"occupation": OCC, "levels": [5], "work_type": {"a": 1}}]', "{}"),
        ('[{"occupation": OCC, "levels": [5]}]', "[]"),
        ('[{"occupation": OCC, "levels": [5]}]', '{"summary": {"a": 1}}'),
        ('[{"occupation": OCC, "levels": [5]}]', '{"zz": "a"}'),
        ('[{"occupation": OCC, "levels": [5]}]', "null"),
    ],
)
def test_bad_filing_application_input(users, institution, occupations, scope, materials):
    admin = users[Role.INSTITUTION_ADMIN]
    before = _counts()
    r = client_for(admin).post(
        URL,
        {
            "institution": institution.pk,
            "scope": scope.replace("OCC", str(occupations["A"].pk)),
            "materials": materials,
            "application_letter": f.pdf("申请书.pdf"),
        },
    )
    assert 400 <= r.status_code < 500, (r.status_code, _text(r)[:300])
    assert HAN.search(_text(r))
    assert _counts() == before


def test_other_ids(users, institution, other_institution, occupations):
    admin = users[Role.INSTITUTION_ADMIN]
    for inst, prev in (
        (other_institution.pk, None),
        (999999, None),
        (institution.pk, 999999),
        (10**30, None),
    ):
        data = {
            "institution": inst,
            "scope": json.dumps([{"occupation": occupations["A"].pk, "levels": [5]}]),
            "application_letter": f.pdf("申请书.pdf"),
        }
        if prev:
            data["previous_filing"] = prev
        r = client_for(admin).post(URL, data)
        assert 400 <= r.status_code < 500, (inst, prev, r.status_code, _text(r)[:300])
    assert FilingApplication.objects.count() == 0


def test_other_institution_and_region_see_nothing(
    users, filing, occupations, other_institution, other_authority
):
    from .test_new_filing import D, _submit

    app = _submit(
        users[Role.INSTITUTION_ADMIN],
        filing.institution,
        occupations,
        previous_filing=filing.pk,
        today=D("2024-12-02"),
    )
    att = app.attachments.first()
    stranger = f.UserFactory(username="x_admin", role=Role.INSTITUTION_ADMIN, institution=other_institution)
    outsider = f.UserFactory(username="gd_staff9", role=Role.AUTHORITY_STAFF, authority=other_authority)
    for user in (stranger, outsider):
        c = client_for(user)
        for url in (
            f"{URL}/{app.pk}",
            f"/renewals/filings/{app.pk}/",
            f"/renewals/filings/{app.pk}/attachments/{att.pk}/",
        ):
            assert c.get(url).status_code == 404, (user.username, url)
        assert c.get(URL).json()["count"] == 0
        r = c.post(
            f"{URL}/{app.pk}/review",
            json.dumps({"decision": "accept", "row_version": app.row_version}),
            content_type="application/json",
        )
        assert r.status_code == 404
    assert FilingApplication.objects.get(pk=app.pk).status == "submitted"
