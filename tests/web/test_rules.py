"""Rule references for users (issue 9 §3 point 4): the id never, the Chinese source in a 依据 tooltip."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from dudao.web.rules import basis, plain, source_of


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("整改期内暂停认定工作(REN-4)", "整改期内暂停认定工作"),
        ("督导员履职(SUP-9…11)", "督导员履职"),
        ("已续聘(SUP-5:至多三届)", "已续聘(至多三届)"),
        ("权重(投诉多的机构提高权重,RAND-1)", "权重(投诉多的机构提高权重)"),
        ("将按 SUP-10 记入履职记录", "将按规定记入履职记录"),
        ("[interpretation] 原表该分区标题分值不清", "原表该分区标题分值不清"),
        ("批次 PC-2025-001 与备案 JX-BA-0001 不变", "批次 PC-2025-001 与备案 JX-BA-0001 不变"),
    ],
)
def test_plain_removes_rule_ids_and_spec_marks(text, shown):
    assert plain(text) == shown


def test_basis_names_the_chinese_source_not_the_id():
    assert basis("SUP-8") == "依据:《技能人才评价质量督导工作规程(试行)》"
    assert source_of("INST-4") == source_of("ACT-1")
    assert "延续备案" in source_of("REN-4")
    assert basis("XYZ-1") == ""
    for rule in ("SUP-8", "REN-4", "RAND-2", "CAL-3", "EXAM-2"):
        assert rule not in basis(rule) and basis(rule).startswith("依据:")


def test_template_filters():
    html = Template("{% load dudao %}<span title=\"{{ 'SUP-7'|basis }}\">{{ reason|plain }}</span>").render(
        Context({"reason": "低于 60 分,不予续期备案(REN-4)"})
    )
    assert html == '<span title="依据:《技能人才评价质量督导工作规程(试行)》">低于 60 分,不予续期备案</span>'
