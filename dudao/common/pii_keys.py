"""Versioned keys for personal data, read from the environment by settings.py (no Django import here).

`DUDAO_PII_KEYS="2:<secret>,1:<secret>"`: the first entry is the current key (new values are encrypted
with it), the others stay readable until `dudao pii rotate-key` has moved every value to the current one.
`DUDAO_PII_KEY=<secret>` alone is key version 1 (what ADR 0001 stored as `v1:`). In production one of the
two must be set and differ from the secret key: personal data never falls back to DUDAO_SECRET_KEY.
"""

from __future__ import annotations

from collections.abc import Mapping


class PiiKeyError(ValueError):
    """The PII key settings are missing or malformed (startup refuses)."""


def parse_key_list(text: str) -> tuple[int, dict[int, str]]:
    """`"2:abc,1:def"` → (2, {2: "abc", 1: "def"}); the first entry is current."""
    keys: dict[int, str] = {}
    current = 0
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        version_text, sep, secret = part.partition(":")
        if not sep or not version_text.strip().isdigit() or int(version_text) < 1:
            raise PiiKeyError("DUDAO_PII_KEYS 每一项应为「版本号:密钥」,版本号为正整数,如 2:xxxx,1:yyyy")
        version = int(version_text)
        if version in keys:
            raise PiiKeyError(f"DUDAO_PII_KEYS 中版本 {version} 重复")
        if len(secret) < 16:
            raise PiiKeyError(f"DUDAO_PII_KEYS 中版本 {version} 的密钥太短(至少 16 个字符)")
        keys[version] = secret
        current = current or version
    if not keys:
        raise PiiKeyError("DUDAO_PII_KEYS 为空")
    return current, keys


def pii_keys_from_env(
    env: Mapping[str, str], *, production: bool, secret_key: str
) -> tuple[int, dict[int, str]]:
    """(current version, {version: secret}) from DUDAO_PII_KEYS or DUDAO_PII_KEY (SEC-3)."""
    if env.get("DUDAO_PII_KEYS", "").strip():
        current, keys = parse_key_list(env["DUDAO_PII_KEYS"])
    elif env.get("DUDAO_PII_KEY", ""):
        current, keys = 1, {1: env["DUDAO_PII_KEY"]}
    elif production:
        raise PiiKeyError(
            "DUDAO_ENV=production 时必须设置 DUDAO_PII_KEYS(或 DUDAO_PII_KEY),个人信息不使用 SECRET_KEY 加密"
        )
    else:
        current, keys = 1, {1: secret_key}  # development only
    if production and secret_key in keys.values():
        raise PiiKeyError("个人信息密钥不能与 DUDAO_SECRET_KEY 相同")
    return current, keys
