"""Shared by the task pages: one step's form under a summary of the task, the step runner, small lookups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from dudao.web.kit import run_form

from .. import presenters, selectors
from ..models import Opinion, SupervisionTask, TaskMember
from .common import (
    require,
)

S = SupervisionTask.Status


def _detail_url(pk: int) -> str:
    return reverse("supervision:task_detail", args=[pk])


def _my_member(user, task: SupervisionTask) -> TaskMember | None:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return next((m for m in task.members.all() if m.active and m.supervisor.person_id == person_id), None)


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
        ok, _ = run_form(form, lambda: call(task, form.cleaned_data))
        if ok:
            messages.success(request, success)
            return redirect("supervision:task_detail", pk)
    return _form_page(request, task, form, **page)
