"""The shipped definitions carry exactly the items of DOMAIN.md FORM-A and FORM-B (and REN-4 bands)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from dudao.common.errors import NotFound
from dudao.scorecards.domain import shipped_form, shipped_forms

from .helpers import form


def test_registry_lists_both_forms_latest_version():
    forms = shipped_forms()
    assert list(forms) == ["CQ-RENEWAL", "QC-STATION"]
    assert {f.version for f in forms.values()} == {1}
    assert shipped_form("QC-STATION") is forms["QC-STATION"]


def test_registry_unknown_form_is_not_found():
    with pytest.raises(NotFound, match="评估表 NOPE 不存在"):
        shipped_form("NOPE")


def test_shipped_forms_returns_a_copy():
    shipped_forms().clear()
    assert len(shipped_forms()) == 2


# FORM-A: (item id, max, {choice: points}) in form order.
QC_ITEMS = {
    "1": [(f"1.{n}", 5, {"full": 5, "partial": 2, "none": 0}) for n in range(1, 7)],
    "2": [(f"2.{n}", 4, {"full": 4, "partial": 2, "none": 0}) for n in range(1, 5)],
    "3": [("3.1", 5, {"full": 5, "none": 0})]
    + [(f"3.{n}", 5, {"full": 5, "partial": 2, "none": 0}) for n in range(2, 9)],
    "4": [
        ("4.1", 5, {"full": 5, "partial": 2, "none": 0}),
        ("4.2", 4, {"full": 4, "partial": 2, "none": 0}),
        ("4.3", 5, {"full": 5, "partial": 2, "none": 0}),
    ],
}


def test_qc_station_matches_form_a():
    qc = form("QC-STATION")
    assert qc.title == "职业技能鉴定所(站)鉴定质量检查评估表"
    assert qc.cap == 100
    assert [(s.id, s.max, s.bonus) for s in qc.sections] == [
        ("1", 30, False),
        ("2", 16, False),
        ("B", 5, True),  # B1 sits between sections 2 and 3, added on top of the 100
        ("3", 40, False),
        ("4", 14, False),
    ]
    for section in qc.sections:
        if section.bonus:
            assert [(i.id, i.kind, i.points) for i in section.items] == [("B1", "bonus", 5)]
            assert section.items[0].title == "开通使用国家职业资格工作网"
            continue
        expected = QC_ITEMS[section.id]
        assert [(i.id, i.max, {c.key: c.points for c in i.choices}) for i in section.items] == expected
        assert {i.kind for i in section.items} == {"choice"}
    assert qc.base_max == 100 and qc.bonus_max == 5
    assert qc.item("1.6").choice("none").label_zh == "不执行或有事故"
    assert qc.item("3.1").choice("partial") is None
    assert [(b.id, b.label_zh, b.min, b.max) for b in qc.bands] == [
        ("excellent", "优秀", 85, 100),
        ("good", "良", 70, 85),
        ("fair", "中", 60, 70),
        ("poor", "差", 0, 60),
    ]


# FORM-B: item id → (max, [(points per occurrence, max occurrences)]) in DOMAIN.md rule order.
CQ_ITEMS = {
    "A": {
        "A1.1": (4, [("0.4", 10)]),
        "A1.2": (2, [("0.5", None), ("0.5", 1)]),
        "A2.1": (1, [("1", 1)]),
        "A3.1": ("0.5", [("0.5", 1)]),
        "A3.2": ("0.5", [("0.5", 1)]),
        "A3.3": ("0.5", [("0.5", 1)]),
        "A3.4": ("0.5", [("0.5", 1)]),
        "A3.5": (1, [("1", 1)]),
    },
    "B": {
        "B1.1": (3, [("1", 3)]),
        "B2.1": (3, [("0.5", 6)]),
        "B3.1": (2, [("2", 1)]),
        "B4.1": (4, [("1", 4)]),  # DOMAIN FORM-B: four conditions, −1 each
        "B4.2": (10, [("2", 6)]),
        "B4.3": (4, [("2", 2)]),
        "B4.4": (4, [("2", 2)]),
        "B4.5": (4, [("2", None)]),
        "B5.1": (10, [("10", 1), ("3", 3)]),
        "B6.1": (3, [("3", 1)]),
        "B6.2": (3, [("3", 1)]),
        "B7.1": (2, [("0.6", None)]),
        "B7.2": (2, [("0.6", None)]),
        "B7.3": (2, [("0.6", None)]),
        "B8.1": (1, [("1", 1)]),
        "B8.2": (1, [("1", 1)]),
        "B8.3": ("0.5", [("0.5", 1)]),
        "B8.4": ("0.5", [("0.25", 1), ("0.25", 1)]),
        "B9.1": (1, [("1", 1)]),
        "B10.1": (2, [("2", 1)]),
        "B10.2": (2, [("2", 1), ("2", 1)]),
        "B10.3": (2, [("2", 1)]),
        "B10.4": (1, [("1", 1)]),
    },
    "C": {
        "C1.1": (2, [("0.6", None)]),
        "C1.2": (2, [("0.6", None)]),
        "C1.3": (2, [("0.6", None)]),
        "C2.1": (2, [("2", None)]),
        "C2.2": (2, [("1", 1), ("1", 1)]),
        "C2.3": (2, [("2", 1)]),
        "C3.1": (1, [("1", None)]),
        "C4.1": (2, [("2", 1)]),
        "C4.2": (2, [("1", None)]),
        "C4.3": (2, [("1", None)]),
    },
}


def test_cq_renewal_matches_form_b():
    cq = form("CQ-RENEWAL")
    assert cq.title == "重庆市职业技能等级认定机构延续备案评估表"
    assert cq.cap == 100
    assert [(s.id, s.title, s.max, s.bonus) for s in cq.sections] == [
        ("A", "内部管理", 10, False),
        ("B", "评价组织实施", 67, False),
        ("C", "评价质量管理", 19, False),
        ("D", "加分项", 4, True),
    ]
    for section in cq.sections[:3]:
        got = {
            i.id: (i.max, [(r.points, r.max_count) for r in i.rules])
            for i in section.items
            if i.kind == "deduction"
        }
        want = {
            k: (D(str(m)), [(D(p), c) for p, c in rules]) for k, (m, rules) in CQ_ITEMS[section.id].items()
        }
        assert got == want
        assert list(got) == list(want)  # form order
    assert [(i.id, i.kind, i.points) for i in cq.sections[3].items] == [
        ("D1", "bonus", 2),
        ("D2", "bonus", 2),
    ]
    assert cq.base_max == 96 and cq.bonus_max == 4
    assert cq.item("B10.2").title == "各批次监控视频齐全、全覆盖"
    assert [r.label_zh for r in cq.item("C2.2").rules] == ["未设立投诉举报系统", "未公布投诉电话和信箱"]
    assert "[interpretation]" in cq.item("B2.1").note
    assert [(b.id, b.label_zh, b.min, b.max) for b in cq.bands] == [
        ("renew", "符合", 80, 100),
        ("rectify", "整改", 60, 80),
        ("refuse", "不予备案", 0, 60),
    ]


def test_every_shipped_item_title_is_chinese_and_ids_are_unique():
    for f in shipped_forms().values():
        ids = [i.id for i in f.items]
        assert len(ids) == len(set(ids))
        assert all(i.title and any("\u4e00" <= ch <= "\u9fff" for ch in i.title) for i in f.items)
    assert len(form("QC-STATION").items) == 22
    assert len(form("CQ-RENEWAL").items) == 43
