"""Quick measurement of the examiner Excel export at scale (REVIEW L8); not collected by pytest.

Run on a throw-away database (it migrates and fills it):

    DUDAO_VAR_DIR=/tmp/fixpeople-bench .venv/bin/python -m tests.people.bench_examiner_export [N]

Creates N (default 5,000) examiners through the factories, each with a card and two scope entries,
then times GET /people/examiners/export/ as an authority admin and counts the SQL queries.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dudao.accounts.models import Role
    from dudao.people import models as pm
    from tests import factories as f

    call_command("migrate", verbosity=0)
    region = f.RegionFactory(code="360000", name="江西省", kind="province")
    from dudao.registry import models as rm

    authority = rm.Authority.objects.filter(code="BENCH-JX").first() or f.AuthorityFactory(
        region=region, code="BENCH-JX", name="江西省中心", card_issuer_code="36"
    )
    occupations = [
        rm.Occupation.objects.filter(code=code).first() or f.OccupationFactory(code=code, name=name)
        for code, name in (("4-03-02-01", "中式烹调师"), ("6-18-02-04", "焊工"))
    ]
    user = f.UserFactory(username="bench_admin", role=Role.AUTHORITY_ADMIN, authority=authority)
    if not pm.Examiner.objects.exists():
        started = time.perf_counter()
        # Distinct IDs: 1,000 sequence numbers × several birth dates.
        persons = []
        for n in range(count):
            birth = (dt.date(1970, 1, 1) + dt.timedelta(days=n // 1000)).strftime("%Y%m%d")
            persons.append(f.PersonFactory.build(id_number=f.make_resident_id(n, birth=birth)))
        pm.Person.objects.bulk_create(persons, batch_size=1000)
        persons = list(pm.Person.objects.order_by("id"))
        examiners = pm.Examiner.objects.bulk_create(
            [f.ExaminerFactory.build(person=p, authority=authority) for p in persons], batch_size=1000
        )
        cards = pm.ExaminerCard.objects.bulk_create(
            [
                pm.ExaminerCard(
                    examiner=e,
                    number=f"KP-{i:06d}",
                    issued_on=dt.date(2023, 1, 1),
                    valid_until=dt.date(2025, 12, 31) if i % 3 else dt.date(2027, 12, 31),
                )
                for i, e in enumerate(examiners)
            ],
            batch_size=1000,
        )
        pm.ExaminerCardScope.objects.bulk_create(
            [
                pm.ExaminerCardScope(card=c, occupation=o, work_type="", levels=[5, 4])
                for c in cards
                for o in occupations
            ],
            batch_size=2000,
        )
        print(f"created {count} examiners in {time.perf_counter() - started:.1f} s")
    client = Client()
    client.force_login(user)
    url = reverse("people:examiner_export")
    timings = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    print(
        f"export of {pm.Examiner.objects.count()} examiners: {len(body) / 1024:.0f} KiB, "
        f"{len(queries)} queries, times {', '.join(f'{t:.2f}' for t in timings)} s "
        f"(median {sorted(timings)[1]:.2f} s, database {connection.vendor})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
