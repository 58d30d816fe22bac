"""Staff pages of evaluation operations: plans and notices, registrations and their review, fees, the
arrangement (sessions, rooms, seats) and live attendance. Reads through scoped selectors (out of scope →
404), writes through services (a refusal is shown on the page, nothing written)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.common.errors import NotFound
from dudao.common.excel import Column
from dudao.common.exports import export_list, mask_phone
from dudao.common.transitions import allowed_next
from dudao.common.writes import require
from dudao.people.models import Examiner
from dudao.registry.models import Batch
from dudao.registry.selectors import batches_for
from dudao.web.kit import application_errors_as_http, export_response, list_page, run_and_flash, run_form

from .. import forms as f
from .. import selectors, services
from ..domain.eligibility import LEVEL_NAMES
from ..models import (
    ExamPlan,
    ExamRoom,
    ExamSession,
    Registration,
    RegistrationFile,
    RoomAssignment,
    RoomStaff,
    Violation,
)
from ..permissions import may_administer, may_confirm, may_run
from ..workflow import ASSIGNMENT_TRANSITIONS, PLAN_TRANSITIONS, REGISTRATION_TRANSITIONS

PLAN_STEPS = {
    # keyed by the status the step leads to (the buttons come from the transition table)
    ExamPlan.Status.PUBLISHED: (services.plan_publish, "认定公告已发布"),
    ExamPlan.Status.CLOSED: (services.plan_close, "报名已截止"),
    ExamPlan.Status.CANCELLED: (services.plan_cancel, "认定公告已撤销"),
}


def _plan_context(request: HttpRequest, plan: ExamPlan, tab: str) -> dict[str, Any]:
    counts = dict(plan.registrations.values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "plan": plan,
        "tab": tab,
        "counts": counts,
        "total": sum(counts.values()),
        "may_run": may_run(request.user, plan),
        "may_oversee": selectors.oversees(request.user, plan),
        "steps": allowed_next(PLAN_TRANSITIONS, plan, request.user),
        "level_names": LEVEL_NAMES,
    }


# ------------------------------------------------------------------------------------------- plans


@login_required
@application_errors_as_http
def plan_list(request: HttpRequest) -> HttpResponse:
    filters = f.PlanFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = (
        selectors.plans_for(request.user)
        .select_related("batch__institution", "batch__occupation")
        .annotate(registered=Count("registrations", filter=~Q(registrations__status="withdrawn")))
        .order_by("-registration_opens_on", "-id")
    )
    if values.get("q"):
        qs = qs.filter(Q(title__icontains=values["q"]) | Q(batch__code__icontains=values["q"]))
    if values.get("status"):
        qs = qs.filter(status=values["status"])
    plannable = _plannable_batches(request.user).exists()
    return render(
        request,
        "exams/staff/plan_list.html",
        {
            "filters": filters,
            "page": list_page(request, qs),
            "can_create": plannable,
        },
    )


def _plannable_batches(user: Any):
    """The user's planned batches that have no plan yet (an institution user's own)."""
    return (
        batches_for(user)
        .filter(status=Batch.Status.PLANNED, exam_plan__isnull=True)
        .select_related("occupation", "institution")
        .order_by("starts_at")
    )


@login_required
@application_errors_as_http
def plan_create(request: HttpRequest) -> HttpResponse:
    batches = [b for b in _plannable_batches(request.user) if may_run(request.user, b)]
    chosen = next(
        (b for b in batches if str(b.pk) == (request.POST.get("batch") or request.GET.get("batch"))), None
    )
    if chosen is None:
        return render(request, "exams/staff/plan_pick.html", {"batches": batches})
    form = f.PlanForm(request.POST or None, levels=list(chosen.levels))
    if request.method == "POST" and form.is_valid():
        ok, plan = run_form(
            form, lambda: services.plan_create(actor=request.user, batch=chosen, values=form.values())
        )
        if ok:
            return redirect("exams:plan_detail", plan.pk)
    return render(request, "exams/staff/plan_form.html", {"form": form, "batch": chosen, "plan": None})


@login_required
@application_errors_as_http
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    form = f.PlanForm(
        request.POST or None, levels=list(plan.batch.levels), initial=f.PlanForm.initial_of(plan)
    )
    if request.method == "POST" and form.is_valid():
        ok, _ = run_form(
            form,
            lambda: services.plan_update(
                actor=request.user,
                plan=plan,
                row_version=request.POST.get("row_version"),
                values=form.values(),
            ),
        )
        if ok:
            return redirect("exams:plan_detail", plan.pk)
    return render(request, "exams/staff/plan_form.html", {"form": form, "batch": plan.batch, "plan": plan})


@login_required
@application_errors_as_http
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    return render(request, "exams/staff/plan_detail.html", _plan_context(request, plan, "info"))


@login_required
@require_POST
@application_errors_as_http
def plan_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    if step not in PLAN_STEPS:
        raise NotFound()
    service, success = PLAN_STEPS[step]
    to = reverse("exams:plan_detail", args=[plan.pk])
    return run_and_flash(
        request,
        lambda: service(actor=request.user, plan=plan, row_version=request.POST.get("row_version")),
        success,
        to,
    )


# ------------------------------------------------------------------------------------------- registrations


def _registrations(request: HttpRequest, plan: ExamPlan):
    filters = f.RegistrationFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = (
        selectors.registrations_for(request.user)
        .filter(plan=plan)
        .select_related("person", "retake_of")
        .order_by("level", "number")
    )
    if values.get("q"):
        q = values["q"].strip()
        qs = qs.filter(Q(person__name__icontains=q) | Q(number=q.upper()))
    if values.get("status"):
        qs = qs.filter(status=values["status"])
    if values.get("level"):
        qs = qs.filter(level=int(values["level"]))
    if values.get("precheck") == "met":
        qs = qs.exclude(precheck_route="")
    elif values.get("precheck") == "unmet":
        qs = qs.filter(precheck_route="")
    return filters, qs


@login_required
@application_errors_as_http
def registration_list(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    filters, qs = _registrations(request, plan)
    context = _plan_context(request, plan, "registrations") | {
        "filters": filters,
        "page": list_page(request, qs),
    }
    return render(request, "exams/staff/registration_list.html", context)


ROSTER_COLUMNS = [
    Column("number", "报名号"),
    Column("name", "姓名"),
    Column("id_number", "身份证号"),
    Column("phone", "手机号"),
    Column("level", "申报等级", kind="int"),
    Column("route", "预审满足路径"),
    Column("status", "状态"),
    Column("reason", "审核意见"),
    Column("ticket", "准考证号"),
]
FEE_COLUMNS = [
    Column("number", "报名号"),
    Column("name", "姓名"),
    Column("level", "申报等级", kind="int"),
    Column("amount", "应缴(元)", kind="decimal"),
    Column("receipt", "收据号"),
    Column("paid_at", "缴费时间", kind="datetime"),
    Column("status", "报名状态"),
]


@login_required
@application_errors_as_http
def registration_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster as .xlsx (ID and phone masked), audited with the filters."""
    plan = selectors.plan_get(request.user, pk)
    _, qs = _registrations(request, plan)
    rows = (
        {
            "number": r.number,
            "name": r.person.name,
            "id_number": r.person.id_number_masked,
            "phone": mask_phone(r.phone),
            "level": r.level,
            "route": r.precheck_route or "未满足",
            "status": r.get_status_display(),
            "reason": r.review_reason,
            "ticket": r.ticket_number or "",
        }
        for r in qs.iterator(chunk_size=2000)
    )
    data = export_list(
        actor=request.user,
        action="exams.registration.exported",
        object_type="exams.registration",
        label="报名名单",
        columns=ROSTER_COLUMNS,
        rows=rows,
        filters=request.GET,
        revealed=False,
    )
    return export_response(f"{plan.batch.code}-报名名单.xlsx", data)


