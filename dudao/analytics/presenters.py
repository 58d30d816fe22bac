"""Flags in plain Chinese for the pages and exports: a one-line summary, the facts, and the rows behind
it, with no internal field names."""

from __future__ import annotations

from typing import Any

from .models import Flag

SUBJECTS = {"theory": "理论知识考试", "practical": "操作技能考核", "review": "综合评审"}
LEVELS = {"1": "一级/高级技师", "2": "二级/技师", "3": "三级/高级工", "4": "四级/中级工", "5": "五级/初级工"}


def _pct(value: Any) -> str:
    return f"{float(value) * 100:.1f}%"


def _level(value: Any) -> str:
    return LEVELS.get(str(value), str(value))


def summary(flag: Flag) -> str:
    e = flag.evidence or {}
    kind = flag.kind
    if kind == "late_checkin":
        return f"{e.get('session', '')}开考后仍有 {e.get('count')} 名考生签到"
    if kind == "device_checkin":
        return f"同一台签到设备在本场为 {e.get('count')} 名考生签到"
    if kind == "certificate_without_pass":
        return f"{e.get('count')} 本证书对应的考生没有合格成绩"
    if kind == "mark_after_publication":
        return f"成绩公示({e.get('published_at')})后又录入了 {e.get('count')} 条评分"
    if kind == "out_of_scope":
        return str(e.get("reason", "批次超出备案的认定范围"))
    if kind == "pass_rate":
        return (
            f"{_level(e.get('level'))}通过率 {_pct(e.get('pass_rate', 0))},同职业同等级其他机构为 "
            f"{_pct(e.get('peer_pass_rate', 0))}({e.get('candidates')} 名考生)"
        )
    if kind == "heaping":
        return (
            f"{SUBJECTS.get(e.get('subject'), '')}有 {e.get('at_pass_mark')} 份试卷落在及格线上,"
            f"按本批次成绩分布预计约 {e.get('expected_at_pass_mark')} 份"
        )
    if kind == "leniency":
        direction = "偏高" if e.get("direction") == "lenient" else "偏低"
        return (
            f"在 {e.get('papers')} 份共同评阅的试卷上,评分比其他考评员{direction}约 "
            f"{abs(float(e.get('shrunk_difference', 0))):.1f} 分(按百分制)"
        )
    if kind == "disagreement":
        return (
            f"{SUBJECTS.get(e.get('subject'), '')}双评分歧超出允许误差或需第三评的比例为 "
            f"{_pct(e.get('rate', 0))},其他批次为 {_pct(e.get('norm', 0))}"
        )
    if kind == "identical":
        return (
            f"考场中 {_pct(e.get('share', 0))} 的考生得到相同评分({e.get('count')} / {e.get('panel_papers')})"
        )
    return flag.get_kind_display()


def facts(flag: Flag) -> list[tuple[str, str]]:
    """Label/value pairs of the measurements behind the flag."""
    e = flag.evidence or {}
    out: list[tuple[str, str]] = [("统计量", f"{flag.statistic:g}")]
    if flag.p_value is not None:
        out.append(("显著性概率(p 值)", f"{flag.p_value:.3g}"))
    if e.get("q_value") is not None:
        out.append(("多重检验校正后的概率", f"{float(e['q_value']):.3g}"))
    if e.get("threshold") is not None:
        out.append(("提示门槛(条数)", str(e["threshold"])))
    named = {
        "starts_at": "开考时间",
        "published_at": "公示时间",
        "device": "签到设备",
        "occupation": "职业",
        "work_type": "工种",
        "candidates": "考生人数",
        "passed": "合格人数",
        "peer_candidates": "对照考生人数",
        "papers": "试卷数",
        "zone_papers": "及格线附近试卷数",
        "double_marked_papers": "双评试卷数",
        "beyond_tolerance": "超出允许误差的试卷数",
        "tolerance": "允许误差(满分的百分数)",
        "room": "考场",
        "panel_papers": "评分组评阅试卷数",
    }
    for key, label in named.items():
        if e.get(key) not in (None, "") and not isinstance(e[key], list | dict):
            out.append((label, str(e[key])))
    if e.get("rooms"):
        out.append(("涉及考场", "、".join(map(str, e["rooms"]))))
    if e.get("levels"):
        out.append(("等级", "、".join(_level(v) for v in e["levels"])))
    if e.get("level") is not None and flag.kind == "pass_rate":
        out.append(("等级", _level(e["level"])))
    return out


ROW_COLUMNS = [
    ("candidate", "报名号"),
    ("certificate", "证书编号"),
    ("paper", "密号"),
    ("room", "考场"),
    ("seat", "座位号"),
    ("subject", "科目"),
    ("examiner", "考评员"),
    ("role", "评分类别"),
    ("mark", "分数"),
    ("level", "等级"),
    ("issued_on", "发证日期"),
    ("result", "成绩情况"),
    ("at", "时间"),
    ("minutes_after_start", "开考后(分钟)"),
    ("status", "签到状态"),
]


def table(flag: Flag) -> tuple[list[str], list[list[tuple[str, str]]]]:
    """The evidence rows as a table: headers and rows of (header, cell), only the columns present."""
    rows = (flag.evidence or {}).get("rows") or []
    if not rows or not isinstance(rows, list) or not isinstance(rows[0], dict):
        return [], []
    keys = [(k, label) for k, label in ROW_COLUMNS if any(k in r for r in rows)]
    return [label for _, label in keys], [[(label, str(r.get(k, ""))) for k, label in keys] for r in rows]


def candidates_list(flag: Flag) -> list[str]:
    """Candidate ids the scan names (some kinds list up to 20)."""
    e = flag.evidence or {}
    return [str(v) for v in e["candidates"]] if isinstance(e.get("candidates"), list) else []
