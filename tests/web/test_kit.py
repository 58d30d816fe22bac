"""Page kit (dudao/web/kit.py): template tags, partials, list_page, export_response, htmx_or_full,
import_view."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import python_calamine
import xlsxwriter
from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from dudao.common.models import AuditEvent
from dudao.common.pagination import Page
from dudao.registry.models import Region
from dudao.web.kit import export_response, list_page
from dudao.web.templatetags.dudao import level_names, page_links, qs_replace, status_color, ymd, ymdhm
from tests import factories as f

TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture
def kit_urls(settings):
    settings.ROOT_URLCONF = "tests.web.urls_kit"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(TEMPLATES_DIR)]}]


def xlsx(rows):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


# ----------------------------------------------------------------------------------- tags


def test_qs_replace_keeps_other_parameters_and_removes_empty_ones():
    request = RequestFactory().get("/x/", {"q": "机构", "status": "active", "page": "3"})
    context = {"request": request}
    assert qs_replace(context, page=4) == "?q=%E6%9C%BA%E6%9E%84&status=active&page=4"
    assert qs_replace(context, status="", page=None) == "?q=%E6%9C%BA%E6%9E%84"
    assert qs_replace({"request": RequestFactory().get("/x/")}, page=None) == "?"


def test_qs_replace_output_is_escaped_in_templates():
    request = RequestFactory().get("/x/", {"a": "1", "b": "2"})
    html = render_to_string("web/partials/status_badge.html", {"status": "x"}, request=request)
    assert html  # template engine loads the library
    from django.template import Context, Template

    rendered = Template('{% load dudao %}<a href="{% qs_replace page=2 %}">').render(
        Context({"request": request})
    )
    assert rendered == '<a href="?a=1&amp;b=2&amp;page=2">'


def test_level_names():
    assert level_names([5, 4]) == "五级/初级工、四级/中级工"
    assert level_names([3]) == "三级/高级工"
    assert level_names(["2", 1]) == "二级/技师、一级/高级技师"
    assert level_names(None) == ""
    assert level_names([]) == ""
    assert level_names([9]) == "9"


def test_dates_are_local_and_24_hour():
    moment = dt.datetime(2024, 9, 27, 16, 5, tzinfo=dt.UTC)  # 2024-09-28 00:05 in Asia/Shanghai
    assert ymd(moment) == "2024-09-28"
    assert ymdhm(moment) == "2024-09-28 00:05"
    assert ymd(dt.date(2024, 1, 2)) == "2024-01-02"
    assert ymdhm(dt.date(2024, 1, 2)) == "2024-01-02"
    assert ymd(None) == ""
    assert ymdhm("") == ""


def test_status_colors():
    assert [
        status_color(s)
        for s in (
            "active",
            "valid",
            "planned",
            "suspended",
            "rectifying",
            "lost",
            "expired",
            "terminated",
            "revoked",
            "cancelled",
            "whatever",
        )
    ] == [
        "green",
        "green",
        "blue",
        "yellow",
        "yellow",
        "yellow",
        "secondary",
        "red",
        "red",
        "secondary",
        "secondary",
    ]


def test_page_links_with_gaps():
    assert page_links(Page([], 200, 6, 10)) == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert page_links(Page([], 30, 1, 10)) == [1, 2, 3]
    assert page_links(Page([], 0, 1, 10)) == [1]


def test_status_badge_and_empty_state_render():
    html = render_to_string("web/partials/status_badge.html", {"status": "suspended", "label": "暂停"})
    assert html.strip() == (
        '<span class="badge bg-yellow-lt dudao-status dudao-status-suspended">暂停</span>'
    )
    html = render_to_string(
        "web/partials/empty_state.html",
        {"message": "还没有机构", "action_url": "/new/", "action_label": "新增机构"},
    )
    assert "还没有机构" in html
    assert '<a href="/new/" class="btn btn-primary"><i class="ti ti-plus me-1"></i>新增机构</a>' in html


class DemoForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=5, help_text="与营业执照一致")
    note = forms.CharField(label="备注", required=False)
    active = forms.BooleanField(label="启用", required=False)
    kind = forms.ChoiceField(label="类型", choices=[("a", "甲"), ("b", "乙")])

    def clean(self):
        raise forms.ValidationError("整体校验失败")


def test_form_fields_marks_required_and_shows_inline_errors():
    form = DemoForm({"name": "太长的机构名称", "kind": "z"})
    assert not form.is_valid()
    html = render_to_string("web/partials/form_fields.html", {"form": form})
    assert '<label class="form-label required" for="id_name">机构名称</label>' in html
    assert '<label class="form-label" for="id_note">备注</label>' in html
    assert 'class="form-control is-invalid"' in html
    assert 'class="form-select is-invalid"' in html
    assert 'class="form-check-input"' in html
    assert '<div class="invalid-feedback d-block">确保该变量包含不超过 5 字符 (目前字符数 7)。</div>' in html
    assert "整体校验失败" in html.split('<div class="row">')[0]  # non-field errors on top
    assert '<small class="form-hint">与营业执照一致</small>' in html


def test_filter_bar_renders_get_form_with_values_and_reset():
    request = RequestFactory().get("/registry/institutions/", {"q": "测试", "page_size": "50"})

    class Filters(forms.Form):
        q = forms.CharField(label="关键词", required=False)

    html = render_to_string(
        "web/partials/filter_bar.html", {"filters": Filters(request.GET)}, request=request
    )
    assert '<form method="get" action="/registry/institutions/"' in html
    assert 'value="测试"' in html
    assert '<input type="hidden" name="page_size" value="50">' in html
    assert (
        '<a href="/registry/institutions/" class="btn btn-outline-secondary">'
        '<i class="ti ti-refresh me-1"></i>重置</a>' in html
    )
    assert "查询" in html


def test_pagination_keeps_query_and_offers_page_sizes():
    request = RequestFactory().get("/list/", {"q": "a", "page": "2"})
    html = render_to_string(
        "web/partials/pagination.html", {"page": Page(list(range(20)), 45, 2, 20)}, request=request
    )
    assert "共 <strong>45</strong> 条" in html
    assert 'href="?q=a&amp;page=3"' in html  # next
    assert 'href="?q=a&amp;page=1"' in html  # previous
    assert (
        '<li class="page-item active">'
        '<a class="page-link" href="?q=a&amp;page=2" aria-current="page">2</a></li>' in html
    )
    assert 'href="?q=a&amp;page=1&amp;page_size=50">每页 50 条</a>' in html


# ----------------------------------------------------------------------------------- helpers


@pytest.mark.django_db
def test_list_page_reads_page_and_size_and_tolerates_bad_values():
    for i in range(25):
        f.RegionFactory(code=f"{i + 10:02d}0000", name=f"省{i}")
    qs = Region.objects.order_by("code")
    page = list_page(RequestFactory().get("/", {"page": "2", "page_size": "10"}), qs)
    assert (page.count, page.page, page.page_size, [r.code for r in page.items][:2]) == (
        25,
        2,
        10,
        ["200000", "210000"],
    )
    page = list_page(RequestFactory().get("/", {"page": "x", "page_size": "-3"}), qs, default_page_size=5)
    assert (page.page, page.page_size, len(page.items)) == (1, 5, 5)
    page = list_page(RequestFactory().get("/", {"page_size": "1000"}), qs)
    assert page.page_size == 100
    page = list_page(RequestFactory().get("/", {"page": "99"}), qs)
    assert (page.page, page.items) == (99, [])


def test_export_response_has_chinese_filename():
    response = export_response("评价机构名单", b"PK-data")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename=".xlsx"') is False
    assert disposition == (
        "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"
        "%E8%AF%84%E4%BB%B7%E6%9C%BA%E6%9E%84%E5%90%8D%E5%8D%95.xlsx"
    )
    assert unquote(disposition.split("''")[1]) == "评价机构名单.xlsx"
    assert response.content == b"PK-data"
    assert export_response("batches 2024.xlsx", b"x")["Content-Disposition"].startswith(
        "attachment; filename=\"batches 2024.xlsx\"; filename*=UTF-8''batches%202024.xlsx"
    )


@pytest.mark.django_db
def test_htmx_or_full_renders_the_partial_for_htmx_only(kit_urls, users, client_as):
    f.RegionFactory(code="110000", name="北京市")
    client = client_as(users["superuser"])
    full = client.get("/kit/regions/")
    partial = client.get("/kit/regions/", headers={"HX-Request": "true"})
    boosted = client.get("/kit/regions/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert full.status_code == partial.status_code == boosted.status_code == 200
    assert "<html" in full.content.decode()
    assert "<html" not in partial.content.decode()
    assert partial.content.decode().startswith('<table id="region-table">')
    assert "<html" in boosted.content.decode()
    assert full["Vary"].endswith("HX-Request") or "HX-Request" in full["Vary"]


# ----------------------------------------------------------------------------------- import_view


@pytest.mark.django_db
def test_import_view_get_and_template(kit_urls, users, client_as):
    client = client_as(users["superuser"])
    page = client.get("/kit/regions/import/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "导入行政区划" in html
    assert 'href="/kit/regions/import/?template=1"' in html
    template = client.get("/kit/regions/import/?template=1")
    assert template.status_code == 200
    assert "filename*=UTF-8''" in template["Content-Disposition"]
    assert unquote(template["Content-Disposition"].split("''")[1]) == "行政区划导入模板.xlsx"
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(template.content))
    assert workbook.sheet_names == ["行政区划", "填写示例", "填写说明"]
    assert workbook.get_sheet_by_index(0).to_python() == [["区划代码", "名称", "层级"]]
    assert workbook.get_sheet_by_index(1).to_python() == [
        ["区划代码", "名称", "层级"],
        ["990000", "示例省", "省级"],
    ]
    assert "在第一个工作表第 2 行起填写" in html
    assert "“填写示例”工作表仅供参考,不会导入" in html


@pytest.mark.django_db
def test_import_view_unchanged_template_imports_nothing(kit_urls, users, client_as):
    """REVIEW M0: uploading the downloaded template as it is must not import its example row."""
    client = client_as(users["superuser"])
    template = client.get("/kit/regions/import/?template=1").content
    before = Region.objects.count()
    upload = io.BytesIO(template)
    upload.name = "行政区划导入模板.xlsx"
    response = client.post("/kit/regions/import/", {"file": upload})
    assert response.status_code == 200
    assert Region.objects.count() == before
    assert not Region.objects.filter(code="990000").exists()
    assert "第一个工作表没有数据行:请在第一个工作表第 2 行起填写" in response.content.decode()


@pytest.mark.django_db
def test_import_view_lists_cell_and_service_errors_in_one_upload(kit_urls, users, client_as):
    """REVIEW M2: a cell error in one row does not hide the row service's errors in the others."""
    client = client_as(users["superuser"])
    before = Region.objects.count()
    upload = io.BytesIO(
        xlsx(
            [
                ["区划代码", "名称", "层级"],
                ["110000", "北京市", "直辖"],  # cell error
                ["12", "天津市", "省级"],  # full_clean passes the kit's 6-char limit; service ok
                ["130000", "河北省", "省级"],
                ["130000", "河北省", "省级"],  # duplicate primary key: service error
            ]
        )
    )
    upload.name = "regions.xlsx"
    html = client.post("/kit/regions/import/", {"file": upload}).content.decode()
    assert Region.objects.count() == before
    rows = re.findall(
        r"<tr><td>(.*?)</td><td>(.*?)</td><td class=\"text-break\">.*?</td>"
        r"<td class=\"text-danger\">(.*?)</td></tr>",
        html,
    )
    assert rows == [
        ("2", "层级", "「直辖」不是有效的选项,可选值:省级、地市级"),
        ("5", "区划代码", "具有 区划代码 的 行政区划 已存在。"),
    ]


