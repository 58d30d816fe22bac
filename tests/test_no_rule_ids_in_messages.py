"""Users never see rule ids or internal ``#<pk>`` ids.

Rule ids (SUP-8, REN-6 …) stay cited in code comments, docstrings and test names;
every user-visible Chinese string must be free of them. This static test parses
every module under ``dudao/`` with ``ast`` and every template's visible text.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "dudao"
CJK = re.compile(r"[\u4e00-\u9fff]")
# SHA-256 and UTF-8 are names users know, not rule ids.
RULE_ID = re.compile(r"\b(?!SHA-\d|UTF-\d)[A-Z]{2,6}-\d+")
# A "依据" tooltip maps a rule id to its Chinese source name: {{ 'SUP-7'|basis }}.
BASIS = re.compile(r"\{\{\s*'[^']*'\s*\|\s*basis\s*\}\}")
PK_ID = re.compile(r"#\s*(\d|$)")
# The audit chain numbers its events and checkpoints publicly (the public audit page shows them).
PK_EXEMPT = {
    "common/audit.py",
    "common/management/commands/audit.py",
    "common/management/commands/backup.py",
    "common/management/commands/restore.py",
}
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}", re.S)
TEMPLATE_TAG = re.compile(r"\{%.*?%\}", re.S)
BLOCK_COMMENT = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)


def _docstring_ids(tree):
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _chinese_constants(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _docstring_ids(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            value = node.value
        elif isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, "{}" for each field
            value = "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
        else:
            continue
        if CJK.search(value):
            yield node.lineno, value


def _python_files():
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def _templates():
    return sorted(p for p in ROOT.rglob("*.html") if "templates" in p.parts)


def _visible_text(path):
    text = path.read_text(encoding="utf-8")
    text = BLOCK_COMMENT.sub("", text)
    text = TEMPLATE_COMMENT.sub("", text)
    text = BASIS.sub("", text)
    return TEMPLATE_TAG.sub("", text)


def test_python_messages_have_no_rule_ids():
    found = [
        f"{path.relative_to(ROOT.parent)}:{line}: {value!r}"
        for path in _python_files()
        for line, value in _chinese_constants(path)
        if RULE_ID.search(value)
    ]
    assert not found, "rule ids in user-visible strings:\n" + "\n".join(found)


def test_python_messages_have_no_pk_ids():
    found = [
        f"{path.relative_to(ROOT.parent)}:{line}: {value!r}"
        for path in _python_files()
        if path.relative_to(ROOT).as_posix() not in PK_EXEMPT
        for line, value in _chinese_constants(path)
        if PK_ID.search(value)
    ]
    assert not found, "internal #<pk> ids in user-visible strings:\n" + "\n".join(found)


def test_templates_have_no_rule_ids():
    found = [
        f"{path.relative_to(ROOT.parent)}:{lineno}: {line.strip()}"
        for path in _templates()
        for lineno, line in enumerate(_visible_text(path).splitlines(), 1)
        if RULE_ID.search(line)
    ]
    assert not found, "rule ids in template text:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("须回避(SUP-8)", True),
        ("依据第八条", False),
        ("SUP-9…11 检查", True),
        ("归档 SHA-256", False),
        ("UTF-8 编码", False),
    ],
)
def test_rule_id_pattern(text, bad):
    assert bool(RULE_ID.search(text)) is bad
