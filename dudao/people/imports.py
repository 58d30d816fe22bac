"""The people app's importable kinds (dudao.common.imports): persons, supervisors, examiners."""

from __future__ import annotations

from dudao.common.imports import ImportKind

from . import bulk, excel

PERSON_EXAMPLES = [
    {
        "name": "示例姓名",
        "id_number": excel._example_id("36010219850101003"),
        "phone": "13900000000",
        "employer_name": "示例职业技术学院",
    }
]

PERSONS = ImportKind(
    "persons", "人员", excel.PERSON_COLUMNS, bulk=bulk.persons_create, example_rows=PERSON_EXAMPLES
)
SUPERVISORS = ImportKind(
    "supervisors",
    "督导员",
    excel.SUPERVISOR_COLUMNS,
    bulk=bulk.supervisors_create,
    example_rows=excel.SUPERVISOR_EXAMPLES,
)
EXAMINERS = ImportKind(
    "examiners",
    "考评员",
    excel.EXAMINER_COLUMNS,
    bulk=bulk.examiners_create,
    example_rows=excel.EXAMINER_EXAMPLES,
)
