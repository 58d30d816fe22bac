"""Uploads kept across a failed submission (issue 9 §3.6): a file chosen on the renewal form is checked and
stored (content-addressed) at the first post, and the page carries a signed reference to it in a hidden
field, so a validation error elsewhere never makes the institution choose its files again.

The reference is signed with the user's id: it cannot be forged, nor replayed by someone else.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core import signing

from dudao.common.files import PAPER_KINDS, StoredFile, UploadRejected, store_upload

SALT = "dudao.renewals.pending-file"
MAX_AGE_SECONDS = 30 * 24 * 3600  # a draft may wait a month


def field_name(kind: str) -> str:
    return f"pending-{kind}"


def stash(user: Any, upload: Any) -> tuple[StoredFile, str]:
    """Check and store `upload` now; (stored file, signed reference for the hidden field)."""
    stored = store_upload(upload, kinds=PAPER_KINDS)
    return stored, reference(user, stored)


def reference(user: Any, stored: StoredFile) -> str:
    return signing.dumps({"u": user.pk, **asdict(stored)}, salt=SALT, compress=True)


def restore(user: Any, token: str) -> StoredFile | None:
    """The stored file a reference names, or None when it is forged, expired or someone else's."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(data, dict) or data.pop("u", None) != user.pk:
        return None
    try:
        return StoredFile(**data)
    except TypeError:
        return None


def collect(
    user: Any, post: Any, files: Any, kinds: list[str]
) -> tuple[dict[str, list[Any]], dict[str, list[dict]], dict[str, list[str]]]:
    """The attachments of one post: new uploads first, else the files kept from an earlier post.

    Returns (attachments for the service: StoredFile, {kind: [{"name", "size", "token"}]} for the page,
    {kind: [error]} for uploads refused by type or size). New uploads are stored here.
    """
    attachments: dict[str, list[Any]] = {}
    shown: dict[str, list[dict]] = {}
    errors: dict[str, list[str]] = {}
    for kind in kinds:
        uploads = [u for u in files.getlist(kind) if u]
        if uploads:
            items = []
            for upload in uploads:
                try:
                    items.append(stash(user, upload))
                except UploadRejected as exc:
                    errors.setdefault(kind, []).append(exc.message)
        else:
            items = [(s, t) for t in post.getlist(field_name(kind)) if (s := restore(user, t)) is not None]
        if items:
            attachments[kind] = [s for s, _ in items]
            shown[kind] = [{"name": s.original_name, "size": s.size, "token": t} for s, t in items]
    return attachments, shown, errors
