"""`dudao import KIND FILE --as USERNAME [--dry-run] [--json]` (issue 9 §2): the pages' templates and rules,
exit 0 with a summary, exit 2 with every error and nothing written."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from dudao.accounts.models import Role
from dudao.common.audit import verify_chain
from dudao.common.excel import export_workbook
from dudao.registry import models as rm
from dudao.registry.excel import INSTITUTION_COLUMNS
from tests import factories as f
from tests.registry.conftest import counts

pytestmark = pytest.mark.django_db


def write(tmp_path, columns, rows, name="in.xlsx"):
    path = tmp_path / name
    path.write_bytes(export_workbook(columns, rows, sheet_name="导入"))
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def institution_rows(n, start=0, authority="JX-HRSS"):
    return [
        {
            "name": f"导入机构{i}",
            "kind": "employer",
            "uscc": f.make_uscc(5000 + i),
            "region": "360000",
            "authority": authority,
        }
        for i in range(start, start + n)
    ]


def test_institutions_success_json(tmp_path, users):
    path = write(tmp_path, INSTITUTION_COLUMNS, institution_rows(3))
    code, out, _ = run("institutions", str(path), "--as", users[Role.AUTHORITY_STAFF].username, "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"kind", "rows", "created", "updated", "seconds"}
    assert (data["kind"], data["rows"], data["created"], data["updated"]) == ("institutions", 3, 3, 0)
    assert rm.Institution.objects.filter(name__startswith="导入机构").count() == 3
    # one audit event per row, and the keyed chain still verifies (bulk append keeps it valid)
    from dudao.common.models import AuditEvent

    assert AuditEvent.objects.filter(action="registry.institution.create").count() == 3
    assert verify_chain().ok


def test_institutions_success_text_summary_in_chinese(tmp_path, users):
    path = write(tmp_path, INSTITUTION_COLUMNS, institution_rows(2))
    code, out, _ = run("institutions", str(path), "--as", users[Role.AUTHORITY_STAFF].username)
    assert code == 0
    assert "导入完成" in out and "新增 2 条" in out


def test_three_bad_rows_report_every_error_and_write_nothing(tmp_path, users, institution):
    rows = institution_rows(2)
    bad_uscc = rows[0]["uscc"][:-1] + ("0" if not rows[0]["uscc"].endswith("0") else "1")
    rows += [
        # two errors in one row: bad check digit and a region that does not exist
        {"name": "坏一", "kind": "employer", "uscc": bad_uscc, "region": "369999", "authority": "JX-HRSS"},
        # duplicate of an existing institution, phone malformed
        {
            "name": "坏二",
            "kind": "employer",
            "uscc": institution.uscc,
            "region": "360000",
            "contact_phone": "abc",
        },
        # unknown authority, and a duplicate of row 2 within the file
        {
            "name": "坏三",
            "kind": "employer",
            "uscc": rows[0]["uscc"],
            "region": "360000",
            "authority": "NOPE",
        },
    ]
    path = write(tmp_path, INSTITUTION_COLUMNS, rows)
    before = counts()
    code, out, _ = run("institutions", str(path), "--as", users[Role.AUTHORITY_STAFF].username, "--json")
    assert code == 2
    assert counts() == before
    errors = json.loads(out)["errors"]
    assert all(set(e) == {"row", "column", "value", "message"} for e in errors)
    found = {(e["row"], e["column"]) for e in errors}
    assert found == {
        (4, "统一社会信用代码"),
        (4, "所在区划代码"),
        (5, "统一社会信用代码"),
        (5, "联系电话"),
        (6, "统一社会信用代码"),
        (6, "主管机构编码"),
    }
    by_key = {(e["row"], e["column"]): e for e in errors}
    assert by_key[(4, "所在区划代码")]["value"] == "369999"
    assert by_key[(5, "联系电话")]["value"] == "abc"
    assert by_key[(6, "统一社会信用代码")]["message"] == f"统一社会信用代码 {rows[0]['uscc']} 与第 2 行重复"
    assert by_key[(6, "主管机构编码")]["value"] == "NOPE"


def test_bad_value_is_shortened(tmp_path, users):
    rows = institution_rows(1)
    rows[0]["contact_phone"] = "9" * 20 + "x" * 12  # 32 characters, not a phone number
    rows[0]["address"] = "长" * 300  # over the column's 255
    path = write(tmp_path, INSTITUTION_COLUMNS, rows)
    code, out, _ = run("institutions", str(path), "--as", users[Role.AUTHORITY_STAFF].username, "--json")
    assert code == 2
    errors = {e["column"]: e for e in json.loads(out)["errors"]}
    assert errors["地址"]["value"] == "长" * 50 + "…"
    assert len(errors["地址"]["value"]) <= 51


def test_dry_run_writes_nothing_and_exits_0(tmp_path, users):
    path = write(tmp_path, INSTITUTION_COLUMNS, institution_rows(2))
    before = counts()
    code, out, _ = run(
        "institutions", str(path), "--as", users[Role.AUTHORITY_STAFF].username, "--dry-run", "--json"
    )
    assert code == 0
    assert json.loads(out)["created"] == 2
    assert counts() == before


def test_dry_run_with_errors_exits_2(tmp_path, users):
    rows = institution_rows(1)
    rows[0]["region"] = "999999"
    path = write(tmp_path, INSTITUTION_COLUMNS, rows)
    code, out, _ = run(
        "institutions", str(path), "--as", users[Role.AUTHORITY_STAFF].username, "--dry-run", "--json"
    )
    assert code == 2
    assert json.loads(out)["errors"][0]["column"] == "所在区划代码"


def test_unknown_user_exits_2(tmp_path, users):
    path = write(tmp_path, INSTITUTION_COLUMNS, institution_rows(1))
    before = counts()
    code, out, _ = run("institutions", str(path), "--as", "nobody-here", "--json")
    assert code == 2
    assert counts() == before
    assert json.loads(out)["errors"][0]["message"] == "用户「nobody-here」不存在"


def test_permissions_of_the_user(tmp_path, users):
    """An institution admin may not register institutions: refused with a Chinese message, exit 2."""
    path = write(tmp_path, INSTITUTION_COLUMNS, institution_rows(1))
    before = counts()
    code, out, _ = run("institutions", str(path), "--as", users[Role.INSTITUTION_ADMIN].username, "--json")
    assert code == 2
    assert counts() == before
    assert "权限" in json.loads(out)["errors"][0]["message"]


def test_scope_of_the_user(tmp_path, users, other_authority):
    """An authority outside the user's region is 'not found or outside your jurisdiction'."""
    path = write(tmp_path, INSTITUTION_COLUMNS, institution_rows(1, authority=other_authority.code))
    code, out, _ = run("institutions", str(path), "--as", users[Role.AUTHORITY_STAFF].username, "--json")
    assert code == 2
    assert json.loads(out)["errors"][0]["message"] == "主管机构编码「GD-HRSS」不存在或不在您的管辖范围内"


