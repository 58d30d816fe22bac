"""Evaluation services: open, fill, submit, sign, immutability, corrections, form versions (FORM-B, REN-4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.scorecards import selectors, services
from dudao.scorecards.domain import AnswersInvalid, FormInvalid, score
from dudao.scorecards.models import Evaluation, EvaluationMember, ScoreFormVersion
from tests import factories as f
from tests.factories import current_version
from tests.scorecards.conftest import PNG, counts, fill, sign_all, state
from tests.scorecards.helpers import clean_answers, shipped_text

pytestmark = pytest.mark.django_db

# Hand-computed (FORM-B): A1.1 3×0.4 → 2.8; A1.2 [1,1] → 1; B4.5 3×2 floors at 0; B7.1 2×0.6 → 0.8;
# D1 bonus +2. Base 96 − (1.2 + 1 + 4 + 1.2) = 88.6, + 2 = 90.6 → renew.
MIXED = {**clean_answers("CQ-RENEWAL"), "A1.1": 3, "A1.2": [1, 1], "B4.5": 3, "B7.1": 2, "D1": True}
# 96 − 10 (B5.1 no question resource) − 6 (B4.2 three unmet) − 4 (B4.3 two unmet) − 3 (B6.1) = 73 → rectify
RECTIFY = {**clean_answers("CQ-RENEWAL"), "B5.1": [1, 0], "B4.2": 3, "B4.3": 2, "B6.1": 1}


def test_open_creates_a_draft_with_the_current_form_version_and_the_group(opened, evaluators, users):
    ev = Evaluation.objects.get(pk=opened.pk)
    assert ev.status == "draft"
    assert (ev.form_version.form_id, ev.form_version.version, ev.form_version.is_current) == (
        "CQ-RENEWAL",
        1,
        True,
    )
    assert (ev.item_count, ev.answered_count, ev.total, ev.band) == (43, 0, Decimal("0"), "")
    assert ev.leader == evaluators["leader"]
    assert ev.opened_by == users[Role.AUTHORITY_ADMIN]
    assert ev.authority == users[Role.AUTHORITY_ADMIN].authority
    assert [(m.user.username, m.is_leader) for m in EvaluationMember.objects.filter(evaluation=ev)] == [
        ("eval_leader", True),
        ("eval_member", False),
    ]
    event = AuditEvent.objects.filter(action="scorecards.evaluation.open").get()
    assert (event.object_id, event.after["members"]) == (
        str(ev.pk),
        [evaluators["leader"].pk, evaluators["member"].pk],
    )


def test_open_loads_the_shipped_forms_when_the_database_has_none(users, evaluators, institution):
    assert ScoreFormVersion.objects.count() == 0
    ev = services.evaluation_open(
        actor=users[Role.AUTHORITY_STAFF],
        institution=institution,
        form_id="QC-STATION",
        purpose="annual_inspection",
        leader=evaluators["leader"],
    )
    assert sorted(ScoreFormVersion.objects.values_list("form_id", "version", "source")) == [
        ("CQ-RENEWAL", 1, "shipped"),
        ("QC-STATION", 1, "shipped"),
    ]
    assert (ev.form_version.form_id, ev.item_count) == ("QC-STATION", 22)
    assert list(ev.memberships.values_list("user__username", flat=True)) == ["eval_leader"]


def _open(actor, institution, leader, members=(), **kw):
    return services.evaluation_open(
        actor=actor,
        institution=institution,
        form_id=kw.get("form_id", "CQ-RENEWAL"),
        purpose=kw.get("purpose", "renewal"),
        leader=leader,
        members=members,
    )


def test_open_refusals_change_nothing(users, evaluators, institution, other_institution, forms_loaded):
    before = counts()
    leader = evaluators["leader"]
    with pytest.raises(PermissionDenied) as exc:
        _open(users[Role.INSTITUTION_ADMIN], institution, leader)
    assert exc.value.message == "只有本地区委派机构工作人员可以发起评估"
    with pytest.raises(NotFound):  # another region's institution: not even its existence is revealed
        _open(users[Role.AUTHORITY_ADMIN], other_institution, leader)
    with pytest.raises(NotFound):
        _open(users[Role.EXAMINER], institution, leader)
    with pytest.raises(ValidationFailed) as exc:
        _open(users[Role.AUTHORITY_ADMIN], institution, leader, purpose="fun")
    assert exc.value.detail == {"purpose": ["评估目的 'fun' 无效(可选:renewal、annual_inspection、other)"]}
    with pytest.raises(ValidationFailed) as exc:
        _open(users[Role.AUTHORITY_ADMIN], institution, leader, form_id="NOPE")
    assert exc.value.detail == {"form_id": ["评估表 NOPE不存在或尚未载入"]}
    with pytest.raises(ValidationFailed) as exc:
        _open(users[Role.AUTHORITY_ADMIN], institution, None)
    assert exc.value.detail == {"leader": ["请指定评估组长"]}
    # The evaluated institution's own people never evaluate it; nor do other regions' staff.
    gd_staff = f.UserFactory(
        username="gd_staff", role=Role.AUTHORITY_STAFF, authority=other_institution.authority
    )
    with pytest.raises(ValidationFailed) as exc:
        _open(users[Role.AUTHORITY_ADMIN], institution, leader, [users[Role.INSTITUTION_ADMIN], gd_staff])
    assert exc.value.detail == {
        "members": [
            "inst_admin 不能担任评估组成员(须为本地区委派机构工作人员或外部督导员)",
            "gd_staff 不能担任评估组成员(须为本地区委派机构工作人员或外部督导员)",
        ]
    }
    with pytest.raises(ValidationFailed) as exc:
        _open(users[Role.AUTHORITY_ADMIN], institution, users[Role.INTERNAL_SUPERVISOR])
    assert list(exc.value.detail) == ["leader"]
    assert counts() == before


def test_answer_recomputes_the_live_total_and_band_stays_empty(opened, evaluators):
    leader, member = evaluators["leader"], evaluators["member"]
    ev = services.evaluation_answer(actor=leader, evaluation=opened, item_id="A1.1", value=3)
    assert (ev.total, ev.answered_count, ev.band, ev.row_version) == (Decimal("2.80"), 1, "", 2)
    ev = services.evaluation_answer(
        actor=member, evaluation=ev, item_id="D1", value=True, note="参与国家题库开发"
    )
    assert (ev.total, ev.answered_count) == (Decimal("4.80"), 2)
    assert ev.answers == {"A1.1": 3, "D1": True}
    assert ev.answer_meta["D1"]["rev"] == 1 and ev.answer_meta["D1"]["by"] == member.pk
    assert ev.notes.get(item_id="D1").note == "参与国家题库开发"
    # Note only (value kept), then clear the answer.
    ev = services.evaluation_answer(actor=member, evaluation=ev, item_id="D1", value=services.KEEP, note="改")
    assert (ev.answers["D1"], ev.notes.get(item_id="D1").note, ev.answer_meta["D1"]["rev"]) == (True, "改", 2)
    ev = services.evaluation_answer(actor=leader, evaluation=ev, item_id="D1", value=None)
    assert (ev.answers, ev.total, ev.answered_count) == ({"A1.1": 3}, Decimal("2.80"), 1)
    events = list(AuditEvent.objects.filter(action="scorecards.evaluation.answer").order_by("id"))
    assert len(events) == 4
    assert events[0].before == {"item": "A1.1", "value": None, "note": ""}
    assert events[0].after == {"item": "A1.1", "value": 3, "note": "", "total": "2.80"}


def test_answer_is_validated_by_the_engine_and_bad_input_changes_nothing(opened, evaluators):
    leader = evaluators["leader"]
    services.evaluation_answer(actor=leader, evaluation=opened, item_id="A1.1", value=1)
    before, snapshot = counts(), state(opened)
    cases = [
        (
            "A1.2",
            1,
            "项目 A1.2:答案应为 2 个非负整数组成的列表(按扣分规则顺序:1. 岗位职责有一项未尽职责;"
            "2. 无履职记录),收到 1",
        ),
        ("A1.1", -1, "项目 A1.1:扣分次数不能为负数(-1)"),
        ("A1.1", 1.5, "项目 A1.1:答案应为扣分次数(非负整数),收到 1.5"),
        ("D1", "yes", '项目 D1:加分项答案应为 true 或 false,收到 "yes"'),
        ("Z9", 1, "项目 Z9:评估表 CQ-RENEWAL 中没有此项目"),
    ]
    for item_id, value, message in cases:
        with pytest.raises(AnswersInvalid) as exc:
            services.evaluation_answer(actor=leader, evaluation=opened, item_id=item_id, value=value)
        assert (exc.value.status, exc.value.message) == (422, message)
    with pytest.raises(ValidationFailed) as exc:
        services.evaluation_answer(actor=leader, evaluation=opened, item_id="A1.1", value=1, note="长" * 2001)
    assert exc.value.detail == {"note": ["说明不能超过 2000 个字"]}
    assert (counts(), state(opened)) == (before, snapshot)


def test_answer_concurrency_row_version_and_item_revision(opened, evaluators):
    leader, member = evaluators["leader"], evaluators["member"]
    ev = services.evaluation_answer(actor=leader, evaluation=opened, item_id="A1.1", value=1, item_revision=0)
    # Another member fills a different item with the revision it saw for that item: no collision.
    ev = services.evaluation_answer(actor=member, evaluation=opened, item_id="A2.1", value=0, item_revision=0)
    assert ev.row_version == 3
    before, snapshot = counts(), state(opened)
    with pytest.raises(Conflict) as exc:  # the same item changed meanwhile
        services.evaluation_answer(actor=member, evaluation=opened, item_id="A1.1", value=2, item_revision=0)
    assert (exc.value.message, exc.value.detail) == (
        "项目 A1.1 已被他人修改,请刷新后重试",
        {"item_id": "A1.1", "item_revision": 1},
    )
    with pytest.raises(Conflict):
        services.evaluation_answer(actor=member, evaluation=opened, item_id="A3.1", value=0, row_version=2)
    assert (counts(), state(opened)) == (before, snapshot)
    # A retry of what is already stored (dropped connection) writes nothing at all.
    services.evaluation_answer(actor=leader, evaluation=opened, item_id="A1.1", value=1, item_revision=0)
    assert (counts(), state(opened)) == (before, snapshot)


def test_only_members_fill_and_out_of_scope_is_not_found(opened, users, other_authority):
    before, snapshot = counts(), state(opened)
    for role in (Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF, "superuser"):
        with pytest.raises(PermissionDenied) as exc:
            services.evaluation_answer(actor=users[role], evaluation=opened, item_id="A1.1", value=1)
        assert exc.value.message == "只有评估组成员可以填写评估"
    gd_admin = f.UserFactory(username="gd_admin", role=Role.AUTHORITY_ADMIN, authority=other_authority)
    for user in (
        users[Role.INSTITUTION_ADMIN],
        users[Role.EXAMINER],
        users[Role.EXTERNAL_SUPERVISOR],
        gd_admin,
    ):
        with pytest.raises(NotFound):
            services.evaluation_answer(actor=user, evaluation=opened, item_id="A1.1", value=1)
        with pytest.raises(NotFound):
            services.evaluation_attach_evidence(actor=user, evaluation=opened, item_id="A1.1", file=None)
    assert (counts(), state(opened)) == (before, snapshot)


def test_full_flow_submit_stores_the_engine_score_and_signatures_make_it_signed(opened, evaluators):
    leader, member = evaluators["leader"], evaluators["member"]
    ev = fill(opened, member, MIXED)
    assert (ev.total, ev.answered_count) == (Decimal("90.60"), 43)
    with pytest.raises(PermissionDenied) as exc:
        services.evaluation_submit(actor=member, evaluation=ev, row_version=current_version(ev))
    assert exc.value.message == "只有评估组长可以提交评估"
    ev = services.evaluation_submit(actor=leader, evaluation=ev, row_version=current_version(ev))
    assert (ev.status, ev.total, ev.band) == ("submitted", Decimal("90.60"), "renew")
    assert ev.result == score(ev.form, MIXED).as_json()
    assert ev.result["items"]["B4.5"] == 0 and ev.result["sections"]["D"] == 2
    assert ev.content_digest.startswith(("sm3:", "sha256:"))
    ev = services.evaluation_sign(actor=leader, evaluation=ev, content_digest=ev.content_digest)
    assert ev.status == "submitted"
    with pytest.raises(Conflict) as exc:
        services.evaluation_sign(actor=leader, evaluation=ev)
    assert exc.value.message == "您已签名,无需重复签名"
    ev = services.evaluation_sign(actor=member, evaluation=ev)
    assert ev.status == "signed" and ev.signed_at is not None
    assert (
        list(EvaluationMember.objects.filter(evaluation=ev).values_list("signed_digest", flat=True))
        == [ev.content_digest] * 2
    )
    assert list(
        AuditEvent.objects.filter(object_type="scorecards.evaluation", object_id=str(ev.pk))
        .exclude(action="scorecards.evaluation.answer")
        .values_list("action", flat=True)
    ) == [
        "scorecards.evaluation.open",
        "scorecards.evaluation.submit",
        "scorecards.evaluation.sign",
        "scorecards.evaluation.sign",
        "scorecards.evaluation.signed",
    ]


def test_submit_needs_every_item_answered(opened, evaluators):
    ev = fill(opened, evaluators["leader"], {"A1.1": 0, "A1.2": [0, 0]})
    before, snapshot = counts(), state(ev)
    with pytest.raises(AnswersInvalid) as exc:
        services.evaluation_submit(actor=evaluators["leader"], evaluation=ev, row_version=current_version(ev))
    assert exc.value.message == "项目 A2.1:缺少答案(共 41 处错误)"
    assert len(exc.value.problems) == 41
    assert (counts(), state(ev)) == (before, snapshot)


def test_sign_refuses_a_draft_and_a_stale_digest(opened, evaluators):
    leader, member = evaluators["leader"], evaluators["member"]
    with pytest.raises(IllegalTransition) as exc:
        services.evaluation_sign(actor=leader, evaluation=opened)
    assert exc.value.message == "评估当前状态为「填写中」,不能签名"
    filled = fill(opened, leader, MIXED)
    ev = services.evaluation_submit(actor=leader, evaluation=filled, row_version=current_version(filled))
    stale = ev.content_digest
    ev = services.evaluation_reopen(
        actor=leader, evaluation=ev, reason="B4.5 需复核", row_version=current_version(ev)
    )
    ev = services.evaluation_answer(actor=member, evaluation=ev, item_id="B4.5", value=1)
    ev = services.evaluation_submit(actor=leader, evaluation=ev, row_version=current_version(ev))
    assert (ev.total, ev.content_digest != stale) == (Decimal("92.60"), True)
    before = counts()
    with pytest.raises(Conflict) as exc:
        services.evaluation_sign(actor=member, evaluation=ev, content_digest=stale)
    assert exc.value.message == "评估内容已变化,请刷新后重新核对再签名"
    assert counts() == before


def test_reopen_voids_signatures_collected_so_far(opened, evaluators):
    leader, member = evaluators["leader"], evaluators["member"]
    filled = fill(opened, leader, MIXED)
    ev = services.evaluation_submit(actor=leader, evaluation=filled, row_version=current_version(filled))
    services.evaluation_sign(actor=member, evaluation=ev)
    with pytest.raises(PermissionDenied):
        services.evaluation_reopen(actor=member, evaluation=ev, row_version=current_version(ev))
    ev = services.evaluation_reopen(actor=leader, evaluation=ev, row_version=current_version(ev))
    assert (ev.status, ev.band, ev.result, ev.content_digest, ev.total) == (
        "draft",
        "",
        None,
        "",
        Decimal("90.60"),
    )
    assert EvaluationMember.objects.filter(evaluation=ev, signed_at__isnull=False).count() == 0


def test_signed_evaluation_is_immutable(opened, evaluators, users):
    leader, member = evaluators["leader"], evaluators["member"]
    ev = f.evaluation_advance(opened, "signed", answers=MIXED)
    before, snapshot = counts(), state(ev)
    frozen = "评估已签署,不能修改;如需更正,请发起更正(生成新版本)"
    calls = [
        lambda: services.evaluation_answer(actor=leader, evaluation=ev, item_id="A1.1", value=0),
        lambda: services.evaluation_answer(
            actor=member, evaluation=ev, item_id="A1.1", value=services.KEEP, note="x"
        ),
        lambda: services.evaluation_attach_evidence(actor=leader, evaluation=ev, item_id="A1.1", file=None),
        lambda: services.evaluation_submit(actor=leader, evaluation=ev, row_version=current_version(ev)),
        lambda: services.evaluation_reopen(actor=leader, evaluation=ev, row_version=current_version(ev)),
        lambda: services.evaluation_sign(actor=member, evaluation=ev),
        lambda: services.evaluation_cancel(
            actor=users[Role.AUTHORITY_ADMIN], evaluation=ev, reason="误开", row_version=current_version(ev)
        ),
    ]
    for call in calls:
        with pytest.raises(IllegalTransition) as exc:
            call()
        assert (exc.value.status, exc.value.message) == (409, frozen)
    assert (counts(), state(ev)) == (before, snapshot)


def test_correction_is_a_new_version_and_supersedes_the_old_one_when_signed(
    opened, evaluators, users, media_root
):
    leader, member = evaluators["leader"], evaluators["member"]
    services.evaluation_answer(actor=leader, evaluation=opened, item_id="B4.5", value=0, note="摄像头齐全")
    services.evaluation_attach_evidence(
        actor=leader, evaluation=opened, item_id="B4.5", file=_file("cam.png", PNG)
    )
    old = f.evaluation_advance(opened, "signed", answers=MIXED)
    assert old.total == Decimal("90.60")

    with pytest.raises(PermissionDenied):  # members who are not authority staff cannot start one
        services.evaluation_correct(actor=member, evaluation=old, reason="录入错误")
    with pytest.raises(ValidationFailed) as exc:
        services.evaluation_correct(actor=users[Role.AUTHORITY_STAFF], evaluation=old, reason="  ")
    assert exc.value.detail == {"reason": ["请填写更正原因"]}
    new = services.evaluation_correct(
        actor=users[Role.AUTHORITY_STAFF], evaluation=old, reason="B4.5 录入错误"
    )
    assert (new.status, new.version_no, new.previous_id, new.correction_reason) == (
        "draft",
        2,
        old.pk,
        "B4.5 录入错误",
    )
    assert (new.answers, new.total, new.answered_count) == (old.answers, Decimal("90.60"), 43)
    assert new.form_version_id == old.form_version_id
    assert list(new.notes.values_list("item_id", "note")) == [("B4.5", "摄像头齐全")]
    assert [(e.item_id, e.original_name, e.sha256) for e in new.evidence.all()] == [
        (e.item_id, e.original_name, e.sha256) for e in old.evidence.all()
    ]
    assert [m.user_id for m in new.memberships.all()] == [leader.pk, member.pk]
    with pytest.raises(Conflict) as exc:
        services.evaluation_correct(actor=users[Role.AUTHORITY_STAFF], evaluation=old, reason="再次")
    assert exc.value.message == f"该评估已有更正版本(第 2 版,评估 {new.pk} 号)正在办理"

    new = services.evaluation_answer(actor=member, evaluation=new, item_id="B4.5", value=1)
    new = services.evaluation_submit(actor=leader, evaluation=new, row_version=current_version(new))
    assert (
        Evaluation.objects.get(pk=old.pk).status == "signed"
    )  # still in force until the correction is signed
    sign_all(new, leader, member)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.total, old.band) == ("superseded", Decimal("90.60"), "renew")
    assert (new.status, new.total, new.band) == ("signed", Decimal("92.60"), "renew")
    assert (
        AuditEvent.objects.filter(action="scorecards.evaluation.supersede", object_id=str(old.pk)).count()
        == 1
    )
    with pytest.raises(IllegalTransition) as exc:
        services.evaluation_correct(actor=users[Role.AUTHORITY_STAFF], evaluation=old, reason="x")
    assert exc.value.message == "该版本已被更正,请在最新版本上发起更正"
    assert [e.version_no for e in selectors.evaluation_history(users[Role.AUTHORITY_STAFF], old)] == [1, 2]
    assert selectors.latest_signed_version(old) == new


def test_cancelled_correction_frees_the_slot(opened, evaluators, users):
    old = f.evaluation_advance(opened, "signed")
    admin = users[Role.AUTHORITY_ADMIN]
    draft = services.evaluation_correct(actor=admin, evaluation=old, reason="误")
    with pytest.raises(ValidationFailed):
        services.evaluation_cancel(
            actor=admin, evaluation=draft, reason="", row_version=current_version(draft)
        )
    services.evaluation_cancel(
        actor=admin, evaluation=draft, reason="误开", row_version=current_version(draft)
    )
    again = services.evaluation_correct(actor=admin, evaluation=old, reason="重新更正")
    assert (again.version_no, Evaluation.objects.get(pk=draft.pk).status) == (2, "cancelled")
    assert selectors.latest_signed_version(old) == old


def _bumped_v2(text: str) -> str:
    """CQ-RENEWAL version 2 where a missing post costs 1 point instead of 0.4."""
    text = text.replace("version: 1", "version: 2", 1)
    return text.replace(
        "{label_zh: 缺一岗位及人员, points: 0.4, max_count: 10}",
        "{label_zh: 缺一岗位及人员, points: 1, max_count: 4}",
    )


def test_a_new_form_version_never_changes_a_past_evaluation(opened, evaluators, users, institution):
    old = f.evaluation_advance(opened, "signed", answers=MIXED)
    v2, created = services.form_version_load(
        actor=users[Role.AUTHORITY_ADMIN], definition=_bumped_v2(shipped_text("CQ-RENEWAL"))
    )
    assert (created, v2.version, v2.is_current) == (True, 2, True)
    assert ScoreFormVersion.objects.get(form_id="CQ-RENEWAL", version=1).is_current is False
    old.refresh_from_db()
    assert (old.form_version.version, old.total, old.band) == (1, Decimal("90.60"), "renew")
    assert score(old.form, old.answers).total == Decimal("90.6")  # its own version still scores it the same
    # New evaluations use version 2: the same answers now score 96 − 3 − 1 − 4 − 1.2 + 2 = 88.8.
    new = services.evaluation_open(
        actor=users[Role.AUTHORITY_ADMIN],
        institution=institution,
        form_id="CQ-RENEWAL",
        purpose="renewal",
        leader=evaluators["leader"],
    )
    new = fill(new, evaluators["leader"], MIXED)
    assert (new.form_version.version, new.total) == (2, Decimal("88.80"))
    # A correction of the old evaluation keeps version 1.
    corr = services.evaluation_correct(actor=users[Role.AUTHORITY_ADMIN], evaluation=old, reason="复核")
    assert (corr.form_version.version, corr.total) == (1, Decimal("90.60"))
    with pytest.raises(Exception) as exc:  # PROTECT: a used version cannot be deleted
        ScoreFormVersion.objects.get(form_id="CQ-RENEWAL", version=1).delete()
    assert type(exc.value).__name__ == "ProtectedError"


def test_form_version_load_rules(users, forms_loaded):
    text = shipped_text("CQ-RENEWAL")
    before = counts()
    row, created = services.form_version_load(actor=users["superuser"], definition=text)
    assert (created, row.pk, counts()) == (False, forms_loaded["CQ-RENEWAL"].pk, before)
    with pytest.raises(PermissionDenied):
        services.form_version_load(actor=users[Role.AUTHORITY_STAFF], definition=_bumped_v2(text))
    with pytest.raises(Conflict) as exc:
        services.form_version_load(
            actor=users[Role.AUTHORITY_ADMIN], definition=text.replace("title: 重庆", "title: 新重庆", 1)
        )
    assert exc.value.message == "评估表 CQ-RENEWAL 第 1 版已载入且内容不同;修改后的评估表请使用新的版本号"
    with pytest.raises(FormInvalid) as exc:
        services.form_version_load(
            actor=users[Role.AUTHORITY_ADMIN], definition=text.replace("max: 10\n", "max: 11\n", 1)
        )
    assert exc.value.status == 422 and "sections[0]" in exc.value.detail
    assert counts() == before
    # Loading an older version number than the current one keeps the current one.
    v3, _ = services.form_version_load(
        actor=users[Role.AUTHORITY_ADMIN], definition=text.replace("version: 1", "version: 3", 1)
    )
    v2, _ = services.form_version_load(actor=users[Role.AUTHORITY_ADMIN], definition=_bumped_v2(text))
    assert list(
        ScoreFormVersion.objects.filter(form_id="CQ-RENEWAL", is_current=True).values_list(
            "version", flat=True
        )
    ) == [3]
    assert (v2.is_current, v3.loaded_by, v3.digest_algorithm in ("sm3", "sha256")) == (
        False,
        users[Role.AUTHORITY_ADMIN],
        True,
    )
    assert selectors.form_version_get("CQ-RENEWAL").version == 3


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_renewal_contract_status_total_band(opened, evaluators):
    """What the renewals app reads (REN-4): a signed evaluation's status, total and band."""
    ev = f.evaluation_advance(opened, "signed", answers=RECTIFY)
    ev = Evaluation.objects.get(pk=ev.pk)
    assert (ev.purpose, ev.status, ev.total, ev.band) == ("renewal", "signed", Decimal("73.00"), "rectify")
    assert ev.result["sections"] == {"A": 10, "B": 44, "C": 19, "D": 0}
