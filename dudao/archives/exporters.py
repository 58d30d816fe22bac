"""The record kinds of a batch archive and the function that writes each (ARCH-1): kind → exporter.

An exporter takes the exam plan and returns its files (path in the ZIP → bytes). Personal data is masked:
ID numbers only as stored masked (`Person.id_number_masked`), no phone numbers, and ID or mobile numbers
typed into free text masked in place. To add a kind (e.g. the score books of the marking module): give it a
row in `dudao.archives.domain.KINDS` (label, default retention) and decorate its exporter here with
`@exporter("kind")`; a test checks that the two lists agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from dudao.common.exports import mask_free_text
from dudao.exams.models import (
    Certificate,
    CheckIn,
    ExamPlan,
    ExamResult,
    ExamRoom,
    ExamSession,
    Mark,
    Marking,
    Objection,
    Paper,
    Registration,
    RoomNote,
    RoomStaff,
    Seat,
    SeatSwap,
    VenueCheck,
    Violation,
)
from dudao.supervision.models import Report, SupervisionTask

from .domain import KINDS, csv_bytes, json_bytes

Exporter = Callable[[ExamPlan], dict[str, bytes]]
EXPORTERS: dict[str, Exporter] = {}


def exporter(kind: str) -> Callable[[Exporter], Exporter]:
    """Register the exporter of `kind` (which must have a row in domain.KINDS)."""

    def register(fn: Exporter) -> Exporter:
        if kind not in KINDS:
            raise ValueError(f"archive kind {kind} has no row in dudao.archives.domain.KINDS")
        EXPORTERS[kind] = fn
        return fn

    return register


def _time(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _user(user: Any) -> str:
    return user.get_username() if user else ""


def _text(value: Any) -> str:
    return mask_free_text(str(value or ""))


def _registrations(plan: ExamPlan):
    return Registration.objects.filter(plan=plan).select_related("person").order_by("number")


@exporter("registrations")
def registrations(plan: ExamPlan) -> dict[str, bytes]:
    """The application forms: who applied for which level with which declared facts (ID masked, no phone)."""
    header = [
        "报名号",
        "姓名",
        "身份证号(脱敏)",
        "申报等级",
        "来源",
        "学历",
        "本职业或相关专业",
        "工作年限",
        "培训/学徒期满",
        "已取得证书",
        "工作经历",
        "应缴费用(元)",
        "收据号",
        "缴费时间",
        "准考证号",
        "报名时间",
        "撤回时间",
    ]
    rows = (
        [
            r.number,
            r.person.name,
            r.person.id_number_masked,
            r.level,
            r.get_source_display(),
            r.get_education_display(),
            r.education_related,
            r.work_years,
            r.apprenticeship_completed,
            _text(r.certificates),
            _text(r.work_history),
            r.fee_amount,
            r.fee_receipt_no,
            _time(r.fee_paid_at),
            r.ticket_number or "",
            _time(r.created_at),
            _time(r.withdrawn_at),
        ]
        for r in _registrations(plan)
    )
    return {"registrations.csv": csv_bytes(header, rows)}


@exporter("eligibility")
def eligibility(plan: ExamPlan) -> dict[str, bytes]:
    """The two-level eligibility review of each registration (pre-check, institution, authority)."""
    header = [
        "报名号",
        "姓名",
        "审核状态",
        "预审满足路径",
        "机构审核时间",
        "机构审核人",
        "认定中心确认时间",
        "认定中心确认人",
        "审核意见",
    ]
    regs = _registrations(plan).select_related("institution_reviewer", "authority_reviewer")
    rows = (
        [
            r.number,
            r.person.name,
            r.get_status_display(),
            r.precheck_route,
            _time(r.institution_reviewed_at),
            _user(r.institution_reviewer),
            _time(r.authority_reviewed_at),
            _user(r.authority_reviewer),
            _text(r.review_reason),
        ]
        for r in regs
    )
    return {"eligibility.csv": csv_bytes(header, rows)}


@exporter("seat_plans")
def seat_plans(plan: ExamPlan) -> dict[str, bytes]:
    """Sessions, rooms and seats: who sat where."""
    header = ["科目", "等级", "开始时间", "结束时间", "考场", "座位号", "报名号", "姓名", "准考证号"]
    seats = (
        Seat.objects.filter(session__plan=plan)
        .select_related("session", "room", "registration__person")
        .order_by("session__starts_at", "session_id", "room__name", "room_id", "number")
    )
    rows = (
        [
            s.session.get_subject_display(),
            s.session.level,
            _time(s.session.starts_at),
            _time(s.session.ends_at),
            s.room.name,
            s.number,
            s.registration.number,
            s.registration.person.name,
            s.registration.ticket_number or "",
        ]
        for s in seats
    )
    rooms = (
        ExamRoom.objects.filter(session__plan=plan)
        .select_related("session")
        .order_by("session__starts_at", "session_id", "name", "id")
    )
    room_rows = (
        [
            r.session.get_subject_display(),
            r.session.level,
            _time(r.session.starts_at),
            r.name,
            r.capacity,
            r.ratio or "",
            r.panel or "",
        ]
        for r in rooms
    )
    return {
        "seat-plans/seats.csv": csv_bytes(header, rows),
        "seat-plans/rooms.csv": csv_bytes(
            ["科目", "等级", "开始时间", "考场", "座位数", "考评员与考生配比(1:N)", "评审组人数"], room_rows
        ),
    }


@exporter("examiners")
def examiners(plan: ExamPlan) -> dict[str, bytes]:
    """The examiners who staffed each room, replacements included with their reasons."""
    staff = (
        RoomStaff.objects.filter(room__session__plan=plan)
        .select_related("room__session", "examiner__person", "replaced_by__examiner__person")
        .order_by("room__session__starts_at", "room__name", "room_id", "id")
    )
    rows = (
        [
            s.room.session.get_subject_display(),
            s.room.name,
            s.examiner.person.name,
            s.examiner.person.id_number_masked,
            s.examiner.senior,
            s.replaced_by.examiner.person.name if s.replaced_by else "",
            _text(s.replace_reason),
        ]
        for s in staff
    )
    header = ["科目", "考场", "考评员", "身份证号(脱敏)", "高级考评员", "被替换为", "替换原因"]
    return {"examiners.csv": csv_bytes(header, rows)}


@exporter("attendance")
def attendance(plan: ExamPlan) -> dict[str, bytes]:
    """Check-ins (present, late, absent) and seat swaps."""
    checkins = (
        CheckIn.objects.filter(seat__session__plan=plan)
        .select_related("seat__session", "seat__room", "seat__registration__person")
        .order_by("seat__session__starts_at", "seat__room__name", "seat__number")
    )
    rows = (
        [
            c.seat.session.get_subject_display(),
            c.seat.room.name,
            c.seat.number,
            c.seat.registration.number,
            c.seat.registration.person.name,
            c.get_status_display(),
            _time(c.at),
            c.identity_checked,
        ]
        for c in checkins
    )
    swaps = (
        SeatSwap.objects.filter(session__plan=plan)
        .select_related("session", "registration", "by")
        .order_by("at", "id")
    )
    swap_rows = (
        [
            s.session.get_subject_display(),
            s.registration.number,
            s.from_label,
            s.to_label,
            _text(s.reason),
            _time(s.at),
            _user(s.by),
        ]
        for s in swaps
    )
    return {
        "attendance/checkins.csv": csv_bytes(
            ["科目", "考场", "座位号", "报名号", "姓名", "签到状态", "时间", "已核验身份"], rows
        ),
        "attendance/seat-swaps.csv": csv_bytes(
            ["科目", "报名号", "原座位", "新座位", "原因", "时间", "登记人"], swap_rows
        ),
    }


@exporter("room_records")
def room_records(plan: ExamPlan) -> dict[str, bytes]:
    """The room records (考场记录) and the examiners' venue checks."""
    notes = (
        RoomNote.objects.filter(room__session__plan=plan)
        .select_related("room__session", "by")
        .order_by("room__session__starts_at", "room__name", "at", "id")
    )
    checks = (
        VenueCheck.objects.filter(room__session__plan=plan)
        .select_related("room__session", "examiner__person")
        .order_by("room__session__starts_at", "room__name", "at", "id")
    )
    return {
        "room-records/notes.csv": csv_bytes(
            ["科目", "考场", "时间", "记录", "记录人"],
            (
                [n.room.session.get_subject_display(), n.room.name, _time(n.at), _text(n.text), _user(n.by)]
                for n in notes
            ),
        ),
        "room-records/venue-checks.csv": csv_bytes(
            ["科目", "考场", "考评员", "确认符合要求", "拒绝原因", "时间"],
            (
                [
                    c.room.session.get_subject_display(),
                    c.room.name,
                    c.examiner.person.name,
                    c.confirmed,
                    _text(c.reason),
                    _time(c.at),
                ]
                for c in checks
            ),
        ),
    }


