"""Personal data at rest (SEC-3, ADR 0001): AES-GCM encryption and an HMAC blind index, with versioned keys.

A stored value reads `v<key version>:<base64(nonce|ciphertext)>`; the version prefix is also the AEAD's
associated data. Keys come from settings.DUDAO_PII_KEYS ({version: secret}) and DUDAO_PII_KEY_VERSION
(the current one); old versions stay readable until `dudao pii rotate-key` has re-encrypted everything.

Model fields:
- `EncryptedTextField` / `EncryptedDateField`: the Python value is the plaintext, the column holds the token;
  only `isnull` lookups are allowed (a random nonce makes equality meaningless; filter in Python).
- `CiphertextField`: a column that holds a token the code handles itself (ID numbers, decrypted only on an
  audited reveal); `BlindIndexField(source=...)`: the keyed hash of that token's plaintext.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models


class PiiKeyMissing(Exception):
    """A token names a key version that is not configured (an old key was removed too early)."""


@functools.cache
def _derive(secret: str) -> tuple[bytes, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"dudao-pii", info=b"enc+index").derive(
        secret.encode("utf-8")
    )
    return material[:32], material[32:]


@functools.cache
def _aead(key: bytes) -> AESGCM:
    """One AES-GCM object per key (it holds no state between calls; a bulk import encrypts 300,000 values)."""
    return AESGCM(key)


def current_version() -> int:
    return int(settings.DUDAO_PII_KEY_VERSION)


def _keys(version: int) -> tuple[bytes, bytes]:
    secret = settings.DUDAO_PII_KEYS.get(version)
    if secret is None:
        raise PiiKeyMissing(f"个人信息密钥版本 {version} 未配置(DUDAO_PII_KEYS)")
    return _derive(secret)


def token_version(token: str) -> int | None:
    """Key version of a stored token (`v2:…` → 2); None for an empty or foreign value."""
    head, sep, _ = token.partition(":")
    if not sep or not head.startswith("v") or not head[1:].isdigit():
        return None
    return int(head[1:])


def encrypt(plaintext: str, *, version: int | None = None) -> str:
    """Random-nonce AES-256-GCM under the current key: `v<N>:<base64(nonce|ciphertext)>`."""
    version = version or current_version()
    enc_key, _ = _keys(version)
    tag = f"v{version}".encode()
    nonce = os.urandom(12)
    sealed = _aead(enc_key).encrypt(nonce, plaintext.encode("utf-8"), tag)
    return tag.decode() + ":" + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    """Plaintext of a token under whichever configured key version it names."""
    version = token_version(token)
    if version is None:
        raise ValueError("不是个人信息密文")
    enc_key, _ = _keys(version)
    raw = base64.b64decode(token.partition(":")[2])
    return AESGCM(enc_key).decrypt(raw[:12], raw[12:], f"v{version}".encode()).decode("utf-8")


def blind_index(normalised: str, *, version: int | None = None) -> str:
    """Keyed hash for exact lookup without storing the plaintext (HMAC-SHA256, current key)."""
    _, index_key = _keys(version or current_version())
    return hmac.new(index_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def blind_index_candidates(normalised: str) -> list[str]:
    """The index under every configured key, current first: lookups match rows not yet rotated."""
    versions = [current_version(), *sorted(v for v in settings.DUDAO_PII_KEYS if v != current_version())]
    return [blind_index(normalised, version=v) for v in versions]


# --------------------------------------------------------------------------------------- model fields


class CiphertextField(models.TextField):
    """Holds a token handled by the code itself; `dudao pii rotate-key` re-encrypts it."""


class BlindIndexField(models.CharField):
    """HMAC of the plaintext behind `source` (a CiphertextField); recomputed when the key rotates."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if kwargs.get("max_length") == 64:
            kwargs.pop("max_length")
        return name, path, args, kwargs


class EncryptedTextField(models.TextField):
    """Plaintext in Python, a token in the column; "" stays "" (nothing to hide)."""

    def _dump(self, value: Any) -> str:
        return str(value)

    def _load(self, text: str) -> Any:
        return text

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return self._load(decrypt(value))

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        return encrypt(self._dump(self.to_python(value)))

    def get_lookup(self, lookup_name):
        # Equality on a random-nonce ciphertext silently matches nothing: refuse it (SEC-3).
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, name):
        return None


class EncryptedDateField(EncryptedTextField):
    """A date stored as an encrypted ISO string; age and birth year are computed in Python."""

    def _dump(self, value: Any) -> str:
        return value.isoformat()

    def _load(self, text: str) -> Any:
        return dt.date.fromisoformat(text)

    def to_python(self, value):
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    def value_to_string(self, obj) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else value.isoformat()
