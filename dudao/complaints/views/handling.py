"""The handling of a complaint from its page (COMPL-2/3): handlers, persons concerned, the steps, the
special supervision task (ACT-1 (3)) and the penalty from a proposal (INST-4). Each is a POSTed form that
runs one service and comes back to the complaint with a Chinese message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.web.kit import application_errors_as_http, run_and_flash

from .. import follow_up, handling, selectors
from ..models import Complaint

DONE = {
    "assign": "已指定办理人员",
    "remove": "已撤换办理人员",
    "concerned": "已记录被投诉人员",
    "investigate": "已开始调查",
    "find": "已记录调查结论",
    "dispose": "已作出处理",
    "reply": "已答复投诉人,投诉人凭查询码可以看到",
    "close": "投诉已办结",
    "special": "已派出专项督导任务",
    "penalty": "已按处理建议作出处理决定",
}


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.strip().isdigit()]


def _call(request: HttpRequest, action: str, complaint: Complaint) -> Callable[[], Any]:
    post, actor, rv = request.POST, request.user, request.POST.get("row_version", "")
    common = {"actor": actor, "complaint": complaint, "row_version": rv}
    calls: dict[str, Callable[[], Any]] = {
        "assign": lambda: handling.complaint_handler_assign(**common, user=post.get("user", "")),
        "remove": lambda: handling.complaint_handler_remove(**common, user=post.get("user", "")),
        "concerned": lambda: handling.complaint_set_concerned(
            **common,
            examiners=_ints(post.getlist("examiners")),
            supervisors=_ints(post.getlist("supervisors")),
        ),
        "investigate": lambda: handling.complaint_investigate(**common),
        "find": lambda: handling.complaint_find(
            **common, finding=post.get("finding", ""), text=post.get("text", "")
        ),
        "dispose": lambda: handling.complaint_dispose(
            **common,
            disposition=post.get("disposition", ""),
            note=post.get("note", ""),
            measure=post.get("measure", ""),
            ground=post.get("ground", ""),
        ),
        "reply": lambda: handling.complaint_reply(**common, reply=post.get("reply", "")),
        "close": lambda: handling.complaint_close(**common),
        "special": lambda: follow_up.complaint_dispatch_special(
            **common,
            supervisors=_ints(post.getlist("supervisors")),
            starts_at=post.get("starts_at") or None,
            ends_at=post.get("ends_at") or None,
            items=post.getlist("items"),
            group_reason=post.get("group_reason", ""),
        ),
        "penalty": lambda: follow_up.complaint_impose_penalty(
            **common,
            escalated_from=post.get("escalated_from") or None,
            serious=post.get("serious") == "on",
            serious_reason=post.get("serious_reason", ""),
            responsible_persons=post.get("responsible_persons", ""),
        ),
    }
    if action not in calls:
        raise Http404
    return calls[action]


@login_required
@require_POST
@application_errors_as_http
def complaint_handle(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    complaint = selectors.complaint_get(request.user, pk)
    url = reverse("complaints:detail", args=[complaint.pk])
    return run_and_flash(request, _call(request, action, complaint), DONE.get(action, "已保存"), url)
