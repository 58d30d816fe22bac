"""Evaluation pages: list, open, fill (htmx per item), evidence, sign, correct, forms; denials."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.accounts.models import Role
from dudao.scorecards import services
from dudao.scorecards.models import Evaluation, ScoreFormVersion
from tests import factories as f
from tests.conftest import client_for
from tests.factories import current_version
from tests.scorecards.conftest import PNG, counts, fill, state
from tests.scorecards.helpers import clean_answers, shipped_text

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def actors(users, evaluators, other_authority):
    gd = f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    return {None: None, **users, **evaluators, "other_region_admin": gd}


def listed(response) -> int:
    """The `共 N 条` count of a list page."""
    return int(re.search(r"共 <strong>(\d+)</strong> 条", response.content.decode()).group(1))


def url(ev, suffix=""):
    return f"/scorecards/{ev.pk}/{suffix}"


def test_fill_page_for_members_and_read_only_record_for_others(actors, opened, evaluators):
    services.evaluation_answer(
        actor=evaluators["leader"], evaluation=opened, item_id="A1.1", value=2, note="缺考务岗"
    )
    page = client_for(evaluators["member"]).get(url(opened))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="dudao-item-form') == 43
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert f'hx-post="/scorecards/{opened.pk}/items/A1.1/"' in html
    assert "3.20<span" in html and "已评 1/43 项" in html and "缺考务岗" in html
    assert "不予备案" in html and "符合" in html  # band range until settled
    leader_html = client_for(evaluators["leader"]).get(url(opened)).content.decode()
    assert "提交评估" in leader_html and 'id="submit-btn" disabled' in leader_html
    admin_html = client_for(actors[Role.AUTHORITY_ADMIN]).get(url(opened)).content.decode()
    assert "dudao-item-form" not in admin_html and "is-readonly" in admin_html
    for role in (Role.INSTITUTION_ADMIN, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER, "other_region_admin"):
        assert client_for(actors[role]).get(url(opened)).status_code == 404, role
    assert client_for(None).get(url(opened)).status_code == 302  # to the login page


def test_item_save_parses_each_kind_and_returns_status_and_live_totals(opened, evaluators):
    client = client_for(evaluators["member"])
    r = client.post(
        url(opened, "items/A1.2/"), {"count": ["1", ""], "note": "未尽职责一项", "item_revision": "0"}, **HTMX
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="item-A1_2-status"' in html and "1.50<span" in html
    assert 'id="live-bar"' in html and 'hx-swap-oob="true"' in html and 'id="sec-A-points"' in html
    ev = Evaluation.objects.get(pk=opened.pk)
    assert (ev.answers, ev.total) == ({"A1.2": [1, 0]}, Decimal("1.50"))
    client.post(url(opened, "items/D1/"), {"value": "true", "item_revision": "0"}, **HTMX)
    client.post(url(opened, "items/A2.1/"), {"count": "0", "item_revision": "0"}, **HTMX)
    # A note-only save keeps the answer; a clear removes it (whole card re-rendered).
    client.post(url(opened, "items/D1/"), {"note": "参与国家题库开发", "item_revision": "1"}, **HTMX)
    ev = Evaluation.objects.get(pk=opened.pk)
    assert (ev.answers, ev.total, ev.notes.get(item_id="D1").note) == (
        {"A1.2": [1, 0], "D1": True, "A2.1": 0},
        Decimal("4.50"),
        "参与国家题库开发",
    )
    r = client.post(url(opened, "items/D1/"), {"clear": "1", "item_revision": "2"}, **HTMX)
    assert (r["HX-Retarget"], r["HX-Reswap"]) == ("#item-D1", "outerHTML")
    assert Evaluation.objects.get(pk=opened.pk).answers == {"A1.2": [1, 0], "A2.1": 0}


def test_item_save_errors_are_shown_and_change_nothing(opened, evaluators):
    client = client_for(evaluators["member"])
    client.post(url(opened, "items/A1.1/"), {"count": "1", "item_revision": "0"}, **HTMX)
    before, snapshot = counts(), state(opened)
    cases = [
        ({"count": "abc", "item_revision": "1"}, "项目 A1.1:答案应为扣分次数(非负整数),收到 &quot;abc&quot;"),
        ({"count": "2", "item_revision": "0"}, "项目 A1.1 已被他人修改,请刷新后重试"),
    ]
    for data, message in cases:
        r = client.post(url(opened, "items/A1.1/"), data, **HTMX)
        assert r.status_code == 200
        assert message in r.content.decode()
    r = client.post(url(opened, "items/Z9/"), {"count": "1"}, **HTMX)
    assert r.status_code == 404
    assert (counts(), state(opened)) == (before, snapshot)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        ("superuser", 403),
        (Role.AUTHORITY_ADMIN, 403),
        (Role.AUTHORITY_STAFF, 403),
        (Role.EXTERNAL_SUPERVISOR, 404),
        (Role.INTERNAL_SUPERVISOR, 404),
        (Role.INSTITUTION_ADMIN, 404),
        (Role.INSTITUTION_STAFF, 404),
        (Role.EXAMINER, 404),
        ("other_region_admin", 404),
    ],
)
def test_page_writes_denied_change_nothing(role, status, actors, opened, evaluators, media_root):
    evidence = services.evaluation_attach_evidence(
        actor=evaluators["member"], evaluation=opened, item_id="A1.1", file=SimpleUploadedFile("a.png", PNG)
    )
    client = client_for(actors[role])
    before, snapshot = counts(), state(opened)
    calls = {
        "item_save": lambda: client.post(
            url(opened, "items/A1.1/"), {"count": "1", "item_revision": "0"}, **HTMX
        ),
        "upload": lambda: client.post(
            url(opened, "evidence/"), {"item_id": "A1.1", "file": SimpleUploadedFile("b.png", PNG)}, **HTMX
        ),
        "delete_evidence": lambda: client.post(url(opened, f"evidence/{evidence.pk}/delete/"), **HTMX),
        "submit": lambda: client.post(url(opened, "submit/"), {"row_version": current_version(opened)}),
        "sign": lambda: client.post(url(opened, "sign/"), {"confirm": "1"}),
        "cancel": lambda: client.post(
            url(opened, "cancel/"), {"reason": "误开", "row_version": current_version(opened)}
        ),
    }
    expected = {name: status for name in calls}
    if role in ("superuser", Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF):
        # Visible but not theirs to fill: 403; workflow refusals come back as a message on the page.
        expected.update({"sign": 200, "cancel": 302})
    for name, call in calls.items():
        response = call()
        assert response.status_code == expected[name], (name, response.status_code)
        if name != "cancel" or expected[name] != 302:
            assert (counts(), state(opened)) == (before, snapshot), name
    download = client.get(url(opened, f"evidence/{evidence.pk}/"))
    assert download.status_code == (200 if status == 403 else status)


def test_evidence_upload_download_and_rejection_on_the_page(opened, evaluators, media_root, actors):
    client = client_for(evaluators["member"])
    r = client.post(
        url(opened, "evidence/"), {"item_id": "B4.5", "file": SimpleUploadedFile("考场.png", PNG)}, **HTMX
    )
    html = r.content.decode()
    assert r.status_code == 200 and 'id="item-B4_5-evidence"' in html and "考场.png" in html
    evidence = opened.evidence.get()
    before = counts()
    r = client.post(
        url(opened, "evidence/"), {"item_id": "B4.5", "file": SimpleUploadedFile("x.jpg", b"text")}, **HTMX
    )
    assert "文件「x.jpg」的内容与扩展名不符" in r.content.decode()
    assert counts() == before
    download = client.get(url(opened, f"evidence/{evidence.pk}/"))
    assert (download.status_code, download["Content-Type"], b"".join(download.streaming_content)) == (
        200,
        "image/png",
        PNG,
    )
    assert download["Content-Disposition"].startswith('inline; filename="')
    assert (
        client_for(actors[Role.INSTITUTION_ADMIN]).get(url(opened, f"evidence/{evidence.pk}/")).status_code
        == 404
    )
    assert client.get(url(opened, "evidence/999/")).status_code == 404


def test_submit_sign_and_correct_through_the_pages(opened, evaluators, actors):
    leader, member = client_for(evaluators["leader"]), client_for(evaluators["member"])
    r = leader.post(url(opened, "submit/"), {"row_version": current_version(opened)}, follow=True)
    assert "项目 A1.1:缺少答案(共 43 处错误)" in r.content.decode()
    fill(opened, evaluators["member"], clean_answers("CQ-RENEWAL"))
    r = leader.post(url(opened, "submit/"), {"row_version": current_version(opened)}, follow=True)
    assert "评估已提交,请评估组成员逐一签名确认" in r.content.decode()
    ev = Evaluation.objects.get(pk=opened.pk)
    sign_page = member.get(url(ev, "sign/")).content.decode()
    assert "签名确认" in sign_page and ev.content_digest in sign_page and "96.00" in sign_page
    r = member.post(url(ev, "sign/"), {"content_digest": ev.content_digest})
    assert "请先勾选确认已核对评估内容" in r.content.decode()
    r = member.post(url(ev, "sign/"), {"content_digest": "sm3:old", "confirm": "1"})
    assert "评估内容已变化,请刷新后重新核对再签名" in r.content.decode()
    assert (
        member.post(url(ev, "sign/"), {"content_digest": ev.content_digest, "confirm": "1"}).status_code
        == 302
    )
    r = leader.post(url(ev, "sign/"), {"content_digest": ev.content_digest, "confirm": "1"}, follow=True)
    assert "评估组全部成员已签名,评估已签署" in r.content.decode()
    assert Evaluation.objects.get(pk=ev.pk).status == "signed"
    # The evaluated institution reads the signed record; it cannot correct it.
    inst = client_for(actors[Role.INSTITUTION_STAFF])
    record = inst.get(url(ev)).content.decode()
    assert "已签署" in record and "发起更正" not in record and "版本记录" in record
    assert inst.post(url(ev, "correct/"), {"reason": "x"}).status_code == 403
    admin = client_for(actors[Role.AUTHORITY_ADMIN])
    assert "发起更正" in admin.get(url(ev)).content.decode()
    empty = admin.post(url(ev, "correct/"), {"reason": " "})
    assert (empty.status_code, Evaluation.objects.filter(previous=ev).count()) == (200, 0)
    r = admin.post(url(ev, "correct/"), {"reason": "B4.5 复核"})
    new = Evaluation.objects.get(previous=ev)
    assert (r.status_code, r["Location"], new.version_no) == (302, f"/scorecards/{new.pk}/", 2)
    page = admin.get(url(new)).content.decode()
    assert "更正原因:B4.5 复核" in page and f"第 1 版 · {ev.pk} 号" in page


def test_open_page(actors, institution, evaluators, forms_loaded):
    admin = client_for(actors[Role.AUTHORITY_ADMIN])
    page = admin.get(f"/scorecards/new/?institution={institution.pk}&purpose=renewal").content.decode()
    assert "发起评估" in page and institution.name in page and "李组长" in page
    before = counts()
    r = admin.post(
        "/scorecards/new/",
        {
            "institution": institution.pk,
            "form_id": "CQ-RENEWAL",
            "purpose": "renewal",
            "leader": evaluators["leader"].pk,
            "members": [actors[Role.INSTITUTION_ADMIN].pk],
        },
    )
    assert r.status_code == 200 and counts() == before  # institution admin is not even offered
    r = admin.post(
        "/scorecards/new/",
        {
            "institution": institution.pk,
            "form_id": "CQ-RENEWAL",
            "purpose": "renewal",
            "leader": evaluators["leader"].pk,
            "members": [evaluators["member"].pk],
            "note": "现场评估",
        },
    )
    ev = Evaluation.objects.get()
    assert (r.status_code, r["Location"], ev.note, ev.leader) == (
        302,
        f"/scorecards/{ev.pk}/",
        "现场评估",
        evaluators["leader"],
    )
    for role in (Role.INSTITUTION_ADMIN, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER):
        assert client_for(actors[role]).get("/scorecards/new/").status_code == 403


def test_list_page_scope_and_query_count(
    actors, evaluators, authority, forms_loaded, other_institution, django_assert_max_num_queries
):
    admin = actors[Role.AUTHORITY_ADMIN]
    for _i in range(25):
        inst = f.InstitutionFactory(authority=authority, region=authority.region)
        services.evaluation_open(
            actor=admin,
            institution=inst,
            form_id="QC-STATION",
            purpose="annual_inspection",
            leader=evaluators["leader"],
        )
    gd_leader = f.UserFactory(
        username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_institution.authority
    )
    services.evaluation_open(
        actor=actors["other_region_admin"],
        institution=other_institution,
        form_id="QC-STATION",
        purpose="other",
        leader=gd_leader,
    )
    client = client_for(admin)
    with django_assert_max_num_queries(12):
        page = client.get("/scorecards/?page_size=50")
    html = page.content.decode()
    assert listed(page) == 25 and other_institution.name not in html
    assert listed(client_for(actors[Role.EXAMINER]).get("/scorecards/")) == 0
    assert listed(client_for(actors["other_region_admin"]).get("/scorecards/")) == 1
    assert listed(client_for(evaluators["member"]).get("/scorecards/")) == 0
    assert listed(client_for(evaluators["leader"]).get("/scorecards/?page_size=10")) == 25


def test_form_pages_and_loading_a_new_version(actors, forms_loaded):
    admin = client_for(actors[Role.AUTHORITY_ADMIN])
    page = admin.get("/scorecards/forms/").content.decode()
    assert "CQ-RENEWAL" in page and "QC-STATION" in page and "载入新版本" in page
    assert (
        "载入新版本"
        not in client_for(actors[Role.AUTHORITY_STAFF]).get("/scorecards/forms/").content.decode()
    )
    v2 = shipped_text("QC-STATION").replace("version: 1", "version: 2", 1)
    before = counts()
    assert (
        client_for(actors[Role.AUTHORITY_STAFF]).post("/scorecards/forms/", {"definition": v2}).status_code
        == 403
    )
    bad = admin.post(
        "/scorecards/forms/",
        {"file": SimpleUploadedFile("qc.yaml", v2.replace("max: 30", "max: 31").encode())},
    )
    assert "评估表定义有 1 处错误,未载入" in bad.content.decode() and "sections[0]" in bad.content.decode()
    assert counts() == before
    r = admin.post("/scorecards/forms/", {"file": SimpleUploadedFile("qc.yaml", v2.encode())})
    assert (r.status_code, r["Location"]) == (302, "/scorecards/forms/QC-STATION/?version=2")
    assert ScoreFormVersion.objects.get(form_id="QC-STATION", is_current=True).version == 2
    detail = admin.get("/scorecards/forms/QC-STATION/?version=1").content.decode()
    assert "第 1 版" in detail and "第 2 版" in detail and "没有制度" in detail


def test_signed_evaluation_page_shows_versions_and_blocks_edits(opened, evaluators, actors):
    ev = f.evaluation_advance(opened, "signed")
    html = client_for(evaluators["member"]).get(url(ev)).content.decode()
    assert "dudao-item-form" not in html and "96.00" in html and "无扣分" in html
    before, snapshot = counts(), state(ev)
    r = client_for(evaluators["member"]).post(
        url(ev, "items/A1.1/"), {"count": "1", "item_revision": "0"}, **HTMX
    )
    assert "评估已签署,不能修改;如需更正,请发起更正(生成新版本)" in r.content.decode()
    assert (counts(), state(ev)) == (before, snapshot)
