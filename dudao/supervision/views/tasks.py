"""Task pages (ACT-4, ACT-6): the board, 我的任务, the role-aware task detail, dispatching an ad hoc task, and
the closing steps (办结, 移送处理, 取消, 评价督导员). Reads go through selectors and presenters (outside the
scope → 404), writes through services (the role may not → 403); other service errors are shown on the page
and change nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dudao.accounts.permissions import (
    is_authority_user,
    is_institution_admin,
    is_superuser,
    is_supervisor,
)
from dudao.common.errors import ValidationFailed
from dudao.exams import selectors as exam_selectors
from dudao.people.models import Supervisor
from dudao.web.kit import application_errors_as_http, list_page, run_form

from .. import domain, list_queries, presenters, selectors, services, workflow
from .. import forms as f
from ..models import Opinion, Rectification, SupervisionTask, SupervisorKind
from ..permissions import (
    can_answer_for_institution,
    can_decide_for_authority,
    can_manage_institution,
    can_manage_task,
    is_accepted_member,
    is_task_leader,
)
from ..transitions import AFTER_REPORT, OPEN_TERMINATION_STATUSES
from .common import (
    days_left,
    int_or_none,
    office_pages,
    optional_url,
    require,
    row_version,
    workdays_left,
)
from .steps import S, _my_member, _step_form
from .surveys import task_extras


def _deadlines_for(tasks: list[SupervisionTask]) -> dict[int, dict[str, Any]]:
    """Per task on a page: report, defence (working days) and rectification deadlines (two queries)."""
    ids = [t.pk for t in tasks]
    defence = {
        o.task_id: o.defence_due_on
        for o in Opinion.objects.filter(task_id__in=ids, kind=Opinion.Kind.PRELIMINARY, sent_at__isnull=False)
    }
    rounds: dict[int, Rectification] = {}
    for row in Rectification.objects.filter(task_id__in=ids).order_by("task_id", "round_no"):
        rounds[row.task_id] = row
    result = {}
    for task in tasks:
        info: dict[str, Any] = {}
        if task.report_submitted_at is None and task.status not in (S.CANCELLED,):
            info["report"] = days_left(task.report_due_on)
        if task.status == S.SENT_TO_INSTITUTION and defence.get(task.pk):
            info["defence"] = workdays_left(defence[task.pk])
        last = rounds.get(task.pk)
        if last is not None and last.status == Rectification.Status.ORDERED:
            info["rectification"] = days_left(last.due_on)
        result[task.pk] = info
    return result


# ------------------------------------------------------------------------------------------------ lists
@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """The task board: filters (status, kind, deadline), report due / overdue badges, working days left."""
    user = request.user
    if not office_pages(user):
        if is_supervisor(user):
            return redirect("supervision:task_mine")
        require(False)
    filters, qs = list_queries.tasks(request)
    page = list_page(request, qs)
    page.items = list(page.items)
    deadlines = _deadlines_for(page.items)
    rows = [{"t": presenters.task_row(t), "deadlines": deadlines[t.pk]} for t in page.items]
    can_create = bool(is_superuser(user) or is_authority_user(user) or is_institution_admin(user))
    return render(
        request,
        "supervision/task_list.html",
        {"filters": filters, "page": page, "rows": rows, "can_create": can_create},
    )


@login_required
@require_GET
def task_mine(request: HttpRequest) -> HttpResponse:
    """我的任务 (a supervisor): dispatches to answer, tasks to work on, and finished ones."""
    user = request.user
    require(bool(is_supervisor(user) and getattr(user, "person_id", None)), "只有督导员可以查看“我的任务”")
    show = request.GET.get("show", "open")
    qs = selectors.task_list(user, mine=True, open_only=show != "all")
    page = list_page(request, qs)
    page.items = list(page.items)
    deadlines = _deadlines_for(page.items)
    rows = []
    for task in page.items:
        mine = next(
            (m for m in task.members.all() if m.active and m.supervisor.person_id == user.person_id), None
        )
        rows.append(
            {"task": task, "t": presenters.task_row(task), "me": mine, "deadlines": deadlines[task.pk]}
        )
    return render(request, "supervision/task_mine.html", {"page": page, "rows": rows, "show": show})


# ------------------------------------------------------------------------------------------------ detail
ACTION_BUTTONS: dict[str, dict[str, Any]] = {
    # presenters.task_actions value → how the page offers it (post = a confirmed button; else a link)
    "accept": {"label": "接受任务", "icon": "check", "style": "success", "post": "task_accept"},
    "decline": {"label": "拒绝任务", "icon": "x", "style": "outline-danger", "url": "task_decline"},
    S.ON_SITE: {
        "label": "到达现场,开始督导",
        "icon": "map-pin",
        "style": "primary",
        "post": "task_start",
        "confirm": "确认已到达现场,开始督导?",
    },
    S.REPORT_SUBMITTED: {"label": "提交督导报告", "icon": "send", "style": "primary", "url": "task_report"},
    S.PRELIMINARY_OPINION: {
        "label": "形成初步督导意见",
        "icon": "file-pencil",
        "style": "primary",
        "url": "preliminary",
    },
    S.SENT_TO_INSTITUTION: {
        "label": "将初步意见反馈机构",
        "icon": "mail-forward",
        "style": "primary",
        "post": "preliminary_send",
        "confirm": "反馈后申辩期开始计算,初步意见不能再修改。确认反馈给评价机构?",
    },
    S.DEFENCE_SUBMITTED: {
        "label": "提交申辩意见",
        "icon": "message-report",
        "style": "primary",
        "url": "defence",
    },
    S.DEFENCE_WINDOW_CLOSED: {
        "label": "申辩期届满(未申辩)",
        "icon": "clock-off",
        "style": "outline-secondary",
        "post": "defence_close",
        "confirm": "确认申辩期已届满且机构未提出申辩?",
    },
    S.OPINION_ISSUED: {
        "label": "下达督导意见书",
        "icon": "file-certificate",
        "style": "primary",
        "url": "opinion_issue",
    },
    S.RECTIFICATION_SUBMITTED: {
        "label": "提交整改材料",
        "icon": "upload",
        "style": "primary",
        "url": "rectification",
    },
    S.REVERIFIED: {"label": "整改复核", "icon": "checks", "style": "primary", "url": "rectification_review"},
    S.CLOSED: {"label": "办结", "icon": "circle-check", "style": "success", "url": "task_close"},
    S.ESCALATED: {
        "label": "移送处理",
        "icon": "gavel",
        "style": "outline-danger",
        "url": "task_escalate",
    },
    S.CANCELLED: {"label": "取消任务", "icon": "ban", "style": "ghost-danger", "url": "task_cancel"},
}


def _buttons(task: SupervisionTask, actions: list[str]) -> list[dict[str, Any]]:
    buttons = []
    for action in actions:
        if action == S.RECTIFICATION_ORDERED:
            if task.status == S.REPORT_SUBMITTED:  # daily: order rectification after the report (ACT-6)
                buttons.append(
                    {
                        "label": "下达整改要求",
                        "icon": "list-check",
                        "style": "warning",
                        "href": reverse("supervision:rectification_order", args=[task.pk]),
                    }
                )
            continue  # from rectification_submitted it is the review's "not passed" branch
        spec = ACTION_BUTTONS.get(action)
        if spec is None:
            continue  # automatic steps (accepted, declined, dispatched after a replacement)
        button = {k: v for k, v in spec.items() if k not in ("post", "url")}
        if "post" in spec:
            button["post"] = reverse(f"supervision:{spec['post']}", args=[task.pk])
        else:
            button["href"] = reverse(f"supervision:{spec['url']}", args=[task.pk])
        buttons.append(button)
    return buttons


def _documents(task: SupervisionTask, d: dict[str, Any]) -> dict[str, Any]:
    """DOCX/PDF downloads (routes from the documents module; absent routes are simply not offered).
    PDFs open in the browser to be printed (`?inline=1`); DOCX files are downloads to edit or archive."""

    def pair(docx: str, pdf: str, pk: int) -> dict[str, str | None]:
        pdf_url = optional_url(f"supervision:{pdf}", pk)
        return {
            "docx": optional_url(f"supervision:{docx}", pk),
            "pdf": f"{pdf_url}?inline=1" if pdf_url else None,
        }

    docs: dict[str, Any] = {"report": None, "opinion": None, "preliminary": None}
    if d["reports"]:
        docs["report"] = pair("task_report_docx", "task_report_pdf", task.pk)
    for opinion in d["opinions"]:  # already what this user may see (an unsent draft not for the institution)
        key = "opinion" if opinion["kind"] == Opinion.Kind.FINAL else "preliminary"
        docs[key] = pair("opinion_docx", "opinion_pdf", opinion["id"])
    return docs


def _may_start_termination(user, task) -> bool:
    """Show 启动终止备案 when the latest rectification round missed its deadline (the service decides)."""
    if not can_manage_institution(user, task.institution):
        return False
    latest = Rectification.objects.filter(task=task).order_by("-round_no").first()
    if latest is None or task.terminations.filter(status__in=OPEN_TERMINATION_STATUSES).exists():
        return False
    try:
        domain.check_termination_may_start(
            round_status=latest.status,
            due_on=latest.due_on,
            submitted_late=latest.overdue,
            today=timezone.localdate(),
        )
    except ValidationFailed:
        return False
    return True


@login_required
@require_GET
@application_errors_as_http
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One task as the user may see it (presenters.task_detail), with the steps the user may take now."""
    user = request.user
    task = selectors.task_get(user, pk)
    d = presenters.task_detail(user, task)
    me = _my_member(user, task)
    prelim = next((o for o in d["opinions"] if o["kind"] == Opinion.Kind.PRELIMINARY), None)
    final = next((o for o in d["opinions"] if o["kind"] == Opinion.Kind.FINAL), None)
    open_round = next(
        (r for r in reversed(d["rectifications"]) if r["status"] == Rectification.Status.ORDERED), None
    )
    institution_side = bool(can_answer_for_institution(user, task))
    rated = {r["supervisor_id"] for r in d["ratings"]}
    to_rate = [
        m
        for m in d["members"]
        if m["active"] and m["response"] == "accepted" and m["supervisor_id"] not in rated
    ]
    context = {
        "task": task,
        "d": d,
        "me": me,
        "buttons": _buttons(task, d["actions"]),
        "docs": _documents(task, d),
        "prelim": prelim,
        "final": final,
        "open_round": open_round,
        "report_deadline": days_left(task.report_due_on) if task.report_submitted_at is None else None,
        "defence_deadline": workdays_left(prelim["defence_due_on"])
        if prelim and task.status == S.SENT_TO_INSTITUTION
        else None,
        "rectification_deadline": days_left(open_round["due_on"]) if open_round else None,
        "onsite": bool(is_accepted_member(user, task)) and task.status in (S.ACCEPTED, S.ON_SITE),
        "can_rate": institution_side and task.status in AFTER_REPORT and bool(to_rate),
        "can_correct": task.status in AFTER_REPORT
        and task.status != S.CLOSED
        and bool(is_task_leader(user, task) or can_manage_task(user, task)),
        "can_penalise": task.status == S.ESCALATED and bool(can_decide_for_authority(user, task)),
        "can_terminate": _may_start_termination(user, task),
        "terminations": list(selectors.terminations_for(user).filter(task=task).order_by("-notified_at")),
        "can_manage": d["can_manage"],
        # A member's name links to the record only where the viewer may open it (people scope), else a 404.
        "record_links": set(
            selectors.supervisors_for(user)
            .filter(pk__in=[m["supervisor_id"] for m in d["members"]])
            .values_list("pk", flat=True)
        )
        if d["can_manage"]
        else set(),
        **task_extras(user, task),  # survey (QUAL-4), self-evaluation (ACT-4)
        "institution_side": institution_side,
        "work_hidden": institution_side and task.status not in AFTER_REPORT,
        "report_days": selectors.policy_for(task.authority_id).report_days,
        # 逢考必督: the batch's exam as it happens; the institution has its own exam pages
        "exam_live": None if institution_side else exam_selectors.live_for_batch(user, task.batch),
    }
    return render(request, "supervision/task_detail.html", context)


