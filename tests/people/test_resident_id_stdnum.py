"""The resident-ID check (people.domain.parse_resident_id) says exactly what python-stdnum's cn.ric.validate
says, with the message the refusal it raises maps to; the region lookup is only kept per region and year."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from dudao.common.errors import ValidationFailed
from dudao.people import domain

# Real codes (one retired, 360121 南昌县 renamed), a code of no place, and digits at random.
REGIONS = ["360102", "360121", "110101", "440305", "500101", "360000", "999999", "000000", "362201", "110001"]


def stdnum_verdict(number: str) -> str:
    """The message the check gave when it called ric.validate itself (the oracle)."""
    try:
        ric.validate(number)
    except KeyError:  # stdnum's lookup of a code with no county entry (110001): an unknown region
        return "身份证号中的地区代码无效(或该代码在出生年份尚未启用)"
    except stdnum_errors.InvalidChecksum:
        return "身份证号校验码错误,请核对后重新输入"
    except stdnum_errors.InvalidComponent:
        try:
            ric.get_birth_date(number)
        except stdnum_errors.InvalidComponent:
            return "身份证号中的出生日期无效"
        return "身份证号中的地区代码无效(或该代码在出生年份尚未启用)"
    return "ok"


def verdict(number: str) -> str:
    try:
        domain.parse_resident_id(number)
    except ValidationFailed as exc:
        return exc.message
    return "ok"


def with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@given(
    region=st.one_of(st.sampled_from(REGIONS), st.from_regex(r"[0-9]{6}", fullmatch=True)),
    birth=st.one_of(
        st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)).map(lambda d: d.strftime("%Y%m%d")),
        st.from_regex(r"[0-9]{8}", fullmatch=True),
    ),
    sequence=st.from_regex(r"[0-9]{3}", fullmatch=True),
    last=st.one_of(st.none(), st.sampled_from("0123456789X")),
)
def test_same_verdict_as_stdnum(region, birth, sequence, last):
    body = region + birth + sequence
    number = with_check_digit(body) if last is None else body + last
    assert verdict(number) == stdnum_verdict(number)


def test_each_verdict_on_both_sides():
    good = with_check_digit("36010219850101001")
    assert verdict(good) == "ok"
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert verdict(wrong) == "身份证号校验码错误,请核对后重新输入"
    assert verdict(with_check_digit("36010219850230001")) == "身份证号中的出生日期无效"
    assert (
        verdict(with_check_digit("99999919850101001"))
        == "身份证号中的地区代码无效(或该代码在出生年份尚未启用)"
    )
    # stdnum raises KeyError for a code under a province with no county entry: refused, not a crash
    assert (
        verdict(with_check_digit("11000119850101001"))
        == "身份证号中的地区代码无效(或该代码在出生年份尚未启用)"
    )
    assert verdict(with_check_digit("11010119850101001")) == "ok"
    parsed = domain.parse_resident_id(good)
    assert (parsed.birth_date, parsed.gender) == (dt.date(1985, 1, 1), "M")
