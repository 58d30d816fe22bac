"""The supervision papers as DOCX (read back with python-docx): 督导报告 (SUP-7), 初步督导意见 and 督导意见书
(ACT-4), 处理决定 (INST-4); state marks; the committed templates match their build script and obey the
docxtpl tag rule."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from django.utils import timezone
from docx.oxml.ns import qn

from dudao.documents.render import PACKAGE_DIR, template_variables
from dudao.supervision import build_templates, documents, services
from dudao.supervision.models import (
    Finding,
    Opinion,
    Penalty,
    Report,
    SupervisionTask,
)
from tests import factories as f
from tests.factories import UserFactory, current_version
from tests.supervision.app_support import TODAY
from tests.supervision.documents_support import docx_lines

pytestmark = pytest.mark.django_db

AUTHORITY = "江西省职业技能鉴定指导中心"
RULES = "《技能人才评价质量督导工作规程（试行）》"
DAY = TODAY + dt.timedelta(days=7)  # batch PC-A-1 (app_support.World)


def cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _report_doc(world, task, version=None):
    task, report = documents.report_for(world.auth_staff, task.pk, version)
    data, name = documents.render_report(task, report, "docx")
    return docx_lines(data), name, report


# ------------------------------------------------------------------------------------------- report
def test_report_docx(world, special):
    special.report()
    task = special.task
    inst = world.institution.name
    lines, name, report = _report_doc(world, task)
    assert name == f"督导报告_{inst}_{task.number}.docx"
    assert lines[:5] == [
        "技能人才评价质量督导报告",
        task.number,
        f"关于对{inst}开展专项督导的报告",
        f"{AUTHORITY}：",
        f"受{AUTHORITY}委派，督导组于{cn(DAY)}对{inst}组织的焊工评价活动（批次编号：PC-A-1）开展了"
        "专项督导（明察）。现将督导情况报告如下：",
    ]
    submitted = report.submitted_at.astimezone()
    stamp = f"{cn(submitted.date())} {submitted:%H:%M}"
    start = lines.index("一、基本情况") + 1
    assert lines[start : start + 11] == [
        f"被督导机构 | {inst}",
        f"统一社会信用代码 | {world.institution.uscc}",
        "评价批次 | PC-A-1　焊工　四级/中级工",
        f"委派机构 | {AUTHORITY}",
        f"督导时间 | {cn(DAY)} 09:00至17:00",
        "督导类型 | 专项督导（明察），外部督导",
        "督导事项 | 参加评价人员的资格条件；考场秩序",
        "督导组 | 组长　外督1（R36240001）；组员　外督2（R36240002）；组员　外督3（R36240003）",
        f"报告期限 | {cn(DAY + dt.timedelta(days=2))}前",  # SUP-7: two days after the evaluation
        f"提交时间 | {stamp}",
        "",
    ]
    findings = lines.index("三、督导发现")
    assert lines[lines.index("二、督导情况") + 1 : findings] == [
        "督导组按时到达考点，查阅了报名资料。",
        "现场检查了两个考场。",
    ]
    assert lines[findings + 1 : findings + 5] == [
        "序号 | 督导内容 | 督导方式 | 严重程度 | 情况描述 | 证据",
        "1 | 参加评价人员的资格条件 | 查阅、调阅文件资料 | 未发现问题 | — | —",
        "2 | 考场秩序 | 现场调查（明察） | 较重问题 | 第二考场未设视频监控 | 1份",
        "",
    ]
    tail = lines.index("四、存在问题")
    assert lines[tail:] == [
        "四、存在问题",
        "第二考场未设视频监控。",
        "五、意见建议",
        "尽快加装视频监控设备。",
        f"依据{RULES}第九条、第十条、第十二条和第十五条的规定，督导组向委派机构书面反馈督导结果。",
        "特此报告。",
        "",
        "组内职务 | 姓名 | 督导员证卡号 | 本人签字",
        "组长 | 外督1 | R36240001 | ",
        "组员 | 外督2 | R36240002 | ",
        "组员 | 外督3 | R36240003 | ",
        "",
        "督导组组长：外督1",
        cn(submitted.date()),
        f"系统存证：第1版，{stamp}提交，内容摘要（{report.hash_algorithm.upper()}）：{report.content_digest}",
    ]


def test_report_findings_come_from_the_submitted_snapshot(world, special):
    """A submitted report is immutable (DESIGN): later edits of the live rows do not change the paper."""
    special.report(evidence=False)

    Finding.objects.filter(task=special.task, severity="major").update(description="事后改写")
    lines, _, _ = _report_doc(world, special.task)
    assert "2 | 考场秩序 | 现场调查（明察） | 较重问题 | 第二考场未设视频监控 | —" in lines
    assert not any("事后改写" in line for line in lines)


def test_corrected_report_is_marked_and_the_old_version_says_so(world, special):
    first = special.report()
    services.report_correct(
        actor=special.leader, task=special.task, reason="补充考场情况", summary="更正后的督导情况"
    )
    task = special.task
    lines, name, report = _report_doc(world, task)
    assert (report.version, name) == (2, f"督导报告_{world.institution.name}_{task.number}_第2版.docx")
    assert lines[:3] == ["更正件", "技能人才评价质量督导报告", f"{task.number}（第2版）"]
    first_day = cn(first.submitted_at.astimezone().date())
    assert f"本报告为第2版，系对{first_day}提交的第1版报告的更正，更正原因：补充考场情况。" in lines
    assert "更正后的督导情况" in lines
    old, _, old_report = _report_doc(world, task, version=1)
    assert old_report.pk == first.pk
    assert old[:3] == ["已更正（以第2版为准）", "技能人才评价质量督导报告", task.number]
    assert "更正后的督导情况" not in old


def test_internal_daily_report_goes_to_the_institution(world, users):
    """An internal (内督) task reports to its own institution; without batch and items it says so."""
    from dudao.accounts.models import Role
    from tests.supervision.app_support import local, make_supervisor

    inside = make_supervisor(world.authority, "内督甲", 50, kind="internal", institution=world.institution)
    task = services.task_create(
        actor=users[Role.INSTITUTION_ADMIN],
        institution=world.institution,
        supervisors=[inside],
        supervisor_kind="internal",
        starts_at=local(DAY, 9),
        ends_at=local(DAY + dt.timedelta(days=1), 12),
    )
    (user,) = f.task_crew(task)
    services.task_accept(actor=user, task=task)
    services.task_start_on_site(actor=user, task=task, row_version=current_version(task, SupervisionTask))
    services.report_submit(
        actor=user, task=task, summary="暗访情况正常", row_version=current_version(task, SupervisionTask)
    )
    inst = world.institution.name
    lines, _, _ = _report_doc(world, task)
    assert lines[3:5] == [
        f"{inst}：",
        f"受{inst}委派，督导组于{cn(DAY)}至{cn(DAY + dt.timedelta(days=1))}对{inst}开展了日常督导（明察）。"
        "现将督导情况报告如下：",
    ]
    assert f"委派机构 | {inst}" in lines
    assert "督导类型 | 日常督导（明察），内部督导" in lines
    assert f"督导时间 | {cn(DAY)} 09:00至{cn(DAY + dt.timedelta(days=1))} 12:00" in lines
    # ACT-2/ACT-3: a daily task without items follows the daily checklist.
    assert (
        "督导事项 | 评价范围；职业技能标准（评价规范）及试题（题库）执行；参加评价人员的资格条件；"
        "考场秩序；证书管理与发放；考评人员、管理人员工作情况"
    ) in lines
    assert "督导组未记录督导发现。" in lines and "未发现问题。" in lines and "无。" in lines
    assert f"依据{RULES}第九条、第十条、第十二条和第十四条的规定，督导组向委派机构书面反馈督导结果。" in lines


def test_report_context_has_no_n_plus_one(world, special, django_assert_max_num_queries):
    special.report()
    task, report = documents.report_for(world.auth_staff, special.task.pk)
    with django_assert_max_num_queries(6):  # newest version, members (+person), cards: not one per member
        context = documents.report_context(task, report)
    assert [s["card"] for s in context["signatures"]] == ["R36240001", "R36240002", "R36240003"]


# ------------------------------------------------------------------------------------------ opinion
def test_final_opinion_docx_with_defence(world, special):
    final = special.final()
    task = special.task
    inst = world.institution.name
    data, name = documents.render_opinion(final, "docx")
    lines = docx_lines(data)
    assert final.number == f"JX-HRSS督〔{TODAY.year}〕1号"
    assert name == f"督导意见书_{inst}_{final.number}.docx"
    assert lines[:9] == [
        AUTHORITY,
        final.number,
        "督导意见书",
        f"{inst}：",
        f"根据{RULES}第十五条的规定，{AUTHORITY}委派督导组于{cn(DAY)}对你单位开展了专项督导（任务编号："
        f"{task.number}），督导事项为：参加评价人员的资格条件、考场秩序。督导组对你单位的自评报告和现场考察"
        f"情况进行了评议，形成初步督导意见，并于{cn(TODAY)}向你单位反馈。",
        f"你单位于{cn(TODAY)}提出了申辩意见，主要内容如下：",
        "监控设备已在采购中。",
        f"{AUTHORITY}综合分析督导组的初步督导意见和你单位的申辩意见，现提出督导意见如下：",
        "一、督导发现的问题",
    ]
    due = TODAY + dt.timedelta(days=30)  # policy default rectification period
    assert lines[9:] == [
        "序号 | 督导内容 | 督导方式 | 严重程度 | 情况描述 | 证据",
        "1 | 考场秩序 | 现场调查（明察） | 较重问题 | 第二考场未设视频监控 | 1份",  # problems only
        "",
        "二、督导意见",
        "经综合分析申辩意见，认定考场管理存在问题。",
        "三、整改要求",
        "一个月内为全部考场加装视频监控。",
        "整改完成后报送整改报告。",
        f"请你单位于{cn(due)}前完成整改，并将整改报告及相关证明材料报送{AUTHORITY}。{AUTHORITY}将对整改情况"
        "进行复核。",
        f"对督导意见拒不采取改进措施的，将依据{RULES}第十八条的规定，通报批评并责令改正；拒不改正或情节严重的，"
        "直至取消技能人才评价工作资格。",
        "",
        "",
        f"{AUTHORITY}\n{cn(TODAY)}",  # signer and date share the seal cell
    ]


def test_final_opinion_without_defence_and_without_rectification(world, special):
    special.preliminary()
    Opinion.objects.filter(task=special.task, kind="preliminary").update(
        defence_due_on=TODAY - dt.timedelta(days=1)
    )
    services.defence_window_close(
        actor=world.auth_staff, task=special.task, row_version=current_version(special.task, SupervisionTask)
    )
    final = services.opinion_issue(
        actor=world.auth_staff,
        task=special.task,
        body="问题已当场纠正。",
        requires_rectification=False,
        row_version=current_version(special.task, SupervisionTask),
    )
    lines = docx_lines(documents.render_opinion(final, "docx")[0])
    yesterday = TODAY - dt.timedelta(days=1)
    assert f"你单位在申辩期限内（{cn(yesterday)}前）未提出申辩意见。" in lines
    assert not any(line.startswith("你单位于") for line in lines)
    three = lines.index("三、整改要求")
    assert lines[three + 1] == "本次督导不要求整改。"


def test_preliminary_opinion_draft_then_sent(world, special):
    draft = special.preliminary(send=False)
    task = special.task
    data, name = documents.render_opinion(draft, "docx")
    lines = docx_lines(data)
    assert name == f"初步督导意见_{world.institution.name}_{task.number}.docx"
    assert lines[:4] == ["草稿", AUTHORITY, task.number, "初步督导意见"]
    assert lines[5].endswith("督导事项为：参加评价人员的资格条件、考场秩序。")  # no "反馈" sentence
    assert lines[6] == "督导组对你单位的自评报告和现场考察情况进行了评议，形成初步督导意见如下："
    assert lines[lines.index("三、整改要求") + 1] == "加装视频监控。"
    assert "本初步督导意见尚未反馈被督导机构，申辩期限自反馈之日起计算。" in lines
    assert lines[-2:] == ["督导组", "____年__月__日"]  # unsent: no date
    assert "组长 | 外督1 | R36240001 | " in lines

    sent = services.preliminary_opinion_send(
        actor=special.leader, task=task, row_version=current_version(task, SupervisionTask)
    )
    lines = docx_lines(documents.render_opinion(sent, "docx")[0])
    assert lines[:3] == [AUTHORITY, task.number, "初步督导意见"]  # no mark once sent
    assert (
        f"你单位对本初步督导意见有异议的，请于{cn(sent.defence_due_on)}前提出申辩意见；逾期未提出的，"
        "视为无申辩意见。委派机构将综合分析初步督导意见和申辩意见，出具督导意见书。"
    ) in lines
    assert lines[-2:] == ["督导组", cn(TODAY)]


# ------------------------------------------------------------------------------------------ penalty
PENALTY_CASES = [
    (
        "public_criticism",
        "关于对{inst}予以通报批评的决定",
        "对你单位予以通报批评，并责令你单位改正",
        [f"请你单位立即改正，并将改正情况书面报告{AUTHORITY}。"],
    ),
    ("order_to_correct", "关于责令{inst}改正的决定", "责令你单位改正", None),
    (
        "disciplinary_proposal",
        "关于对{inst}有关责任人员提出处分建议的决定",
        "向你单位的主管部门提出对直接负责的主管人员和其他责任人员（张三）给予处分的建议",
        ["请你单位配合主管部门做好有关工作，并认真改正存在的问题。"],
    ),
    (
        "suspension",
        "关于暂停{inst}技能人才评价工作的决定",
        "暂停你单位的技能人才评价工作（暂停备案，备案编号：JX-BA-0001）",
        [
            "暂停期间，你单位不得组织开展新的技能人才评价活动（不得新增评价批次）。",
            f"你单位整改到位后，可向{AUTHORITY}申请解除暂停；经核查整改到位的，恢复备案。",
        ],
    ),
    (
        "revocation",
        "关于取消{inst}技能人才评价工作资格的决定",
        "取消你单位的技能人才评价工作资格（终止备案，备案编号：JX-BA-0001）",
        ["自本决定作出之日起，你单位不得再组织开展技能人才评价活动。"],
    ),
]


@pytest.mark.parametrize(("kind", "title", "decision", "consequences"), PENALTY_CASES)
def test_penalty_notice_docx(world, kind, title, decision, consequences):
    """INST-4 (001 art. 18): each kind has its title, decision and consequences; the ground's item cited."""
    inst = world.institution.name
    penalty = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind=kind,
        ground="falsification",
        description="伪造考场记录。\n提供虚假考生名单。",
        # INST-4 ladder: the upper rungs straight away only for a serious matter.
        serious=kind in ("disciplinary_proposal", "revocation"),
        serious_reason="伪造考场记录,情节严重",
        responsible_persons=["张三"],
    )
    data, name = documents.render_penalty(penalty, "docx")
    number = f"JX-HRSS督处〔{TODAY.year}〕1号"
    assert name == f"处理决定_{inst}_{number}.docx"
    consequences = consequences or [f"请你单位立即改正，并将改正情况书面报告{AUTHORITY}。"]
    assert docx_lines(data) == [
        AUTHORITY,
        number,
        title.format(inst=inst),
        f"{inst}：",
        "经查，你单位存在弄虚作假、采取欺骗手段干扰质量督导工作的情形：",
        "伪造考场记录。",
        "提供虚假考生名单。",
        f"上述行为属于{RULES}第十八条第（四）项规定的情形。依据该条规定，{AUTHORITY}决定{decision}。",
        *consequences,
        "你单位如对本决定不服，可以依法申请行政复议或者提起行政诉讼。",
        "",
        "",
        f"{AUTHORITY}\n{cn(TODAY)}",
    ]


