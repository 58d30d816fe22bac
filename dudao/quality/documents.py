"""The 质量通报 paper (QUAL-1): the region's ranking with the best and the failing institutions named,
rendered with the kernel's `official_letter` template (admins may replace it; the authority's code is the
template variant) to DOCX, and to PDF from the same DOCX."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from dudao.documents.render import render_docx, to_pdf

from .models import QualityReport

TEMPLATE = "official_letter"


def _cn(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _rate(value: Any) -> str:
    return "—" if value is None else f"{value}%"


def _short_rate(value: Any) -> str:
    """A rate with one decimal for the table's narrow columns (the page shows two)."""
    return "—" if value is None else f"{Decimal(value).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _figures_of(r: dict) -> str:
    return (
        f"{r['name']}(得分{r['score']},开展评价{r['batches']}批次,考生{r['candidates']}人,"
        f"合格率{_rate(r['pass_rate'])},严重问题{r['findings_serious']}项,"
        f"按期整改{r['rectifications_on_time']}/{r['rectifications_due']})"
    )


def _gap_words(gap: str | None) -> str:
    """The gap (external − self) in words: a minus sign is easily lost in print."""
    if gap is None:
        return ""
    value = Decimal(gap)
    if value == 0:
        return ",外查与自查得分相同"
    return f",外查比自查{'低' if value < 0 else '高'}{abs(value):.2f}分"


def _campaign_paragraphs(rows: list[dict]) -> list[Any]:
    """三、年度质量检查情况 (QUAL-3 results in the QUAL-1 通报): the external scores of the drawn
    institutions beside their self-inspection, the failing ones (band 差) and those that did not
    self-inspect."""
    title = rows[0]["campaign"]["title"]
    drawn = [r for r in rows if r["campaign"]["external_total"] is not None]
    on_time = sum(1 for r in rows if r["campaign"]["self_submitted"] and not r["campaign"]["self_late"])
    out: list[Any] = [
        {"heading": "三、年度质量检查情况"},
        f"{title}共{len(rows)}家评价机构参加,"
        f"按时完成自查{on_time}家,"
        f"抽查外查{len(drawn)}家。外查得分与自查得分如下:",
    ]
    for r in drawn:
        c = r["campaign"]
        own = f"自查{c['self_total']}分" if c["self_total"] is not None else "未自查"
        gap = _gap_words(c["gap"])
        cards = f",考评员证卡年检发现{c['cards']}人证卡过期或即将到期" if c["cards"] else ""
        out.append(f"{r['name']}:外查{c['external_total']}分({c['external_band']}),{own}{gap}{cards}。")
    failing = [r["name"] for r in drawn if r["campaign"]["external_failing"]]
    out.append(
        f"外查不合格的评价机构:{'、'.join(failing)},予以通报批评,限期整改。"
        if failing
        else "外查中没有评价机构不合格。"
    )
    missing = [r["name"] for r in rows if not r["campaign"]["self_submitted"]]
    late = [r["name"] for r in rows if r["campaign"]["self_late"]]
    if missing:
        out.append(f"未按要求开展自查的评价机构:{'、'.join(missing)}。")
    if late:
        out.append(f"逾期提交自查的评价机构:{'、'.join(late)}。")
    return out


def context(report: QualityReport) -> dict[str, Any]:
    """official_letter context: body paragraphs naming the best and the failing, and the ranking table."""
    rows = report.figures
    ranked = [r for r in rows if r["rank"] is not None]
    best = [r for r in ranked if r["best"]]
    failing = [r for r in ranked if r["failing"]]
    period = f"{_cn(report.period_start)}至{_cn(report.period_end)}"
    paragraphs: list[Any] = [
        f"根据职业技能鉴定质量指标通报制度,现将{period}本地区{len(rows)}家评价机构的质量指标情况通报如下。"
        f"其中{len(ranked)}家在本期开展了评价工作并参加排名。",
        {"heading": "一、表现优秀的评价机构"},
    ]
    paragraphs += [_figures_of(r) for r in best] or ["本期没有评价机构达到优秀标准。"]
    paragraphs.append({"heading": "二、不合格的评价机构"})
    if failing:
        paragraphs += [_figures_of(r) for r in failing]
        paragraphs.append("对以上评价机构予以通报批评,请其认真整改,并于整改期限内报送整改情况。")
    else:
        paragraphs.append("本期没有评价机构被评为不合格。")
    campaign = [r for r in rows if r.get("campaign")]
    if campaign:
        paragraphs += _campaign_paragraphs(campaign)
    paragraphs.append({"heading": f"{'四' if campaign else '三'}、有关要求"})
    paragraphs.append(
        "各评价机构应严格执行质量管理制度,对本机构数据有异议的,请在规定期限内通过平台申请更正。"
    )
    table_rows = [
        [
            str(r["rank"]) if r["rank"] is not None else "—",
            r["name"],
            str(r["batches"]),
            _short_rate(r["pass_rate"]),
            _short_rate(r["supervision_coverage"]),
            f"{r['findings_minor']}/{r['findings_major']}/{r['findings_serious']}",
            f"{r['rectifications_on_time']}/{r['rectifications_due']}",
            f"{r['complaints_received']}/{r['complaints_accepted']}"
            + ("" if r["complaints_verified"] is None else f"/{r['complaints_verified']}"),
            f"{r['certificates_on_time']}/{r['certificates_due']}",
            r["score"] if r["rank"] is not None else "—",
        ]
        for r in rows
    ]
    verified = any(r["complaints_verified"] is not None for r in rows)
    return {
        "authority_name": report.authority.name,
        "doc_number": report.number,
        "title": f"关于{period}职业技能等级认定质量指标情况的通报",
        "recipient": "各职业技能等级认定评价机构",
        "paragraphs": paragraphs,
        "table": {
            "title": "评价机构质量指标排名",
            "headers": [
                "排名",
                "评价机构",
                "批次",
                "合格率",
                "督导覆盖率",
                "问题(一般/较重/严重)",
                "按期整改/应整改",
                "投诉(收到/受理/查实)" if verified else "投诉(收到/受理)",
                "证书按期上报/应上报",
                "得分",
            ],
            "rows": table_rows,
            # millimetres of the 156 mm text width: numbers and rates never wrap
            "widths": [10, 28, 10, 15, 15, 18, 13, 13, 18, 16],
            "align": ["center", "left"] + ["center"] * 8,
        },
        "signer": report.authority.name,
        "date": timezone.localtime(report.published_at or report.computed_at).date(),
    }


def render(report: QualityReport, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the 通报 as DOCX or PDF."""
    docx = render_docx(TEMPLATE, context(report), variant=_variant(report))
    name = f"质量通报_{report.number}"
    return (to_pdf(docx), f"{name}.pdf") if fmt == "pdf" else (docx, f"{name}.docx")


def _variant(report: QualityReport) -> str | None:
    code = report.authority.code
    return code if code and code.replace("-", "").replace("_", "").isalnum() and code.isascii() else None
