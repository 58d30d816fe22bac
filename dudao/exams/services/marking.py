"""Writers of masked marking and signed score books (EXAM-6, 16, 18).

The institution opens the marking of a session once it has started and every seat is checked in or marked
absent: each seat's paper gets a random code, and the markers (the examiners on the session's rooms'
current staff) see codes only. Each mark is given alone; an examiner sees a paper's other marks only after
giving his own (EXAM-18). The rules of `domain.score_book` say which mark a paper needs next. When no paper
waits for a mark, every examiner who marked signs the score book's digest, then the tallier (an
institution user who did not mark); the tallier's signature joins the codes back to the candidates and
writes the subject into their results. A correction supersedes a mark with a reason; it voids the
signatures given so far, and the next signing makes a new book version carrying the reasons.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.accounts.permissions import is_examiner
from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.writes import checked_text, lock, require

from ..domain import marking as rules
from ..domain import score_book as book_rules
from ..domain.results import ResultsInputError, judge
from ..models import (
    Certificate,
    CheckIn,
    ExamResult,
    ExamSession,
    Mark,
    Marking,
    Objection,
    Paper,
    ResultPublication,
    RoomStaff,
    ScoreBook,
    ScoreBookSignature,
    Seat,
    Violation,
)
from ..permissions import may_run
from .results import result_save
from .retakes import retake_subjects

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are read aloud and typed
CODE_LENGTH = 8
ROLE_OF_STEP = {
    book_rules.INITIAL: Mark.Role.INITIAL,
    book_rules.THIRD: Mark.Role.THIRD,
    book_rules.LEADER: Mark.Role.LEADER,
}


# ------------------------------------------------------------------------------------------ reading


def current_staff(session: ExamSession):
    """The session's rooms' current staff rows (a replaced examiner no longer marks)."""
    return RoomStaff.objects.filter(room__session=session, replaced_by__isnull=True)


def examiner_of(user: Any, marking: Marking):
    """The user's examiner if he is one of the marking's markers, else None."""
    person_id = getattr(user, "person_id", None)
    if not (is_examiner(user) and person_id):
        return None
    row = (
        current_staff(marking.session)
        .filter(examiner__person_id=person_id)
        .select_related("examiner")
        .first()
    )
    return row.examiner if row else None


def voided_registrations(session: ExamSession) -> set[int]:
    """Registrations whose subject was stopped or voided in this session (EXAM-8 [interpretation]: a stopped
    exam yields no valid mark either): an individual measure, or a collective one the centre approved."""
    decided = Q(approval__in=(Violation.Approval.NOT_NEEDED, Violation.Approval.APPROVED))
    measures = Q(measure__in=(Violation.Measure.STOP, Violation.Measure.VOID))
    individual = set(
        Violation.objects.filter(decided, measures, room__session=session, collective=False).values_list(
            "registration_id", flat=True
        )
    )
    rooms = Violation.objects.filter(decided, measures, room__session=session, collective=True).values_list(
        "room_id", flat=True
    )
    collective = set(Seat.objects.filter(room_id__in=list(rooms)).values_list("registration_id", flat=True))
    return individual | collective


def paper_rows(marking: Marking) -> list[dict[str, Any]]:
    """Every paper of the marking with its current marks and standing (three queries)."""
    papers = list(
        Paper.objects.filter(marking=marking).select_related("seat__registration__person").order_by("code")
    )
    marks: dict[int, list[Mark]] = defaultdict(list)
    for mark in Mark.objects.filter(paper__marking=marking, current=True).select_related("examiner__person"):
        marks[mark.paper_id].append(mark)
    panel_sizes: dict[int, int] = defaultdict(int)
    if marking.mode == Marking.Mode.PANEL:
        for room_id in current_staff(marking.session).values_list("room_id", flat=True):
            panel_sizes[room_id] += 1
    rows = []
    for paper in papers:
        own = sorted(marks[paper.pk], key=lambda m: (m.at, m.pk))
        state = state_of(marking, paper, own, panel_sizes.get(paper.seat.room_id, 0))
        rows.append({"paper": paper, "marks": own, "state": state, "standing": book_rules.standing(state)})
    return rows


def state_of(marking: Marking, paper: Paper, marks: list[Mark], panel_size: int) -> book_rules.PaperState:
    def value(role: str) -> Fraction | None:
        found = [m for m in marks if m.role == role]
        return rules.exact(found[0].value) if found else None

    return book_rules.PaperState(
        mode=marking.mode,
        full=Fraction(marking.full),
        tolerance=rules.exact(marking.tolerance),
        initial=tuple(rules.exact(m.value) for m in marks if m.role == Mark.Role.INITIAL),
        third=value(Mark.Role.THIRD),
        leader=value(Mark.Role.LEADER),
        panel_size=panel_size,
        absent=paper.absent,
    )


# ------------------------------------------------------------------------------------------ writing


def _refuse_after_publication(
    marking_or_session: Any, *, paper: Paper | None = None, for_objection: bool = False
) -> None:
    """After publication nothing is marked any more (EXAM-9), except for an open objection (EXAM-17): a
    paper of the re-checked subject may be corrected (`paper`) and the book signed again (`for_objection`:
    any paper of this session under an open objection)."""
    session = getattr(marking_or_session, "session", marking_or_session)
    if not ResultPublication.objects.filter(plan_id=session.plan_id).exists():
        return
    if paper is not None or for_objection:
        open_ = Objection.objects.filter(
            status=Objection.Status.OPEN, subject=session.subject, registration__seats__session=session
        )
        if paper is not None:
            open_ = open_.filter(registration_id=paper.seat.registration_id)
        if open_.exists():
            if (
                paper is not None
                and Certificate.objects.filter(
                    registration_id=paper.seat.registration_id, status=Certificate.Status.VALID
                ).exists()
            ):
                raise Conflict("该考生已发证,须先由发证机构注销证书,才能更正成绩")
            return
    raise IllegalTransition("成绩已公示,只有复核申请中的试卷可以更正,请先受理考生的复核申请")


def _decimal(value: Any, field: str, label: str, *, limit: Decimal | None) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{label}应为数字", detail={field: [f"{label}应为数字"]}) from None
    if not number.is_finite() or number < 0 or (limit is not None and number > limit):
        message = f"{label}应在 0 到 {limit} 之间" if limit is not None else f"{label}不能为负"
        raise ValidationFailed(message, detail={field: [message]})
    if number != number.quantize(Decimal("0.1")):
        raise ValidationFailed(f"{label}最多保留一位小数", detail={field: ["最多保留一位小数"]})
    return number


@transaction.atomic
def marking_open(
    *, actor: Any, session: ExamSession, mode: Any, leader: Any, full: Any = 100, tolerance: Any = None
) -> Marking:
    """Open the marking of a started session (the institution's users): a random code per seat; seats
    checked absent, or stopped/voided (EXAM-8), are papers that are not marked."""
    require(may_run(actor, session), "只有本机构的工作人员可以开启阅卷")
    session = lock(ExamSession, session.pk)
    _refuse_after_publication(session)
    if Marking.objects.filter(session=session).exists():
        raise Conflict("本场次已开启阅卷")
    if timezone.now() < session.starts_at:
        raise IllegalTransition("本场次尚未开考,不能开启阅卷")
    mode = str(mode or "")
    if mode not in book_rules.MODES_BY_SUBJECT[session.subject]:
        allowed = "、".join(Marking.Mode(m).label for m in book_rules.MODES_BY_SUBJECT[session.subject])
        raise ValidationFailed(
            f"{session.get_subject_display()}的评分方式应为:{allowed}", detail={"mode": ["评分方式无效"]}
        )
    full_value = _decimal(full, "full", "满分", limit=Decimal(1000))
    if full_value < 1 or full_value != full_value.to_integral_value():
        raise ValidationFailed("满分应为正整数", detail={"full": ["满分应为正整数"]})
    if tolerance in (None, ""):  # EXAM-16 [interpretation]: 10 % of the full marks
        tolerance_value = Decimal(rules.display(rules.default_tolerance(Fraction(int(full_value))), 2))
    else:
        tolerance_value = _decimal(tolerance, "tolerance", "允许误差", limit=full_value)
    staff = current_staff(session).select_related("examiner")
    examiners = {row.examiner_id: row.examiner for row in staff}
    if not examiners:
        raise IllegalTransition("本场次的考场没有考评人员,不能开启阅卷")
    try:
        leader_id = int(getattr(leader, "pk", leader))
    except (TypeError, ValueError):
        leader_id = None
    if leader_id not in examiners:
        raise ValidationFailed(
            "考评组长须是本场次考场的考评人员", detail={"leader": ["请选择本场次的考评人员"]}
        )
    if mode == Marking.Mode.DOUBLE and len(examiners) < 2:
        raise IllegalTransition("双评至少需要两名考评员")  # EXAM-6: ≥ 2 examiners per paper
    seats = list(Seat.objects.filter(session=session).select_related("checkin"))
    unchecked = [s for s in seats if not hasattr(s, "checkin")]
    if unchecked:
        raise IllegalTransition(f"还有 {len(unchecked)} 个座位未签到也未登记缺考,请先完成考场签到")
    if not seats:
        raise IllegalTransition("本场次没有考生座位")
    marking = Marking(
        session=session,
        mode=mode,
        full=int(full_value),
        tolerance=tolerance_value,
        leader=examiners[leader_id],
        opened_by=actor,
    )
    marking.full_clean()
    marking.save()
    voided = voided_registrations(session)
    codes: set[str] = set()
    papers = []
    for seat in seats:
        code = _new_code(codes)
        absent = seat.checkin.status == CheckIn.Status.ABSENT or seat.registration_id in voided
        papers.append(Paper(marking=marking, seat=seat, code=code, absent=absent))
    Paper.objects.bulk_create(papers)
    audit.record(
        actor=actor,
        action="exams.marking.open",
        obj=marking,
        after={
            "session": session.pk,
            "mode": mode,
            "full": marking.full,
            "tolerance": marking.tolerance,
            "leader": marking.leader_id,
            "papers": len(papers),
            "absent": sum(p.absent for p in papers),
        },
    )
    return marking


def _new_code(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def _paper(marking: Marking, code: Any) -> Paper:
    code = str(code or "").strip().upper()[: CODE_LENGTH + 4]
    paper = Paper.objects.select_for_update(of=("self",)).filter(marking=marking, code=code).first()
    if paper is None:
        raise ValidationFailed(f"密号「{code}」不是本场次的试卷", detail={"code": ["密号无效"]})
    return paper


def _locked_marking(actor: Any, marking: Marking):
    marking = lock(Marking, marking.pk)
    examiner = examiner_of(actor, marking)
    if examiner is None:
        raise PermissionDenied("只有本场次的考评人员可以评分")
    return marking, examiner


def _standing_of(marking: Marking, paper: Paper) -> tuple[list[Mark], book_rules.PaperState]:
    marks = list(Mark.objects.filter(paper=paper, current=True).order_by("at", "id"))
    size = current_staff(marking.session).filter(room_id=paper.seat.room_id).count()
    return marks, state_of(marking, paper, marks, size)


@transaction.atomic
def mark_submit(*, actor: Any, marking: Marking, code: Any, value: Any, reason: Any = "") -> Mark:
    """An examiner's mark on a paper, in the role the paper needs next (EXAM-16, 18): an initial mark, a
    third mark from an examiner who has not marked it, or the team leader's mark with a reason."""
    marking, examiner = _locked_marking(actor, marking)
    paper = _paper(marking, code)
    _refuse_after_publication(marking, paper=paper)
    if paper.absent:
        raise IllegalTransition("该考生缺考或成绩无效,试卷不评分")
    marks, state = _standing_of(marking, paper)
    step = book_rules.next_role(state)
    if step is None:
        raise IllegalTransition("该试卷已评定,如需更正请填写更正理由")
    role = ROLE_OF_STEP[step]
    if (
        marking.mode == Marking.Mode.PANEL
        and not current_staff(marking.session).filter(room_id=paper.seat.room_id, examiner=examiner).exists()
    ):
        raise PermissionDenied("只有该考场评分组的成员可以评分")
    if role == Mark.Role.LEADER:
        if examiner.pk != marking.leader_id:
            raise PermissionDenied("该试卷待考评组长评定")
        reason = checked_text(reason, "reason", "组长评定理由", limit=500)
    else:
        reason = ""
        if any(m.examiner_id == examiner.pk for m in marks):
            raise Conflict(
                "您已评过该试卷,每份试卷每人只评一次"
                + ("(第三评须由另一名考评员进行)" if role == Mark.Role.THIRD else "")
            )
    number = _decimal(value, "value", "分数", limit=Decimal(marking.full))
    mark = Mark(
        paper=paper, examiner=examiner, role=role, value=number, reason=reason, at=timezone.now(), by=actor
    )
    mark.save()  # no book is being signed here: signing starts only when no paper waits for a mark
    audit.record(
        actor=actor,
        action="exams.mark.submit",
        obj=mark,
        after={"marking": marking.pk, "code": paper.code, "role": role, "value": number, "reason": reason},
    )
    return mark


@transaction.atomic
def mark_correct(*, actor: Any, marking: Marking, code: Any, value: Any, reason: Any) -> Mark:
    """EXAM-6: an examiner corrects his own mark with a reason; the old mark stays, superseded. Signatures
    given so far lapse (the next signing makes a new book version with the reason); a third or leader mark
    the correction makes unneeded is withdrawn with it."""
    marking, examiner = _locked_marking(actor, marking)
    paper = _paper(marking, code)
    _refuse_after_publication(marking, paper=paper)
    reason = checked_text(reason, "reason", "更正理由", limit=500)
    old = (
        Mark.objects.select_for_update()
        .filter(paper=paper, examiner=examiner, current=True)
        .order_by("-at")
        .first()
    )
    if old is None:
        raise ValidationFailed("您没有评过该试卷,无可更正的分数", detail={"code": ["没有您的评分"]})
    number = _decimal(value, "value", "分数", limit=Decimal(marking.full))
    if number == old.value:
        raise ValidationFailed("更正后的分数与原分数相同", detail={"value": ["分数未改变"]})
    Mark.objects.filter(pk=old.pk).update(current=False)
    mark = Mark(
        paper=paper,
        examiner=examiner,
        role=old.role,
        value=number,
        reason=reason,
        supersedes=old,
        at=timezone.now(),
        by=actor,
    )
    mark.save()
    withdrawn = _withdraw_unneeded(marking, paper)
    if marking.status == Marking.Status.SIGNED:
        marking.status = Marking.Status.MARKING
        marking.row_version += 1
        marking.save(update_fields=["status", "row_version", "updated_at"])
    _void_signatures(marking, actor)
    audit.record(
        actor=actor,
        action="exams.mark.correct",
        obj=mark,
        before={"value": old.value},
        after={
            "marking": marking.pk,
            "code": paper.code,
            "role": mark.role,
            "value": number,
            "reason": reason,
            "withdrawn": withdrawn,
        },
    )
    return mark


def _withdraw_unneeded(marking: Marking, paper: Paper) -> list[str]:
    """Withdraw the third or leader mark a correction made unneeded (EXAM-16 calls for them only while
    the marks disagree); returns the roles withdrawn."""
    withdrawn = []
    while True:
        _marks, state = _standing_of(marking, paper)
        try:
            book_rules.standing(state)
            return withdrawn
        except rules.UnneededMark as exc:
            Mark.objects.filter(paper=paper, role=exc.field, current=True).update(current=False)
            withdrawn.append(exc.field)


def _void_signatures(marking: Marking, actor: Any) -> None:
    """A mark given or corrected after signing began: the book being signed (or signed) no longer holds the
    marks; it is superseded and the next signature starts a new version."""
    stale = ScoreBook.objects.filter(
        marking=marking, status__in=(ScoreBook.Status.SIGNING, ScoreBook.Status.SIGNED)
    )
    for book in stale:
        book.status = ScoreBook.Status.SUPERSEDED
        book.save(update_fields=["status"])
        audit.record(
            actor=actor, action="exams.scorebook.supersede", obj=book, after={"version": book.version}
        )


@transaction.atomic
def scorebook_sign(*, actor: Any, marking: Marking) -> ScoreBookSignature:
    """EXAM-6: sign the score book. Refused while a paper waits for a mark (a blank book is never signed).
    Every examiner who marked signs first, then the tallier (an institution user who did not mark); the
    tallier's signature seals the version and joins the papers to the candidates' results."""
    marking = lock(Marking, marking.pk)
    _refuse_after_publication(marking, for_objection=True)
    if marking.status == Marking.Status.SIGNED:
        raise IllegalTransition("评分册已签字,成绩已合成")
    examiner = examiner_of(actor, marking)
    if examiner is None and not may_run(actor, marking.session):
        raise PermissionDenied("只有本场次的考评人员和本机构的统分员可以签字")
    rows = paper_rows(marking)
    waiting = [
        r for r in rows if r["standing"].step in (book_rules.INITIAL, book_rules.THIRD, book_rules.LEADER)
    ]
    if waiting:
        raise IllegalTransition(
            f"还有 {len(waiting)} 份试卷未评定完毕(缺评分、待第三评或待组长评定),评分册不能签字"
        )
    markers = {m.examiner_id for r in rows for m in r["marks"]}
    book = _current_book(marking, rows)
    signed = set(book.signatures.values_list("user_id", flat=True))
    if actor.pk in signed:
        raise Conflict("您已在本版评分册上签字")
    if examiner is not None and examiner.pk in markers:
        role = ScoreBookSignature.Role.MARKER
    elif examiner is not None:
        raise PermissionDenied(
            "您没有评过本场次的试卷,不能以考评员身份签字;统分员须由未参与评分的工作人员担任"
        )
    else:
        role = ScoreBookSignature.Role.TALLIER
        missing = markers - set(
            book.signatures.filter(role=ScoreBookSignature.Role.MARKER).values_list("examiner_id", flat=True)
        )
        if missing:
            raise IllegalTransition(f"还有 {len(missing)} 名考评员未签字,统分员须在全部考评员签字后签字")
        person_id = getattr(actor, "person_id", None)
        if person_id and Mark.objects.filter(paper__marking=marking, examiner__person_id=person_id).exists():
            raise PermissionDenied("参与评分的考评员不能担任统分员")
    signature = ScoreBookSignature(
        book=book,
        user=actor,
        role=role,
        examiner=examiner if role == ScoreBookSignature.Role.MARKER else None,
        digest=book.digest,
        signed_at=timezone.now(),
    )
    signature.save()
    audit.record(
        actor=actor,
        action="exams.scorebook.sign",
        obj=book,
        after={"version": book.version, "role": role, "algorithm": book.algorithm, "digest": book.digest},
    )
    if role == ScoreBookSignature.Role.TALLIER:
        book.status = ScoreBook.Status.SIGNED
        book.save(update_fields=["status"])
        _join(actor, marking, rows, book)
    return signature


def _current_book(marking: Marking, rows: list[dict[str, Any]]) -> ScoreBook:
    """The version being signed, or a new one from the current marks (with the corrections' reasons since
    the previous version)."""
    book = marking.books.filter(status=ScoreBook.Status.SIGNING).order_by("-version").first()
    if book is not None:
        return book
    previous = marking.books.order_by("-version").first()
    content = book_rules.book_content(
        {
            "code": r["paper"].code,
            "absent": r["paper"].absent,
            "marks": [{"examiner": m.examiner_id, "role": m.role, "value": str(m.value)} for m in r["marks"]],
            "mark": None if r["standing"].mark is None else str(rules.display(r["standing"].mark, 2)),
        }
        for r in rows
    )
    algorithm, digest = book_rules.book_digest(content)
    reason = ""
    if previous is not None:
        reasons = Mark.objects.filter(
            paper__marking=marking, supersedes__isnull=False, at__gte=previous.created_at
        ).values_list("reason", flat=True)
        reason = ";".join(dict.fromkeys(reasons))[:500] or "评分变更后重新签字"
    book = ScoreBook(
        marking=marking,
        version=(previous.version + 1) if previous else 1,
        content=content,
        algorithm=algorithm,
        digest=digest,
        reason=reason,
        created_at=timezone.now(),
    )
    book.save()
    return book


def _join(actor: Any, marking: Marking, rows: list[dict[str, Any]], book: ScoreBook) -> None:
    """EXAM-6: after the tallier's signature, join the codes to the candidates and write the subject into
    each candidate's result (re-judged; other subjects as they were)."""
    subject = marking.session.subject
    seats = {r["paper"].seat_id: r for r in rows}
    registrations = {
        s.pk: s.registration for s in Seat.objects.filter(pk__in=seats).select_related("registration")
    }
    existing = {
        r.registration_id: r
        for r in ExamResult.objects.select_for_update().filter(
            registration_id__in=[reg.pk for reg in registrations.values()]
        )
    }
    now = timezone.now()
    saved = []
    for seat_id, row in sorted(seats.items(), key=lambda item: registrations[item[0]].pk):
        registration = registrations[seat_id]  # in registration order: codes are random, results are not
        entry = book_rules.subject_entry(subject, row["state"])
        result = existing.get(registration.pk)
        # the subject keeps its place: a book signed again leaves an unchanged result as it was
        marks = list(result.marks) if result else []
        places = [i for i, s in enumerate(marks) if s.get("subject") == subject]
        own = (
            [entry if i == places[0] else s for i, s in enumerate(marks) if i not in places[1:]]
            if places
            else [*marks, entry]
        )
        subjects = retake_subjects(registration, own)  # EXAM-11: a retake carries its passed subjects
        try:
            verdict = judge({"level": registration.level, "subjects": subjects})
        except ResultsInputError as exc:  # a level without a review given a review session: say which
            raise IllegalTransition(f"报名号 {registration.number}:{exc}") from None
        saved_result = result_save(result, registration, subjects, verdict, actor, now)
        if saved_result is not None:
            saved.append(saved_result)
    marking.status, marking.joined_at = Marking.Status.SIGNED, now
    marking.row_version += 1
    marking.save(update_fields=["status", "joined_at", "row_version", "updated_at"])
    audit.record_many(
        actor=actor,
        action="exams.result.record",
        objects=saved,
        after=[
            {
                "registration": r.registration.number,
                "version": r.version,
                "book": book.pk,
                "book_version": book.version,
                **r.judged,
            }
            for r in saved
        ],
    )
    audit.record(
        actor=actor,
        action="exams.marking.join",
        obj=marking,
        after={"book": book.pk, "version": book.version, "digest": book.digest, "results": len(saved)},
    )
