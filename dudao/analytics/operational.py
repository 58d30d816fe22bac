"""Operational flags over the database (issue 13 item 1; ACT-3 data comparison, ACT-7 whole-process
control): what the platform's own records say happened out of order.

- late_checkin: check-ins recorded after the session had started (EXAM day records);
- device_checkin: one check-in device recording many candidates of one session;
- certificate_without_pass: a valid certificate whose registration has no passing result;
- mark_after_publication: a mark entered after the plan's results were published, other than a
  correction after an upheld objection (EXAM-17);
- out_of_scope: a batch outside its institution's filed scope (INST-3), judged on the scope entries and
  validity periods (not the filing's current status, which may have changed since).

Each check returns candidate flags (plain dicts) with their evidence rows; `services.record_flags` stores
them. Thresholds are counts; a flag is raised when the count reaches the threshold (≥).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from dudao.common.errors import ValidationFailed
from dudao.exams.models import CheckIn, Mark, Objection
from dudao.exams.models_results import Certificate
from dudao.registry import domain as registry_domain
from dudao.registry import selectors as registry_selectors
from dudao.registry.models import Batch

DEVICE_RE = re.compile(r"^(?P<device>.+)-(?P<n>\d+)$")


@dataclass(frozen=True)
class OperationalThresholds:
    late_checkin_min: int = 3  # check-ins after the start in one session
    device_min_candidates: int = 50  # candidates one device checked in within one session
    certificate_min: int = 1  # certificates without a passing result in one batch
    mark_after_min: int = 1  # marks entered after publication in one batch


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _candidate(kind: str, batch: Batch, statistic: float, evidence: dict, basis: list) -> dict[str, Any]:
    day = timezone.localtime(batch.starts_at).date()
    return {
        "kind": kind,
        "source": "database",
        "authority_id": batch.institution.authority_id,
        "institution_id": batch.institution_id,
        "batch_id": batch.pk,
        "examiner_id": None,
        "subject_key": batch.code,
        "period_start": day,
        "period_end": timezone.localtime(batch.ends_at).date(),
        "statistic": float(statistic),
        "p_value": None,
        "evidence": evidence,
        "basis": basis,
    }


def device_of(client_id: str | None) -> str | None:
    """The device part of a check-in's record number ("dev-<device>-<counter>", checkin.js)."""
    if not client_id:
        return None
    match = DEVICE_RE.match(client_id)
    return match.group("device") if match else None


def _checkins(batch_ids=None):
    rows = CheckIn.objects.exclude(status=CheckIn.Status.ABSENT).select_related(
        "seat__room",
        "seat__session__plan__batch__institution",
        "seat__registration",
    )
    if batch_ids is not None:
        rows = rows.filter(seat__session__plan__batch_id__in=batch_ids)
    return rows.order_by("seat__session_id", "at", "id")


def late_checkins(t: OperationalThresholds, batch_ids=None) -> list[dict[str, Any]]:
    by_session: dict[int, list[CheckIn]] = {}
    # after the start: at the start itself is on time
    for c in _checkins(batch_ids).filter(at__gt=F("seat__session__starts_at")):
        by_session.setdefault(c.seat.session_id, []).append(c)
    flags = []
    for rows in by_session.values():
        if len(rows) < t.late_checkin_min:
            continue
        session = rows[0].seat.session
        batch = session.plan.batch
        evidence = {
            "session_id": session.pk,
            "plan_id": session.plan_id,
            "session": str(session),
            "starts_at": _local(session.starts_at),
            "count": len(rows),
            "threshold": t.late_checkin_min,
            "rows": [
                {
                    "candidate": c.seat.registration.number,
                    "room": c.seat.room.name,
                    "seat": c.seat.number,
                    "at": _local(c.at),
                    "minutes_after_start": round((c.at - session.starts_at).total_seconds() / 60, 1),
                    "status": c.get_status_display(),
                }
                for c in rows
            ],
        }
        basis = [("checkin", c.pk, c.at.isoformat()) for c in rows]
        flags.append(_candidate("late_checkin", batch, len(rows), evidence, basis))
    return flags


def device_checkins(t: OperationalThresholds, batch_ids=None) -> list[dict[str, Any]]:
    groups: dict[tuple[int, str], list[CheckIn]] = {}
    for c in _checkins(batch_ids).exclude(client_id__isnull=True):
        device = device_of(c.client_id)
        if device:
            groups.setdefault((c.seat.session_id, device), []).append(c)
    flags = []
    for (_session_id, device), rows in groups.items():
        candidates = {c.seat.registration_id for c in rows}
        if len(candidates) < t.device_min_candidates:
            continue
        session = rows[0].seat.session
        batch = session.plan.batch
        rooms = sorted({c.seat.room.name for c in rows})
        evidence = {
            "session_id": session.pk,
            "plan_id": session.plan_id,
            "session": str(session),
            "device": device,
            "count": len(candidates),
            "rooms": rooms,
            "threshold": t.device_min_candidates,
            "rows": [
                {
                    "candidate": c.seat.registration.number,
                    "room": c.seat.room.name,
                    "seat": c.seat.number,
                    "at": _local(c.at),
                    "status": c.get_status_display(),
                }
                for c in rows
            ],
        }
        basis = [("checkin", c.pk, c.client_id) for c in rows]
        flag = _candidate("device_checkin", batch, len(candidates), evidence, basis)
        flag["subject_key"] = f"{batch.code}/{device}"
        flags.append(flag)
    return flags


