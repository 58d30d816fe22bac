"""The role-aware sidebar: (group, label, url name, icon, predicate); unresolvable names are skipped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from dudao.accounts.permissions import (
    is_authority_admin,
    is_authority_user,
    is_examiner,
    is_institution_user,
    is_superuser,
    is_supervisor,
)
from dudao.accounts.selectors import role_label, scope_label  # noqa: F401 - re-exported for templates

authority_or_super = is_superuser | is_authority_user
audit_viewer = is_superuser | is_authority_admin
field_person = is_supervisor | is_examiner


def _everyone(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated)


@dataclass(frozen=True)
class NavEntry:
    """One sidebar link; shown when `predicate(user)` is true and `url_name` resolves."""

    group: str
    label: str
    url_name: str
    icon: str  # Tabler icon name without the `ti-` prefix
    predicate: Callable[[Any], bool]


ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("", "首页", "web:dashboard", "home", _everyone),
    # authority admin / staff (and superusers)
    NavEntry("机构管理", "评价机构", "registry:institution_list", "building", authority_or_super),
    NavEntry("机构管理", "备案与认定范围", "registry:filing_list", "file-certificate", authority_or_super),
    NavEntry("机构管理", "评价批次", "registry:batch_list", "calendar-event", authority_or_super),
    NavEntry("机构管理", "考核场所", "registry:venue_list", "map-pin", authority_or_super),
    NavEntry("人员管理", "督导员", "people:supervisor_list", "user-shield", authority_or_super),
    NavEntry("人员管理", "考评员", "people:examiner_list", "user-check", authority_or_super),
    NavEntry("人员管理", "人员信息", "people:person_list", "users", authority_or_super),
    NavEntry("质量评估", "评估", "scorecards:evaluation_list", "clipboard-check", authority_or_super),
    NavEntry("质量评估", "评估表", "scorecards:form_list", "list-check", authority_or_super),
    NavEntry("基础数据", "职业目录", "registry:occupation_list", "list-details", authority_or_super),
    NavEntry("基础数据", "工作日历", "workdays:calendar", "calendar", authority_or_super),
    NavEntry("基础数据", "委派机构", "registry:authority_list", "building-bank", authority_or_super),
    # institution admin / staff
    NavEntry("本机构", "机构信息", "registry:institution_list", "building", is_institution_user),
    NavEntry("本机构", "备案", "registry:filing_list", "file-certificate", is_institution_user),
    NavEntry("本机构", "评价批次", "registry:batch_list", "calendar-event", is_institution_user),
    NavEntry("本机构", "考核场所", "registry:venue_list", "map-pin", is_institution_user),
    NavEntry("本机构", "内部督导员", "people:supervisor_list", "user-shield", is_institution_user),
    NavEntry("本机构", "评估结果", "scorecards:evaluation_list", "clipboard-check", is_institution_user),
    # supervisors and examiners
    NavEntry("我的", "我的评估", "scorecards:evaluation_list", "clipboard-check", is_supervisor),
    NavEntry("我的", "我的信息", "web:profile", "id-badge-2", field_person),
    # system
    NavEntry("系统", "审计日志", "web:audit_list", "shield-check", audit_viewer),
    NavEntry("系统", "API 令牌", "accounts:token_list", "key", authority_or_super),
    NavEntry("系统", "管理后台", "admin:index", "settings", is_superuser),
)


def _resolve(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _family(view_name: str) -> str:
    """`registry:institution_detail` and `registry:institution_list` belong to the same menu entry."""
    namespace, _, name = view_name.rpartition(":")
    return f"{namespace}:{name.rsplit('_', 1)[0]}" if "_" in name else view_name


def sidebar(user: Any, current_view_name: str = "") -> list[dict[str, Any]]:
    """Groups of visible links for `user`: [{"title", "items": [{"label", "url", "icon", "active"}]}]."""
    groups: list[dict[str, Any]] = []
    by_title: dict[str, dict[str, Any]] = {}
    current_family = _family(current_view_name) if current_view_name else ""
    for entry in ENTRIES:
        if not entry.predicate(user):
            continue
        url = _resolve(entry.url_name)
        if url is None:
            continue
        group = by_title.get(entry.group)
        if group is None:
            group = {"title": entry.group, "items": []}
            by_title[entry.group] = group
            groups.append(group)
        active = current_view_name == entry.url_name or (
            bool(current_family)
            and current_family == _family(entry.url_name)
            and entry.url_name != "web:dashboard"
        )
        group["items"].append(
            {
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                "active": active,
                "url_name": entry.url_name,
            }
        )
    return groups


def visible_url_names(user: Any) -> list[str]:
    """URL names of the sidebar links `user` sees (tests and the dashboard's shortcuts use it)."""
    return [item["url_name"] for group in sidebar(user) for item in group["items"]]
