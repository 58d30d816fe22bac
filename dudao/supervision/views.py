"""Task pages (ACT-4, ACT-6, SUP-4…11): the board, 我的任务, the role-aware task detail, the on-site page
(checklist per ACT-1 area, findings saved per item with htmx, camera evidence), and one page per step of
the lifecycle. Reads go through selectors and presenters (outside the scope → 404), writes through
services (the role may not → 403); other service errors are shown on the page and change nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dudao.accounts.permissions import (
    is_authority_user,
    is_institution_admin,
    is_superuser,
    is_supervisor,
)
from dudao.common.errors import ApplicationError
from dudao.people.models import Supervisor
from dudao.scorecards.evidence import ACCEPT
from dudao.web.kit import application_errors_as_http, is_partial_request, list_page

from . import forms as f
from . import list_queries, presenters, selectors, services, workflow
from .models import Opinion, Rectification, SupervisionTask, SupervisorKind, TaskKind, TaskMember
from .permissions import (
    can_answer_for_institution,
    can_decide_for_authority,
    can_manage_task,
    can_reverify,
    is_accepted_member,
    is_task_leader,
)
from .transitions import AFTER_REPORT, TASK_TRANSITIONS
from .views_common import (
    days_left,
    int_or_none,
    office_pages,
    optional_url,
    raise_http,
    require,
    row_version,
    run,
    workdays_left,
)

S = SupervisionTask.Status


def _detail_url(pk: int) -> str:
    return reverse("supervision:task_detail", args=[pk])


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
        "label": "移送处理(INST-4)",
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


def _my_member(user, task: SupervisionTask) -> TaskMember | None:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return next((m for m in task.members.all() if m.active and m.supervisor.person_id == person_id), None)


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
        "can_manage": d["can_manage"],
        "institution_side": institution_side,
        "work_hidden": institution_side and task.status not in AFTER_REPORT,
        "report_days": selectors.policy_for(task.authority_id).report_days,
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
        try:
            task = services.task_create(
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
            )
        except ApplicationError as exc:
            raise_http(exc)
            f.add_errors(form, exc)
        else:
            messages.success(request, f"已派发督导任务 {task.number}")
            return redirect("supervision:task_detail", task.pk)
    return render(request, "supervision/task_create.html", {"form": form, "batch": batch})


# -------------------------------------------------------------------------------------- member answers
@login_required
@require_POST
@application_errors_as_http
def task_accept(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    nxt = request.POST.get("next") or _detail_url(pk)
    if not nxt.startswith("/"):
        nxt = _detail_url(pk)
    return run(request, lambda: services.task_accept(actor=request.user, task=task), "已接受任务", nxt)


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_decline(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    require(_my_member(request.user, task) is not None, "您不是该任务督导组的成员")
    form = f.DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_decline(
                actor=request.user,
                task=task,
                reason=form.cleaned_data["reason"],
                reason_kind=form.cleaned_data["reason_kind"],
            )
        except ApplicationError as exc:
            raise_http(exc)
            f.add_errors(form, exc)
        else:
            messages.success(request, "已拒绝任务,委派机构将审核理由")
            return redirect("supervision:task_mine")
    return _form_page(
        request,
        task,
        form,
        title="拒绝任务",
        button="确认拒绝",
        danger=True,
        confirm="拒绝派遣须说明理由;无故拒绝将按 SUP-10 记录。确认拒绝?",
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def member_review(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    """The authority judges a decline's reason (SUP-10)."""
    member = selectors.member_get(request.user, pk, member_id)
    task = selectors.task_get(request.user, pk)
    require(can_manage_task(request.user, task), "没有审核的权限")
    form = f.ReviewDeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_review_decline(
                actor=request.user,
                member=member,
                justified=form.cleaned_data["justified"],
                note=form.cleaned_data["note"],
                row_version=row_version(request),
            )
        except ApplicationError as exc:
            raise_http(exc)
            f.add_errors(form, exc)
        else:
            messages.success(request, "已审核拒绝理由")
            return redirect("supervision:task_detail", pk)
    return _form_page(
        request,
        task,
        form,
        title=f"审核拒绝理由:{member.supervisor.person.name}",
        button="保存审核结论",
        note=(
            f"拒绝理由:{member.get_decline_reason_kind_display() or '未选择类别'} "
            f"{member.decline_reason or '(未说明理由)'}"
        ),
        version=member.row_version,
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def member_replace(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    """Replace a member who declined by another eligible supervisor (the service checks every constraint)."""
    member = selectors.member_get(request.user, pk, member_id)
    task = selectors.task_get(request.user, pk)
    require(can_manage_task(request.user, task), "没有调整督导组的权限")
    current = [m.supervisor_id for m in task.members.all()]
    candidates = (
        selectors.supervisors_for(request.user)
        .filter(kind=task.supervisor_kind, status=Supervisor.Status.ACTIVE, dismissal_flag=False)
        .exclude(pk__in=current)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    form = f.ReplaceForm(request.POST or None, supervisors=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_replace(
                actor=request.user, member=member, supervisor=form.cleaned_data["supervisor"]
            )
        except ApplicationError as exc:
            raise_http(exc)
            f.add_errors(form, exc)
        else:
            messages.success(request, "已替换督导组成员并通知新成员")
            return redirect("supervision:task_detail", pk)
    return _form_page(
        request,
        task,
        form,
        title=f"替换督导组成员:{member.supervisor.person.name}",
        button="替换",
        note="新成员须满足证卡有效、回避(SUP-8)、时间不冲突等条件,不满足时系统会说明原因。",
    )


# ------------------------------------------------------------------------------------------------ on site
@login_required
@require_POST
@application_errors_as_http
def task_start(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    try:
        services.task_start_on_site(actor=request.user, task=task, row_version=row_version(request))
    except ApplicationError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
        return redirect("supervision:task_detail", pk)
    messages.success(request, "已开始现场督导,请逐项记录督导发现")
    return redirect("supervision:onsite", pk)


def _onsite_context(request: HttpRequest, task: SupervisionTask, **extra: Any) -> dict[str, Any]:
    d = presenters.task_detail(request.user, task)
    by_area: dict[str, list[dict[str, Any]]] = {}
    for finding in d["findings"]:
        by_area.setdefault(finding["content_area"], []).append(finding)
    areas = [
        {**a, "dom": _area_dom(a["content_area"]), "findings": by_area.get(a["content_area"], [])}
        for a in d["checklist"]
    ]
    checked = sum(1 for a in areas if a["checked"])
    return {
        "task": task,
        "d": d,
        "areas": areas,
        "checked": checked,
        "total": len(areas),
        "percent": int(checked * 100 / len(areas)) if areas else 0,
        "editable": task.status == S.ON_SITE and bool(is_accepted_member(request.user, task)),
        "leader": bool(is_task_leader(request.user, task)),
        "methods": workflow.METHODS,
        "severities": workflow.SEVERITIES,
        "default_method": "covert_visit" if task.covert else "open_visit",
        "accept": ACCEPT,
        "me": request.user.pk,
        **extra,
    }


def _area_dom(code: str) -> str:
    return "area-" + code.replace(".", "_")


@login_required
@require_GET
@application_errors_as_http
def onsite(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page on site: checklist per ACT-1 area with progress; findings saved per item."""
    task = selectors.task_get(request.user, pk)
    require(bool(is_accepted_member(request.user, task)), "只有已接受任务的督导组成员可以进行现场督导")
    return render(request, "supervision/onsite.html", _onsite_context(request, task))


def _area_response(request: HttpRequest, pk: int, code: str, **extra: Any) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    context = _onsite_context(request, task, **extra)
    area = next((a for a in context["areas"] if a["content_area"] == code), None)
    if area is None or not is_partial_request(request):
        if extra.get("add_error"):
            messages.error(request, extra["add_error"])
        return redirect(reverse("supervision:onsite", args=[pk]) + (f"#{_area_dom(code)}" if area else ""))
    context["area"] = area
    return render(request, "supervision/partials/onsite_area_swap.html", context)


@login_required
@require_POST
@application_errors_as_http
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    code = request.POST.get("content_area", "")
    error = ""
    try:
        services.finding_add(
            actor=request.user,
            task=task,
            content_area=code,
            method=request.POST.get("method", ""),
            severity=request.POST.get("severity", ""),
            description=request.POST.get("description", ""),
        )
    except ApplicationError as exc:
        raise_http(exc)
        error = exc.message
    return _area_response(
        request,
        pk,
        code,
        add_error=error,
        add_values=request.POST if error else None,
    )


@login_required
@require_POST
@application_errors_as_http
def finding_update(request: HttpRequest, pk: int, finding_id: int) -> HttpResponse:
    """htmx: save one finding (method, severity, description); answers with its status and the progress."""
    finding = selectors.finding_get(request.user, pk, finding_id)
    changes = {k: request.POST[k] for k in ("method", "severity", "description") if k in request.POST}
    error = ""
    try:
        services.finding_update(
            actor=request.user, finding=finding, row_version=row_version(request), **changes
        )
    except ApplicationError as exc:
        raise_http(exc)
        error = exc.message
    task = selectors.task_get(request.user, pk)
    if not is_partial_request(request):
        if error:
            messages.error(request, error)
        return redirect("supervision:onsite", pk)
    context = _onsite_context(request, task, error=error)
    finding_data = presenters.finding_row(selectors.finding_get(request.user, pk, finding_id))
    context["finding"] = finding_data
    context["area"] = next(a for a in context["areas"] if a["content_area"] == finding_data["content_area"])
    context["saved_at"] = timezone.localtime()
    return render(request, "supervision/partials/finding_saved.html", context)


@login_required
@require_POST
@application_errors_as_http
def finding_delete(request: HttpRequest, pk: int, finding_id: int) -> HttpResponse:
    finding = selectors.finding_get(request.user, pk, finding_id)
    code = finding.content_area
    error = ""
    try:
        services.finding_delete(actor=request.user, finding=finding)
    except ApplicationError as exc:
        raise_http(exc)
        error = exc.message
    return _area_response(request, pk, code, add_error=error)


def _evidence_response(request: HttpRequest, pk: int, finding_id: int, error: str = "") -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    if not is_partial_request(request):
        if error:
            messages.error(request, error)
        return redirect("supervision:onsite", pk)
    context = _onsite_context(request, task)
    context["finding"] = presenters.finding_row(selectors.finding_get(request.user, pk, finding_id))
    context["evidence_error"] = error
    return render(request, "supervision/partials/finding_evidence.html", context)


@login_required
@require_POST
@application_errors_as_http
def evidence_upload(request: HttpRequest, pk: int, finding_id: int) -> HttpResponse:
    """htmx: a photo from the camera (or a file) for one finding; type checked by content, stored by hash."""
    finding = selectors.finding_get(request.user, pk, finding_id)
    error = ""
    try:
        services.finding_attach_evidence(actor=request.user, finding=finding, file=request.FILES.get("file"))
    except ApplicationError as exc:
        raise_http(exc)
        error = exc.message
    return _evidence_response(request, pk, finding_id, error)


@login_required
@require_POST
@application_errors_as_http
def evidence_delete(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    evidence = selectors.finding_evidence_get(request.user, pk, evidence_id)
    finding_id = evidence.finding_id
    error = ""
    try:
        services.finding_remove_evidence(actor=request.user, evidence=evidence)
    except ApplicationError as exc:
        raise_http(exc)
        error = exc.message
    return _evidence_response(request, pk, finding_id, error)


# ------------------------------------------------------------------------------------------ step pages
def _form_page(
    request: HttpRequest,
    task: SupervisionTask,
    form,
    *,
    title: str,
    button: str,
    danger: bool = False,
    confirm: str = "",
    note: str = "",
    show: tuple[str, ...] = (),
    version: int | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """One step's form under a summary of the task (and the parts of it the step needs to show)."""
    d = presenters.task_detail(request.user, task)
    context = {
        "task": task,
        "d": d,
        "form": form,
        "title": title,
        "button": button,
        "danger": danger,
        "confirm": confirm,
        "note": note,
        "show": show,
        "version": task.row_version if version is None else version,
        "prelim": next((o for o in d["opinions"] if o["kind"] == Opinion.Kind.PRELIMINARY), None),
        "final": next((o for o in d["opinions"] if o["kind"] == Opinion.Kind.FINAL), None),
        "report": d["reports"][-1] if d["reports"] else None,
        "last_round": d["rectifications"][-1] if d["rectifications"] else None,
        **(extra or {}),
    }
    return render(request, "supervision/task_form.html", context)


def _step_form(
    request: HttpRequest,
    pk: int,
    form_class,
    call,
    *,
    success: str,
    allowed,
    denied: str,
    initial: dict[str, Any] | None = None,
    form_kwargs: dict[str, Any] | None = None,
    **page: Any,
) -> HttpResponse:
    """GET: the form; POST: the service with the cleaned data; errors on the form, nothing changed."""
    task = selectors.task_get(request.user, pk)
    require(bool(allowed(request.user, task)), denied)
    form = form_class(request.POST or None, initial=initial, **(form_kwargs or {}))
    if request.method == "POST" and form.is_valid():
        try:
            call(task, form.cleaned_data)
        except ApplicationError as exc:
            raise_http(exc)
            f.add_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("supervision:task_detail", pk)
    return _form_page(request, task, form, **page)


def _problems_text(task: SupervisionTask) -> str:
    lines = []
    for finding in selectors.task_findings(task):
        if finding.severity in workflow.PROBLEM_SEVERITIES:
            area = workflow.CONTENT_AREAS.get(finding.content_area, finding.content_area)
            severity = workflow.SEVERITIES[finding.severity]
            lines.append(f"{finding.content_area} {area}:{finding.description}({severity})")
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1))


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def task_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader files the group's written report (SUP-7), after a confirmation; it is then immutable."""
    task = selectors.task_get(request.user, pk)
    unchecked = [c for c in selectors.checklist(task) if not c["checked"]]
    return _step_form(
        request,
        pk,
        f.ReportForm,
        lambda t, data: services.report_submit(
            actor=request.user,
            task=t,
            summary=data["summary"],
            problems=data["problems"],
            recommendations=data["recommendations"],
            row_version=row_version(request),
        ),
        success="督导报告已提交",
        allowed=lambda user, t: is_task_leader(user, t) and t.status == S.ON_SITE,
        denied="只有督导组组长可以在现场督导中提交报告",
        initial={"problems": _problems_text(task)},
        title="提交督导报告",
        button="提交报告",
        confirm="提交后报告不可修改(更正须生成新版本)。确认提交?",
        show=("findings",),
        extra={
            "unchecked": unchecked,
            "report_deadline": days_left(task.report_due_on),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction is a new version of the report pointing to the old one."""
    task = selectors.task_get(request.user, pk)
    last = selectors.task_reports(task)
    latest = last[-1] if last else None
    return _step_form(
        request,
        pk,
        f.ReportCorrectForm,
        lambda t, data: services.report_correct(
            actor=request.user,
            task=t,
            reason=data["reason"],
            summary=data["summary"],
            problems=data["problems"],
            recommendations=data["recommendations"],
        ),
        success="已生成报告的更正版本",
        allowed=lambda user, t: (
            t.status in AFTER_REPORT and (is_task_leader(user, t) or can_manage_task(user, t))
        ),
        denied="只有督导组组长或委派机构可以更正报告",
        initial={
            "summary": latest.summary if latest else "",
            "problems": latest.problems if latest else "",
            "recommendations": latest.recommendations if latest else "",
        },
        title="更正督导报告",
        button="生成更正版本",
        show=("report",),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def preliminary(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's preliminary opinion on the self-evaluation and the findings (ACT-4 step 2)."""
    return _step_form(
        request,
        pk,
        f.PreliminaryForm,
        lambda t, data: services.preliminary_opinion_prepare(
            actor=request.user,
            task=t,
            body=data["body"],
            requirements=data["requirements"],
            row_version=row_version(request),
        ),
        success="已形成初步督导意见,请反馈评价机构",
        allowed=lambda user, t: is_task_leader(user, t) and t.kind == TaskKind.SPECIAL,
        denied="只有专项督导组组长可以形成初步意见",
        title="形成初步督导意见",
        button="保存初步意见",
        show=("report", "findings"),
    )


@login_required
@require_POST
@application_errors_as_http
def preliminary_send(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    if S.SENT_TO_INSTITUTION not in TASK_TRANSITIONS.get(task.status, {}):
        # Checked here because the service looks the draft up before its own state check.
        messages.error(request, f"任务当前状态为「{task.get_status_display()}」,不能反馈初步意见")
        return redirect("supervision:task_detail", pk)
    return run(
        request,
        lambda: services.preliminary_opinion_send(
            actor=request.user, task=task, row_version=row_version(request)
        ),
        "已将初步督导意见反馈评价机构,申辩期开始计算",
        _detail_url(pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def defence(request: HttpRequest, pk: int) -> HttpResponse:
    """The institution's defence against the preliminary opinion, within the working-day window (ACT-4)."""
    task = selectors.task_get(request.user, pk)
    prelim = Opinion.objects.filter(task=task, kind=Opinion.Kind.PRELIMINARY, sent_at__isnull=False).first()
    return _step_form(
        request,
        pk,
        f.DefenceForm,
        lambda t, data: services.defence_submit(actor=request.user, task=t, text=data["text"]),
        success="申辩意见已提交,委派机构将据此作出督导意见书",
        allowed=lambda user, t: can_answer_for_institution(user, t),
        denied="只有被督导机构可以提出申辩",
        title="提交申辩意见",
        button="提交申辩",
        confirm="申辩意见提交后不可修改。确认提交?",
        show=("preliminary",),
        extra={"defence_deadline": workdays_left(prelim.defence_due_on) if prelim else None},
    )


@login_required
@require_POST
@application_errors_as_http
def defence_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    return run(
        request,
        lambda: services.defence_window_close(
            actor=request.user, task=task, row_version=row_version(request)
        ),
        "已记录申辩期届满",
        _detail_url(pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def opinion_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """The authority weighs the defence and issues the numbered 督导意见书 (ACT-4 step 3)."""
    task = selectors.task_get(request.user, pk)
    prelim = Opinion.objects.filter(task=task, kind=Opinion.Kind.PRELIMINARY).first()
    policy = selectors.policy_for(task.authority_id)
    initial = {
        "body": prelim.body if prelim else "",
        "requirements": prelim.requirements if prelim else "",
        "requires_rectification": True,
        "rectification_due_on": f.default_due(policy.rectification_days),
    }
    return _step_form(
        request,
        pk,
        f.OpinionForm,
        lambda t, data: services.opinion_issue(
            actor=request.user,
            task=t,
            body=data["body"],
            requirements=data["requirements"],
            requires_rectification=data["requires_rectification"],
            rectification_due_on=data.get("rectification_due_on"),
            row_version=row_version(request),
        ),
        success="督导意见书已下达",
        allowed=lambda user, t: can_decide_for_authority(user, t),
        denied="只有委派机构可以下达督导意见书",
        initial=initial,
        title="下达督导意见书",
        button="下达",
        confirm="督导意见书下达后编号生效、不可修改。确认下达?",
        show=("report", "preliminary"),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def rectification_order(request: HttpRequest, pk: int) -> HttpResponse:
    """Order rectification after a daily supervision's report (ACT-6)."""
    task = selectors.task_get(request.user, pk)
    policy = selectors.policy_for(task.authority_id)
    return _step_form(
        request,
        pk,
        f.RectificationOrderForm,
        lambda t, data: services.rectification_order(
            actor=request.user,
            task=t,
            requirements=data["requirements"],
            due_on=data.get("due_on"),
            row_version=row_version(request),
        ),
        success="已下达整改要求",
        allowed=lambda user, t: can_manage_task(user, t),
        denied="只有委派机构可以下达整改要求",
        initial={"due_on": f.default_due(policy.rectification_days)},
        title="下达整改要求",
        button="下达整改要求",
        show=("report", "findings"),
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    """The institution's rectification: evidence uploaded one by one, then the report, by the deadline."""
    task = selectors.task_get(request.user, pk)
    require(bool(can_answer_for_institution(request.user, task)), "只有被督导机构可以提交整改材料")
    open_round = (
        Rectification.objects.filter(task=task, status=Rectification.Status.ORDERED)
        .order_by("-round_no")
        .first()
    )
    return _step_form(
        request,
        pk,
        f.RectificationSubmitForm,
        lambda t, data: services.rectification_submit(actor=request.user, task=t, plan=data["plan"]),
        success="整改材料已提交,等待复核",
        allowed=lambda user, t: can_answer_for_institution(user, t),
        denied="只有被督导机构可以提交整改材料",
        title="提交整改材料",
        button="提交整改",
        confirm="提交后等待复核,不能再上传材料。确认提交?",
        show=("final", "rectification_upload"),
        extra={
            "open_round": open_round,
            "rectification_deadline": days_left(open_round.due_on) if open_round else None,
            "rect_evidence": _round_evidence(pk, open_round),
            "accept": ACCEPT,
        },
    )


def _round_evidence(pk: int, row: Rectification | None) -> list[dict[str, Any]]:
    if row is None:
        return []
    return [
        presenters._evidence_row(pk, e, "supervision_rectification_evidence")
        for e in row.evidence.order_by("id")
    ]


@login_required
@require_POST
@application_errors_as_http
def rectification_evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    error = ""
    try:
        services.rectification_attach_evidence(actor=request.user, task=task, file=request.FILES.get("file"))
    except ApplicationError as exc:
        raise_http(exc)
        error = exc.message
    if not is_partial_request(request):
        if error:
            messages.error(request, error)
        return redirect("supervision:rectification", pk)
    open_round = (
        Rectification.objects.filter(task=task, status=Rectification.Status.ORDERED)
        .order_by("-round_no")
        .first()
    )
    return render(
        request,
        "supervision/partials/rectification_evidence.html",
        {
            "task": task,
            "rect_evidence": _round_evidence(pk, open_round),
            "evidence_error": error,
            "accept": ACCEPT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@application_errors_as_http
def rectification_review(request: HttpRequest, pk: int) -> HttpResponse:
    """复核 (ACT-6): passed → reverified; not passed → a new round with requirements and a deadline."""
    task = selectors.task_get(request.user, pk)
    policy = selectors.policy_for(task.authority_id)
    return _step_form(
        request,
        pk,
        f.RectificationReviewForm,
        lambda t, data: services.rectification_review(
            actor=request.user,
            task=t,
            passed=data["passed"],
            note=data["note"],
            requirements=data["requirements"],
            due_on=data.get("due_on"),
            row_version=row_version(request),
        ),
        success="已记录复核结论",
        allowed=lambda user, t: can_reverify(user, t),
        denied="只有委派机构或督导组组长可以复核",
        initial={"due_on": f.default_due(policy.rectification_days)},
        title="整改复核",
        button="保存复核结论",
        show=("rectification",),
    )


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
        confirm="办结后任务不能再变更。确认办结?",
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
        title="移送处理(INST-4)",
        button="移送处理",
        danger=True,
        confirm="确认移送处理?",
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
        confirm="确认取消该督导任务?",
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
            try:
                services.rating_submit(
                    actor=request.user,
                    task=task,
                    supervisor=m["supervisor_id"],
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                )
            except ApplicationError as exc:
                raise_http(exc)
                f.add_errors(form, exc)
            else:
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
