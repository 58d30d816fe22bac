"""Public complaint pages, no login (COMPL-1): file a complaint on a phone, follow it with the code and
secret (always POSTed, never in a URL)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dudao.common.errors import NotFound, ValidationFailed
from dudao.registry.models import Institution
from dudao.web.kit import place_errors

from .. import public_limits, services
from ..forms import FILING_FIELDS, ComplaintForm, FollowForm


def _institution_code(text: str) -> str:
    """The credit code of the institution named on the page (its full name), else the text as typed."""
    name = " ".join((text or "").split())
    found = Institution.objects.filter(name=name, is_active=True).values_list("uscc", flat=True).first()
    return found or name


@never_cache  # the answer shows the secret: never kept by a browser or a proxy
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    form = ComplaintForm(request.POST or None)
    if request.method == "POST":
        public_limits.filing(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint, secret = services.complaint_file(
                    institution=_institution_code(data["institution"]),
                    category=data["category"],
                    content=data["content"],
                    anonymous=data["anonymous"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                )
            except ValidationFailed as exc:
                place_errors(form, exc, FILING_FIELDS)
            else:
                # the secret is shown once, on this answer to the POST (never in a URL, never stored in clear)
                context = {"complaint": complaint, "secret": secret}
                return render(request, "complaints/public/filed.html", context, status=201)
    names = Institution.objects.filter(is_active=True).order_by("name").values_list("name", flat=True)[:500]
    return render(request, "complaints/public/new.html", {"form": form, "institution_names": names})


@never_cache  # a complaint's status and reply: for the filer only
@require_http_methods(["GET", "POST"])
def complaint_follow(request: HttpRequest) -> HttpResponse:
    form = FollowForm(request.POST or None)
    context: dict = {"form": form}
    if request.method == "POST":
        public_limits.follow(request)
        if form.is_valid():
            try:
                complaint = services.complaint_follow(form.cleaned_data["code"], form.cleaned_data["secret"])
            except NotFound as exc:
                form.add_error(None, exc.message)
            else:
                context["view"] = services.public_view(complaint)
                context["form"] = FollowForm()  # the secret is not echoed back into the page
    return render(request, "complaints/public/follow.html", context)
