"""Excel import (all or nothing, row-level errors via the create services) and template download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common import imports
from dudao.common.excel import ImportFailed, export_workbook, read_example_rows, read_rows
from dudao.registry import models as rm
from dudao.registry.excel import (
    INSTITUTION_COLUMNS,
    INSTITUTION_EXAMPLE,
    OCCUPATION_COLUMNS,
    OCCUPATION_EXAMPLE,
)
from tests import factories as f
from tests.conftest import client_for
from tests.registry.conftest import counts

pytestmark = pytest.mark.django_db


def sheet(columns, rows):
    return export_workbook(columns, rows, sheet_name="导入")


def test_institution_import_one_bad_row_imports_nothing(users, institution):
    good = f.make_uscc(801)
    bad = f.make_uscc(802)[:-1] + "0" if not f.make_uscc(802).endswith("0") else f.make_uscc(802)[:-1] + "1"
    rows = [
        {"name": "甲机构", "kind": "employer", "uscc": good, "region": "360000"},
        {"name": "乙机构", "kind": "social_org", "uscc": bad, "region": "360000"},
        {"name": "丙机构", "kind": "tech_school", "uscc": institution.uscc, "region": "360000"},
        {
            "name": "丁机构",
            "kind": "tech_school",
            "uscc": f.make_uscc(803),
            "region": "360000",
            "authority": "NOPE",
        },
    ]
    before = counts()
    with pytest.raises(ImportFailed) as exc:
        imports.run("institutions", sheet(INSTITUTION_COLUMNS, rows), actor=users[Role.AUTHORITY_ADMIN])
    assert counts() == before
    assert [(e.row, e.column, e.message) for e in exc.value.errors] == [
        (3, "统一社会信用代码", f"统一社会信用代码「{bad}」校验位错误,请核对"),
        (4, "统一社会信用代码", f"统一社会信用代码 {institution.uscc} 已被机构「{institution.name}」使用"),
        (5, "主管机构编码", "主管机构编码「NOPE」不存在或不在您的管辖范围内"),
    ]


def test_institution_import_all_good(users, authority):
    rows = [
        {
            "name": f"机构{i}",
            "kind": "employer",
            "uscc": f.make_uscc(810 + i),
            "region": "360000",
            "authority": authority.code,
        }
        for i in range(3)
    ]
    done = imports.run("institutions", sheet(INSTITUTION_COLUMNS, rows), actor=users[Role.AUTHORITY_STAFF])
    assert (done.rows, done.created) == (3, 3)
    assert sorted(rm.Institution.objects.filter(name__startswith="机构").values_list("name", flat=True)) == [
        "机构0",
        "机构1",
        "机构2",
    ]


def test_occupation_import_page_refuses_bad_row(users):
    rows = [
        {"code": "4-10-01-05", "name": "养老护理员"},
        {"code": "4-10-1-05", "name": "坏编码"},
        {"code": "4-10-01-07", "name": "来源缺失", "verified": True},
    ]
    before = counts()
    upload = SimpleUploadedFile("职业.xlsx", sheet(OCCUPATION_COLUMNS, rows))
    response = client_for(users[Role.AUTHORITY_ADMIN]).post(
        reverse("registry:occupation_import"), {"file": upload}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "职业编码「4-10-1-05」格式不正确" in html and "已核实的职业编码须注明编码来源" in html
    assert counts() == before


def test_occupation_import_page_success(users):
    rows = [
        {"code": "4-10-01-05", "name": "养老护理员"},
        {"code": "4-14-02-01", "name": "公共营养师", "verified": True, "source": "OCC-1"},
    ]
    upload = SimpleUploadedFile("职业.xlsx", sheet(OCCUPATION_COLUMNS, rows))
    response = client_for(users[Role.AUTHORITY_ADMIN]).post(
        reverse("registry:occupation_import"), {"file": upload}
    )
    assert response.status_code == 302
    assert list(rm.Occupation.objects.order_by("code").values_list("code", "verified", "is_active")) == [
        ("4-10-01-05", False, True),
        ("4-14-02-01", True, True),
    ]


def test_templates_download(users):
    client = client_for(users[Role.AUTHORITY_ADMIN])
    for name, columns in (
        ("registry:institution_import", INSTITUTION_COLUMNS),
        ("registry:occupation_import", OCCUPATION_COLUMNS),
    ):
        response = client.get(reverse(name) + "?template=1")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        with pytest.raises(ImportFailed):  # the sheet that is imported holds no example
            read_rows(response.content, columns)
        examples = read_example_rows(response.content, columns)  # the example parses with the same columns
        assert [r["name"][:2] for _n, r in examples] == ["示例"]


def test_template_examples_are_obviously_fake_and_valid(users, authority):
    """M0: every example row reads 示例… and would pass the import (valid USCC, existing region, new code)."""
    f.RegionFactory(code="360100", name="南昌市", kind="city", parent=authority.region)
    f.RegionFactory(code="360102", name="东湖区", kind="district", parent_id="360100")
    f.OccupationFactory(code="4-03-02-01", name="中式烹调师")  # a shipped code: the example must not reuse it
    admin = users[Role.AUTHORITY_ADMIN]
    cases = (
        ("registry:institution_import", INSTITUTION_COLUMNS, "institutions", rm.Institution),
        ("registry:occupation_import", OCCUPATION_COLUMNS, "occupations", rm.Occupation),
    )
    for name, columns, kind, model in cases:
        data = client_for(admin).get(reverse(name) + "?template=1").content
        examples = read_example_rows(data, columns)
        assert all(r["name"].startswith("示例") for _n, r in examples)
        # Typed into the import sheet, the example rows are accepted as they are.
        assert imports.run(kind, sheet(columns, [r for _n, r in examples]), actor=admin).created == 1
        assert model.objects.filter(name__startswith="示例").count() == 1
    assert INSTITUTION_EXAMPLE["uscc"] == "91360100MA0000001U"
    assert OCCUPATION_EXAMPLE["code"] == "8-99-99-99" and OCCUPATION_EXAMPLE["verified"] is False


def test_occupation_export_roundtrip(users, welder, cook):
    response = client_for(users[Role.INSTITUTION_STAFF]).get(reverse("registry:occupation_export") + "?q=焊")
    rows = read_rows(response.content, OCCUPATION_COLUMNS)
    assert [(r["code"], r["name"], r["verified"]) for _n, r in rows] == [("6-18-02-04", "焊工", True)]


def test_batch_export_follows_filters(users, institution, filing, venue, welder):
    from dudao.registry.excel import BATCH_EXPORT_COLUMNS
    from tests.registry.conftest import local

    for code, day, status in (("PC-A", 1, "planned"), ("PC-B", 2, "cancelled"), ("PC-C", 20, "planned")):
        rm.Batch.objects.create(
            code=code,
            institution=institution,
            filing=filing,
            occupation=welder,
            levels=[5, 4],
            starts_at=local(2025, 5, day, 9),
            ends_at=local(2025, 5, day, 17),
            venue=venue,
            status=status,
        )
    url = reverse("registry:batch_export") + "?status=planned&start_from=2025-05-01&start_to=2025-05-10"
    response = client_for(users[Role.INSTITUTION_STAFF]).get(url)
    rows = read_rows(response.content, BATCH_EXPORT_COLUMNS)
    assert [
        (r["code"], r["levels"], r["status"], r["starts_at"].strftime("%Y-%m-%d %H:%M")) for _n, r in rows
    ] == [("PC-A", "五级/初级工、四级/中级工", "已计划", "2025-05-01 09:00")]