@pytest.mark.django_db
def test_import_view_success_redirects_with_message(kit_urls, users, client_as):
    client = client_as(users["superuser"])
    before = Region.objects.count()
    upload = io.BytesIO(
        xlsx([["区划代码", "名称", "层级"], ["110000", "北京市", "省级"], ["120000", "天津市", "省级"]])
    )
    upload.name = "regions.xlsx"
    response = client.post("/kit/regions/import/", {"file": upload}, follow=True)
    assert response.redirect_chain == [("/kit/regions/", 302)]
    assert Region.objects.count() == before + 2
    assert "导入成功:共导入 2 条记录" in response.content.decode()


@pytest.mark.django_db
def test_import_view_failure_shows_row_errors_and_writes_nothing(kit_urls, users, client_as):
    client = client_as(users["superuser"])
    before = Region.objects.count()
    upload = io.BytesIO(
        xlsx([["区划代码", "名称", "层级"], ["110000", "北京市", "省级"], ["1200001", "天津市", "直辖"]])
    )
    upload.name = "regions.xlsx"
    response = client.post("/kit/regions/import/", {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert Region.objects.count() == before
    rows = re.findall(
        r"<tr><td>(.*?)</td><td>(.*?)</td><td class=\"text-break\">.*?</td>"
        r"<td class=\"text-danger\">(.*?)</td></tr>",
        html,
    )
    assert rows == [
        ("3", "区划代码", "长度不能超过 6 个字符(当前 7 个)"),
        ("3", "层级", "「直辖」不是有效的选项,可选值:省级、地市级"),
    ]
    assert '<td class="text-break">1200001</td>' in html  # the bad value beside its error
    assert "下载错误报告" in html
    assert "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," in html


@pytest.mark.django_db
def test_import_view_without_file_or_with_a_bad_file(kit_urls, users, client_as):
    client = client_as(users["superuser"])
    response = client.post("/kit/regions/import/", {})
    assert "请选择要导入的 .xlsx 文件" in response.content.decode()
    upload = io.BytesIO(b"not excel at all")
    upload.name = "x.xlsx"
    response = client.post("/kit/regions/import/", {"file": upload})
    assert "文件不是有效的 Excel(.xlsx)文件,请使用下载的模板填写" in response.content.decode()
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_base_layout_blocks(kit_urls, users, client_as):
    html = (
        client_as(users["auth_admin"] if "auth_admin" in users else users["authority_admin"])
        .get("/kit/regions/")
        .content.decode()
    )
    assert "<title>区划 - 督导平台</title>" in html
    assert '<li class="breadcrumb-item active">区划</li>' in html
    assert '<a class="btn btn-primary" href="/kit/regions/import/">导入</a>' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in html
    assert "/static/vendor/tabler-1.6.1/css/tabler.min.css" in html
    assert "江西省职业技能鉴定指导中心" in html  # the scope in the top bar
    assert 'action="/logout/"' in html
    assert "http://" not in html and "https://" not in html  # nothing from the internet


def test_no_timezone_surprises():
    assert str(timezone.get_current_timezone()) == "Asia/Shanghai"
