"""M8: regions (cities, districts) importable by users: service, API, pages and `dudao import-regions`.

Rules: all or nothing, every bad row reported with its row number, idempotent, parent and kind derived from
the GB/T 2260 code, authority admins only inside their region, provinces only by a superuser or the console.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.errors import PermissionDenied
from dudao.common.excel import Column, ImportFailed, export_workbook, read_rows
from dudao.common.models import AuditEvent
from dudao.registry import models as rm
from dudao.registry import services
from tests.conftest import client_for
from tests.registry.conftest import counts

pytestmark = pytest.mark.django_db
API = "/api/v1/registry"
SU, AA, AS, IA, IS = (
    "superuser",
    Role.AUTHORITY_ADMIN,
    Role.AUTHORITY_STAFF,
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_STAFF,
)
ES, IN, EX = Role.EXTERNAL_SUPERVISOR, Role.INTERNAL_SUPERVISOR, Role.EXAMINER


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx(rows, headers=("区划代码", "名称")) -> bytes:
    columns = [Column("code", headers[0]), Column("name", headers[1])]
    return export_workbook(columns, [{"code": c, "name": n} for c, n in rows], sheet_name="区划")


def tree() -> dict[str, tuple[str, str, str | None]]:
    return {r.code: (r.name, r.kind, r.parent_id) for r in rm.Region.objects.order_by("code")}


def refused(fn, **kwargs) -> list[tuple[int, str, str]]:
    """Call regions_import expecting ImportFailed; nothing may change; returns (row, column, message)s."""
    before = counts()
    with pytest.raises(ImportFailed) as exc:
        fn(**kwargs)
    assert counts() == before
    return [(e.row, e.column, e.message) for e in exc.value.errors]


# ------------------------------------------------------------------ service
def test_import_csv_children_before_parents_and_idempotent(users, province):
    data = csv_bytes("区划代码,名称", "360102,东湖区", "360100,南昌市", "360103,西湖区")
    result = services.regions_import(actor=users[AA], data=data, filename="南昌.csv")
    assert result == {"created": 3, "updated": 0, "unchanged": 0}
    assert tree() == {
        "360000": ("江西省", "province", None),
        "360100": ("南昌市", "city", "360000"),
        "360102": ("东湖区", "district", "360100"),
        "360103": ("西湖区", "district", "360100"),
    }
    event = AuditEvent.objects.filter(action="registry.regions.import").get()
    assert (event.object_label, event.after["created_codes"], event.actor_id) == (
        "南昌.csv",
        ["360100", "360102", "360103"],
        users[AA].pk,
    )
    before = counts()
    assert services.regions_import(actor=users[AA], data=data) == {"created": 0, "updated": 0, "unchanged": 3}
    assert counts() == before  # not even an audit event


def test_import_renames_and_relinks_districts_under_a_new_city(users, province):
    # A district imported while its city was missing hangs under the province (as in 直辖市) …
    services.regions_import(actor=users[SU], data=csv_bytes("code,name", "360702,章贡区"))
    assert tree()["360702"] == ("章贡区", "district", "360000")
    # … and moves under the city when the city arrives; a changed name renames.
    data = csv_bytes("code,name", "360700,赣州市", "360702,章贡区(新)")
    assert services.regions_import(actor=users[AA], data=data) == {"created": 1, "updated": 1, "unchanged": 0}
    assert tree()["360702"] == ("章贡区(新)", "district", "360700")
    event = AuditEvent.objects.filter(action="registry.regions.import").order_by("-id").first()
    assert event.after["renamed"] == {"360702": ["章贡区", "章贡区(新)"]}


def test_every_bad_row_is_reported_at_once_and_nothing_is_written(users, province, other_province):
    rm.Region.objects.create(code="360100", name="南昌市", kind="city", parent=province)
    data = csv_bytes(
        "区划代码,名称",
        "36010,短代码",  # 2
        "360102,",  # 3
        "360103,西湖区",  # 4 (good)
        "360103,西湖区",  # 5 duplicate
        "440100,广州市",  # 6 outside Jiangxi
        "360000,江西",  # 7 renaming a province
        "370102,历下区",  # 8 outside too
        "360104," + "长" * 65,  # 9
    )
    assert refused(services.regions_import, actor=users[AA], data=data) == [
        (2, "区划代码", "区划代码「36010」应为 6 位数字"),
        (3, "名称", "必填项不能为空"),
        (5, "区划代码", "区划代码 360103 与第 4 行重复"),
        (6, "区划代码", "区划 440100 不在您的管辖范围内"),
        (7, "区划代码", "省级区划由系统维护,不能导入或修改"),
        (8, "区划代码", "区划 370102 不在您的管辖范围内"),
        (9, "名称", "名称不能超过 64 个字"),
    ]
    # A superuser is not limited to a region, but a parent must exist (here neither 3701xx nor 370000).
    data = csv_bytes("区划代码,名称", "440100,广州市", "370102,历下区", "360000,江西省")
    assert refused(services.regions_import, actor=users[SU], data=data) == [
        (3, "区划代码", "上级区划 370000 不存在,请先导入或在本文件中一并填写"),
    ]


def test_unchanged_province_row_is_accepted_from_an_authority_admin(users, province):
    data = csv_bytes("code,name", "360000,江西省", "360100,南昌市")
    assert services.regions_import(actor=users[AA], data=data) == {"created": 1, "updated": 0, "unchanged": 1}


def test_file_problems(users, province):
    assert refused(
        services.regions_import, actor=users[AA], data=csv_bytes("编号,地名", "360100,南昌市")
    ) == [(1, "", "第 1 行应为表头 区划代码,名称(或 code,name)")]
    assert refused(services.regions_import, actor=users[AA], data=csv_bytes("code,name")) == [
        (0, "", "文件没有数据行:请从第 2 行开始填写")
    ]
    assert refused(services.regions_import, actor=users[AA], data=b"\xff\xfe\x00\x81\x00") == [
        (0, "", "文件编码无法识别,请保存为 UTF-8 编码的 CSV 或 .xlsx")
    ]
    bad_xlsx = xlsx([("360100", "南昌市")], headers=("代码号", "名称"))
    errors = refused(services.regions_import, actor=users[AA], data=bad_xlsx, filename="r.xlsx")
    assert errors == [(1, "代码号", "未知的列「代码号」,请使用下载的模板")]
    only_names = export_workbook([Column("name", "名称")], [{"name": "南昌市"}], sheet_name="x")
    errors = refused(services.regions_import, actor=users[AA], data=only_names, filename="r.xlsx")
    assert errors == [(1, "区划代码", "缺少必填列「区划代码」")]


def test_xlsx_every_bad_row_at_once(users, province):
    """An empty name does not hide the other rows' problems (one upload lists every bad row)."""
    data = xlsx(
        [("440103", "荔湾区"), ("36010", "x"), ("360105", ""), ("360100", "南昌市"), ("3601000", "长")]
    )
    assert refused(services.regions_import, actor=users[AA], data=data, filename="r.xlsx") == [
        (2, "区划代码", "区划 440103 不在您的管辖范围内"),
        (3, "区划代码", "区划代码「36010」应为 6 位数字"),
        (4, "名称", "必填项不能为空"),
        (6, "区划代码", "区划代码「3601000」应为 6 位数字"),
    ]


