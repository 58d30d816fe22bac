"""Masked marking (EXAM-6, 16, 18): codes, independent marks in the role each paper needs, the team
leader's mark with a reason, signed score books (never blank), the tallier's join into the results, and
signed corrections."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.exams import services
from dudao.exams.models import (
    CheckIn,
    ExamResult,
    Mark,
    Marking,
    Objection,
    Paper,
    RoomStaff,
    ScoreBook,
    Seat,
    Violation,
)
from dudao.exams.services.marking import CODE_ALPHABET, paper_rows
from tests.exams.marking_support import (
    code_of,
    examiner_user,
    give,
    mark_all,
    marking_setup,
    open_double,
    session_with_seats,
)
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_exam(time_machine):
    time_machine.move_to(fx.at(fx.EXAM_DAY, 14))


@pytest.fixture
def setup(plan, inst_admin, auth_staff, authority):
    return marking_setup(plan, inst_admin, auth_staff, authority)


# ------------------------------------------------------------------------------------------- opening


def test_opening_codes_every_seat_and_flags_the_absent(setup, inst_admin, after_exam):
    marking = open_double(setup, inst_admin)
    papers = list(Paper.objects.filter(marking=marking))
    assert len(papers) == 3
    assert len({p.code for p in papers}) == 3
    assert all(len(p.code) == 8 and set(p.code) <= set(CODE_ALPHABET) for p in papers)
    absent = Paper.objects.get(marking=marking, seat__registration=setup["regs"][2])
    assert absent.absent is True
    assert marking.tolerance == Decimal("10.00")  # EXAM-16: 10 % of 100
    event = AuditEvent.objects.filter(action="exams.marking.open").get()
    assert event.after["papers"] == 3 and event.after["absent"] == 1


def test_opening_waits_for_the_session_to_start(setup, inst_admin, time_machine):
    time_machine.move_to(fx.at(fx.EXAM_DAY, 8, 59))
    with pytest.raises(IllegalTransition):
        open_double(setup, inst_admin)
    time_machine.move_to(fx.at(fx.EXAM_DAY, 9, 0))
    assert open_double(setup, inst_admin).status == Marking.Status.MARKING


def test_opening_needs_every_seat_checked_in_or_absent(setup, inst_admin, after_exam):
    CheckIn.objects.filter(seat__registration=setup["regs"][0]).delete()
    with pytest.raises(IllegalTransition) as exc:
        open_double(setup, inst_admin)
    assert "1 个座位" in exc.value.message
    assert not Marking.objects.exists()


def test_opening_refusals(setup, inst_admin, users, after_exam):
    with pytest.raises(ValidationFailed):
        open_double(setup, inst_admin, mode="panel")  # a theory paper is double- or single-marked
    with pytest.raises(ValidationFailed):
        open_double(setup, inst_admin, leader=users[Role.EXAMINER].person.examiner.pk)  # not on the staff
    with pytest.raises(ValidationFailed):
        open_double(setup, inst_admin, tolerance="100.5")  # above the full marks
    for role in (Role.EXAMINER, Role.AUTHORITY_STAFF, Role.EXTERNAL_SUPERVISOR):
        with pytest.raises(PermissionDenied):
            services.marking_open(actor=users[role], session=setup["session"], mode="double", leader=1)
    assert not Marking.objects.exists()
    open_double(setup, inst_admin)
    with pytest.raises(Conflict):
        open_double(setup, inst_admin)


def test_an_individual_void_makes_the_paper_absent_exam8(setup, inst_admin, after_exam):
    first = setup["regs"][0]
    seat = Seat.objects.get(session=setup["session"], registration=first)
    services.violation_record(
        actor=inst_admin, room=seat.room, seat=seat, measure=Violation.Measure.VOID, facts="夹带"
    )
    marking = open_double(setup, inst_admin)
    assert Paper.objects.get(marking=marking, seat__registration=first).absent is True


# ------------------------------------------------------------------------------------- double marking


def test_marks_within_the_tolerance_average_exam16(setup, inst_admin, after_exam):
    e1, e2, *_ = setup["markers"]
    marking = open_double(setup, inst_admin)
    first = setup["regs"][0]
    give(marking, e1, first, 70)
    give(marking, e2, first, 80)  # exactly the tolerance apart: within
    row = next(r for r in paper_rows(marking) if r["paper"].seat.registration_id == first.pk)
    assert row["standing"].step == "done" and row["standing"].mark == 75


def test_a_tenth_over_the_tolerance_needs_a_third_marker_from_someone_else(setup, inst_admin, after_exam):
    e1, e2, e3, _ = setup["markers"]
    marking = open_double(setup, inst_admin)
    first = setup["regs"][0]
    give(marking, e1, first, 70)
    give(marking, e2, first, "80.1")
    with pytest.raises(Conflict):
        give(marking, e1, first, 75)  # the third mark must come from another examiner
    third = give(marking, e3, first, 79)
    assert third.role == Mark.Role.THIRD
    row = next(r for r in paper_rows(marking) if r["paper"].seat.registration_id == first.pk)
    assert row["standing"].mark == Decimal("79.55")  # the closest pair (79, 80.1)
    with pytest.raises(IllegalTransition):
        give(marking, setup["markers"][3], first, 70)  # nothing more to mark


def test_the_leader_decides_with_a_reason_when_the_closest_pair_still_disagrees(
    setup, inst_admin, after_exam
):
    e1, e2, e3, leader = setup["markers"]
    marking = open_double(setup, inst_admin)
    first = setup["regs"][0]
    give(marking, e1, first, 40)
    give(marking, e2, first, 80)
    give(marking, e3, first, 60)  # pairs tie at 20 apart; both over the tolerance
    with pytest.raises(PermissionDenied):
        give(marking, e1, first, 65, reason="复核")  # only the team leader
    with pytest.raises(ValidationFailed):
        give(marking, leader, first, 65)  # a reason is required
    mark = give(marking, leader, first, 65, reason="按评分标准第3题复核")
    assert (mark.role, mark.reason) == (Mark.Role.LEADER, "按评分标准第3题复核")


def test_mark_values_are_checked(setup, inst_admin, after_exam):
    e1 = setup["markers"][0]
    marking = open_double(setup, inst_admin)
    first = setup["regs"][0]
    for bad in ("abc", "-1", "100.5", "70.25", "NaN", ""):
        with pytest.raises(ValidationFailed):
            give(marking, e1, first, bad)
    assert give(marking, e1, first, "100").value == 100  # the full marks exactly
    with pytest.raises(ValidationFailed):
        services.mark_submit(actor=e1, marking=marking, code="ZZZZZZZZ", value=50)
    with pytest.raises(IllegalTransition):
        give(marking, setup["markers"][1], setup["regs"][2], 50)  # absent: not marked
    assert Mark.objects.count() == 1


def test_only_the_sessions_examiners_mark(setup, inst_admin, users, after_exam):
    marking = open_double(setup, inst_admin)
    for user in (inst_admin, users[Role.EXAMINER], users[Role.AUTHORITY_STAFF]):
        with pytest.raises(PermissionDenied):
            give(marking, user, setup["regs"][0], 70)
    assert not Mark.objects.exists()


# ------------------------------------------------------------------------------------------ signing


def test_a_book_with_a_paper_waiting_cannot_be_signed(setup, inst_admin, after_exam):
    e1 = setup["markers"][0]
    marking = open_double(setup, inst_admin)
    give(marking, e1, setup["regs"][0], 70)
    with pytest.raises(IllegalTransition) as exc:
        services.scorebook_sign(actor=e1, marking=marking)
    assert "2 份试卷" in exc.value.message
    assert not ScoreBook.objects.exists()


def test_markers_sign_then_the_tallier_joins_the_results(setup, inst_admin, users, after_exam):
    e1, e2, e3, _ = setup["markers"]
    marking = open_double(setup, inst_admin)
    mark_all(marking, setup)
    tallier = users[Role.INSTITUTION_STAFF]
    with pytest.raises(PermissionDenied):
        services.scorebook_sign(actor=e3, marking=marking)  # marked nothing
    services.scorebook_sign(actor=e1, marking=marking)
    with pytest.raises(Conflict):
        services.scorebook_sign(actor=e1, marking=marking)
    with pytest.raises(IllegalTransition):
        services.scorebook_sign(actor=tallier, marking=marking)  # e2 has not signed
    services.scorebook_sign(actor=e2, marking=marking)
    assert not ExamResult.objects.exists()  # identities stay masked until the tallier signs
    services.scorebook_sign(actor=tallier, marking=marking)
    marking.refresh_from_db()
    assert marking.status == Marking.Status.SIGNED
    book = ScoreBook.objects.get()
    assert (book.version, book.status) == (1, ScoreBook.Status.SIGNED)
    assert set(book.signatures.values_list("role", flat=True)) == {"marker", "tallier"}
    assert all(s.digest == book.digest for s in book.signatures.all())
    first, second, third = setup["regs"]
    theory = {r.registration_id: r.judged["subjects"][0] for r in ExamResult.objects.all()}
    assert theory[first.pk]["mark"] == 72 and theory[first.pk]["pass"] is True
    assert theory[second.pk]["mark"] == 53 and theory[second.pk]["pass"] is False
    assert theory[third.pk]["status"] == "absent" and theory[third.pk]["pass"] is False
    join = AuditEvent.objects.filter(action="exams.marking.join").get()
    assert join.after["digest"] == book.digest
    assert all(set(row) == {"code", "absent", "marks", "mark"} for row in book.content)  # no identity


def test_a_marker_cannot_tally(setup, inst_admin, after_exam):
    e1, e2, *_ = setup["markers"]
    marking = open_double(setup, inst_admin)
    mark_all(marking, setup)
    services.scorebook_sign(actor=e1, marking=marking)
    services.scorebook_sign(actor=e2, marking=marking)
    inst_admin.person = e1.person  # the institution's account of an examiner who marked
    with pytest.raises(PermissionDenied):
        services.scorebook_sign(actor=inst_admin, marking=marking)


def test_a_correction_is_a_new_signed_version_with_its_reason(setup, inst_admin, users, after_exam):
    e1, e2, *_ = setup["markers"]
    tallier = users[Role.INSTITUTION_STAFF]
    marking = open_double(setup, inst_admin)
    mark_all(marking, setup)
    for user in (e1, e2, tallier):
        services.scorebook_sign(actor=user, marking=marking)
    first = setup["regs"][0]
    with pytest.raises(ValidationFailed):
        services.mark_correct(actor=e1, marking=marking, code=code_of(marking, first), value=72, reason="")
    services.mark_correct(
        actor=e1, marking=marking, code=code_of(marking, first), value=72, reason="第5题漏计2分"
    )
    marking.refresh_from_db()
    assert marking.status == Marking.Status.MARKING
    assert ScoreBook.objects.get(version=1).status == ScoreBook.Status.SUPERSEDED
    assert Mark.objects.filter(current=False).get().value == 70  # the old mark stays
    for user in (e1, e2, tallier):
        services.scorebook_sign(actor=user, marking=marking)
    v2 = ScoreBook.objects.get(version=2)
    assert (v2.status, v2.reason) == (ScoreBook.Status.SIGNED, "第5题漏计2分")
    result = ExamResult.objects.get(registration=first)
    assert (result.version, result.judged["subjects"][0]["mark"]) == (2, 73)


def test_correcting_into_agreement_withdraws_the_third_mark(setup, inst_admin, after_exam):
    e1, e2, e3, _ = setup["markers"]
    marking = open_double(setup, inst_admin)
    first = setup["regs"][0]
    give(marking, e1, first, 50)
    give(marking, e2, first, 70)
    give(marking, e3, first, 66)
    services.mark_correct(
        actor=e1, marking=marking, code=code_of(marking, first), value=65, reason="看错题号"
    )
    assert not Mark.objects.filter(role=Mark.Role.THIRD, current=True).exists()
    event = AuditEvent.objects.filter(action="exams.mark.correct").get()
    assert event.after["withdrawn"] == ["third"]


def test_publication_waits_for_signed_books_and_forms_cannot_override_them(
    setup, inst_admin, users, after_exam
):
    marking = open_double(setup, inst_admin)
    mark_all(marking, setup)
    with pytest.raises(IllegalTransition) as exc:
        services.results_publish(actor=inst_admin, plan=marking.session.plan)
    assert "评分册未签字" in exc.value.message
    for user in (*setup["markers"][:2], users[Role.INSTITUTION_STAFF]):
        services.scorebook_sign(actor=user, marking=marking)
    first = setup["regs"][0]
    with pytest.raises(ValidationFailed):
        services.results_record(
            actor=inst_admin,
            plan=marking.session.plan,
            entries=[{"registration": first.number, "subjects": [{"subject": "theory", "mark": 99}]}],
        )
    services.results_record(
        actor=inst_admin,
        plan=marking.session.plan,
        entries=[{"registration": first.number, "subjects": [{"subject": "practical", "mark": 80}]}],
    )
    result = ExamResult.objects.get(registration=first)
    assert [s["subject"] for s in result.judged["subjects"]] == ["theory", "practical"]
    assert result.passed is True


def test_marking_is_refused_after_publication(setup, inst_admin, users, after_exam, time_machine):
    marking = open_double(setup, inst_admin)
    mark_all(marking, setup)
    for user in (*setup["markers"][:2], users[Role.INSTITUTION_STAFF]):
        services.scorebook_sign(actor=user, marking=marking)
    services.results_record(
        actor=inst_admin,
        plan=marking.session.plan,
        entries=[
            {"registration": r.number, "subjects": [{"subject": "practical", "mark": 80}]}
            for r in setup["regs"]
        ],
    )
    services.results_publish(actor=inst_admin, plan=marking.session.plan)
    with pytest.raises(IllegalTransition):
        services.mark_correct(
            actor=setup["markers"][0],
            marking=marking,
            code=code_of(marking, setup["regs"][0]),
            value=60,
            reason="改分",
        )


def signed_and_published(setup, inst_admin, users):
    """The theory book signed (markers, then the tallier), practical recorded for the two present
    candidates, the results published."""
    marking = open_double(setup, inst_admin)
    mark_all(marking, setup)
    for user in (*setup["markers"][:2], users[Role.INSTITUTION_STAFF]):
        services.scorebook_sign(actor=user, marking=marking)
    services.results_record(
        actor=inst_admin,
        plan=marking.session.plan,
        entries=[
            {"registration": r.number, "subjects": [{"subject": "practical", "mark": 80}]}
            for r in setup["regs"][:2]
        ],
    )
    services.results_publish(actor=inst_admin, plan=marking.session.plan)
    return marking


def test_an_objection_on_an_online_subject_is_a_signed_correction_exam17(
    setup, inst_admin, users, after_exam
):
    marking = signed_and_published(setup, inst_admin, users)
    tallier = users[Role.INSTITUTION_STAFF]
    first, second, _ = setup["regs"]
    e1, e2 = setup["markers"][:2]
    objection = services.objection_file(registration=second, subject="theory", reason="理论成绩偏低")
    kept = services.objection_file(registration=first, subject="theory", reason="核对分数")
    assert objection.before["pass"] is False  # the result as it stood when filed
    with pytest.raises(ValidationFailed, match="在线阅卷"):  # a typed mark would bypass the signed book
        services.objection_handle(
            actor=inst_admin,
            objection=objection,
            outcome="更正",
            subject_marks={"subject": "theory", "mark": 70},
        )
    services.mark_correct(
        actor=e1, marking=marking, code=code_of(marking, second), value=66, reason="复核漏计一题"
    )
    with pytest.raises(Conflict, match="重新签字"):
        services.objection_handle(actor=inst_admin, objection=objection, outcome="更正")
    for user in (e1, e2, tallier):
        services.scorebook_sign(actor=user, marking=marking)
    result = ExamResult.objects.get(registration=second)
    assert result.passed is True and result.version == 3  # 66 and 56 differ by exactly the tolerance: 61
    handled = services.objection_handle(
        actor=inst_admin, objection=objection, outcome="漏计一题,更正为 61 分"
    )
    assert handled.status == Objection.Status.UPHELD
    assert (handled.before["pass"], handled.after["pass"]) == (False, True)
    dismissed = services.objection_handle(actor=inst_admin, objection=kept, outcome="核对无误,维持原成绩")
    assert dismissed.status == Objection.Status.DISMISSED and dismissed.after is None
    # no objection open any more: marks are closed again
    with pytest.raises(IllegalTransition):
        services.mark_correct(
            actor=e1, marking=marking, code=code_of(marking, second), value=70, reason="再改"
        )
    with pytest.raises(IllegalTransition):
        services.scorebook_sign(actor=e1, marking=marking)


def test_only_the_objecting_candidates_paper_may_change_after_publication(
    setup, inst_admin, users, after_exam
):
    marking = signed_and_published(setup, inst_admin, users)
    first, second, _ = setup["regs"]
    services.objection_file(registration=second, subject="theory", reason="理论成绩偏低")
    with pytest.raises(IllegalTransition, match="复核申请中的试卷"):
        services.mark_correct(
            actor=setup["markers"][0],
            marking=marking,
            code=code_of(marking, first),
            value=60,
            reason="顺便改分",
        )
    assert Mark.objects.filter(supersedes__isnull=False).count() == 0


# ------------------------------------------------------------------------------------------- panels


def test_a_practical_panel_marks_alone_and_needs_every_member(
    plan, inst_admin, auth_staff, authority, users, time_machine
):
    regs = [fx.approve(fx.register(plan, n), inst_admin, auth_staff) for n in (1, 2)]
    time_machine.move_to(fx.at(fx.EXAM_DAY, 14))
    session, (room,) = session_with_seats(plan, inst_admin, subject="practical", rooms=((2,),))
    services.seats_assign(actor=inst_admin, plan=plan)
    members = [examiner_user(authority, n) for n in range(1, 4)]
    outsider = examiner_user(authority, 9)
    other_room = services.room_create(
        actor=inst_admin, session=session, values={"name": "备用", "capacity": 1}
    )
    for user in members:
        RoomStaff.objects.create(room=room, examiner=user.person.examiner)
    RoomStaff.objects.create(room=other_room, examiner=outsider.person.examiner)
    for seat in Seat.objects.filter(session=session):
        CheckIn.objects.create(seat=seat, status="present", at=fx.at(fx.EXAM_DAY, 8, 55), by=inst_admin)
    marking = services.marking_open(
        actor=inst_admin, session=session, mode="panel", leader=members[0].person.examiner.pk
    )
    with pytest.raises(PermissionDenied):
        give(marking, outsider, regs[0], 80)  # not on this room's panel
    give(marking, members[0], regs[0], 80)
    give(marking, members[1], regs[0], 70)
    row = next(r for r in paper_rows(marking) if r["paper"].seat.registration_id == regs[0].pk)
    assert row["standing"].step == "initial"  # the third member has not marked
    give(marking, members[2], regs[0], 66)
    row = next(r for r in paper_rows(marking) if r["paper"].seat.registration_id == regs[0].pk)
    assert (row["standing"].step, row["standing"].mark) == ("done", Decimal(72))
    assert [a.kind for a in row["standing"].anomalies] == ["spread"]  # 80 − 66 > 10


def test_review_is_panel_only(plan, inst_admin, auth_staff, authority, after_exam):
    session, (room,) = session_with_seats(plan, inst_admin, subject="review", level=2, rooms=((1, 3),))
    member = examiner_user(authority, 1)
    RoomStaff.objects.create(room=room, examiner=member.person.examiner)
    with pytest.raises(ValidationFailed):
        services.marking_open(
            actor=inst_admin, session=session, mode="double", leader=member.person.examiner.pk
        )
