"""Certificate numbers (EXAM-12, CERT-1): build one from its parts, cut one into its parts, check one.

A number has 22 characters (public source, see DOMAIN.md EXAM-12):

    position  1      2–5       6–7       8–13         14–15  16     17–22
    part      kind   ministry  province  institution  year   level  serial
    example   Y      0001      23        000001       19     5      000001   → Y000123000001195000001

- kind: the institution kind letter, `Y` employer (用人单位) / `S` social evaluation organisation
  (社会培训评价组织). Technical schools' letter is not documented, so the letters are a parameter
  (`kinds`), read by the callers from the setting `DUDAO_CERT_KINDS` (default `Y,S`).
- ministry: 4-digit code of the ministry-level filing body, `0000` when the institution is filed with a
  province.
- province: 2-digit province-level code of GB/T 2260 (the 34 `xx0000` rows of the registry's reference file
  `dudao/registry/data/regions.csv`).
- institution: 6-digit institution serial assigned by the province.
- year: the last two digits of the year.
- level: 1–5 (一级/高级技师 … 五级/初级工).
- serial: 6-digit certificate serial, 000001–999999, from a database sequence per prefix (CERT-1, not here).

Pure: no Django, no database.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

NUMBER_LENGTH = 22
DEFAULT_KINDS: tuple[str, ...] = ("Y", "S")
SERIAL_MIN = 1
SERIAL_MAX = 999_999
LEVELS = range(1, 6)

# (name, start, end, Chinese label) in position order; positions in messages are 1-based.
PARTS: tuple[tuple[str, int, int, str], ...] = (
    ("kind", 0, 1, "类别字母"),
    ("ministry", 1, 5, "部委机构代码"),
    ("province", 5, 7, "省份代码"),
    ("institution", 7, 13, "评价机构序号"),
    ("year", 13, 15, "年份"),
    ("level", 15, 16, "等级"),
    ("serial", 16, 22, "证书序号"),
)
FIELD_NAMES: tuple[str, ...] = tuple(name for name, *_ in PARTS)

REGIONS_FILE = Path(__file__).resolve().parents[2] / "registry" / "data" / "regions.csv"
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: `\d` and str.isdigit() also take full-width and other digits
_KIND_LETTER = re.compile(r"[A-Z]")


class CertificateNumberError(ValueError):
    """One or more parts of a certificate number are invalid; `errors` lists every problem in Chinese."""

    def __init__(self, errors: list[str]):
        super().__init__(";".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class NumberCheck:
    """The verdict on one certificate number: `fields` cut by position (None when the length is not 22)."""

    valid: bool
    fields: dict[str, str | None]
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"valid": self.valid, "fields": dict(self.fields), "errors": list(self.errors)}


# ---------------------------------------------------------------------------------------------------------
# Configuration: kind letters and province codes.
def parse_kinds(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """`"Y,S,J"` (or a sequence of letters) → ("Y", "S", "J"); None or blank → the default Y, S.

    Each letter must be one uppercase ASCII letter, without repeats (the setting DUDAO_CERT_KINDS)."""
    if value is None:
        return DEFAULT_KINDS
    items = value.split(",") if isinstance(value, str) else list(value)
    letters = tuple(str(item).strip() for item in items if str(item).strip())
    if not letters:
        return DEFAULT_KINDS
    bad = [letter for letter in letters if not _KIND_LETTER.fullmatch(letter)]
    if bad:
        message = (
            f"配置 DUDAO_CERT_KINDS 中的「{bad[0][:10]}」无效:每个类别应为一个大写英文字母,以逗号分隔,如 Y,S"
        )
        raise CertificateNumberError([message])
    if len(set(letters)) != len(letters):
        raise CertificateNumberError(["配置 DUDAO_CERT_KINDS 中有重复的类别字母"])
    return letters


@functools.lru_cache(maxsize=1)
def province_names() -> dict[str, str]:
    """{2-digit code: name} of the 34 province-level divisions of GB/T 2260 (`xx0000` rows of the registry's
    reference file, which `dudao load-reference` also loads)."""
    with open(REGIONS_FILE, encoding="utf-8", newline="") as fh:
        return {
            row["code"][:2]: row["name"]
            for row in csv.DictReader(fh)
            if re.fullmatch(r"[0-9]{2}0000", row["code"])
        }


@functools.lru_cache(maxsize=1)
def province_codes() -> frozenset[str]:
    """The 2-digit province-level codes of GB/T 2260."""
    return frozenset(province_names())


def number_pattern(kinds: Collection[str] = DEFAULT_KINDS) -> re.Pattern[str]:
    """EXAM-12's `^[YS]\\d{4}\\d{2}\\d{6}\\d{2}[1-5]\\d{6}$` for the configured kinds (ASCII digits only)."""
    letters = "".join(re.escape(k) for k in kinds)
    return re.compile(rf"[{letters}][0-9]{{4}}[0-9]{{2}}[0-9]{{6}}[0-9]{{2}}[1-5][0-9]{{6}}")


def _kinds_text(kinds: Collection[str]) -> str:
    return "、".join(kinds)


def _show(value: object) -> str:
    """A user's value inside a message: one line, at most 30 characters."""
    text = str(value).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= 30 else text[:30] + "…"


