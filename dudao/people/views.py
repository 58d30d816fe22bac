"""Pages of the people app: supervisors, examiners, persons, cards, contract terms and relations.

Reads go through selectors (out of scope → 404), writes through services; ID numbers are shown
masked, the full number only through the audited reveal action.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_POST

from dudao.accounts.permissions import can_reveal_pii
from dudao.common.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from dudao.common.exports import export_model_list, mask_phone
from dudao.registry.models import Institution
from dudao.web.imports import import_view
from dudao.web.kit import (
    application_errors_as_http,
    export_response,
    list_page,
    place_errors,
    run_and_flash,
    run_form,
    safe_next,
)
from dudao.web.sorting import sort_list

from . import domain, excel, forms, selectors, services
from .models import Examiner, Supervisor
from .permissions import can_change_examiner, can_change_person, can_change_supervisor, can_declare_relation

MAX_EXPORT_ROWS = 50_000
# Sortable columns of the lists (dudao.web.sorting).
SUPERVISOR_SORTS = {
    "name": "person__name",
    "kind": "kind",
    "unit": ("authority__name", "institution__name"),
    "status": "status",
}
EXAMINER_SORTS = {"name": "person__name", "authority": "authority__name", "active": "is_active"}
PERSON_SORTS = {"name": "name", "gender": "gender", "employer": "employer_name"}


def _mark_focus(form, order: Sequence[str]) -> None:
    """`form.focus`: the first field in error (or the first field), so the page scrolls to the form."""
    form.focus = next((name for name in order if form.has_error(name)), order[0])


def _export_queryset(qs):
    return qs[:MAX_EXPORT_ROWS]


def _export(request, model, label: str, columns, rows) -> bytes:
    """The list's rows (ID numbers masked; phones too unless the reader may reveal personal data)."""
    reveal = bool(can_reveal_pii(request.user))
    if not reveal:
        rows = ({**row, "phone": mask_phone(row.get("phone"))} for row in rows)
    return export_model_list(request, model, label, columns, rows, revealed=reveal, max_rows=MAX_EXPORT_ROWS)


# --------------------------------------------------------------------------------------- supervisors


def _supervisor_filters(form) -> selectors.SupervisorFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.SupervisorFilters(
        q=data.get("q") or "",
        kind=data.get("kind") or "",
        status=data.get("status") or "",
        card_state=data.get("card_state") or "",
    )


def _card_rows(cards, state_fn, at):
    return [
        {"card": c, "state": state_fn(c, at), "state_label": domain.CARD_STATE_LABELS[state_fn(c, at)]}
        for c in cards
    ]


@login_required
def supervisor_list(request):
    form = forms.SupervisorFilterForm(request.GET or None)
    at = selectors.today()
    qs = selectors.supervisor_list(request.user, _supervisor_filters(form), at=at)
    page = list_page(request, sort_list(request, qs, SUPERVISOR_SORTS))
    rows = []
    for sup in page.items:
        card = selectors.current_card(list(sup.cards.all()))
        state = selectors.supervisor_card_state(card, at) if card else ""
        rows.append(
            {
                "supervisor": sup,
                "card": card,
                "state": state,
                "state_label": domain.CARD_STATE_LABELS.get(state, ""),
            }
        )
    return render(
        request,
        "people/supervisor_list.html",
        {
            "filters": form,
            "page": page,
            "rows": rows,
            "can_create": services.may_create_supervisors(request.user),
        },
    )


@login_required
@application_errors_as_http
def supervisor_detail(request, pk: int):
    return _supervisor_page(request, selectors.supervisor_detail(request.user, pk))


