"""API router of the renewals app."""

from ninja import Router

router = Router(tags=["renewals"])
