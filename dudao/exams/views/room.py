"""Exam-day pages of one room (EXAM-1 steps 8–9), phone first.

Who: the institution's users of the batch, the examiners staffing the room and superusers
(`permissions.may_keep_room`); a room outside the user's scope is 404 (`selectors.room_get`), a room in
scope that the user may not keep (authority staff, supervisors watching the batch, another room's
examiner) is 403.

Check-in (`room_checkin`) runs in the browser (static/exams/checkin.js): a scanned ticket QR or a typed
ticket/ID number is looked up here (`room_lookup`, needs the network: the photo for the identity check
comes through `room_photo`), and each confirmed check-in goes into a queue kept in localStorage and is
POSTed to `/api/v1/exams/rooms/<pk>/checkins` with a device-numbered `client_id`; the server stores a
`client_id` once, so a resend after a dropped connection never duplicates.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dudao.common.errors import ApplicationError, NotFound, PermissionDenied
from dudao.web.kit import application_errors_as_http, run_and_flash, run_form

from .. import selectors, services
from ..domain import rules
from ..models import CheckIn, ExamRoom, RegistrationFile, RoomStaff, Seat, SeatSwap, VenueCheck, Violation
from ..permissions import may_keep_room, staffs_room

# Admission closes this long after a session starts (late arrivals are recorded until then); only after
# it may the seats without a check-in be marked absent in one step.
# The check-in page uses the camera for the QR scan: the site-wide policy forbids it everywhere else.
CAMERA_ALLOWED = "camera=(self)"


def _room(request: HttpRequest, pk: Any) -> ExamRoom:
    """The room if the user may keep it: 404 outside the user's scope, 403 in scope without the right."""
    room = selectors.room_get(request.user, pk)
    if not may_keep_room(request.user, room):
        raise PermissionDenied("只有本机构工作人员或本考场的考评人员可以操作本考场")
    return room


def cutoff_of(room: ExamRoom) -> dt.datetime:
    return rules.admission_cutoff(room.session.starts_at, settings.DUDAO_EXAM_LATE_ADMISSION_MINUTES)


def seat_rows(room: ExamRoom) -> list[dict[str, Any]]:
    """The room's seats with their check-in (one query)."""
    seats = (
        Seat.objects.filter(room=room).select_related("registration__person", "checkin").order_by("number")
    )
    rows = []
    for seat in seats:
        checkin = getattr(seat, "checkin", None)
        rows.append(
            {
                "seat": seat,
                "name": seat.registration.person.name,
                "status": checkin.status if checkin else "",
                "status_label": checkin.get_status_display() if checkin else "未到",
                "identity_checked": bool(checkin and checkin.identity_checked),
            }
        )
    return rows


def seat_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {status: 0 for status in CheckIn.Status.values}
    for row in rows:
        if row["status"]:
            counts[row["status"]] += 1
    counts["expected"] = len(rows)
    counts["pending"] = len(rows) - sum(counts[s] for s in CheckIn.Status.values)
    return counts


# ------------------------------------------------------------------------------------------ check-in


@login_required
@require_GET
@application_errors_as_http
def room_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """考场签到 on a phone: scan or type, see the photo, confirm; a live seat list; 标记缺考 after the
    admission cut-off."""
    room = _room(request, pk)
    rows = seat_rows(room)
    cutoff = cutoff_of(room)
    response = render(
        request,
        "exams/room/checkin.html",
        {
            "room": room,
            "session": room.session,
            "plan": room.session.plan,
            "rows": rows,
            "counts": seat_counts(rows),
            "cutoff": cutoff,
            "after_cutoff": timezone.now() >= cutoff,
            "api_url": f"/api/v1/exams/rooms/{room.pk}/checkins",
        },
    )
    response["Permissions-Policy"] = settings.PERMISSIONS_POLICY.replace("camera=()", CAMERA_ALLOWED)
    return response


@login_required
@require_POST
def room_lookup(request: HttpRequest, pk: int) -> JsonResponse:
    """The candidate a scanned or typed code names (JSON for checkin.js; POST so no ID number is in a URL)."""
    try:
        room = _room(request, pk)
        try:
            code = json.loads(request.body or b"{}").get("code", "")
        except (ValueError, AttributeError):
            code = request.POST.get("code", "")
        seat = services.seat_for_code(room, code)
    except ApplicationError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message}, status=exc.status)
    person = seat.registration.person
    photo = _photo_of(seat)
    checkin = CheckIn.objects.filter(seat=seat).first()
    return JsonResponse(
        {
            "seat": seat.number,
            "name": person.name,
            "id_number_masked": person.id_number_masked,
            "ticket_number": seat.registration.ticket_number or "",
            "photo_url": reverse("exams:room_photo", args=[room.pk, seat.pk]) if photo else "",
            "checkin": checkin.get_status_display() if checkin else "",
        }
    )


