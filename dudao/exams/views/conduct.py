"""Pages of examiner conduct (issue 11 point 5; EXAM-10, EXAM-19).

- 考评员到岗 on a room's exam-day pages (phone): the institution's users or the batch's 考评组长 record each
  assigned examiner present / late / absent; the institution's admin excuses an absence or lateness.
- 考评人员处理: the list of proposals in the user's scope (filters, pagination), a proposal with its evidence
  (the duties behind it), the authority's confirm / dismiss forms (with confirmation), the examiner's
  appeal; 提出处理建议 for the institution's users and the batch's live supervisors; 我的考评记录 for the
  examiner himself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.accounts.permissions import is_examiner
from dudao.common.errors import PermissionDenied
from dudao.people.models import Examiner
from dudao.web.kit import application_errors_as_http, list_page, run_and_flash, run_form

from .. import selectors
from ..models import RoomStaff
from ..models_conduct import ExaminerAttendance, SanctionAppeal, SanctionProposal
from ..permissions import may_keep_room, may_run
from ..permissions_conduct import (
    is_subject,
    leads_batch,
    may_decide,
    may_excuse,
    may_record_attendance,
    supervises_batch,
)
from ..selectors_conduct import (
    attendance_room_get,
    duty_get,
    evidence,
    own_proposals,
    proposal_get,
    proposals_for,
    room_duties,
    search_proposals,
)
from ..services import conduct as services

P = SanctionProposal

# ------------------------------------------------------------------------------------------ attendance


def _attendance_room(request: HttpRequest, pk: Any):
    room = attendance_room_get(request.user, pk)
    if not (may_keep_room(request.user, room) or leads_batch(request.user, room.session.plan.batch)):
        raise PermissionDenied("只有本机构工作人员、本考场考评人员或考评组长可以查看考评员到岗情况")
    return room


@login_required
@application_errors_as_http
def room_examiners(request: HttpRequest, pk: int) -> HttpResponse:
    """考评员到岗: each examiner assigned to the room with his attendance and the buttons the user may use."""
    room = _attendance_room(request, pk)
    rows = []
    for duty in room_duties(room):
        attendance = getattr(duty, "attendance", None)
        rows.append(
            {
                "duty": duty,
                "attendance": attendance,
                "may_record": duty.replaced_by_id is None
                and not (attendance and attendance.excused)
                and may_record_attendance(request.user, duty),
                "may_excuse": bool(
                    attendance
                    and attendance.status != ExaminerAttendance.Status.PRESENT
                    and not attendance.excused
                    and may_excuse(request.user, duty)
                ),
            }
        )
    return render(
        request,
        "exams/room/examiners.html",
        {"room": room, "session": room.session, "plan": room.session.plan, "rows": rows},
    )


@login_required
@require_POST
@application_errors_as_http
def duty_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    duty = duty_get(request.user, pk)
    status = request.POST.get("status", "")
    label = dict(ExaminerAttendance.Status.choices).get(status, "")
    return run_and_flash(
        request,
        lambda: services.attendance_record(
            actor=request.user, duty=duty, status=status, late_minutes=request.POST.get("late_minutes", "0")
        ),
        f"已登记:{duty.examiner.person.name} {label}",
        reverse("exams:room_examiners", args=[duty.room_id]),
    )


@login_required
@require_POST
@application_errors_as_http
def duty_excuse(request: HttpRequest, pk: int) -> HttpResponse:
    duty = duty_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.attendance_excuse(actor=request.user, duty=duty, reason=request.POST.get("reason")),
        "已认可理由",
        reverse("exams:room_examiners", args=[duty.room_id]),
    )


# ------------------------------------------------------------------------------------------ proposals


class ProposalFilterForm(forms.Form):
    q = forms.CharField(
        label="关键字", required=False, widget=forms.TextInput(attrs={"placeholder": "考评员姓名或机构名称"})
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *P.Status.choices])
    ground = forms.ChoiceField(label="事由", required=False, choices=[("", "全部"), *P.Ground.choices])


def _filtered(request: HttpRequest, qs):
    filters = ProposalFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = search_proposals(
        qs, status=values.get("status", ""), ground=values.get("ground", ""), q=values.get("q", "")
    )
    return filters, list_page(request, qs.order_by("-proposed_at", "-id"))


@login_required
@application_errors_as_http
def proposal_list(request: HttpRequest) -> HttpResponse:
    filters, page = _filtered(request, proposals_for(request.user))
    return render(
        request,
        "exams/conduct/list.html",
        {"filters": filters, "page": page, "may_raise": bool(_raisable_plans(request.user))},
    )


@login_required
@application_errors_as_http
def my_conduct(request: HttpRequest) -> HttpResponse:
    """我的考评记录: the examiner's own duties' attendance, proposals and decisions."""
    if not (is_examiner(request.user) and getattr(request.user, "person_id", None)):
        raise PermissionDenied("只有考评员可以查看本人的考评记录")
    filters, page = _filtered(request, own_proposals(request.user))
    duties = (
        RoomStaff.objects.filter(examiner__person_id=request.user.person_id)
        .select_related("room__session__plan", "attendance")
        .order_by("-room__session__starts_at", "-id")[:50]
    )
    return render(request, "exams/conduct/mine.html", {"filters": filters, "page": page, "duties": duties})


class ConfirmForm(forms.Form):
    sanction = forms.ChoiceField(label="处理决定", choices=[("", "请选择"), *P.Sanction.choices])
    reason = forms.CharField(label="决定理由", max_length=500, widget=forms.Textarea({"rows": 3}))


class DismissForm(forms.Form):
    reason = forms.CharField(label="不予处理的理由", max_length=500, widget=forms.Textarea({"rows": 3}))


class AppealForm(forms.Form):
    text = forms.CharField(
        label="申诉理由",
        max_length=2000,
        widget=forms.Textarea({"rows": 4, "placeholder": "写明事实和理由,如缺席已事先请假并经机构同意"}),
    )


@login_required
@application_errors_as_http
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get(request.user, pk)
    deciding = proposal.status == P.Status.PROPOSED and may_decide(request.user, proposal)
    appeal = SanctionAppeal.objects.filter(proposal=proposal).select_related("filed_by").first()
    appealable = (
        is_subject(request.user, proposal) and appeal is None and proposal.status != P.Status.DISMISSED
    )
    return render(
        request,
        "exams/conduct/detail.html",
        {
            "proposal": proposal,
            "duties": evidence(proposal),
            "appeal": appeal,
            "deciding": deciding,
            "confirm_form": ConfirmForm(initial={"sanction": proposal.proposed_sanction})
            if deciding
            else None,
            "dismiss_form": DismissForm() if deciding else None,
            "appeal_form": AppealForm() if appealable else None,
        },
    )


def _back(proposal: SanctionProposal) -> str:
    return reverse("exams:conduct_detail", args=[proposal.pk])


@login_required
@require_POST
@application_errors_as_http
def proposal_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.proposal_confirm(
            actor=request.user,
            proposal=proposal,
            sanction=request.POST.get("sanction"),
            reason=request.POST.get("reason"),
            row_version=request.POST.get("row_version"),
        ),
        "已作出处理决定",
        _back(proposal),
    )


@login_required
@require_POST
@application_errors_as_http
def proposal_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.proposal_dismiss(
            actor=request.user,
            proposal=proposal,
            reason=request.POST.get("reason"),
            row_version=request.POST.get("row_version"),
        ),
        "已决定不予处理",
        _back(proposal),
    )


@login_required
@require_POST
@application_errors_as_http
def proposal_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get(request.user, pk)
    return run_and_flash(
        request,
        lambda: services.appeal_file(actor=request.user, proposal=proposal, text=request.POST.get("text")),
        "申诉已提交",
        _back(proposal),
    )


# ------------------------------------------------------------------------------------------ raising


def _raisable_plans(user: Any) -> list:
    """Plans of batches where the user may raise a proposal: the institution's users, live supervisors."""
    plans = selectors.plans_for(user).select_related("batch").order_by("-batch__starts_at")[:200]
    return [p for p in plans if may_run(user, p.batch) or supervises_batch(user, p.batch)]


