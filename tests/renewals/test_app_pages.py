"""Renewal pages: the institution's apply form (multi-section, input kept on error), the authority's queue
with 剩余/已逾期 badges, the detail page's actions; other institutions / authorities get 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.registry.models import Filing, Institution
from dudao.renewals.models import RenewalApplication
from tests import factories as f

from .conftest import apply, counts, make_filing, run_evaluation, state


@pytest.fixture
def far_filing(filing):
    """The fixture filing, expiring far enough from the real today to be renewable online."""
    Filing.objects.filter(pk=filing.pk).update(valid_until=timezone.localdate() + dt.timedelta(days=120))
    filing.refresh_from_db()
    return filing


def _post_form(filing, **overrides):
    """The apply page's POST: scope rows as the page renders them (all ticked), the other sections."""
    data = {
        "basic-name": filing.institution.name,
        "basic-uscc": filing.institution.uscc,
        "basic-legal_representative": "张法人",
        "basic-contact_name": "李联系",
        "basic-contact_phone": "0791-88123456",
        "rules-0-name": "考务管理制度",
        "rules-0-made_on": "2021-01-05",
        "managers-0-name": "王主任",
        "managers-0-post": "机构负责人",
        "managers-0-own_staff": "1",
        "examiners-0-name": "",  # an empty row of a table is dropped
        "question_resources-0-occupation_name": "养老护理员",
        "question_resources-0-source": "city_bank",
        "summary-text": "备案期间累计开展 2 个职业 240 人次认定。",
        "commitment-accepted": "1",
        "commitment-legal_representative": "张法人",
        "application_letter": f.pdf(),
    }
    for i, scope in enumerate(
        filing.scopes.filter(ended_on=None)
        .select_related("occupation")
        .order_by("occupation__code", "work_type", "id")
    ):
        data[f"scope-{i}-include"] = "1"
        data[f"scope-{i}-occupation_code"] = scope.occupation.code
        data[f"scope-{i}-occupation_name"] = scope.occupation.name
        data[f"scope-{i}-work_type"] = scope.work_type
        data[f"scope-{i}-start_date"] = scope.start_date.isoformat()
        data[f"scope-{i}-levels"] = [str(level) for level in scope.levels]
        data[f"scope-{i}-certified_count"] = "50"
    data.update(overrides)
    return data


