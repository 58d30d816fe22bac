"""Review probe (issue 12): new filing application pages, the renewal's termination and the two-step
renewal pages show no rule id or internal word, for each role that reaches them."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.renewals import services
from tests.conftest import client_for
from tests.web.test_plain_words import problems_in, shown

from .test_new_filing import D, _rv, _submit
from .test_renewal_termination import _start, rectifying  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _read(users, urls):
    bad = {}
    for user in users:
        client = client_for(user)
        for url in urls:
            r = client.get(url)
            assert r.status_code < 500, (user, url)
            if r.status_code == 200 and "text/html" in r.get("Content-Type", ""):
                found = problems_in("\n".join(shown(r.content.decode()).parts))
                if found:
                    bad[(user.username, url)] = found
    return bad


def test_filing_pages(users, filing, occupations):
    staff, admin = users[Role.AUTHORITY_STAFF], users[Role.INSTITUTION_ADMIN]
    app = _submit(admin, filing.institution, occupations, previous_filing=filing.pk, today=D("2024-12-02"))
    who = [staff, admin, users[Role.INSTITUTION_STAFF]]
    urls = ["/renewals/filings/", "/renewals/filings/apply/", f"/renewals/filings/{app.pk}/"]
    assert _read(who, urls) == {}
    app = services.filing_application_review(
        actor=staff, application=app, decision="accept", row_version=_rv(app)
    )
    app = services.filing_application_record_site(
        actor=staff,
        application=app,
        visited_on="2026-12-03",
        evaluators="张三、李四",
        passed=True,
        notes="场地设备符合要求",
        row_version=_rv(app),
    )
    assert _read(who, urls) == {}
    app = services.filing_application_decide(
        actor=staff, application=app, approve=True, number="JX-BA-9001", row_version=_rv(app)
    )
    assert _read(who, urls) == {}
    for fmt in ("docx", "pdf"):
        assert client_for(admin).get(f"/renewals/filings/{app.pk}/receipt.{fmt}").status_code == 200


def test_termination_from_renewal_pages(users, rectifying):  # noqa: F811
    staff = users[Role.AUTHORITY_STAFF]
    t = _start(staff, rectifying, D("2025-04-29"))
    urls = [
        "/supervision/terminations/",
        f"/supervision/terminations/{t.pk}/",
        f"/renewals/{rectifying.pk}/",
    ]
    assert _read([staff, users[Role.INSTITUTION_ADMIN]], urls) == {}