@login_required
@application_errors_as_http
def fee_ledger_export(request: HttpRequest, pk: int) -> HttpResponse:
    """INST-6: the batch's separate fee ledger (amount by the standard, receipt, time), every registration."""
    plan = selectors.plan_get(request.user, pk)
    require(selectors.oversees(request.user, plan), "收费台账只向本机构、认定中心和督导组提供")
    qs = (
        selectors.registrations_for(request.user)
        .filter(plan=plan)
        .select_related("person")
        .order_by("number")
    )
    rows = (
        {
            "number": r.number,
            "name": r.person.name,
            "level": r.level,
            "amount": r.fee_amount,
            "receipt": r.fee_receipt_no,
            "paid_at": r.fee_paid_at,
            "status": r.get_status_display(),
        }
        for r in qs.iterator(chunk_size=2000)
    )
    data = export_list(
        actor=request.user,
        action="exams.registration.fee_exported",
        object_type="exams.registration",
        label="收费台账",
        columns=FEE_COLUMNS,
        rows=rows,
        filters={},
        revealed=False,
    )
    return export_response(f"{plan.batch.code}-收费台账.xlsx", data)


@login_required
@application_errors_as_http
def roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster import of a plan's batch: the same rules and all-or-nothing report as
    `dudao import candidates FILE --as USER --batch CODE`."""
    from dudao.web.imports import import_view

    from ..imports import CANDIDATE_COLUMNS, CANDIDATE_EXAMPLES

    plan = selectors.plan_get(request.user, pk)
    require(may_run(request.user, plan), "只有本机构的工作人员可以导入考生名册")
    back = reverse("exams:registration_list", args=[plan.pk])
    return import_view(
        request,
        columns=CANDIDATE_COLUMNS,
        kind="candidates",
        options={"batch": plan.batch.code},
        template_name="web/import_page.html",
        success_url=back,
        sheet_name="考生名册",
        example_rows=CANDIDATE_EXAMPLES,
        extra_context={
            "import_title": f"导入考生名册 · {plan.title}",
            "back_url": back,
            "back_label": "报名名单",
        },
    )


@login_required
@application_errors_as_http
def registration_retake(request: HttpRequest, pk: int) -> HttpResponse:
    """代考生补考报名 (EXAM-11): the candidate's original 报名号 and ID number, as on the public page."""
    from ..forms_public import RetakeForm

    plan = selectors.plan_get(request.user, pk)
    require(may_run(request.user, plan), "只有本机构的工作人员可以代考生补考报名")
    form = RetakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done, registration = run_form(
            form,
            lambda: services.registration_retake(
                actor=request.user,
                on_behalf=True,
                plan=plan,
                original_number=form.cleaned_data["original_number"],
                id_number=form.cleaned_data["id_number"],
                phone=form.cleaned_data["phone"],
                photo=form.cleaned_data.get("photo"),
            ),
            {"file": "photo"},
        )
        if done:
            messages.success(request, f"补考报名已登记,报名号 {registration.number}")
            return redirect("exams:registration_detail", pk=registration.pk)
    context = _plan_context(request, plan, "registrations") | {"form": form}
    return render(request, "exams/staff/retake_form.html", context)


