"""Registry pages: every page per role (200 / 403 / 404), anonymous → login, forms keep input on error."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.registry import models as rm
from tests import factories as f
from tests.conftest import client_for
from tests.registry.conftest import counts, local

pytestmark = pytest.mark.django_db
ROLES = [
    "superuser",
    Role.AUTHORITY_ADMIN,
    Role.AUTHORITY_STAFF,
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_STAFF,
    Role.EXTERNAL_SUPERVISOR,
    Role.INTERNAL_SUPERVISOR,
    Role.EXAMINER,
]
SU, AA, AS, IA, IS, ES, IN, EX = ROLES
EVERYONE = dict.fromkeys(ROLES, 200)
REGISTER_VIEW = {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 404, IN: 404, EX: 404}


@pytest.fixture
def page_world(institution, filing, venue, welder, examiner):
    batch = rm.Batch.objects.create(
        code="PC-PAGE",
        institution=institution,
        filing=filing,
        occupation=welder,
        levels=[4],
        starts_at=local(2025, 5, 1, 9),
        ends_at=local(2025, 5, 1, 17),
        venue=venue,
        team_leader=examiner,
    )
    batch.examiners.set([examiner])
    return {
        "institution": institution,
        "filing": filing,
        "venue": venue,
        "batch": batch,
        "occupation": welder,
        "scope": filing.scopes.get(),
    }


PAGES = [
    # (url name, kwargs key or None, query, expected per role)
    ("institution_list", None, "", EVERYONE),
    ("institution_list", None, "?q=测试&kind=social_org&status=active&region=360000", EVERYONE),
    ("institution_detail", "institution", "", REGISTER_VIEW),
    (
        "institution_create",
        None,
        "",
        {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403},
    ),
    (
        "institution_edit",
        "institution",
        "",
        {SU: 200, AA: 200, AS: 200, IA: 200, IS: 403, ES: 404, IN: 404, EX: 404},
    ),
    (
        "institution_import",
        None,
        "",
        {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403},
    ),
    ("institution_export", None, "", EVERYONE),
    ("filing_list", None, "?status=active", EVERYONE),
    ("filing_detail", "filing", "", REGISTER_VIEW),
    ("filing_create", None, "", {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403}),
    ("filing_edit", "filing", "", {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404}),
    (
        "filing_scope_add",
        "filing",
        "",
        {SU: 200, AA: 200, AS: 200, IA: 403, IS: 403, ES: 404, IN: 404, EX: 404},
    ),
    ("batch_list", None, "?start_from=2025-01-01&start_to=2025-12-31", EVERYONE),
    ("batch_detail", "batch", "", REGISTER_VIEW),
    ("batch_create", None, "", {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 403, IN: 403, EX: 403}),
    ("batch_edit", "batch", "", {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 404, IN: 404, EX: 404}),
    ("batch_export", None, "", EVERYONE),
    ("venue_list", None, "", EVERYONE),
    ("venue_create", None, "", {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 403, IN: 403, EX: 403}),
    ("venue_import", None, "", {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 403, IN: 403, EX: 403}),
    ("venue_edit", "venue", "", {SU: 200, AA: 200, AS: 200, IA: 200, IS: 200, ES: 404, IN: 404, EX: 404}),
    ("occupation_list", None, "?verified=1", EVERYONE),
    ("occupation_create", None, "", {SU: 200, AA: 200, AS: 403, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403}),
    (
        "occupation_edit",
        "occupation",
        "",
        {SU: 200, AA: 200, AS: 403, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403},
    ),
    ("occupation_import", None, "", {SU: 200, AA: 200, AS: 403, IA: 403, IS: 403, ES: 403, IN: 403, EX: 403}),
    ("occupation_export", None, "", EVERYONE),
    ("authority_list", None, "", EVERYONE),
]


def _url(name, key, query, world):
    kwargs = {"pk": world[key].pk} if key else {}
    return reverse(f"registry:{name}", kwargs=kwargs) + query


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,key,query,expected", PAGES, ids=[f"{p[0]}{p[2][:8]}" for p in PAGES])
def test_page_status(users, page_world, role, name, key, query, expected):
    response = client_for(users[role]).get(_url(name, key, query, page_world))
    assert response.status_code == expected[role]


@pytest.mark.parametrize("name,key,query,expected", PAGES, ids=[f"{p[0]}{p[2][:8]}" for p in PAGES])
def test_anonymous_redirected_to_login(client, page_world, name, key, query, expected):
    response = client.get(_url(name, key, query, page_world))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_other_province_detail_is_404(users, other_institution):
    response = client_for(users[AA]).get(reverse("registry:institution_detail", args=[other_institution.pk]))
    assert response.status_code == 404


def test_lists_show_rows(users, page_world):
    client = client_for(users[AS])
    html = client.get(reverse("registry:institution_list")).content.decode()
    assert page_world["institution"].name in html and "JX-BA-0001" in html
    html = client.get(reverse("registry:batch_list")).content.decode()
    assert "PC-PAGE" in html and "四级/中级工" in html
    html = client.get(reverse("registry:occupation_list")).content.decode()
    assert "已核实" in html and "6-18-02-04" in html
    html = client.get(reverse("registry:filing_detail", args=[page_world["filing"].pk])).content.decode()
    assert "五级/初级工、四级/中级工、三级/高级工" in html and "变更状态" in html


def test_batch_create_out_of_scope_inline_and_keeps_input(users, page_world, cook):
    client = client_for(users[IS])
    before = counts()
    response = client.post(
        reverse("registry:batch_create"),
        {
            "institution": page_world["institution"].pk,
            "occupation": cook.pk,
            "levels": ["4"],
            "starts_at": "2025-06-01T09:00",
            "ends_at": "2025-06-01T17:00",
            "venue": page_world["venue"].pk,
            "candidate_count": "12",
            "work_type": "川菜",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "职业「中式烹调师」不在备案 JX-BA-0001 的认定范围内" in html
    assert 'value="川菜"' in html and 'value="12"' in html and 'value="2025-06-01T09:00"' in html
    assert counts() == before


def test_batch_create_page_flow(users, page_world, examiner):
    client = client_for(users[IS])
    response = client.post(
        reverse("registry:batch_create"),
        {
            "institution": page_world["institution"].pk,
            "occupation": page_world["occupation"].pk,
            "levels": ["5", "4"],
            "starts_at": "2025-06-01T09:00",
            "ends_at": "2025-06-01T17:00",
            "venue": page_world["venue"].pk,
            "candidate_count": "20",
            "examiners": [str(examiner.pk)],
            "team_leader": str(examiner.pk),
        },
    )
    batch = rm.Batch.objects.get(code="PC202506010001")
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:batch_detail", args=[batch.pk]
    )
    assert (batch.levels, batch.candidate_count, batch.team_leader_id) == ([5, 4], 20, examiner.pk)


def test_institution_create_duplicate_uscc_inline(users, institution):
    client = client_for(users[AA])
    before = counts()
    response = client.post(
        reverse("registry:institution_create"),
        {
            "name": "重复机构",
            "kind": "employer",
            "uscc": institution.uscc,
            "region": "360000",
            "authority": str(institution.authority_id),
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"统一社会信用代码 {institution.uscc} 已被机构「{institution.name}」使用" in html
    assert 'value="重复机构"' in html
    assert counts() == before


def test_institution_admin_edits_contact(users, institution):
    client = client_for(users[IA])
    response = client.post(
        reverse("registry:institution_edit", args=[institution.pk]),
        {
            "row_version": "1",
            "address": "新地址 8 号",
            "contact_name": "李四",
            "contact_phone": "13912345678",
            "legal_representative": "王五",
        },
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert (institution.address, institution.contact_name, institution.row_version) == (
        "新地址 8 号",
        "李四",
        2,
    )


def test_filing_status_and_scope_end_pages(users, page_world):
    client = client_for(users[AS])
    filing, scope = page_world["filing"], page_world["scope"]
    before = counts()
    response = client.post(
        reverse("registry:filing_status", args=[filing.pk]),
        {"status": "suspended", "reason": "", "row_version": "1"},
    )
    assert response.status_code == 200  # reason required: refused on the page itself, nothing changed
    assert counts() == before
    filing.refresh_from_db()
    assert filing.status == "active"
    client.post(
        reverse("registry:filing_status", args=[filing.pk]),
        {"status": "suspended", "reason": "督导发现问题", "row_version": "1"},
    )
    filing.refresh_from_db()
    assert (filing.status, filing.status_reason) == ("suspended", "督导发现问题")
    client.post(
        reverse("registry:scope_end", args=[scope.pk]), {"ended_on": "2026-01-01", "row_version": "1"}
    )
    scope.refresh_from_db()
    assert str(scope.ended_on) == "2026-01-01"
    response = client_for(users[IA]).post(reverse("registry:scope_end", args=[scope.pk]), {"ended_on": ""})
    assert response.status_code == 403


def test_export_follows_filters(users, page_world, other_institution):
    from dudao.common.excel import read_rows
    from dudao.registry.excel import INSTITUTION_EXPORT_COLUMNS

    f.InstitutionFactory(
        authority=page_world["institution"].authority, name="另一家技工院校", kind="tech_school"
    )
    response = client_for(users[AS]).get(reverse("registry:institution_export") + "?kind=tech_school")
    rows = read_rows(response.content, INSTITUTION_EXPORT_COLUMNS)
    assert [r["name"] for _n, r in rows] == ["另一家技工院校"]


@pytest.mark.parametrize(
    "model", ["region", "authority", "occupation", "institution", "filing", "venue", "batch"]
)
def test_admin_read_only(users, page_world, model):
    client = client_for(users[SU])
    assert client.get(f"/admin/registry/{model}/").status_code == 200
    assert client.get(f"/admin/registry/{model}/add/").status_code == 403


# ------------------------------------------------------------------ review fixes (L5, L7, L10, L11, L4)
def test_filing_status_refusal_keeps_status_and_reason(users, page_world):
    """L5: the chosen status and the typed text stay on the page with the error; nothing is written."""
    filing = page_world["filing"]
    before = counts()
    response = client_for(users[AS]).post(
        reverse("registry:filing_status", args=[filing.pk]),
        {"status": "suspended", "reason": "  ", "row_version": "1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "变更为「暂停」须填写原因" in html
    assert '<option value="suspended" selected>暂停</option>' in html
    assert counts() == before
    # A stale version: the conflict message, the typed reason kept.
    response = client_for(users[AS]).post(
        reverse("registry:filing_status", args=[filing.pk]),
        {"status": "rectifying", "reason": "督导发现三处问题", "row_version": "7"},
    )
    html = response.content.decode()
    assert "数据已被他人修改,请刷新后重试" in html and 'value="督导发现三处问题"' in html
    assert '<option value="rectifying" selected>整改期</option>' in html
    assert counts() == before


def test_batch_cancel_refusal_keeps_reason(users, page_world):
    batch = page_world["batch"]
    client = client_for(users[IS])
    before = counts()
    response = client.post(
        reverse("registry:batch_cancel", args=[batch.pk]), {"reason": "考生人数不足", "row_version": "9"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "数据已被他人修改,请刷新后重试" in html and 'value="考生人数不足"' in html
    response = client.post(
        reverse("registry:batch_cancel", args=[batch.pk]), {"reason": "", "row_version": "1"}
    )
    assert response.status_code == 200 and "取消原因" in response.content.decode()
    assert counts() == before
    batch.refresh_from_db()
    assert batch.status == "planned"


@pytest.mark.parametrize("status,label", [("cancelled", "已取消"), ("completed", "已完成")])
def test_closed_batch_edit_page_refused(users, page_world, status, label):
    """L7: a cancelled or completed batch's edit page says why and shows no form; POST changes nothing."""
    batch = page_world["batch"]
    rm.Batch.objects.filter(pk=batch.pk).update(status=status)
    client = client_for(users[IS])
    response = client.get(reverse("registry:batch_edit", args=[batch.pk]), follow=True)
    assert response.redirect_chain == [(reverse("registry:batch_detail", args=[batch.pk]), 302)]
    html = response.content.decode()
    assert f"批次状态为「{label}」,不能修改" in html and 'name="candidate_count"' not in html
    before = counts()
    response = client.post(
        reverse("registry:batch_edit", args=[batch.pk]), {"candidate_count": "9", "row_version": "1"}
    )
    assert response.status_code == 302
    assert counts() == before


