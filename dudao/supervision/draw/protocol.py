"""A draw nobody can steer (issue 8 §7, RAND-2): witness entropy and the one public verification.

Protocol (docs/draw-scenario.md §5):
1. Before publication each witness (纪检监察、公证 …, at least two) picks a secret value and hands over only
   its commitment H(value). Publication freezes the scenario, generates the server seed and publishes
   H(scenario), H(server seed) and every witness commitment, in the declared order.
2. At the draw meeting, after publication, each witness reveals the value; it must hash to the commitment.
3. final seed = H(server seed "|" value 1 "|" value 2 …) in the declared order; the engine runs on it.
   Nobody knows it before the last value is revealed, and nobody can choose it: every input was
   committed before any was known.

`verify_public_draw` is the single verification used by the public page, the public API and
`dudao draw verify`: it takes the published record (a plain dict, see `record_keys`), the scenario and
the result, and reports each check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dudao.common.domain import digest, preferred_hash_algorithm
from dudao.common.errors import ValidationFailed

from .engine import HASH_ALGORITHMS, check_algorithm, compare_results, scenario_digest, solve_draw

MIN_WITNESSES = 2
MAX_WITNESSES = 5
SEPARATOR = "|"
# Letters, digits, '-' and '_': no separator, no quoting trouble in the shell one-liner; at least 16
# characters so the commitment cannot be reversed by trying values (`openssl rand -hex 16` gives 32).
WITNESS_VALUE = re.compile(r"[A-Za-z0-9_-]{16,128}")
COMMITMENT = re.compile(r"[0-9a-f]{64}")

SCHEME_WITNESS = "witness"
SCHEME_SERVER = "server"  # draws published before witnesses existed: the server seed alone
LEGACY_WARNING = "无见证人熵(旧版抽取)"

PASS, FAIL, WARNING = "pass", "fail", "warning"


def check_witness_value(value: Any) -> str:
    """A revealed witness value: 16–128 letters, digits, '-' or '_'."""
    if not isinstance(value, str) or not WITNESS_VALUE.fullmatch(value):
        raise ValidationFailed(
            "见证人随机值须为 16 至 128 位字母、数字、“-”或“_”(可用 openssl rand -hex 16 生成)",
            code="invalid_witness_value",
            detail={"value": ["须为 16 至 128 位字母、数字、“-”或“_”"]},
        )
    return value


def check_commitment(value: Any) -> str:
    """A witness commitment: the 64 hexadecimal digits of H(value); upper case is accepted."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not COMMITMENT.fullmatch(text):
        raise ValidationFailed(
            "承诺值须为 64 位十六进制数(随机值的哈希值)",
            code="invalid_commitment",
            detail={"commitment": ["须为 64 位十六进制数"]},
        )
    return text


def witness_commitment(value: str, algorithm: str) -> str:
    """H(value) over its UTF-8 text, as `printf '%s' VALUE | openssl dgst -sm3` prints it."""
    return digest(value, algorithm)


def final_seed(server_seed: str, witness_values: list[str], algorithm: str) -> str:
    """H(server seed | value 1 | value 2 …) in the declared order; the seed the engine runs on."""
    return digest(SEPARATOR.join([server_seed, *witness_values]), algorithm)


@dataclass
class Check:
    """One verification step: `outcome` is pass, fail or warning (a warning does not fail the draw)."""

    key: str
    label: str
    outcome: str
    detail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome != FAIL

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "outcome": self.outcome,
            "ok": self.ok,
            "detail": self.detail,
        }


@dataclass
class PublicVerification:
    """Every check of a published draw; `ok` only when none failed."""

    checks: list[Check]
    differences: list[str]
    final_seed: str | None
    hash_algorithm: str

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.key for c in self.checks if not c.ok]

    @property
    def warnings(self) -> list[str]:
        return [c.label if not c.detail else c.detail[0] for c in self.checks if c.outcome == WARNING]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [c.as_dict() for c in self.checks],
            "failed": self.failed,
            "differences": self.differences,
            "final_seed": self.final_seed,
            "hash_algorithm": self.hash_algorithm,
        }


def _seed_check(record: dict[str, Any], algorithm: str) -> Check:
    seed, published = record.get("seed"), record.get("seed_commitment")
    label = "服务器种子与公布的种子承诺值一致"
    if not isinstance(seed, str) or not seed:
        return Check("seed_commitment", label, FAIL, ["服务器种子尚未公开"])
    got = digest(seed, algorithm)
    if got != published:
        return Check("seed_commitment", label, FAIL, [f"H(种子) = {got},公布的承诺值为 {published}"])
    return Check("seed_commitment", label, PASS)


def _scenario_check(record: dict[str, Any], scenario: Any, algorithm: str) -> Check:
    label = "情景文件与公布的情景摘要一致"
    got = scenario_digest(scenario, algorithm)
    if got != record.get("scenario_digest"):
        return Check(
            "scenario_digest", label, FAIL, [f"H(情景) = {got},公布的摘要为 {record.get('scenario_digest')}"]
        )
    return Check("scenario_digest", label, PASS)