def _supervisor_page(request, supervisor, *, card_form=None, relation_form=None):
    """The supervisor page; a bound form with errors is shown open with the user's input (M3, M4)."""
    at = selectors.today()
    cards = _card_rows(supervisor.cards.all(), selectors.supervisor_card_state, at)
    contracts = list(supervisor.contracts.all())
    can_edit = bool(can_change_supervisor(request.user, supervisor))
    return render(
        request,
        "people/supervisor_detail.html",
        {
            "supervisor": supervisor,
            "person": supervisor.person,
            "cards": cards,
            "contracts": [{"contract": c, "in_force": c.starts_on <= at <= c.ends_on} for c in contracts],
            "can_add_term": can_edit
            and len(contracts) < domain.MAX_TERMS
            and supervisor.status == Supervisor.Status.ACTIVE,
            "relations": list(
                selectors.relation_list(request.user, person=supervisor.person_id, include_withdrawn=True)
            ),
            "qualification_gaps": services.qualification_gaps(supervisor.qualification or {}),
            "basis_label": services.QUALIFICATION_BASIS.get(
                (supervisor.qualification or {}).get("basis", ""), ""
            ),
            "can_edit": can_edit,
            "can_issue": _can_issue(
                request,
                can_edit and supervisor.status == Supervisor.Status.ACTIVE and not _has_live_card(cards),
                card_form,
            ),
            "can_reveal": bool(can_reveal_pii(request.user)),
            "can_declare": bool(can_declare_relation(request.user, supervisor.person)),
            "status_actions": _supervisor_status_actions(supervisor) if can_edit else [],
            "card_form": card_form if card_form is not None else forms.CardIssueForm(),
            "replace_form": forms.ReplaceForm(),
            "contract_form": forms.ContractForm(),
            "relation_form": relation_form if relation_form is not None else forms.RelationForm(),
            "today": at,
        },
    )


def _can_issue(request, allowed: bool, card_form) -> bool:
    """Whether the issue form is shown; if a refused form cannot be shown any more (a card was issued
    meanwhile, the holder was suspended), its errors go to the page's message area instead."""
    if not allowed and card_form is not None and card_form.errors:
        errors = [e for errs in card_form.errors.values() for e in errs]
        messages.error(request, "证卡未发放:" + ";".join(errors))
    return allowed


def _has_live_card(card_rows) -> bool:
    """A holder keeps one live card: a new one is issued only when none is valid, lost or re-issuing."""
    return any(row["state"] in ("valid", "not_yet_valid", "lost", "reissuing") for row in card_rows)


def _supervisor_status_actions(supervisor) -> list[dict[str, Any]]:
    labels = {
        "active": ("恢复", "btn-outline-success", False),
        "suspended": ("暂停", "btn-outline-warning", False),
        "dismissed": ("解聘", "btn-outline-danger", True),
        "revoked": ("吊销资格", "btn-danger", True),
    }
    allowed = services.SUPERVISOR_TRANSITIONS.get(supervisor.status, {})
    return [
        {"to": to, "label": labels[to][0], "css": labels[to][1], "confirm": labels[to][2]}
        for to in ("active", "suspended", "dismissed", "revoked")
        if to in allowed
    ]


@login_required
@application_errors_as_http
def supervisor_create(request):
    if not services.may_create_supervisors(request.user):
        raise DjangoPermissionDenied("没有新增督导员的权限")
    form = forms.SupervisorCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                person, person_data = services.resolve_person_input(
                    actor=request.user,
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    employer_name=data["employer_name"],
                )
                supervisor = services.supervisor_create(
                    actor=request.user,
                    kind=data["kind"],
                    person=person,
                    person_data=person_data,
                    authority=data.get("authority"),
                    institution=data.get("institution"),
                    qualification=form.qualification(),
                )
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            place_errors(form, exc)
        else:
            messages.success(request, f"已新增督导员 {supervisor.person.name}")
            return redirect("people:supervisor_detail", pk=supervisor.pk)
    return render(request, "people/supervisor_form.html", {"form": form, "title": "新增质量督导员"})