def test_pages_show_no_rule_ids(users, page_world):
    """L10: rule ids stay in code and tests; the batch form and filing page speak plain Chinese."""
    client = client_for(users[AS])
    for url in (
        reverse("registry:batch_create") + f"?institution={page_world['institution'].pk}",
        reverse("registry:batch_edit", args=[page_world["batch"].pk]),
        reverse("registry:filing_detail", args=[page_world["filing"].pk]),
        reverse("registry:institution_create"),
    ):
        html = client.get(url).content.decode()
        for rule in ("INST-", "EXAM-", "SUP-", "REN-", "OCC-"):
            assert rule not in html, (url, rule)


def test_out_of_scope_institution_in_create_pages_is_404(users, page_world, authority):
    """L4 (registry): another institution's id in a create call → 404, nothing written."""
    sibling = f.InstitutionFactory(authority=authority, region=authority.region)
    client = client_for(users[IA])
    before = counts()
    assert client.get(reverse("registry:batch_create") + f"?institution={sibling.pk}").status_code == 404
    response = client.post(
        reverse("registry:batch_create"),
        {"institution": sibling.pk, "occupation": page_world["occupation"].pk, "levels": ["4"]},
    )
    assert response.status_code == 404
    search = reverse("registry:batch_examiner_search") + f"?institution={sibling.pk}"
    assert client.get(search).status_code == 404
    assert counts() == before