def test_apply_pick_lists_filings_with_reasons(client_as, users, far_filing, occupations):
    expired = make_filing(far_filing.institution, occupations, number="赣人社鉴备〔2016〕2号")
    Filing.objects.filter(pk=expired.pk).update(
        valid_from="2016-01-01", valid_until="2019-12-31", status="expired"
    )
    page = client_as(users[Role.INSTITUTION_ADMIN]).get("/renewals/apply/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="/renewals/apply/{far_filing.pk}/"' in html
    assert "备案已已到期" not in html and "备案已到期" in html


def test_apply_form_prefills_the_scope_from_the_filing(client_as, users, far_filing):
    page = client_as(users[Role.INSTITUTION_ADMIN]).get(f"/renewals/apply/{far_filing.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in (
        "职业技能等级认定机构延续备案申报表",
        "养老护理员",
        "中式烹调师",
        "电工",
        "九、诚信及评价质量承诺",
        'name="scope-0-include"',
        'name="scope-2-levels" value="3"',
        "五、(二)考评人员情况",
        'value="' + far_filing.institution.uscc + '"',
    ):
        assert text in html, text
    # Only the original levels are offered (REN-5): 电工 has 4 and 3, never 5.
    assert 'name="scope-2-levels" value="5"' not in html


def test_apply_post_creates_and_redirects(client_as, users, far_filing):
    client = client_as(users[Role.INSTITUTION_ADMIN])
    response = client.post(f"/renewals/apply/{far_filing.pk}/", _post_form(far_filing))
    app = RenewalApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/renewals/{app.pk}/"
    assert [r["occupation_code"] for r in app.materials["scope"]] == [
        "4-03-02-01",
        "4-10-01-05",
        "6-18-02-04",
    ]
    assert app.materials["examiners"] == []
    assert app.materials["managers"][0]["own_staff"] is True
    detail = client.get(response["Location"]).content.decode()
    assert "延续备案申请已提交" in detail and "撤回申请" in detail


def test_apply_errors_keep_the_input(client_as, users, far_filing):
    client = client_as(users[Role.INSTITUTION_ADMIN])
    before = counts()
    data = _post_form(
        far_filing, **{"commitment-accepted": "", "summary-text": "保留的总结", "managers-0-id_number": "123"}
    )
    response = client.post(f"/renewals/apply/{far_filing.pk}/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "请阅读并确认诚信及评价质量承诺" in html
    assert "身份证号应为 18 位(当前 3 位)" in html
    assert "保留的总结" in html and 'value="王主任"' in html
    assert counts() == before


def test_queue_shows_deadline_badges(client_as, users, authority, occupations, django_assert_max_num_queries):
    admin = users[Role.INSTITUTION_ADMIN]
    today = timezone.localdate()
    for i in range(22):
        inst = Institution.objects.create(
            name=f"第{i}技工学校",
            kind="tech_school",
            uscc=f"91360100MA{i:07d}X"[:17] + "0",
            region=authority.region,
            authority=authority,
        )
        filing = make_filing(inst, occupations, number=f"赣备〔2020〕{i}号")
        RenewalApplication.objects.create(
            institution=inst,
            filing=filing,
            authority=authority,
            kind=inst.kind,
            received_on=today,
            expires_on=filing.valid_until,
            decision_workdays=20,
            period_start=filing.valid_from,
            applicant=admin,
            decide_by=today - dt.timedelta(days=1) if i == 0 else today + dt.timedelta(days=60),
        )
    client = client_as(users[Role.AUTHORITY_STAFF])
    with django_assert_max_num_queries(20):
        page = client.get("/renewals/?page_size=50")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("dudao-deadline") == 22
    assert "已逾期" in html and "剩余" in html
    overdue = client.get("/renewals/?deadline=overdue").content.decode()
    assert overdue.count("dudao-deadline") == 1


def test_authority_works_the_application_through_the_pages(client_as, users, filing, evaluators):
    """Accept → open evaluation (the group signs in scorecards) → record outcome → notice downloads."""
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    staff = client_as(users[Role.AUTHORITY_STAFF])
    detail = staff.get(f"/renewals/{app.pk}/").content.decode()
    assert "受理并开始审核" in detail and "已逾期" in detail  # decide_by 2024-10-30 is long past
    before, snapshot = counts(), state(app)
    stale = staff.post(f"/renewals/{app.pk}/accept/", {"row_version": app.row_version - 1}, follow=True)
    assert "数据已被他人修改,请刷新后重试" in stale.content.decode()
    assert (counts(), state(app)) == (before, snapshot)
    assert staff.post(f"/renewals/{app.pk}/accept/", {"row_version": app.row_version}).status_code == 302
    app.refresh_from_db()
    assert app.status == "under_review"
    detail = staff.get(f"/renewals/{app.pk}/").content.decode()
    assert "组织延续备案评估" in detail and "(REN-4)" not in detail
    response = staff.post(
        f"/renewals/{app.pk}/evaluation/",
        {
            "row_version": app.row_version,
            "leader": evaluators["leader"].pk,
            "members": [evaluators["members"][0].pk],
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "evaluating" and app.evaluation_id
    assert f"/scorecards/{app.evaluation_id}/" in staff.get(f"/renewals/{app.pk}/").content.decode()
    run_evaluation(app, f.RECTIFY_DEDUCTIONS, f.RECTIFY_NOTES)
    detail = staff.get(f"/renewals/{app.pk}/").content.decode()
    assert "按评估结果作出决定" in detail and "下发整改通知书,整改后再评估" in detail
    app.refresh_from_db()
    assert staff.post(f"/renewals/{app.pk}/outcome/", {"row_version": app.row_version}).status_code == 302
    app.refresh_from_db()
    assert app.status == "rectifying"
    detail = staff.get(f"/renewals/{app.pk}/").content.decode()
    assert f"整改通知书 {app.notice_number}" in detail and "技能考核场地与备案不一致" in detail
    docx = staff.get(f"/renewals/{app.pk}/documents/notice.docx")
    assert docx.status_code == 200
    assert docx["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    # The institution sees its notice; a stale form changes nothing.
    inst = client_as(users[Role.INSTITUTION_ADMIN])
    assert inst.get(f"/renewals/{app.pk}/documents/notice.docx").status_code == 200
    before, snapshot = counts(), state(app)
    stale = staff.post(f"/renewals/{app.pk}/outcome/", {"row_version": app.row_version - 1}, follow=True)
    assert (
        "数据已被他人修改,请刷新后重试" in stale.content.decode()
        or "没有待记录的评估结果" in stale.content.decode()
    )
    assert (counts(), state(app)) == (before, snapshot)


@pytest.mark.parametrize(
    "url", ["/renewals/{pk}/", "/renewals/{pk}/documents/receipt.pdf", "/renewals/{pk}/attachments/1/"]
)
def test_other_authority_and_institution_get_404(
    client_as, users, filing, other_authority, other_institution, url
):
    from tests import factories as f

    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    for outsider in (
        f.UserFactory(username="gd1", role=Role.AUTHORITY_STAFF, authority=other_authority),
        f.UserFactory(username="gd2", role=Role.INSTITUTION_ADMIN, institution=other_institution),
        users[Role.EXAMINER],
    ):
        assert client_as(outsider).get(url.format(pk=app.pk)).status_code == 404


@pytest.mark.parametrize(
    ("path", "applicant_gets"), [("accept", 403), ("not-accept", 403), ("outcome", 403), ("evaluation", 302)]
)
def test_posting_actions_from_outside_changes_nothing(
    client_as, users, filing, other_authority, path, applicant_gets
):
    from tests import factories as f

    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    before, snapshot = counts(), state(app)
    outsider = f.UserFactory(username="gd1", role=Role.AUTHORITY_STAFF, authority=other_authority)
    response = client_as(outsider).post(
        f"/renewals/{app.pk}/{path}/", {"row_version": app.row_version, "reason": "x", "leader": outsider.pk}
    )
    assert response.status_code == 404
    response = client_as(users[Role.INSTITUTION_ADMIN]).post(
        f"/renewals/{app.pk}/{path}/",
        {"row_version": app.row_version, "reason": "x", "leader": users[Role.INSTITUTION_ADMIN].pk},
    )
    assert response.status_code == applicant_gets  # evaluation: the group form refuses the applicant first
    assert (counts(), state(app)) == (before, snapshot)


def test_config_page_for_authority_admin(client_as, users, authority):
    admin = client_as(users[Role.AUTHORITY_ADMIN])
    assert admin.get("/renewals/settings/").status_code == 200
    response = admin.post(
        "/renewals/settings/", {"renewal_years": "5", "receipt_prefix": "赣延备", "notice_prefix": "赣延整"}
    )
    assert response.status_code == 302
    from dudao.renewals.models import RenewalConfig

    config = RenewalConfig.objects.get(authority=authority)
    assert (config.renewal_years, config.receipt_prefix, config.notice_prefix) == (5, "赣延备", "赣延整")
    assert (config.filing_prefix, config.evaluation_centre_id) == ("备案回执", None)
    # Two-step renewal: a centre of the same region is offered and saved.
    centre = f.AuthorityFactory(region=authority.region, code="JX-CENTRE", name="江西省评估中心")
    assert "江西省评估中心" in admin.get("/renewals/settings/").content.decode()
    response = admin.post(
        "/renewals/settings/",
        {
            "renewal_years": "5",
            "receipt_prefix": "赣延备",
            "notice_prefix": "赣延整",
            "filing_prefix": "赣人社备",
            "evaluation_centre": str(centre.pk),
            "row_version": str(config.row_version),
        },
    )
    assert response.status_code == 302
    config.refresh_from_db()
    assert (config.filing_prefix, config.evaluation_centre_id) == ("赣人社备", centre.pk)
    assert client_as(users[Role.AUTHORITY_STAFF]).get("/renewals/settings/").status_code == 403
    assert client_as(users[Role.INSTITUTION_ADMIN]).get("/renewals/settings/").status_code == 403
