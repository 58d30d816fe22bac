"""Demo workflows (issue 9 §3.11): after the registry is loaded, drive the apps' services so every demo role
starts on a populated product — supervision tasks in every state (one covert), reports, a preliminary
opinion with the institution's defence, rectifications, a penalty, renewals in every state (one that the
demo staff can complete) and the messages all of these send. The demo examiner's home lists the planned
batches of the examiner teams the registry put them on.

Everything goes through the services (permission checks, rules, audit, notifications), acting as the
demo users; nothing is written here directly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.people.models import Supervisor
from dudao.registry.models import Batch, Filing, FilingScope, Institution
from dudao.renewals import services as renewal_services
from dudao.supervision import services as sup

from .plan import DEMO_USER_PREFIX

TZ_HOUR = 9
GROUP_REASON = "演示数据:本地区督导员人手不足,由 1 名督导员完成"


def _rv(obj):
    """The row's current version: the demo acts as a user who just read the page (one locking policy)."""
    return type(obj).objects.values_list("row_version", flat=True).get(pk=obj.pk)


def _user(name: str) -> User | None:
    return User.objects.filter(username=f"{DEMO_USER_PREFIX}{name}").first()


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class _Slots:
    """Non-overlapping half-days for the one demo supervisor (a supervisor cannot be in two places)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.used: set[tuple[dt.date, int]] = set()

    def take(self, days: int) -> tuple[dt.datetime, dt.datetime]:
        day = self.today + dt.timedelta(days=days)
        hour = 9
        while (day, hour) in self.used:
            hour += 4
        self.used.add((day, hour))
        return _at(day, hour), _at(day, hour + 3)


def _task(authority_user, supervisor, institution, slots: _Slots, days: int, **extra):
    starts, ends = slots.take(days)
    return sup.task_create(
        actor=authority_user,
        institution=institution,
        supervisors=[supervisor],
        kind=extra.pop("kind", "daily"),
        starts_at=starts,
        ends_at=ends,
        group_reason=GROUP_REASON,
        items=extra.pop("items", ()),
        **extra,
    )


def _to_report(task, supervisor_user, *, severity: str = "major") -> None:
    sup.task_accept(actor=supervisor_user, task=task)
    sup.task_start_on_site(actor=supervisor_user, task=task, row_version=_rv(task))
    area = (task.items or ["2.4"])[0]
    sup.finding_add(
        actor=supervisor_user,
        task=task,
        content_area=area,
        method="open_visit",
        severity=severity,
        description="考场视频监控有盲区,候考区未与考场分开" if severity != "none" else "",
    )
    sup.report_submit(
        actor=supervisor_user,
        task=task,
        summary="按督导事项逐项检查了考务组织和考场秩序。",
        problems="考场视频监控有盲区。" if severity != "none" else "",
        recommendations="补装摄像头,候考区单独设置。",
        row_version=_rv(task),
    )


def _institutions_for(authority_user, supervisor: Supervisor, home: Institution) -> list[Institution]:
    """The demo institution first, then others in the authority user's region the supervisor may visit."""
    prefix = authority_user.authority.region_id[:2] if authority_user.authority.region_id else ""
    others = (
        Institution.objects.filter(region__code__startswith=prefix)
        .exclude(pk__in=[home.pk, supervisor.person.employer_id or 0])
        .order_by("id")[:6]
    )
    return [home, *others]


