"""The signed QR payload of a certificate (issue 11 item 4, EXAM-12, CERT-2): sealing, offline verification
with the public key only, refusal of tampered, truncated and foreign payloads, key loading, and the
`dudao certificates verify-qr` command (pure: no database)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import shutil
import subprocess

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from dudao.cli import main
from dudao.exams.domain.certificate_seal import (
    MAX_TEXT_CHARS,
    CertificateFacts,
    SealError,
    SealKeyError,
    canonical_payload,
    load_private_key,
    load_public_key,
    public_key_pem,
    seal,
    seal_number,
    seal_template,
    signing_key_from_setting,
    verify_seal,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUBLIC = KEY.public_key()
FACTS = CertificateFacts(
    number="Y000123000001195000001",
    name="张三",
    masked_id="110105********002X",
    occupation="电工 6-31-01-03",
    level=5,
    institution="黑龙江省某职业技能鉴定站",
    issue_date=dt.date(2019, 6, 30),
)
FACTS_JSON = {
    "number": "Y000123000001195000001",
    "name": "张三",
    "masked_id": "110105********002X",
    "occupation": "电工 6-31-01-03",
    "level": 5,
    "institution": "黑龙江省某职业技能鉴定站",
    "issue_date": "2019-06-30",
}
B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SIGNATURE_INVALID = "签名无效:二维码内容被改动,或不是由该公钥对应的发证机构签发"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def forge(payload: bytes, key=KEY, version: str = "v1") -> str:
    """A QR text over arbitrary payload bytes, signed the documented way (version.payload)."""
    signing_input = f"{version}.{b64(payload)}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def canonical(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


SHORT = {
    "d": "2019-06-30",
    "i": "黑龙江省某职业技能鉴定站",
    "id": "110105********002X",
    "l": 5,
    "n": "Y000123000001195000001",
    "nm": "张三",
    "o": "电工 6-31-01-03",
}


# ---------------------------------------------------------------------------------------------------------
# Sealing
def test_canonical_payload_exact_bytes():
    assert (
        canonical_payload(FACTS)
        == (
            '{"d":"2019-06-30","i":"黑龙江省某职业技能鉴定站","id":"110105********002X","l":5,'
            '"n":"Y000123000001195000001","nm":"张三","o":"电工 6-31-01-03"}'
        ).encode()
    )


def test_seal_is_version_payload_signature_and_verifies_independently():
    text = seal(FACTS, KEY)
    version, payload, signature = text.split(".")
    assert version == "v1"
    assert unb64(payload) == canonical(SHORT)
    assert len(signature) == 86 and len(unb64(signature)) == 64
    PUBLIC.verify(unb64(signature), f"v1.{payload}".encode())  # the documented construction, by hand
    with pytest.raises(InvalidSignature):
        PUBLIC.verify(unb64(signature), payload.encode())  # the version is signed too
    assert len(text) < 400  # fits a QR code comfortably


def test_seal_is_deterministic():
    assert seal(FACTS, KEY) == seal(FACTS, KEY)
    assert seal(FACTS, KEY) != seal(FACTS, OTHER_KEY)


def test_seal_round_trip():
    verdict = verify_seal(seal(FACTS, KEY), PUBLIC)
    assert verdict.as_json() == {"valid": True, "certificate": FACTS_JSON, "reason": None}
    assert verdict.facts == FACTS


def facts(**changes) -> CertificateFacts:
    return CertificateFacts(**{**FACTS.__dict__, **changes})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"masked_id": "110105199001010025"}, "身份证件号码须脱敏"),
        ({"number": "Y00012300000119500000"}, "证书编号有误:证书编号应为 22 位,现为 21 位"),
        ({"number": "J000123000001195000001"}, "证书编号有误:第 1 位类别字母「J」无效"),
        ({"level": 0}, "等级「0」应为 1 到 5 的整数"),
        ({"level": 6}, "等级「6」应为 1 到 5 的整数"),
        ({"level": True}, "等级「True」应为 1 到 5 的整数"),
        ({"level": "5"}, "等级「5」应为 1 到 5 的整数"),
        ({"name": ""}, "姓名不能为空"),
        ({"name": "  "}, "姓名不能为空"),
        ({"name": "张\n三"}, "姓名应为一行"),
        ({"institution": "机" * (MAX_TEXT_CHARS + 1)}, f"评价机构应为一行,不超过 {MAX_TEXT_CHARS} 个字符"),
        ({"occupation": None}, "职业(工种)不能为空"),
        ({"issue_date": "2019-06-30"}, "发证日期应为日期"),
        ({"issue_date": dt.datetime(2019, 6, 30, 8, 0)}, "发证日期应为日期"),
    ],
)
def test_seal_refuses_bad_facts(change, message):
    with pytest.raises(SealError, match=re.escape(message)):
        seal(facts(**change), KEY)
    with pytest.raises(SealError, match=re.escape(message)):  # the issuing path checks the same way
        seal_template(facts(**change))


@pytest.mark.parametrize("level", [1, 5])
def test_seal_level_bounds_inside(level):
    assert verify_seal(seal(facts(level=level), KEY), PUBLIC).facts.level == level


def test_seal_text_length_bound_inside():
    long = facts(institution="机" * MAX_TEXT_CHARS)
    assert verify_seal(seal(long, KEY), PUBLIC).valid


def test_seal_with_configured_kinds():
    j = facts(number="J000123000001195000001")
    assert verify_seal(seal(j, KEY, kinds=("Y", "S", "J")), PUBLIC).facts == j


# ---------------------------------------------------------------------------------------------------------
# Verification: refusals
def test_wrong_public_key_refused():
    verdict = verify_seal(seal(FACTS, KEY), OTHER_KEY.public_key())
    assert verdict.as_json() == {"valid": False, "certificate": None, "reason": SIGNATURE_INVALID}


def test_tampered_payload_refused():
    version, _, signature = seal(FACTS, KEY).split(".")
    for change in ({"l": 1}, {"nm": "李四"}, {"n": "Y000123000001195000002"}, {"d": "2020-06-30"}):
        tampered = f"{version}.{b64(canonical({**SHORT, **change}))}.{signature}"
        assert verify_seal(tampered, PUBLIC).reason == SIGNATURE_INVALID


def test_every_truncation_refused_without_raising():
    text = seal(FACTS, KEY)
    for length in range(len(text)):
        verdict = verify_seal(text[:length], PUBLIC)
        assert verdict.valid is False and verdict.facts is None
        assert verdict.reason and any("\u4e00" <= ch <= "\u9fff" for ch in verdict.reason)


def test_truncation_reasons():
    text = seal(FACTS, KEY)
    assert verify_seal("", PUBLIC).reason == "二维码内容为空"
    assert verify_seal(text.rsplit(".", 1)[0], PUBLIC).reason == (
        "二维码内容格式不对:应为「版本.内容.签名」三段(可能不完整)"
    )
    assert verify_seal(text[:-3], PUBLIC).reason == (
        "二维码签名部分不是有效的 base64url 编码(可能被截断或改动)"
    )  # 83 characters: a length base64 never has
    signing_input, signature = text.rsplit(".", 1)
    short = b64(unb64(signature)[:63])  # a signature cut at a byte boundary, re-encoded cleanly
    assert verify_seal(f"{signing_input}.{short}", PUBLIC).reason == (
        "签名长度不对:应为 64 字节,现为 63 字节(可能被截断)"
    )
    longer = b64(unb64(signature) + b"\0")
    assert verify_seal(f"{signing_input}.{longer}", PUBLIC).reason == (
        "签名长度不对:应为 64 字节,现为 65 字节(可能被截断)"
    )


def test_every_single_character_change_refused():
    text = seal(FACTS, KEY)
    for i, ch in enumerate(text):
        for other in (B64URL_ALPHABET + ".")[:: 7 if ch != "." else 1]:
            if other != ch:
                assert not verify_seal(text[:i] + other + text[i + 1 :], PUBLIC).valid, (i, other)


def test_non_canonical_base64_of_the_same_signature_refused():
    text = seal(FACTS, KEY)
    signature = text.rsplit(".", 1)[1]
    last = signature[-1]
    twins = [c for c in B64URL_ALPHABET if c != last and unb64(signature[:-1] + c) == unb64(signature)]
    assert (
        len(twins) == 15
    )  # 64 bytes leave 4 spare bits in the last character: 16 spellings of one signature
    for twin in twins:
        assert verify_seal(text[:-1] + twin, PUBLIC).reason == (
            "二维码签名部分不是有效的 base64url 编码(可能被截断或改动)"
        )


@pytest.mark.parametrize("value", [None, b"v1.a.b", 42, ["v1"]])
def test_non_text_refused(value):
    assert verify_seal(value, PUBLIC).reason == "二维码内容应为文本"


def test_surrounding_whitespace_of_a_scan_is_ignored():
    assert verify_seal("  " + seal(FACTS, KEY) + "\n", PUBLIC).valid


def test_other_version_refused():
    assert (
        verify_seal(forge(canonical(SHORT), version="v2"), PUBLIC).reason
        == "不支持的二维码版本「v2」(应为 v1)"
    )


def test_padding_and_foreign_characters_refused():
    version, payload, signature = seal(FACTS, KEY).split(".")
    assert not verify_seal(f"{version}.{payload}.{signature}==", PUBLIC).valid
    assert not verify_seal(f"{version}.{payload.replace('-', '+')}x.{signature}", PUBLIC).valid
    assert verify_seal(f"{version}..{signature}", PUBLIC).reason == (
        "二维码内容部分不是有效的 base64url 编码(可能被截断或改动)"
    )


def test_overlong_input_refused():
    assert "过长" in verify_seal("v1." + "A" * 5000 + ".B", PUBLIC).reason


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (canonical(SHORT).replace(b",", b", "), "二维码内容不是规范编码(不是本系统签发的格式)"),
        (json.dumps(SHORT).encode(), "二维码内容不是规范编码(不是本系统签发的格式)"),  # ASCII escapes
        (canonical({**SHORT, "x": 1}), "二维码内容的字段不完整或有多余字段"),
        (canonical({k: v for k, v in SHORT.items() if k != "id"}), "二维码内容的字段不完整或有多余字段"),
        (canonical({**SHORT, "l": 6}), "二维码内容的字段类型不对"),
        (canonical({**SHORT, "l": 0}), "二维码内容的字段类型不对"),
        (canonical({**SHORT, "l": "5"}), "二维码内容的字段类型不对"),
        (canonical({**SHORT, "l": 5.0}), "二维码内容的字段类型不对"),
        (canonical({**SHORT, "l": True}), "二维码内容的字段类型不对"),
        (canonical({**SHORT, "nm": None}), "二维码内容的字段类型不对"),
        (canonical({**SHORT, "d": "2019/06/30"}), "二维码中的发证日期格式不对"),
        (canonical({**SHORT, "d": "2019-02-30"}), "二维码中的发证日期不存在"),
        (b"[1,2]", "二维码内容的字段不完整或有多余字段"),
        (b"\xff\xfe", "二维码内容无法解析"),
        (b"{", "二维码内容无法解析"),
        (b"[" * 100_000, "二维码内容过长"),
    ],
)
def test_signed_but_foreign_payloads_refused(payload, reason):
    """Signed with the right key yet not a payload this system writes: refused all the same."""
    assert reason in verify_seal(forge(payload), PUBLIC).reason


@pytest.mark.parametrize("level", [1, 5])
def test_signed_levels_inside_bounds_accepted(level):
    assert verify_seal(forge(canonical({**SHORT, "l": level})), PUBLIC).valid


# ---------------------------------------------------------------------------------------------------------
# Property: seal → verify returns exactly the facts; an independent decoder sees the documented payload
one_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\t"),
    min_size=1,
    max_size=100,
).filter(str.strip)
fact_values = st.builds(
    CertificateFacts,
    number=st.sampled_from(["Y000123000001195000001", "S000044000123251999999", "Y123482999999231000001"]),
    name=one_line,
    masked_id=st.from_regex(r"\A[0-9]{6}\*{8}[0-9]{3}[0-9X]\Z"),
    occupation=one_line,
    level=st.integers(1, 5),
    institution=one_line,
    issue_date=st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31)),
)


@settings(max_examples=200)
@given(fact_values)
def test_property_seal_verify_round_trip(f):
    text = seal(f, KEY)
    verdict = verify_seal(text, PUBLIC)
    assert verdict.valid and verdict.facts == f
    version, payload, signature = text.split(".")
    assert json.loads(unb64(payload)) == {
        "n": f.number,
        "nm": f.name,
        "id": f.masked_id,
        "o": f.occupation,
        "l": f.level,
        "i": f.institution,
        "d": f.issue_date.isoformat(),
    }
    PUBLIC.verify(unb64(signature), f"{version}.{payload}".encode())
    assert not verify_seal(text, OTHER_KEY.public_key()).valid


# A template (the facts checked and encoded before the serials are reserved) seals exactly as `seal`.
@settings(max_examples=200)
@given(fact_values, st.integers(1, 999_999))
def test_property_a_template_seals_exactly_as_seal(f, serial):
    number = f"{f.number[:16]}{serial:06d}"
    template = seal_template(f)
    assert seal_number(template, number, KEY) == seal(facts_with(f, number=number), KEY)


def facts_with(f: CertificateFacts, **changes) -> CertificateFacts:
    return CertificateFacts(**{**f.__dict__, **changes})


def test_a_template_is_not_fooled_by_a_number_inside_another_field():
    f = facts(institution='"n":"Y000123000001195000001"', name='张"三\\', occupation="\\")
    number = "Y000123000001195000042"
    assert seal_number(seal_template(f), number, KEY) == seal(facts_with(f, number=number), KEY)
    assert verify_seal(seal_number(seal_template(f), number, KEY), PUBLIC).facts == facts_with(
        f, number=number
    )


@pytest.mark.parametrize(
    "number",
    [
        "Y000123000001194000002",  # another level: another prefix
        "S000123000001195000002",  # another kind
        "Y000123000001195000000",  # serial 000000
        "Y00012300000119500001",  # 5 digits
        "Y0001230000011950000011",  # 7 digits
        "Y00012300000119500000a",
        "Y000123000001195٠٠٠٠٠١",  # digits, but not ASCII ones
    ],
)
def test_a_template_refuses_a_number_of_another_prefix_or_a_bad_serial(number):
    with pytest.raises(SealError):
        seal_number(seal_template(FACTS), number, KEY)


@pytest.mark.parametrize("serial", ["000001", "999999"])
def test_a_template_takes_the_first_and_last_serials(serial):
    number = f"Y000123000001195{serial}"
    assert verify_seal(seal_number(seal_template(FACTS), number, KEY), PUBLIC).facts.number == number


@settings(max_examples=200)
@given(st.text(max_size=500))
def test_property_arbitrary_text_never_raises_and_never_passes(text):
    verdict = verify_seal(text, PUBLIC)
    assert verdict.valid is False and verdict.reason


# ---------------------------------------------------------------------------------------------------------
# Keys
def pem_private(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_keys_load_from_pem():
    assert load_private_key(pem_private(KEY)).public_key() == PUBLIC
    assert load_private_key(pem_private(KEY).decode()).public_key() == PUBLIC
    assert load_public_key(public_key_pem(KEY)) == PUBLIC
    assert load_public_key(public_key_pem(PUBLIC).decode()) == PUBLIC


def test_raw_key_bytes_are_not_keys():
    """PEM only: 32 bytes of a short text file must not become a key by accident."""
    with pytest.raises(SealKeyError):
        load_private_key(bytes(range(32)))
    with pytest.raises(SealKeyError):
        load_public_key(PUBLIC.public_bytes_raw())


@pytest.mark.parametrize(
    "data", [b"", b"garbage", b"x" * 31, b"x" * 33, b"-----BEGIN PUBLIC KEY-----\nAAAA\n"]
)
def test_malformed_keys_refused_in_chinese(data):
    with pytest.raises(SealKeyError, match="无法读取"):
        load_public_key(data)
    with pytest.raises(SealKeyError, match="无法读取"):
        load_private_key(data)


def test_keys_of_another_algorithm_refused():
    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(SealKeyError, match="不是 Ed25519 密钥"):
        load_private_key(pem_private(other))
    with pytest.raises(SealKeyError, match="不是 Ed25519 密钥"):
        load_public_key(public_key_pem(other.public_key()))


def test_encrypted_private_key_refused():
    pem = KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret-pass"),
    )
    with pytest.raises(SealKeyError, match="未加密"):
        load_private_key(pem)


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl not installed")
def test_keys_made_by_openssl_as_documented(tmp_path):
    private, public = tmp_path / "cert-signing.pem", tmp_path / "cert-public.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(private)], check=True)
    subprocess.run(["openssl", "pkey", "-in", str(private), "-pubout", "-out", str(public)], check=True)
    key = load_private_key(private.read_bytes())
    assert verify_seal(seal(FACTS, key), load_public_key(public.read_bytes())).valid


def test_signing_key_setting(tmp_path):
    dev = signing_key_from_setting("", production=False, secret_key="s" * 50)
    assert (
        dev.public_key() == signing_key_from_setting(" ", production=False, secret_key="s" * 50).public_key()
    )
    assert (
        dev.public_key() != signing_key_from_setting("", production=False, secret_key="t" * 50).public_key()
    )
    with pytest.raises(SealKeyError, match="必须设置 DUDAO_CERT_SIGNING_KEY"):
        signing_key_from_setting("", production=True, secret_key="s" * 50)
    pem = pem_private(KEY).decode()
    assert signing_key_from_setting(pem, production=True, secret_key="").public_key() == PUBLIC
    path = tmp_path / "key.pem"
    path.write_text(pem)
    assert signing_key_from_setting(str(path), production=True, secret_key="").public_key() == PUBLIC
    with pytest.raises(SealKeyError, match="绝对路径"):
        signing_key_from_setting("key.pem", production=True, secret_key="")
    with pytest.raises(SealKeyError, match="无法读取签名私钥文件"):
        signing_key_from_setting(str(tmp_path / "none.pem"), production=True, secret_key="")


# ---------------------------------------------------------------------------------------------------------
# `dudao certificates verify-qr`
@pytest.fixture
def public_file(tmp_path):
    path = tmp_path / "cert-public.pem"
    path.write_bytes(public_key_pem(KEY))
    return path


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(["dudao", "certificates", "verify-qr", *args])
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_verify_qr_valid_exit_0(capsys, public_file):
    code, out, err = cli(capsys, seal(FACTS, KEY), "--public-key", str(public_file), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"valid": True, "certificate": FACTS_JSON, "reason": None}
    code, out, _ = cli(capsys, seal(FACTS, KEY), "--public-key", str(public_file))
    assert code == 0
    assert out.splitlines() == [
        "证书二维码核验通过(签名有效)",
        "  证书编号:Y000123000001195000001",
        "  姓名:张三",
        "  身份证件号码:110105********002X",
        "  职业(工种):电工 6-31-01-03",
        "  等级:五级/初级工",
        "  评价机构:黑龙江省某职业技能鉴定站",
        "  发证日期:2019-06-30",
        "  (二维码只证明上述内容由发证机构签发;证书是否已注销请在线查询)",
    ]


def test_cli_verify_qr_invalid_exit_1(capsys, public_file):
    code, out, err = cli(capsys, seal(FACTS, OTHER_KEY), "--public-key", str(public_file), "--json")
    assert (code, err) == (1, "")
    assert json.loads(out) == {"valid": False, "certificate": None, "reason": SIGNATURE_INVALID}
    code, out, _ = cli(capsys, seal(FACTS, KEY)[:-10], "--public-key", str(public_file))
    assert code == 1
    assert out.startswith("证书二维码核验未通过:")


def test_cli_verify_qr_reads_standard_input(capsys, public_file, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(seal(FACTS, KEY) + "\n"))
    assert cli(capsys, "-", "--public-key", str(public_file), "--json")[0] == 0


def test_cli_verify_qr_bad_key_file_exit_2(capsys, tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    other = tmp_path / "ec.pem"
    other.write_bytes(public_key_pem(ec.generate_private_key(ec.SECP256R1()).public_key()))
    for path, message in (
        (tmp_path / "none.pem", "错误:找不到公钥文件"),
        (tmp_path, "错误:无法读取公钥文件"),
        (garbage, "错误:公钥无法读取"),
        (other, "错误:公钥不是 Ed25519 密钥"),
    ):
        code, out, err = cli(capsys, seal(FACTS, KEY), "--public-key", str(path), "--json")
        assert (code, out) == (2, ""), path
        assert err.startswith(message), err


def test_cli_verify_qr_missing_public_key_option_exit_2(capsys):
    code, out, err = cli(capsys, seal(FACTS, KEY))
    assert (code, out) == (2, "")
    assert "缺少参数:--public-key" in err
