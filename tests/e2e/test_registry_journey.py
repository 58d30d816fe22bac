"""Issue 2 journey: an authority staff member logs in, searches institutions, opens one, imports an
Excel file with one bad row and sees the row-level error; nothing is imported (all or nothing)."""

from __future__ import annotations

import io

import pytest
import xlsxwriter

from dudao.accounts.models import Role
from dudao.registry.models import Institution
from tests import factories as f
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _workbook(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("评价机构")
    headers = ["机构名称", "机构类型", "统一社会信用代码", "所在区划代码"]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            sheet.write_string(r, col, value)
    book.close()
    return buffer.getvalue()


@pytest.fixture
def world():
    province = f.RegionFactory(code="360000", name="江西省", kind="province")
    authority = f.AuthorityFactory(region=province, name="江西省职业技能鉴定指导中心", card_issuer_code="36")
    for i in range(23):
        f.InstitutionFactory(authority=authority, region=province, name=f"南昌第{i}职业培训学校")
    target = f.InstitutionFactory(
        authority=authority, region=province, name="赣州市高级技工学校", kind=Institution.Kind.TECH_SCHOOL
    )
    f.FilingFactory(institution=target, authority=authority, number="赣人社鉴备〔2024〕7号")
    f.UserFactory(username="staff1", role=Role.AUTHORITY_STAFF, authority=authority, display_name="李科员")
    return target


def test_search_open_and_import_with_one_bad_row(page, world, tmp_path):
    login(page, "staff1")
    page.goto("/registry/institutions/")
    page.fill("input[name=q]", "赣州")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**q=*")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "赣州市高级技工学校" in rows.first.inner_text()
    shot(page, "registry-search")

    page.get_by_role("link", name="赣州市高级技工学校").first.click()
    page.wait_for_url(f"**/registry/institutions/{world.pk}/")
    body = page.locator("body").inner_text()
    assert "赣人社鉴备〔2024〕7号" in body
    assert world.uscc in body
    shot(page, "registry-detail")

    good = f.make_uscc(900)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check character
    upload = tmp_path / "机构导入.xlsx"
    upload.write_bytes(
        _workbook(
            [
                ["吉安市家政服务职业培训学校", "社会培训评价组织", good, "360000"],
                ["九江市烹饪职业培训学校", "社会培训评价组织", bad, "360000"],
            ]
        )
    )
    before = Institution.objects.count()
    page.goto("/registry/institutions/import/")
    page.set_input_files("input[type=file][name=file]", str(upload))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    errors = page.locator("table.dudao-import-errors tbody tr")
    errors.first.wait_for()
    assert errors.count() == 1
    cells = errors.first.locator("td").all_inner_texts()
    assert cells[0] == "3"
    assert cells[1] == "统一社会信用代码"  # the column, then the value as filled, then the message
    assert cells[2] == "91360100MA00009000"
    assert "统一社会信用代码" in cells[3] or "校验" in cells[3]
    shot(page, "registry-import-error")
    assert Institution.objects.count() == before
    assert not Institution.objects.filter(name="吉安市家政服务职业培训学校").exists()