def create_supervision(today: dt.date) -> dict[str, int]:
    """Tasks in every state for the demo external supervisor, most of them at the demo institution."""
    authority_user = _user("authority_admin")
    supervisor_user = _user("external_supervisor")
    inst_admin = _user("institution_admin")
    if not (authority_user and supervisor_user and inst_admin):
        return {}
    supervisor = Supervisor.objects.select_related("person").get(
        person_id=supervisor_user.person_id, kind="external"
    )
    home = inst_admin.institution
    places = _institutions_for(authority_user, supervisor, home)
    slots = _Slots(today)
    states: dict[str, int] = {}

    def count(task) -> None:
        task.refresh_from_db()
        states[task.status] = states.get(task.status, 0) + 1

    # Waiting for the supervisor: dispatched (future), accepted (report due).
    count(_task(authority_user, supervisor, places[1 % len(places)], slots, 6))
    accepted = _task(authority_user, supervisor, places[2 % len(places)], slots, 3)
    sup.task_accept(actor=supervisor_user, task=accepted)
    count(accepted)
    # Covert daily visit, report submitted: waits for the authority's decision.
    covert = _task(authority_user, supervisor, places[3 % len(places)], slots, -3, covert=True)
    _to_report(covert, supervisor_user)
    count(covert)
    # Special task: preliminary opinion sent, the institution's defence window open.
    special = _task(authority_user, supervisor, home, slots, -8, kind="special", items=["2.3", "2.4"])
    _to_report(special, supervisor_user)
    sup.preliminary_opinion_prepare(
        actor=supervisor_user,
        task=special,
        body="考场秩序管理不到位。",
        requirements="补装监控设备。",
        row_version=_rv(special),
    )
    sup.preliminary_opinion_send(actor=supervisor_user, task=special, row_version=_rv(special))
    count(special)
    # Special task with a defence: the authority issued its opinion; rectification under way.
    defended = _task(authority_user, supervisor, home, slots, -15, kind="special", items=["2.4"])
    _to_report(defended, supervisor_user)
    sup.preliminary_opinion_prepare(
        actor=supervisor_user, task=defended, body="候考区未单独设置。", row_version=_rv(defended)
    )
    sup.preliminary_opinion_send(actor=supervisor_user, task=defended, row_version=_rv(defended))
    sup.defence_submit(actor=inst_admin, task=defended, text="候考区已在改造,附施工合同。")
    count(defended)
    issued = _task(authority_user, supervisor, home, slots, -22, kind="special", items=["2.4"])
    _to_report(issued, supervisor_user)
    sup.preliminary_opinion_prepare(
        actor=supervisor_user, task=issued, body="考场监控有盲区。", row_version=_rv(issued)
    )
    sup.preliminary_opinion_send(actor=supervisor_user, task=issued, row_version=_rv(issued))
    sup.defence_submit(actor=inst_admin, task=issued, text="监控盲区系临时调整考场所致。")
    sup.opinion_issue(
        actor=authority_user,
        task=issued,
        body="经综合分析申辩意见,认定考场监控存在盲区。",
        requirements="一个月内补装摄像头并提交整改报告。",
        row_version=_rv(issued),
    )
    count(issued)
    # Daily task: rectification ordered (the institution's 整改到期), and one submitted for review.
    ordered = _task(authority_user, supervisor, home, slots, -29)
    _to_report(ordered, supervisor_user)
    sup.rectification_order(
        actor=authority_user, task=ordered, requirements="完善考务档案,补齐签到表。", row_version=_rv(ordered)
    )
    count(ordered)
    submitted = _task(authority_user, supervisor, home, slots, -36)
    _to_report(submitted, supervisor_user)
    sup.rectification_order(
        actor=authority_user,
        task=submitted,
        requirements="候考区与考场分开设置。",
        row_version=_rv(submitted),
    )
    sup.rectification_submit(actor=inst_admin, task=submitted, plan="已将候考区移至一楼大厅。")
    count(submitted)
    # Closed: rectified and re-verified; and one with no problem found.
    closed = _task(authority_user, supervisor, home, slots, -43)
    _to_report(closed, supervisor_user)
    sup.rectification_order(
        actor=authority_user, task=closed, requirements="补装两个摄像头。", row_version=_rv(closed)
    )
    sup.rectification_submit(actor=inst_admin, task=closed, plan="已补装并调试。")
    sup.rectification_review(
        actor=authority_user, task=closed, passed=True, note="复核通过", row_version=_rv(closed)
    )
    sup.task_close(actor=authority_user, task=closed, note="整改到位,办结", row_version=_rv(closed))
    count(closed)
    clean = _task(authority_user, supervisor, places[4 % len(places)], slots, -50)
    _to_report(clean, supervisor_user, severity="none")
    sup.task_close(actor=authority_user, task=clean, note="未发现问题,办结", row_version=_rv(clean))
    count(clean)
    # Escalated with a penalty (通报批评).
    escalated = _task(authority_user, supervisor, places[5 % len(places)], slots, -57)
    _to_report(escalated, supervisor_user, severity="serious")
    sup.task_escalate(
        actor=authority_user, task=escalated, reason="考场秩序严重混乱,移送处理", row_version=_rv(escalated)
    )
    sup.penalty_impose(
        actor=authority_user,
        institution=escalated.institution_id,
        kind="public_criticism",
        ground="other",
        description="督导发现考场秩序严重混乱,予以通报批评。",
        task=escalated,
    )
    count(escalated)
    # An internal task dispatched by the institution to its own internal supervisor (to accept).
    internal_user = _user("internal_supervisor")
    if internal_user is not None and internal_user.institution_id == home.pk:
        internal = Supervisor.objects.get(person_id=internal_user.person_id, kind="internal")
        starts, ends = slots.take(9)
        count(
            sup.task_create(
                actor=inst_admin,
                institution=home,
                supervisors=[internal],
                supervisor_kind="internal",
                starts_at=starts,
                ends_at=ends,
                group_reason=GROUP_REASON,
            )
        )
    return states