def test_penalty_from_a_task_numbered_per_authority_and_marked_when_lifted(world, special):
    special.report()
    task = special.task
    services.task_escalate(
        actor=world.auth_staff,
        task=task,
        reason="拒不整改",
        row_version=current_version(task, SupervisionTask),
    )
    first = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="public_criticism",
        ground="refused_improvement",
        description="拒不整改。",
        task=task,
    )
    suspension = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="suspension",
        ground="other",
        description="多次督促无果。",
    )
    # Another province's decision has its own sequence (by authority and year).
    foreign = services.penalty_impose(
        actor=world.superuser,
        institution=world.other_institution,
        kind="order_to_correct",
        ground="refused_documents",
        description="拒绝提供资料。",
    )
    year = TODAY.year
    assert [documents.penalty_number(p) for p in (first, suspension, foreign)] == [
        f"JX-HRSS督处〔{year}〕1号",
        f"JX-HRSS督处〔{year}〕2号",
        f"GD-HRSS督处〔{year}〕1号",
    ]
    lines = docx_lines(documents.render_penalty(first, "docx")[0])
    assert lines[4:6] == [
        f"{cn(DAY)}，{AUTHORITY}委派质量督导员对你单位开展了专项督导（任务编号：{task.number}）。",
        "经查，你单位存在对督导意见拒不采取改进措施的情形：",
    ]
    assert lines[7].startswith(f"上述行为属于{RULES}第十八条第（三）项规定的情形。")
    lines = docx_lines(documents.render_penalty(suspension, "docx")[0])
    assert lines[4] == "经查，你单位存在其他影响质量督导工作的行为的情形："  # no task: no task sentence
    assert lines[6].startswith(f"上述行为属于{RULES}第十八条第（六）项规定的情形。")

    lifted = services.penalty_lift(
        actor=world.auth_staff,
        penalty=suspension,
        reason="整改到位",
        row_version=current_version(suspension, Penalty),
    )
    assert lifted.status == Penalty.Status.LIFTED
    lines = docx_lines(documents.render_penalty(lifted, "docx")[0])
    assert lines[:3] == ["已解除", AUTHORITY, f"JX-HRSS督处〔{year}〕2号"]