def test_gbk_csv_and_xlsx_with_chinese_or_english_headers(users, province):
    gbk = csv_bytes("区划代码,名称", "360100,南昌市", encoding="gb18030")
    assert services.regions_import(actor=users[AA], data=gbk)["created"] == 1
    chinese = xlsx([("360102", "东湖区")])
    assert services.regions_import(actor=users[AA], data=chinese, filename="a.xlsx")["created"] == 1
    english = xlsx([("360103", "西湖区")], headers=("code", "name"))
    assert services.regions_import(actor=users[AA], data=english, filename="b.xlsx")["created"] == 1
    # Excel stores a typed code as a number: it still reads as the six-digit text.
    from dudao.common.excel import Column as C

    numeric = export_workbook(
        [C("code", "区划代码", kind="int"), C("name", "名称")],
        [{"code": 360104, "name": "青云谱区"}],
        sheet_name="x",
    )
    assert services.regions_import(actor=users[AA], data=numeric, filename="c.xlsx")["created"] == 1
    assert tree()["360104"] == ("青云谱区", "district", "360100")


@pytest.mark.parametrize("role", [AS, IA, IS, ES, IN, EX])
def test_only_authority_admins_and_superusers_import(users, province, role):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.regions_import(actor=users[role], data=csv_bytes("code,name", "360100,南昌市"))
    assert counts() == before


