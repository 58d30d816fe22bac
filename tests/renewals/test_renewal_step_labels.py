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


def test_two_step_pages_at_bureau_review(users, authority, filing):
    from tests import factories as f

    from .conftest import run_evaluation, rv
    from .test_two_step import DECIDED, _accepted, _open

    centre = f.AuthorityFactory(region=authority.region, code="JX-CENTRE", name="江西省职业技能鉴定评估中心")
    centre_staff = f.UserFactory(username="centre_staff", role=Role.AUTHORITY_STAFF, authority=centre)
    services.renewal_config_save(
        actor=users[Role.AUTHORITY_ADMIN], authority=authority, renewal_years=4, evaluation_centre=centre
    )
    app = _open(centre_staff, _accepted(users, filing), centre_staff)
    run_evaluation(app)
    app = services.renewal_record_outcome(
        actor=centre_staff, application=app, row_version=rv(app), today=DECIDED
    )
    assert app.status == "bureau_review"
    who = [users[Role.AUTHORITY_STAFF], centre_staff, users[Role.INSTITUTION_ADMIN]]
    assert _read(who, ["/renewals/", f"/renewals/{app.pk}/"]) == {}
    bureau = users[Role.AUTHORITY_STAFF]
    app = services.renewal_bureau_review(
        actor=bureau, application=app, approve=False, opinion="请复核", row_version=rv(app), today=DECIDED
    )
    app = services.renewal_record_outcome(
        actor=centre_staff, application=app, row_version=rv(app), today=DECIDED
    )
    app = services.renewal_bureau_review(
        actor=bureau, application=app, approve=True, opinion="同意", row_version=rv(app), today=DECIDED
    )
    assert _read(who, [f"/renewals/{app.pk}/"]) == {}
    page = client_for(bureau).get(f"/renewals/{app.pk}/").content.decode()
    assert "评估机构报送评估结果" in page and "退回评估结果" in page and "审核评估结果" in page


def test_renewal_page_after_termination(users, rectifying):  # noqa: F811
    from dudao.supervision import services as supervision_services

    staff = users[Role.AUTHORITY_STAFF]
    t = _start(staff, rectifying, D("2025-04-29"))
    supervision_services.termination_decide(
        actor=staff, termination=t, decision="terminate", note="逾期未完成整改", row_version=t.row_version
    )
    assert _read([staff, users[Role.INSTITUTION_ADMIN]], [f"/renewals/{rectifying.pk}/"]) == {}
    assert "因终止备案办结" in client_for(staff).get(f"/renewals/{rectifying.pk}/").content.decode()


def test_termination_notice_from_a_renewal_renders(users, rectifying):  # noqa: F811
    staff = users[Role.AUTHORITY_STAFF]
    t = _start(staff, rectifying, D("2025-04-29"))
    FilingTermination = type(t)
    FilingTermination.objects.filter(pk=t.pk).update(notice='整改 & <未完成> "逾期"')
    for user in (staff, users[Role.INSTITUTION_ADMIN]):
        for fmt in ("docx", "pdf"):
            r = client_for(user).get(f"/supervision/terminations/{t.pk}/notice.{fmt}")
            assert r.status_code == 200, (user, fmt, r.status_code)


def test_filing_page_posts_with_garbage_never_fail(users, filing, occupations):
    staff, admin = users[Role.AUTHORITY_STAFF], users[Role.INSTITUTION_ADMIN]
    app = _submit(admin, filing.institution, occupations, previous_filing=filing.pk, today=D("2024-12-02"))
    urls = [
        "/renewals/filings/apply/",
        *(
            f"/renewals/filings/{app.pk}/{step}/"
            for step in ("review", "site-evaluation", "decision", "resubmit", "withdraw")
        ),
    ]
    garbage = [
        {},
        {"decision": "zz", "row_version": "x", "note": "x" * 5000},
        {"row_version": "99999999999999999999999", "visited_on": "2026-02-30", "passed": "maybe"},
        {"institution": "x", "scope": "[1]", "previous_filing": "99999999999999999999999"},
        {"approve": "x", "number": "x" * 500},
    ]
    bad = []
    for user in (staff, admin):
        c = client_for(user)
        for url in urls:
            for body in garbage:
                r = c.post(url, body)
                if r.status_code >= 500:
                    bad.append((user.username, url, body, r.status_code))
    assert bad == []
    assert type(app).objects.get(pk=app.pk).status == "submitted"