class RaiseForm(forms.Form):
    batch = forms.TypedChoiceField(label="评价批次", coerce=int)
    examiner = forms.TypedChoiceField(label="考评员", coerce=int)
    ground = forms.ChoiceField(label="事由")
    sanction = forms.ChoiceField(
        label="建议处理(仅“其他严重情形”须选)",
        required=False,
        choices=[("", "按事由确定"), *P.Sanction.choices],
    )
    facts = forms.CharField(
        label="事实与理由",
        max_length=2000,
        widget=forms.Textarea({"rows": 4, "placeholder": "时间、地点、经过,证明材料"}),
    )

    def __init__(self, *args: Any, plans: list, supervisor: bool, institution: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["batch"].choices = [("", "请选择")] + [
            (p.batch_id, f"{p.batch.code} {p.title}") for p in plans
        ]
        served = (
            Examiner.objects.filter(room_duties__room__session__plan__in=plans)
            .select_related("person")
            .distinct()
            .order_by("person__name")
        )
        self.fields["examiner"].choices = [("", "请选择")] + [(e.pk, e.person.name) for e in served]
        grounds = [P.Ground.REFUSED_SUPERVISION, P.Ground.SCORING_RULES]
        if supervisor:
            grounds.append(P.Ground.DISQUALIFICATION)
        if institution:
            grounds.append(P.Ground.OTHER)
        else:
            del self.fields["sanction"]  # only "other" takes a sanction, and only the institution raises it
        self.fields["ground"].choices = [("", "请选择")] + [(g.value, g.label) for g in grounds]


@login_required
@application_errors_as_http
def proposal_new(request: HttpRequest) -> HttpResponse:
    plans = _raisable_plans(request.user)
    if not plans:
        raise PermissionDenied("只有评价机构工作人员或在岗督导员可以提出处理建议")
    institution = any(may_run(request.user, p.batch) for p in plans)
    supervisor = any(supervises_batch(request.user, p.batch) for p in plans)
    form = RaiseForm(request.POST or None, plans=plans, supervisor=supervisor, institution=institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        batch = next(p.batch for p in plans if p.batch_id == data["batch"])
        examiner = Examiner.objects.select_related("person").get(pk=data["examiner"])
        done, proposal = run_form(
            form,
            lambda: services.proposal_raise(
                actor=request.user,
                examiner=examiner,
                batch=batch,
                ground=data["ground"],
                facts=data["facts"],
                sanction=data.get("sanction") or None,
            ),
        )
        if done:
            return redirect("exams:conduct_detail", proposal.pk)
    return render(request, "exams/conduct/new.html", {"form": form})
