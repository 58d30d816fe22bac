"""Writers of the scorecards app: form versions and evaluations (FORM-A, FORM-B, REN-4).

Evaluation workflow (TRANSITIONS): draft → submitted → signed (→ superseded when a correction is
signed); draft/submitted → cancelled; submitted → draft (the leader reopens). Signed evaluations are
immutable: every writer refuses them with IllegalTransition; a correction is a new draft version that
points to the old one (`previous`), made with the same form version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.domain import canonical_json, digest, preferred_hash_algorithm
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)
from dudao.common.files import store_upload
from dudao.common.transitions import check_transition
from dudao.common.writes import check_version, checked_text, lock, save_fields

from . import domain, selectors
from .models import Evaluation, EvaluationItemNote, EvaluationMember, Evidence, ScoreFormVersion
from .permissions import (
    can_cancel_evaluation,
    can_correct_evaluation,
    can_fill_evaluation,
    can_load_form,
    can_open_for,
    can_reopen_evaluation,
    can_sign_evaluation,
    can_submit_evaluation,
    can_view_evaluation,
    eligible_evaluator,
    is_leader,
)

S = Evaluation.Status
NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 500
MAX_EVIDENCE_PER_ITEM = 30


def _system(user: Any, evaluation: Any) -> bool:
    """Transitions the services take on their own (a correction being signed supersedes the old one)."""
    return True


# status → {next status: predicate(user, evaluation)}; the only place the workflow is defined.
TRANSITIONS: Mapping[str, Mapping[str, Callable[[Any, Any], bool]]] = {
    S.DRAFT: {S.SUBMITTED: can_submit_evaluation, S.CANCELLED: can_cancel_evaluation},
    S.SUBMITTED: {
        S.DRAFT: can_reopen_evaluation,
        S.SIGNED: can_sign_evaluation,
        S.CANCELLED: can_cancel_evaluation,
    },
    S.SIGNED: {S.SUPERSEDED: _system},
    S.SUPERSEDED: {},
    S.CANCELLED: {},
}

# Why an evaluation in this status cannot be changed (answers, notes, evidence, transitions).
_FROZEN = {
    S.SUBMITTED: "评估已提交、等待签名,不能再修改;如需修改,请评估组长退回填写",
    S.SIGNED: "评估已签署,不能修改;如需更正,请发起更正(生成新版本)",
    S.SUPERSEDED: "该评估已被更正版本取代,不能修改",
    S.CANCELLED: "评估已作废,不能修改",
}
_ACTION_LABELS = {
    S.SUBMITTED: "提交",
    S.DRAFT: "退回填写",
    S.SIGNED: "签名",
    S.CANCELLED: "作废",
    S.SUPERSEDED: "更正",
}

_DENIED = {
    S.SUBMITTED: "只有评估组长可以提交评估",
    S.DRAFT: "只有评估组长可以退回填写",
    S.SIGNED: "只有评估组成员可以签名",
    S.CANCELLED: "只有本地区委派机构工作人员或评估组长可以作废评估",
}


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()  # `evaluation_answer(value=KEEP)`: change the note only


# --------------------------------------------------------------------------------------------- helpers


def _cents(value: Decimal) -> Decimal:
    """Totals are stored with 2 decimals (item points have at most 2, counts are integers)."""
    return value.quantize(domain.CENT)


def _now() -> dt.datetime:
    return timezone.now()


def _visible(actor: Any, evaluation: Evaluation) -> None:
    """Out of the actor's scope → 404, as if the evaluation did not exist (nothing is revealed)."""
    if not can_view_evaluation(actor, evaluation):
        raise NotFound("评估不存在或无权查看")


def _require_draft(evaluation: Evaluation) -> None:
    if evaluation.status != S.DRAFT:
        raise IllegalTransition(_FROZEN[evaluation.status], detail={"status": evaluation.status})


