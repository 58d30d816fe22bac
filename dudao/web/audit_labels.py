"""The audit log in Chinese: action labels, object types and field names, values as people read them.

Events store stable English codes (`registry.institution.create`, `authority_id`, `True`, UTC ISO
times); this module turns them into what the 审计日志 page shows. Unknown codes fall back to the code,
so a new action is never hidden, only untranslated (a test lists every action written in dudao/).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

ACTION_LABELS: dict[str, str] = {
    # dashboards
    "dashboards.aggregates.refresh": "刷新统计看板数据",
    # accounts
    "accounts.user.create": "创建账号",
    "accounts.user.update": "修改账号",
    "accounts.user.lock": "账号因连续输错密码被锁定",
    "accounts.user.unlock": "解除账号登录锁定",
    "accounts.token.create": "创建 API 令牌",
    "accounts.token.revoke": "吊销 API 令牌",
    "accounts.session.login": "登录",
    "accounts.session.break_glass_login": "超级管理员登录(应急账号)",
    "accounts.superuser.request": "超级管理员访问(应急账号)",
    "accounts.session.login_failed": "登录失败",
    "accounts.session.totp_failed": "动态口令验证失败",
    "accounts.session.logout": "退出登录",
    "accounts.password.change": "修改密码",
    "accounts.password.reset": "管理员重置密码",
    "accounts.totp.enroll": "绑定双因素认证",
    "accounts.totp.disable": "停用双因素认证",
    "accounts.recovery_code.create": "生成恢复码",
    "accounts.recovery_code.use": "使用恢复码登录",
    # registry
    "registry.regions.import": "导入行政区划",
    "registry.authority.create": "新增委派机构",
    "registry.authority.update": "修改委派机构",
    "registry.occupation.create": "新增职业",
    "registry.occupation.update": "修改职业",
    "registry.institution.create": "新增评价机构",
    "registry.institution.update": "修改评价机构",
    "registry.filing.create": "新增备案",
    "registry.filing.update": "修改备案",
    "registry.filing.set_status": "变更备案状态",
    "registry.scope.add": "新增认定范围",
    "registry.scope.update": "修改认定范围",
    "registry.scope.end": "终止认定范围",
    "registry.venue.create": "新增考核场所",
    "registry.venue.update": "修改考核场所",
    "registry.batch.create": "新增评价批次",
    "registry.batch.update": "修改评价批次",
    "registry.batch.cancel": "取消评价批次",
    # people
    "people.person.id_lookup": "按完整身份证号查询人员",
    "people.person.create": "登记人员",
    "people.person.update": "修改人员信息",
    "people.person.reveal_id": "查看完整身份证号",
    "common.pii_key.rotate": "个人信息密钥轮换",
    "people.card_pattern.update": "修改证卡编码规则",
    "people.card_pattern.create": "新增证卡编码规则",
    "people.supervisor.create": "聘任督导员",
    "people.supervisor.update": "修改督导员",
    "people.supervisor.dismissal_flag": "标记督导员解聘风险",
    "people.supervisor_card.issue": "发放督导员证卡",
    "people.supervisor_card.reissue": "补发督导员证卡",
    "people.supervisor_contract.add": "签订督导员聘任合同",
    "people.supervisor_contract.renew": "续签督导员聘任合同",
    "people.examiner.create": "新增考评员",
    "people.examiner.update": "修改考评员",
    "people.examiner.status_active": "考评员恢复在册",
    "people.examiner.status_inactive": "考评员移出名册",
    "people.examiner_card.issue": "发放考评员证卡",
    "people.examiner_card.reissue": "补发考评员证卡",
    "people.examiner_card.renew_training": "登记考评员延续培训",
    "people.examiner_card.set_scopes": "修改考评员证卡考评范围",
    "people.relation.declare": "申报关系",
    "people.relation.withdraw": "撤回申报关系",
    # workdays
    "workdays.arrangement.create": "登记放假调休安排",
    "workdays.arrangement.update": "修改放假调休安排",
    # scorecards
    "scorecards.form_version.load": "加载评估表版本",
    "scorecards.evaluation.open": "发起评估",
    "scorecards.evaluation.answer": "填写评估项",
    "scorecards.evidence.attach": "上传评估佐证材料",
    "scorecards.evidence.remove": "删除评估佐证材料",
    "scorecards.evaluation.submit": "提交评估",
    "scorecards.evaluation.reopen": "退回评估重新填写",
    "scorecards.evaluation.sign": "评估签名",
    "scorecards.evaluation.signed": "评估签署完成",
    "scorecards.evaluation.supersede": "评估被更正版本取代",
    "scorecards.evaluation.correct": "更正评估",
    "scorecards.evaluation.cancel": "取消评估",
    # renewals
    "renewals.config.save": "保存延续备案设置",
    "renewals.application.submit": "提交延续备案申请",
    "renewals.draft.save": "保存延续备案申请草稿",
    "renewals.draft.discard": "删除延续备案申请草稿",
    "renewals.application.accept": "受理延续备案申请",
    "renewals.application.not_accept": "不予受理延续备案申请",
    "renewals.application.withdraw": "撤回延续备案申请",
    "renewals.application.review": "审核延续备案申请",
    "renewals.application.open_evaluation": "发起延续备案评估",
    "renewals.application.reopen_evaluation": "重新发起延续备案评估",
    "renewals.application.outcome": "记录延续备案评估结果",
    "renewals.application.close_filing": "延续备案到期处理",
    "renewals.application.centre_result": "报送延续备案评估结果",
    "renewals.application.bureau_review": "审核延续备案评估结果",
    "renewals.application.bureau_return": "退回延续备案评估结果",
    "renewals.application.terminated": "延续备案因终止备案办结",
    "renewals.filing_application.submit": "提交备案申请",
    "renewals.filing_application.accept": "受理备案申请",
    "renewals.filing_application.return": "退回补正备案申请",
    "renewals.filing_application.refuse": "不予受理备案申请",
    "renewals.filing_application.resubmit": "补正后重新提交备案申请",
    "renewals.filing_application.withdraw": "撤回备案申请",
    "renewals.filing_application.site_evaluation": "记录备案现场评估",
    "renewals.filing_application.approve": "准予备案",
    "renewals.filing_application.reject": "不予备案",
    # evaluation operations (考务, issue 10)
    "exams.plan.create": "编制认定计划",
    "exams.plan.update": "修改认定计划",
    "exams.plan.publish": "发布认定公告",
    "exams.plan.close": "报名截止",
    "exams.plan.cancel": "撤销认定公告",
    "exams.plan.seat": "编排座位",
    "exams.registration.submit": "报名",
    "exams.registration.retake": "补考报名",
    "exams.registration.review": "资格审核",
    "exams.registration.withdraw": "撤回报名",
    "exams.registration.fee": "登记缴费收据",
    "exams.session.create": "安排场次",
    "exams.room.create": "安排考场",
    "exams.assignment.generate": "生成考评人员安排",
    "exams.assignment.publish": "公布考评人员安排",
    "exams.assignment.lock": "锁定考评人员安排",
    "exams.assignment.replace": "替换考评人员",
    "exams.checkin.record": "考生签到",
    "exams.checkin.update": "更正签到(缺考改迟到)",
    "exams.checkin.absent": "登记缺考",
    "exams.seat.swap": "考生换座",
    "exams.violation.record": "记录考场违纪",
    "exams.violation.decide": "审批集体违纪处理",
    "exams.room.note": "填写考场记录",
    "exams.room.venue_check": "考评人员确认考场条件",
    "exams.eligibility_rules.load": "导入申报条件规则",
    "exams.question_policy.set": "设置题库政策",
    "exams.result.record": "登记认定成绩",
    "exams.results.publish": "公示认定成绩",
    "exams.objection.file": "考生申请复核",
    "exams.objection.handle": "处理复核申请",
    "exams.certificate_issuer.set": "设置证书编码",
    "exams.certificate.issue": "发放证书",  # one event per certificate, before batches were one event
    "exams.plan.issue_certificates": "发放证书(整批)",
    "exams.certificate.void": "注销证书",
    "exams.marking.open": "开启阅卷(生成密号)",
    "exams.results_policy.set": "设置成绩确认政策",
    "exams.results.submit": "提交认定中心确认成绩",
    "exams.results.confirm": "认定中心确认成绩",
    "exams.results.return": "认定中心退回成绩",
    "exams.mark.submit": "考评员评分",
    "exams.mark.correct": "更正评分",
    "exams.scorebook.sign": "评分册签字",
    "exams.scorebook.supersede": "评分册因更正重签",
    "exams.marking.join": "揭开密号并合成成绩",
    "exams.examiner_attendance.record": "登记考评员到岗情况",
    "exams.examiner_attendance.excuse": "认可考评员缺席或迟到理由",
    "exams.sanction_proposal.raise": "提出考评人员处理建议",
    "exams.sanction_proposal.confirm": "决定考评人员处理",
    "exams.sanction_proposal.dismiss": "考评人员处理建议不予处理",
    "exams.sanction_appeal.file": "考评员提出申诉",
    # complaints
    "analytics.flag.raise": "发现数据比对疑点",
    "analytics.flag.confirm": "确认数据比对疑点",
    "analytics.flag.dismiss": "排除数据比对疑点",
    "analytics.flag.exported": "导出数据比对疑点",
    "complaints.complaint.file": "公众提交投诉举报",
    "complaints.complaint.accept": "受理投诉",
    "complaints.complaint.decline": "不予受理投诉",
    "complaints.complaint.view_filer": "查看投诉人信息",
    "complaints.complaint.assign_handler": "指定投诉办理人员",
    "complaints.complaint.remove_handler": "撤换投诉办理人员",
    "complaints.complaint.set_concerned": "记录被投诉人员",
    "complaints.complaint.investigate": "开始调查投诉",
    "complaints.complaint.find": "记录投诉调查结论",
    "complaints.complaint.dispose": "作出投诉处理",
    "complaints.complaint.reply": "答复投诉人",
    "complaints.complaint.close": "投诉办结",
    "complaints.complaint.dispatch_task": "根据投诉派出专项督导",
    "complaints.complaint.impose_penalty": "根据投诉处理建议作出处理决定",
    # quality reports
    "quality.report.create": "编制质量通报",
    "quality.report.recompute": "重新统计质量通报",
    "quality.report.publish": "发布质量通报",
    "quality.report.close": "办结质量通报",
    "quality.response.confirm": "机构确认质量通报数据",
    "quality.response.request_correction": "机构申请更正质量通报数据",
    "quality.response.accept": "采纳质量通报更正申请",
    "quality.response.reject": "不采纳质量通报更正申请",
    # yearly quality inspection
    "quality.campaign.create": "建立年度质量检查",
    "quality.campaign.open": "启动年度质量检查",
    "quality.campaign.self_save": "保存机构自查",
    "quality.campaign.self_submit": "提交机构自查",
    "quality.campaign.sample": "抽取外查机构并年检考评员证卡",
    "quality.campaign.inspect": "开始外查",
    "quality.campaign.close": "结束年度质量检查",
    # archives
    "archives.package.seal": "认定计划归档(生成归档包)",
    "archives.package.download": "下载归档包",
    "archives.package.prune": "从归档包中销毁保存期满的档案",
    "archives.destruction_plan.create": "编制档案销毁计划",
    "archives.destruction_plan.approve": "审批档案销毁计划",
    "archives.destruction_receipt.record": "登记档案销毁回单",
    "exams.certificate_upload.export": "导出证书上报文件",
    "exams.certificate_upload.download": "下载证书上报文件",
    "exams.certificate_upload.confirm": "确认证书信息已上报",
    "exams.certificate_upload.reject": "登记证书上报被退回",
    # supervision
    "supervision.policy.update": "修改督导工作设置",
    "supervision.draw.define": "新建双随机抽取",
    "supervision.draw.update": "修改双随机抽取",
    "supervision.draw.publish": "公布抽取方案",
    "supervision.draw.risk_weighted": "按风险评分确定抽中权重",
    "supervision.draw.run": "执行抽取",
    "supervision.draw.lock": "锁定抽取结果",
    "supervision.draw.cancel": "取消抽取",
    "supervision.draw.witness_add": "登记抽取见证人",
    "supervision.draw.witness_remove": "删除抽取见证人",
    "supervision.draw.witness_reveal": "录入见证人随机值",
    "supervision.task.create": "新建督导任务",
    "supervision.task.dispatch": "派发督导任务",
    "supervision.task.redispatch": "重新派发督导任务",
    "supervision.task.accepted": "督导组全员接受任务",
    "supervision.task.declined": "督导任务被拒绝",
    "supervision.task.on_site": "督导组到达现场",
    "supervision.task.report": "提交督导报告",
    "supervision.task.preliminary_opinion": "形成初步督导意见",
    "supervision.task.send_preliminary": "送达初步督导意见",
    "supervision.task.defence": "评价机构提出申辩",
    "supervision.task.defence_window_closed": "申辩期届满",
    "supervision.task.opinion_issued": "出具督导意见书",
    "supervision.task.rectification_ordered": "下达整改通知",
    "supervision.task.rectification_submitted": "评价机构提交整改报告",
    "supervision.task.rectification_returned": "整改退回",
    "supervision.task.reverified": "整改复核通过",
    "supervision.task.escalate": "转入处理程序",
    "supervision.task.close": "关闭督导任务",
    "supervision.task.cancel": "取消督导任务",
    "supervision.member.accept": "督导员接受任务",
    "supervision.member.decline": "督导员拒绝任务",
    "supervision.member.review_decline": "审核拒绝理由",
    "supervision.member.replace": "更换督导组成员",
    "supervision.finding.add": "记录现场发现",
    "supervision.finding.update": "修改现场发现",
    "supervision.finding.delete": "删除现场发现",
    "supervision.evidence.attach": "上传现场证据",
    "supervision.evidence.remove": "删除现场证据",
    "supervision.report.correct": "更正督导报告",
    "supervision.opinion.send": "送达初步督导意见",
    "supervision.opinion.defence": "提交申辩意见",
    "supervision.rectification.order": "下达整改要求",
    "supervision.rectification.submit": "提交整改报告",
    "supervision.rectification.evidence": "上传整改材料",
    "supervision.rectification.review": "复核整改",
    "supervision.penalty.impose": "作出处理决定",
    "supervision.penalty.lift": "解除暂停",
    "supervision.termination.start": "告知拟终止备案",
    "supervision.termination.statement": "就拟终止备案陈述申辩",
    "supervision.termination.terminate": "作出终止备案决定",
    "supervision.termination.withdraw": "撤回终止备案程序",
    "supervision.annual_plan.create": "制定年度督导工作计划",
    "supervision.annual_plan.update": "修改年度督导工作计划",
    "supervision.annual_plan.publish": "发布年度督导工作计划",
    "supervision.annual_plan.correct": "更正年度督导工作计划",
    "supervision.annual_plan.supersede": "年度督导工作计划被更正版本替代",
    "supervision.annual_summary.generate": "生成年度督导工作总结",
    "supervision.annual_summary.update": "编辑年度督导工作总结",
    "supervision.annual_summary.refresh": "重新统计年度督导工作总结",
    "supervision.annual_summary.finalise": "年度督导工作总结定稿",
    "supervision.misconduct.record": "记录督导员违规",
    "supervision.misconduct.withdraw": "撤销督导员违规记录",
    "supervision.rating.submit": "提交督导员评价",
    "supervision.survey.open": "发起督导满意度调查",
    "supervision.survey.codes": "发放满意度调查评价码",
    "supervision.survey.answer": "提交满意度调查答卷(匿名)",
    "supervision.self_evaluation.request": "要求机构提交自评报告",
    "supervision.self_evaluation.file": "上传自评报告文件",
    "supervision.self_evaluation.submit": "提交自评报告",
    "supervision.self_evaluation.review": "审阅自评报告",
    "supervision.assessment.decide": "督导员年度考核",
    # demo data and tests of the chain
    "demo.data.reset": "重置演示数据",
    # list exports (dudao.common.exports)
    "supervision.supervisiontask.exported": "导出督导任务",
    "supervision.opinion.exported": "导出督导意见",
    "supervision.penalty.exported": "导出处理决定",
    "supervision.coverage.exported": "导出督导覆盖情况",
    "renewals.application.exported": "导出延续备案申请",
    "exams.registration.exported": "导出报名名单",
    "exams.registration.fee_exported": "导出收费台账",
    "common.auditevent.exported": "导出审计日志",
    "registry.institution.exported": "导出评价机构",
    "registry.batch.exported": "导出评价批次",
    "registry.occupation.exported": "导出职业目录",
    "people.supervisor.exported": "导出督导员",
    "people.examiner.exported": "导出考评员",
    # user administration by unit administrators (accounts.user_services)
    "accounts.user.disabled": "停用账号",
    "accounts.user.enabled": "启用账号",
}

# Action codes written before issue 9 named every action `app.entity.verb`: the audit chain keeps events
# as written (an event is never rewritten), so older events are labelled through their new name.
LEGACY_ACTIONS: dict[str, str] = {
    "accounts.user_created": "accounts.user.create",
    "accounts.user_changed": "accounts.user.update",
    "accounts.user_locked": "accounts.user.lock",
    "accounts.user_unlocked": "accounts.user.unlock",
    "accounts.token_created": "accounts.token.create",
    "accounts.token_revoked": "accounts.token.revoke",
    "accounts.login": "accounts.session.login",
    "accounts.break_glass_login": "accounts.session.break_glass_login",
    "accounts.login_failed": "accounts.session.login_failed",
    "accounts.login_2fa_failed": "accounts.session.totp_failed",
    "accounts.logout": "accounts.session.logout",
    "accounts.password_changed": "accounts.password.change",
    "accounts.password_reset": "accounts.password.reset",
    "accounts.totp_enrolled": "accounts.totp.enroll",
    "accounts.totp_disabled": "accounts.totp.disable",
    "accounts.recovery_codes_created": "accounts.recovery_code.create",
    "accounts.recovery_code_used": "accounts.recovery_code.use",
    "person.create": "people.person.create",
    "person.update": "people.person.update",
    "person.reveal_id": "people.person.reveal_id",
    "pii.rotate_key": "common.pii_key.rotate",
    "card_pattern.update": "people.card_pattern.update",
    "card_pattern.create": "people.card_pattern.create",
    "supervisor.create": "people.supervisor.create",
    "supervisor.update": "people.supervisor.update",
    "supervisor.dismissal_flag": "people.supervisor.dismissal_flag",
    "supervisor_card.issue": "people.supervisor_card.issue",
    "supervisor_card.reissue": "people.supervisor_card.reissue",
    "supervisor_contract.add": "people.supervisor_contract.add",
    "supervisor_contract.renew": "people.supervisor_contract.renew",
    "examiner.create": "people.examiner.create",
    "examiner.update": "people.examiner.update",
    "examiner_card.issue": "people.examiner_card.issue",
    "examiner_card.reissue": "people.examiner_card.reissue",
    "examiner_card.renew_training": "people.examiner_card.renew_training",
    "examiner_card.set_scopes": "people.examiner_card.set_scopes",
    "relation.declare": "people.relation.declare",
    "relation.withdraw": "people.relation.withdraw",
    "workdays.arrangement_create": "workdays.arrangement.create",
    "workdays.arrangement_update": "workdays.arrangement.update",
    "scorecards.form_version_load": "scorecards.form_version.load",
    "scorecards.evaluation_open": "scorecards.evaluation.open",
    "scorecards.evaluation_answer": "scorecards.evaluation.answer",
    "scorecards.evidence_attach": "scorecards.evidence.attach",
    "scorecards.evidence_remove": "scorecards.evidence.remove",
    "scorecards.evaluation_submit": "scorecards.evaluation.submit",
    "scorecards.evaluation_reopen": "scorecards.evaluation.reopen",
    "scorecards.evaluation_sign": "scorecards.evaluation.sign",
    "scorecards.evaluation_signed": "scorecards.evaluation.signed",
    "scorecards.evaluation_supersede": "scorecards.evaluation.supersede",
    "scorecards.evaluation_correct": "scorecards.evaluation.correct",
    "scorecards.evaluation_cancel": "scorecards.evaluation.cancel",
    "demo.reset": "demo.data.reset",
    "examiner.status.active": "people.examiner.status_active",
    "examiner.status.inactive": "people.examiner.status_inactive",
}

# `people.<entity>.status_<to>`: a status change of a people record (people.services); labelled with the
# target status's Chinese label from the model's own choices. Events written before issue 9 carry
# `<entity>.status.<to>` and read the same.
_STATUS_ACTION = re.compile(r"^(?:people\.)?(?P<entity>[a-z_]+)\.status[._](?P<to>[a-z_]+)$")
_STATUS_ENTITIES = {
    "supervisor": ("督导员", "people.supervisor"),
    "supervisor_card": ("督导员证卡", "people.supervisorcard"),
    "examiner_card": ("考评员证卡", "people.examinercard"),
}

# Keys in before/after that are not model fields (added by services next to the snapshot).
EXTRA_FIELD_LABELS = {
    "reason": "原因",
    "birth_year": "出生年份",
    "note": "备注",
    "rows": "行数",
    "count": "数量",
    "issued_on": "发证日期",
    "numbers": "证书编号(各等级起止)",
    "created": "新增",
    "updated": "更新",
    # login events (accounts): the lock now lives per address; older events carry the account's counters
    "username": "用户名",
    "ip": "来源地址",
    "method": "认证方式",
    "failures": "连续失败次数",
    "locked_until": "锁定至",
    "failed_logins": "连续登录失败次数",
    "confirmed": "已启用",
}

# Object types that name no model, and their keys (the superuser's request trail, accounts.break_glass).
OTHER_OBJECT_TYPES = {"http.request": "网页/接口请求", "demo": "演示数据"}
OTHER_FIELD_LABELS = {"http.request": {"method": "请求方法", "path": "请求路径", "status": "响应状态码"}}

BOOL_LABELS = {True: "是", False: "否"}
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


@functools.lru_cache(maxsize=256)
def model_for(object_type: str) -> type[models.Model] | None:
    """The model whose `_meta.label_lower` is `object_type` (`registry.institution`), or None."""
    if not object_type or "." not in object_type:
        return None
    app_label, _, model_name = object_type.partition(".")
    try:
        return apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """评价机构 for `registry.institution`; the code itself when it names no model."""
    model = model_for(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    return OTHER_OBJECT_TYPES.get(object_type, object_type)


def _status_choice_label(object_type: str, value: str) -> str:
    model = model_for(object_type)
    if model is None:
        return value
    try:
        field = model._meta.get_field("status")
    except FieldDoesNotExist:
        return value
    return str(dict(field.flatchoices).get(value, value))


_NEW_STATUS_ACTION = re.compile(r"^people\.(?P<entity>[a-z_]+)\.status_(?P<to>[a-z_]+)$")


def current_action(action: str) -> str:
    """The current name of a stored action code (a legacy code's new name; itself otherwise)."""
    if action in LEGACY_ACTIONS:
        return LEGACY_ACTIONS[action]
    match = _STATUS_ACTION.match(action)
    if match and not action.startswith("people.") and match["entity"] in _STATUS_ENTITIES:
        return f"people.{match['entity']}.status_{match['to']}"
    return action


def action_codes(action: str) -> list[str]:
    """The stored codes of one action: its current name and the names it had before (LEGACY_ACTIONS and
    the `<entity>.status.<to>` codes of status changes)."""
    codes = [action, *(old for old, new in LEGACY_ACTIONS.items() if new == action)]
    match = _NEW_STATUS_ACTION.match(action)
    if match:
        codes.append(f"{match['entity']}.status.{match['to']}")
    return codes


def action_label(action: str, object_type: str = "") -> str:
    """Chinese label of an audit action code; falls back to the code."""
    label = ACTION_LABELS.get(LEGACY_ACTIONS.get(action, action))
    if label is not None:
        return label
    match = _STATUS_ACTION.match(action)
    if match and match["entity"] in _STATUS_ENTITIES:
        entity, default_type = _STATUS_ENTITIES[match["entity"]]
        status = _status_choice_label(object_type or default_type, match["to"])
        return f"{entity}状态变为「{status}」"
    return action


@functools.lru_cache(maxsize=256)
def _fields_of(object_type: str) -> dict[str, models.Field]:
    model = model_for(object_type)
    if model is None:
        return {}
    found: dict[str, models.Field] = {}
    for field in model._meta.concrete_fields:
        found[field.name] = field
        found[field.attname] = field  # snapshots use attnames: `authority_id`
    return found


def field_label(object_type: str, key: str) -> str:
    """The field's verbose_name (`authority_id` → 主管(备案)机构), a known extra key, or the key."""
    field = _fields_of(object_type).get(key)
    if field is not None:
        return str(field.verbose_name)
    other = OTHER_FIELD_LABELS.get(object_type, {})
    return other.get(key) or EXTRA_FIELD_LABELS.get(key, key)


def _local_datetime_text(text: str) -> str | None:
    if not _ISO_DATETIME.match(text):
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def value_text(object_type: str, key: str, value: Any) -> str:
    """One snapshot value as people read it: 是/否, choice labels, local times, ∅ for nothing."""
    if value is None:
        return "∅"
    if isinstance(value, bool):
        return BOOL_LABELS[value]
    field = _fields_of(object_type).get(key)
    if field is not None and field.choices and not isinstance(value, list | dict):
        choices = dict(field.flatchoices)
        if value in choices:
            return str(choices[value])
    if isinstance(value, str):
        local = _local_datetime_text(value)
        return local if local is not None else value
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
