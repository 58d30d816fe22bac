"""API router of the workdays app (mounted at /api/v1/workdays)."""

from ninja import Router

router = Router(tags=["workdays"])