@exporter("violations")
def violations(plan: ExamPlan) -> dict[str, bytes]:
    """Individual and collective violations with their measures and the centre's approvals."""
    rows = (
        Violation.objects.filter(room__session__plan=plan)
        .select_related("room__session", "registration__person", "recorded_by", "decided_by")
        .order_by("room__session__starts_at", "room__name", "created_at", "id")
    )
    header = [
        "科目",
        "考场",
        "报名号",
        "姓名",
        "集体违纪",
        "处理",
        "违纪事实",
        "审批",
        "审批意见",
        "记录人",
        "审批人",
        "记录时间",
    ]
    return {
        "violations.csv": csv_bytes(
            header,
            (
                [
                    v.room.session.get_subject_display(),
                    v.room.name,
                    v.registration.number if v.registration else "",
                    v.registration.person.name if v.registration else "",
                    v.collective,
                    v.get_measure_display(),
                    _text(v.facts),
                    v.get_approval_display(),
                    _text(v.approval_reason),
                    _user(v.recorded_by),
                    _user(v.decided_by),
                    _time(v.created_at),
                ]
                for v in rows
            ),
        )
    }


@exporter("results")
def results(plan: ExamPlan) -> dict[str, bytes]:
    """The results with the marks they were judged from (the electronic score book)."""
    rows = (
        ExamResult.objects.filter(registration__plan=plan)
        .select_related("registration__person", "recorded_by")
        .order_by("registration__number")
    )
    data = [
        {
            "registration": r.registration.number,
            "name": r.registration.person.name,
            "level": r.registration.level,
            "passed": r.passed,
            "version": r.version,
            "marks": r.marks,
            "judged": r.judged,
            "recorded_at": _time(r.recorded_at),
            "recorded_by": _user(r.recorded_by),
        }
        for r in rows
    ]
    publication = getattr(plan, "publication", None)
    return {
        "results.json": json_bytes(
            {
                "published_at": _time(publication.published_at) if publication else None,
                "publicity_ends_on": publication.publicity_ends_on if publication else None,
                "objections_close_on": publication.objections_close_on if publication else None,
                "results": data,
            }
        )
    }


