"""The statistical scan over the exported snapshot, end to end from the database (issue 13 items 1 and 4):
a practical panel giving identical marks in one room is flagged on its batch, a dismissal holds while the
room's marks stay the same, and a new mark in that room is a new pattern."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.analytics import presenters, services
from dudao.analytics.models import Flag
from dudao.analytics.refresh import refresh
from dudao.exams.models import ExamRoom, ExamSession, Seat
from tests.factories.rows import ExaminerFactory

from .support import START, Evaluation

pytestmark = pytest.mark.django_db


def test_identical_panel_marks_flow_from_the_database_to_a_flag(tmp_path, institution, users):
    ev = Evaluation(institution, users, n=10)
    ExamSession.objects.filter(pk=ev.session.pk).update(subject="practical")
    other = ExamRoom.objects.create(session=ev.session, name="第2考场", capacity=30)
    Seat.objects.filter(pk__in=[s.pk for s in ev.seats[5:]]).update(room=other)
    panel = [*ev.examiners, ExaminerFactory(authority=institution.authority)]
    for i, seat in enumerate(ev.seats):
        for j, examiner in enumerate(panel):
            # room 1: the panel agrees on every candidate; room 2: the members differ
            value = 70 + i if i < 5 else 70 + i + 3 * j
            ev.mark(seat, value, START, examiner=examiner)
    first = refresh(tmp_path)
    assert first["scan"]["rows"] == 30
    assert first["by_kind"] == {"identical": 1}
    flag = Flag.objects.get()
    assert (flag.kind, flag.source, flag.batch_id, flag.institution_id) == (
        "identical",
        "scan",
        ev.batch.pk,
        institution.pk,
    )
    assert flag.evidence["room"] == str(ev.room.pk) and flag.evidence["count"] == 5
    assert ("考场", "第1考场(操作技能考核(4级)2026-12-20 09:00)") in presenters.facts(flag)
    services.flag_dismiss(
        actor=users[Role.AUTHORITY_STAFF], flag=flag, reason="评分组经复核无误", row_version=1
    )
    again = refresh(tmp_path)
    assert (again["raised"], again["known"]) == (0, 1)
    fourth = ExaminerFactory(authority=institution.authority)
    ev.mark(ev.seats[0], 70, START, examiner=fourth)  # one more agreeing mark in room 1: new data
    third = refresh(tmp_path)
    assert third["by_kind"] == {"identical": 1}
    assert sorted(Flag.objects.values_list("status", flat=True)) == ["dismissed", "open"]