def test_console_operator_is_not_limited_to_a_region(users, province, other_province):
    data = csv_bytes("code,name", "440100,广州市", "360100,南昌市", "460000,海南省")
    assert services.regions_import(actor=None, data=data) == {"created": 3, "updated": 0, "unchanged": 0}
    assert AuditEvent.objects.filter(action="registry.regions.import").get().actor_id is None


# ------------------------------------------------------------------ API
def upload_call(user, data: bytes, name: str = "regions.csv"):
    client = client_for(user) if user is not None else Client()
    return client.post(f"{API}/regions/import", {"file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize(
    "role,status",
    [
        (SU, 200),
        (AA, 200),
        (AS, 403),
        (IA, 403),
        (IS, 403),
        (ES, 403),
        (IN, 403),
        (EX, 403),
        ("anonymous", 401),
    ],
)
def test_api_import_permission_matrix(users, province, role, status):
    before = counts()
    user = None if role == "anonymous" else users[role]
    response = upload_call(user, csv_bytes("code,name", "360100,南昌市", "360102,东湖区"))
    assert response.status_code == status, response.content.decode()
    if status == 200:
        assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
        assert rm.Region.objects.get(code="360102").parent_id == "360100"
    else:
        assert counts() == before
        assert set(response.json()) == {"code", "message", "detail"}


def test_api_import_errors_list_rows(users, province):
    before = counts()
    response = upload_call(users[AA], csv_bytes("code,name", "360100,南昌市", "440100,广州市", "3601,x"))
    assert response.status_code == 422
    assert response.json() == {
        "code": "import_failed",
        "message": "导入失败:2 行有错误,未导入任何数据",
        "detail": [
            {"row": 3, "column": "区划代码", "message": "区划 440100 不在您的管辖范围内", "value": ""},
            {"row": 4, "column": "区划代码", "message": "区划代码「3601」应为 6 位数字", "value": ""},
        ],
    }
    assert counts() == before


def test_api_import_xlsx_then_region_reads(users, province):
    response = upload_call(users[AA], xlsx([("360100", "南昌市")]), name="区划.xlsx")
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    region = Client().get(f"{API}/regions/360100").json()
    assert region == {
        "code": "360100",
        "name": "南昌市",
        "kind": "city",
        "kind_label": "地市级",
        "parent_code": "360000",
    }


def test_api_import_too_large(users, province, settings):
    settings.DUDAO_UPLOAD_MAX_BYTES = 10
    before = counts()
    response = upload_call(users[AA], csv_bytes("code,name", "360100,南昌市"))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"row": 0, "column": "", "message": "文件过大:0.0 MB,上限为 0.0 MB", "value": ""}
    ]
    assert counts() == before


# ------------------------------------------------------------------ pages
@pytest.fixture
def jiangxi(province):
    nanchang = rm.Region.objects.create(code="360100", name="南昌市", kind="city", parent=province)
    rm.Region.objects.create(code="360102", name="东湖区", kind="district", parent=nanchang)
    rm.Region.objects.create(code="360103", name="西湖区", kind="district", parent=nanchang)
    rm.Region.objects.create(code="360700", name="赣州市", kind="city", parent=province)
    return province


ROLES = [SU, AA, AS, IA, IS, ES, IN, EX]


@pytest.mark.parametrize("role", ROLES)
def test_region_pages_per_role(users, jiangxi, role):
    client = client_for(users[role])
    assert client.get(reverse("registry:region_list")).status_code == 200
    assert client.get(reverse("registry:region_list") + "?parent=360000&q=东湖").status_code == 200
    expected = 200 if role in (SU, AA) else 403
    assert client.get(reverse("registry:region_import")).status_code == expected
    assert client.get(reverse("registry:region_import") + "?template=1").status_code == expected


