"""Draw pages (issue 4 item 6; RAND-1/2): the wizard define → review → publish → run → lock through the
pages, role access (403 for roles without draw pages, 404 outside the region), and refusals that change
nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.accounts.models import Role
from dudao.common.domain import digest
from dudao.supervision.models import Draw, SupervisionTask
from tests import factories as f
from tests.factories import current_version
from tests.supervision.app_support import TODAY, counts, locked_draw
from tests.supervision.pages_support import FIELD_ROLES, client_for, messages_of, text

pytestmark = pytest.mark.django_db

NEW = "/supervision/draws/new/"


def _form(world, **overrides) -> dict[str, str]:
    data = {
        "title": "第三季度日常督导抽取",
        "period_start": (TODAY + dt.timedelta(days=1)).isoformat(),
        "period_end": (TODAY + dt.timedelta(days=30)).isoformat(),
        "population": "batches",
        "sample_mode": "count",
        "sample_count": "2",
        "task_kind": "daily",
        "group_size": "1",
        "max_tasks": "3",
        "covert_policy": "open",
        "institution_weights": f"{world.institution.uscc} 3",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


WITNESS_VALUES = ("jijian-0123456789abcdef", "gongzheng-0123456789abcdef")


def _add_witnesses(c, draw) -> None:
    """Two witnesses and their commitments through the page (issue 8 §7)."""
    for name, role, value in zip(("纪检甲", "公证乙"), ("discipline", "notary"), WITNESS_VALUES, strict=True):
        response = c.post(
            f"/supervision/draws/{draw.pk}/witnesses/",
            {
                "name": name,
                "role": role,
                "organisation": "",
                "commitment": digest(value, draw.hash_algorithm),
                "row_version": current_version(draw),
            },
        )
        assert response.status_code == 302, response.content.decode()


def test_wizard_through_the_pages(world):
    c = client_for(world.auth_staff)
    assert c.get(NEW).status_code == 200
    response = c.post(NEW, _form(world))
    draw = Draw.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/supervision/draws/{draw.pk}/"
    assert (draw.status, draw.kind, draw.sample_count, draw.task_kind) == ("defined", "external", 2, "daily")
    assert draw.risk_weights == {"institutions": {str(world.institution.pk): 3.0}}

    # Step 2: the scenario summary from both registers (nothing frozen yet).
    page = c.get(f"/supervision/draws/{draw.pk}/")
    preview = page.context["preview"]
    assert (preview["targets"], preview["sample"], preview["supervisors"]) == (3, 2, 6)
    assert (preview["conflicts"], preview["examiners"], preview["slots"], preview["capacity"]) == (
        1,
        1,
        2,
        18,
    )
    assert [(r["id"], r["weight"]) for r in preview["rows"]] == [("PC-A-1", 3), ("PC-A-2", 3), ("PC-B-1", 1)]
    assert "第 3 步 · 公布" in text(page)
    assert 'id="draw-publish" disabled' in page.content.decode()  # no witnesses yet
    assert "须先在左侧登记至少 2 名见证人及其承诺值" in text(page)

    # Witnesses: a malformed commitment stays on the form with its message; two valid ones are registered.
    bad = c.post(
        f"/supervision/draws/{draw.pk}/witnesses/",
        {"name": "纪检甲", "role": "discipline", "commitment": "abc", "row_version": current_version(draw)},
    )
    assert bad.status_code == 422
    assert bad.context["witness_form"].errors["commitment"] == ["须为 64 位十六进制数"]
    assert 'value="纪检甲"' in bad.content.decode()
    _add_witnesses(c, draw)
    page = c.get(f"/supervision/draws/{draw.pk}/")
    assert [w["name"] for w in page.context["d"]["witnesses"]] == ["纪检甲", "公证乙"]
    assert 'id="draw-publish" disabled' not in page.content.decode()

    # Step 3: publish → digests and the seed commitment shown; the seed stays secret.
    response = c.post(f"/supervision/draws/{draw.pk}/publish/", {"row_version": draw.row_version})
    assert response.status_code == 302
    draw.refresh_from_db()
    assert draw.status == "published"
    page = c.get(f"/supervision/draws/{draw.pk}/")
    body = page.content.decode()
    assert draw.scenario_digest in body and draw.seed_commitment in body
    assert draw.seed not in body
    assert "已生成并保密,锁定结果时公开" in text(page)
    assert 'id="draw-run" disabled' in page.content.decode()
    assert "见证人随机值全部录入后才能执行抽取" in text(page)
    refused = c.post(f"/supervision/draws/{draw.pk}/run/", {"row_version": draw.row_version}, follow=True)
    assert messages_of(refused) == ["见证人随机值尚未全部录入(缺:纪检甲、公证乙),不能执行抽取"]

    # At the meeting: a value that does not hash to the commitment is refused and kept on its form.
    first, second = draw.witnesses.order_by("position")
    wrong = c.post(
        f"/supervision/draws/{draw.pk}/witnesses/{first.pk}/reveal/",
        {"value": WITNESS_VALUES[1], "row_version": current_version(draw)},
    )
    assert wrong.status_code == 422
    (row,) = [r for r in wrong.context["witness_rows"] if r["id"] == first.pk]
    assert row["form"].errors["value"] == ["随机值与见证人纪检甲公布的承诺值不符,请核对后重新输入"]
    for witness, value in ((first, WITNESS_VALUES[0]), (second, WITNESS_VALUES[1])):
        done = c.post(
            f"/supervision/draws/{draw.pk}/witnesses/{witness.pk}/reveal/",
            {"value": value, "row_version": current_version(draw)},
        )
        assert done.status_code == 302
    page = c.get(f"/supervision/draws/{draw.pk}/")
    assert 'id="draw-run" disabled' not in page.content.decode()

    # Step 4: run → the result with names; step 5: lock → seed revealed, tasks dispatched.
    c.post(f"/supervision/draws/{draw.pk}/run/", {"row_version": draw.row_version})
    draw.refresh_from_db()
    assert draw.status == "run"
    page = c.get(f"/supervision/draws/{draw.pk}/")
    assert len(page.context["result"]["rows"]) == 2
    assert draw.seed not in page.content.decode()
    c.post(f"/supervision/draws/{draw.pk}/lock/", {"row_version": draw.row_version})
    draw.refresh_from_db()
    assert draw.status == "locked"
    page = c.get(f"/supervision/draws/{draw.pk}/")
    assert draw.seed in page.content.decode()
    assert page.context["d"]["final_seed"] == digest(
        "|".join([draw.seed, *WITNESS_VALUES]), draw.hash_algorithm
    )
    assert [t.number for t in page.context["tasks"]] == [f"{draw.number}-0001", f"{draw.number}-0002"]
    assert SupervisionTask.objects.filter(draw=draw).count() == 2
    scenario = c.get(f"/supervision/draws/{draw.pk}/scenario.json")
    assert scenario.status_code == 200 and scenario.content.decode() == draw.scenario


def test_form_errors_keep_input_and_write_nothing(world):
    c = client_for(world.auth_staff)
    before = counts()
    response = c.post(NEW, _form(world, sample_count="", institution_weights="91360000XXXXXXXXXX 2"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["sample_count"] == ["请填写抽取数量"]
    assert errors["institution_weights"] == ["第 1 行:辖区内没有统一社会信用代码为 91360000XXXXXXXXXX 的机构"]
    # ACT-4 from the service, shown on its field.
    response = c.post(NEW, _form(world, task_kind="special", items=["2.4"], group_size="2"))
    assert response.context["form"].errors["group_reason"] == [
        "专项督导组原则上由 3 名以上督导员组成;人数不足 3 人须填写理由"
    ]
    assert 'value="第三季度日常督导抽取"' in response.content.decode()
    assert counts() == before


def test_empty_population_cannot_be_published(world):
    c = client_for(world.auth_staff)
    late = TODAY + dt.timedelta(days=200)
    c.post(
        NEW, _form(world, period_start=late.isoformat(), period_end=(late + dt.timedelta(days=5)).isoformat())
    )
    draw = Draw.objects.get()
    page = c.get(f"/supervision/draws/{draw.pk}/")
    assert page.context["preview"]["error"].endswith("期间在抽取范围内没有评价批次,无法公布抽取")
    _add_witnesses(c, draw)
    before = counts()
    response = c.post(
        f"/supervision/draws/{draw.pk}/publish/", {"row_version": draw.row_version}, follow=True
    )
    assert messages_of(response)[-1] == page.context["preview"]["error"]
    assert counts() == before


def test_edit_while_defined_with_version_check(world):
    c = client_for(world.auth_staff)
    c.post(NEW, _form(world))
    draw = Draw.objects.get()
    assert c.get(f"/supervision/draws/{draw.pk}/edit/").context["form"].initial["institution_weights"] == (
        f"{world.institution.uscc} 3"
    )
    response = c.post(
        f"/supervision/draws/{draw.pk}/edit/", {**_form(world, title="改名"), "row_version": draw.row_version}
    )
    assert response.status_code == 302
    draw.refresh_from_db()
    assert (draw.title, draw.row_version) == ("改名", 2)
    stale = c.post(f"/supervision/draws/{draw.pk}/edit/", {**_form(world, title="再改"), "row_version": 1})
    assert stale.context["form"].non_field_errors() == ["数据已被他人修改,请刷新后重试"]
    draw.refresh_from_db()
    assert draw.title == "改名"
    _add_witnesses(c, draw)
    c.post(f"/supervision/draws/{draw.pk}/publish/", {"row_version": draw.row_version})
    response = c.get(f"/supervision/draws/{draw.pk}/edit/", follow=True)
    assert messages_of(response)[-1] == "抽取已公布,参数不能再修改"


def test_cancel_before_run(world):
    c = client_for(world.auth_staff)
    c.post(NEW, _form(world))
    draw = Draw.objects.get()
    response = c.post(
        f"/supervision/draws/{draw.pk}/cancel/", {"reason": "", "row_version": draw.row_version}, follow=True
    )
    assert messages_of(response)[-1] == "请填写取消原因"
    c.post(f"/supervision/draws/{draw.pk}/cancel/", {"reason": "参数有误", "row_version": draw.row_version})
    draw.refresh_from_db()
    assert (draw.status, draw.cancel_reason) == ("cancelled", "参数有误")


def test_internal_draw_by_the_institution_admin(world):
    c = client_for(world.inst_admin)
    form = c.get(NEW).context["form"]
    assert "covert_policy" not in form.fields and "institutions" not in form.fields
    response = c.post(NEW, _form(world, institution_weights=None, sample_mode="all", sample_count=""))
    assert response.status_code == 302
    draw = Draw.objects.get()
    assert (draw.kind, draw.institution_id, draw.population) == ("internal", world.institution.pk, "batches")
    # Institution staff see their internal draws but cannot create one.
    staff = client_for(world.inst_staff)
    assert [d.pk for d in staff.get("/supervision/draws/").context["page"].items] == [draw.pk]
    assert staff.get(NEW).status_code == 403


@pytest.mark.parametrize("role", FIELD_ROLES)
def test_field_roles_have_no_draw_pages(world, role):
    draw = locked_draw(world, sample_count=1)
    c = client_for(world.users[role])
    assert c.get("/supervision/draws/").status_code == 403
    assert c.get(NEW).status_code == 403
    assert c.get(f"/supervision/draws/{draw.pk}/").status_code == 403


def test_outside_the_region_is_not_found_and_changes_nothing(world):
    stranger = f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=world.other_authority)
    client_for(world.auth_staff).post(NEW, _form(world))
    draw = Draw.objects.get()
    c = client_for(stranger)
    assert c.get("/supervision/draws/").context["page"].items == []
    assert c.get(f"/supervision/draws/{draw.pk}/").status_code == 404
    before = counts()
    assert c.post(f"/supervision/draws/{draw.pk}/publish/", {"row_version": 1}).status_code == 404
    assert c.post(f"/supervision/draws/{draw.pk}/cancel/", {"reason": "x"}).status_code == 404
    witness = {"name": "纪检甲", "role": "discipline", "commitment": "0" * 64}
    assert c.post(f"/supervision/draws/{draw.pk}/witnesses/", witness).status_code == 404
    assert counts() == before
    # An institution user does not see the authority's external draw either.
    assert client_for(world.inst_admin).get(f"/supervision/draws/{draw.pk}/").status_code == 404


def test_anonymous_is_sent_to_login(world):
    from django.test import Client

    response = Client().get("/supervision/draws/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