def _materials(filing: Filing) -> dict[str, Any]:
    inst = filing.institution
    scope = [
        {
            "occupation_code": s.occupation.code,
            "occupation_name": s.occupation.name,
            "work_type": s.work_type,
            "levels": list(s.levels),
            "start_date": s.start_date.isoformat(),
            "certified_count": 80,
        }
        for s in FilingScope.objects.filter(filing=filing, ended_on=None).select_related("occupation")
    ]
    return {
        "basic": {
            "name": inst.name,
            "address": inst.address or "演示地址",
            "uscc": inst.uscc,
            "legal_representative": inst.legal_representative or "张法人",
            "contact_name": inst.contact_name or "李联系",
            "contact_phone": inst.contact_phone or "0791-88123456",
        },
        "scope": scope,
        "rules": [{"name": "考务管理制度", "made_on": "2021-01-05"}],
        "strengths": {"organisation": "设有评价工作部", "professional": "专业师资齐全"},
        "sites": {"workplace": "自有场地 800 平方米", "video_monitoring": "每考场 2 个高清摄像头"},
        "equipment": [{"name": "实操设备", "model": "演示", "quantity": 10, "ownership": "自有"}],
        "managers": [{"name": "王主任", "title": "主任", "post": "机构负责人", "own_staff": True}],
        "examiners": [],
        "internal_supervisors": [],
        "question_resources": [],
        "summary": {"text": "备案期间按备案范围开展职业技能等级认定,考务管理规范。"},
        "commitment": {"accepted": True, "legal_representative": inst.legal_representative or "张法人"},
    }


def _letter():
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    return SimpleUploadedFile("关于延续开展职业技能等级认定工作的申请.pdf", pdf, "application/pdf")


# Renewal paths of the demo (issue 9 §3.11: every state, one the demo user can complete). Each filing takes
# one path; a path is the states its applications pass through, the last one is where it stays.
EVALUATED_PATHS = (
    ("not_accepted", "evaluating"),  # refused at the counter, re-applied; scored and signed: 记录结果 waits
    ("under_review",),
    ("refused",),
    ("rectifying",),
    ("re_evaluating",),
    ("renewed",),
    ("bureau_review",),  # two steps (seed 004 四(一)): the centre evaluated, the bureau has yet to review
)
# Scores of the CQ-RENEWAL evaluation (REN-4 bands): renew ≥ 80, rectify 60–80, refuse < 60.
RENEWAL_DEDUCTIONS = {
    "renewed": {},
    "evaluating": {},
    "bureau_review": {},
    "rectifying": {"B4.2": 3, "B4.5": 2, "B5.1": [0, 2], "B6.1": 1},  # 77
    "re_evaluating": {"B4.2": 3, "B4.5": 2, "B5.1": [0, 2], "B6.1": 1},  # 77, then rectified
    "refused": {"B4.1": 3, "B4.2": 5, "B4.3": 2, "B4.4": 2, "B4.5": 2, "B5.1": [1, 0], "B6.1": 1},  # 58
}