def test_penalty_number_uses_the_policy_prefix(world):
    services.policy_update(actor=world.auth_admin, opinion_number_prefix="赣鉴督")
    penalty = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="order_to_correct",
        ground="obstructed_reports",
        description="阻挠反映情况。",
    )
    assert documents.penalty_context(penalty)["doc_number"] == f"赣鉴督处〔{TODAY.year}〕1号"


def test_author_names_and_values_are_escaped(world):
    """A value like 「A&B<公司>」 stays text (autoescape) and does not break the document XML."""
    penalty = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="order_to_correct",
        ground="other",
        description="与「A&B<公司>」串通。",
    )
    assert "与「A&B<公司>」串通。" in docx_lines(documents.render_penalty(penalty, "docx")[0])


# ---------------------------------------------------------------------------------------- templates
DOCUMENTED = {
    "supervision_report": {
        "mark", "header", "doc_number", "title", "recipient", "assigner", "period", "institution_name",
        "batch_text", "kind_label", "mode_label", "fields", "summary", "findings", "problems",
        "recommendations", "correction", "legal_basis", "signatures", "signer", "date", "digest",
    },
    "supervision_opinion": {
        "mark", "header", "doc_number", "title", "recipient", "rules", "authority_name", "period",
        "task_number", "items_text", "preliminary", "sent_on", "defence_text", "defence_on", "defence_due_on",
        "findings", "body", "requirements", "requires_rectification", "rectification_due_on", "signatures",
        "signer", "date", "seal",
    },
    "penalty_notice": {
        "mark", "header", "doc_number", "title", "recipient", "task_number", "task_period", "authority_name",
        "task_kind", "ground_label", "description", "legal_basis", "consequences", "signer", "date", "seal",
    },
    "termination_notice": {
        "mark", "header", "doc_number", "title", "recipient", "body", "signer", "date", "seal",
    },
}  # fmt: skip


