"""The signed payload of a certificate's QR code (issue 11 item 4): anyone verifies it offline with the
published public key. Pure: no Django, no database.

Format (one line of ASCII, short enough for a QR code of ~350 characters):

    v1.<base64url(payload)>.<base64url(signature)>        base64url without padding (RFC 4648 §5)

- payload: canonical JSON of the certificate's public facts, UTF-8, keys sorted, no spaces
  (`json.dumps(..., ensure_ascii=False, sort_keys=True, separators=(",", ":"))`), short keys:
  `n` number, `nm` name, `id` masked ID number, `o` occupation, `l` level (1–5), `i` institution,
  `d` issue date (YYYY-MM-DD). Never the full ID number: building refuses an unmasked one.
- signature: Ed25519 (RFC 8032) over the ASCII bytes `v1.<base64url(payload)>`, so the version is signed
  too.

Verification never raises: every failure (not text, wrong number of parts, unknown version, bad base64,
truncated signature, signature not matching — a changed payload or another key —, a payload that is not
canonical or lacks a field) gives `valid=False` with a Chinese reason.

Keys: `load_private_key` / `load_public_key` take PEM (PKCS#8 / SubjectPublicKeyInfo, as `openssl genpkey
-algorithm ed25519` and `openssl pkey -pubout` write). The product's key comes from the setting
DUDAO_CERT_SIGNING_KEY through `signing_key_from_setting` (PEM text or the absolute path of a PEM file; in
development a key derived from the secret key, refused in production).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dudao.exams.domain.certificate_numbers import DEFAULT_KINDS, check_number

VERSION = "v1"
SIGNATURE_BYTES = 64
MAX_SEAL_CHARS = 4096  # far above any real payload: longer input is refused before decoding
MAX_TEXT_CHARS = 100  # per text field: keeps the QR code scannable
LEVELS = range(1, 6)

# payload key → (attribute of CertificateFacts, Chinese label)
PAYLOAD_KEYS: dict[str, tuple[str, str]] = {
    "n": ("number", "证书编号"),
    "nm": ("name", "姓名"),
    "id": ("masked_id", "身份证件号码(脱敏)"),
    "o": ("occupation", "职业(工种)"),
    "l": ("level", "等级"),
    "i": ("institution", "评价机构"),
    "d": ("issue_date", "发证日期"),
}
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DEV_KEY_LABEL = b"dudao certificate signing key (development only)\x00"


class SealError(ValueError):
    """The certificate facts cannot be sealed (a message in Chinese)."""


class SealKeyError(ValueError):
    """A signing or public key is missing or not an Ed25519 key (a message in Chinese)."""


@dataclass(frozen=True)
class CertificateFacts:
    """What the QR code of a certificate states (CERT-2's public facts; the ID number masked)."""

    number: str
    name: str
    masked_id: str
    occupation: str
    level: int
    institution: str
    issue_date: dt.date

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "name": self.name,
            "masked_id": self.masked_id,
            "occupation": self.occupation,
            "level": self.level,
            "institution": self.institution,
            "issue_date": self.issue_date.isoformat(),
        }


@dataclass(frozen=True)
class SealVerdict:
    """The outcome of verifying a QR payload: the facts when valid, else a Chinese reason."""

    valid: bool
    facts: CertificateFacts | None = None
    reason: str | None = None

    def as_json(self) -> dict:
        return {
            "valid": self.valid,
            "certificate": self.facts.as_json() if self.facts else None,
            "reason": self.reason,
        }


