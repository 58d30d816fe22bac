"""Pure rules of batch archives (ARCH-1, ARCH-2; FORM-B B8.1–B8.4): the record kinds, the manifest of SM3
digests and its verification, and retention per record kind. No Django: the CLI verifies a package with
nothing but this module and the standard library.

Manifest (``manifest.json`` inside the ZIP)::

    {"version": 1, "algorithm": "sm3",
     "package": {...facts of the batch...},
     "kinds": [{"kind": "registrations", "label": "报名申报材料", "paths": ["registrations.csv"]}, ...],
     "files": [{"path": "registrations.csv", "size": 1234, "sm3": "<hex>"}, ...]}

The digest key of a file entry is the algorithm's name (``sm3``; ``sha256`` only where OpenSSL lacks SM3,
and then ``"algorithm": "sha256"`` says so). The manifest's own digest (``manifest_sm3``) is taken over the
exact bytes of ``manifest.json`` and is what enters the audit chain.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MANIFEST = "manifest.json"
VERSION = 1
ALGORITHMS = ("sm3", "sha256")

# Retention anchors: the day the batch's certificates were issued (the last issue day of the batch; the
# sealing day when none were issued — interpretation), or the day the package was sealed.
ANCHOR_CERTIFICATES = "certificates"
ANCHOR_SEALED = "sealed"
ANCHOR_LABELS = {ANCHOR_CERTIFICATES: "发证之日", ANCHOR_SEALED: "归档之日"}
PERMANENT = "permanent"


@dataclass(frozen=True)
class Retention:
    """How long one record kind is kept: `years` after its anchor, or permanently (years None)."""

    years: int | None
    anchor: str = ANCHOR_SEALED

    @property
    def permanent(self) -> bool:
        return self.years is None

    def label(self) -> str:
        if self.permanent:
            return "永久保存"
        return f"{ANCHOR_LABELS[self.anchor]}起至少 {self.years} 年"

    def as_json(self) -> Any:
        return PERMANENT if self.permanent else {"years": self.years, "from": self.anchor}


@dataclass(frozen=True)
class Kind:
    """One record kind of a batch archive: its Chinese label and its default retention (ARCH-2)."""

    key: str
    label: str
    retention: Retention


# ARCH-2 defaults. The public source is one station's rules: "pass lists, application forms and examiner files
# permanently; papers and registration records at least 1 year after certificates are issued"; another body
# keeps "paper records ≥ 3 years, electronic ≥ 5 years". How each kind below maps onto those words is our
# interpretation, marked per row. Everything in a package is electronic, so "other records" take 5 years.
# A new kind is added here and with an exporter in dudao/archives/exporters.py.
KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        # interpretation: a registration row is the electronic application form (申报表) → permanent
        Kind("registrations", "报名申报材料", Retention(None)),
        # interpretation: the review decisions are "registration records" → 1 year after certificates
        Kind("eligibility", "资格审核记录", Retention(1, ANCHOR_CERTIFICATES)),
        Kind("seat_plans", "考场与座位安排", Retention(5)),  # other records, electronic
        # interpretation: the examiners who staffed the batch belong to the "examiner files" → permanent
        Kind("examiners", "考评人员名单", Retention(None)),
        Kind("attendance", "签到与换座记录", Retention(5)),  # other records, electronic
        Kind("room_records", "考场记录", Retention(5)),  # other records, electronic
        Kind("violations", "违纪记录", Retention(5)),  # other records, electronic
        # interpretation: the marks as entered are the score books (评分记录) → 1 year after certificates
        Kind("results", "成绩与评分记录", Retention(1, ANCHOR_CERTIFICATES)),
        # the signed score books (every version, marks by code, signatures, the code → seat key): papers and
        # score books → 1 year after certificates (interpretation, as the results)
        Kind("score_books", "评分册与签字", Retention(1, ANCHOR_CERTIFICATES)),
        Kind("objections", "复核申请", Retention(5)),  # other records, electronic
        # the certificate roster of the passed candidates is the pass list (合格人员名单) → permanent
        Kind("certificate_roster", "证书名册(合格人员名单)", Retention(None)),
        Kind("supervision", "督导任务与报告", Retention(5)),  # other records, electronic
        Kind("video_index", "监控视频索引", Retention(5)),  # other records, electronic
    )
}


class RetentionSettingError(ValueError):
    """DUDAO_ARCHIVE_RETENTION is not valid (Chinese message)."""


def parse_retention(text: str | None, kinds: Mapping[str, Kind] = KINDS) -> dict[str, Retention]:
    """The retention of every kind: the defaults, overridden by the JSON setting text.

    The setting maps a kind to ``"permanent"``, a number of years (the kind's default anchor) or
    ``{"years": N, "from": "certificates"|"sealed"}``. Unknown kinds, negative or absurd years, and
    unknown anchors are refused (RetentionSettingError, Chinese)."""
    table = {key: kind.retention for key, kind in kinds.items()}
    if not text or not text.strip():
        return table
    try:
        data = json.loads(text)
    except ValueError:
        raise RetentionSettingError("DUDAO_ARCHIVE_RETENTION 不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise RetentionSettingError('DUDAO_ARCHIVE_RETENTION 应为对象,例如 {"seat_plans": 3}')
    for key, value in data.items():
        if key not in kinds:
            known = "、".join(kinds)
            raise RetentionSettingError(f"DUDAO_ARCHIVE_RETENTION 中的档案类别「{key}」不存在,可用:{known}")
        anchor = kinds[key].retention.anchor
        if value == PERMANENT:
            table[key] = Retention(None, anchor)
            continue
        if isinstance(value, dict):
            if set(value) - {"years", "from"}:
                raise RetentionSettingError(f"DUDAO_ARCHIVE_RETENTION 中「{key}」只能有 years 和 from")
            anchor = value.get("from", anchor)
            if anchor not in ANCHOR_LABELS:
                raise RetentionSettingError(
                    f"DUDAO_ARCHIVE_RETENTION 中「{key}」的 from 应为 certificates 或 sealed"
                )
            value = value.get("years")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
            raise RetentionSettingError(
                f'DUDAO_ARCHIVE_RETENTION 中「{key}」的保存年限应为 1 到 100 的整数年,或 "permanent"'
            )
        table[key] = Retention(value, anchor)
    return table


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 1 March in a common year (interpretation: "at least
    N years" keeps the record one day longer rather than one day shorter)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def anchor_day(retention: Retention, *, sealed_on: dt.date, certificates_on: dt.date | None) -> dt.date:
    if retention.anchor == ANCHOR_CERTIFICATES and certificates_on is not None:
        return certificates_on
    return sealed_on


def keep_until(
    retention: Retention, *, sealed_on: dt.date, certificates_on: dt.date | None
) -> dt.date | None:
    """The last day a kind must still be kept (interpretation: the anniversary itself is still within
    "at least N years"); None for a permanent kind."""
    if retention.permanent:
        return None
    assert retention.years is not None
    return add_years(
        anchor_day(retention, sealed_on=sealed_on, certificates_on=certificates_on), retention.years
    )


def destroy_not_before(
    retention: Retention, *, sealed_on: dt.date, certificates_on: dt.date | None
) -> dt.date | None:
    """The first day a kind may be destroyed (the day after `keep_until`); None: never (permanent)."""
    last = keep_until(retention, sealed_on=sealed_on, certificates_on=certificates_on)
    return None if last is None else last + dt.timedelta(days=1)


def due_kinds(
    kinds: Iterable[str],
    table: Mapping[str, Retention],
    *,
    sealed_on: dt.date,
    certificates_on: dt.date | None,
    today: dt.date,
) -> list[str]:
    """The kinds (of those given) whose retention has ended on `today`; permanent kinds never are."""
    due = []
    for key in kinds:
        retention = table.get(key)
        if retention is None:
            continue
        first = destroy_not_before(retention, sealed_on=sealed_on, certificates_on=certificates_on)
        if first is not None and today >= first:
            due.append(key)
    return due


def destruction_refusal(
    kind: str,
    table: Mapping[str, Retention],
    *,
    sealed_on: dt.date,
    certificates_on: dt.date | None,
    on: dt.date,
) -> str | None:
    """Why `kind` of a package may not be destroyed on `on` (Chinese), or None when it may."""
    retention = table.get(kind)
    label = KINDS[kind].label if kind in KINDS else kind
    if retention is None:
        return f"档案类别「{kind}」不存在"
    first = destroy_not_before(retention, sealed_on=sealed_on, certificates_on=certificates_on)
    if first is None:
        return f"「{label}」须永久保存,不能销毁"
    if on < first:
        return f"「{label}」保存期未满,{first.isoformat()} 起方可销毁"
    return None


# ------------------------------------------------------------------------------------------ digests


def digest_algorithm() -> str:
    """SM3 when OpenSSL provides it (国密), else SHA-256; the manifest records which."""
    try:
        hashlib.new("sm3")
    except ValueError:
        return "sha256"
    return "sm3"


def digest(data: bytes, algorithm: str) -> str:
    return hashlib.new(algorithm, data).hexdigest()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel and WPS open it as Chinese text). A cell that a spreadsheet
    would run as a formula (starting with = + - @) is prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n").encode(
        "utf-8"
    )


def build_manifest(
    files: Mapping[str, bytes],
    *,
    kinds: Mapping[str, Sequence[str]],
    package: Mapping[str, Any],
    algorithm: str | None = None,
) -> bytes:
    """The manifest.json bytes for `files` (path → content): one entry per file with its size and digest,
    files in path order, the kinds with their paths and the package's facts."""
    algorithm = algorithm or digest_algorithm()
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported algorithm {algorithm}")
    if MANIFEST in files:
        raise ValueError("manifest.json is reserved")
    manifest = {
        "version": VERSION,
        "algorithm": algorithm,
        "package": dict(package),
        "kinds": [
            {"kind": key, "label": KINDS[key].label if key in KINDS else key, "paths": list(paths)}
            for key, paths in kinds.items()
        ],
        "files": [
            {"path": path, "size": len(files[path]), algorithm: digest(files[path], algorithm)}
            for path in sorted(files)
        ],
    }
    return json_bytes(manifest)


@dataclass
class Verdict:
    """The outcome of checking a package against its manifest."""

    valid: bool
    files: int = 0
    errors: list[str] = field(default_factory=list)
    manifest_sm3: str = ""
    algorithm: str = ""
    manifest: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "files": self.files,
            "errors": list(self.errors),
            "manifest_sm3": self.manifest_sm3,
        }