@pytest.mark.parametrize("name", build_templates.NAMES)
def test_template_variables_are_the_documented_context(name):
    """docs/supervision-documents.md lists exactly what each template uses (admins edit against it)."""
    assert set(template_variables(name)) == DOCUMENTED[name]


def test_contexts_provide_every_template_variable(world, special):
    final = special.final()
    penalty = services.penalty_impose(
        actor=world.auth_staff, institution=world.institution, kind="order_to_correct", ground="other",
        description="x", task=special.task,
    )  # fmt: skip
    task, report = documents.report_for(world.auth_staff, special.task.pk)
    contexts = {
        "supervision_report": documents.report_context(task, report),
        "supervision_opinion": documents.opinion_context(final),
        "penalty_notice": documents.penalty_context(penalty),
    }
    for name, context in contexts.items():
        assert DOCUMENTED[name] <= set(context), name


def test_committed_templates_match_the_build_script(tmp_path):
    """Run `python -m dudao.supervision.build_templates` after changing the script, and commit the result."""
    build_templates.build_all(tmp_path)
    for name in build_templates.NAMES:
        with (
            zipfile.ZipFile(PACKAGE_DIR / f"{name}.docx") as old,
            zipfile.ZipFile(tmp_path / f"{name}.docx") as new,
        ):
            parts = sorted(n for n in new.namelist() if n.endswith((".xml", ".rels")))
            assert sorted(n for n in old.namelist() if n.endswith((".xml", ".rels"))) == parts
            for part in parts:
                assert old.read(part) == new.read(part), f"{name}.docx:{part}"