@login_required
@application_errors_as_http
def supervisor_edit(request, pk: int):
    supervisor = selectors.get_or_404(
        selectors.supervisors_for(request.user).select_related("person", "authority", "institution"), pk
    )
    if not can_change_supervisor(request.user, supervisor):
        raise DjangoPermissionDenied("没有修改该督导员的权限")
    person = supervisor.person
    q = supervisor.qualification or {}
    initial = {
        "row_version": supervisor.row_version,
        "person_row_version": person.row_version,
        "name": person.name,
        "phone": person.phone,
        "employer_name": person.employer_name,
        "authority": supervisor.authority_id,
        **{
            k: q.get(k)
            for k in ("personal_conditions", "basis", "training_passed_on", "exam_passed_on", "note")
        },
    }
    form = forms.SupervisorEditForm(
        request.POST or None, initial=initial, user=request.user, supervisor=supervisor
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                _update_person(request.user, person, data)
                changes: dict[str, Any] = {"qualification": form.qualification()}
                if "authority" in form.fields:
                    changes["authority"] = data["authority"]
                services.supervisor_update(
                    actor=request.user, supervisor=supervisor, row_version=data["row_version"], **changes
                )
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            place_errors(form, exc, {"id_number": "new_id_number"})
        else:
            messages.success(request, "已保存")
            return redirect("people:supervisor_detail", pk=supervisor.pk)
    return render(
        request,
        "people/supervisor_form.html",
        {
            "form": form,
            "title": f"编辑督导员:{person.name}",
            "supervisor": supervisor,
        },
    )


def _update_person(actor, person, data) -> None:
    changes = {"name": data["name"], "phone": data["phone"], "employer_name": data["employer_name"]}
    if data.get("new_id_number"):
        changes["id_number"] = data["new_id_number"]
    unchanged = (person.name, person.phone, person.employer_name) == (
        changes["name"].strip(),
        changes["phone"].strip(),
        changes["employer_name"].strip(),
    ) and "id_number" not in changes
    if unchanged:
        if person.row_version != data["person_row_version"]:
            raise Conflict("数据已被他人修改,请刷新后重试", code="stale_version")
        return
    services.person_update(actor=actor, person=person, row_version=data["person_row_version"], **changes)


@login_required
@require_POST
@application_errors_as_http
def supervisor_status(request, pk: int):
    supervisor = selectors.get_or_404(selectors.supervisors_for(request.user), pk)
    form = forms.StatusForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    label = Supervisor.Status(data["to"]).label if data.get("to") in Supervisor.Status.values else ""
    return run_and_flash(
        request,
        lambda: services.supervisor_set_status(
            actor=request.user,
            supervisor=supervisor,
            to=data.get("to", ""),
            reason=data.get("reason", ""),
            row_version=data.get("row_version"),
        ),
        f"督导员状态已变更为「{label}」",
        safe_next(request, reverse("people:supervisor_detail", args=[pk])),
    )


@login_required
@require_POST
@application_errors_as_http
def supervisor_card_issue(request, pk: int):
    supervisor = selectors.get_or_404(selectors.supervisors_for(request.user), pk)
    form = forms.CardIssueForm(request.POST)
    if (
        form.is_valid()
        and run_form(
            form,
            lambda: services.supervisor_card_issue(
                actor=request.user,
                supervisor=supervisor,
                number=form.cleaned_data["number"],
                issued_on=form.cleaned_data["issued_on"],
                valid_until=form.cleaned_data["valid_until"],
            ),
            {"issuer": "number"},
        )[0]
    ):
        messages.success(request, "证卡已发放")
        return redirect("people:supervisor_detail", pk=pk)
    # M3: the page again, with the form open, the input kept and the errors next to the fields.
    _mark_focus(form, ("number", "issued_on", "valid_until"))
    return _supervisor_page(request, selectors.supervisor_detail(request.user, pk), card_form=form)


_CARD_ACTION_LABELS = {
    "lost": "已挂失",
    "valid": "已解除挂失",
    "reissuing": "已申请补办",
    "revoked": "证卡已吊销",
}


@login_required
@require_POST
@application_errors_as_http
def supervisor_card_status(request, pk: int):
    card = selectors.get_or_404(selectors.supervisor_cards_for(request.user).select_related("supervisor"), pk)
    form = forms.StatusForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return run_and_flash(
        request,
        lambda: services.supervisor_card_set_status(
            actor=request.user,
            card=card,
            to=data.get("to", ""),
            reason=data.get("reason", ""),
            row_version=data.get("row_version"),
        ),
        _CARD_ACTION_LABELS.get(data.get("to", ""), "已更新"),
        safe_next(request, reverse("people:supervisor_detail", args=[card.supervisor_id])),
    )


@login_required
@require_POST
@application_errors_as_http
def supervisor_card_replace(request, pk: int):
    card = selectors.get_or_404(selectors.supervisor_cards_for(request.user).select_related("supervisor"), pk)
    form = forms.ReplaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写新证卡号和补发日期")
        return redirect("people:supervisor_detail", pk=card.supervisor_id)
    data = form.cleaned_data
    return run_and_flash(
        request,
        lambda: services.supervisor_card_replace(
            actor=request.user,
            card=card,
            number=data["number"],
            issued_on=data["issued_on"],
            valid_until=data["valid_until"],
            row_version=data.get("row_version"),
        ),
        "新证已补发,旧证作废",
        safe_next(request, reverse("people:supervisor_detail", args=[card.supervisor_id])),
    )


@login_required
@require_POST
@application_errors_as_http
def supervisor_contract_add(request, pk: int):
    supervisor = selectors.get_or_404(selectors.supervisors_for(request.user), pk)
    form = forms.ContractForm(request.POST)
    if not form.is_valid():
        messages.error(request, "聘期起始日格式应为 YYYY-MM-DD")
        return redirect("people:supervisor_detail", pk=pk)
    starts_on = form.cleaned_data["starts_on"]

    # Without a date: renewal after the last term, or (no term yet) 「请填写首届聘期起始日」 (SUP-5).
    return run_and_flash(
        request,
        lambda: services.supervisor_contract_add(
            actor=request.user, supervisor=supervisor, starts_on=starts_on
        ),
        "聘期已登记",
        safe_next(request, reverse("people:supervisor_detail", args=[pk])),
    )


@login_required
@application_errors_as_http
def supervisor_import(request):
    if not services.may_create_supervisors(request.user):
        raise DjangoPermissionDenied("没有导入督导员的权限")
    return import_view(
        request,
        columns=excel.SUPERVISOR_COLUMNS,
        kind="supervisors",
        template_name="web/import_page.html",
        success_url=reverse("people:supervisor_list"),
        sheet_name="督导员",
        example_rows=excel.SUPERVISOR_EXAMPLES,
        extra_context={
            "import_title": "导入质量督导员",
            "back_url": reverse("people:supervisor_list"),
            "back_label": "质量督导员",
        },
    )


@login_required
def supervisor_export(request):
    form = forms.SupervisorFilterForm(request.GET or None)
    at = selectors.today()
    qs = _export_queryset(selectors.supervisor_list(request.user, _supervisor_filters(form), at=at))
    data = _export(
        request, Supervisor, "督导员", excel.SUPERVISOR_EXPORT_COLUMNS, excel.supervisor_export_rows(qs, at)
    )
    return export_response(f"质量督导员_{at.isoformat()}.xlsx", data)


# --------------------------------------------------------------------------------------- examiners


def _examiner_filters(form) -> selectors.ExaminerFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.ExaminerFilters(
        q=data.get("q") or "",
        status=data.get("status") or "",
        card_state=data.get("card_state") or "",
        occupation=data.get("occupation") or "",
    )


@login_required
def examiner_list(request):
    form = forms.ExaminerFilterForm(request.GET or None)
    at = selectors.today()
    qs = selectors.examiner_list(request.user, _examiner_filters(form), at=at)
    page = list_page(request, sort_list(request, qs, EXAMINER_SORTS))
    rows = []
    for ex in page.items:
        card = selectors.current_card(list(ex.cards.all()))
        state = selectors.examiner_card_state(card, at) if card else ""
        rows.append(
            {
                "examiner": ex,
                "card": card,
                "state": state,
                "state_label": domain.CARD_STATE_LABELS.get(state, ""),
                "scopes": list(card.scopes.all()) if card else [],
            }
        )
    return render(
        request,
        "people/examiner_list.html",
        {
            "filters": form,
            "page": page,
            "rows": rows,
            "can_create": services.may_create_examiners(request.user),
        },
    )


@login_required
@application_errors_as_http
def examiner_detail(request, pk: int):
    return _examiner_page(request, selectors.examiner_detail(request.user, pk))


def _examiner_page(request, examiner, *, card_form=None, relation_form=None):
    """The examiner page; a bound form with errors is shown open with the user's input (M3, M4)."""
    at = selectors.today()
    cards = _card_rows(examiner.cards.all(), selectors.examiner_card_state, at)
    for row in cards:
        row["scopes"] = list(row["card"].scopes.all())
        row["lapses_on"] = domain.lapse_date(row["card"].valid_until)
    can_edit = bool(can_change_examiner(request.user, examiner))
    return render(
        request,
        "people/examiner_detail.html",
        {
            "examiner": examiner,
            "person": examiner.person,
            "cards": cards,
            "relations": list(
                selectors.relation_list(request.user, person=examiner.person_id, include_withdrawn=True)
            ),
            "can_edit": can_edit,
            "can_issue": _can_issue(
                request, can_edit and examiner.is_active and not _has_live_card(cards), card_form
            ),
            "can_reveal": bool(can_reveal_pii(request.user)),
            "can_declare": bool(can_declare_relation(request.user, examiner.person)),
            "card_form": card_form if card_form is not None else forms.ExaminerCardIssueForm(),
            "replace_form": forms.ReplaceForm(),
            "training_form": forms.TrainingForm(),
            "relation_form": relation_form if relation_form is not None else forms.RelationForm(),
            "today": at,
        },
    )


@login_required
@application_errors_as_http
def examiner_create(request):
    if not services.may_create_examiners(request.user):
        raise DjangoPermissionDenied("没有新增考评员的权限")
    form = forms.ExaminerCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                person, person_data = services.resolve_person_input(
                    actor=request.user,
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    employer_name=data["employer_name"],
                )
                examiner = services.examiner_create(
                    actor=request.user,
                    person=person,
                    person_data=person_data,
                    authority=data["authority"],
                    senior=data["senior"],
                )
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            place_errors(form, exc)
        else:
            messages.success(request, f"已新增考评员 {examiner.person.name}")
            return redirect("people:examiner_detail", pk=examiner.pk)
    return render(request, "people/examiner_form.html", {"form": form, "title": "新增考评员"})


@login_required
@application_errors_as_http
def examiner_edit(request, pk: int):
    examiner = selectors.get_or_404(
        selectors.examiners_for(request.user).select_related("person", "authority"), pk
    )
    if not can_change_examiner(request.user, examiner):
        raise DjangoPermissionDenied("没有修改该考评员的权限")
    person = examiner.person
    initial = {
        "row_version": examiner.row_version,
        "person_row_version": person.row_version,
        "name": person.name,
        "phone": person.phone,
        "employer_name": person.employer_name,
        "authority": examiner.authority_id,
        "senior": examiner.senior,
    }
    form = forms.ExaminerEditForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                _update_person(request.user, person, data)
                services.examiner_update(
                    actor=request.user,
                    examiner=examiner,
                    row_version=data["row_version"],
                    senior=data["senior"],
                    authority=data["authority"],
                )
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            place_errors(form, exc, {"id_number": "new_id_number"})
        else:
            messages.success(request, "已保存")
            return redirect("people:examiner_detail", pk=examiner.pk)
    return render(
        request,
        "people/examiner_form.html",
        {
            "form": form,
            "title": f"编辑考评员:{person.name}",
            "examiner": examiner,
        },
    )


@login_required
@require_POST
@application_errors_as_http
def examiner_status(request, pk: int):
    examiner = selectors.get_or_404(selectors.examiners_for(request.user), pk)
    form = forms.StatusForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return run_and_flash(
        request,
        lambda: services.examiner_set_status(
            actor=request.user,
            examiner=examiner,
            to=data.get("to", ""),
            reason=data.get("reason", ""),
            row_version=data.get("row_version"),
        ),
        "考评员状态已更新",
        safe_next(request, reverse("people:examiner_detail", args=[pk])),
    )


@login_required
@require_POST
@application_errors_as_http
def examiner_card_issue(request, pk: int):
    examiner = selectors.get_or_404(selectors.examiners_for(request.user), pk)
    form = forms.ExaminerCardIssueForm(request.POST)
    if (
        form.is_valid()
        and run_form(
            form,
            lambda: services.examiner_card_issue(
                actor=request.user,
                examiner=examiner,
                number=form.cleaned_data["number"],
                issued_on=form.cleaned_data["issued_on"],
                valid_until=form.cleaned_data["valid_until"],
                scopes=form.scope_items(),
            ),
        )[0]
    ):
        messages.success(request, "证卡已发放")
        return redirect("people:examiner_detail", pk=pk)
    # M3: the page again, with the form open, the input kept and the errors next to the fields.
    _mark_focus(form, ("number", "issued_on", "valid_until", "scopes"))
    return _examiner_page(request, selectors.examiner_detail(request.user, pk), card_form=form)


def _examiner_card(request, pk: int):
    return selectors.get_or_404(
        selectors.examiner_cards_for(request.user).select_related("examiner", "examiner__authority"), pk
    )


@login_required
@require_POST
@application_errors_as_http
def examiner_card_status(request, pk: int):
    card = _examiner_card(request, pk)
    form = forms.StatusForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return run_and_flash(
        request,
        lambda: services.examiner_card_set_status(
            actor=request.user,
            card=card,
            to=data.get("to", ""),
            reason=data.get("reason", ""),
            row_version=data.get("row_version"),
        ),
        _CARD_ACTION_LABELS.get(data.get("to", ""), "已更新"),
        safe_next(request, reverse("people:examiner_detail", args=[card.examiner_id])),
    )


@login_required
@require_POST
@application_errors_as_http
def examiner_card_replace(request, pk: int):
    card = _examiner_card(request, pk)
    form = forms.ReplaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写新证卡号和补发日期")
        return redirect("people:examiner_detail", pk=card.examiner_id)
    data = form.cleaned_data
    return run_and_flash(
        request,
        lambda: services.examiner_card_replace(
            actor=request.user,
            card=card,
            number=data["number"],
            issued_on=data["issued_on"],
            valid_until=data["valid_until"],
            row_version=data.get("row_version"),
        ),
        "新证已补发,旧证作废",
        safe_next(request, reverse("people:examiner_detail", args=[card.examiner_id])),
    )


@login_required
@require_POST
@application_errors_as_http
def examiner_card_training(request, pk: int):
    card = _examiner_card(request, pk)
    form = forms.TrainingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写延续培训日期")
        return redirect("people:examiner_detail", pk=card.examiner_id)
    return run_and_flash(
        request,
        lambda: services.examiner_card_renew_training(
            actor=request.user,
            card=card,
            trained_on=form.cleaned_data["trained_on"],
            row_version=form.cleaned_data.get("row_version"),
        ),
        "已登记延续培训,有效期顺延 3 年",
        safe_next(request, reverse("people:examiner_detail", args=[card.examiner_id])),
    )


@login_required
@application_errors_as_http
def examiner_import(request):
    if not services.may_create_examiners(request.user):
        raise DjangoPermissionDenied("没有导入考评员的权限")
    return import_view(
        request,
        columns=excel.EXAMINER_COLUMNS,
        kind="examiners",
        template_name="web/import_page.html",
        success_url=reverse("people:examiner_list"),
        sheet_name="考评员",
        example_rows=excel.EXAMINER_EXAMPLES,
        extra_context={
            "import_title": "导入考评员",
            "back_url": reverse("people:examiner_list"),
            "back_label": "考评员",
        },
    )


@login_required
def examiner_export(request):
    form = forms.ExaminerFilterForm(request.GET or None)
    at = selectors.today()
    qs = _export_queryset(selectors.examiner_list(request.user, _examiner_filters(form), at=at))
    data = _export(
        request, Examiner, "考评员", excel.EXAMINER_EXPORT_COLUMNS, excel.examiner_export_rows(qs, at)
    )
    return export_response(f"考评员_{at.isoformat()}.xlsx", data)


# ----------------------------------------------------------------------------------- persons and relations


@login_required
def person_list(request):
    form = forms.PersonSearchForm(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    qs = (
        selectors.person_list(request.user, q).prefetch_related("supervisor_roles").select_related("examiner")
    )
    page = list_page(request, sort_list(request, qs, PERSON_SORTS))
    return render(request, "people/person_list.html", {"filters": form, "page": page, "q": q})


def _person_for_page(request, pk: int):
    return selectors.get_or_404(
        selectors.persons_for(request.user).select_related("employer", "registered_by"), pk
    )


@login_required
@application_errors_as_http
def person_detail(request, pk: int):
    return _person_page(request, _person_for_page(request, pk))


def _person_page(request, person, *, relation_form=None):
    """The person page; a bound relation form with errors is shown open with the user's input (M4)."""
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "supervisors": list(
                selectors.supervisors_for(request.user)
                .filter(person=person)
                .select_related("authority", "institution")
            ),
            "examiner": selectors.examiners_for(request.user).filter(person=person).first(),
            "relations": list(
                selectors.relation_list(request.user, person=person.pk, include_withdrawn=True)
            ),
            "can_reveal": bool(can_reveal_pii(request.user)),
            "can_declare": bool(can_declare_relation(request.user, person)),
            "can_edit": bool(can_change_person(request.user, person)),
            "relation_form": relation_form if relation_form is not None else forms.RelationForm(),
        },
    )


