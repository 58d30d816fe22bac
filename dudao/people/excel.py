"""Excel columns, template examples and exports of supervisors and examiners.

Exports carry masked ID numbers only. Imports (people.imports → people.bulk) create the person inline (or
reuse the one already registered with that ID number inside the user's scope), then the supervisor/examiner
and its card.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from stdnum.cn import ric

from dudao.common.excel import Column

from . import domain
from .models import CardStatus, Examiner, ExaminerCard, ExaminerCardScope, Person, Supervisor, SupervisorCard

KIND_CHOICES = {
    "外部质量督导员": "external",
    "内部质量督导员": "internal",
    "外督": "external",
    "内督": "internal",
}

PERSON_COLUMNS = [
    Column("name", "姓名", required=True, max_length=64),
    Column(
        "id_number",
        "身份证号",
        required=True,
        max_length=32,
        help="18 位;请设为文本格式,末位 X 不要省略",
        secret=True,
    ),
    Column("phone", "手机号", max_length=20),
    Column("employer_name", "工作单位", max_length=128),
]
CARD_COLUMNS = [
    Column("card_number", "证卡号", max_length=32, help="可不填;填写时须同时填发证日期"),
    Column("card_issued_on", "发证日期", kind="date"),
    Column("card_valid_until", "有效期至", kind="date", help="不填则为发证日期起 3 年减 1 天"),
]

SUPERVISOR_COLUMNS = [
    *PERSON_COLUMNS,
    Column("kind", "类型", required=True, kind="choice", choices=KIND_CHOICES),
    Column("authority_code", "委派机构编码", max_length=32, help="外部质量督导员填写;不填则为本机构"),
    Column("institution_uscc", "评价机构统一社会信用代码", max_length=18, help="内部质量督导员填写"),
    *CARD_COLUMNS,
]
SUPERVISOR_CARD_HELP = "外督证卡号:R + 2 位发证机关代码 + 2 位发证年份 + 4 位流水号,如 R36210001"

EXAMINER_COLUMNS = [
    *PERSON_COLUMNS,
    Column("authority_code", "管理机构编码", max_length=32, help="不填则为本机构"),
    Column("senior", "高级考评员", kind="bool"),
    *CARD_COLUMNS,
    Column(
        "scopes",
        "考评范围",
        max_length=1000,
        help="职业编码:等级,多项用分号分隔,如 4-03-02-01:5,4;6-18-02-04:3;"
        "工种写在编码后,如 6-18-02-04/焊工:3",
    ),
]


def _example_id(body: str) -> str:
    """A synthetic resident ID with a correct check digit (stdnum), so an example row validates."""
    return body + ric.calc_check_digit(body + "0")


# Template examples: clearly fake names, checksum-valid IDs, no codes that must exist in the
# database (委派机构编码 empty = the importing authority); the kit writes them on a separate sheet.
SUPERVISOR_EXAMPLES = [
    {
        "name": "示例姓名",
        "id_number": _example_id("36010219850101001"),
        "phone": "13900000000",
        "employer_name": "示例职业技术学院",
        "kind": "external",
        "authority_code": "",
        "card_number": "R36210001",
        "card_issued_on": dt.date(2021, 3, 1),
    },
]
EXAMINER_EXAMPLES = [
    {
        "name": "示例姓名",
        "id_number": _example_id("11010519850101002"),
        "phone": "0791-86123456",
        "employer_name": "示例职业技术学院",
        "senior": False,
        "card_number": "KP-2021-0001",
        "card_issued_on": dt.date(2021, 3, 1),
        "scopes": "4-03-02-01:5,4;6-18-02-04:3",
    },
]


# --------------------------------------------------------------------------------------- export

_EXPORT_PERSON = [
    Column("name", "姓名"),
    Column("id_number_masked", "身份证号(脱敏)"),
    Column("gender", "性别"),
    Column("birth_year", "出生年份", kind="int"),
    Column("phone", "手机号"),
    Column("employer", "工作单位"),
]
_EXPORT_CARD = [
    Column("card_number", "证卡号"),
    Column("card_issued_on", "发证日期", kind="date"),
    Column("card_valid_until", "有效期至", kind="date"),
    Column("card_state", "证卡状态"),
]
SUPERVISOR_EXPORT_COLUMNS = [
    *_EXPORT_PERSON,
    Column("kind", "类型"),
    Column("authority", "委派机构"),
    Column("institution", "所属评价机构"),
    Column("status", "状态"),
    *_EXPORT_CARD,
]
EXAMINER_EXPORT_COLUMNS = [
    *_EXPORT_PERSON,
    Column("authority", "管理机构"),
    Column("senior", "高级考评员", kind="bool"),
    Column("is_active", "在册", kind="bool"),
    *_EXPORT_CARD,
    Column("renewal_trained_on", "最近延续培训", kind="date"),
    Column("scopes", "考评范围"),
]


# Exports read plain values in chunks, not model instances with prefetched managers (REVIEW L8: the
# instance path spent ~0.6 ms a row building objects and related querysets). Queries: 1 for the
# holders, then 1 for cards (+ 1 for examiner scopes) per chunk of holders.
_EXPORT_CHUNK = 1000
_PERSON_VALUES = (
    "person__name",
    "person__id_number_masked",
    "person__gender",
    "person__birth_date",
    "person__phone",
    "person__employer_id",
    "person__employer__name",
    "person__employer_name",
)
_CARD_VALUES = ("id", "number", "status", "issued_on", "valid_until")


def _person_cells(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": row["person__name"],
        "id_number_masked": row["person__id_number_masked"],
        "gender": _GENDER_LABELS.get(row["person__gender"], row["person__gender"]),
        # SEC-3: the full birth date would fill in the masked digits of the ID number.
        "birth_year": row["person__birth_date"].year,
        "phone": row["person__phone"],
        "employer": (
            row["person__employer__name"] if row["person__employer_id"] else row["person__employer_name"]
        ),
    }


_GENDER_LABELS = dict(Person._meta.get_field("gender").choices)


def _card_cells(card: Mapping[str, Any] | None, state: str | None) -> dict[str, Any]:
    if card is None:
        return {"card_number": "", "card_issued_on": None, "card_valid_until": None, "card_state": "无证卡"}
    return {
        "card_number": card["number"],
        "card_issued_on": card["issued_on"],
        "card_valid_until": card["valid_until"],
        "card_state": domain.CARD_STATE_LABELS.get(state, state),
    }


def _facts(card: Mapping[str, Any]) -> domain.CardFacts:
    return domain.CardFacts(
        status=card["status"],
        issued_on=card["issued_on"],
        valid_until=card["valid_until"],
        renewal_trained_on=card.get("renewal_trained_on"),
    )


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _EXPORT_CHUNK):
        yield rows[start : start + _EXPORT_CHUNK]


def _current_cards(model, owner: str, owner_ids: list[int], fields: Iterable[str]) -> dict[int, dict]:
    """The card that represents each holder (selectors.current_card): newest by issue date, not replaced."""
    current: dict[int, dict] = {}
    rows = (
        model.objects.filter(**{f"{owner}_id__in": owner_ids})
        .exclude(status=CardStatus.REPLACED)
        .order_by(f"{owner}_id", "-issued_on", "-id")
        .values(f"{owner}_id", *fields)
    )
    for card in rows:
        current.setdefault(card[f"{owner}_id"], card)
    return current


def supervisor_export_rows(supervisors: QuerySet[Supervisor], at: dt.date) -> Iterator[dict[str, Any]]:
    """Rows of the supervisor export (masked ID numbers), in the order of `supervisors`."""
    kinds, statuses = dict(Supervisor.Kind.choices), dict(Supervisor.Status.choices)
    holders = list(
        supervisors.prefetch_related(None).values(
            "id", *_PERSON_VALUES, "kind", "authority__name", "institution__name", "status"
        )
    )
    for chunk in _chunks(holders):
        cards = _current_cards(SupervisorCard, "supervisor", [h["id"] for h in chunk], _CARD_VALUES)
        for sup in chunk:
            card = cards.get(sup["id"])
            state = domain.supervisor_card_state(_facts(card), at) if card else None
            yield {
                **_person_cells(sup),
                "kind": kinds.get(sup["kind"], sup["kind"]),
                "authority": sup["authority__name"] or "",
                "institution": sup["institution__name"] or "",
                "status": statuses.get(sup["status"], sup["status"]),
                **_card_cells(card, state),
            }


def examiner_export_rows(examiners: QuerySet[Examiner], at: dt.date) -> Iterator[dict[str, Any]]:
    """Rows of the examiner export (masked ID numbers, current card, its scope), in the order given."""
    holders = list(
        examiners.prefetch_related(None).values(
            "id", *_PERSON_VALUES, "authority__name", "senior", "is_active"
        )
    )
    for chunk in _chunks(holders):
        cards = _current_cards(
            ExaminerCard, "examiner", [h["id"] for h in chunk], (*_CARD_VALUES, "renewal_trained_on")
        )
        scopes: dict[int, list[tuple[str, str, list[int]]]] = {}
        for card_id, code, work_type, levels in (
            ExaminerCardScope.objects.filter(card_id__in=[c["id"] for c in cards.values()])
            .order_by("id")
            .values_list("card_id", "occupation__code", "work_type", "levels")
        ):
            scopes.setdefault(card_id, []).append((code, work_type, levels))
        for ex in chunk:
            card = cards.get(ex["id"])
            yield {
                **_person_cells(ex),
                "authority": ex["authority__name"] or "",
                "senior": ex["senior"],
                "is_active": ex["is_active"],
                **_card_cells(card, domain.examiner_card_state(_facts(card), at) if card else None),
                "renewal_trained_on": card["renewal_trained_on"] if card else None,
                "scopes": domain.format_scopes_text(scopes.get(card["id"], [])) if card else "",
            }
