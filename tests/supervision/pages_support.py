"""Helpers for the supervision page tests (issue 4 item 6): clients per role, htmx requests, crews."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model

from tests.conftest import client_for

HTMX = {"HTTP_HX_REQUEST": "true"}
# Roles without any supervision office page (they get 403 on the authority/institution pages).
FIELD_ROLES = ("external_supervisor", "internal_supervisor", "examiner")


def crew(task) -> list[tuple[object, object]]:
    """(member, user) of the task's active members, leader first, in member order."""
    # "leader" < "member": ascending puts the leader first.
    members = list(
        task.members.filter(active=True).select_related("supervisor__person").order_by("role", "id")
    )
    users = {
        u.person_id: u
        for u in get_user_model().objects.filter(person__in=[m.supervisor.person_id for m in members])
    }
    return [(m, users[m.supervisor.person_id]) for m in members]


def text(response) -> str:
    """The response's visible text, tags stripped and whitespace collapsed (for exact phrase checks)."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


__all__ = ["FIELD_ROLES", "HTMX", "client_for", "crew", "messages_of", "text"]
