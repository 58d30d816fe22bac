"""Set-up for the supervision product tests (draws in the product, tasks, penalties, public disclosure).

`World` builds, with direct ORM writes, a province (江西, the `users` fixture's authority) with two
institutions, an active filing, batches in the coming week, and external supervisors with valid cards
and their own logins; plus a batch in another province that must never appear in our draws. The fixtures
(`world`, `media_root`, `special`) are in conftest.py; tasks in any state come from `World.task`
(tests.factories.supervision_task, through the services).
"""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import Model
from django.test import Client
from django.utils import timezone

from dudao.accounts.models import Role
from dudao.common.models import AuditEvent
from dudao.notifications.models import Message
from dudao.people import models as pm
from dudao.registry import models as rm
from dudao.supervision import models as sm
from dudao.supervision.models import Draw
from tests import factories as f
from tests.clock import TODAY
from tests.conftest import client_for
from tests.factories import current_version


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def make_supervisor(authority, name: str, n: int, *, kind="external", institution=None, valid_until=None):
    """A supervisor with a person, a valid card (R36 + year + serial) and a login of the right role."""
    person = f.PersonFactory(name=name)
    supervisor = f.SupervisorFactory(
        person=person,
        kind=kind,
        authority=authority if kind == "external" else None,
        institution=institution if kind == "internal" else None,
    )
    pm.SupervisorCard.objects.create(
        supervisor=supervisor,
        number=f"R3624{n:04d}" if kind == "external" else f"NB{n:06d}",
        issuer=authority if kind == "external" else None,
        issued_on=dt.date(2024, 1, 1),
        valid_until=valid_until or dt.date(2030, 12, 31),
    )
    role = Role.EXTERNAL_SUPERVISOR if kind == "external" else Role.INTERNAL_SUPERVISOR
    user = f.UserFactory(
        username=f"sup{n}",
        role=role,
        person=person,
        authority=authority if kind == "external" else None,
        institution=institution if kind == "internal" else None,
    )
    supervisor.user = user
    return supervisor


def make_batch(institution, filing, occupation, venue, code: str, day: dt.date, **extra) -> rm.Batch:
    return rm.Batch.objects.create(
        code=code,
        institution=institution,
        filing=filing,
        occupation=occupation,
        levels=[4],
        starts_at=extra.pop("starts_at", local(day, 9)),
        ends_at=extra.pop("ends_at", local(day, 17)),
        venue=venue,
        **extra,
    )


class World:
    """Own province: institution A (users' institution) and B; other province: institution X."""

    def __init__(self, users, institution, other_institution):
        self.users = users
        self.auth_admin = users[Role.AUTHORITY_ADMIN]
        self.auth_staff = users[Role.AUTHORITY_STAFF]
        self.inst_admin = users[Role.INSTITUTION_ADMIN]
        self.inst_staff = users[Role.INSTITUTION_STAFF]
        self.superuser = users["superuser"]
        self.authority = institution.authority
        self.institution = institution
        self.other_institution = other_institution
        self.other_authority = other_institution.authority
        self.welder = f.OccupationFactory(code="6-18-02-04", name="焊工", verified=True)
        self.filing = f.FilingFactory(institution=institution, number="JX-BA-0001")
        f.FilingScopeFactory(filing=self.filing, occupation=self.welder, levels=[5, 4, 3])
        self.venue = f.VenueFactory(institution=institution, name="一号考场")
        self.institution_b = f.InstitutionFactory(
            authority=self.authority, region=self.authority.region, name="乙机构"
        )
        self.filing_b = f.FilingFactory(institution=self.institution_b, number="JX-BA-0002")
        f.FilingScopeFactory(filing=self.filing_b, occupation=self.welder, levels=[5, 4, 3])
        self.venue_b = f.VenueFactory(institution=self.institution_b, name="乙考场")
        d1, d2, d3 = (TODAY + dt.timedelta(days=n) for n in (7, 8, 9))
        self.b1 = make_batch(institution, self.filing, self.welder, self.venue, "PC-A-1", d1)
        self.b2 = make_batch(institution, self.filing, self.welder, self.venue, "PC-A-2", d2)
        self.b3 = make_batch(self.institution_b, self.filing_b, self.welder, self.venue_b, "PC-B-1", d3)
        self.cancelled = make_batch(
            institution, self.filing, self.welder, self.venue, "PC-A-X", d3, status=rm.Batch.Status.CANCELLED
        )
        other_filing = f.FilingFactory(institution=other_institution, number="GD-BA-0001")
        other_venue = f.VenueFactory(institution=other_institution)
        self.other_batch = make_batch(
            other_institution, other_filing, self.welder, other_venue, "PC-GD-1", d1
        )
        self.supervisors = [make_supervisor(self.authority, f"外督{n}", n) for n in range(1, 7)]
        self.s1, self.s2, self.s3, self.s4, self.s5, self.s6 = self.supervisors
        # SUP-8 inputs: s6 declared a relation with institution A; s5 examines in batch PC-A-2.
        pm.Relation.objects.create(
            person=self.s6.person, kind=pm.Relation.Kind.RELATIVE, institution=institution, declared_on=TODAY
        )
        examiner = f.ExaminerFactory(person=self.s5.person, authority=self.authority)
        self.b2.examiners.add(examiner)
        # A supervisor of the other province (never in our pool).
        self.foreign = make_supervisor(self.other_authority, "粤督", 99)

    def user_of(self, supervisor) -> object:
        return supervisor.user

    def task(self, state: str = "dispatched", *supervisors, **extra) -> sm.SupervisionTask:
        """A task at institution A dispatched by the authority's staff to `supervisors` (default s1; the
        first leads) on batch PC-A-1 unless times or another batch are given, taken to `state`."""
        if "starts_at" not in extra:
            extra.setdefault("batch", self.b1)
        extra.setdefault("institution", self.institution)
        return f.supervision_task(
            state,
            actor=extra.pop("actor", self.auth_staff),
            institution_actor=extra.pop("institution_actor", self.inst_admin),
            supervisors=list(supervisors) or [self.s1],
            **extra,
        )