class NotAPackage(ValueError):
    """The file is not an archive package at all (no manifest, unreadable manifest); Chinese message."""


def read_manifest(raw: bytes) -> dict[str, Any]:
    """The manifest's JSON, checked for shape (NotAPackage otherwise)."""
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NotAPackage("manifest.json 不是有效的 JSON") from None
    if not isinstance(manifest, dict) or manifest.get("version") != VERSION:
        raise NotAPackage("manifest.json 的版本不受支持(应为 1)")
    algorithm = manifest.get("algorithm")
    if algorithm not in ALGORITHMS:
        raise NotAPackage(f"manifest.json 的摘要算法「{str(algorithm)[:20]}」不受支持(应为 sm3 或 sha256)")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("path"), str)
        and isinstance(e.get("size"), int)
        and isinstance(e.get(algorithm), str)
        for e in files
    ):
        raise NotAPackage("manifest.json 的文件清单格式不正确")
    return manifest


def verify_entries(entries: Mapping[str, bytes]) -> Verdict:
    """Check the files of a package (path → content, manifest.json included) against its manifest:
    every listed file present with its size and digest, nothing unlisted. Raises NotAPackage when there
    is no usable manifest."""
    if MANIFEST not in entries:
        raise NotAPackage("压缩包中没有 manifest.json,不是归档包")
    raw = entries[MANIFEST]
    manifest = read_manifest(raw)
    algorithm = manifest["algorithm"]
    try:
        manifest_digest = digest(raw, algorithm)
    except ValueError:
        raise NotAPackage(f"本机的 OpenSSL 不支持 {algorithm} 摘要算法,无法校验") from None
    errors: list[str] = []
    listed: set[str] = set()
    for entry in manifest["files"]:
        path = entry["path"]
        if path in listed:
            errors.append(f"清单中重复列出文件:{path}")
            continue
        listed.add(path)
        content = entries.get(path)
        if content is None:
            errors.append(f"缺少文件:{path}")
        elif len(content) != entry["size"] or digest(content, algorithm) != entry[algorithm].lower():
            errors.append(f"文件内容已改变:{path}")
    for path in sorted(set(entries) - listed - {MANIFEST}):
        errors.append(f"多出未列入清单的文件:{path}")
    return Verdict(
        valid=not errors,
        files=len(manifest["files"]),
        errors=errors,
        manifest_sm3=manifest_digest,
        algorithm=algorithm,
        manifest=manifest,
    )


def batch_over_refusal(
    *,
    cancelled: bool,
    published: bool,
    objections_close_on: dt.date | None,
    today: dt.date,
    open_objections: int,
    passed_without_certificate: int,
) -> str | None:
    """When a plan's batch is over and may be sealed (our rule, documented in docs/archives.md): the plan
    was cancelled; or its results are published, the objection window has closed (the day after its last
    day), no objection is open and every passed candidate holds a certificate. Else why not (Chinese)."""
    if cancelled:
        return None
    if not published:
        return "成绩尚未公示,批次未结束,不能归档"
    if objections_close_on is None or today <= objections_close_on:
        return "复核申请期尚未结束,不能归档"
    if open_objections:
        return f"还有 {open_objections} 件复核申请未处理,不能归档"
    if passed_without_certificate:
        return f"还有 {passed_without_certificate} 名合格考生未发证,不能归档"
    return None