@pytest.mark.parametrize("name", build_templates.NAMES)
def test_loop_tags_own_their_paragraph_or_row(name):
    """DESIGN pitfall: a {%p %}/{%tr %} tag sharing a paragraph or row leaves empty ones behind."""
    from docx import Document

    doc = Document(str(PACKAGE_DIR / f"{name}.docx"))
    tags = 0
    for p in doc.element.body.iter(qn("w:p")):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        for kind in ("{%p", "{%tr", "{%tc"):
            if kind in text:
                tags += 1
                assert text.startswith(kind) and text.endswith("%}") and text.count("{%") == 1, text
    for tr in doc.element.body.iter(qn("w:tr")):
        cells = ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.tc_lst]
        if any("{%tr" in c for c in cells):
            assert cells[0].startswith("{%tr") and all(c == "" for c in cells[1:]), cells
    assert tags > 5


def test_report_rows_are_immutable_so_documents_are_reproducible(world, special):
    """Rendering twice gives the same text (nothing in a paper depends on the time of download)."""
    special.report()
    first, _, _ = _report_doc(world, special.task)
    UserFactory(username="later")  # unrelated writes in between
    second, _, _ = _report_doc(world, special.task)
    assert first == second
    assert Report.objects.count() == 1


def test_penalty_notice_does_not_reveal_a_covert_task_before_its_report(world):
    from tests.supervision.documents_support import covert_task

    task = covert_task(world)
    penalty = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="order_to_correct",
        ground="refused_documents",
        description="拒绝提供考务资料。",
        task=task,
    )
    lines = docx_lines(documents.render_penalty(penalty, "docx")[0])
    assert lines[4] == "经查，你单位存在拒绝向质量督导员提供相关情况和文件资料的情形："
    assert not any(task.number in line for line in lines)