# ------------------------------------------------------------------------------------------------ create
@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_create(request: HttpRequest) -> HttpResponse:
    """Dispatch an ad hoc task (a complaint, an uncovered batch) with named supervisors."""
    user = request.user
    internal = bool(is_institution_admin(user)) and not is_superuser(user)
    require(bool(is_superuser(user) or is_authority_user(user) or internal), "没有派发督导任务的权限")
    kind = SupervisorKind.INTERNAL if internal else SupervisorKind.EXTERNAL
    institutions = selectors.institutions_in(user).filter(is_active=True).order_by("name")
    supervisors = (
        selectors.supervisors_for(user)
        .filter(kind=kind, status=Supervisor.Status.ACTIVE)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    batch = None
    batch_id = int_or_none(request.POST.get("batch") or request.GET.get("batch"))
    if batch_id:
        from dudao.registry.selectors import batches_for

        batch = batches_for(user).select_related("institution", "occupation").filter(pk=batch_id).first()
    initial: dict[str, Any] = {"kind": "daily"}
    if batch is not None:
        initial.update(
            {
                "institution": batch.institution_id,
                "batch": batch.pk,
                "starts_at": timezone.localtime(batch.starts_at),
                "ends_at": timezone.localtime(batch.ends_at),
            }
        )
    form = f.TaskCreateForm(
        request.POST or None, initial=initial, institutions=institutions, supervisors=supervisors
    )
    if internal:
        del form.fields["covert"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["supervisors"])
        ok, task = run_form(
            form,
            lambda: services.task_create(
                actor=user,
                institution=data["institution"],
                supervisors=chosen,
                leader=data.get("leader"),
                kind=data["kind"],
                supervisor_kind=kind,
                batch=batch.pk if batch is not None else None,
                starts_at=data.get("starts_at"),
                ends_at=data.get("ends_at"),
                covert=bool(data.get("covert")),
                items=list(data.get("items") or []),
                group_reason=data.get("group_reason") or "",
                note=data.get("note") or "",
            ),
        )
        if ok:
            messages.success(request, f"已派发督导任务 {task.number}")
            return redirect("supervision:task_detail", task.pk)
    return render(request, "supervision/task_create.html", {"form": form, "batch": batch})


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step_form(
        request,
        pk,
        f.CloseForm,
        lambda t, data: services.task_close(
            actor=request.user, task=t, note=data["note"], row_version=row_version(request)
        ),
        success="任务已办结",
        allowed=lambda user, t: can_manage_task(user, t),
        denied="只有委派机构可以办结任务",
        title="办结任务",
        button="办结",
        confirm="办结任务:记录办结说明,任务状态改为已办结,之后不能再变更。确认办结?",
        show=("report", "rectification"),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    return _step_form(
        request,
        pk,
        f.ReasonForm,
        lambda t, data: services.task_escalate(
            actor=request.user, task=t, reason=data["reason"], row_version=row_version(request)
        ),
        success="已移送处理,请作出处理决定",
        allowed=lambda user, t: can_decide_for_authority(user, t),
        denied="只有委派机构可以移送处理",
        form_kwargs={"label": "移送原因"},
        title="移送处理",
        button="移送处理",
        danger=True,
        confirm="移送处理:任务转由委派机构作出处理决定(如暂停或撤销备案),移送后不能撤回。确认移送?",
        show=("report",),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _step_form(
        request,
        pk,
        f.ReasonForm,
        lambda t, data: services.task_cancel(
            actor=request.user, task=t, reason=data["reason"], row_version=row_version(request)
        ),
        success="任务已取消",
        allowed=lambda user, t: can_manage_task(user, t),
        denied="只有委派机构可以取消任务",
        form_kwargs={"label": "取消原因"},
        title="取消任务",
        button="取消任务",
        danger=True,
        confirm="取消该督导任务:督导组成员将收到通知,取消后不能恢复。确认取消?",
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """SUP-11: the institution rates each supervisor of the task after the report."""
    task = selectors.task_get(request.user, pk)
    require(bool(can_answer_for_institution(request.user, task)), "只有被督导机构可以评价督导员")
    d = presenters.task_detail(request.user, task)
    rated = {r["supervisor_id"]: r for r in d["ratings"]}
    members = [m for m in d["members"] if m["active"] and m["response"] == "accepted"]
    posted_for = int_or_none(request.POST.get("supervisor")) if request.method == "POST" else None
    forms_by_member = []
    for m in members:
        bound = request.POST if posted_for == m["supervisor_id"] else None
        form = f.RatingForm(bound, initial={"supervisor": m["supervisor_id"]}, prefix=None)
        if bound is not None and form.is_valid():
            ok, _ = run_form(
                form,
                lambda m=m, form=form: services.rating_submit(
                    actor=request.user,
                    task=task,
                    supervisor=m["supervisor_id"],
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                ),
            )
            if ok:
                messages.success(request, f"已评价督导员 {m['name']}")
                return redirect("supervision:task_rate", pk)
        forms_by_member.append({"member": m, "rating": rated.get(m["supervisor_id"]), "form": form})
    return render(
        request,
        "supervision/task_rate.html",
        {
            "task": task,
            "d": d,
            "entries": forms_by_member,
            "open": task.status in AFTER_REPORT,
            "items": workflow.RATING_ITEMS,
        },
    )
