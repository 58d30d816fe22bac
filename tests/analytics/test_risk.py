"""The risk score formula (issue 13 item 2; RAND-1, INST-4, COMPL-3): exact values, decay bands on both
sides of each boundary, the weight and its cap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dudao.analytics import risk

AS_OF = dt.date(2026, 12, 3)


def test_a_clean_institution_scores_zero_and_weighs_one():
    score = risk.risk_score({})
    assert (score.score, score.weight, score.parts) == (Decimal("0.00"), Decimal("1.00"), ())
    assert risk.risk_score(risk.empty_counts()).score == Decimal("0.00")


def test_each_item_adds_its_points_times_the_decayed_count():
    score = risk.risk_score(
        {
            "flag_open": [1],  # 2
            "flag_confirmed": [0, 1],  # 6 / 2 = 3
            "finding_serious": [1, 0, 1],  # 6 + 6 / 4 = 7.5
            "penalty_disciplinary_proposal": [1],  # 10
            "complaint_verified": [2],  # 10
            "complaint_pending": [0, 0, 1],  # 0.25
            "rectification_missed": [1],  # 4
        }
    )
    assert score.score == Decimal("36.75")
    assert score.weight == Decimal("4.68")  # 1 + 36.75 / 10 = 4.675, half-even to 2 places
    assert [(p.key, p.value) for p in score.parts] == [
        ("flag_open", Decimal("2.00")),
        ("flag_confirmed", Decimal("3.00")),
        ("finding_serious", Decimal("7.50")),
        ("penalty_disciplinary_proposal", Decimal("10.00")),
        ("complaint_pending", Decimal("0.25")),
        ("complaint_verified", Decimal("10.00")),
        ("rectification_missed", Decimal("4.00")),
    ]
    assert score.parts[2].counts == (1, 0, 1)
    assert score.as_dict()["parts"][0] == {
        "key": "flag_open",
        "group": "flags",
        "label": "待核查的数据比对疑点",
        "points": 2,
        "counts": [1, 0, 0],
        "value": 2.0,
        "basis": "数据比对发现、尚未核查的疑点",
    }


def test_a_risky_institution_weighs_more_than_a_clean_one():
    clean = risk.risk_score({"finding_minor": [1]})
    risky = risk.risk_score({"finding_serious": [1], "complaint_verified": [1]})
    assert (clean.weight, risky.weight) == (Decimal("1.10"), Decimal("2.10"))


@pytest.mark.parametrize(
    ("days", "band"),
    [(0, 0), (364, 0), (365, 1), (729, 1), (730, 2), (1094, 2), (1095, None), (-3, 0)],
)
def test_age_bands_on_both_sides_of_each_boundary(days, band):
    assert risk.age_band(AS_OF - dt.timedelta(days=days), AS_OF) == band


def test_band_starts_agree_with_age_band():
    starts = risk.band_starts(AS_OF)
    assert starts == (dt.date(2025, 12, 4), dt.date(2024, 12, 4), dt.date(2023, 12, 5))
    for k, start in enumerate(starts):
        assert risk.age_band(start, AS_OF) == k
        assert risk.age_band(start - dt.timedelta(days=1), AS_OF) == (k + 1 if k + 1 < 3 else None)


def test_weight_is_capped_at_ten():
    assert risk.draw_weight(89) == Decimal("9.90")
    assert risk.draw_weight(90) == Decimal("10.00")
    assert risk.draw_weight(91) == Decimal("10")
    assert risk.risk_score({"penalty_revocation": [5]}).weight == Decimal("10")


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="unknown risk items: flag_dismissed"):
        risk.risk_score({"flag_dismissed": [1]})
    with pytest.raises(ValueError):
        risk.risk_score({"flag_open": [1, 1, 1, 1]})
    with pytest.raises(ValueError):
        risk.risk_score({"flag_open": [-1]})