def test_region_pages_need_login(client, jiangxi):
    for url in (reverse("registry:region_list"), reverse("registry:region_import")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_region_tree_levels_and_search(users, jiangxi, other_province, django_assert_max_num_queries):
    client = client_for(users[AS])
    with django_assert_max_num_queries(12):
        html = client.get(reverse("registry:region_list")).content.decode()
    assert "江西省" in html and "广东省" in html and "?parent=360000" in html and "2 个" in html
    html = client.get(reverse("registry:region_list") + "?parent=360000").content.decode()
    # Below a province: its cities, each with its districts inline.
    assert "南昌市" in html and "赣州市" in html and "东湖区" in html and "西湖区" in html
    assert "广东省" not in html
    html = client.get(reverse("registry:region_list") + "?parent=360100").content.decode()
    assert "东湖区" in html and "赣州市" not in html
    html = client.get(reverse("registry:region_list") + "?q=湖区").content.decode()
    assert "东湖区" in html and "西湖区" in html and "江西省 › " in html and "赣州市" not in html
    html = client.get(reverse("registry:region_list") + "?kind=city&parent=360000").content.decode()
    assert "南昌市" in html and "赣州市" in html and "东湖区</" not in html
    assert client.get(reverse("registry:region_list") + "?parent=999999").status_code == 404


def test_region_import_page_success_and_errors(users, jiangxi):
    client = client_for(users[AA])
    upload = SimpleUploadedFile("区划.xlsx", xlsx([("360700", "赣州市"), ("360702", "章贡区")]))
    response = client.post(reverse("registry:region_import"), {"file": upload}, follow=True)
    assert response.redirect_chain == [(reverse("registry:region_list"), 302)]
    assert "导入完成:新增 1 个、更新 0 个、未变 1 个区划" in response.content.decode()
    assert tree()["360702"] == ("章贡区", "district", "360700")

    before = counts()
    upload = SimpleUploadedFile(
        "区划.xlsx", xlsx([("360703", "南康区"), ("440100", "广州市"), ("3607", "x")])
    )
    response = client.post(reverse("registry:region_import"), {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入失败:2 行有错误,未导入任何数据" in html
    assert "区划 440100 不在您的管辖范围内" in html and "区划代码「3607」应为 6 位数字" in html
    assert counts() == before
    response = client.post(reverse("registry:region_import"), {})
    assert "请选择要导入的 .xlsx 文件" in response.content.decode()
    assert counts() == before


def test_region_import_template_has_the_two_columns(users, province):
    response = client_for(users[AA]).get(reverse("registry:region_import") + "?template=1")
    assert response.status_code == 200
    with pytest.raises(ImportFailed) as exc:  # no example row to import by mistake
        read_rows(response.content, services.REGION_COLUMNS)
    assert exc.value.errors[0].row == 0


def test_region_import_refused_for_staff_changes_nothing(users, province):
    before = counts()
    upload = SimpleUploadedFile("区划.xlsx", xlsx([("360100", "南昌市")]))
    assert client_for(users[AS]).post(reverse("registry:region_import"), {"file": upload}).status_code == 403
    assert counts() == before


# ------------------------------------------------------------------ command
def test_import_regions_command(tmp_path, province, capsys):
    path = tmp_path / "regions.csv"
    path.write_bytes(csv_bytes("区划代码,名称", "360100,南昌市", "360102,东湖区"))
    call_command("import-regions", str(path))
    assert capsys.readouterr().out.strip() == "导入完成:新增 2 个、更新 0 个、未变 0 个区划"
    call_command("import-regions", str(path), "--json")
    assert json.loads(capsys.readouterr().out) == {"created": 0, "updated": 0, "unchanged": 2}

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("区划代码,名称", "360103,西湖区", "37010,x"))
    before = counts()
    with pytest.raises(CommandError) as exc:
        call_command("import-regions", str(bad))
    assert str(exc.value) == "导入失败:1 行有错误,未导入任何数据"
    assert capsys.readouterr().err.strip() == "第 3 行 区划代码:区划代码「37010」应为 6 位数字"
    assert counts() == before
    with pytest.raises(CommandError) as exc:
        call_command("import-regions", str(tmp_path / "missing.csv"))
    assert str(exc.value) == f"文件不存在:{tmp_path / 'missing.csv'}"