@login_required
@require_POST
@application_errors_as_http
def person_reveal(request, pk: int):
    """The full ID number (audited); htmx swaps it into the page, a plain POST gets a small page."""
    person = selectors.get_or_404(selectors.persons_for(request.user), pk)
    number = services.person_reveal_id(actor=request.user, person=person)
    template = "people/partials/revealed_id.html" if request.htmx else "people/revealed_id.html"
    response = render(request, template, {"person": person, "number": number})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@application_errors_as_http
def relation_add(request, pk: int):
    person = selectors.get_or_404(selectors.persons_for(request.user), pk)
    form = forms.RelationForm(request.POST)

    def act():
        data = form.cleaned_data
        institution = None
        if data["institution_uscc"]:
            institution = Institution.objects.filter(uscc=data["institution_uscc"].strip().upper()).first()
            if institution is None:
                message = "关系机构的统一社会信用代码不存在"
                raise ValidationFailed(message, detail={"institution_uscc": [message]})
        return services.relation_declare(
            actor=request.user,
            person=person,
            kind=data["kind"],
            other_id_number=data["other_id_number"] or None,
            other_name=data["other_name"],
            institution=institution,
            note=data["note"],
        )

    if form.is_valid() and run_form(form, act)[0]:
        messages.success(request, "关系已申报")
        return redirect(safe_next(request, reverse("people:person_detail", args=[pk])))
    # M4: the page the form was sent from, with the form open, the input kept and the errors shown.
    _mark_focus(form, ("kind", "other_name", "other_id_number", "institution_uscc", "note"))
    return _relation_error_page(request, person, form)


