"""Permissions of the message centre: every signed-in user has an inbox; a message is its recipient's."""

from __future__ import annotations

import rules


@rules.predicate
def is_recipient(user, message) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and message is not None
        and message.recipient_id == user.pk
    )


# Superusers included: nobody reads or marks another person's messages.
rules.add_perm("notifications.view_message", is_recipient)
rules.add_perm("notifications.change_message", is_recipient)
