"""The columnar snapshot of the platform's marks (issue 13 item 4): Parquet in the scan contract's columns,
exported from the database incrementally, and the scan's flags mapped back onto the database's rows.

Layout of the snapshot directory:

    DIR/batches/batch-<id>.parquet   one file per batch (rewritten only when the batch has new marks)
    DIR/marks.parquet                all batches in one file: what `scan` reads
    DIR/manifest.json                the watermark (last exported mark id) and each batch's file and rows

Columns (all text but `mark` and `full`): institution (unified social credit code), batch (batch code),
occupation (occupation code), level, subject (theory|practical|review), room (room id), candidate
(registration number), examiner (examiner id), mark, full. One row per current mark of an initial or third
marker (EXAM-6, EXAM-16); the team leader's ruling is a decision, not a marker's mark, and is left out;
absent papers have no marks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from dudao.analytics.scan.marks_input import COLUMNS as MARK_COLUMNS
from dudao.exams.models_marking import Mark
from dudao.people.models import Examiner
from dudao.registry.models import Batch, Institution

COLUMNS = list(MARK_COLUMNS)  # the scan contract's columns, in its order
MANIFEST = "manifest.json"
MARKS_FILE = "marks.parquet"
EMPTY = (
    "SELECT "
    + ", ".join([f"CAST(NULL AS VARCHAR) AS {c}" for c in COLUMNS[:8]] + ["CAST(NULL AS DOUBLE) AS mark"])
    + ', CAST(NULL AS DOUBLE) AS "full" WHERE false'
)


def default_dir() -> Path:
    return Path(getattr(settings, "DUDAO_ANALYTICS_DIR", Path(settings.VAR_DIR) / "analytics"))


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def read_manifest(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {"watermark": {"mark_id": 0}, "batches": {}}


def _marks():
    return Mark.objects.filter(
        current=True, role__in=[Mark.Role.INITIAL, Mark.Role.THIRD], paper__absent=False
    )


def _changed_batches(watermark: int, since: dt.date | None, full: bool) -> list[int]:
    rows = _marks()
    if not full:
        changed = rows.filter(id__gt=watermark)
        if since is not None:
            start = timezone.make_aware(dt.datetime.combine(since, dt.time()))
            changed = rows.filter(id__gt=watermark) | rows.filter(at__gte=start)
        rows = changed
    return sorted(set(rows.values_list("paper__marking__session__plan__batch_id", flat=True)))


def _frame(batch_id: int) -> pd.DataFrame:
    values = (
        _marks()
        .filter(paper__marking__session__plan__batch_id=batch_id)
        .order_by("paper__marking__session_id", "paper__seat__registration__number", "examiner_id", "id")
        .values_list(
            "paper__marking__session__plan__batch__institution__uscc",
            "paper__marking__session__plan__batch__code",
            "paper__marking__session__plan__batch__occupation__code",
            "paper__seat__registration__level",
            "paper__marking__session__subject",
            "paper__seat__room_id",
            "paper__seat__registration__number",
            "examiner_id",
            "value",
            "paper__marking__full",
        )
    )
    frame = pd.DataFrame.from_records(list(values), columns=COLUMNS)
    for c in COLUMNS[:8]:
        frame[c] = frame[c].astype(str)
    frame["mark"] = frame["mark"].astype(float)
    frame["full"] = frame["full"].astype(float)
    return frame


def export(out: Path, *, since: dt.date | None = None, full: bool = False) -> dict[str, Any]:
    """Write the batches with marks newer than the recorded watermark (all batches when `full`, and every
    batch with a mark entered on or after `since`), rebuild `marks.parquet`, record the new watermark.
    Returns {"batches": written, "rows": rows written, "total_rows": rows in the snapshot, "watermark"}."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "batches").mkdir(exist_ok=True)
    manifest = read_manifest(out)
    watermark = int(manifest.get("watermark", {}).get("mark_id", 0))
    # the new watermark is read first: a mark entered during the export is picked up by the next one
    top = Mark.objects.aggregate(top=Max("id"))["top"] or 0
    batch_ids = _changed_batches(watermark, since, full or not manifest["batches"])
    codes = dict(Batch.objects.filter(pk__in=batch_ids).values_list("pk", "code"))
    con = duckdb.connect(":memory:")
    written = 0
    try:
        for batch_id in batch_ids:
            frame = _frame(batch_id)
            target = out / "batches" / f"batch-{batch_id}.parquet"
            code = codes[batch_id]
            if frame.empty:
                target.unlink(missing_ok=True)
                manifest["batches"].pop(code, None)
                continue
            con.register("frame", frame)
            tmp = target.with_suffix(".tmp")
            con.execute(f"COPY (SELECT * FROM frame) TO {_literal(tmp)} (FORMAT parquet)")  # noqa: S608 - path quoted
            con.unregister("frame")
            os.replace(tmp, target)
            manifest["batches"][code] = {"file": f"batches/{target.name}", "rows": len(frame)}
            written += len(frame)
        files = sorted((out / "batches").glob("batch-*.parquet"))
        source = (
            "SELECT * FROM read_parquet([" + ", ".join(map(_literal, files)) + "])"  # noqa: S608 - paths quoted
            if files
            else EMPTY
        )
        tmp = out / (MARKS_FILE + ".tmp")
        con.execute(f"COPY ({source}) TO {_literal(tmp)} (FORMAT parquet)")
        os.replace(tmp, out / MARKS_FILE)
    finally:
        con.close()
    total = sum(b["rows"] for b in manifest["batches"].values())
    manifest["watermark"] = {"mark_id": max(top, watermark), "exported_at": timezone.now().isoformat()}
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, out / MANIFEST)
    return {
        "batches": len(batch_ids),
        "rows": written,
        "total_rows": total,
        "watermark": manifest["watermark"],
    }


