"""The exam papers: 准考证 (with its check-in QR code), 考场座位表暨考生签到表, 考场记录 (EXAM-1 steps 4–6).

Pure context builders and renderers over model instances: the callers (views, API, commands) have scoped
the rows to the user already, so nothing here checks permissions. Every paper is a DOCX rendered from a
docxtpl template built by ``dudao.exams.build_templates`` (admins may replace it, docs/documents.md); the
PDF is converted from that same DOCX (DESIGN: Documents). Papers carry the masked ID number only
(``Person.id_number_masked``, SEC-3), never the full one.

The ticket's QR code holds ``DUDAO-TICKET:<ticket number>:<sig>``, sig = the first 16 hex digits of
HMAC-SHA256(SECRET_KEY, ticket number): check-in reads it back with ``parse_ticket_qr``, so a forged or
mistyped code never finds a candidate.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import segno
from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from docx.image.exceptions import InvalidImageStreamError, UnexpectedEndOfFileError, UnrecognizedImageError
from docx.image.image import Image
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from dudao.common.errors import IllegalTransition
from dudao.common.files import open_stored
from dudao.documents.render import cn_date, render_docx, to_pdf

from .domain.eligibility import LEVEL_NAMES
from .models import (
    CheckIn,
    ExamPlan,
    ExamRoom,
    ExamSession,
    Registration,
    RegistrationFile,
    RoomStaff,
    Seat,
    SeatSwap,
)
from .tickets import ticket_qr_payload

TICKET_TEMPLATE = "exam_ticket"
SEAT_LIST_TEMPLATE = "exam_seat_list"
ROOM_RECORD_TEMPLATE = "exam_room_record"


# 考生须知. The late-admission cut-off is local practice (settings.DUDAO_EXAM_LATE_ADMISSION_MINUTES, the
# same the check-in page applies), not a rule of DOMAIN.md; a deployment sets its own list in
# settings.DUDAO_EXAM_TICKET_INSTRUCTIONS (or edits the template). "{late}" stands for the minutes.
DEFAULT_INSTRUCTIONS = (
    "考生须凭本准考证和本人有效居民身份证参加考试，二者缺一不可。",
    "请于每场考试开始前30分钟到达考场，核验身份后按座位号就座。",
    "开考{late}分钟后迟到的考生不得进入考场。",
    "考生不得携带通讯工具、电子存储设备和规定以外的资料进入考场；服从考评人员安排，遵守考场纪律。",
    "违反考场纪律的，按规定给予劝告、警告、终止考试或成绩无效的处理。",
    "请妥善保管本准考证，签到时出示二维码。",
)

PHOTO_BOX_MM = (25, 35)  # 一寸照片
QR_MM = 30
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})  # what a .docx embeds everywhere (not WebP, HEIC)


# ---------------------------------------------------------------------------------------------------
# QR code (payload and its check: dudao.exams.tickets)


def ticket_qr_png(ticket_number: str, *, scale: int = 10) -> bytes:
    """The ticket's QR code as PNG (printed on the ticket)."""
    out = io.BytesIO()
    segno.make(ticket_qr_payload(ticket_number), error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def ticket_qr_svg(ticket_number: str, *, scale: int = 5) -> str:
    """The ticket's QR code as inline SVG (a ticket page on a phone)."""
    return segno.make(ticket_qr_payload(ticket_number), error="m").svg_inline(scale=scale, border=2)


# ---------------------------------------------------------------------------------------------------
# shared formatting


def _clock(value, day) -> str:
    """A room record's time: 「09:05」 on the exam day (the header has the date), else 「12月19日 16:00」."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local:%H:%M}" if local.date() == day else f"{local.month}月{local.day}日 {local:%H:%M}"


def session_time(session: ExamSession) -> str:
    """「2025年6月1日 09:00—10:30」 (an exam never runs past midnight; if it does, both dates show)."""
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    if start.date() == end.date():
        return f"{cn_date(start)} {start:%H:%M}—{end:%H:%M}"
    return f"{cn_date(start)} {start:%H:%M}—{cn_date(end)} {end:%H:%M}"


def _occupation(batch) -> str:
    name = batch.occupation.name
    return f"{name}（{batch.work_type}）" if batch.work_type else name


def _level(level: int) -> str:
    return LEVEL_NAMES.get(level, str(level))


def _venue(batch) -> str:
    venue = batch.venue
    return f"{venue.name}（{venue.address}）" if venue.address else venue.name


def _variant(plan: ExamPlan) -> str | None:
    """The authority's code picks its own template variant (as for the renewal papers)."""
    code = plan.batch.institution.authority.code
    return code if code and code.replace("-", "").replace("_", "").isalnum() and code.isascii() else None


def instructions() -> list[str]:
    late = settings.DUDAO_EXAM_LATE_ADMISSION_MINUTES
    items = getattr(settings, "DUDAO_EXAM_TICKET_INSTRUCTIONS", None) or DEFAULT_INSTRUCTIONS
    return [item.replace("{late}", str(late)) for item in items]


# ---------------------------------------------------------------------------------------------------
# 准考证


_PLAN_RELATED = (
    "plan__batch__occupation",
    "plan__batch__venue",
    "plan__batch__institution__authority",
)


def _ticket_rows(registrations: Iterable[Registration]) -> list[Registration]:
    """The registrations again, in the given order, with everything a ticket shows in few queries."""
    ids = [r.pk for r in registrations]
    rows = (
        Registration.objects.filter(pk__in=ids)
        .select_related("person", *_PLAN_RELATED)
        .prefetch_related(
            Prefetch("seats", queryset=Seat.objects.select_related("room", "session")),
            Prefetch(
                "files",
                queryset=RegistrationFile.objects.filter(material=RegistrationFile.Material.PHOTO).order_by(
                    "-id"
                ),
                to_attr="photos",
            ),
        )
    )
    by_id = {r.pk: r for r in rows}
    missing = [pk for pk in ids if pk not in by_id]
    if missing:
        raise Registration.DoesNotExist(f"registrations {missing} not found")
    return [by_id[pk] for pk in ids]


def _photo_bytes(registration: Registration) -> bytes | None:
    """The newest photo upload a .docx can embed, or None (the ticket then shows where to paste one)."""
    for photo in registration.photos:
        if photo.content_type not in PHOTO_TYPES:
            continue
        try:
            with open_stored(photo.file) as handle:
                return handle.read()
        except OSError:
            continue
    return None


def _photo_image(tpl: DocxTemplate, data: bytes) -> InlineImage | None:
    """The photo scaled into the 25 × 35 mm box, keeping its proportions."""
    try:
        image = Image.from_blob(data)
    except (UnrecognizedImageError, InvalidImageStreamError, UnexpectedEndOfFileError, ValueError, OSError):
        return None  # a damaged upload: the ticket shows where to paste a photo instead
    box_w, box_h = PHOTO_BOX_MM
    if not image.px_width or not image.px_height:
        return None
    if image.px_width * box_h >= image.px_height * box_w:
        return InlineImage(tpl, io.BytesIO(data), width=Mm(box_w))
    return InlineImage(tpl, io.BytesIO(data), height=Mm(box_h))


def ticket_sessions(registration: Registration, sessions: list[ExamSession]) -> list[dict[str, Any]]:
    """The sessions of the candidate's level, in time order, with room and seat where one is allocated."""
    seats = {seat.session_id: seat for seat in registration.seats.all()}
    venue = _venue(registration.plan.batch)
    rows = []
    for session in sessions:
        seat = seats.get(session.pk)
        rows.append(
            {
                "subject": session.get_subject_display(),
                "time": session_time(session),
                "room": seat.room.name if seat else "待安排",
                "seat": f"{seat.number:02d}" if seat else "—",
                "venue": venue,
            }
        )
    return rows


def _require_ticket_number(registration: Registration) -> None:
    if not registration.ticket_number:
        raise IllegalTransition(f"报名「{registration.number}」尚未生成准考证号,不能打印准考证")


def ticket_context(
    registration: Registration,
    sessions: list[ExamSession],
    *,
    photo: Any = None,
    qr: Any = None,
) -> dict[str, Any]:
    """One item of the ticket template's ``tickets``: `photo`/`qr` are the images (InlineImage) to embed."""
    _require_ticket_number(registration)
    plan = registration.plan
    batch = plan.batch
    person = registration.person
    return {
        "plan_title": plan.title,
        "batch_code": batch.code,
        "institution_name": batch.institution.name,
        "occupation": _occupation(batch),
        "level": _level(registration.level),
        "name": person.name,
        "id_number_masked": person.id_number_masked,
        "ticket_number": registration.ticket_number,
        "registration_number": registration.number,
        "qr_payload": ticket_qr_payload(registration.ticket_number),
        "sessions": ticket_sessions(registration, sessions),
        "photo": photo,
        "qr": qr,
    }


def tickets_docx(registrations: Iterable[Registration]) -> bytes:
    """准考证 of the given registrations (one page each, in the given order) as one DOCX."""
    rows = _ticket_rows(registrations)
    if not rows:
        raise IllegalTransition("没有可打印的准考证")
    for registration in rows:
        _require_ticket_number(registration)
    plan_ids = {r.plan_id for r in rows}
    sessions: dict[tuple[int, int], list[ExamSession]] = defaultdict(list)
    for session in ExamSession.objects.filter(plan_id__in=plan_ids).order_by("starts_at", "id"):
        sessions[(session.plan_id, session.level)].append(session)

    def context(tpl: DocxTemplate) -> dict[str, Any]:
        tickets = []
        for registration in rows:
            data = _photo_bytes(registration)
            photo = _photo_image(tpl, data) if data else None
            qr = InlineImage(tpl, io.BytesIO(ticket_qr_png(registration.ticket_number)), width=Mm(QR_MM))
            tickets.append(
                ticket_context(
                    registration, sessions[(registration.plan_id, registration.level)], photo=photo, qr=qr
                )
            )
        return {"tickets": tickets, "instructions": instructions()}

    return render_docx(TICKET_TEMPLATE, context, variant=_variant(rows[0].plan))


def ticket_docx(registration: Registration) -> bytes:
    return tickets_docx([registration])


def tickets_pdf(registrations: Iterable[Registration]) -> bytes:
    return to_pdf(tickets_docx(registrations))


def ticket_pdf(registration: Registration) -> bytes:
    return to_pdf(ticket_docx(registration))


# ---------------------------------------------------------------------------------------------------
# 考场座位表暨考生签到表 and 考场记录


def _room(room: ExamRoom) -> ExamRoom:
    return ExamRoom.objects.select_related(*("session__" + r for r in _PLAN_RELATED)).get(pk=room.pk)


def _staff_label(session: ExamSession) -> str:
    """Theory rooms have invigilators (监考人员, EXAM-13); practical and review rooms examiners."""
    return "监考人员" if session.subject == ExamSession.Subject.THEORY else "考评人员"


def _room_fields(room: ExamRoom, expected: int) -> dict[str, list[dict[str, str]]]:
    """The header block: label/value pairs two to a row, then the long ones a row each."""
    session = room.session
    batch = session.plan.batch
    pairs = (
        ("评价机构", batch.institution.name),
        ("批次编号", batch.code),
        ("职业（工种）", _occupation(batch)),
        ("等级", _level(session.level)),
        ("科目", session.get_subject_display()),
        ("考场", room.name),
        ("应到人数", f"{expected}人"),
        ("座位数", str(room.capacity)),
    )
    wide = (("考试时间", session_time(session)), ("考核场所", _venue(batch)))
    return {
        "fields": [{"label": label, "value": value} for label, value in pairs],
        "wide_fields": [{"label": label, "value": value} for label, value in wide],
    }


def _seats(room: ExamRoom) -> list[Seat]:
    return list(room.seats.select_related("registration__person", "checkin").order_by("number"))


def seat_list_context(room: ExamRoom) -> dict[str, Any]:
    """Context of ``exam_seat_list``: the room's header block and its candidates in seat order."""
    room = _room(room)
    seats = _seats(room)
    return {
        "plan_title": room.session.plan.title,
        **_room_fields(room, len(seats)),
        "staff_label": _staff_label(room.session),
        "seats": [
            {
                "seat": f"{seat.number:02d}",
                "name": seat.registration.person.name,
                "id_number_masked": seat.registration.person.id_number_masked,
                "ticket_number": seat.registration.ticket_number or "",
            }
            for seat in seats
        ],
    }


def _seat_names(seats: list[Seat]) -> str:
    return "、".join(f"{seat.number:02d}号{seat.registration.person.name}" for seat in seats)


def _names_room(label: str, room_name: str) -> bool:
    """「第1考场 05号」 names 第1考场, 「第10考场 05号」 does not."""
    rest = label[len(room_name) :] if label.startswith(room_name) else None
    return rest is not None and not rest[:1].isdigit()


def _user(user) -> str:
    return (user.display_name or user.username) if user else ""


def room_record_context(room: ExamRoom) -> dict[str, Any]:
    """Context of ``exam_room_record``: who served, attendance from the check-ins, swaps, violations
    (EXAM-8), venue checks (EXAM-19) and the room's notes, each in recorded order."""
    room = _room(room)
    session = room.session
    day = timezone.localtime(session.starts_at).date()
    seats = _seats(room)
    by_status: dict[str | None, list[Seat]] = defaultdict(list)
    for seat in seats:
        checkin = getattr(seat, "checkin", None)
        by_status[checkin.status if checkin else None].append(seat)
    present, late = by_status[CheckIn.Status.PRESENT], by_status[CheckIn.Status.LATE]
    absent, unrecorded = by_status[CheckIn.Status.ABSENT], by_status[None]

    staff_rows = list(RoomStaff.objects.filter(room=room).select_related("examiner__person").order_by("id"))
    by_pk = {s.pk: s for s in staff_rows}
    current = [s for s in staff_rows if s.replaced_by_id is None]
    replacements = [
        {
            "old": s.examiner.person.name,
            "new": by_pk[s.replaced_by_id].examiner.person.name if s.replaced_by_id in by_pk else "",
            "reason": s.replace_reason,
        }
        for s in staff_rows
        if s.replaced_by_id is not None
    ]

    seated = {seat.registration_id for seat in seats}
    swaps = (
        SeatSwap.objects.filter(session=session)
        .select_related("registration__person", "by")
        .order_by("at", "id")
    )
    violations = room.violations.select_related("registration__person").order_by("created_at", "id")
    return {
        "plan_title": session.plan.title,
        **_room_fields(room, len(seats)),
        "staff_label": _staff_label(session),
        "staff": [
            {
                "no": i,
                "name": s.examiner.person.name,
                "kind": "高级考评员" if s.examiner.senior else "考评员",
            }
            for i, s in enumerate(current, start=1)
        ],
        "replacements": replacements,
        "attendance": {
            "expected": len(seats),
            "attended": len(present) + len(late),
            "present": len(present),
            "late": len(late),
            "absent": len(absent),
            "unrecorded": len(unrecorded),
        },
        "late_names": _seat_names(late),
        "absent_names": _seat_names(absent),
        "unrecorded_names": _seat_names(unrecorded),
        "swaps": [
            {
                "at": _clock(swap.at, day),
                "name": swap.registration.person.name,
                "from_label": swap.from_label,
                "to_label": swap.to_label,
                "reason": swap.reason,
                "by": _user(swap.by),
            }
            for swap in swaps
            # A swap concerns this room when its candidate sits here now or moved in or out of it.
            if swap.registration_id in seated
            or _names_room(swap.from_label, room.name)
            or _names_room(swap.to_label, room.name)
        ],
        "violations": [
            {
                "no": i,
                "at": _clock(v.created_at, day),
                "who": "集体违纪" if v.collective else v.registration.person.name,
                "facts": v.facts,
                "measure": v.get_measure_display(),
                "approval": v.get_approval_display()
                + (f"（{v.approval_reason}）" if v.approval_reason else ""),
            }
            for i, v in enumerate(violations, start=1)
        ],
        "venue_checks": [
            {
                "examiner": check.examiner.person.name,
                "result": "确认符合要求" if check.confirmed else "拒绝开考",
                "reason": check.reason or "—",
                "at": _clock(check.at, day),
            }
            for check in room.venue_checks.select_related("examiner__person").order_by("at", "id")
        ],
        "notes": [
            {"at": _clock(note.at, day), "text": note.text, "by": _user(note.by)}
            for note in room.notes.select_related("by").order_by("at", "id")
        ],
    }


def seat_list_docx(room: ExamRoom) -> bytes:
    room = _room(room)
    return render_docx(SEAT_LIST_TEMPLATE, seat_list_context(room), variant=_variant(room.session.plan))


def seat_list_pdf(room: ExamRoom) -> bytes:
    return to_pdf(seat_list_docx(room))


def room_record_docx(room: ExamRoom) -> bytes:
    room = _room(room)
    return render_docx(ROOM_RECORD_TEMPLATE, room_record_context(room), variant=_variant(room.session.plan))


def room_record_pdf(room: ExamRoom) -> bytes:
    return to_pdf(room_record_docx(room))
