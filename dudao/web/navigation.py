"""The role-aware sidebar: (group, label, url name, icon, predicate); unresolvable names are skipped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from dudao.accounts.permissions import (
    can_read_audit,
    is_audit_admin,
    is_authority_admin,
    is_authority_user,
    is_examiner,
    is_institution_admin,
    is_institution_user,
    is_security_admin,
    is_superuser,
    is_supervisor,
    is_system_admin,
    is_unit_admin,
    uses_api,
)
from dudao.accounts.selectors import role_label, scope_label  # noqa: F401 - re-exported for templates

authority_or_super = is_superuser | is_authority_user
audit_viewer = can_read_audit | is_authority_admin
reference_keeper = authority_or_super | is_system_admin
admin_site_user = is_superuser | is_security_admin | is_audit_admin
field_person = is_supervisor | is_examiner


def _everyone(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated)


@dataclass(frozen=True)
class NavEntry:
    """One sidebar link; shown when `predicate(user)` is true and `url_name` resolves.

    `url_args(user)` gives the URL's arguments for links to the user's own records; None hides the link.
    """

    group: str
    label: str
    url_name: str
    icon: str  # Tabler icon name without the `ti-` prefix
    predicate: Callable[[Any], bool]
    url_args: Callable[[Any], tuple | None] | None = None
    anchor: str = ""


def own_records(user: Any) -> dict[str, int | None]:
    """The pks of the user's own Supervisor and Examiner records (via `user.person`), cached on the user.

    REVIEW M10: supervisors and examiners reach their record, cards and 申报关系 from the sidebar and
    from 我的信息. A person may hold an external and an internal supervisor role: the one that matches
    the account's role wins, then the one still 在册, then the newest.
    """
    cached = getattr(user, "_dudao_own_records", None)
    if cached is not None:
        return cached
    records: dict[str, int | None] = {"person": None, "supervisor": None, "examiner": None}
    person_id = getattr(user, "person_id", None)
    if person_id:
        from dudao.people.models import Examiner, Supervisor

        records["person"] = person_id
        wanted_kind = {
            "external_supervisor": Supervisor.Kind.EXTERNAL,
            "internal_supervisor": Supervisor.Kind.INTERNAL,
        }.get(getattr(user, "role", ""), "")
        roles = list(Supervisor.objects.filter(person_id=person_id).values_list("pk", "kind", "status"))
        if roles:
            roles.sort(key=lambda r: (r[1] != wanted_kind, r[2] != Supervisor.Status.ACTIVE, -r[0]))
            records["supervisor"] = roles[0][0]
        records["examiner"] = (
            Examiner.objects.filter(person_id=person_id).values_list("pk", flat=True).first()
        )
    user._dudao_own_records = records
    return records


def _own(kind: str) -> Callable[[Any], tuple | None]:
    def args(user: Any) -> tuple | None:
        pk = own_records(user)[kind]
        return (pk,) if pk else None

    return args


ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("", "首页", "web:dashboard", "home", _everyone),
    # authority admin / staff (and superusers)
    NavEntry("机构管理", "评价机构", "registry:institution_list", "building", authority_or_super),
    NavEntry("机构管理", "备案与认定范围", "registry:filing_list", "file-certificate", authority_or_super),
    NavEntry("机构管理", "评价批次", "registry:batch_list", "calendar-event", authority_or_super),
    NavEntry("机构管理", "考核场所", "registry:venue_list", "map-pin", authority_or_super),
    NavEntry("机构管理", "延续备案", "renewals:application_list", "file-time", authority_or_super),
    NavEntry("考务", "认定计划与报名", "exams:plan_list", "school", authority_or_super),
    NavEntry("考务", "证书上报", "exams:upload_list", "cloud-upload", authority_or_super),
    NavEntry("考务", "题库政策", "exams:question_policy", "books", is_authority_user),
    NavEntry("考务", "考评人员处理", "exams:conduct_list", "user-exclamation", authority_or_super),
    NavEntry("考务", "认定档案", "archives:package_list", "archive", authority_or_super),
    NavEntry("人员管理", "督导员", "people:supervisor_list", "user-shield", authority_or_super),
    NavEntry("人员管理", "考评员", "people:examiner_list", "user-check", authority_or_super),
    NavEntry("人员管理", "人员信息", "people:person_list", "users", authority_or_super),
    NavEntry(
        "质量督导", "年度计划与总结", "supervision:annual_plan_list", "calendar-stats", authority_or_super
    ),
    NavEntry("质量督导", "双随机抽取", "supervision:draw_list", "arrows-shuffle", authority_or_super),
    NavEntry("质量督导", "督导任务", "supervision:task_list", "clipboard-list", authority_or_super),
    NavEntry("质量督导", "覆盖情况", "supervision:coverage", "chart-pie", authority_or_super),
    NavEntry("质量督导", "督导意见", "supervision:opinion_list", "file-certificate", authority_or_super),
    NavEntry("质量督导", "处理决定", "supervision:penalty_list", "gavel", authority_or_super),
    NavEntry("质量督导", "终止备案", "supervision:termination_list", "file-off", authority_or_super),
    NavEntry("质量督导", "投诉举报", "complaints:list", "message-report", authority_or_super),
    NavEntry("质量督导", "数据比对", "analytics:flag_list", "chart-dots", authority_or_super),
    NavEntry("质量督导", "质量通报", "quality:list", "speakerphone", authority_or_super),
    NavEntry("质量督导", "年度质量检查", "quality:campaigns", "clipboard-search", authority_or_super),
    NavEntry("质量督导", "督导员履职", "supervision:performance", "user-star", authority_or_super),
    NavEntry("质量督导", "督导设置", "supervision:policy", "adjustments", authority_or_super),
    NavEntry("质量督导", "统计看板", "dashboards:authority", "chart-dots", authority_or_super),
    NavEntry("质量督导", "信息公开", "supervision:public_draw_list", "world", authority_or_super),
    NavEntry("质量评估", "评估", "scorecards:evaluation_list", "clipboard-check", authority_or_super),
    NavEntry("质量评估", "评估表", "scorecards:form_list", "list-check", authority_or_super),
    NavEntry("基础数据", "评估表", "scorecards:form_list", "list-check", is_system_admin),
    NavEntry("基础数据", "职业目录", "registry:occupation_list", "list-details", reference_keeper),
    NavEntry("基础数据", "申报条件规则", "exams:eligibility_rules", "checklist", reference_keeper),
    NavEntry("基础数据", "行政区划", "registry:region_list", "map-2", authority_or_super),
    NavEntry("基础数据", "工作日历", "workdays:calendar", "calendar", reference_keeper),
    NavEntry("基础数据", "委派机构", "registry:authority_list", "building-bank", authority_or_super),
    # institution admin / staff
    NavEntry("本机构", "机构信息", "registry:institution_list", "building", is_institution_user),
    NavEntry("本机构", "备案", "registry:filing_list", "file-certificate", is_institution_user),
    NavEntry("本机构", "评价批次", "registry:batch_list", "calendar-event", is_institution_user),
    NavEntry("考务", "认定计划与报名", "exams:plan_list", "school", is_institution_user),
    NavEntry("考务", "考评人员处理", "exams:conduct_list", "user-exclamation", is_institution_user),
    NavEntry("考务", "认定档案", "archives:package_list", "archive", is_institution_user),
    NavEntry("考务", "证书上报", "exams:upload_list", "cloud-upload", is_institution_user),
    NavEntry("本机构", "考核场所", "registry:venue_list", "map-pin", is_institution_user),
    NavEntry("本机构", "内部督导员", "people:supervisor_list", "user-shield", is_institution_user),
    NavEntry("本机构", "延续备案", "renewals:application_list", "file-time", is_institution_user),
    NavEntry("本机构", "质量指标", "dashboards:institution_own", "chart-dots", is_institution_user),
    NavEntry("本机构", "评估结果", "scorecards:evaluation_list", "clipboard-check", is_institution_user),
    NavEntry("质量督导", "督导任务", "supervision:task_list", "clipboard-list", is_institution_user),
    NavEntry("质量督导", "督导意见", "supervision:opinion_list", "file-certificate", is_institution_user),
    NavEntry("质量督导", "处理决定", "supervision:penalty_list", "gavel", is_institution_user),
    NavEntry("质量督导", "终止备案", "supervision:termination_list", "file-off", is_institution_user),
    NavEntry("质量督导", "督导覆盖", "supervision:coverage", "chart-pie", is_institution_user),
    NavEntry("质量督导", "质量通报", "quality:list", "speakerphone", is_institution_user),
    NavEntry("质量督导", "年度自查", "quality:self_list", "clipboard-search", is_institution_user),
    NavEntry("质量督导", "内部督导抽取", "supervision:draw_list", "arrows-shuffle", is_institution_admin),
    NavEntry("质量督导", "内部督导员履职", "supervision:performance", "user-star", is_institution_admin),
    # supervisors and examiners
    NavEntry("我的", "我的任务", "supervision:task_mine", "clipboard-list", is_supervisor),
    NavEntry("我的", "督导的认定考试", "exams:plan_list", "school", field_person),
    NavEntry("我的", "考评人员处理建议", "exams:conduct_list", "user-exclamation", is_supervisor),
    NavEntry("我的", "我的考评记录", "exams:conduct_mine", "user-exclamation", is_examiner),
    NavEntry("我的", "我的评估", "scorecards:evaluation_list", "clipboard-check", is_supervisor),
    NavEntry("我的", "督导信息公开", "supervision:public_draw_list", "world", field_person),
    NavEntry("我的", "我的信息", "web:profile", "id-badge-2", field_person),
    NavEntry(
        "我的", "我的督导员档案", "people:supervisor_detail", "user-shield", field_person, _own("supervisor")
    ),
    NavEntry(
        "我的", "我的考评员档案", "people:examiner_detail", "user-check", field_person, _own("examiner")
    ),
    NavEntry("我的", "申报关系", "people:person_detail", "link", field_person, _own("person"), "#relations"),
    # system
    NavEntry("系统", "审计日志", "web:audit_list", "shield-check", audit_viewer),
    NavEntry("系统", "账号管理", "accounts:user_list", "users", is_unit_admin),
    NavEntry("系统", "API 令牌", "accounts:token_list", "key", uses_api),
    NavEntry("系统", "账号管理", "admin:accounts_user_changelist", "users-group", is_security_admin),
    NavEntry("系统", "登录日志", "admin:accounts_loginevent_changelist", "login", is_audit_admin),
    NavEntry("系统", "管理后台", "admin:index", "settings", admin_site_user),
)


def _resolve(url_name: str, args: tuple = ()) -> str | None:
    try:
        return reverse(url_name, args=args)
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
        args: tuple | None = ()
        if entry.url_args is not None:
            args = entry.url_args(user)
            if args is None:
                continue  # e.g. no examiner record behind this account
        url = _resolve(entry.url_name, args)
        if url is None:
            continue
        url += entry.anchor
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
