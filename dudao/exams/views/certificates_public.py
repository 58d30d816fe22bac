"""The public certificate check page (CERT-2, no login, phone-first): look up by any two of name, ID number
and certificate number (POSTed: an ID number never sits in a URL), or paste a certificate's QR text to check
its signature online. Voided certificates show as voided (CERT-4)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from dudao.common.errors import ApplicationError
from dudao.web.kit import application_errors_as_http

from .. import public_limits, services
from ..domain.certificate_seal import verify_seal
from ..domain.results import LEVEL_NAMES
from ..models import Certificate
from ..selectors_certificates import public_lookup


@require_http_methods(["GET", "POST"])
@application_errors_as_http
def certificate_check(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"levels": LEVEL_NAMES, "searched": False}
    if request.method == "POST":
        public_limits.certificate_lookup(request)
        if request.POST.get("action") == "verify":
            qr = request.POST.get("qr", "")[:4096]
            verdict = verify_seal(qr.strip(), services.certificate_signing_key().public_key())
            context["verdict"] = verdict
            if verdict.valid:
                context["registered"] = Certificate.objects.filter(number=verdict.facts.number).first()
        else:
            context["searched"] = True
            context["name"] = request.POST.get("name", "")[:64]
            context["number"] = request.POST.get("number", "")[:32]
            try:
                context["found"] = public_lookup(
                    name=context["name"],
                    id_number=request.POST.get("id_number", "")[:32],
                    number=context["number"],
                )
            except ApplicationError as exc:
                context["error"] = exc.message
                context["found"] = []
    return render(request, "exams/public/certificate_check.html", context)
