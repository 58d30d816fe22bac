"""Pure rules of the message centre: kind labels and which links a message may carry (no Django)."""

from __future__ import annotations

# Known message kinds (`<area>.<event>`); other apps may send kinds not listed here, which then get
# the label of their area (PREFIX_LABELS) or the generic one.
KIND_LABELS: dict[str, str] = {
    "renewal.new_application": "新的延续备案申请",
    "renewal.due_soon": "延续备案即将到期办结",
    "renewal.overdue": "延续备案已逾期",
    "renewal.outcome": "延续备案结果",
    "renewal.centre_result": "延续备案评估结果待审核",
    "renewal.bureau_return": "延续备案评估结果被退回",
    "filing.new_application": "新的备案申请",
    "filing.accept": "备案申请已受理",
    "filing.return": "备案申请退回补正",
    "filing.refuse": "备案申请不予受理",
    "filing.resubmitted": "备案申请已补正",
    "filing.decided": "备案申请决定",
    "task.dispatched": "督导任务已派发",
    "task.report_overdue": "督导报告逾期",
    "opinion.issued": "督导意见已下达",
    "task.self_evaluation_requested": "请提交自评报告",
    "task.self_evaluation_submitted": "机构已提交自评报告",
    "termination.notified": "拟终止备案告知",
    "termination.statement": "机构陈述申辩",
    "termination.terminate": "终止备案决定",
    "termination.withdraw": "终止备案程序撤回",
    "exam.collective_violation": "集体违纪处理待审批",
    "exam.objection_filed": "新的复核申请",
    "exam.objection_due_soon": "复核申请即将到期",
    "exam.objection_overdue": "复核申请处理逾期",
    "exam.objection_window_closing": "复核申请期即将截止",
    "exam.certificates_ready": "公示期满待发证",
    "exam.results_to_confirm": "成绩待确认",
    "exam.upload_due_soon": "证书信息即将到期上报",
    "exam.upload_overdue": "证书信息超期未上报",
    "complaint.accept_due_soon": "投诉受理决定即将到期",
    "complaint.accept_overdue": "投诉受理决定已逾期",
    "complaint.result_due_soon": "投诉办结即将到期",
    "complaint.result_overdue": "投诉办结已逾期",
    "quality.published": "质量通报已发布,请确认本机构数据",
    "quality.correction_requested": "质量通报更正申请待审核",
    "quality.correction_decided": "质量通报更正申请已审核",
    "quality.campaign_opened": "年度质量检查已启动,请完成本机构自查",
}
PREFIX_LABELS: dict[str, str] = {
    "renewal": "延续备案",
    "evaluation": "质量评估",
    "task": "督导任务",
    "opinion": "督导意见",
    "rectification": "整改",
    "penalty": "处理决定",
    "termination": "终止备案",
    "draw": "双随机抽取",
    "complaint": "投诉举报",
    "exam": "考务",
    "quality": "质量通报",
}
GENERIC_LABEL = "系统通知"

MAX_KIND = 64
MAX_TITLE = 200
MAX_LINK = 500
MAX_DEDUPE_KEY = 200


def kind_label(kind: str) -> str:
    """The kind in words: its own label, else its area's, else 系统通知."""
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    return PREFIX_LABELS.get(kind.split(".", 1)[0], GENERIC_LABEL)


def is_safe_link(link: str) -> bool:
    """A message links only inside the product: a path from the site root, never another host or scheme.

    `//host/x` and `/\\host` are protocol-relative to browsers; control characters and backslashes
    are refused outright so a stored link can never become an open redirect.
    """
    if link == "":
        return True
    if not link.startswith("/") or link.startswith("//"):
        return False
    return not any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in link)


def message_errors(*, kind: str, title: str, link: str, dedupe_key: str) -> dict[str, list[str]]:
    """Field errors of a message about to be sent (empty dict: valid)."""
    errors: dict[str, list[str]] = {}
    if not kind or len(kind) > MAX_KIND:
        errors["kind"] = [f"消息类型不能为空且不超过 {MAX_KIND} 个字符"]
    if not title.strip() or len(title) > MAX_TITLE:
        errors["title"] = [f"标题不能为空且不超过 {MAX_TITLE} 个字符"]
    if len(link) > MAX_LINK or not is_safe_link(link):
        errors["link"] = ["链接必须是以 / 开头的站内路径"]
    if len(dedupe_key) > MAX_DEDUPE_KEY:
        errors["dedupe_key"] = [f"去重键不超过 {MAX_DEDUPE_KEY} 个字符"]
    return errors
