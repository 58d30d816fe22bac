"""Page-number pagination shared by the API and the pages: `page`, `page_size` (max 100)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from ninja import Field, Schema

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class PageParams(Schema):
    page: int = Field(1, ge=1, description="页码,从 1 开始")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="每页条数(1–100)")


@dataclass
class Page:
    items: list[Any]
    count: int
    page: int
    page_size: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "count": self.count, "page": self.page, "page_size": self.page_size}


def paginate(queryset, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> Page:
    """Slice a queryset; an out-of-range page yields an empty page, not an error."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    paginator = Paginator(queryset, page_size, allow_empty_first_page=True)
    try:
        items = list(paginator.page(max(1, int(page))).object_list)
    except EmptyPage:
        items = []
    return Page(items=items, count=paginator.count, page=max(1, int(page)), page_size=page_size)
