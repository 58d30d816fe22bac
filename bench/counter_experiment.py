"""A gunicorn config for an experiment of the certificates bench (`--counter-experiment`), never for
production: each worker replaces the public look-up's per-address counter before serving.

    DUDAO_BENCH_COUNTER=upsert  the same hourly budget counted by ONE autocommitted statement (INSERT …
                                ON CONFLICT DO UPDATE … RETURNING, as `accounts.throttle.token_request`
                                counts API tokens) in an unlogged table of the bench database (the
                                bench makes it);
    DUDAO_BENCH_COUNTER=off     no counting at all (the ceiling the counter is measured against).

It shows what the counter costs per request on top of the look-up; the product's code is unchanged.
"""

from __future__ import annotations

import os

TABLE = "bench_address_counter"


def post_worker_init(worker) -> None:
    from django.conf import settings
    from django.db import connection

    from dudao.accounts.forms import client_ip
    from dudao.accounts.throttle import TooManyRequests
    from dudao.exams import public_limits

    mode = os.environ.get("DUDAO_BENCH_COUNTER", "upsert")
    if mode == "off":
        public_limits.certificate_lookup = lambda request: None
        return
    # the table (key text PRIMARY KEY, count integer) is created by the bench before the server starts

    def certificate_lookup(request) -> None:
        import math
        import time

        window = int(time.time() // 3600)
        key = f"certificate-lookup:{client_ip(request)}:{window}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (key, count) VALUES (%s, 1) "  # noqa: S608 - fixed table name
                f"ON CONFLICT (key) DO UPDATE SET count = {TABLE}.count + 1 RETURNING count",
                [key],
            )
            count = cursor.fetchone()[0]
        limit = settings.DUDAO_PUBLIC_CERTIFICATE_LOOKUPS_PER_HOUR
        if count > limit:
            wait = math.ceil((window + 1) * 3600 - time.time())
            raise TooManyRequests("本网络提交过于频繁", retry_after=wait)

    public_limits.certificate_lookup = certificate_lookup