def counts() -> dict[str, int]:
    """Row counts of everything a supervision write could touch ('nothing changed' assertions)."""
    models: list[type[Model]] = [
        sm.Draw,
        sm.SupervisionTask,
        sm.TaskMember,
        sm.Finding,
        sm.FindingEvidence,
        sm.Report,
        sm.Opinion,
        sm.Rectification,
        sm.RectificationEvidence,
        sm.Penalty,
        sm.FilingTermination,
        sm.SupervisorRating,
        sm.SupervisorAssessment,
        sm.MisconductRecord,
        sm.SupervisionPolicy,
        Message,
        AuditEvent,
    ]
    data = {m.__name__: m.objects.count() for m in models}
    data["task_versions"] = sum(sm.SupervisionTask.objects.values_list("row_version", flat=True))
    data["draw_versions"] = sum(sm.Draw.objects.values_list("row_version", flat=True))
    data["filing_statuses"] = ",".join(rm.Filing.objects.order_by("pk").values_list("status", flat=True))
    return data


def api(user, method: str, url: str, body=None):
    client = client_for(user) if user is not None else Client()
    if method == "get":
        return client.get(url)
    if method == "delete":
        return client.delete(url)
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


API = "/api/v1/supervision"

# A minimal valid JPEG (magic bytes + enough content for the sniffer).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def photo(name: str = "现场.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


def witness_value(draw, n: int) -> str:
    """A witness's secret value for tests: unique per draw (a commitment is never accepted twice)."""
    return f"witness-{draw.pk}-{n}-0123456789abcdef"


def add_witnesses(w: World, draw, *, actor=None, count: int = 2) -> list[str]:
    """Register `count` witnesses with their commitments (issue 8 §7); returns their secret values."""
    from dudao.common.domain import digest
    from dudao.supervision import services

    draw.refresh_from_db()
    values = [witness_value(draw, n) for n in range(1, count + 1)]
    for n, value in enumerate(values, start=1):
        services.draw_witness_add(
            actor=actor or w.auth_staff,
            draw=draw,
            name=f"见证人{n}",
            role="discipline" if n == 1 else "notary",
            commitment=digest(value, draw.hash_algorithm),
            row_version=current_version(draw, Draw),
        )
    return values


def reveal_witnesses(w: World, draw, *, actor=None):
    """Enter every witness's value at the draw meeting (after publication)."""
    from dudao.supervision import services

    for witness in draw.witnesses.order_by("position"):
        services.draw_witness_reveal(
            actor=actor or w.auth_staff,
            draw=draw,
            witness=witness,
            value=witness_value(draw, witness.position),
            row_version=current_version(draw, Draw),
        )


def publish_draw(w: World, draw, *, actor=None):
    """Witnesses, then publication (the final seed will depend on their values)."""
    from dudao.supervision import services

    add_witnesses(w, draw, actor=actor)
    return services.draw_publish(
        actor=actor or w.auth_staff, draw=draw, row_version=current_version(draw, Draw)
    )


def run_draw(w: World, draw, *, actor=None):
    """The witnesses reveal their values, then the draw runs on the final seed."""
    from dudao.supervision import services

    reveal_witnesses(w, draw, actor=actor)
    return services.draw_run(actor=actor or w.auth_staff, draw=draw, row_version=current_version(draw, Draw))


def locked_draw(w: World, **params):
    """Define, publish (with two witnesses), run and lock a draw as the authority's staff."""
    from dudao.supervision import services

    base = {
        "title": "抽取",
        "period_start": TODAY + dt.timedelta(days=1),
        "period_end": TODAY + dt.timedelta(days=30),
        "task_kind": "daily",
        "group_size": 1,
    }
    draw = services.draw_define(actor=w.auth_staff, **{**base, **params})
    draw = run_draw(w, publish_draw(w, draw))
    return services.draw_lock(actor=w.auth_staff, draw=draw, row_version=current_version(draw, Draw))
