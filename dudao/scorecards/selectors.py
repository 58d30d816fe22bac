"""Reads of score forms and evaluations, scoped by the user (see permissions.py) and N+1-free."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from dudao.accounts.models import User
from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import NotFound

from . import domain
from .models import Evaluation, EvaluationItemNote, EvaluationMember, Evidence, ScoreFormVersion
from .permissions import EVALUATOR_ROLES, PUBLISHED_STATUSES, eligible_evaluator, user_region_prefix

_LIST_DEFER = ("answers", "answer_meta", "result", "form_version__definition")

# --------------------------------------------------------------------------------------------- forms


def form_versions(*, current_only: bool = False, form_id: str | None = None) -> QuerySet[ScoreFormVersion]:
    """Loaded form versions, newest first per form (definition text deferred)."""
    qs = ScoreFormVersion.objects.defer("definition").select_related("loaded_by")
    if current_only:
        qs = qs.filter(is_current=True)
    if form_id:
        qs = qs.filter(form_id=form_id)
    return qs.order_by("form_id", "-version")


def form_version_get(form_id: str, version: int | None = None) -> ScoreFormVersion:
    """One loaded version (the current one when `version` is None); NotFound otherwise."""
    qs = ScoreFormVersion.objects.filter(form_id=form_id)
    row = qs.filter(version=version).first() if version is not None else qs.filter(is_current=True).first()
    if row is None:
        which = f"第 {version} 版" if version is not None else ""
        raise NotFound(f"评估表 {form_id}{which}不存在或尚未载入")
    return row


def form_for_scoring(form_id: str, version: int | None = None) -> domain.ScoreForm:
    """The form to score against: the loaded version (current by default), else the shipped file."""
    try:
        return form_version_get(form_id, version).form
    except NotFound:
        shipped = domain.shipped_forms().get(form_id)
        if shipped is not None and (version is None or version == shipped.version):
            return shipped
        raise


# --------------------------------------------------------------------------------------------- scope


def evaluations_for(user: Any) -> QuerySet[Evaluation]:
    """Evaluations the user may read: region (authority users), membership, own institution once signed."""
    qs = Evaluation.objects.all()
    if is_superuser(user):
        return qs
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    condition = Q(Exists(EvaluationMember.objects.filter(evaluation=OuterRef("pk"), user_id=user.pk)))
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        if prefix:
            condition |= Q(institution__region__code__startswith=prefix)
    if is_institution_user(user):
        condition |= Q(institution_id=user.institution_id, status__in=PUBLISHED_STATUSES)
    return qs.filter(condition)


def evaluation_list(
    user: Any,
    *,
    institution: int | None = None,
    status: str | None = None,
    form: str | None = None,
    purpose: str | None = None,
    q: str | None = None,
) -> QuerySet[Evaluation]:
    """Scoped, filtered list (newest first) with institution, form version and leader joined."""
    qs = (
        evaluations_for(user)
        .select_related("institution", "form_version", "leader")
        .defer(*_LIST_DEFER)
        .order_by("-id")
    )
    if institution:
        qs = qs.filter(institution_id=institution)
    if status:
        qs = qs.filter(status=status)
    if form:
        qs = qs.filter(form_version__form_id=form)
    if purpose:
        qs = qs.filter(purpose=purpose)
    if q and q.strip():
        term = q.strip()
        qs = qs.filter(Q(institution__name__icontains=term) | Q(institution__uscc__icontains=term))
    return qs


def evaluation_get(user: Any, pk: Any, *, for_update: bool = False) -> Evaluation:
    """One evaluation in the user's scope with its group, notes and evidence; NotFound otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("评估不存在或无权查看") from None
    qs = evaluations_for(user).select_related(
        "institution", "institution__region", "authority", "form_version", "leader", "opened_by", "previous"
    )
    qs = qs.prefetch_related(
        Prefetch("memberships", queryset=EvaluationMember.objects.select_related("user")),
        Prefetch("notes", queryset=EvaluationItemNote.objects.order_by("id")),
        Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by").order_by("id")),
    )
    evaluation = qs.filter(pk=pk).first()
    if evaluation is None:
        raise NotFound("评估不存在或无权查看")
    return evaluation


def evidence_get(user: Any, evaluation_pk: Any, evidence_pk: Any) -> Evidence:
    """An evidence file of an evaluation the user may read; NotFound otherwise."""
    evaluation = evaluation_get(user, evaluation_pk)
    try:
        evidence_pk = int(evidence_pk)
    except (TypeError, ValueError):
        raise NotFound("证据文件不存在或无权查看") from None
    for evidence in evaluation.evidence.all():
        if evidence.pk == evidence_pk:
            evidence.evaluation = evaluation
            return evidence
    raise NotFound("证据文件不存在或无权查看")


def evaluation_history(user: Any, evaluation: Evaluation) -> list[Evaluation]:
    """Every version of the evaluation's correction chain the user may read, oldest first."""
    ids = [evaluation.pk]
    cursor = evaluation.previous_id
    while cursor is not None and len(ids) < 100:
        ids.append(cursor)
        cursor = Evaluation.objects.filter(pk=cursor).values_list("previous_id", flat=True).first()
    frontier = [evaluation.pk]
    while frontier and len(ids) < 100:
        frontier = list(Evaluation.objects.filter(previous_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return list(
        evaluations_for(user)
        .filter(pk__in=ids)
        .select_related("leader", "opened_by")
        .defer(*_LIST_DEFER[:3])
        .order_by("version_no", "id")
    )


def latest_signed_version(evaluation: Evaluation) -> Evaluation | None:
    """The signed version that currently stands for this evaluation's chain (follows corrections)."""
    current: Evaluation | None = evaluation if evaluation.status == Evaluation.Status.SIGNED else None
    cursor = evaluation
    for _ in range(100):
        nxt = Evaluation.objects.filter(previous=cursor).exclude(status=Evaluation.Status.CANCELLED).first()
        if nxt is None:
            break
        if nxt.status == Evaluation.Status.SIGNED:
            current = nxt
        cursor = nxt
    return current


# --------------------------------------------------------------------------------------------- people


def eligible_evaluators(institution: Any) -> list[User]:
    """Active authority-side users (admins, staff, external supervisors) whose region covers `institution`."""
    code = institution.region_id or ""
    candidates = {code[:2] + "0000", code[:4] + "00", code}
    users = (
        User.objects.filter(is_active=True, role__in=EVALUATOR_ROLES, authority__region_id__in=candidates)
        .select_related("authority__region")
        .order_by("authority__region_id", "role", "username")
    )
    return [u for u in users if eligible_evaluator(u, institution)]


def institutions_for_opening(user: Any) -> QuerySet:
    """Institutions the user may open an evaluation of (superuser: all; authority users: their region)."""
    from dudao.registry.models import Institution

    qs = Institution.objects.select_related("region").order_by("name")
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return qs.filter(region__code__startswith=prefix) if prefix else qs.none()
    return qs.none()


def institution_visible(user: Any, institution: Any) -> bool:
    """Whether the user may know the institution exists (to choose 404 or 403 on a refused open)."""
    if is_superuser(user):
        return True
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return bool(prefix and institution.region_id.startswith(prefix))
    return bool(is_institution_user(user) and user.institution_id == institution.pk)