@exporter("score_books")
def score_books(plan: ExamPlan) -> dict[str, bytes]:
    """EXAM-6: each session's marking — every score book version with its digest and signatures, every mark
    (superseded ones too, with the correction reasons) by paper code, and the key joining codes to seats."""
    markings = (
        Marking.objects.filter(session__plan=plan)
        .select_related("session", "leader__person")
        .order_by("session__starts_at", "pk")
    )
    data = []
    for marking in markings:
        books = marking.books.order_by("version").prefetch_related("signatures__user")
        papers = Paper.objects.filter(marking=marking).select_related("seat__registration", "seat__room")
        marks = Mark.objects.filter(paper__marking=marking).select_related("paper", "examiner__person")
        data.append(
            {
                "session": marking.session.get_subject_display(),
                "level": marking.session.level,
                "mode": marking.get_mode_display(),
                "full": marking.full,
                "tolerance": str(marking.tolerance),
                "leader": marking.leader.person.name,
                "status": marking.get_status_display(),
                "joined_at": _time(marking.joined_at),
                "books": [
                    {
                        "version": b.version,
                        "status": b.get_status_display(),
                        "algorithm": b.algorithm,
                        "digest": b.digest,
                        "reason": _text(b.reason),
                        "content": b.content,
                        "signatures": [
                            {
                                "role": s.get_role_display(),
                                "by": _user(s.user),
                                "digest": s.digest,
                                "at": _time(s.signed_at),
                            }
                            for s in b.signatures.all()
                        ],
                    }
                    for b in books
                ],
                "marks": [
                    {
                        "code": m.paper.code,
                        "examiner": m.examiner.person.name,
                        "role": m.get_role_display(),
                        "value": str(m.value),
                        "reason": _text(m.reason),
                        "current": m.current,
                        "at": _time(m.at),
                    }
                    for m in marks.order_by("paper__code", "at", "pk")
                ],
                "key": [
                    {
                        "code": p.code,
                        "registration": p.seat.registration.number,
                        "room": p.seat.room.name,
                        "seat": p.seat.number,
                        "absent": p.absent,
                    }
                    for p in papers.order_by("code")
                ],
            }
        )
    return {"score-books.json": json_bytes({"markings": data})}


