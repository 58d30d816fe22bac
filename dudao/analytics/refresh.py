"""`dudao analytics refresh`: export the snapshot incrementally, run the operational checks over the database
and the statistical scan over the snapshot, record the new flags (issue 13; ACT-3 data comparison)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from dudao.analytics.scan.flags import Thresholds, scan

from . import operational, services, snapshot


def refresh(
    out: Path,
    *,
    since: dt.date | None = None,
    full: bool = False,
    thresholds: Thresholds | None = None,
    operational_thresholds: operational.OperationalThresholds | None = None,
) -> dict[str, Any]:
    exported = snapshot.export(out, since=since, full=full)
    marks_file = out / snapshot.MARKS_FILE
    result = scan(marks_file, thresholds or Thresholds())
    candidates = [
        *operational.operational_flags(operational_thresholds),
        *snapshot.scan_candidates(marks_file, result["flags"]),
    ]
    created, known = services.record_flags(candidates)
    return {
        "export": exported,
        "scan": result["stats"],
        "found": len(candidates),
        "raised": len(created),
        "known": known,
        "by_kind": dict(Counter(f.kind for f in created)),
    }