# ---------------------------------------------------------------------------------------------------------
# Encoding.
def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes | None:
    """Strict base64url without padding: None unless `text` is exactly what `_b64encode` writes."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64encode(data) == text else None  # refuses non-zero trailing bits: one text per payload


def canonical_payload(facts: CertificateFacts) -> bytes:
    """The canonical UTF-8 JSON bytes that are signed (sorted short keys, no spaces)."""
    data = {key: getattr(facts, attr) for key, (attr, _) in PAYLOAD_KEYS.items()}
    data["d"] = facts.issue_date.isoformat()
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _check_facts(facts: CertificateFacts, kinds: Collection[str]) -> None:
    problems: list[str] = []
    for attr, label in (
        ("number", "证书编号"),
        ("name", "姓名"),
        ("masked_id", "身份证件号码"),
        ("occupation", "职业(工种)"),
        ("institution", "评价机构"),
    ):
        value = getattr(facts, attr)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{label}不能为空")
        elif len(value) > MAX_TEXT_CHARS or any(ch in value for ch in "\r\n\t"):
            problems.append(f"{label}应为一行,不超过 {MAX_TEXT_CHARS} 个字符")
    if isinstance(facts.number, str) and facts.number.strip():
        verdict = check_number(facts.number, kinds=kinds)
        problems.extend(f"证书编号有误:{e}" for e in verdict.errors)
    if isinstance(facts.masked_id, str) and facts.masked_id.strip() and "*" not in facts.masked_id:
        problems.append("身份证件号码须脱敏(如 110105********002X),二维码中不放完整号码")
    if isinstance(facts.level, bool) or not isinstance(facts.level, int) or facts.level not in LEVELS:
        problems.append(f"等级「{facts.level}」应为 1 到 5 的整数")
    if not isinstance(facts.issue_date, dt.date) or isinstance(facts.issue_date, dt.datetime):
        problems.append("发证日期应为日期(年-月-日)")
    if problems:
        raise SealError(";".join(problems))


def seal(
    facts: CertificateFacts, private_key: Ed25519PrivateKey, *, kinds: Collection[str] = DEFAULT_KINDS
) -> str:
    """The QR text `v1.<payload>.<signature>` for `facts`; raises SealError if a fact is missing or malformed
    (the number must pass EXAM-12's check with the configured kinds, the ID must be masked)."""
    _check_facts(facts, kinds)
    signing_input = f"{VERSION}.{_b64encode(canonical_payload(facts))}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{_b64encode(signature)}"


@dataclass(frozen=True)
class SealTemplate:
    """One certificate's facts, checked and encoded as `seal` does, waiting for the number's serial: issuing
    checks and encodes every candidate before it reserves the serials, and only the number and the signature
    are left for afterwards (issue 11 Performance: the serials' rows stay locked until the issue commits)."""

    prefix: str  # the number's first 16 characters (kind … level), checked
    head: bytes  # the canonical payload up to the number's digits
    tail: bytes  # and from the number's closing quote on


def seal_template(facts: CertificateFacts, *, kinds: Collection[str] = DEFAULT_KINDS) -> SealTemplate:
    """A template for `facts` with any number of its number's prefix (give e.g. serial 000001): SealError
    when `seal` would refuse these facts."""
    _check_facts(facts, kinds)
    payload = canonical_payload(facts)
    # `"n":` occurs once in canonical JSON: inside a string a quote is always escaped
    head, found, tail = payload.partition(b'"n":"' + facts.number.encode("ascii") + b'"')
    if not found:  # pragma: no cover - canonical_payload always writes the number so
        raise SealError("证书编号无法编码")
    return SealTemplate(prefix=facts.number[:16], head=head + b'"n":"', tail=b'"' + tail)


def seal_number(template: SealTemplate, number: str, private_key: Ed25519PrivateKey) -> str:
    """Exactly what `seal` gives for the template's facts with `number`, which must share the template's
    prefix and end in a serial 000001–999999 (the rest of the number was checked with the template)."""
    serial = number[16:]
    if number[:16] != template.prefix or len(serial) != 6 or not serial.isascii() or not serial.isdigit():
        raise SealError(f"证书编号「{number[:30]}」与已核对的编号前缀「{template.prefix}」不符")
    if serial == "000000":
        raise SealError("证书序号不能为 000000(从 000001 起)")
    signing_input = f"{VERSION}.{_b64encode(template.head + number.encode('ascii') + template.tail)}"
    return f"{signing_input}.{_b64encode(private_key.sign(signing_input.encode('ascii')))}"


# ---------------------------------------------------------------------------------------------------------
# Verification (offline, public key only).
def _invalid(reason: str) -> SealVerdict:
    return SealVerdict(valid=False, reason=reason)


def _facts_from(payload: bytes) -> CertificateFacts | str:
    """The facts of a signed payload, or the Chinese reason it is not one of ours."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return "二维码内容无法解析"
    if not isinstance(data, dict) or set(data) != set(PAYLOAD_KEYS):
        return "二维码内容的字段不完整或有多余字段"
    texts = [k for k in ("n", "nm", "id", "o", "i", "d") if not isinstance(data[k], str)]
    level = data["l"]
    if texts or isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        return "二维码内容的字段类型不对"
    if not _DATE.fullmatch(data["d"]):
        return "二维码中的发证日期格式不对"
    try:
        issued = dt.date.fromisoformat(data["d"])
    except ValueError:
        return "二维码中的发证日期不存在"
    facts = CertificateFacts(
        number=data["n"],
        name=data["nm"],
        masked_id=data["id"],
        occupation=data["o"],
        level=level,
        institution=data["i"],
        issue_date=issued,
    )
    if canonical_payload(facts) != payload:
        return "二维码内容不是规范编码(不是本系统签发的格式)"
    return facts


def verify_seal(text: object, public_key: Ed25519PublicKey) -> SealVerdict:
    """Check a QR text against the public key; never raises. Valid only when the signature matches the exact
    canonical payload; the reason says what failed, in Chinese."""
    try:
        return _verify(text, public_key)
    except Exception:  # a verifier must answer, whatever the input
        return _invalid("二维码内容无法核验")


def _verify(text: object, public_key: Ed25519PublicKey) -> SealVerdict:
    if not isinstance(text, str):
        return _invalid("二维码内容应为文本")
    text = text.strip()
    if not text:
        return _invalid("二维码内容为空")
    if len(text) > MAX_SEAL_CHARS:
        return _invalid(f"二维码内容过长(超过 {MAX_SEAL_CHARS} 个字符),不是本系统签发的证书二维码")
    parts = text.split(".")
    if len(parts) != 3:
        return _invalid("二维码内容格式不对:应为「版本.内容.签名」三段(可能不完整)")
    version, payload_text, signature_text = parts
    if version != VERSION:
        return _invalid(f"不支持的二维码版本「{version[:10]}」(应为 {VERSION})")
    payload = _b64decode(payload_text)
    if not payload:
        return _invalid("二维码内容部分不是有效的 base64url 编码(可能被截断或改动)")
    signature = _b64decode(signature_text)
    if signature is None:
        return _invalid("二维码签名部分不是有效的 base64url 编码(可能被截断或改动)")
    if len(signature) != SIGNATURE_BYTES:
        return _invalid(f"签名长度不对:应为 {SIGNATURE_BYTES} 字节,现为 {len(signature)} 字节(可能被截断)")
    try:
        public_key.verify(signature, f"{version}.{payload_text}".encode("ascii"))
    except InvalidSignature:
        return _invalid("签名无效:二维码内容被改动,或不是由该公钥对应的发证机构签发")
    facts = _facts_from(payload)
    if isinstance(facts, str):
        return _invalid(facts)
    return SealVerdict(valid=True, facts=facts)


# ---------------------------------------------------------------------------------------------------------
# Keys.
def load_private_key(data: bytes | str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS#8, unencrypted); SealKeyError otherwise. PEM only: raw key bytes
    cannot be told apart from a short text file (use Ed25519PrivateKey.from_private_bytes for those)."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        key = serialization.load_pem_private_key(raw.strip() + b"\n", password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SealKeyError("签名私钥无法读取:应为未加密的 Ed25519 PEM 私钥(PKCS8 格式)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SealKeyError("签名私钥不是 Ed25519 密钥")
    return key


def load_public_key(data: bytes | str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo); SealKeyError otherwise."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        key = serialization.load_pem_public_key(raw.strip() + b"\n")
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SealKeyError("公钥无法读取:应为 Ed25519 PEM 公钥(-----BEGIN PUBLIC KEY-----)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SealKeyError("公钥不是 Ed25519 密钥")
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The PEM public key to publish for offline verification."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def signing_key_from_setting(value: str, *, production: bool, secret_key: str) -> Ed25519PrivateKey:
    """The product's signing key from the setting DUDAO_CERT_SIGNING_KEY: PEM text, or the absolute path of a
    PEM file. Empty: in development a key derived from the secret key (its public key is then as secret as
    that key, so such seals prove nothing outside the machine); in production SealKeyError."""
    value = (value or "").strip()
    if not value:
        if production:
            raise SealKeyError(
                "生产模式(DUDAO_ENV=production)必须设置 DUDAO_CERT_SIGNING_KEY(证书二维码签名私钥)"
            )
        seed = hashlib.sha256(_DEV_KEY_LABEL + secret_key.encode("utf-8")).digest()
        return Ed25519PrivateKey.from_private_bytes(seed)
    if value.startswith("-----BEGIN"):
        return load_private_key(value)
    path = Path(value)
    if not path.is_absolute():
        raise SealKeyError("DUDAO_CERT_SIGNING_KEY 应为 PEM 私钥文本或私钥文件的绝对路径")
    try:
        return load_private_key(path.read_bytes())
    except OSError:
        raise SealKeyError(f"无法读取签名私钥文件「{value[:100]}」") from None