def _renewal_filings(staff, home: Institution | None) -> tuple[Filing | None, list[Filing], list[Filing]]:
    """Active filings with batches in the staff's province: the demo institution's own, the evaluated kinds
    (technical schools, social organisations) and employers', each in a stable order."""
    province = (staff.authority.region_id or "")[:2]
    filings = (
        Filing.objects.filter(status="active", authority__region__code__startswith=province)
        .filter(pk__in=Batch.objects.exclude(status="cancelled").values("filing_id"))
        .select_related("institution", "authority")
        .order_by("authority__code", "valid_until", "id")
    )
    own = next((fl for fl in filings if home is not None and fl.institution_id == home.pk), None)
    others = [fl for fl in filings if own is None or fl.pk != own.pk]
    evaluated = [fl for fl in others if fl.institution.kind in ("social_org", "tech_school")]
    employers = [fl for fl in others if fl.institution.kind == "employer"]
    return own, evaluated, employers


def _decider_for(filing: Filing, staff, admin):
    """Who holds the filing: the demo city staff for its own authority, otherwise the platform superuser."""
    return staff if filing.authority_id == staff.authority_id else admin


def _leader_for(filing: Filing, staff):
    """An evaluator covering the filing's institution: the city staff, else the province's administrator."""
    from dudao.scorecards.permissions import eligible_evaluator

    if eligible_evaluator(staff, filing.institution):
        return staff
    return _user("authority_admin")


def create_renewals(today: dt.date) -> dict[str, int]:
    """Renewal applications in every state (REN-1…6): the demo institution withdrew one and applied again
    online; the authorities recorded paper applications for the others and took each along its path
    (EVALUATED_PATHS; employers are reviewed without an evaluation, REN-3). The application waiting in
    `evaluating` has a signed evaluation: the demo staff can record its outcome (准予延续)."""
    staff = _user("authority_staff")
    admin = _user("admin")
    inst_admin = _user("institution_admin")
    if staff is None or staff.authority_id is None or admin is None:
        return {}
    # The procedure and the CQ-RENEWAL form come from Chongqing (seed 004); the Jiangxi demo authority
    # adopts them with its own document-number prefixes (see docs/manual/home.md).
    renewal_services.renewal_config_save(
        actor=admin,
        authority=staff.authority,
        renewal_years=renewal_services.domain.DEFAULT_RENEWAL_YEARS,
        receipt_prefix="赣人社延备",
        notice_prefix="赣人社延备整改",
    )
    own, evaluated, employers = _renewal_filings(staff, inst_admin.institution if inst_admin else None)
    states: dict[str, int] = {}
    held = _HeldBatches(admin, today)

    def count(app) -> None:
        states[app.status] = states.get(app.status, 0) + 1

    if own is not None and inst_admin is not None:
        # The institution withdrew its first application and applied again: waiting to be accepted.
        first = _apply(inst_admin, own, today)
        count(
            renewal_services.renewal_withdraw(
                actor=inst_admin,
                application=first,
                reason="申请材料需补充,撤回后重新申请",
                row_version=_rv(first),
            )
        )
        count(_apply(inst_admin, own, today))
    for filing, path in zip(evaluated, EVALUATED_PATHS, strict=False):
        decider = _decider_for(filing, staff, admin)
        for target in path:
            if target == "bureau_review":
                count(_two_step_renewal(filing, decider, staff, admin, held, today))
                continue
            count(_renewal_to(target, filing, decider, _leader_for(filing, staff), held, today))
    for filing in employers[:1]:  # REN-3: an employer's renewal is reviewed, then renewed with a receipt
        decider = _decider_for(filing, staff, admin)
        app = _accepted(_apply(decider, filing, today), decider, held)
        count(
            renewal_services.renewal_employer_decide(
                actor=decider,
                application=app,
                approve=True,
                opinion="评价活动开展正常,考务管理规范,同意延续备案。",
                row_version=_rv(app),
                today=today,
            )
        )
    return states


