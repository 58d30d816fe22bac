"""Personal data at rest: AES-GCM encryption and an HMAC blind index, both keyed from DUDAO_PII_KEY."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = b"v1"


@functools.cache
def _keys(secret: str) -> tuple[bytes, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"dudao-pii", info=b"enc+index").derive(
        secret.encode("utf-8")
    )
    return material[:32], material[32:]


def encrypt(plaintext: str) -> str:
    """Random-nonce AES-256-GCM; text form `v1:<base64(nonce|ciphertext)>`."""
    enc_key, _ = _keys(settings.DUDAO_PII_KEY)
    nonce = os.urandom(12)
    sealed = AESGCM(enc_key).encrypt(nonce, plaintext.encode("utf-8"), _VERSION)
    return _VERSION.decode() + ":" + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    enc_key, _ = _keys(settings.DUDAO_PII_KEY)
    version, _, body = token.partition(":")
    raw = base64.b64decode(body)
    return AESGCM(enc_key).decrypt(raw[:12], raw[12:], version.encode()).decode("utf-8")


def blind_index(normalised: str) -> str:
    """Keyed hash for exact lookup without storing the plaintext (HMAC-SHA256)."""
    _, index_key = _keys(settings.DUDAO_PII_KEY)
    return hmac.new(index_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