def _witness_check(record: dict[str, Any], algorithm: str) -> tuple[Check, list[str] | None]:
    """Each revealed value against its commitment; returns the values in order when all hold."""
    label = "见证人随机值与公布时的承诺值一致"
    scheme = record.get("seed_scheme")
    witnesses = record.get("witnesses") or []
    if scheme is None:
        return Check("witnesses", label, WARNING, ["未提供核验记录,未核对种子来源(见证人)"]), None
    if scheme == SCHEME_SERVER:
        if witnesses:
            return Check("witnesses", label, FAIL, ["旧版抽取不应有见证人"]), None
        return Check("witnesses", label, WARNING, [LEGACY_WARNING]), []
    if not isinstance(witnesses, list) or not all(isinstance(w, dict) for w in witnesses):
        return Check("witnesses", label, FAIL, ["见证人记录格式有误"]), None
    problems: list[str] = []
    if scheme != SCHEME_WITNESS:
        problems.append(f"未知的种子方案:{scheme}")
    if len(witnesses) < MIN_WITNESSES:
        problems.append(f"见证人只有 {len(witnesses)} 名,至少须 {MIN_WITNESSES} 名")
    values: list[str] = []
    for index, witness in enumerate(witnesses, start=1):
        name = f"第 {index} 位见证人{witness.get('name', '')}"
        value = witness.get("value")
        if not isinstance(value, str) or not value:
            problems.append(f"{name}的随机值尚未录入")
            continue
        got = witness_commitment(value, algorithm)
        if got != witness.get("commitment"):
            problems.append(f"{name}:H(随机值) = {got},公布的承诺值为 {witness.get('commitment')}")
        values.append(value)
    if problems:
        return Check("witnesses", label, FAIL, problems), None
    return Check("witnesses", label, PASS), values


def _final_seed_check(
    record: dict[str, Any], values: list[str] | None, algorithm: str
) -> tuple[Check, str | None]:
    """The final seed recomputed from the revealed inputs (the server seed alone for legacy draws)."""
    label = "最终种子由服务器种子和见证人随机值按公布顺序算出"
    seed, published = record.get("seed"), record.get("final_seed")
    if not isinstance(seed, str) or not seed:
        return Check("final_seed", label, FAIL, ["服务器种子尚未公开"]), None
    if record.get("seed_scheme") is None:
        return Check("final_seed", label, WARNING, ["未核对:以给定的种子为最终种子"]), seed
    if values is None:
        return Check("final_seed", label, FAIL, ["见证人随机值不全或不符,无法算出最终种子"]), None
    derived = final_seed(seed, values, algorithm) if values else seed
    if published != derived:
        return Check("final_seed", label, FAIL, [f"应为 {derived},公布的最终种子为 {published}"]), derived
    return Check("final_seed", label, PASS), derived


def verify_public_draw(record: dict[str, Any], scenario: Any, result: Any) -> PublicVerification:
    """Check a published draw: seed vs commitment, scenario vs digest, witness values vs commitments, the
    final seed's derivation, and the result vs a recomputation on the derived final seed.

    `record` holds what was published: hash, scenario_digest, seed_commitment, seed_scheme, witnesses
    [{name, role, commitment, value}] in order, and, once revealed, seed and final_seed. A scenario the
    engine refuses fails the result check; an unknown hash algorithm raises ValidationFailed.
    """
    algorithm = check_algorithm(str(record.get("hash") or ""))
    checks = [_seed_check(record, algorithm), _scenario_check(record, scenario, algorithm)]
    witness_check, values = _witness_check(record, algorithm)
    seed_check, derived = _final_seed_check(record, values, algorithm)
    checks += [witness_check, seed_check]
    label = "按情景和最终种子重算的结果与公布的结果完全一致"
    differences: list[str] = []
    engine_seed = derived or record.get("final_seed") or record.get("seed")
    if not engine_seed:
        checks.append(Check("result", label, FAIL, ["没有可用于重算的种子"]))
    else:
        try:
            expected = solve_draw(scenario, str(engine_seed), algorithm=algorithm)
        except ValidationFailed as exc:  # a stored scenario altered into one the engine refuses
            checks.append(Check("result", label, FAIL, [f"无法重算:{exc.message}"]))
        else:
            differences = compare_results(expected.payload, result)
            checks.append(Check("result", label, FAIL if differences else PASS, differences[:1]))
    return PublicVerification(checks, differences, derived, algorithm)


def record_for_seed(seed: str, result: Any) -> dict[str, Any]:
    """The record `dudao draw verify --seed` checks against when no published record is given: the
    result's own digests, and the seed taken as the final seed (its origin cannot be checked)."""
    result = result if isinstance(result, dict) else {}
    algorithm = result.get("hash")
    return {
        "hash": algorithm if algorithm in HASH_ALGORITHMS else preferred_hash_algorithm(),
        "scenario_digest": result.get("scenario_digest"),
        "seed_commitment": result.get("seed_commitment"),
        "seed_scheme": None,
        "witnesses": [],
        "seed": seed,
        "final_seed": seed,
    }