def _apply(actor, filing: Filing, today: dt.date):
    """Online by the institution's admin; a paper application recorded by the authority otherwise."""
    return renewal_services.renewal_apply(
        actor=actor,
        filing=filing,
        materials=_materials(filing),
        attachments={"application_letter": _letter()},
        received_on=None if actor.institution_id else today,
        today=today,
    )


def _accepted(app, decider, held: _HeldBatches):
    held.add(app.filing)  # REN-5: something was evaluated in the period, or acceptance is refused early
    return renewal_services.renewal_accept(actor=decider, application=app, row_version=_rv(app))


def _renewal_to(target: str, filing: Filing, decider, leader, held: _HeldBatches, today: dt.date):
    """One paper application of `filing` taken by its authority to `target`."""
    app = _apply(decider, filing, today)
    if target == "not_accepted":
        return renewal_services.renewal_not_accept(
            actor=decider,
            application=app,
            reason="申请材料未加盖公章,请补正后重新申请。",
            row_version=_rv(app),
        )
    app = _accepted(app, decider, held)
    if target == "under_review":
        return app
    app = renewal_services.renewal_open_evaluation(
        actor=decider, application=app, leader=leader, members=(), row_version=_rv(app)
    )
    _score_and_sign(leader, app.evaluation, RENEWAL_DEDUCTIONS[target])
    if target == "evaluating":  # scored and signed: the outcome is the demo staff's to record
        return app
    app = renewal_services.renewal_record_outcome(
        actor=decider, application=app, row_version=_rv(app), today=today
    )
    if (
        app.status == "rectifying"
    ):  # REN-4: no evaluation during the rectification; planned batches called off
        _cancel_planned_batches(decider, filing, today)
    if target == "re_evaluating":  # rectified: the re-evaluation is opened, its form still to fill
        app = renewal_services.renewal_open_evaluation(
            actor=decider, application=app, leader=leader, members=(), row_version=_rv(app)
        )
    return app


def _two_step_renewal(filing: Filing, decider, staff, admin, held: _HeldBatches, today: dt.date):
    """A renewal of an authority that had another authority's centre evaluate it (two steps, seed 004):
    accepted while the setting named the centre, evaluated and its result recorded by the centre, now
    waiting for the bureau's review. The setting goes back to one step for the demo's other renewals."""
    province_admin = _user("authority_admin")
    centre_user = (
        province_admin if filing.authority_id != getattr(province_admin, "authority_id", None) else staff
    )
    if centre_user is None or centre_user.authority_id in (None, filing.authority_id):
        return _renewal_to("evaluating", filing, decider, _leader_for(filing, staff), held, today)
    _set_centre(admin, filing.authority, centre_user.authority)
    app = _accepted(_apply(decider, filing, today), decider, held)
    _set_centre(admin, filing.authority, None)
    leader = _leader_for(filing, staff)
    app = renewal_services.renewal_open_evaluation(
        actor=centre_user, application=app, leader=leader, members=(), row_version=_rv(app)
    )
    _score_and_sign(leader, app.evaluation, RENEWAL_DEDUCTIONS["bureau_review"])
    return renewal_services.renewal_record_outcome(
        actor=centre_user, application=app, row_version=_rv(app), today=today
    )


def _set_centre(admin, authority, centre) -> None:
    """The two-step setting of `authority`, its other renewal settings kept as saved."""
    from dudao.renewals.models import RenewalConfig

    config = RenewalConfig.objects.filter(authority=authority).first()
    kept = (
        {
            "renewal_years": config.renewal_years,
            "receipt_prefix": config.receipt_prefix,
            "notice_prefix": config.notice_prefix,
            "row_version": config.row_version,
        }
        if config
        else {"renewal_years": renewal_services.domain.DEFAULT_RENEWAL_YEARS}
    )
    renewal_services.renewal_config_save(actor=admin, authority=authority, evaluation_centre=centre, **kept)


