"""一公开 of the audit trail (SEC-1): the checkpoint public key and the signed checkpoints, no login.

Anyone who saves the public key and `checkpoints.json` can later run `dudao audit verify --public-key …
--checkpoints …` against the database and see whether the trail was truncated or rewritten.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dudao.common import audit_keys
from dudao.common.audit_checkpoints import checkpoints_document
from dudao.common.models import AuditCheckpoint


def _download(body: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body.encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def public_audit(request: HttpRequest) -> HttpResponse:
    key = audit_keys.published_public_key()
    context = {
        "public_key_pem": audit_keys.public_key_pem(key) if key is not None else "",
        "fingerprint": audit_keys.fingerprint(key) if key is not None else "",
        "latest": AuditCheckpoint.objects.order_by("-id").first(),
        "checkpoint_count": AuditCheckpoint.objects.count(),
    }
    return render(request, "web/public/audit.html", context)


@require_GET
def public_audit_key(request: HttpRequest) -> HttpResponse:
    key = audit_keys.published_public_key()
    if key is None:
        raise Http404("尚未生成检查点公钥")
    return _download(audit_keys.public_key_pem(key), "dudao-audit-public-key.pem", "application/x-pem-file")


@require_GET
def public_audit_checkpoints(request: HttpRequest) -> HttpResponse:
    body = json.dumps(checkpoints_document(), ensure_ascii=False, indent=2)
    return _download(body, "dudao-audit-checkpoints.json", "application/json; charset=utf-8")