# ------------------------------------------------------------------ L11: searchable examiner picker
def _search(client, institution, **params):
    from urllib.parse import urlencode

    query = urlencode({"institution": institution.pk, **params}, doseq=True)
    return client.get(reverse("registry:batch_examiner_search") + "?" + query, HTTP_HX_REQUEST="true")


def test_examiner_search_by_name_and_card_number(users, page_world, examiner, welder):
    from tests.registry.conftest import make_examiner

    lost = make_examiner(welder, status="lost", name="李挂失")
    make_examiner(welder, levels=(5,), name="钱初级")
    cook_only = make_examiner(f.OccupationFactory(code="4-03-02-01"), name="王厨师")
    client = client_for(users[IS])
    institution = page_world["institution"]
    html = _search(client, institution, examiner_q="王考评").content.decode()
    assert "王考评" in html and "钱初级" not in html and "data-add-examiner" in html
    card = examiner.cards.get().number
    html = _search(client, institution, examiner_q=card[-4:]).content.decode()
    assert "王考评" in html and f"证卡 {card}" in html
    # Nobody outside the filed scope, nobody without a valid card, nobody already chosen.
    html = _search(client, institution).content.decode()
    assert "王考评" in html and "钱初级" in html
    assert "王厨师" not in html and "李挂失" not in html
    html = _search(client, institution, examiners=[examiner.pk]).content.decode()
    assert "王考评" not in html and "钱初级" in html
    assert lost.pk and cook_only.pk


