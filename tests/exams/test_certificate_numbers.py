"""EXAM-12 / CERT-1 certificate numbers: building, cutting and checking a number on both sides of every bound,
and the `dudao certificates number|check` contracts (pure: no database)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dudao.cli import main
from dudao.exams.domain.certificate_numbers import (
    DEFAULT_KINDS,
    CertificateNumberError,
    check_number,
    format_number,
    number_pattern,
    parse_kinds,
    province_codes,
    split_number,
)

EXAMPLE = "Y000123000001195000001"  # DOMAIN.md EXAM-12's example
EXAMPLE_PARTS = {
    "kind": "Y",
    "ministry": "0001",
    "province": "23",
    "institution": "000001",
    "year": "2019",
    "level": "5",
    "serial": "1",
}
EXAMPLE_FIELDS = {
    "kind": "Y",
    "ministry": "0001",
    "province": "23",
    "institution": "000001",
    "year": "19",
    "level": "5",
    "serial": "000001",
}
# The oracle: the 34 province-level divisions of GB/T 2260, written out here independently of the registry's
# reference file (11 北京 … 65 新疆, 71 台湾, 81 香港, 82 澳门).
GBT2260_PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42"}
    | {"43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}
)
ORACLE = re.compile(r"^[YS][0-9]{4}[0-9]{2}[0-9]{6}[0-9]{2}[1-5][0-9]{6}$")


def parts(**changes):
    return {**EXAMPLE_PARTS, **changes}


def errors_of(**changes) -> list[str]:
    with pytest.raises(CertificateNumberError) as exc:
        format_number(**parts(**changes))
    return exc.value.errors


# ---------------------------------------------------------------------------------------------------------
# EXAM-12 format_number
def test_exam12_example_from_its_parts():
    assert format_number(**EXAMPLE_PARTS) == EXAMPLE
    assert format_number(**parts(year=2019, level=5, serial=1)) == EXAMPLE  # ints as well as text


def test_exam12_province_codes_are_the_34_of_gbt2260():
    assert province_codes() == GBT2260_PROVINCES


@pytest.mark.parametrize(("level", "ok"), [("0", False), ("1", True), ("5", True), ("6", False)])
def test_exam12_level_bounds_1_to_5(level, ok):
    if ok:
        assert format_number(**parts(level=level))[15] == level
    else:
        assert errors_of(level=level) == [f"等级「{level}」应为 1 到 5 的整数"]


@pytest.mark.parametrize("level", ["", "05", "a", "-1", "1.0", "５"])
def test_exam12_level_not_a_single_digit(level):
    assert errors_of(level=level) == [f"等级「{level}」应为 1 到 5 的整数"]


@pytest.mark.parametrize(
    ("serial", "written"), [("1", "000001"), ("999999", "999999"), ("000042", "000042"), (17, "000017")]
)
def test_cert1_serial_inside_bounds_is_zero_padded(serial, written):
    assert format_number(**parts(serial=serial))[16:] == written


@pytest.mark.parametrize("serial", ["0", "000000", "1000000", 0, 1_000_000])
def test_cert1_serial_outside_1_to_999999(serial):
    assert errors_of(serial=serial) == [f"证书序号 {serial} 超出范围:应为 1 到 999999"]


@pytest.mark.parametrize("serial", ["", "-1", "+1", "1e3", "12a", "１２"])
def test_cert1_serial_not_a_whole_number(serial):
    assert errors_of(serial=serial) == [f"证书序号「{serial}」应为 1 到 999999 的整数"]


@pytest.mark.parametrize(
    ("ministry", "ok"), [("000", False), ("0000", True), ("0001", True), ("00001", False)]
)
def test_exam12_ministry_four_digits(ministry, ok):
    if ok:
        assert format_number(**parts(ministry=ministry))[1:5] == ministry
    else:
        assert errors_of(ministry=ministry) == [
            f"部委机构代码「{ministry}」应为 4 位数字(在省级备案的机构为 0000)"
        ]


def test_exam12_ministry_non_digit():
    assert errors_of(ministry="00a1") == ["部委机构代码「00a1」应为 4 位数字(在省级备案的机构为 0000)"]


@pytest.mark.parametrize(("province", "ok"), [("10", False), ("11", True), ("82", True), ("83", False)])
def test_exam12_province_known_codes_only(province, ok):
    if ok:
        assert format_number(**parts(province=province))[5:7] == province
    else:
        assert errors_of(province=province) == [f"省份代码「{province}」不是 GB/T 2260 的省级行政区划代码"]


@pytest.mark.parametrize("province", ["1", "110", "1a", "", "１１"])
def test_exam12_province_not_two_digits(province):
    assert errors_of(province=province) == [
        f"省份代码「{province}」应为 2 位数字(GB/T 2260 省级行政区划代码的前两位)"
    ]


@pytest.mark.parametrize(
    ("institution", "ok"), [("00001", False), ("000001", True), ("999999", True), ("0000001", False)]
)
def test_exam12_institution_six_digits(institution, ok):
    if ok:
        assert format_number(**parts(institution=institution))[7:13] == institution
    else:
        assert errors_of(institution=institution) == [f"评价机构序号「{institution}」应为 6 位数字"]


@pytest.mark.parametrize(("year", "ok"), [("201", False), ("2019", True), ("2100", True), ("20190", False)])
def test_exam12_year_four_digits_keeps_the_last_two(year, ok):
    if ok:
        assert format_number(**parts(year=year))[13:15] == year[2:]
    else:
        assert errors_of(year=year) == [f"年份「{year}」应为 4 位数字,如 2025"]


def test_exam12_year_full_width_digits_refused():
    assert errors_of(year="２０１９") == ["年份「２０１９」应为 4 位数字,如 2025"]


@pytest.mark.parametrize("kind", ["Y", "S"])
def test_exam12_kinds_y_and_s(kind):
    assert format_number(**parts(kind=kind))[0] == kind


def test_exam12_lowercase_kind_refused_with_a_hint():
    assert errors_of(kind="y") == ["类别「y」无效(应为大写「Y」):应为 Y、S 之一"]


@pytest.mark.parametrize("kind", ["J", "", "YS", "1"])
def test_exam12_other_kinds_refused(kind):
    assert errors_of(kind=kind) == [f"类别「{kind}」无效:应为 Y、S 之一"]


def test_exam12_configured_kind_letters():
    kinds = ("Y", "S", "J")
    assert format_number(**parts(kind="J"), kinds=kinds) == "J" + EXAMPLE[1:]
    with pytest.raises(CertificateNumberError):
        format_number(**parts(kind="S"), kinds=("Y",))


def test_exam12_every_bad_part_is_listed_in_order():
    assert errors_of(
        kind="X", ministry="1", province="99", institution="1", year="19", level="9", serial="0"
    ) == [
        "类别「X」无效:应为 Y、S 之一",
        "部委机构代码「1」应为 4 位数字(在省级备案的机构为 0000)",
        "省份代码「99」不是 GB/T 2260 的省级行政区划代码",
        "评价机构序号「1」应为 6 位数字",
        "年份「19」应为 4 位数字,如 2025",
        "等级「9」应为 1 到 5 的整数",
        "证书序号 0 超出范围:应为 1 到 999999",
    ]


# ---------------------------------------------------------------------------------------------------------
# EXAM-12 parse_kinds (setting DUDAO_CERT_KINDS)
@pytest.mark.parametrize(
    ("value", "kinds"),
    [
        (None, ("Y", "S")),
        ("", ("Y", "S")),
        ("Y,S", ("Y", "S")),
        (" Y , S ,J ", ("Y", "S", "J")),
        (["S"], ("S",)),
    ],
)
def test_exam12_kind_setting_parsed(value, kinds):
    assert parse_kinds(value) == kinds


@pytest.mark.parametrize("value", ["YS", "y", "Y,1", "Y,Y", "Y;S", "Ｙ"])
def test_exam12_kind_setting_malformed(value):
    with pytest.raises(CertificateNumberError, match="DUDAO_CERT_KINDS"):
        parse_kinds(value)


def test_exam12_pattern_follows_the_kinds():
    assert number_pattern().fullmatch(EXAMPLE)
    assert not number_pattern().fullmatch("J" + EXAMPLE[1:])
    assert number_pattern(("Y", "S", "J")).fullmatch("J" + EXAMPLE[1:])
    assert not number_pattern().fullmatch(EXAMPLE[:-1] + "１")  # ASCII digits only


# ---------------------------------------------------------------------------------------------------------
# EXAM-12 check_number
def test_exam12_check_the_example():
    verdict = check_number(EXAMPLE)
    assert verdict.as_json() == {"valid": True, "fields": EXAMPLE_FIELDS, "errors": []}


@pytest.mark.parametrize("length", [0, 1, 21, 23])
def test_exam12_check_wrong_length_gives_null_fields(length):
    number = (EXAMPLE + "0")[:length]
    verdict = check_number(number)
    assert verdict.valid is False
    assert verdict.fields == dict.fromkeys(EXAMPLE_FIELDS)
    assert verdict.errors == [f"证书编号应为 22 位,现为 {length} 位"]


def test_exam12_check_length_22_is_the_only_length():
    assert check_number(EXAMPLE).valid
    assert not check_number(EXAMPLE[:21]).valid
    assert not check_number(EXAMPLE + "1").valid


def test_exam12_check_wrong_length_still_reports_the_kind():
    assert check_number("X0001").errors == [
        "证书编号应为 22 位,现为 5 位",
        "第 1 位类别字母「X」无效:应为 Y、S 之一",
    ]


# position (0-based) → the error a letter there gives
POSITION_ERRORS = {
    **{i: "第 2–5 位部委机构代码「{}」应为 4 位数字" for i in range(1, 5)},
    **{i: "第 6–7 位省份代码「{}」应为 2 位数字" for i in range(5, 7)},
    **{i: "第 8–13 位评价机构序号「{}」应为 6 位数字" for i in range(7, 13)},
    **{i: "第 14–15 位年份「{}」应为 2 位数字" for i in range(13, 15)},
    15: "第 16 位等级「{}」应为 1 到 5",
    **{i: "第 17–22 位证书序号「{}」应为 6 位数字" for i in range(16, 22)},
}
SLICES = {1: (1, 5), 5: (5, 7), 7: (7, 13), 13: (13, 15), 15: (15, 16), 16: (16, 22)}


def _slice_of(position: int) -> tuple[int, int]:
    start = max(s for s in SLICES if s <= position)
    return SLICES[start]


@pytest.mark.parametrize("position", range(1, 22))
@pytest.mark.parametrize("char", ["A", "１", " "])
def test_exam12_check_each_position_non_digit(position, char):
    number = EXAMPLE[:position] + char + EXAMPLE[position + 1 :]
    start, end = _slice_of(position)
    verdict = check_number(number)
    assert verdict.valid is False
    assert verdict.errors == [POSITION_ERRORS[position].format(number[start:end])]
    assert verdict.fields == split_number(number)
    assert "".join(verdict.fields.values()) == number


@pytest.mark.parametrize("kind", ["Y", "S"])
def test_exam12_check_kinds(kind):
    assert check_number(kind + EXAMPLE[1:]).valid


def test_exam12_check_lowercase_kind_normalised_in_fields_and_reported():
    verdict = check_number("y" + EXAMPLE[1:])
    assert verdict.valid is False
    assert verdict.fields == EXAMPLE_FIELDS
    assert verdict.errors == ["第 1 位类别字母应为大写:「y」应为「Y」"]


@pytest.mark.parametrize("kind", ["J", "0", "Ｙ"])
def test_exam12_check_unknown_kind(kind):
    verdict = check_number(kind + EXAMPLE[1:])
    assert verdict.errors == [f"第 1 位类别字母「{kind}」无效:应为 Y、S 之一"]
    assert check_number("J" + EXAMPLE[1:], kinds=("Y", "S", "J")).valid


@pytest.mark.parametrize(
    ("code", "ok"), [("00", False), ("10", False), ("11", True), ("82", True), ("83", False)]
)
def test_exam12_check_unknown_province(code, ok):
    verdict = check_number(EXAMPLE[:5] + code + EXAMPLE[7:])
    assert verdict.valid is ok
    assert verdict.errors == ([] if ok else [f"第 6–7 位省份代码「{code}」不是 GB/T 2260 的省级行政区划代码"])


@pytest.mark.parametrize(
    ("level", "ok"), [("0", False), ("1", True), ("5", True), ("6", False), ("9", False)]
)
def test_exam12_check_level_bounds(level, ok):
    verdict = check_number(EXAMPLE[:15] + level + EXAMPLE[16:])
    assert verdict.valid is ok
    assert verdict.errors == ([] if ok else [f"第 16 位等级「{level}」应为 1 到 5"])


@pytest.mark.parametrize(("serial", "ok"), [("000000", False), ("000001", True), ("999999", True)])
def test_cert1_check_serial_bounds(serial, ok):
    verdict = check_number(EXAMPLE[:16] + serial)
    assert verdict.valid is ok
    assert verdict.errors == ([] if ok else ["第 17–22 位证书序号不能为 000000(从 000001 起)"])


def test_exam12_check_lists_every_problem_in_position_order():
    verdict = check_number("yA0a199000001196000000")
    assert verdict.as_json() == {
        "valid": False,
        "fields": {
            "kind": "Y",
            "ministry": "A0a1",
            "province": "99",
            "institution": "000001",
            "year": "19",
            "level": "6",
            "serial": "000000",
        },
        "errors": [
            "第 1 位类别字母应为大写:「y」应为「Y」",
            "第 2–5 位部委机构代码「A0a1」应为 4 位数字",
            "第 6–7 位省份代码「99」不是 GB/T 2260 的省级行政区划代码",
            "第 16 位等级「6」应为 1 到 5",
            "第 17–22 位证书序号不能为 000000(从 000001 起)",
        ],
    }


# ---------------------------------------------------------------------------------------------------------
# Properties (oracle: the published regular expression, the 34 codes above, serial ≠ 000000)
part_values = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["Y", "S"]),
        "ministry": st.from_regex(r"\A[0-9]{4}\Z"),
        "province": st.sampled_from(sorted(GBT2260_PROVINCES)),
        "institution": st.from_regex(r"\A[0-9]{6}\Z"),
        "year": st.integers(1000, 9999),
        "level": st.integers(1, 5),
        "serial": st.integers(1, 999_999),
    }
)


@given(part_values)
def test_exam12_property_number_then_check_round_trip(p):
    number = format_number(**p)
    expected = {
        "kind": p["kind"],
        "ministry": p["ministry"],
        "province": p["province"],
        "institution": p["institution"],
        "year": str(p["year"])[-2:],
        "level": str(p["level"]),
        "serial": str(p["serial"]).rjust(6, "0"),
    }
    assert number == "".join(expected.values())
    assert ORACLE.fullmatch(number)
    assert check_number(number).as_json() == {"valid": True, "fields": expected, "errors": []}


def _oracle_valid(number: str) -> bool:
    return bool(ORACLE.fullmatch(number)) and number[5:7] in GBT2260_PROVINCES and number[16:] != "000000"


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(alphabet="YSyJ0123456789A", min_size=22, max_size=22),
        st.builds(
            lambda prefix, province, rest: prefix + province + rest,
            st.from_regex(r"\A[YSy][0-9]{4}\Z"),
            st.from_regex(r"\A[0-9]{2}\Z"),
            st.from_regex(r"\A[0-9]{15}\Z"),
        ),
        st.text(max_size=30),
    )
)
def test_exam12_property_check_agrees_with_the_published_pattern(number):
    verdict = check_number(number)
    assert verdict.valid is _oracle_valid(number)
    assert (verdict.errors == []) is verdict.valid
    if len(number) == 22:
        assert verdict.fields["kind"] == number[0].upper()
        assert "".join(verdict.fields.values())[1:] == number[1:]
    else:
        assert set(verdict.fields.values()) == {None}


# ---------------------------------------------------------------------------------------------------------
# CLI contracts
def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(["dudao", "certificates", *args])
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def number_args(**changes) -> list[str]:
    return [x for name, value in parts(**changes).items() for x in (f"--{name}", str(value))]


def test_cli_number_prints_the_22_characters(capsys):
    assert cli(capsys, "number", *number_args()) == (0, EXAMPLE + "\n", "")
    assert cli(capsys, "number", *number_args(serial="999999", level="1", kind="S")) == (
        0,
        "S000123000001191999999\n",
        "",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "J"}, "类别「J」无效"),
        ({"kind": "y"}, "应为大写「Y」"),
        ({"ministry": "001"}, "部委机构代码「001」应为 4 位数字"),
        ({"province": "99"}, "省份代码「99」不是 GB/T 2260"),
        ({"province": "1"}, "省份代码「1」应为 2 位数字"),
        ({"institution": "12345"}, "评价机构序号「12345」应为 6 位数字"),
        ({"year": "19"}, "年份「19」应为 4 位数字"),
        ({"level": "0"}, "等级「0」应为 1 到 5"),
        ({"level": "6"}, "等级「6」应为 1 到 5"),
        ({"serial": "0"}, "证书序号 0 超出范围"),
        ({"serial": "1000000"}, "证书序号 1000000 超出范围"),
        ({"serial": "x"}, "证书序号「x」应为 1 到 999999 的整数"),
    ],
)
def test_cli_number_invalid_part_exit_2_chinese_stderr_empty_stdout(capsys, change, message):
    code, out, err = cli(capsys, "number", *number_args(**change))
    assert (code, out) == (2, "")
    assert err.startswith("错误:证书编号的组成部分有误:")
    assert message in err


def test_cli_number_missing_option_exit_2(capsys):
    code, out, err = cli(capsys, "number", "--kind", "Y")
    assert (code, out) == (2, "")
    assert "缺少参数:--ministry, --province, --institution, --year, --level, --serial" in err


def test_cli_check_json_valid_exit_0(capsys):
    code, out, err = cli(capsys, "check", EXAMPLE, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"valid": True, "fields": EXAMPLE_FIELDS, "errors": []}


def test_cli_check_json_invalid_exit_1(capsys):
    code, out, err = cli(capsys, "check", EXAMPLE[:21], "--json")
    assert (code, err) == (1, "")
    assert json.loads(out) == {
        "valid": False,
        "fields": dict.fromkeys(EXAMPLE_FIELDS),
        "errors": ["证书编号应为 22 位,现为 21 位"],
    }


def test_cli_check_report_in_chinese(capsys):
    code, out, _ = cli(capsys, "check", EXAMPLE)
    assert code == 0
    assert out.splitlines() == [
        f"证书编号「{EXAMPLE}」:格式有效",
        "  类别字母:Y(用人单位)",
        "  部委机构代码:0001",
        "  省份代码:23(黑龙江省)",
        "  评价机构序号:000001",
        "  年份:19(年份后两位)",
        "  等级:5(五级/初级工)",
        "  证书序号:000001",
    ]
    code, out, _ = cli(capsys, "check", "S000011000001190000000")
    assert code == 1
    assert out.splitlines() == [
        "证书编号「S000011000001190000000」:格式无效",
        "  - 第 16 位等级「0」应为 1 到 5",
        "  - 第 17–22 位证书序号不能为 000000(从 000001 起)",
    ]


def test_cli_kind_letters_from_the_setting(capsys, settings):
    settings.DUDAO_CERT_KINDS = "Y,S,J"
    assert cli(capsys, "number", *number_args(kind="J")) == (0, "J" + EXAMPLE[1:] + "\n", "")
    assert cli(capsys, "check", "J" + EXAMPLE[1:], "--json")[0] == 0
    settings.DUDAO_CERT_KINDS = "Y"
    assert cli(capsys, "check", "S" + EXAMPLE[1:], "--json")[0] == 1


def test_cli_kind_setting_malformed_exit_2(capsys, settings):
    settings.DUDAO_CERT_KINDS = "YS"
    code, out, err = cli(capsys, "check", EXAMPLE, "--json")
    assert (code, out) == (2, "")
    assert err.startswith("错误:配置错误:配置 DUDAO_CERT_KINDS")


def test_default_kinds_are_y_and_s():
    assert DEFAULT_KINDS == ("Y", "S")


def _subprocess(*args: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-m", "dudao.cli", "certificates", *args],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(root),
            "DATABASE_URL": "sqlite:////nonexistent/none.sqlite3",
        },
        check=False,
    )


def test_cli_through_a_process_without_a_database():
    done = _subprocess("number", *number_args())
    assert (done.returncode, done.stdout, done.stderr) == (0, EXAMPLE + "\n", "")
    done = _subprocess("check", EXAMPLE, "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["valid"] is True
    done = _subprocess("check", EXAMPLE + "0", "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["valid"] is False
    done = _subprocess("number", *number_args(level="6"))
    assert (done.returncode, done.stdout) == (2, "")
    assert "等级「6」应为 1 到 5 的整数" in done.stderr
