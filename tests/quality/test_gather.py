"""The indicator inputs read from the real records of registry, exams, supervision and complaints, for a
period and the authority's region only (QUAL-1)."""

from __future__ import annotations

import datetime as dt

from dudao.quality import selectors
from tests.clock import TODAY

from . import support as s

START, END = dt.date(2026, 7, 1), dt.date(2026, 9, 30)


def test_inputs_come_from_the_records_of_the_period(
    institution, second_institution, other_institution, auth_admin
):
    b1 = s.batch(institution, START, candidates=40)  # first day of the period
    b2 = s.batch(institution, END, candidates=20)  # last day
    s.batch(institution, START - dt.timedelta(days=1))  # the day before: out
    s.batch(institution, END + dt.timedelta(days=1))  # the day after: out
    s.batch(institution, dt.date(2026, 8, 1), status="cancelled")  # cancelled: not held
    s.batch(other_institution, dt.date(2026, 8, 1))  # another province: not in the region
    t1 = s.task(institution, START, batch_=b1)
    s.task(institution, END, batch_=b2, status="cancelled")  # a cancelled task covers nothing
    s.finding(t1, "minor", auth_admin)
    s.finding(t1, "serious", auth_admin)
    s.finding(t1, "none", auth_admin)
    s.rectification(t1, END, auth_admin)  # passed, on time
    s.rectification(t1, START, auth_admin, status="passed", overdue=True, round_no=2)  # late
    s.rectification(
        t1, END + dt.timedelta(days=1), auth_admin, status="ordered", round_no=3
    )  # not due in period
    s.results(
        b1, auth_admin, passed=3, failed=1, issued_on=dt.date(2026, 2, 10), uploaded_on=dt.date(2026, 8, 10)
    )
    s.results(
        b2, auth_admin, passed=1, failed=0, issued_on=dt.date(2026, 2, 11), uploaded_on=dt.date(2026, 8, 12)
    )

    rows = {i.institution_id: i for i in selectors.gather_inputs("36", START, END, TODAY)}

    assert set(rows) == {institution.pk, second_institution.pk}
    mine = rows[institution.pk]
    assert (mine.batches, mine.candidates) == (2, 60)
    assert (mine.results, mine.passed) == (5, 4)
    assert mine.supervised_batches == 1
    assert mine.findings == {"minor": 1, "serious": 1}
    assert (mine.rectifications_due, mine.rectifications_on_time) == (2, 1)
    assert (mine.certificates_due, mine.certificates_on_time) == (4, 3)
    idle = rows[second_institution.pk]
    assert (idle.batches, idle.results, idle.findings, idle.certificates_due) == (0, 0, {}, 0)


def test_complaints_received_accepted_and_verified(institution):
    s.complaint(institution)
    s.complaint(institution, "accepted")
    s.complaint(institution, "declined")
    s.complaint(institution, "found", finding="not_verified")
    s.complaint(institution, "closed", finding="verified")  # COMPL-3: counts against the institution
    row = next(
        i for i in selectors.gather_inputs("36", TODAY, TODAY, TODAY) if i.institution_id == institution.pk
    )
    assert (row.complaints_received, row.complaints_accepted, row.complaints_verified) == (5, 3, 1)
    before = next(
        i
        for i in selectors.gather_inputs("36", START, TODAY - dt.timedelta(days=1), TODAY)
        if i.institution_id == institution.pk
    )
    assert before.complaints_received == 0  # received today: the period must include today
