"""Public statistics of complaints (issue 12 item 1; COMPL-2, COMPL-3): per authority's region and month of
receipt — received, handled on time, verified — counts only, no login."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from dudao.common.errors import ValidationFailed
from dudao.complaints import domain, statistics
from dudao.complaints.models import Complaint
from tests import factories as f
from tests.conftest import client_for

from .support import file

CST = ZoneInfo("Asia/Shanghai")
API = "/api/v1/public/complaints/statistics"
PAGE = "/complaints/public/statistics/"
ACCEPT_BY = dt.date(2026, 11, 10)
RESULT_BY = dt.date(2026, 11, 19)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


def make(institution, *, received: dt.datetime | None = None, **fields) -> Complaint:
    """A complaint filed through the service, then placed at a chosen point of its life (the statistics only
    read these columns)."""
    complaint = file(institution)
    values = {"received_at": received or at(dt.date(2026, 11, 5)), "accept_by": ACCEPT_BY, **fields}
    Complaint.objects.filter(pk=complaint.pk).update(**values)
    complaint.refresh_from_db()
    return complaint


def declined(institution, decided: dt.date, **extra) -> Complaint:
    return make(institution, status="declined", decided_at=at(decided, 23, 59), **extra)


def replied(institution, decided: dt.date, replied_on: dt.date, **extra) -> Complaint:
    return make(
        institution,
        status="replied",
        decided_at=at(decided),
        result_by=RESULT_BY,
        replied_at=at(replied_on, 23, 59),
        **extra,
    )


# ------------------------------------------------------------------------------------------ pure rule
def on_time(**overrides) -> bool:
    args = {
        "status": "closed",
        "accept_by": ACCEPT_BY,
        "decided_on": ACCEPT_BY,
        "result_by": RESULT_BY,
        "replied_on": RESULT_BY,
    } | overrides
    return domain.handled_on_time(**args)


def test_on_time_decision_last_day_yes_next_day_no():
    """COMPL-2: the acceptance decision on accept_by is on time, the working day after is late."""
    assert on_time(status="declined", decided_on=ACCEPT_BY, replied_on=None, result_by=None)
    assert not on_time(status="declined", decided_on=ACCEPT_BY + dt.timedelta(days=1))
    assert on_time(decided_on=ACCEPT_BY)
    assert not on_time(decided_on=ACCEPT_BY + dt.timedelta(days=1))


def test_on_time_result_last_day_yes_next_day_no():
    """COMPL-2: the reply on result_by is on time, the day after is late."""
    assert on_time(replied_on=RESULT_BY)
    assert not on_time(replied_on=RESULT_BY + dt.timedelta(days=1))


def test_open_complaints_are_not_handled_on_time():
    assert not on_time(status="received", decided_on=None, replied_on=None, result_by=None)
    assert not on_time(status="investigating", replied_on=None)


@pytest.mark.parametrize(
    ("year", "month", "field"),
    [
        ("20x6", "", "year"),
        ("1800", "", "year"),
        ("2026", "13", "month"),
        ("2026", "0", "month"),
        (True, "", "year"),
    ],
)
def test_period_refused_in_chinese(year, month, field):
    with pytest.raises(ValidationFailed) as caught:
        domain.check_period(year, month)
    expected = {"year": domain.STATS_YEAR_INVALID, "month": domain.STATS_MONTH_INVALID}[field]
    assert caught.value.detail == {field: [expected]} and caught.value.message == expected


def test_period_parsed():
    assert domain.check_period("2026", "") == (2026, None)
    assert domain.check_period(2026, "7") == (2026, 7)


# ------------------------------------------------------------------------------------------ aggregation
def test_decision_boundary_counts(institution):
    declined(institution, ACCEPT_BY)  # last day, late in the evening: on time
    declined(institution, dt.date(2026, 11, 11))  # next day: late
    stats = statistics.public_statistics(year=2026, month=11)
    assert stats["totals"] == {"received": 2, "handled_on_time": 1, "verified": 0}


def test_result_boundary_counts(institution):
    replied(institution, ACCEPT_BY, RESULT_BY, finding="verified")  # on time, verified
    replied(institution, ACCEPT_BY, dt.date(2026, 11, 20), finding="verified")  # reply one day late
    replied(institution, dt.date(2026, 11, 11), RESULT_BY, finding="not_verified")  # decision late
    make(institution, status="investigating", decided_at=at(ACCEPT_BY), result_by=RESULT_BY)  # still open
    make(institution)  # received, not decided
    stats = statistics.public_statistics(year="2026", month="11")
    assert stats["totals"] == {"received": 5, "handled_on_time": 1, "verified": 2}


def test_month_of_receipt_in_local_time(institution):
    make(institution, received=at(dt.date(2026, 10, 31), 23, 30))  # 15:30 UTC: still October in China
    make(institution, received=at(dt.date(2026, 11, 1), 0, 10))  # 16:10 UTC on 31 October: November
    stats = statistics.public_statistics(year=2026)
    assert [(r["month"], r["received"]) for r in stats["rows"]] == [(10, 1), (11, 1)]
    assert statistics.public_statistics(year=2026, month=10)["totals"]["received"] == 1
    assert statistics.public_statistics(year=2025)["rows"] == []


@pytest.fixture
def city_institution(authority):
    city = f.RegionFactory(code="360100", name="南昌市", kind="city", parent=authority.region)
    city_authority = f.AuthorityFactory(region=city, code="NC-HRSS", name="南昌市职业技能鉴定中心")
    return f.InstitutionFactory(authority=city_authority, region=city)


def test_rows_per_authority_region_and_scope(institution, other_institution, city_institution):
    make(institution)
    make(institution, received=at(dt.date(2026, 12, 1)))
    declined(city_institution, ACCEPT_BY)
    make(other_institution, finding="verified")
    everywhere = statistics.public_statistics(year=2026)
    assert [(r["region"], r["month"], r["received"]) for r in everywhere["rows"]] == [
        ("360000", 11, 1),
        ("360000", 12, 1),
        ("360100", 11, 1),
        ("440000", 11, 1),
    ]
    assert everywhere["totals"] == {"received": 4, "handled_on_time": 1, "verified": 1}
    # a province includes its cities; a city only itself; another province nothing of Jiangxi
    jiangxi = statistics.public_statistics(region="360000", year=2026)
    assert (jiangxi["region_name"], jiangxi["totals"]["received"]) == ("江西省", 3)
    city = statistics.public_statistics(region="360100", year=2026)
    assert [(r["region_name"], r["handled_on_time"]) for r in city["rows"]] == [("南昌市", 1)]
    guangdong = statistics.public_statistics(region="440000", year=2026)
    assert guangdong["totals"] == {"received": 1, "handled_on_time": 0, "verified": 1}


def test_unknown_region_refused(institution):
    for code in ("999999", "36", "abc"):
        with pytest.raises(ValidationFailed) as caught:
            statistics.public_statistics(region=code, year=2026)
        assert caught.value.message == statistics.REGION_UNKNOWN


def test_year_defaults_to_this_year(institution):
    make(institution, received=at(dt.date(2026, 1, 2)))
    stats = statistics.public_statistics()
    assert (stats["year"], stats["month"], stats["totals"]["received"]) == (2026, None, 1)


# ------------------------------------------------------------------------------------------ API and page
def test_api_public_counts_only(institution):
    complaint = replied(institution, ACCEPT_BY, RESULT_BY, finding="verified")
    response = client_for(None).get(API, {"region": "360000", "year": "2026", "month": "11"})
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "region": "360000",
        "region_name": "江西省",
        "year": 2026,
        "month": 11,
        "rows": [
            {
                "region": "360000",
                "region_name": "江西省",
                "year": 2026,
                "month": 11,
                "received": 1,
                "handled_on_time": 1,
                "verified": 1,
            }
        ],
        "totals": {"received": 1, "handled_on_time": 1, "verified": 1},
    }
    text = json.dumps(data, ensure_ascii=False)
    for private in (complaint.code, complaint.content, institution.name, institution.uscc, "李四"):
        assert private not in text


def test_api_is_not_taken_for_a_tracking_code(institution):
    """/statistics is declared before /{code}: no 404 of an unknown code."""
    assert client_for(None).get(API).status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "13"}, domain.STATS_MONTH_INVALID),
        ({"year": "x"}, domain.STATS_YEAR_INVALID),
        ({"region": "123456"}, statistics.REGION_UNKNOWN),
    ],
)
def test_api_refuses_bad_parameters_in_chinese(db, query, message):
    response = client_for(None).get(API, query)
    assert response.status_code == 422
    assert response.json()["message"] == message


def test_page_without_login(institution, city_institution):
    declined(city_institution, ACCEPT_BY)
    make(institution, finding="verified")
    response = client_for(None).get(PAGE, {"region": "360000", "year": "2026", "month": "11"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "南昌市" in html and 'id="stats-rows"' in html
    assert "考评员在实操考核中暗示考生" not in html and institution.name not in html
    empty = client_for(None).get(PAGE, {"year": "2025"})
    assert empty.status_code == 200 and 'id="stats-empty"' in empty.content.decode()


def test_page_refuses_bad_year_in_chinese(db):
    response = client_for(None).get(PAGE, {"year": "1800"})
    assert response.status_code == 422
    assert domain.STATS_YEAR_INVALID in response.content.decode()
