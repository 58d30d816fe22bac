"""Issue 9 §2: every error of a row is reported, also for a row whose cells could not be read: the rules
still look at its other cells (a cell already reported is not reported again)."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common import imports
from dudao.common.excel import ImportFailed, export_workbook
from dudao.people.excel import PERSON_COLUMNS
from dudao.people.models import Person
from dudao.registry.excel import INSTITUTION_COLUMNS
from dudao.registry.models import Institution
from tests import factories as f

pytestmark = pytest.mark.django_db


def _errors(kind, columns, rows, actor):
    with pytest.raises(ImportFailed) as refused:
        imports.run(kind, export_workbook(columns, rows, sheet_name="导入"), actor=actor)
    return [(e.row, e.column, e.message) for e in refused.value.errors]


def test_a_row_missing_its_name_still_has_its_id_number_and_phone_checked(users):
    before = Person.objects.count()
    errors = _errors(
        "persons",
        PERSON_COLUMNS,
        [{"name": None, "id_number": "360102198501010000", "phone": "12345"}],
        users[Role.AUTHORITY_STAFF],
    )
    assert [(row, column) for row, column, _m in errors] == [(2, "姓名"), (2, "身份证号"), (2, "手机号")]
    assert errors[0][2] == "必填项不能为空"  # the cell error, not repeated by the rule's own "请填写姓名"
    assert Person.objects.count() == before


def test_an_unreadable_cell_does_not_hide_the_other_problems_of_its_row(users, authority):
    too_long = "甲" * 300
    errors = _errors(
        "institutions",
        INSTITUTION_COLUMNS,
        [{"name": too_long, "kind": "nonsense", "uscc": f.make_uscc(950), "region": "999999"}],
        users[Role.AUTHORITY_STAFF],
    )
    columns = [column for _row, column, _m in errors]
    assert columns.count("机构名称") == 1
    assert columns == ["机构名称", "机构类型", "所在区划代码"]
    assert not Institution.objects.filter(uscc=f.make_uscc(950)).exists()
