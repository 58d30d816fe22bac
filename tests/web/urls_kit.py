"""Test URLconf: the project's URLs plus pages that exercise the page kit (dudao/web/kit.py)."""

from django import forms
from django.urls import path

from dudao.common.excel import Column
from dudao.registry.models import Region
from dudao.urls import urlpatterns as project_urls
from dudao.web.imports import import_view
from dudao.web.kit import htmx_or_full, list_page

REGION_COLUMNS = [
    Column("code", "区划代码", required=True, max_length=6),
    Column("name", "名称", required=True),
    Column("kind", "层级", kind="choice", required=True, choices={"省级": "province", "地市级": "city"}),
]


def region_row_service_factory(user):
    def create(row):
        region = Region(**row)
        region.full_clean()
        region.save()

    return create


def region_import(request):
    return import_view(
        request,
        columns=REGION_COLUMNS,
        row_service_factory=region_row_service_factory,
        template_name="web/import_page.html",
        success_url="/kit/regions/",
        sheet_name="行政区划",
        example_rows=[{"code": "990000", "name": "示例省", "kind": "province"}],
        extra_context={"import_title": "导入行政区划"},
    )


class RegionFilter(forms.Form):
    q = forms.CharField(label="关键词", required=False)
    kind = forms.ChoiceField(label="层级", required=False, choices=[("", "全部"), ("province", "省级")])


def region_list(request):
    filters = RegionFilter(request.GET or None)
    page = list_page(request, Region.objects.order_by("code"))
    return htmx_or_full(
        request, "kit_test/region_list.html", "kit_test/region_table.html", {"filters": filters, "page": page}
    )


urlpatterns = [
    path("kit/regions/import/", region_import),
    path("kit/regions/", region_list),
    *project_urls,
]
