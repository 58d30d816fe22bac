"""Keys of the audit trail (SEC-1), all held outside the database.

- The chain key (`DUDAO_AUDIT_KEY`, id `DUDAO_AUDIT_KEY_ID`) keys each event's HMAC. Retired keys stay
  readable through `DUDAO_AUDIT_RETIRED_KEYS` (`id=key` pairs separated by spaces) so a rotated key's
  events still verify. Outside production a key derived from the secret key stands in (id `dev`).
- The checkpoint signing key (`DUDAO_AUDIT_SIGNING_KEY`, path of an Ed25519 private key in PEM) signs
  checkpoints. Outside production a key under `var/audit/` is generated on first use. A host that only
  publishes or verifies may hold the public key alone (`DUDAO_AUDIT_PUBLIC_KEY`, path of a PEM file).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_KEY_LENGTH = 32
DEV_KEY_ID = "dev"


class AuditKeyMissing(ImproperlyConfigured):
    """A deployment error (the operator fixes it), not a user's: never a 4xx."""


def setting_value(name: str) -> str:
    """A setting if the settings module defines it (tests override it), else the environment variable."""
    value = getattr(settings, name, None)
    return value if value is not None else os.environ.get(name, "")


def _production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


@dataclass(frozen=True)
class ChainKey:
    key_id: str
    secret: bytes


def current_chain_key() -> ChainKey:
    """The key new events are chained with; production refuses to run without a real one."""
    raw = setting_value("DUDAO_AUDIT_KEY")
    if raw:
        if _production() and len(raw) < MIN_KEY_LENGTH:
            raise AuditKeyMissing(f"审计密钥 DUDAO_AUDIT_KEY 过短(至少 {MIN_KEY_LENGTH} 个字符)")
        return ChainKey(setting_value("DUDAO_AUDIT_KEY_ID") or "1", raw.encode("utf-8"))
    if _production():
        raise AuditKeyMissing("生产环境必须设置审计密钥 DUDAO_AUDIT_KEY")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dudao-audit", info=b"chain").derive(
        settings.SECRET_KEY.encode("utf-8")
    )
    return ChainKey(DEV_KEY_ID, derived)


def chain_keyring() -> dict[str, bytes]:
    """Every key an event may name: the current one and the retired ones."""
    ring = {}
    for pair in setting_value("DUDAO_AUDIT_RETIRED_KEYS").split():
        key_id, _, secret = pair.partition("=")
        if key_id and secret:
            ring[key_id] = secret.encode("utf-8")
    current = current_chain_key()
    ring[current.key_id] = current.secret
    return ring


def chain_key_problems() -> list[str]:
    """Why the configured chain key is unfit for production (empty when it is fine)."""
    raw = setting_value("DUDAO_AUDIT_KEY")
    if not raw:
        return ["未设置审计密钥 DUDAO_AUDIT_KEY"]
    if len(raw) < MIN_KEY_LENGTH:
        return [f"审计密钥 DUDAO_AUDIT_KEY 过短(至少 {MIN_KEY_LENGTH} 个字符)"]
    if raw == settings.SECRET_KEY:
        return ["审计密钥 DUDAO_AUDIT_KEY 不能与 DUDAO_SECRET_KEY 相同"]
    return []


# --- checkpoint signing (Ed25519) -------------------------------------------------------------------


def _dev_signing_key_path() -> Path:
    return Path(settings.VAR_DIR) / "audit" / "audit-signing-key.pem"


def signing_key_path() -> Path | None:
    configured = setting_value("DUDAO_AUDIT_SIGNING_KEY")
    if configured:
        return Path(configured)
    return None if _production() else _dev_signing_key_path()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex: what each checkpoint names and the public page shows."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def write_key_pair(directory: Path) -> tuple[Path, Path]:
    """`dudao audit keygen`: a new private key (mode 0600) and its public key, refusing to overwrite."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / "audit-signing-key.pem", directory / "audit-public-key.pem"
    for path in (private_path, public_path):
        if path.exists():
            raise FileExistsError(path)
    key = Ed25519PrivateKey.generate()
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private_key_pem(key))
    public_path.write_text(public_key_pem(key.public_key()))
    return private_path, public_path


def signing_key() -> Ed25519PrivateKey:
    """The checkpoint signing key; outside production one is generated under var/ on first use."""
    path = signing_key_path()
    if path is None:
        raise AuditKeyMissing("生产环境必须设置检查点签名私钥 DUDAO_AUDIT_SIGNING_KEY(PEM 文件路径)")
    if not path.exists():
        if path != _dev_signing_key_path():
            raise AuditKeyMissing(f"检查点签名私钥文件不存在:{path}")
        write_key_pair(path.parent)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyMissing(f"检查点签名私钥不是 Ed25519 密钥:{path}")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyMissing("公钥不是 Ed25519 密钥")
    return key


def published_public_key() -> Ed25519PublicKey | None:
    """The key the public page shows and verify checks against, or None when none exists yet.

    Never generates a key: publishing and verifying stay read-only.
    """
    public_path = setting_value("DUDAO_AUDIT_PUBLIC_KEY")
    if public_path:
        return load_public_key(Path(public_path).read_bytes())
    path = signing_key_path()
    if path is None or not path.exists():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else None


def signature_valid(key: Ed25519PublicKey, signature_hex: str, message: bytes) -> bool:
    try:
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True
