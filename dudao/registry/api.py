"""API router of the registry app (mounted at /api/v1/registry)."""

from ninja import Router

router = Router(tags=["registry"])
