"""Registry read latency on the database in DATABASE_URL (filled by `dudao demo-data`).

    DATABASE_URL=... .venv/bin/python -m bench.registry_bench [--requests 200] [--checks 2000] [--json]

Measures, as the province authority's admin (`demo_authority_admin`) with a Bearer token, through Django's
test Client in the same process (no network, no web server: the figures are the application's own time,
routing, auth, query, serialisation):
- the institution list API and the batch list API (`/api/v1/registry/institutions`, `/batches`): plain first
  page, a filtered and searched page, and page 50;
- the batch-creation scope check (INST-3) as `batch_create` runs it, without writing: the registry's
  `selectors.filing_specs_for_institution` (one query) + `domain.check_batch_in_scope`, over random
  institutions, occupations, levels and dates.
`bench/run.py` runs this once per database and collects the JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LIST_TARGET_MS = 150.0
SEARCH_TERMS = ("南昌", "九江", "技工", "培训", "有限公司", "赣州", "评价")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 200 values is the 190th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _summary(times: list[float]) -> dict[str, float]:
    ms = [t * 1000 for t in times]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "mean_ms": round(sum(ms) / len(ms), 2),
        "max_ms": round(max(ms), 2),
    }


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
    os.environ.setdefault("DUDAO_DEBUG", "0")  # no query log: production-like request handling
    # The benchmark measures request handling, not the per-token rate limit (120 a minute by default).
    os.environ.setdefault("DUDAO_TOKEN_RATE_PER_MINUTE", "100000000")
    import django

    django.setup()


def _variants(today: dt.date) -> list[tuple[str, str, Any]]:
    """(name, path, params for request i)."""
    kinds = ("social_org", "employer", "tech_school")
    return [
        ("institutions", "/api/v1/registry/institutions", lambda i: {}),
        (
            "institutions q+filter",
            "/api/v1/registry/institutions",
            lambda i: {"q": SEARCH_TERMS[i % len(SEARCH_TERMS)], "kind": kinds[i % 3], "status": "active"},
        ),
        ("institutions page 50", "/api/v1/registry/institutions", lambda i: {"page": 50}),
        ("batches", "/api/v1/registry/batches", lambda i: {}),
        (
            "batches q+filter",
            "/api/v1/registry/batches",
            lambda i: {
                "q": SEARCH_TERMS[i % len(SEARCH_TERMS)],
                "status": "planned",
                "region": "360100" if i % 2 else "",
                "start_from": (today + dt.timedelta(days=30 + i % 60)).isoformat(),
                "start_to": (today + dt.timedelta(days=120 + i % 60)).isoformat(),
            },
        ),
        ("batches page 50", "/api/v1/registry/batches", lambda i: {"page": 50}),
    ]


def measure_api(requests: int, warmup: int = 5) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.accounts.services import token_create

    user = User.objects.select_related("authority").get(username="demo_authority_admin")
    _token, key = token_create(actor=None, name="bench registry", user=user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    results = []
    for name, path, params in _variants(timezone.localdate()):
        for i in range(warmup):
            client.get(path, params(i))
        times, counts = [], set()
        for i in range(requests):
            started = time.perf_counter()
            response = client.get(path, params(i))
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{path} {params(i)} → {response.status_code} {response.content[:200]!r}")
            counts.add(response.json()["count"])
        with CaptureQueriesContext(connection) as queries:
            client.get(path, params(0))
        results.append(
            {
                "name": name,
                "path": path,
                "example": params(1),
                **_summary(times),
                "queries": len(queries),
                "count_range": [min(counts), max(counts)],
            }
        )
    return {"user": user.username, "scope": user.authority.name, "requests": results}


def measure_scope_check(checks: int, seed: int = 1) -> dict[str, Any]:
    from django.utils import timezone

    from dudao.common.errors import ValidationFailed
    from dudao.registry import domain, selectors
    from dudao.registry.models import Institution, Occupation

    rng = random.Random(seed)
    institutions = list(Institution.objects.values_list("pk", flat=True))
    occupations = list(Occupation.objects.values_list("pk", "name"))
    today = timezone.localdate()
    times, accepted, refused = [], 0, 0
    for _ in range(checks):
        institution = rng.choice(institutions)
        occupation, label = rng.choice(occupations)
        top = rng.randint(1, 5)
        levels = tuple(range(top, min(5, top + rng.randint(0, 1)) + 1))
        day = today + dt.timedelta(days=rng.randint(1, 365))
        starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        spec = domain.BatchSpec(
            occupation_id=occupation,
            occupation_label=label,
            levels=levels,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=3),
        )
        started = time.perf_counter()
        try:
            domain.check_batch_in_scope(spec, selectors.filing_specs_for_institution(institution))
            accepted += 1
        except ValidationFailed:
            refused += 1
        times.append(time.perf_counter() - started)
    return {**_summary(times), "accepted": accepted, "refused": refused}


def run(requests: int = 200, checks: int = 2000, seed: int = 1) -> dict[str, Any]:
    _setup()
    from django.db import connection

    from dudao.registry.models import Batch, Institution

    return {
        "vendor": connection.vendor,
        "server_version": ".".join(str(p) for p in connection.Database.sqlite_version_info)
        if connection.vendor == "sqlite"
        else str(connection.cursor().connection.info.server_version),
        "client": "django.test.Client, in-process (no web server)",
        "rows": {"institutions": Institution.objects.count(), "batches": Batch.objects.count()},
        "api": measure_api(requests),
        "scope_check": measure_scope_check(checks, seed),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.requests, args.checks, args.seed)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    print(f"{figures['vendor']} {figures['server_version']}: {figures['rows']}")
    for r in figures["api"]["requests"]:
        times = f"p50 {r['p50_ms']:>8.2f} ms  p95 {r['p95_ms']:>8.2f} ms"
        print(f"  {r['name']:<24} {times}  ({r['queries']} queries)")
    s = figures["scope_check"]
    print(f"  INST-3 scope check        p50 {s['p50_ms']:>8.2f} ms  p95 {s['p95_ms']:>8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