def _photo_of(seat: Seat) -> RegistrationFile | None:
    return (
        RegistrationFile.objects.filter(
            registration_id=seat.registration_id, material=RegistrationFile.Material.PHOTO
        )
        .order_by("-id")
        .first()
    )


@login_required
@require_GET
@application_errors_as_http
def room_photo(request: HttpRequest, pk: int, seat_pk: int) -> HttpResponse:
    """A seated candidate's registration photo, for the identity check (permission-checked, never cached)."""
    room = _room(request, pk)
    seat = Seat.objects.filter(pk=seat_pk, room=room).first()
    photo = _photo_of(seat) if seat is not None else None
    if photo is None:
        raise NotFound("没有这名考生的照片")
    return photo.serve()


@login_required
@require_GET
@application_errors_as_http
def room_seats(request: HttpRequest, pk: int) -> HttpResponse:
    """The live seat list (htmx polls it; refreshed after each sync)."""
    room = _room(request, pk)
    rows = seat_rows(room)
    return render(
        request, "exams/room/_seats.html", {"room": room, "rows": rows, "counts": seat_counts(rows)}
    )


@login_required
@require_POST
@application_errors_as_http
def room_absences(request: HttpRequest, pk: int) -> HttpResponse:
    """标记缺考: every seat without a check-in is recorded absent, only after the admission cut-off."""
    room = _room(request, pk)
    to = reverse("exams:room_checkin", args=[room.pk])
    return run_and_flash(
        request,
        lambda: services.absences_mark(actor=request.user, room=room),
        "未签到的考生已标记为缺考",
        to,
    )


# ------------------------------------------------------------------------------------------ room record


class NoteForm(forms.Form):
    text = forms.CharField(
        label="记录内容",
        max_length=255,
        widget=forms.Textarea(
            {"rows": 2, "placeholder": "如:09:00 开考,实到 28 人;09:40 第 3 号考生提前交卷"}
        ),
        error_messages={"required": "请填写记录内容"},
    )


