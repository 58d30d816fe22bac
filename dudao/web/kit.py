"""Page kit used by every app's views: list pagination, xlsx downloads, htmx partial rendering.

What it offers (this docstring is the contract; there is no separate KIT.md):
- `list_page(request, qs)`: pagination from `page` / `page_size`; `export_response(name, bytes)`: .xlsx;
  `htmx_or_full(request, full, partial, context)`: the fragment for htmx, else the whole page.
- `application_errors_as_http` decorator: NotFound → 404 page, PermissionDenied → 403 page.
- `is_partial_request(request)`: htmx fragment request (not boosted / history restore).
- Template `web/import_page.html`: a complete import page for `dudao.web.imports.import_view`
  (extra_context: `import_title`, `back_url`, `back_label`); `import_view(..., example_rows=[...])`
  puts example rows on the template's second sheet 填写示例 (only the first sheet is ever imported;
  `dudao.common.excel.read_example_rows` parses the examples so tests can prove they are valid).
- `run_import` reports every error of an upload at once: rows with cell errors are skipped for the
  row service, which still runs for the other rows (then everything is rolled back).
- `web/partials/form_fields.html` accepts `form_cols=2` (or 3) for a multi-column grid.
- Template filters `status_color`, `bs_field` (widget with Tabler classes), `get_item`; tag `page_links`.
- Phone-friendly tables: `<table class="table card-table table-mobile-md">` with `data-label` on each <td>.
- `dudao.common.excel.error_workbook(errors)` builds the 行/列/错误 report (import_view offers it).

Running services from pages (the one way; no per-app copies):
- `raise_http(exc)`: NotFound → 404 page, PermissionDenied → 403 page; any other error returns for the caller
  to show. (The API needs no helper: `dudao.api` maps every ApplicationError to `{code, message, detail}`.)
- `place_errors(form, exc, fields)`: field messages under their fields, the rest (or the message) on top.
- `run_form(form, call, fields)`: run a service for a valid form → `(True, result)`; a user error lands on
  the form → `(False, None)`; 404/403 stay HTTP errors.
- `error_of(call)`: run a service for an htmx fragment → "" or the Chinese message to show in it.
- `run_and_flash(request, call, success, to, then=None)`: run a service, a Chinese flash message either way,
  redirect to `to` (on success to `then(result)` when given).
- `safe_next(request, fallback)`: the `next` parameter when it stays on this site (`//evil.host` does not);
  `safe_url(request, url, fallback)` for a return-to URL kept elsewhere (the session).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from dudao.common.errors import ApplicationError, NotFound, PermissionDenied
from dudao.common.excel import XLSX_CONTENT_TYPE
from dudao.common.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, paginate

PAGE_SIZE_CHOICES = (10, 20, 50, 100)


def _positive_int(raw: str | None, default: int) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return default
    return value if value >= 1 else default


def list_page(
    request: HttpRequest, queryset_or_selector_result: Any, *, default_page_size: int = DEFAULT_PAGE_SIZE
) -> Page:
    """Paginate a queryset (or list) with `page` / `page_size` from the query string; bad values fall back."""
    page = _positive_int(request.GET.get("page"), 1)
    page_size = min(_positive_int(request.GET.get("page_size"), default_page_size), MAX_PAGE_SIZE)
    return paginate(queryset_or_selector_result, page, page_size)


def export_response(filename: str, data_bytes: bytes) -> HttpResponse:
    """An .xlsx download; the Chinese file name travels RFC 5987-encoded with an ASCII fallback."""
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").strip() or "export.xlsx"
    if ascii_name.startswith("."):
        ascii_name = "export" + ascii_name
    response = HttpResponse(data_bytes, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Content-Length"] = str(len(data_bytes))
    return response


def is_partial_request(request: HttpRequest) -> bool:
    """htmx asked for a fragment (not a boosted navigation or a history restore, which need the full page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def htmx_or_full(
    request: HttpRequest, full_template: str, partial_template: str, context: dict[str, Any]
) -> HttpResponse:
    """Render only `partial_template` for htmx requests, else the full page (which includes the partial)."""
    template = partial_template if is_partial_request(request) else full_template
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


def raise_http(exc: ApplicationError) -> None:
    """NotFound → 404 page, PermissionDenied → 403 page; other errors are for the caller to show."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    if isinstance(exc, PermissionDenied):
        raise DjangoPermissionDenied(exc.message) from exc


def place_errors(form: Any, exc: ApplicationError, fields: Mapping[str, str] | None = None) -> None:
    """Put a service error on a page form: each list in `detail` under its field (`fields` maps a service
    key to a form field), messages for unknown or hidden fields on top, else the Chinese message on top.

    Values in `detail` that are not lists are data for API clients (a Conflict's current `row_version`, a
    refused transition's from/to) and never become an error text.
    """
    detail = exc.detail if isinstance(exc.detail, Mapping) else {}
    placed = False
    for key, msgs in detail.items():
        if not isinstance(msgs, list | tuple):
            continue
        name = (fields or {}).get(key, key)
        field = form.fields.get(name)
        target = name if field is not None and not field.widget.is_hidden else None
        for message in msgs:
            form.add_error(target, str(message))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def run_form(form: Any, call: Callable[[], Any], fields: Mapping[str, str] | None = None) -> tuple[bool, Any]:
    """Run a service for a bound, valid page form: `(True, result)`, or `(False, None)` with the error on
    the form (nothing written: the service is atomic). 404/403 become HTTP errors."""
    try:
        result = call()
    except ApplicationError as exc:
        raise_http(exc)
        place_errors(form, exc, fields)
        return False, None
    return True, result


def error_of(call: Callable[[], Any]) -> str:
    """Run a service for an htmx fragment: "" on success, else the Chinese message to show in the fragment
    (nothing written). 404/403 become HTTP errors."""
    try:
        call()
    except ApplicationError as exc:
        raise_http(exc)
        return exc.message
    return ""


def run_and_flash(
    request: HttpRequest,
    call: Callable[[], Any],
    success: str,
    to: str,
    *,
    then: Callable[[Any], str] | None = None,
) -> HttpResponse:
    """Run a service from a POSTed button: a Chinese flash message either way, then redirect to `to` (a URL;
    on success `then(result)` when given). 404/403 become HTTP errors."""
    try:
        result = call()
    except ApplicationError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
        return redirect(to)
    messages.success(request, success)
    return redirect(then(result) if then is not None else to)


def safe_next(request: HttpRequest, fallback: str, *, param: str = "next") -> str:
    """The return-to URL from POST or GET when it stays on this site, else `fallback`.

    `url_has_allowed_host_and_scheme` refuses `//evil.host/x`, `https://evil.host`, `\\evil.host` and
    `javascript:`; a plain `startswith("/")` check lets the first through (an open redirect)."""
    return safe_url(request, request.POST.get(param) or request.GET.get(param) or "", fallback)


def safe_url(request: HttpRequest, url: str, fallback: str) -> str:
    """`url` when it stays on this site (see `safe_next`), else `fallback`."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def application_errors_as_http(view):
    """Decorator for page views: NotFound → 404, PermissionDenied → 403, any other ApplicationError → a
    Chinese page with its status and message (API errors become HTML pages, never a 500)."""
    import functools

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            raise_http(exc)
            return render(
                request, "400_input.html", {"message": exc.message, "status": exc.status}, status=exc.status
            )

    return wrapper
