"""Public complaint pages, no login (COMPL-1): file a complaint on a phone, follow it with the code and
secret (always POSTed, never in a URL)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dudao.common.errors import NotFound, ValidationFailed
from dudao.registry.domain import COMPLAINT_CHANNEL_FIELDS as CHANNEL_FIELDS
from dudao.registry.models import Institution
from dudao.web.kit import place_errors

from .. import public_limits, services, statistics
from ..forms import FILING_FIELDS, ComplaintForm, FollowForm


def _chosen(text: str) -> Institution | None:
    """The active institution named on the page (full name or credit code), if any."""
    name = " ".join((text or "").split())
    if not name:
        return None
    rows = Institution.objects.filter(is_active=True)
    return rows.filter(name=name).first() or rows.filter(uscc=name.upper()).first()


def _channel(institution: Institution | None) -> dict | None:
    """The institution's own published complaint channel (COMPL-1; FORM-B C2.2), public by nature."""
    if institution is None:
        return None
    values = {name: getattr(institution, name) for name in CHANNEL_FIELDS}
    return {"name": institution.name, **values} if any(values.values()) else {"name": institution.name}


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
    context = {
        "form": form,
        "institution_names": names,
        "channel": _channel(_chosen(request.POST.get("institution", ""))),
    }
    return render(request, "complaints/public/new.html", context)


@require_http_methods(["GET"])
def complaint_channel(request: HttpRequest) -> HttpResponse:
    """The chosen institution's own complaint channel (a fragment of the filing page, fetched by htmx)."""
    channel = _channel(_chosen(request.GET.get("institution", "")))
    return render(request, "complaints/public/_channel.html", {"channel": channel})


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


@require_http_methods(["GET"])
def complaint_statistics(request: HttpRequest) -> HttpResponse:
    """Counts per region and month (received, handled on time, verified); never a complaint's content."""
    params = {key: request.GET.get(key, "") for key in ("region", "year", "month")}
    regions = statistics.regions_with_authorities()
    context: dict = {"params": params, "regions": regions, "months": range(1, 13)}
    try:
        context["stats"] = statistics.public_statistics(**params)
    except ValidationFailed as exc:
        context["error"] = exc.message
        return render(request, "complaints/public/statistics.html", context, status=422)
    context["params"]["year"] = str(context["stats"]["year"])
    return render(request, "complaints/public/statistics.html", context)
