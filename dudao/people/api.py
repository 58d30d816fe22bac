"""API router of the people app (mounted at /api/v1/people)."""

from ninja import Router

router = Router(tags=["people"])