def test_examiner_search_checks_the_batch_being_typed(users, page_world, examiner, welder):
    from tests.registry.conftest import make_examiner

    low = make_examiner(welder, levels=(5,), name="钱初级")
    client = client_for(users[IS])
    params = {
        "occupation": welder.pk,
        "levels": ["4"],
        "starts_at": "2025-06-01T09:00",
        "ends_at": "2025-06-01T17:00",
    }
    html = _search(client, page_world["institution"], **params).content.decode()
    assert "逐一校验证卡" not in html  # complete: checked
    card = low.cards.get().number
    assert f"不能参加本批次:证卡 {card}:证卡考评范围不含等级 四级/中级工" in html
    # The eligible examiner comes first and can be added; the other cannot.
    assert html.index("王考评") < html.index("钱初级")
    assert html.count("data-add-examiner") == 1
    html = _search(client, page_world["institution"], occupation=welder.pk).content.decode()
    assert "逐一校验证卡" in html and html.count("data-add-examiner") == 2


def test_examiner_search_query_count(users, page_world, welder, django_assert_max_num_queries):
    from tests.registry.conftest import make_examiner

    for i in range(25):
        make_examiner(welder, name=f"考评员{i:02d}")
    client = client_for(users[IS])
    params = {
        "occupation": welder.pk,
        "levels": ["4"],
        "starts_at": "2025-06-01T09:00",
        "ends_at": "2025-06-01T17:00",
    }
    with django_assert_max_num_queries(16):
        html = _search(client, page_world["institution"], **params).content.decode()
    assert html.count("data-add-examiner") == 20 and "只显示前 20 名" in html


