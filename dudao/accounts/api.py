"""API router of the accounts app (mounted at /api/v1/accounts)."""

from ninja import Router

router = Router(tags=["accounts"])
