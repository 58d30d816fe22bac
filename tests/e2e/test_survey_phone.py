"""Browser: the authority opens the survey after a task and prints the codes; a candidate answers on a
360 px phone (an unanswered question is shown inline, then the thanks page); the code cannot be reused;
the staff page shows the aggregate only from five answers (QUAL-4)."""

from __future__ import annotations

import pytest

from dudao.supervision import services
from dudao.supervision.models import SurveyResponse
from tests.e2e.conftest import login, shot, watch_csp
from tests.supervision.app_support import World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_candidate_answers_the_survey_on_a_small_phone(
    browser, live_server, page, users, institution, other_institution
):
    world = World(users, institution, other_institution)
    task = world.task("report_submitted")
    login(page, world.auth_staff.username)
    page.goto(f"/supervision/tasks/{task.pk}/")
    page.click("text=发起满意度调查")
    page.fill("input[name=candidates]", "5")
    page.fill("input[name=examiners]", "1")
    page.click("button:has-text('发起调查')")
    page.wait_for_selector("#survey-codes")
    codes = page.locator(".survey-code").all_inner_texts()
    assert len(codes) == 6
    shot(page, "survey-codes-desktop")

    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 360, "height": 780},
        is_mobile=True,
        has_touch=True,
    )
    phone = context.new_page()
    violations = watch_csp(phone)
    phone.goto("/supervision/public/survey/")
    phone.fill("input[name=code]", codes[0].lower())
    phone.click("button:has-text('开始填写')")
    phone.wait_for_selector("text=您的身份:考生")
    for key in ("fairness", "conduct", "discipline"):
        phone.click(f"label[for=id_q_{key}-5]")
    phone.click("button:has-text('提交评价')")
    phone.wait_for_selector("text=请选择一个分值")
    shot(phone, "survey-phone-360-error")
    for key in ("fairness", "conduct", "discipline"):
        phone.click(f"label[for=id_q_{key}-5]")
    phone.click("label[for=id_q_overall-4]")
    phone.fill("textarea[name=comment]", "督导员认真负责")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360  # nothing wider than the phone
    shot(phone, "survey-phone-360")
    phone.click("button:has-text('提交评价')")
    phone.wait_for_selector("#survey-thanks")
    assert SurveyResponse.objects.get().scores == {"fairness": 5, "conduct": 5, "discipline": 5, "overall": 4}
    phone.goto(f"/supervision/public/survey/?code={codes[0]}")
    phone.wait_for_selector("#survey-used")
    context.close()
    assert violations == []

    for code in codes[1:5]:
        services.survey_answer(code=code, scores={"fairness": 4, "conduct": 4, "discipline": 4, "overall": 4})
    page.goto(f"/supervision/tasks/{task.pk}/survey/")
    page.wait_for_selector("#survey-mean")
    assert page.inner_text("#survey-n") == "5"
    shot(page, "survey-results-desktop")


def test_self_evaluation_before_the_preliminary_opinion(
    page, users, institution, other_institution, settings, tmp_path
):
    """ACT-4: the leader asks for the self-evaluation, the institution uploads and submits it, the leader
    reviews it next to the findings; then the preliminary opinion may be drafted."""
    import datetime as dt

    from dudao.supervision.models import SupervisionTask
    from tests.clock import TODAY
    from tests.factories import current_version
    from tests.supervision.documents_support import SpecialTask

    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = World(users, institution, other_institution)
    special = SpecialTask(world)
    special.report()
    services.self_evaluation_request(
        actor=special.leader,
        task=special.task,
        due_on=TODAY + dt.timedelta(days=5),
        note="请对照督导事项自评",
    )
    pdf = tmp_path / "自评报告.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    login(page, world.inst_admin.username)
    page.goto(f"/supervision/tasks/{special.task.pk}/self-evaluation/")
    page.set_input_files("input[name=file]", str(pdf))
    page.click("button:has-text('上传文件')")
    page.wait_for_selector("#self-evaluation-files")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('提交自评报告')")
    page.wait_for_selector("text=待督导组审阅")
    page.context.clear_cookies()
    login(page, special.leader.username)
    page.goto(f"/supervision/tasks/{special.task.pk}/self-evaluation/")
    page.wait_for_selector("text=第二考场未设视频监控")
    page.fill("textarea[name=note]", "自评报告与现场发现基本一致")
    shot(page, "supervision-self-evaluation-review")
    page.click("button:has-text('记录审阅意见')")
    page.wait_for_selector("#review-note")
    assert page.inner_text("#self-evaluation-status") == "已审阅"
    opinion = services.preliminary_opinion_prepare(
        actor=special.leader,
        task=special.task,
        body="考场管理不到位。",
        row_version=current_version(special.task, SupervisionTask),
    )
    assert opinion.kind == "preliminary"