# ------------------------------------------------------------------------- 拟终止备案告知书 (seed 004)
def test_termination_notice_docx(world):
    from dudao.supervision import documents_termination
    from dudao.supervision.models import Rectification

    task = world.task("rectification_ordered")
    Rectification.objects.filter(task=task).update(due_on=TODAY - dt.timedelta(days=1))
    t = services.termination_start(
        actor=world.auth_staff,
        task=task,
        ground="rectification_overdue",
        notice="你单位未在整改期限内提交整改报告。\n经催告仍未提交。",
    )
    context = documents_termination.termination_context(t)
    assert DOCUMENTED["termination_notice"] <= set(context)
    data, name = documents_termination.render_termination(t, "docx")
    inst = world.institution.name
    number = f"JX-HRSS督终告〔{TODAY.year}〕1号"
    assert name == f"拟终止备案告知书_{inst}_{number}.docx"
    ordered = timezone.localtime(Rectification.objects.get(task=task).created_at).date()
    assert docx_lines(data) == [
        AUTHORITY,
        number,
        f"关于拟终止{inst}评价机构备案的告知书",
        f"{inst}：",
        f"{cn(ordered)}，{AUTHORITY}对你单位下达整改要求（督导任务编号：{task.number}），"
        f"整改期限至{cn(TODAY - dt.timedelta(days=1))}。截至整改期限届满，你单位逾期未整改。",
        "你单位未在整改期限内提交整改报告。",
        "经催告仍未提交。",
        f"依据整改通知的规定，{AUTHORITY}拟终止你单位的职业技能等级评价机构备案（备案编号：JX-BA-0001）。",
        f"你单位对上述事实和拟作出的处理有异议的，可于{cn(dt.date(2026, 12, 10))}前向{AUTHORITY}提出陈述"
        "申辩意见，并提供相关证明材料；逾期未提出的，视为放弃陈述申辩。",
        "特此告知。",
        "",
        "",
        f"{AUTHORITY}\n{cn(TODAY)}",
    ]