class ViolationForm(forms.Form):
    collective = forms.BooleanField(label="集体违纪(不指定个人)", required=False)
    seat = forms.ChoiceField(label="违纪考生(座位号)", required=False)
    measure = forms.ChoiceField(
        label="处理", choices=[("", "请选择"), *Violation.Measure.choices], required=False
    )
    facts = forms.CharField(
        label="违纪事实",
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 3, "placeholder": "时间、地点、经过,在场考评人员"}),
    )

    def __init__(self, *args: Any, seats: list[Seat], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = {str(seat.pk): seat for seat in seats}
        self.fields["seat"].choices = [("", "请选择")] + [
            (str(seat.pk), f"{seat.number} 号 {seat.registration.person.name}") for seat in seats
        ]


class SwapForm(forms.Form):
    seat = forms.ChoiceField(label="考生(原座位)")
    to_room = forms.ChoiceField(label="换到考场")
    to_number = forms.IntegerField(
        label="新座位号", min_value=1, error_messages={"required": "请填写新座位号"}
    )
    reason = forms.CharField(
        label="换座原因",
        error_messages={"required": "请填写换座原因"},
        max_length=255,
        widget=forms.TextInput({"placeholder": "如:3 号机位焊机故障"}),
    )

    def __init__(self, *args: Any, seats: list[Seat], rooms: list[ExamRoom], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = {str(seat.pk): seat for seat in seats}
        self.rooms = {str(room.pk): room for room in rooms}
        self.fields["seat"].choices = [("", "请选择")] + [
            (str(seat.pk), f"{seat.number} 号 {seat.registration.person.name}") for seat in seats
        ]
        self.fields["to_room"].choices = [(str(room.pk), room.name) for room in rooms]


class VenueForm(forms.Form):
    confirmed = forms.ChoiceField(
        label="场地、设备和材料",
        choices=[("1", "确认符合要求,可以开考"), ("0", "不符合要求,拒绝开考")],
        widget=forms.RadioSelect,
        initial="1",
    )
    reason = forms.CharField(
        label="拒绝原因",
        required=False,
        max_length=255,
        widget=forms.TextInput({"placeholder": "拒绝开考时必填,如:焊机未接地"}),
    )


def _record_context(request: HttpRequest, room: ExamRoom, forms_: dict[str, forms.Form]) -> dict[str, Any]:
    seats = forms_["violation"].seats.values()
    staff = list(
        RoomStaff.objects.filter(room=room, replaced_by__isnull=True)
        .select_related("examiner__person")
        .order_by("id")
    )
    checks = {check.examiner_id: check for check in VenueCheck.objects.filter(room=room).order_by("at", "id")}
    is_room_examiner = staffs_room(request.user, room)
    own_examiner = next(
        (s.examiner_id for s in staff if s.examiner.person_id == getattr(request.user, "person_id", None)),
        None,
    )
    label = f"{room.name} "
    return {
        "room": room,
        "session": room.session,
        "plan": room.session.plan,
        "seat_count": len(seats),
        "notes": list(room.notes.select_related("by").order_by("at", "id")),
        "violations": list(
            Violation.objects.filter(room=room)
            .select_related("registration__person", "recorded_by")
            .order_by("created_at", "id")
        ),
        "swaps": list(
            SeatSwap.objects.filter(session=room.session)
            .filter(Q(from_label__startswith=label) | Q(to_label__startswith=label))
            .select_related("registration__person", "by")
            .order_by("at", "id")
        ),
        "staff": [{"examiner": s.examiner, "check": checks.get(s.examiner_id)} for s in staff],
        "venue_form_shown": is_room_examiner and own_examiner is not None and own_examiner not in checks,
        **{f"{name}_form": form for name, form in forms_.items()},
    }


def _swap_rooms(user: Any, room: ExamRoom) -> list[ExamRoom]:
    """Rooms of the same session the user may also keep (a swap needs both)."""
    rooms = selectors.rooms_for(user).filter(session=room.session).select_related("session__plan__batch")
    return [r for r in rooms.order_by("name", "id") if may_keep_room(user, r)]


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def room_record(request: HttpRequest, pk: int) -> HttpResponse:
    """考场记录: notes, violations and their handling (a collective stop/void waits for the centre's
    approval), seat swaps, and the examiners' venue check (confirm, or refuse with a reason)."""
    room = _room(request, pk)
    seats = list(Seat.objects.filter(room=room).select_related("registration__person").order_by("number"))
    action = request.POST.get("action") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    forms_: dict[str, forms.Form] = {
        "note": NoteForm(data if action == "note" else None, prefix="note"),
        "violation": ViolationForm(data if action == "violation" else None, seats=seats, prefix="violation"),
        "swap": SwapForm(
            data if action == "swap" else None,
            seats=seats,
            rooms=_swap_rooms(request.user, room),
            prefix="swap",
            initial={"to_room": str(room.pk)},
        ),
        "venue": VenueForm(data if action == "venue" else None, prefix="venue"),
    }
    here = reverse("exams:room_record", args=[room.pk])
    form = forms_.get(action or "")
    if form is not None and form.is_valid():
        call, success, anchor = _record_call(request, room, action, form)
        ok, _result = run_form(form, call, _RECORD_FIELDS.get(action, {}))
        if ok:
            messages.success(request, success)
            return redirect(f"{here}#{anchor}")
    elif request.method == "POST" and form is None:
        raise Http404("未知操作")
    return render(request, "exams/room/record.html", _record_context(request, room, forms_))


_RECORD_FIELDS = {
    "violation": {"seat": "seat", "measure": "measure", "facts": "facts"},
    "swap": {"to_room": "to_room", "to_number": "to_number", "reason": "reason"},
    "venue": {"reason": "reason", "confirmed": "confirmed"},
}


def _record_call(request: HttpRequest, room: ExamRoom, action: str, form: forms.Form):
    data = form.cleaned_data
    user = request.user
    if action == "note":
        return (lambda: services.room_note_add(actor=user, room=room, text=data["text"])), "已记录", "notes"
    if action == "violation":
        seat = form.seats.get(data.get("seat") or "")
        return (
            lambda: services.violation_record(
                actor=user,
                room=room,
                measure=data.get("measure"),
                facts=data.get("facts"),
                seat=seat,
                collective=bool(data.get("collective")),
            ),
            "违纪情况已记录",
            "violations",
        )
    if action == "swap":
        seat = form.seats[data["seat"]]
        to_room = form.rooms[data["to_room"]]
        return (
            lambda: services.seat_swap(
                actor=user, seat=seat, to_room=to_room, to_number=data["to_number"], reason=data.get("reason")
            ),
            "换座已记录",
            "swaps",
        )
    confirmed = data["confirmed"] == "1"
    return (
        lambda: services.venue_check(actor=user, room=room, confirmed=confirmed, reason=data.get("reason")),
        "已确认场地" if confirmed else "已拒绝开考,原因已记入考场记录",
        "venue",
    )