def _check_transition(evaluation: Evaluation, to: str, actor: Any) -> None:
    """The TRANSITIONS table decides (the shared helper); an illegal move says why in Chinese."""
    reason = _FROZEN.get(evaluation.status)
    if reason is None:  # draft → signed, draft → draft …
        label = evaluation.get_status_display()
        reason = f"评估当前状态为「{label}」,不能{_ACTION_LABELS.get(to, '执行此操作')}"
    check_transition(TRANSITIONS, evaluation, to, actor, message=reason, denied=_DENIED.get(to))


def _plain(value: Any) -> Any:
    """Answers as stored JSON: tuples become lists."""
    return list(value) if isinstance(value, tuple) else value


def _group(institution: Any, leader: Any, members: Iterable[Any] | None) -> list[Any]:
    """Leader first, then the other members (the leader is always a member); each must be eligible."""
    if leader is None:
        raise ValidationFailed("请指定评估组长", detail={"leader": ["请指定评估组长"]})
    group = [leader]
    seen = {leader.pk}
    for user in members or ():
        if user is not None and user.pk not in seen:
            group.append(user)
            seen.add(user.pk)
    problems = [
        f"{u.display_name or u.username} 不能担任评估组成员(须为本地区委派机构工作人员或外部督导员)"
        for u in group
        if not eligible_evaluator(u, institution)
    ]
    if problems:
        field = "leader" if not eligible_evaluator(leader, institution) else "members"
        raise ValidationFailed(problems[0], detail={field: problems})
    return group


# --------------------------------------------------------------------------------------------- forms


@transaction.atomic
def form_version_load(
    *, actor: Any, definition: str, source: str = "upload"
) -> tuple[ScoreFormVersion, bool]:
    """Load one form definition (YAML text) as a new version; returns (row, created).

    Linted first (FormInvalid lists every problem). The same (form id, version) with the same text
    is a no-op; with different text it is a Conflict: a changed form needs a new version number, and
    a new version never changes a past evaluation (each evaluation keeps its version, PROTECT).
    The highest version of a form id is the current one, used by newly opened evaluations.
    `actor=None` is the operator at the console (`dudao scorecards load`) or the shipped-forms loader.
    """
    if actor is not None and not can_load_form(actor):
        raise PermissionDenied("只有超级管理员或委派机构管理员可以载入评估表")
    if not isinstance(definition, str) or not definition.strip():
        raise ValidationFailed("评估表定义为空", detail={"definition": ["评估表定义为空"]})
    form = domain.load_form(definition)  # raises FormInvalid (422) with every lint error
    algorithm = preferred_hash_algorithm()
    text_digest = digest(definition, algorithm)
    existing = (
        ScoreFormVersion.objects.select_for_update().filter(form_id=form.id, version=form.version).first()
    )
    if existing is not None:
        if existing.definition == definition:
            return existing, False
        raise Conflict(
            f"评估表 {form.id} 第 {form.version} 版已载入且内容不同;修改后的评估表请使用新的版本号",
            detail={"version": [f"已存在第 {form.version} 版"]},
        )
    current = ScoreFormVersion.objects.select_for_update().filter(form_id=form.id, is_current=True).first()
    make_current = current is None or form.version > current.version
    if make_current and current is not None:
        current.is_current = False
        save_fields(current, ["is_current"])
    row = ScoreFormVersion(
        form_id=form.id,
        version=form.version,
        title=form.title,
        definition=definition,
        digest=text_digest,
        digest_algorithm=algorithm,
        source=source,
        loaded_by=actor if getattr(actor, "pk", None) else None,
        is_current=make_current,
    )
    try:
        row.full_clean()
        with transaction.atomic():
            row.save(force_insert=True)
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    except IntegrityError:
        raise Conflict(f"评估表 {form.id} 第 {form.version} 版正在被他人同时载入,请刷新后重试") from None
    audit.record(
        actor=actor,
        action="scorecards.form_version.load",
        obj=row,
        after={
            **audit.snapshot(
                row, ["form_id", "version", "title", "digest", "digest_algorithm", "source", "is_current"]
            ),
            "replaced_current": current.version if make_current and current is not None else None,
        },
    )
    return row, True