# ------------------------------------------------------------------------------ scan flags → database
_SUBJECT_ROWS = {
    "pass_rate": "institution = $institution AND occupation = $occupation AND level = $level",
    "heaping": "batch = $batch AND subject = $subject",
    "disagreement": "batch = $batch AND subject = $subject",
    "identical": "batch = $batch AND subject = $subject AND room = $room",
    "leniency": "(batch, subject, candidate) IN "
    "(SELECT batch, subject, candidate FROM snap WHERE examiner = $examiner)",
}


# the subject's rows in a stable order, one digest; `where` is one of _SUBJECT_ROWS (constants, values bound)
DIGEST_SQL = (
    "SELECT md5(coalesce(string_agg(concat_ws('|', institution, batch, occupation, level, subject, room, "
    "candidate, examiner, CAST(mark AS VARCHAR), CAST(\"full\" AS VARCHAR)), ';' ORDER BY batch, subject, "
    "candidate, examiner, mark), '')), count(*), list(DISTINCT batch) FROM snap WHERE "
)


def scan_candidates(marks_file: Path, flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scan's flags as candidate flags on the database's rows, each with the digest of the snapshot rows
    its subject rests on (so the same pattern on the same data keeps its fingerprint)."""
    if not flags:
        return []
    institutions = {i.uscc: i for i in Institution.objects.filter(uscc__in={f["institution"] for f in flags})}
    batches = {b.code: b for b in Batch.objects.filter(code__in={f["batch"] for f in flags})}
    examiner_ids = [int(f["examiner"]) for f in flags if str(f.get("examiner") or "").isdigit()]
    examiners = {str(e.pk): e for e in Examiner.objects.filter(pk__in=examiner_ids)}
    con = duckdb.connect(":memory:")
    out = []
    try:
        con.execute(f"CREATE TEMP VIEW snap AS SELECT * FROM read_parquet({_literal(marks_file)})")  # noqa: S608
        for f in flags:
            ev = f["evidence"]
            params = {
                "institution": f.get("institution"),
                "batch": f.get("batch"),
                "examiner": f.get("examiner"),
                "occupation": ev.get("occupation"),
                "level": None if ev.get("level") is None else str(ev.get("level")),
                "subject": ev.get("subject"),
                "room": None if ev.get("room") is None else str(ev.get("room")),
            }
            where = _SUBJECT_ROWS[f["kind"]]
            used = {k: v for k, v in params.items() if f"${k}" in where}
            digest, rows, batch_codes = con.execute(DIGEST_SQL + where, used).fetchone()
            inst = institutions.get(f.get("institution"))
            batch = batches.get(f.get("batch"))
            examiner = examiners.get(str(f.get("examiner")))
            span = Batch.objects.filter(code__in=batch_codes or []).aggregate(
                s=Min("starts_at"), e=Max("ends_at")
            )
            subject_key = "|".join(
                str(v) for v in (f.get("institution"), f.get("batch"), f.get("examiner"), *used.values()) if v
            )
            authority_id = inst.authority_id if inst else (examiner.authority_id if examiner else None)
            out.append(
                {
                    "kind": f["kind"],
                    "source": "scan",
                    "authority_id": authority_id,
                    "institution_id": inst.pk if inst else None,
                    "batch_id": batch.pk if batch else None,
                    "examiner_id": examiner.pk if examiner else None,
                    "subject_key": subject_key,
                    "period_start": timezone.localtime(span["s"]).date() if span["s"] else None,
                    "period_end": timezone.localtime(span["e"]).date() if span["e"] else None,
                    "statistic": f["statistic"],
                    "p_value": f["p_value"],
                    "evidence": ev,
                    "basis": {"rows": rows, "digest": digest},
                }
            )
    finally:
        con.close()
    return out