def _cancel_planned_batches(actor, filing: Filing, today: dt.date) -> None:
    from dudao.registry import services as registry_services

    for batch in Batch.objects.filter(filing=filing, status="planned", starts_at__gte=_at(today, 0)).order_by(
        "id"
    ):
        registry_services.batch_cancel(
            actor=actor, batch=batch, reason="延续备案整改期内暂停认定工作", row_version=_rv(batch)
        )


class _HeldBatches:
    """Batches held in the past for the renewed filings, one week apart (no examiner is in two places)."""

    def __init__(self, actor, today: dt.date) -> None:
        self.actor, self.today, self.n = actor, today, 0

    def add(self, filing: Filing) -> None:
        if (
            Batch.objects.filter(filing=filing, starts_at__lt=_at(self.today, 0))
            .exclude(status="cancelled")
            .exists()
        ):
            return
        _held_batch(self.actor, filing, self.today - dt.timedelta(days=30 + 7 * self.n))
        self.n += 1


def _held_batch(actor, filing: Filing, day: dt.date) -> None:
    """A batch held on `day` (or the working day before), like the filing's first planned one (registry
    service, INST-3)."""
    from dudao.registry import services as registry_services

    model = Batch.objects.filter(filing=filing).exclude(status="cancelled").order_by("starts_at").first()
    if model is None:
        return
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    starts = _at(day, 9)
    registry_services.batch_create(
        actor=actor,
        institution=filing.institution_id,
        occupation=model.occupation_id,
        work_type=model.work_type,
        levels=list(model.levels),
        starts_at=starts,
        ends_at=starts + (model.ends_at - model.starts_at),
        venue=model.venue_id,
        candidate_count=model.candidate_count,
    )  # no examiner team recorded: the demo's examiner cards start today, after this batch


def _score_and_sign(leader, evaluation, deductions: dict[str, Any] | None = None) -> None:
    """Fill every CQ-RENEWAL item at its best answer but `deductions`, submit, sign (scorecards services)."""
    from dudao.scorecards import services as scorecards
    from dudao.scorecards.domain import shipped_forms

    form = shipped_forms()[evaluation.form_version.form_id]
    for item in form.items:
        if item.kind == "choice":
            value: Any = "full"
        elif item.kind == "bonus":
            value = False
        else:
            value = 0 if len(item.rules) == 1 else [0] * len(item.rules)
        value = (deductions or {}).get(item.id, value)
        evaluation = scorecards.evaluation_answer(
            actor=leader, evaluation=evaluation, item_id=item.id, value=value
        )
    evaluation = scorecards.evaluation_submit(
        actor=leader, evaluation=evaluation, row_version=_rv(evaluation)
    )
    scorecards.evaluation_sign(actor=leader, evaluation=evaluation)


def create_exams(today: dt.date) -> dict[str, Any]:
    from .exam_results import create_completed
    from .exams import create_exams as create

    return {**create(today), "completed": create_completed(today)}


def create(today: dt.date) -> dict[str, dict]:
    return {
        "supervision": create_supervision(today),
        "renewals": create_renewals(today),
        "draws": create_draws(today),
        "exams": create_exams(today),
        "complaints": create_complaints(today),
    }


def create_complaints(today: dt.date) -> dict[str, int]:
    from .complaints import create_complaints as create

    return create(today)