def test_batch_form_picker_keeps_chosen_examiners_and_leader(users, page_world, examiner, welder, cook):
    """The picker re-renders the chosen examiners (hidden inputs + 组长 radio) after a refused save."""
    client = client_for(users[IS])
    response = client.post(
        reverse("registry:batch_create"),
        {
            "institution": page_world["institution"].pk,
            "occupation": cook.pk,  # not filed: refused
            "levels": ["4"],
            "starts_at": "2025-06-01T09:00",
            "ends_at": "2025-06-01T17:00",
            "venue": page_world["venue"].pk,
            "candidate_count": "3",
            "examiners": [str(examiner.pk)],
            "team_leader": str(examiner.pk),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<input type="hidden" name="examiners" value="{examiner.pk}">' in html
    assert f'name="team_leader" value="{examiner.pk}" checked' in html
    assert "按住 Ctrl" not in html and "hx-get=" in html
    # The edit page starts with the batch's examiners and leader.
    html = client.get(reverse("registry:batch_edit", args=[page_world["batch"].pk])).content.decode()
    assert f'<input type="hidden" name="examiners" value="{examiner.pk}">' in html
    assert f'name="team_leader" value="{examiner.pk}" checked' in html


def test_batch_edit_removes_all_examiners(users, page_world, examiner):
    batch = page_world["batch"]
    response = client_for(users[IS]).post(
        reverse("registry:batch_edit", args=[batch.pk]),
        {
            "occupation": batch.occupation_id,
            "levels": ["4"],
            "starts_at": "2025-05-01T09:00",
            "ends_at": "2025-05-01T17:00",
            "venue": batch.venue_id,
            "candidate_count": "0",
            "team_leader": "",
            "row_version": "1",
        },
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (list(batch.examiners.all()), batch.team_leader_id) == ([], None)


# ------------------------------------------------------------------ venue import page (issue 9 §1)
@pytest.mark.parametrize(("role", "shown"), [(AS, True), (IA, True), (ES, False), (EX, False)])
def test_venue_list_links_the_import_page_for_roles_that_create_venues(users, role, shown):
    page = client_for(users[role]).get(reverse("registry:venue_list")).content.decode()
    assert (reverse("registry:venue_import") in page) is shown


def test_venue_import_page_template_and_all_or_nothing(users, institution):
    from dudao.common.excel import export_workbook
    from dudao.registry.imports import VENUE_COLUMNS

    client = client_for(users[IA])
    url = reverse("registry:venue_import")
    template = client.get(url, {"template": "1"})
    assert template.status_code == 200
    assert template["Content-Disposition"].startswith("attachment")
    rows = [
        {"institution_uscc": institution.uscc, "name": "导入考场一"},
        {"institution_uscc": institution.uscc, "name": "导入考场二", "room_count": 0},
    ]
    before = counts()
    upload = SimpleUploadedFile("v.xlsx", export_workbook(VENUE_COLUMNS, rows, sheet_name="考核场所"))
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["import_errors"]] == [(3, "考场数")]
    assert counts() == before
    upload = SimpleUploadedFile("v.xlsx", export_workbook(VENUE_COLUMNS, rows[:1], sheet_name="考核场所"))
    response = client.post(url, {"file": upload})
    assert response.status_code == 302 and response["Location"] == reverse("registry:venue_list")
    assert rm.Venue.objects.filter(name="导入考场一", institution=institution).exists()