@login_required
@application_errors_as_http
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.registration_get(request.user, pk)
    return render(
        request, "exams/staff/registration_detail.html", _registration_context(request, registration)
    )


def _registration_context(request: HttpRequest, registration: Registration, **forms: Any) -> dict[str, Any]:
    steps = allowed_next(REGISTRATION_TRANSITIONS, registration, request.user)
    may_review = any(s in steps for s in ("institution_approved", "approved", "rejected"))
    return {
        "r": registration,
        "plan": registration.plan,
        "files": list(registration.files.all()),
        "level_names": LEVEL_NAMES,
        "review_form": forms.get("review_form")
        or (f.ReviewForm(initial={"row_version": registration.row_version}) if may_review else None),
        "review_level": "机构初审" if registration.status == "submitted" else "认定中心确认",
        "fee_form": forms.get("fee_form")
        or (
            f.FeeForm(
                initial={"row_version": registration.row_version, "receipt_no": registration.fee_receipt_no}
            )
            if may_run(request.user, registration) and registration.status not in ("withdrawn", "rejected")
            else None
        ),
        "may_confirm": may_confirm(request.user, registration),
        "may_administer": may_administer(request.user, registration),
    }


@login_required
@require_POST
@application_errors_as_http
def registration_review(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.registration_get(request.user, pk)
    form = f.ReviewForm(request.POST)
    if form.is_valid():
        ok, _ = run_form(
            form,
            lambda: services.registration_review(
                actor=request.user,
                registration=registration,
                row_version=form.cleaned_data["row_version"],
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            ),
        )
        if ok:
            return redirect("exams:registration_detail", registration.pk)
    context = _registration_context(request, registration, review_form=form)
    return render(request, "exams/staff/registration_detail.html", context, status=422)


@login_required
@require_POST
@application_errors_as_http
def registration_fee(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.registration_get(request.user, pk)
    form = f.FeeForm(request.POST)
    if form.is_valid():
        ok, _ = run_form(
            form,
            lambda: services.registration_record_fee(
                actor=request.user,
                registration=registration,
                row_version=form.cleaned_data["row_version"],
                receipt_no=form.cleaned_data["receipt_no"],
            ),
        )
        if ok:
            return redirect("exams:registration_detail", registration.pk)
    context = _registration_context(request, registration, fee_form=form)
    return render(request, "exams/staff/registration_detail.html", context, status=422)


@login_required
@application_errors_as_http
def registration_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    registration = selectors.registration_get(request.user, pk)
    row = RegistrationFile.objects.filter(registration=registration, pk=file_pk).first()
    if row is None:
        raise NotFound("材料不存在")
    return row.serve()


# ------------------------------------------------------------------------------------------- arrangement


def _sessions(plan: ExamPlan) -> list[ExamSession]:
    sessions = list(
        ExamSession.objects.filter(plan=plan)
        .prefetch_related("rooms")
        .annotate(seated=Count("seats"))
        .order_by("starts_at", "id")
    )
    seat_counts = dict(
        ExamRoom.objects.filter(session__plan=plan).annotate(n=Count("seats")).values_list("id", "n")
    )
    for session in sessions:
        session.room_rows = [(room, seat_counts.get(room.pk, 0)) for room in session.rooms.all()]
        session.room_form = f.RoomForm(prefix=f"s{session.pk}")
    return sessions


def _arrangement(request: HttpRequest, plan: ExamPlan, **forms: Any) -> HttpResponse:
    context = _plan_context(request, plan, "arrangement")
    context["sessions"] = _sessions(plan)
    context["session_form"] = forms.get("session_form") or f.SessionForm(levels=list(plan.batch.levels))
    context["approved"] = plan.registrations.filter(status="approved").count()
    context |= _assignment_context(request, plan)
    locked = (
        context["assignment"] is not None and context["assignment"].status == RoomAssignment.Status.LOCKED
    )
    context["arrangement_open"] = (
        plan.status in (ExamPlan.Status.PUBLISHED, ExamPlan.Status.CLOSED) and not locked
    )
    status = 422 if forms else 200
    return render(request, "exams/staff/arrangement.html", context, status=status)


@login_required
@application_errors_as_http
def arrangement(request: HttpRequest, pk: int) -> HttpResponse:
    return _arrangement(request, selectors.plan_get(request.user, pk))


@login_required
@require_POST
@application_errors_as_http
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    form = f.SessionForm(request.POST, levels=list(plan.batch.levels))
    if form.is_valid():
        ok, _ = run_form(
            form, lambda: services.session_create(actor=request.user, plan=plan, values=form.cleaned_data)
        )
        if ok:
            return redirect("exams:arrangement", plan.pk)
    return _arrangement(request, plan, session_form=form)


@login_required
@require_POST
@application_errors_as_http
def room_add(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    session = ExamSession.objects.filter(plan=plan, pk=session_pk).first()
    if session is None:
        raise NotFound("场次不存在")
    form = f.RoomForm(request.POST, prefix=f"s{session.pk}")
    to = reverse("exams:arrangement", args=[plan.pk])
    if not form.is_valid():
        return run_and_flash(request, lambda: _form_error(form), "", to)
    return run_and_flash(
        request,
        lambda: services.room_create(actor=request.user, session=session, values=form.cleaned_data),
        "考场已添加",
        to,
    )


def _form_error(form: Any) -> None:
    from dudao.common.errors import ValidationFailed

    first = next(iter(form.errors.values()))[0]
    raise ValidationFailed(str(first))


@login_required
@require_POST
@application_errors_as_http
def seats(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    to = reverse("exams:arrangement", args=[plan.pk])
    return run_and_flash(
        request, lambda: services.seats_assign(actor=request.user, plan=plan), "座位已编排", to
    )


def _assignment_context(request: HttpRequest, plan: ExamPlan) -> dict[str, Any]:
    assignment = RoomAssignment.objects.filter(plan=plan).first()
    if assignment is None:
        return {"assignment": None, "may_assign": may_administer(request.user, plan)}
    staff = list(
        RoomStaff.objects.filter(room__session__plan=plan)
        .select_related("examiner__person", "room__session", "replaced_by__examiner__person")
        .order_by("room__session__starts_at", "room__name", "pk")
    )
    names = dict(
        Examiner.objects.filter(pk__in=[int(e[1:]) for e in assignment.result["team"]]).values_list(
            "pk", "person__name"
        )
    )
    rooms = {
        f"r{room.pk}": room for room in ExamRoom.objects.filter(session__plan=plan).select_related("session")
    }
    planned = [
        (rooms.get(key), [names.get(int(e[1:]), e) for e in ids])
        for key, ids in sorted(assignment.result["assignments"].items(), key=lambda kv: kv[0])
    ]
    unassigned = [(rooms.get(u["room"]), u) for u in assignment.result["unassigned"]]
    replacements = []
    if assignment.status == RoomAssignment.Status.LOCKED:
        replacements = list(
            Examiner.objects.filter(authority=plan.batch.filing.authority, is_active=True)
            .select_related("person")
            .order_by("person__name", "pk")[:500]
        )
    return {
        "assignment": assignment,
        "replacements": replacements,
        "assignment_steps": allowed_next(ASSIGNMENT_TRANSITIONS, assignment, request.user),
        "planned": planned,
        "unassigned": unassigned,
        "staff": staff,
        "may_assign": may_administer(request.user, plan),
    }


ASSIGNMENT_STEPS = {
    RoomAssignment.Status.PUBLISHED: (services.assignment_publish, "考评人员安排已公布"),
    RoomAssignment.Status.LOCKED: (services.assignment_lock, "考评人员安排已锁定"),
}


@login_required
@require_POST
@application_errors_as_http
def assignment_generate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    to = reverse("exams:arrangement", args=[plan.pk]) + "#assignment"
    return run_and_flash(
        request, lambda: services.assignment_generate(actor=request.user, plan=plan), "考评人员安排已生成", to
    )


@login_required
@require_POST
@application_errors_as_http
def assignment_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    assignment = RoomAssignment.objects.filter(plan=plan).first()
    if assignment is None or step not in ASSIGNMENT_STEPS:
        raise NotFound()
    service, success = ASSIGNMENT_STEPS[step]
    to = reverse("exams:arrangement", args=[plan.pk]) + "#assignment"
    return run_and_flash(
        request,
        lambda: service(
            actor=request.user, assignment=assignment, row_version=request.POST.get("row_version")
        ),
        success,
        to,
    )


@login_required
@require_POST
@application_errors_as_http
def staff_replace(request: HttpRequest, pk: int, staff_pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    staff = RoomStaff.objects.filter(pk=staff_pk, room__session__plan=plan).select_related("room").first()
    if staff is None:
        raise NotFound()
    to = reverse("exams:arrangement", args=[plan.pk]) + "#assignment"
    examiner = Examiner.objects.filter(pk=_int(request.POST.get("examiner"))).first()
    return run_and_flash(
        request,
        lambda: services.staff_replace(
            actor=request.user, staff=staff, examiner=_required(examiner), reason=request.POST.get("reason")
        ),
        "已替换考评人员",
        to,
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _required(examiner: Examiner | None) -> Examiner:
    if examiner is None:
        from dudao.common.errors import ValidationFailed

        raise ValidationFailed("请选择接替的考评员")
    return examiner


@login_required
@application_errors_as_http
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    context = _plan_context(request, plan, "attendance")
    context["rows"] = selectors.attendance_by_room(plan)
    context["pending"] = list(
        Violation.objects.filter(room__session__plan=plan, approval=Violation.Approval.PENDING)
        .select_related("room")
        .order_by("created_at", "pk")
    )
    context["may_confirm"] = may_confirm(request.user, plan)
    context["totals"] = {
        key: sum(row[key] for row in context["rows"])
        for key in ("expected", "present", "late", "absent", "pending", "violations")
    }
    return render(request, "exams/staff/attendance.html", context)


@login_required
@require_POST
@application_errors_as_http
def violation_decide(request: HttpRequest, pk: int, violation_pk: int) -> HttpResponse:
    """EXAM-8: the centre approves or refuses a collective stop/void from the attendance page."""
    plan = selectors.plan_get(request.user, pk)
    violation = (
        Violation.objects.filter(pk=violation_pk, room__session__plan=plan).select_related("room").first()
    )
    if violation is None:
        raise NotFound()
    approve = request.POST.get("decision") == "approve"
    to = reverse("exams:attendance", args=[plan.pk])
    return run_and_flash(
        request,
        lambda: services.violation_decide(
            actor=request.user, violation=violation, approve=approve, reason=request.POST.get("reason")
        ),
        "已批准" if approve else "已不予批准",
        to,
    )
