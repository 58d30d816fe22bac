"""Risk score API at /api/v1/analytics/risk (issue 13 item 2; RAND-1): authority roles only, scoped to
their region (dudao.analytics.risk_selectors says why institutions do not see theirs)."""

from __future__ import annotations

from ninja import Query, Router

from . import risk_selectors
from .risk_schemas import RiskFilters, RiskScoreOut

router = Router(tags=["analytics"])


def _out(row: risk_selectors.InstitutionRisk, as_of) -> dict:
    return {
        "institution_id": row.institution.pk,
        "institution_name": row.institution.name,
        "uscc": row.institution.uscc,
        "as_of": as_of,
        **row.score.as_dict(),
    }


@router.get("/risk/institutions", response=list[RiskScoreOut], summary="辖区评价机构的风险评分(高者在前)")
def risk_list(request, filters: Query[RiskFilters]):
    day = risk_selectors.scoring_day()
    rows = risk_selectors.risk_for_region(request.user, filters.region, day)
    return [_out(row, day) for row in rows]


@router.get("/risk/institutions/{int:pk}", response=RiskScoreOut, summary="一家评价机构的风险评分及其构成")
def risk_detail(request, pk: int):
    day = risk_selectors.scoring_day()
    return _out(risk_selectors.risk_for_institution(request.user, pk, day), day)
