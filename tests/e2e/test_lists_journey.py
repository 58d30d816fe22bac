"""Issue 9 §3.8–3.9 in the browser: the 机构档案 page with a supervision history, a sortable list, and the
institution admin's user administration (create an account, open it, see the reset and role forms)."""

from __future__ import annotations

import pytest

from dudao.accounts.models import User
from dudao.supervision import services
from tests.e2e.conftest import login, shot
from tests.supervision.conftest import media_root_fixture, world_fixture  # noqa: F401
from tests.supervision.documents_support import SpecialTask

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_institution_record_and_sorted_list(page, world, media_root):
    special = SpecialTask(world)
    special.final(defence=True)
    services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="public_criticism",
        ground="other",
        description="考场管理混乱",
    )
    login(page, "auth_staff")
    page.goto("/registry/institutions/")
    page.get_by_role("link", name="机构名称").click()
    page.wait_for_url("**sort=name*")
    assert page.locator("th[aria-sort=ascending]").inner_text().strip().startswith("机构名称")
    row = page.locator("tbody tr", has_text=world.institution.name)
    row.get_by_role("link", name="档案").click()
    page.wait_for_url(f"**/institutions/{world.institution.pk}/record/")
    body = page.locator("body").inner_text()
    for text in (
        "备案",
        "评价批次",
        "督导记录",
        "督导发现的问题",
        "整改",
        "延续备案",
        "处理决定",
        "第二考场未设视频监控",
    ):
        assert text in body, text
    shot(page, "institution-record")


def test_institution_admin_creates_an_account(page, world):
    login(page, "inst_admin")
    page.goto("/")
    page.get_by_role("link", name="账号管理").first.click()
    page.wait_for_url("**/accounts/users/")
    shot(page, "user-admin-list")
    page.get_by_role("link", name="新增账号").click()
    page.fill("input[name=username]", "zhang_san")
    page.fill("input[name=display_name]", "张三")
    page.select_option("select[name=role]", "institution_staff")
    page.fill("input[name=password]", "Zq!8-long-enough")
    page.fill("input[name=password2]", "Zq!8-long-enough")
    shot(page, "user-admin-create")
    page.get_by_role("button", name="创建账号").click()
    page.wait_for_url("**/accounts/users/*/")
    assert "本人首次登录时须修改初始密码" in page.locator("body").inner_text()
    assert User.objects.get(username="zhang_san").must_change_password is True
    shot(page, "user-admin-detail")
