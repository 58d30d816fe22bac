"""Rule references as users read them: never the id (SUP-8, REN-4 …), at most a 依据 tooltip naming the
Chinese source document (issue 9 §3 point 4). Rule ids stay in code comments, tests and commits.

- `source_of("SUP-8")` → "《技能人才评价质量督导工作规程(试行)》"; `basis("SUP-8")` → "依据:《…》" for a
  `title` attribute (template filter `basis`).
- `plain(text)` removes rule ids and the spec's "[interpretation]" marks from text written before this rule
  (stored reasons, form definitions): "…暂停认定工作(REN-4)" → "…暂停认定工作" (template filter `plain`).
"""

from __future__ import annotations

import re

PREFIXES = "ACT|ARCH|CAL|CERT|COMPL|EXAM|FORM|INST|OCC|QUAL|RAND|REN|SEC|SUP"
RULE_ID = re.compile(rf"\b(?:{PREFIXES})-\d+")
_ONE = rf"(?:{PREFIXES})-\d+(?:\(\d+\))?"

SUPERVISION_RULES = "《技能人才评价质量督导工作规程(试行)》"
SOURCES = {
    "SUP": SUPERVISION_RULES,
    "ACT": SUPERVISION_RULES,
    "INST-4": SUPERVISION_RULES,
    "INST": "《关于做好职业技能等级认定机构延续备案工作的通知》",
    "REN": "《关于做好职业技能等级认定机构延续备案工作的通知》",
    "EXAM": "《职业技能等级认定工作规程(试行)》",
    "CERT": "《职业技能等级认定工作规程(试行)》",
    "ARCH": "《职业技能等级认定工作规程(试行)》",
    "RAND": "《国务院办公厅关于推广随机抽查规范事中事后监管的通知》",
    "CAL": "国务院办公厅关于部分节假日安排的通知",
    "SEC": "《网络安全法》《个人信息保护法》及网络安全等级保护基本要求",
    "QUAL": "职业技能鉴定质量管理有关规定",
    "COMPL": "职业技能鉴定质量管理有关规定",
    "OCC": "《中华人民共和国职业分类大典》",
}

_PLAIN = [
    (re.compile(rf"[((]\s*{_ONE}(?:\s*(?:…|\.\.\.|~|-|、|,|,|/)\s*(?:{_ONE}|\d+))*\s*[))]"), ""),
    (re.compile(rf"([((])\s*{_ONE}\s*[::]\s*"), r"\1"),
    (re.compile(rf"\s*[,,、]\s*{_ONE}(?=[))])"), ""),
    (re.compile(rf"按\s*{_ONE}\s*"), "按规定"),
    (re.compile(r"\s*\[interpretation[^\]]*\]\s*"), ""),
    (re.compile(rf"\s?{_ONE}\s?"), ""),
]


def source_of(rule: str) -> str:
    """The Chinese source document of a rule id ("" when unknown)."""
    rule = rule.strip()
    return SOURCES.get(rule) or SOURCES.get(rule.split("-", 1)[0], "")


def basis(rule: str) -> str:
    source = source_of(rule)
    return f"依据:{source}" if source else ""


def plain(text: str) -> str:
    for pattern, replacement in _PLAIN:
        text = pattern.sub(replacement, text)
    return text
