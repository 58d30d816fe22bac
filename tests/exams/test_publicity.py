"""EXAM-9: the public 公示 list — passed candidates only, masked, while the window runs (its last day
included), nothing before publication."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.exams.domain.publication import mask_name, publicity_live
from tests.conftest import client_for
from tests.factories import exams as fx

from .test_results_certificates import PUBLICITY_ENDS, cohort, failing_theory, passing, record  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "masked"), [("王小明", "王*明"), ("欧阳小明", "欧**明"), ("王明", "王*"), ("王", "王"), ("", "")]
)
def test_names_are_masked(name, masked):
    assert mask_name(name) == masked


def test_the_window_includes_its_last_day():
    assert publicity_live(PUBLICITY_ENDS, PUBLICITY_ENDS) is True
    assert publicity_live(PUBLICITY_ENDS, PUBLICITY_ENDS + dt.timedelta(days=1)) is False


def test_the_public_list_shows_the_passed_masked(plan, cohort, inst_admin, time_machine):  # noqa: F811
    from dudao.exams import services

    time_machine.move_to(fx.at(fx.EXAM_DAY + dt.timedelta(days=1), 10))
    a, b, c = cohort
    anonymous = client_for(None)
    record(plan, inst_admin, {a: passing(), b: passing(), c: failing_theory()})
    assert anonymous.get(f"/exams/notices/{plan.pk}/publicity/").status_code == 404  # not yet published
    services.results_publish(actor=inst_admin, plan=plan)
    page = anonymous.get(f"/exams/notices/{plan.pk}/publicity/").content.decode()
    assert page.count("合格</span>") == 2
    assert a.person.name not in page and mask_name(a.person.name) in page
    assert a.person.id_number_masked in page and c.person.id_number_masked not in page
    assert "查看公示名单" in anonymous.get(f"/exams/notices/{plan.pk}/").content.decode()
    time_machine.move_to(fx.at(plan.publication.publicity_ends_on, 23, 59))
    assert a.person.id_number_masked in anonymous.get(f"/exams/notices/{plan.pk}/publicity/").content.decode()
    time_machine.move_to(fx.at(plan.publication.publicity_ends_on + dt.timedelta(days=1), 0, 1))
    page = anonymous.get(f"/exams/notices/{plan.pk}/publicity/").content.decode()
    assert "公示期已结束" in page and a.person.id_number_masked not in page
    assert anonymous.get("/exams/notices/999999/publicity/").status_code == 404


def test_windows_counted_through_an_unconfirmed_year_are_marked_provisional(
    plan,
    cohort,  # noqa: F811
    inst_admin,
    time_machine,
):
    from dudao.exams import services
    from dudao.workdays.selectors import calendar

    time_machine.move_to(fx.at(fx.EXAM_DAY + dt.timedelta(days=1), 10))  # 2026-12-21: closes in 2027
    a, b, c = cohort
    record(plan, inst_admin, {a: passing(), b: passing(), c: failing_theory()})
    publication = services.results_publish(actor=inst_admin, plan=plan)
    assert publication.objections_close_on.year == 2027
    expected = not calendar().is_confirmed(2027)
    assert services.windows_provisional(publication) is expected
    page = client_for(inst_admin).get(f"/exams/{plan.pk}/results/").content.decode()
    assert ("临时日期" in page) is expected
    public = client_for(None).get(f"/exams/notices/{plan.pk}/publicity/").content.decode()
    assert ("临时日期" in public) is expected
    # within a confirmed year: never provisional
    publication.published_at = fx.at(dt.date(2026, 12, 4), 10)
    publication.objections_close_on = dt.date(2026, 12, 18)
    assert services.windows_provisional(publication) is False
