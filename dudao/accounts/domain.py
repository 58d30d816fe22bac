"""Pure account rules (no Django): password strength, login throttling delays, token scopes (SEC-2)."""

from __future__ import annotations

import string

PASSWORD_MIN_LENGTH = 10
PASSWORD_MIN_CLASSES = 3
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def character_classes(password: str) -> int:
    """How many of the four classes (lower case, upper case, digits, other characters) a password uses."""
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


def password_problems(password: str, username: str = "") -> list[str]:
    """Chinese reasons why `password` breaks the policy (empty when it is acceptable)."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"密码长度不能少于 {PASSWORD_MIN_LENGTH} 位")
    if character_classes(password) < PASSWORD_MIN_CLASSES:
        problems.append("密码须包含小写字母、大写字母、数字、其他符号中的至少 3 类")
    name = username.strip().lower()
    if name and name in password.lower():
        problems.append("密码不能包含用户名")
    return problems


def throttle_delay_seconds(failures: int, *, free: int, cap: int) -> int:
    """Seconds an address must wait after its `failures`-th failed login: none for the first `free`,
    then 1, 2, 4, … doubling up to `cap` (progressive delay)."""
    if failures < free:
        return 0
    return int(min(cap, 2 ** (failures - free)))


def token_allows(scope: str, method: str) -> bool:
    """A read-only token may only read (GET/HEAD/OPTIONS); a read-write token may do anything."""
    return scope == "read_write" or method.upper() in SAFE_METHODS


# Unit administrators manage the accounts of their own unit (issue 9 §3.9): the roles each may grant —
# never one above its own, never a platform administrator (三权分立, SEC-2), never a supervisor or
# examiner account (those are tied to a person record and stay with the security administrator).
UNIT_ADMIN_GRANTS: dict[str, frozenset[str]] = {
    "authority_admin": frozenset(
        {"authority_admin", "authority_staff", "institution_admin", "institution_staff"}
    ),
    "institution_admin": frozenset({"institution_admin", "institution_staff"}),
}


def grantable_roles(actor_role: str) -> frozenset[str]:
    """Roles a unit administrator with `actor_role` may give (empty for everyone else)."""
    return UNIT_ADMIN_GRANTS.get(actor_role, frozenset())
