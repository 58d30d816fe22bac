"""The campaign workflow as a table (DESIGN "workflows are tables", QUAL-3): draft → open (self-inspection)
→ inspecting (the sample is drawn, external inspection) → closed. Any other step is 409."""

from __future__ import annotations

from . import permissions

CAMPAIGN_TRANSITIONS = {
    "draft": {"open": permissions.may_manage_campaign},
    "open": {"inspecting": permissions.may_manage_campaign},
    "inspecting": {"closed": permissions.may_manage_campaign},
    "closed": {},
}
