"""REN-4 + seed 004 整改通知书: a renewal that ended in rectification and whose deadline passed without
completion leads to the termination of the filing through the supervision app's FilingTermination
(notice, statement window in working days, decision)."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.registry.models import Filing
from dudao.renewals import services
from dudao.renewals.models import RenewalApplication
from dudao.supervision import services as supervision_services
from dudao.supervision.models import FilingTermination
from tests import factories as f

from .conftest import D, apply, counts, open_evaluation, run_evaluation, rv, state

DEADLINE = D("2025-04-28")


@pytest.fixture
def rectifying(users, filing, evaluators):
    staff = users[Role.AUTHORITY_STAFF]
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    app = services.renewal_accept(actor=staff, application=app, row_version=app.row_version)
    app = open_evaluation(staff, app, evaluators)
    run_evaluation(app, f.RECTIFY_DEDUCTIONS, f.RECTIFY_NOTES)
    app = services.renewal_record_outcome(
        actor=staff, application=app, row_version=rv(app), today=D("2024-10-28")
    )
    assert (app.status, app.rectification_deadline) == ("rectifying", DEADLINE)
    return app


def _start(actor, app, today):
    return services.renewal_start_termination(
        actor=actor, application=app, notice="整改期满未提交整改报告", row_version=rv(app), today=today
    )


def test_deadline_day_is_still_open_termination_from_the_next_day(users, rectifying):
    staff = users[Role.AUTHORITY_STAFF]
    before, snapshot = counts(), state(rectifying)
    with pytest.raises(IllegalTransition) as exc:
        _start(staff, rectifying, DEADLINE)
    assert exc.value.code == "rectification_open"
    assert str(exc.value.message) == "整改期限至 2025-04-28,尚未届满,期满后方可启动终止备案程序"
    assert (counts(), state(rectifying), FilingTermination.objects.count()) == (before, snapshot, 0)

    t = _start(staff, rectifying, D("2025-04-29"))
    # CAL-2: 5 working days after 2025-04-29 (May 1–5 off) → 2025-05-09.
    assert (t.ground, t.renewal_id, t.task_id, t.rectification_id, t.status, t.statement_due_on) == (
        "renewal_rectification_overdue",
        rectifying.pk,
        None,
        None,
        "notified",
        D("2025-05-09"),
    )
    assert (t.filing_id, t.authority_id, t.institution_id) == (
        rectifying.filing_id,
        rectifying.authority_id,
        rectifying.institution_id,
    )
    assert AuditEvent.objects.filter(action="supervision.termination.start", object_id=str(t.pk)).count() == 1
    # One procedure at a time.
    with pytest.raises(Conflict):
        _start(staff, rectifying, D("2025-04-30"))


def test_only_the_filing_authority_starts_it(users, rectifying, other_authority):
    before = counts()
    with pytest.raises(PermissionDenied):
        _start(users[Role.INSTITUTION_ADMIN], rectifying, D("2025-04-29"))
    outsider = f.UserFactory(username="gd_staff2", role=Role.AUTHORITY_STAFF, authority=other_authority)
    with pytest.raises(NotFound):
        _start(outsider, rectifying, D("2025-04-29"))
    with pytest.raises(ValidationFailed):
        services.renewal_start_termination(
            actor=users[Role.AUTHORITY_STAFF],
            application=rectifying,
            notice=" ",
            row_version=rv(rectifying),
            today=D("2025-04-29"),
        )
    assert (counts(), FilingTermination.objects.count()) == (before, 0)


def test_not_in_rectification_cannot_start(users, filing):
    app = apply(users[Role.INSTITUTION_ADMIN], filing)
    with pytest.raises(IllegalTransition):
        _start(users[Role.AUTHORITY_STAFF], app, D("2025-04-29"))


def test_statement_then_termination_closes_the_renewal(users, rectifying, evaluators):
    staff, inst_admin = users[Role.AUTHORITY_STAFF], users[Role.INSTITUTION_ADMIN]
    t = _start(staff, rectifying, D("2025-04-29"))
    # While the procedure is open the re-evaluation cannot be opened.
    with pytest.raises(Conflict) as exc:
        open_evaluation(staff, rectifying, evaluators)
    assert exc.value.code == "termination_open"
    # The supervision services take it from here (right to be heard, then the decision). The test clock
    # (2026-12-03) is past the statement window.
    with pytest.raises(IllegalTransition):
        supervision_services.termination_statement(actor=inst_admin, termination=t, statement="已整改")
    t = supervision_services.termination_decide(
        actor=staff, termination=t, decision="terminate", note="逾期未完成整改", row_version=t.row_version
    )
    assert t.status == "terminated"
    filing = Filing.objects.get(pk=rectifying.filing_id)
    assert (filing.status, filing.status_reason) == ("terminated", "终止备案:延续备案整改期满未完成整改")
    app = RenewalApplication.objects.get(pk=rectifying.pk)
    assert (app.status, app.outcome_reason) == ("refused", "整改期限届满未完成整改,备案已终止:逾期未完成整改")
    assert app.filing_closed_at is not None
    assert (
        AuditEvent.objects.filter(action="renewals.application.terminated", object_id=str(app.pk)).count()
        == 1
    )


def test_withdrawn_procedure_lets_the_re_evaluation_go_on(users, rectifying, evaluators):
    staff = users[Role.AUTHORITY_STAFF]
    t = _start(staff, rectifying, D("2025-04-29"))
    supervision_services.termination_decide(
        actor=staff, termination=t, decision="withdraw", note="已提交整改报告", row_version=t.row_version
    )
    assert RenewalApplication.objects.get(pk=rectifying.pk).status == "rectifying"
    app = open_evaluation(staff, rectifying, evaluators)
    assert app.status == "re_evaluating"


def test_pages_and_notice_of_a_renewal_termination(client_as, users, rectifying):
    from dudao.supervision.documents_termination import termination_context

    staff = client_as(users[Role.AUTHORITY_STAFF])
    # The test clock (2026-12-03) is past the deadline: the authority sees the start form.
    page = staff.get(f"/renewals/{rectifying.pk}/").content.decode()
    assert "整改期满未完成:启动终止备案程序" in page
    inst_page = client_as(users[Role.INSTITUTION_ADMIN]).get(f"/renewals/{rectifying.pk}/").content.decode()
    assert "启动终止备案程序" not in inst_page
    denied = client_as(users[Role.INSTITUTION_ADMIN]).post(
        f"/renewals/{rectifying.pk}/termination/", {"notice": "x", "row_version": rv(rectifying)}
    )
    assert denied.status_code == 403
    assert FilingTermination.objects.count() == 0
    r = staff.post(
        f"/renewals/{rectifying.pk}/termination/",
        {"notice": "整改期满未完成整改", "row_version": rv(rectifying)},
    )
    t = FilingTermination.objects.get()
    assert (r.status_code, r["Location"]) == (302, f"/supervision/terminations/{t.pk}/")
    detail = staff.get(f"/supervision/terminations/{t.pk}/").content.decode()
    assert "延续备案整改期满未完成整改" in detail and "延备整改〔2024〕1号" in detail
    assert staff.get("/supervision/terminations/").status_code == 200
    facts = termination_context(t)["body"][0]
    assert facts == (
        "2024年10月28日，江西省职业技能鉴定指导中心经延续备案评估向你单位下达整改通知书（延备整改〔2024〕1号），"
        "整改期限至2025年4月28日。截至整改期限届满，你单位未完成整改。"
    )
    assert staff.get(f"/renewals/{rectifying.pk}/").content.decode().count("启动终止备案程序") == 0