def bomb_xlsx() -> bytes:
    """A small xlsx whose sheet holds one huge cell (issue 8 §1's decompression bomb)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
            + "A" * (20 * 1024 * 1024)
            + "</t></is></c></row></sheetData></worksheet>",
        )
    return buffer.getvalue()


@pytest.mark.parametrize(
    "payload",
    [
        bomb_xlsx(),
        b"not an excel file at all",
        b"PK\x03\x04truncated",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old",
    ],
    ids=["bomb", "text", "truncated-zip", "xls"],
)
def test_hostile_or_malformed_file_exits_2_with_one_chinese_error(tmp_path, users, payload):
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(payload)
    before = counts()
    code, out, _ = run("institutions", str(path), "--as", users[Role.AUTHORITY_STAFF].username, "--json")
    assert code == 2
    assert counts() == before
    errors = json.loads(out)["errors"]
    assert len(errors) == 1
    assert errors[0]["row"] == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[0]["message"])
    assert len(out) < 2000  # never echoes the file


def test_missing_file_exits_2(tmp_path, users):
    code, out, _ = run(
        "institutions", str(tmp_path / "none.xlsx"), "--as", users[Role.AUTHORITY_STAFF].username, "--json"
    )
    assert code == 2
    assert "文件不存在" in json.loads(out)["errors"][0]["message"]


def test_text_errors_go_to_stderr_in_chinese(tmp_path, users):
    rows = institution_rows(1)
    rows[0]["region"] = "999999"
    path = write(tmp_path, INSTITUTION_COLUMNS, rows)
    code, _out, err = run("institutions", str(path), "--as", users[Role.AUTHORITY_STAFF].username)
    assert code == 2
    assert "第 2 行「所在区划代码」:所在区划不存在(填写的值:999999)" in err


def test_every_kind_is_importable_from_the_console(tmp_path, users, institution):
    """regions (own reader), venues and persons dispatch to their app's services with the user's rights."""
    from dudao.people.excel import PERSON_COLUMNS
    from dudao.people.models import Person
    from dudao.registry.imports import VENUE_COLUMNS
    from dudao.registry.services import REGION_COLUMNS
    from tests.people.helpers import resident_id

    admin = users[Role.AUTHORITY_ADMIN].username
    regions = write(tmp_path, REGION_COLUMNS, [{"code": "360100", "name": "南昌市"}], "regions.xlsx")
    code, out, _ = run("regions", str(regions), "--as", admin, "--json")
    assert code == 0 and json.loads(out)["created"] == 1
    assert rm.Region.objects.filter(code="360100").exists()

    venues = write(
        tmp_path, VENUE_COLUMNS, [{"institution_uscc": institution.uscc, "name": "一号考场"}], "v.xlsx"
    )
    code, out, _ = run("venues", str(venues), "--as", admin, "--json")
    assert code == 0 and json.loads(out)["created"] == 1
    assert rm.Venue.objects.filter(name="一号考场", institution=institution).exists()

    before = Person.objects.count()
    persons = write(tmp_path, PERSON_COLUMNS, [{"name": "李四", "id_number": resident_id(11)}], "p.xlsx")
    code, out, _ = run("persons", str(persons), "--as", admin, "--json", "--dry-run")
    assert code == 0 and Person.objects.count() == before
    code, out, _ = run("persons", str(persons), "--as", admin, "--json")
    assert code == 0 and Person.objects.count() == before + 1


def test_unknown_kind_is_refused(tmp_path, users):
    with pytest.raises(CommandError):
        call_command("import", "nonsense", str(tmp_path / "x.xlsx"), "--as", "root")


# ----------------------------------------------------------------------------------------- people kinds
def people_counts() -> dict[str, int]:
    from tests.people.helpers import state_counts

    return state_counts()


def test_supervisors_kind_from_the_console(tmp_path, users):
    """The supervisor template's columns through people.bulk.supervisors_create: exit 0 and the summary;
    exit 2 with every error (row, column, value, message) and nothing written; dry run writes nothing."""
    import datetime as dt

    from dudao.people.excel import SUPERVISOR_COLUMNS
    from dudao.people.models import Supervisor
    from tests.people.helpers import resident_id, wrong_check_digit

    admin = users[Role.AUTHORITY_ADMIN].username
    good = [
        {
            "name": f"督{i}",
            "id_number": resident_id(700 + i),
            "kind": "external",
            "card_number": f"R362107{i:02d}",
            "card_issued_on": dt.date(2021, 3, 1),
        }
        for i in range(3)
    ]
    bad = [
        {
            **good[0],
            "name": "坏",
            "id_number": wrong_check_digit(resident_id(710)),
            "card_number": "R44210710",
        },
        {**good[1], "card_number": "R36210799", "card_issued_on": None},
    ]
    path = write(tmp_path, SUPERVISOR_COLUMNS, good + bad, "bad.xlsx")
    before = people_counts()
    code, out, _ = run("supervisors", str(path), "--as", admin, "--json")
    assert code == 2
    assert people_counts() == before
    errors = json.loads(out)["errors"]
    assert [(e["row"], e["column"], e["message"]) for e in errors] == [
        (5, "身份证号", "身份证号校验码错误,请核对后重新输入"),
        (5, "证卡号", "证卡号第 2–3 位发证机关代码为「44」,与发证机构的代码「36」不符"),
        (6, "发证日期", "填写证卡号时须填写发证日期"),
    ]
    assert errors[1]["value"] == "R44210710"
    path = write(tmp_path, SUPERVISOR_COLUMNS, good, "good.xlsx")
    code, out, _ = run("supervisors", str(path), "--as", admin, "--json", "--dry-run")
    assert code == 0 and people_counts() == before
    code, out, _ = run("supervisors", str(path), "--as", admin, "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"kind", "rows", "created", "updated", "seconds"}
    assert (data["kind"], data["rows"], data["created"], data["updated"]) == ("supervisors", 3, 3, 0)
    assert Supervisor.objects.filter(person__name__startswith="督").count() == 3
    assert verify_chain().ok


def test_examiners_kind_from_the_console(tmp_path, users):
    import datetime as dt

    from dudao.people.excel import EXAMINER_COLUMNS
    from dudao.people.models import ExaminerCard
    from tests.people.helpers import resident_id

    f.OccupationFactory(code="4-03-02-01", name="中式烹调师")
    admin = users[Role.AUTHORITY_ADMIN].username
    good = [
        {
            "name": f"考{i}",
            "id_number": resident_id(720 + i),
            "card_number": f"KP-72{i}",
            "card_issued_on": dt.date(2022, 1, 1),
            "scopes": "4-03-02-01:5,4",
        }
        for i in range(2)
    ]
    bad = [{**good[0], "name": "坏", "id_number": resident_id(730), "scopes": "9-99-99-99:3"}]
    path = write(tmp_path, EXAMINER_COLUMNS, good + bad, "bad.xlsx")
    before = people_counts()
    code, out, _ = run("examiners", str(path), "--as", admin, "--json")
    assert code == 2
    assert people_counts() == before
    assert json.loads(out)["errors"] == [
        {"row": 4, "column": "证卡号", "value": "KP-720", "message": "证卡号「KP-720」与第 2 行重复"},
        {"row": 4, "column": "考评范围", "value": "9-99-99-99:3", "message": "职业编码「9-99-99-99」不存在"},
    ]
    path = write(tmp_path, EXAMINER_COLUMNS, good, "good.xlsx")
    code, out, _ = run("examiners", str(path), "--as", admin, "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["kind"], data["rows"], data["created"], data["updated"]) == ("examiners", 2, 2, 0)
    assert ExaminerCard.objects.filter(number__startswith="KP-72").count() == 2
    # the role without the right to register examiners is refused with exit 2, nothing written
    code, out, _ = run("examiners", str(path), "--as", users[Role.INSTITUTION_ADMIN].username, "--json")
    assert code == 2