def delete_for(institution_ids: list[int], authority_ids: list[int] = ()) -> None:
    """`demo-data --reset`: the workflow rows of the demo institutions, dependents first (their audit
    events stay: the chain is never rewritten)."""
    from dudao.renewals.models import RenewalApplication, RenewalAttachment, RenewalDraft
    from dudao.supervision.models import (
        Finding,
        FindingEvidence,
        Opinion,
        Penalty,
        Rectification,
        RectificationEvidence,
        Report,
        SupervisionTask,
        SupervisorRating,
        TaskMember,
    )

    from .complaints import delete_for as delete_complaints
    from .exams import delete_for as delete_exams

    delete_complaints(institution_ids)  # before the tasks and penalties they link to
    delete_exams(institution_ids)
    tasks = SupervisionTask.objects.filter(institution_id__in=institution_ids)
    Penalty.objects.filter(institution_id__in=institution_ids).delete()
    SupervisorRating.objects.filter(task__in=tasks).delete()
    RectificationEvidence.objects.filter(rectification__task__in=tasks).delete()
    Rectification.objects.filter(task__in=tasks).delete()
    Opinion.objects.filter(task__in=tasks).delete()
    for report in Report.objects.filter(task__in=tasks).order_by("-version"):
        report.delete()  # corrections point at their previous version
    FindingEvidence.objects.filter(finding__task__in=tasks).delete()
    Finding.objects.filter(task__in=tasks).delete()
    TaskMember.objects.filter(task__in=tasks, replaced_by__isnull=False).update(replaced_by=None)
    TaskMember.objects.filter(task__in=tasks).delete()
    tasks.delete()
    from dudao.supervision.models import Draw, DrawWitness

    draws = Draw.objects.filter(Q(authority_id__in=authority_ids) | Q(institution_id__in=institution_ids))
    DrawWitness.objects.filter(draw__in=draws).delete()
    draws.delete()
    apps = RenewalApplication.objects.filter(institution_id__in=institution_ids)
    RenewalAttachment.objects.filter(application__in=apps).delete()
    apps.delete()
    RenewalDraft.objects.filter(institution_id__in=institution_ids).delete()
    from dudao.scorecards.models import Evaluation, EvaluationItemNote, EvaluationMember, Evidence

    evaluations = Evaluation.objects.filter(institution_id__in=institution_ids)
    Evidence.objects.filter(evaluation__in=evaluations).delete()
    EvaluationItemNote.objects.filter(evaluation__in=evaluations).delete()
    EvaluationMember.objects.filter(evaluation__in=evaluations).delete()
    for evaluation in evaluations.order_by("-id"):  # corrections point at their previous version
        evaluation.delete()


def _witness_value(draw, n: int) -> str:
    return f"demo-witness-{draw.pk}-{n}-0123456789abcdef"


def create_draws(today: dt.date) -> dict[str, int]:
    """双随机 draws of the demo authority in every state: defined, published, run, locked (tasks
    dispatched) and cancelled; two witnesses each (their values are demo values)."""
    from dudao.common.domain import digest

    actor = _user("authority_admin")
    if actor is None:
        return {}
    states: dict[str, int] = {}
    steps = ("defined", "published", "run", "locked", "cancelled")
    for n, target in enumerate(steps):
        draw = sup.draw_define(
            actor=actor,
            title=f"{today:%Y年%m月}评价批次日常督导抽取(演示 {n + 1})",
            period_start=today + dt.timedelta(days=1),
            period_end=today + dt.timedelta(days=30),
            sample_count=2,
            group_size=1,
            group_reason=GROUP_REASON,
        )
        if target != "defined":
            for i in (1, 2):
                sup.draw_witness_add(
                    actor=actor,
                    draw=draw,
                    name=f"见证人{i}",
                    role="discipline" if i == 1 else "notary",
                    commitment=digest(_witness_value(draw, i), draw.hash_algorithm),
                    row_version=_rv(draw),
                )
            if target == "cancelled":
                draw = sup.draw_cancel(
                    actor=actor, draw=draw, reason="抽取范围需调整,取消后重新定义", row_version=_rv(draw)
                )
            else:
                draw = sup.draw_publish(actor=actor, draw=draw, row_version=_rv(draw))
        if target in ("run", "locked"):
            for witness in draw.witnesses.order_by("position"):
                sup.draw_witness_reveal(
                    actor=actor,
                    draw=draw,
                    witness=witness,
                    value=_witness_value(draw, witness.position),
                    row_version=_rv(draw),
                )
            draw = sup.draw_run(actor=actor, draw=draw, row_version=_rv(draw))
        if target == "locked":
            draw = sup.draw_lock(actor=actor, draw=draw, row_version=_rv(draw))
        draw.refresh_from_db()
        states[draw.status] = states.get(draw.status, 0) + 1
    return states
