"""API router of the scorecards app."""

from ninja import Router

router = Router(tags=["scorecards"])