# ---------------------------------------------------------------------------------------------------------
# Building a number (`dudao certificates number`).
def format_number(
    *,
    kind: str,
    ministry: str,
    province: str,
    institution: str,
    year: str | int,
    level: str | int,
    serial: str | int,
    kinds: Collection[str] = DEFAULT_KINDS,
    provinces: Collection[str] | None = None,
) -> str:
    """The 22-character number from its parts (EXAM-12); raises CertificateNumberError listing every bad part.

    Strict: the kind must be one of `kinds` exactly (a lowercase letter is refused, the number printed on a
    certificate is uppercase); ministry 4 digits, province a GB/T 2260 province-level code, institution 6
    digits, year 4 digits (the number keeps its last two), level 1–5, serial a whole number 1–999999 (written
    with 6 digits, zero-padded). Digits are ASCII digits only.
    """
    provinces = province_codes() if provinces is None else provinces
    errors: list[str] = []
    kind, ministry, province, institution = (str(v) for v in (kind, ministry, province, institution))
    year, level, serial = str(year), str(level), str(serial)
    if kind not in kinds:
        hint = f"(应为大写「{kind.upper()}」)" if kind.upper() in kinds else ""
        errors.append(f"类别「{_show(kind)}」无效{hint}:应为 {_kinds_text(kinds)} 之一")
    if not (len(ministry) == 4 and _DIGITS.fullmatch(ministry)):
        errors.append(f"部委机构代码「{_show(ministry)}」应为 4 位数字(在省级备案的机构为 0000)")
    if not (len(province) == 2 and _DIGITS.fullmatch(province)):
        errors.append(f"省份代码「{_show(province)}」应为 2 位数字(GB/T 2260 省级行政区划代码的前两位)")
    elif province not in provinces:
        errors.append(f"省份代码「{province}」不是 GB/T 2260 的省级行政区划代码")
    if not (len(institution) == 6 and _DIGITS.fullmatch(institution)):
        errors.append(f"评价机构序号「{_show(institution)}」应为 6 位数字")
    if not (len(year) == 4 and _DIGITS.fullmatch(year)):
        errors.append(f"年份「{_show(year)}」应为 4 位数字,如 2025")
    if not (len(level) == 1 and level in "12345"):
        errors.append(f"等级「{_show(level)}」应为 1 到 5 的整数")
    if not _DIGITS.fullmatch(serial):
        errors.append(f"证书序号「{_show(serial)}」应为 {SERIAL_MIN} 到 {SERIAL_MAX} 的整数")
    elif not SERIAL_MIN <= int(serial) <= SERIAL_MAX:
        errors.append(f"证书序号 {_show(serial)} 超出范围:应为 {SERIAL_MIN} 到 {SERIAL_MAX}")
    if errors:
        raise CertificateNumberError(errors)
    return f"{kind}{ministry}{province}{institution}{year[2:]}{level}{int(serial):06d}"


# ---------------------------------------------------------------------------------------------------------
# Checking a number (`dudao certificates check`).
def split_number(number: str) -> dict[str, str | None]:
    """The seven parts cut by position when the number has 22 characters, else all None. The kind letter is
    upper-cased (a lowercase letter is still reported by `check_number`)."""
    if len(number) != NUMBER_LENGTH:
        return dict.fromkeys(FIELD_NAMES)
    fields: dict[str, str | None] = {name: number[start:end] for name, start, end, _ in PARTS}
    fields["kind"] = number[0].upper()
    return fields


def _where(start: int, end: int) -> str:
    return f"第 {start + 1} 位" if end - start == 1 else f"第 {start + 1}–{end} 位"


def check_number(
    number: str, *, kinds: Collection[str] = DEFAULT_KINDS, provinces: Collection[str] | None = None
) -> NumberCheck:
    """Every problem of `number` against EXAM-12, in position order, in Chinese.

    A number of the wrong length gets the length error, plus the kind error when its first character is not
    a configured letter (the first position does not depend on the length); the other parts cannot be cut
    reliably then and are not judged, and every field is None. With 22 characters each part is judged on its
    own: the kind (a lowercase configured letter is normalised in `fields` and still reported), each digit
    part non-digit, an unknown province, a level outside 1–5, the serial 000000.
    """
    provinces = province_codes() if provinces is None else provinces
    number = str(number)
    errors: list[str] = []
    if len(number) != NUMBER_LENGTH:
        errors.append(f"证书编号应为 {NUMBER_LENGTH} 位,现为 {len(number)} 位")
    if not number:
        return NumberCheck(valid=False, fields=split_number(number), errors=errors)
    first = number[0]
    if first not in kinds:
        if first.upper() in kinds:
            errors.append(f"第 1 位类别字母应为大写:「{first}」应为「{first.upper()}」")
        else:
            errors.append(f"第 1 位类别字母「{_show(first)}」无效:应为 {_kinds_text(kinds)} 之一")
    if len(number) != NUMBER_LENGTH:
        return NumberCheck(valid=False, fields=split_number(number), errors=errors)
    fields = split_number(number)
    for name, start, end, label in PARTS[1:]:
        text = number[start:end]
        where = _where(start, end)
        if name == "level":
            if not (_DIGITS.fullmatch(text) and int(text) in LEVELS):
                errors.append(f"{where}{label}「{text}」应为 1 到 5")
        elif not _DIGITS.fullmatch(text):
            errors.append(f"{where}{label}「{text}」应为 {end - start} 位数字")
        elif name == "province" and text not in provinces:
            errors.append(f"{where}{label}「{text}」不是 GB/T 2260 的省级行政区划代码")
        elif name == "serial" and int(text) < SERIAL_MIN:
            errors.append(f"{where}{label}不能为 000000(从 000001 起)")
    return NumberCheck(valid=not errors, fields=fields, errors=errors)
