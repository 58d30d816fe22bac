"""The exams app's importable kind (dudao.common.imports): a batch's roster of candidates (报名名册).

`dudao import candidates FILE --as USER --batch CODE`: one row per candidate and level, registered by the
institution that runs the batch (source 机构导入) with the rules of the one-row registration
(`services.registration_submit`); `exams.bulk.candidates_create` checks and writes. Columns: docs/imports.md.
"""

from __future__ import annotations

from dudao.common.excel import Column
from dudao.common.imports import ImportKind
from dudao.people.excel import PERSON_COLUMNS, _example_id

from . import bulk
from .domain.eligibility import LEVEL_NAMES
from .models import Registration

# 申报等级: "五级/初级工", the short forms "五级" / "初级工", or the digit 5 (a value code is accepted too).
LEVEL_CHOICES = {
    **{name: str(level) for level, name in LEVEL_NAMES.items()},
    **{name.split("/")[0]: str(level) for level, name in LEVEL_NAMES.items()},
    **{name.split("/")[1]: str(level) for level, name in LEVEL_NAMES.items()},
}
EDUCATION_CHOICES = {label: value for value, label in Registration.Education.choices}

CANDIDATE_COLUMNS = [
    *PERSON_COLUMNS[:3],  # 姓名, 身份证号, 手机号: the person columns of every people import
    Column(
        "level",
        "申报等级",
        required=True,
        kind="choice",
        choices=LEVEL_CHOICES,
        help="须为本批次的等级之一;也可填数字 5 至 1",
    ),
    Column("education", "学历", kind="choice", choices=EDUCATION_CHOICES, help="不填为无相关学历"),
    Column("education_related", "本职业或相关专业", kind="bool", help="学历是否为本职业或相关专业;不填为否"),
    Column(
        "work_years",
        "累计工作年限",
        kind="decimal",
        help="累计从事本职业或相关职业的年数,0 至 60,最多一位小数",
    ),
    Column(
        "apprenticeship_completed",
        "学徒期满/正规培训",
        kind="bool",
        help="本职业或相关职业学徒期满或经正规培训",
    ),
    Column(
        "certificate_level",
        "已取得证书等级",
        kind="choice",
        choices=LEVEL_CHOICES,
        help="已取得的职业资格或职业技能等级证书的等级;没有证书则不填(以下三列也不填)",
    ),
    Column("certificate_related", "证书为本职业或相关", kind="bool", help="不填为否"),
    Column("preparatory_technician", "是否预备技师", kind="bool", help="预备技师证书填“是”(不填等级)"),
    Column(
        "work_years_after",
        "取得证书后工作年限",
        kind="decimal",
        help="取得该证书后从事本职业或相关职业的年数",
    ),
    Column("receipt_no", "收据号", max_length=40, help="已缴费的填写收据号(本批次内不重复);未缴费不填"),
]

CANDIDATE_EXAMPLES = [
    {
        "name": "示例考生",
        "id_number": _example_id("36010219900101004"),
        "phone": "13900000001",
        "level": "4",
        "education": "secondary_vocational",
        "education_related": True,
        "work_years": 6,
        "apprenticeship_completed": False,
        "certificate_level": "5",
        "certificate_related": True,
        "preparatory_technician": False,
        "work_years_after": 5,
        "receipt_no": "SJ-0001",
    },
    {
        "name": "示例考生二",
        "id_number": _example_id("36010219950101005"),
        "phone": "",
        "level": "5",
        "work_years": 0.5,
        "apprenticeship_completed": True,
    },
]

CANDIDATES = ImportKind(
    "candidates",
    "考生",
    CANDIDATE_COLUMNS,
    bulk=bulk.candidates_create,
    example_rows=CANDIDATE_EXAMPLES,
    options={"batch": "导入考生须用 --batch 指定批次编号"},
)