def _relation_error_page(request, person, form):
    """Re-render the page named by `next` (a supervisor or examiner page of this person, in scope),
    else the person page."""
    target = safe_next(request, "")
    match = None
    if target:
        try:
            match = resolve(urlsplit(target).path)
        except Resolver404:
            match = None
    try:
        if match is not None and match.view_name == "people:supervisor_detail":
            supervisor = selectors.supervisor_detail(request.user, match.kwargs["pk"])
            if supervisor.person_id == person.pk:
                return _supervisor_page(request, supervisor, relation_form=form)
        elif match is not None and match.view_name == "people:examiner_detail":
            examiner = selectors.examiner_detail(request.user, match.kwargs["pk"])
            if examiner.person_id == person.pk:
                return _examiner_page(request, examiner, relation_form=form)
    except NotFound:
        pass
    return _person_page(request, _person_for_page(request, person.pk), relation_form=form)


@login_required
@require_POST
@application_errors_as_http
def relation_withdraw(request, pk: int):
    relation = selectors.get_or_404(selectors.relations_for(request.user).select_related("person"), pk)
    return run_and_flash(
        request,
        lambda: services.relation_withdraw(
            actor=request.user, relation=relation, row_version=request.POST.get("row_version")
        ),
        "关系已撤回",
        safe_next(request, reverse("people:person_detail", args=[relation.person_id])),
    )