@exporter("objections")
def objections(plan: ExamPlan) -> dict[str, bytes]:
    """Re-check requests and how each was handled (before/after where marks changed)."""
    rows = (
        Objection.objects.filter(registration__plan=plan)
        .select_related("registration", "handled_by")
        .order_by("filed_at", "id")
    )
    data = [
        {
            "registration": o.registration.number,
            "subject": o.subject,
            "reason": _text(o.reason),
            "status": o.get_status_display(),
            "filed_at": _time(o.filed_at),
            "outcome": _text(o.outcome),
            "before": o.before,
            "after": o.after,
            "handled_at": _time(o.handled_at),
            "handled_by": _user(o.handled_by),
        }
        for o in rows
    ]
    return {"objections.json": json_bytes({"objections": data})}


@exporter("certificate_roster")
def certificate_roster(plan: ExamPlan) -> dict[str, bytes]:
    """证书名册: every certificate issued to the plan's candidates (voided ones with their reason)."""
    rows = (
        Certificate.objects.filter(registration__plan=plan).select_related("registration").order_by("number")
    )
    header = [
        "证书编号",
        "姓名",
        "身份证号(脱敏)",
        "职业编码",
        "职业名称",
        "等级",
        "发证机构",
        "发证日期",
        "报名号",
        "状态",
        "注销原因",
        "注销时间",
    ]
    return {
        "certificate-roster.csv": csv_bytes(
            header,
            (
                [
                    c.number,
                    c.name,
                    c.id_number_masked,
                    c.occupation_code,
                    c.occupation_name,
                    c.level,
                    c.institution_name,
                    c.issued_on,
                    c.registration.number,
                    c.get_status_display(),
                    _text(c.void_reason),
                    _time(c.voided_at),
                ]
                for c in rows
            ),
        )
    }


@exporter("supervision")
def supervision(plan: ExamPlan) -> dict[str, bytes]:
    """Supervision tasks of the batch and their submitted reports. A covert task (暗访) without a report
    stays out, as it stays hidden from the institution (the report is the moment it becomes known)."""
    tasks = (
        SupervisionTask.objects.filter(batch_id=plan.batch_id)
        .exclude(covert=True, report_submitted_at__isnull=True)
        .order_by("starts_at", "id")
    )
    reports: dict[int, list[Report]] = {}
    for report in Report.objects.filter(task__in=tasks).select_related("submitted_by").order_by("version"):
        reports.setdefault(report.task_id, []).append(report)
    data = [
        {
            "number": t.number,
            "kind": t.get_kind_display(),
            "covert": t.covert,
            "status": t.get_status_display(),
            "starts_at": _time(t.starts_at),
            "ends_at": _time(t.ends_at),
            "reports": [
                {
                    "version": r.version,
                    "summary": _text(r.summary),
                    "problems": _text(r.problems),
                    "recommendations": _text(r.recommendations),
                    "submitted_at": _time(r.submitted_at),
                    "submitted_by": _user(r.submitted_by),
                    "content_digest": r.content_digest,
                    "hash_algorithm": r.hash_algorithm,
                }
                for r in reports.get(t.pk, [])
            ],
        }
        for t in tasks
    ]
    note = "" if data else "本批次没有督导任务记录"
    return {"supervision.json": json_bytes({"tasks": data, "note": note})}


@exporter("video_index")
def video_index(plan: ExamPlan) -> dict[str, bytes]:
    """The index of the rooms' monitoring video. The platform does not hold video yet: the list is empty
    and the file says so, so that the package records that no video was archived here."""
    sessions = ExamSession.objects.filter(plan=plan).order_by("starts_at", "id")
    return {
        "video-index.json": json_bytes(
            {
                "videos": [],
                "note": "平台未保存考场监控视频,本索引为空;视频由评价机构按规定另行存档",
                "sessions": [
                    {
                        "subject": s.get_subject_display(),
                        "starts_at": _time(s.starts_at),
                        "ends_at": _time(s.ends_at),
                    }
                    for s in sessions
                ],
            }
        )
    }
