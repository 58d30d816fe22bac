"""保存草稿 (issue 9 §3.6): the institution saves an unfinished renewal form and comes back to it.

One draft per filing, written only by these services (permission-checked, audited without its content:
it may hold resident ID numbers). Submitting the application discards the draft.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from dudao.common import audit
from dudao.common.errors import NotFound
from dudao.common.writes import fail, require, save_fields, save_new
from dudao.registry import selectors as registry_selectors
from dudao.registry.models import Filing

from .models import RenewalDraft
from .permissions import can_apply

MAX_DRAFT_CHARS = 500_000  # a full form is a few kilobytes; this only stops abuse


def _filing(actor: Any, filing: Filing | int) -> Filing:
    pk = filing.pk if isinstance(filing, Filing) else filing
    row = registry_selectors.filings_for(actor).select_related("institution").filter(pk=pk).first()
    if row is None:
        raise NotFound("备案不存在或无权查看")
    require(can_apply(actor, row), "只有该评价机构的管理员可以保存延续备案申请草稿")
    return row


def draft_get(actor: Any, filing: Filing | int) -> RenewalDraft | None:
    """The filing's draft, if the actor may apply for it."""
    target = _filing(actor, filing)
    return RenewalDraft.objects.filter(filing=target).first()


def draft_content(draft: RenewalDraft) -> dict[str, Any]:
    """{"fields": {name: [values]}, "files": {kind: [token]}} of a saved draft."""
    try:
        data = json.loads(draft.content)
    except (TypeError, ValueError):
        return {"fields": {}, "files": {}}
    return data if isinstance(data, dict) else {"fields": {}, "files": {}}


@transaction.atomic
def renewal_draft_save(
    *, actor: Any, filing: Filing | int, fields: dict[str, list[str]], files: dict[str, list[str]]
) -> RenewalDraft:
    """Save (or overwrite) the filing's draft: the posted fields and the kept uploads' references."""
    target = _filing(actor, filing)
    content = json.dumps({"fields": fields, "files": files}, ensure_ascii=False)
    if len(content) > MAX_DRAFT_CHARS:
        raise fail("draft", "草稿内容过长,请删减后再保存")
    draft = RenewalDraft.objects.select_for_update().filter(filing=target).first()
    if draft is None:
        draft = RenewalDraft(filing=target, institution=target.institution, saved_by=actor, content=content)
        save_new(draft)
    else:
        draft.content, draft.saved_by = content, actor
        save_fields(draft, ["content", "saved_by"])
    audit.record(actor=actor, action="renewals.draft.save", obj=draft, after=audit.snapshot(draft))
    return draft


@transaction.atomic
def renewal_draft_discard(*, actor: Any, filing: Filing | int) -> bool:
    """Delete the filing's draft (after submission, or when the institution starts over)."""
    target = _filing(actor, filing)
    draft = RenewalDraft.objects.select_for_update().filter(filing=target).first()
    if draft is None:
        return False
    audit.record(actor=actor, action="renewals.draft.discard", obj=draft, before=audit.snapshot(draft))
    draft.delete()
    return True