def form_versions_load_shipped(*, actor: Any = None) -> list[tuple[ScoreFormVersion, bool]]:
    """Load every YAML shipped in dudao/scorecards/forms/ (idempotent; oldest version first)."""
    texts = []
    for path in sorted(domain.FORMS_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        form = domain.load_form(text)
        texts.append((form.id, form.version, text))
    return [
        form_version_load(actor=actor, definition=text, source="shipped")
        for _, _, text in sorted(texts, key=lambda t: (t[0], t[1]))
    ]


def form_versions_ensure_shipped() -> None:
    """Load the shipped forms that are not in the database yet (one query when all are there)."""
    shipped = {(f.id, f.version) for f in domain.shipped_forms().values()}
    loaded = set(
        ScoreFormVersion.objects.filter(form_id__in=[f for f, _ in shipped]).values_list("form_id", "version")
    )
    if not shipped <= loaded:
        form_versions_load_shipped(actor=None)


# --------------------------------------------------------------------------------------------- open

_DUPLICATE_OPEN = "该评价机构已有一份同类评估正在办理,请继续填写该评估;如需重新评估,请先将其作废"


def _refuse_duplicate_open(institution: Any, authority_id: int, form_id: str, purpose: str) -> None:
    """One open (draft or submitted) evaluation per institution, authority, form and purpose (issue 8 §5):
    a repeated or concurrent identical request gets 409 naming the evaluation already open."""
    open_one = (
        Evaluation.objects.filter(
            institution=institution,
            authority_id=authority_id,
            form_version__form_id=form_id,
            purpose=purpose,
            status__in=[S.DRAFT, S.SUBMITTED],
            previous__isnull=True,
        )
        .order_by("id")
        .first()
    )
    if open_one is not None:
        raise Conflict(
            f"该评价机构已有一份同类评估正在办理(评估 {open_one.pk} 号,{open_one.get_status_display()}),"
            "请继续填写该评估;如需重新评估,请先将其作废",
            detail={"evaluation": open_one.pk},
        )


@transaction.atomic
def evaluation_open(
    *,
    actor: Any,
    institution: Any,
    form_id: str,
    purpose: str,
    leader: Any,
    members: Iterable[Any] = (),
    note: str = "",
) -> Evaluation:
    """Open an evaluation of `institution` with the current version of `form_id`.

    Authority users whose region covers the institution (and superusers) open; the group is the
    leader plus `members` (≥ 1 evaluator: the leader is always a member), each an active authority
    admin/staff or external supervisor of a covering region (never the institution's own people).
    """
    if not can_open_for(actor, institution):
        if not selectors.institution_visible(actor, institution):
            raise NotFound("评价机构不存在或无权查看")
        raise PermissionDenied("只有本地区委派机构工作人员可以发起评估")
    if purpose not in Evaluation.Purpose.values:
        msg = f"评估目的 {purpose!r} 无效(可选:{'、'.join(Evaluation.Purpose.values)})"
        raise ValidationFailed(msg, detail={"purpose": [msg]})
    form_versions_ensure_shipped()
    try:
        form_version = selectors.form_version_get(form_id)
    except NotFound as exc:
        raise ValidationFailed(exc.message, detail={"form_id": [exc.message]}) from None
    group = _group(institution, leader, members)
    note = checked_text(note, "note", "说明", limit=255, required=False)
    form = form_version.form
    authority_id = getattr(actor, "authority_id", None) or institution.authority_id
    _refuse_duplicate_open(institution, authority_id, form_id, purpose)
    evaluation = Evaluation(
        institution=institution,
        authority_id=authority_id,
        form_version=form_version,
        purpose=purpose,
        note=note,
        opened_by=actor,
        leader=group[0],
        item_count=len(form.items),
    )
    try:
        evaluation.full_clean(validate_constraints=False)  # the one-open constraint is decided on insert
        with transaction.atomic():
            evaluation.save(force_insert=True)
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    except IntegrityError:
        # Lost the race: a concurrent identical request inserted first (evaluation_one_open_per_target).
        _refuse_duplicate_open(institution, authority_id, form_id, purpose)
        raise Conflict(_DUPLICATE_OPEN) from None
    EvaluationMember.objects.bulk_create(
        [EvaluationMember(evaluation=evaluation, user=u, is_leader=(i == 0)) for i, u in enumerate(group)]
    )
    audit.record(
        actor=actor,
        action="scorecards.evaluation.open",
        obj=evaluation,
        after={**audit.snapshot(evaluation), "members": [u.pk for u in group]},
    )
    return evaluation


# --------------------------------------------------------------------------------------------- fill


def _live(evaluation: Evaluation) -> domain.PartialScore:
    return domain.partial_score(evaluation.form, evaluation.answers)


@transaction.atomic
def evaluation_answer(
    *,
    actor: Any,
    evaluation: Evaluation | int,
    item_id: str,
    value: Any = KEEP,
    note: str | None = None,
    row_version: int | None = None,
    item_revision: int | None = None,
) -> Evaluation:
    """Save one item's answer and/or note (members only, draft only); recompute the live total.

    `value` is validated by the engine exactly as at scoring (choice key, true/false, count or list of
    counts); `None` clears the answer, `KEEP` leaves it. `note=None` leaves the note. Concurrency:
    `row_version` guards the whole evaluation, `item_revision` (from `answer_meta[item]["rev"]`) only
    this item, so members filling different items do not collide. Saving what is already stored
    changes nothing (a retry after a dropped connection is harmless).
    """
    ev = lock(Evaluation, evaluation)
    _visible(actor, ev)
    if not can_fill_evaluation(actor, ev):
        raise PermissionDenied("只有评估组成员可以填写评估")
    _require_draft(ev)
    form = ev.form
    if item_id not in {i.id for i in form.items}:
        raise domain.AnswersInvalid([(str(item_id), f"项目 {item_id}:评估表 {form.id} 中没有此项目")])

    old_value = ev.answers.get(item_id)
    answers = dict(ev.answers)
    if value is KEEP:
        new_value = old_value
    elif value is None:
        answers.pop(item_id, None)
        new_value = None
    else:
        domain.check_answer(form, item_id, value)  # AnswersInvalid names the item
        new_value = _plain(value)
        answers[item_id] = new_value

    note_row = EvaluationItemNote.objects.filter(evaluation=ev, item_id=item_id).first()
    old_note = note_row.note if note_row else ""
    new_note = (
        old_note
        if note is None
        else checked_text(note, "note", "说明", limit=NOTE_MAX_LENGTH, required=False)
    )
    if answers == ev.answers and new_note == old_note:
        return ev  # already stored: a retry of a save whose response was lost
    if row_version is not None:  # members filling different items send only the item revision (ADR 0003)
        check_version(ev, row_version)
    current_rev = int((ev.answer_meta.get(item_id) or {}).get("rev", 0))
    if item_revision is not None and item_revision != current_rev:
        raise Conflict(
            f"项目 {item_id} 已被他人修改,请刷新后重试",
            detail={"item_id": item_id, "item_revision": current_rev},
        )

    if new_note != old_note:
        if note_row is None:
            note_row = EvaluationItemNote(evaluation=ev, item_id=item_id, note=new_note, updated_by=actor)
            note_row.full_clean()
            note_row.save(force_insert=True)
        else:
            note_row.note = new_note
            note_row.updated_by = actor
            save_fields(note_row, ["note", "updated_by"])

    live = domain.partial_score(form, answers)
    answer_meta = dict(ev.answer_meta)
    answer_meta[item_id] = {"rev": current_rev + 1, "by": actor.pk, "at": _now().isoformat()}
    ev.answers = answers
    ev.answer_meta = answer_meta
    ev.total = _cents(live.total)
    ev.answered_count = live.answered
    save_fields(ev, ["answers", "answer_meta", "total", "answered_count"])
    audit.record(
        actor=actor,
        action="scorecards.evaluation.answer",
        obj=ev,
        before={"item": item_id, "value": old_value, "note": old_note},
        after={"item": item_id, "value": new_value, "note": new_note, "total": str(ev.total)},
    )
    return ev


@transaction.atomic
def evaluation_attach_evidence(
    *, actor: Any, evaluation: Evaluation | int, item_id: str, file: Any, name: str | None = None
) -> Evidence:
    """Attach an evidence file to an item ('' = the whole evaluation); members only, draft only.

    Size and type are checked by content (UploadRejected, 422) before anything is recorded; the bytes
    are stored once under their SHA-256.
    """
    ev = lock(Evaluation, evaluation)
    _visible(actor, ev)
    if not can_fill_evaluation(actor, ev):
        raise PermissionDenied("只有评估组成员可以上传证据")
    _require_draft(ev)
    item_id = (item_id or "").strip()
    if item_id and item_id not in {i.id for i in ev.form.items}:
        msg = f"项目 {item_id}:评估表 {ev.form.id} 中没有此项目"
        raise ValidationFailed(msg, detail={"item_id": [msg]})
    if Evidence.objects.filter(evaluation=ev, item_id=item_id).count() >= MAX_EVIDENCE_PER_ITEM:
        msg = f"每个项目最多上传 {MAX_EVIDENCE_PER_ITEM} 个证据文件"
        raise ValidationFailed(msg, detail={"file": [msg]})
    if file is None:
        raise ValidationFailed("请选择要上传的文件", detail={"file": ["请选择要上传的文件"]})
    stored = store_upload(file, name=name)
    evidence = Evidence(
        evaluation=ev,
        item_id=item_id,
        uploaded_by=actor,
        **stored.fields(),
    )
    evidence.full_clean()
    evidence.save(force_insert=True)
    audit.record(
        actor=actor, action="scorecards.evidence.attach", obj=evidence, after=audit.snapshot(evidence)
    )
    return evidence


@transaction.atomic
def evaluation_remove_evidence(*, actor: Any, evidence: Evidence | int) -> None:
    """Remove an evidence record (draft only; its uploader or the leader). The stored bytes are kept."""
    pk = evidence.pk if isinstance(evidence, Evidence) else evidence
    row = Evidence.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound("证据文件不存在或无权查看")
    ev = lock(Evaluation, row.evaluation_id)
    _visible(actor, ev)
    if not can_fill_evaluation(actor, ev) or (row.uploaded_by_id != actor.pk and not is_leader(actor, ev)):
        raise PermissionDenied("只有上传人或评估组长可以删除证据")
    _require_draft(ev)
    before = audit.snapshot(row)
    row.delete()
    audit.record(
        actor=actor,
        action="scorecards.evidence.remove",
        object_type="scorecards.evidence",
        object_id=pk,
        object_label=before.get("original_name", ""),
        before=before,
    )


# --------------------------------------------------------------------------------------------- workflow


def _content_digest(ev: Evaluation, result: domain.ScoreResult) -> str:
    """What the members sign: form version digest, answers, notes, evidence digests and the score."""
    notes = dict(
        EvaluationItemNote.objects.filter(evaluation=ev).exclude(note="").values_list("item_id", "note")
    )
    evidence = sorted(Evidence.objects.filter(evaluation=ev).values_list("item_id", "sha256"))
    payload = {
        "evaluation": ev.pk,
        "version_no": ev.version_no,
        "institution": ev.institution_id,
        "form": [ev.form_version.form_id, ev.form_version.version, ev.form_version.digest],
        "answers": ev.answers,
        "notes": notes,
        "evidence": evidence,
        "result": result.as_json(),
    }
    algorithm = preferred_hash_algorithm()
    return f"{algorithm}:{digest(canonical_json(payload), algorithm)}"


@transaction.atomic
def evaluation_submit(
    *, actor: Any, evaluation: Evaluation | int, row_version: int | None = None
) -> Evaluation:
    """The leader submits a fully answered draft: the engine's full score is stored, signing begins."""
    ev = lock(Evaluation, evaluation)
    _visible(actor, ev)
    _check_transition(ev, S.SUBMITTED, actor)
    check_version(ev, row_version)
    result = domain.score(ev.form, ev.answers)  # strict: AnswersInvalid lists every unanswered item
    before = audit.snapshot(ev)
    ev.status = S.SUBMITTED
    ev.total = _cents(result.total)
    ev.band = result.band
    ev.answered_count = len(result.items)
    ev.result = result.as_json()
    ev.submitted_at = _now()
    ev.content_digest = _content_digest(ev, result)
    save_fields(ev, ["status", "total", "band", "answered_count", "result", "submitted_at", "content_digest"])
    EvaluationMember.objects.filter(evaluation=ev).update(signed_at=None, signed_digest="")
    audit.record(
        actor=actor, action="scorecards.evaluation.submit", obj=ev, before=before, after=audit.snapshot(ev)
    )
    return ev


@transaction.atomic
def evaluation_reopen(
    *, actor: Any, evaluation: Evaluation | int, reason: str = "", row_version: int | None = None
) -> Evaluation:
    """The leader takes a submitted evaluation back to draft; signatures collected so far are void."""
    ev = lock(Evaluation, evaluation)
    _visible(actor, ev)
    _check_transition(ev, S.DRAFT, actor)
    check_version(ev, row_version)
    reason = checked_text(reason, "reason", "退回原因", limit=REASON_MAX_LENGTH, required=False)
    before = audit.snapshot(ev)
    ev.status = S.DRAFT
    ev.band = ""
    ev.result = None
    ev.submitted_at = None
    ev.content_digest = ""
    ev.total = _cents(_live(ev).total)
    save_fields(ev, ["status", "band", "result", "submitted_at", "content_digest", "total"])
    EvaluationMember.objects.filter(evaluation=ev).update(signed_at=None, signed_digest="")
    audit.record(
        actor=actor,
        action="scorecards.evaluation.reopen",
        obj=ev,
        before=before,
        after={**audit.snapshot(ev), "reason": reason},
    )
    return ev


@transaction.atomic
def evaluation_sign(
    *, actor: Any, evaluation: Evaluation | int, content_digest: str | None = None
) -> Evaluation:
    """A member signs the submitted evaluation; the last signature makes it signed and immutable.

    `content_digest`, when given, must be the digest the member reviewed (the sign page sends it): a
    reopened and resubmitted evaluation cannot be signed on a stale page. Signing a correction
    supersedes the version it corrects.
    """
    ev = lock(Evaluation, evaluation)
    _visible(actor, ev)
    _check_transition(ev, S.SIGNED, actor)
    membership = EvaluationMember.objects.select_for_update().get(evaluation=ev, user=actor)
    if membership.signed_at is not None:
        raise Conflict("您已签名,无需重复签名")
    if content_digest is not None and content_digest != ev.content_digest:
        raise Conflict("评估内容已变化,请刷新后重新核对再签名", detail={"content_digest": ev.content_digest})
    now = _now()
    membership.signed_at = now
    membership.signed_digest = ev.content_digest
    membership.save(update_fields=["signed_at", "signed_digest"])
    audit.record(
        actor=actor,
        action="scorecards.evaluation.sign",
        obj=ev,
        after={"member": actor.pk, "signed_at": now.isoformat(), "content_digest": ev.content_digest},
    )
    if EvaluationMember.objects.filter(evaluation=ev, signed_at__isnull=True).exists():
        return ev
    before = audit.snapshot(ev)
    ev.status = S.SIGNED
    ev.signed_at = now
    save_fields(ev, ["status", "signed_at"])
    audit.record(
        actor=actor, action="scorecards.evaluation.signed", obj=ev, before=before, after=audit.snapshot(ev)
    )
    if ev.previous_id is not None:
        old = lock(Evaluation, ev.previous_id)
        _check_transition(old, S.SUPERSEDED, actor)
        old_before = audit.snapshot(old)
        old.status = S.SUPERSEDED
        save_fields(old, ["status"])
        audit.record(
            actor=actor,
            action="scorecards.evaluation.supersede",
            obj=old,
            before=old_before,
            after={**audit.snapshot(old), "superseded_by": ev.pk},
        )
    return ev


@transaction.atomic
def evaluation_correct(
    *,
    actor: Any,
    evaluation: Evaluation | int,
    reason: str,
    leader: Any = None,
    members: Iterable[Any] | None = None,
) -> Evaluation:
    """Start a correction of a signed evaluation: a new draft version copying answers, notes and evidence.

    The new version points to the old one (`previous`), keeps its form version and, unless given, its
    group. The old one stays signed (and in force) until the correction is signed, then it becomes
    superseded. One correction at a time.
    """
    old = lock(Evaluation, evaluation)
    _visible(actor, old)
    if not can_correct_evaluation(actor, old):
        raise PermissionDenied("只有本地区委派机构工作人员可以发起更正")
    if old.status != S.SIGNED:
        msg = {
            S.SUPERSEDED: "该版本已被更正,请在最新版本上发起更正",
            S.CANCELLED: "评估已作废,不能更正",
        }.get(old.status, "只有已签署的评估可以更正;未签署的评估请直接修改")
        raise IllegalTransition(msg, detail={"from": old.status})
    pending = Evaluation.objects.filter(previous=old).exclude(status=S.CANCELLED).first()
    if pending is not None:
        raise Conflict(f"该评估已有更正版本(第 {pending.version_no} 版,评估 {pending.pk} 号)正在办理")
    reason = checked_text(reason, "reason", "更正原因", limit=REASON_MAX_LENGTH, required=True)
    if leader is None:
        leader = old.leader
    if members is None:
        members = [m.user for m in old.memberships.select_related("user")]
    group = _group(old.institution, leader, members)
    live = domain.partial_score(old.form, old.answers)
    new = Evaluation(
        institution=old.institution,
        authority_id=old.authority_id,
        form_version=old.form_version,
        purpose=old.purpose,
        note=old.note,
        opened_by=actor,
        leader=group[0],
        answers=dict(old.answers),
        answer_meta=dict(old.answer_meta),
        total=_cents(live.total),
        answered_count=live.answered,
        item_count=old.item_count,
        previous=old,
        version_no=old.version_no + 1,
        correction_reason=reason,
    )
    try:
        new.full_clean()
        with transaction.atomic():
            new.save(force_insert=True)
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    except IntegrityError:
        raise Conflict("该评估已有更正版本正在办理") from None
    EvaluationMember.objects.bulk_create(
        [EvaluationMember(evaluation=new, user=u, is_leader=(i == 0)) for i, u in enumerate(group)]
    )
    EvaluationItemNote.objects.bulk_create(
        [
            EvaluationItemNote(evaluation=new, item_id=n.item_id, note=n.note, updated_by_id=n.updated_by_id)
            for n in EvaluationItemNote.objects.filter(evaluation=old)
        ]
    )
    Evidence.objects.bulk_create(
        [
            Evidence(
                evaluation=new,
                item_id=e.item_id,
                uploaded_by_id=e.uploaded_by_id,
                **e.stored_file().fields(),
            )
            for e in Evidence.objects.filter(evaluation=old).order_by("id")
        ]
    )
    audit.record(
        actor=actor,
        action="scorecards.evaluation.correct",
        obj=new,
        after={**audit.snapshot(new), "members": [u.pk for u in group]},
    )
    return new


@transaction.atomic
def evaluation_cancel(
    *, actor: Any, evaluation: Evaluation | int, reason: str, row_version: int | None = None
) -> Evaluation:
    """Cancel a draft or submitted evaluation (opened by mistake, abandoned correction); reason required."""
    ev = lock(Evaluation, evaluation)
    _visible(actor, ev)
    _check_transition(ev, S.CANCELLED, actor)
    check_version(ev, row_version)
    reason = checked_text(reason, "reason", "作废原因", limit=REASON_MAX_LENGTH, required=True)
    before = audit.snapshot(ev)
    ev.status = S.CANCELLED
    ev.cancel_reason = reason
    save_fields(ev, ["status", "cancel_reason"])
    audit.record(
        actor=actor, action="scorecards.evaluation.cancel", obj=ev, before=before, after=audit.snapshot(ev)
    )
    return ev