def certificates_without_pass(t: OperationalThresholds, batch_ids=None) -> list[dict[str, Any]]:
    rows = (
        Certificate.objects.filter(status=Certificate.Status.VALID)
        .exclude(registration__result__passed=True)
        .select_related("registration__plan__batch__institution", "registration__result")
        .order_by("registration__plan__batch_id", "number")
    )
    if batch_ids is not None:
        rows = rows.filter(registration__plan__batch_id__in=batch_ids)
    by_batch: dict[int, list[Certificate]] = {}
    for cert in rows:
        by_batch.setdefault(cert.registration.plan.batch_id, []).append(cert)
    flags = []
    for certs in by_batch.values():
        if len(certs) < t.certificate_min:
            continue
        batch = certs[0].registration.plan.batch
        evidence = {
            "plan_id": certs[0].registration.plan_id,
            "count": len(certs),
            "threshold": t.certificate_min,
            "rows": [
                {
                    "certificate": c.number,
                    "candidate": c.registration.number,
                    "level": c.level,
                    "issued_on": c.issued_on.isoformat(),
                    "result": _result_text(c),
                }
                for c in certs
            ],
        }
        basis = [("certificate", c.number, _result_text(c)) for c in certs]
        flags.append(_candidate("certificate_without_pass", batch, len(certs), evidence, basis))
    return flags


def _result_text(cert: Certificate) -> str:
    result = getattr(cert.registration, "result", None)
    if result is None:
        return "无成绩记录"
    return "不合格" if result.passed is False else "成绩未评定"


def marks_after_publication(t: OperationalThresholds, batch_ids=None) -> list[dict[str, Any]]:
    rows = (
        # entered after the publication (at the publication itself is not after it)
        Mark.objects.filter(at__gt=F("paper__marking__session__plan__publication__published_at"))
        .select_related(
            "paper__marking__session__plan__batch__institution",
            "paper__marking__session__plan__publication",
            "paper__seat__registration",
            "examiner__person",
        )
        .order_by("paper__marking__session__plan_id", "at", "id")
    )
    if batch_ids is not None:
        rows = rows.filter(paper__marking__session__plan__batch_id__in=batch_ids)
    upheld = set(
        Objection.objects.filter(status=Objection.Status.UPHELD).values_list("registration_id", "subject")
    )
    by_batch: dict[int, list[Mark]] = {}
    for m in rows:
        session = m.paper.marking.session
        if (m.paper.seat.registration_id, session.subject) in upheld:  # EXAM-17 correction
            continue
        by_batch.setdefault(session.plan.batch_id, []).append(m)
    flags = []
    for marks in by_batch.values():
        if len(marks) < t.mark_after_min:
            continue
        plan = marks[0].paper.marking.session.plan
        evidence = {
            "plan_id": plan.pk,
            "published_at": _local(plan.publication.published_at),
            "count": len(marks),
            "threshold": t.mark_after_min,
            "rows": [
                {
                    "paper": m.paper.code,
                    "candidate": m.paper.seat.registration.number,
                    "subject": m.paper.marking.session.get_subject_display(),
                    "examiner": m.examiner.person.name,
                    "mark": str(m.value),
                    "role": m.get_role_display(),
                    "at": _local(m.at),
                }
                for m in marks
            ],
        }
        basis = [("mark", m.pk, str(m.value), m.at.isoformat()) for m in marks]
        flags.append(_candidate("mark_after_publication", plan.batch, len(marks), evidence, basis))
    return flags


def batches_out_of_scope(t: OperationalThresholds, batch_ids=None) -> list[dict[str, Any]]:
    batches = (
        Batch.objects.exclude(status=Batch.Status.CANCELLED)
        .select_related("institution", "occupation")
        .order_by("institution_id", "id")
    )
    if batch_ids is not None:
        batches = batches.filter(pk__in=batch_ids)
    specs: dict[int, list] = {}
    flags = []
    for batch in batches:
        if batch.institution_id not in specs:
            # the filings as filed: their current status may have changed after the batch (INST-3 at the time)
            specs[batch.institution_id] = [
                dataclasses.replace(f, status="active")
                for f in registry_selectors.filing_specs_for_institution(batch.institution_id)
            ]
        spec = registry_domain.BatchSpec(
            occupation_id=batch.occupation_id,
            occupation_label=batch.occupation.name,
            work_type=batch.work_type,
            levels=tuple(batch.levels or ()),
            starts_at=timezone.localtime(batch.starts_at),
            ends_at=timezone.localtime(batch.ends_at),
        )
        try:
            registry_domain.check_batch_in_scope(spec, specs[batch.institution_id])
            continue
        except ValidationFailed as exc:  # the reason, in Chinese
            reason = registry_domain.without_rule_ids(exc.message)
        evidence = {
            "occupation": batch.occupation.name,
            "work_type": batch.work_type,
            "levels": list(batch.levels or ()),
            "starts_at": _local(batch.starts_at),
            "ends_at": _local(batch.ends_at),
            "reason": reason,
            "rows": [],
        }
        basis = [
            ("batch", batch.pk, batch.occupation_id, batch.work_type, list(batch.levels or ())),
            ("dates", spec.starts_at.isoformat(), spec.ends_at.isoformat()),
            ("filings", [dataclasses.asdict(f) for f in specs[batch.institution_id]]),
        ]
        flags.append(_candidate("out_of_scope", batch, 1, evidence, basis))
    return flags


CHECKS = (
    late_checkins,
    device_checkins,
    certificates_without_pass,
    marks_after_publication,
    batches_out_of_scope,
)


def operational_flags(t: OperationalThresholds | None = None, batch_ids=None) -> list[dict[str, Any]]:
    t = t or OperationalThresholds()
    return [flag for check in CHECKS for flag in check(t, batch_ids)]
