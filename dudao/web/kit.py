"""Page kit used by every app's views: list pagination, xlsx downloads, htmx partial rendering.

Besides the KIT.md contract:
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
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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


def application_errors_as_http(view):
    """Decorator for page views: NotFound → 404, PermissionDenied → 403, any other ApplicationError → a
    Chinese page with its status and message (API errors become HTML pages, never a 500)."""
    import functools

    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
    from django.http import Http404
    from django.shortcuts import render

    from dudao.common.errors import ApplicationError, NotFound, PermissionDenied

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            return render(
                request, "400_input.html", {"message": exc.message, "status": exc.status}, status=exc.status
            )

    return wrapper
