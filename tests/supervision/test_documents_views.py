"""Downloads of the supervision papers (DOCX): who may download what (the supervision selectors' scope),
covert tasks hidden from the institution until the report, unsent preliminary opinions hidden from it,
out of scope → 404 with nothing changed, and a PDF failure sends the user back with the reason."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.errors import NotFound
from dudao.supervision import documents, services
from dudao.supervision.models import SupervisionTask
from tests import factories as f
from tests.conftest import client_for
from tests.factories import UserFactory, current_version
from tests.supervision.app_support import counts
from tests.supervision.documents_support import covert_task, docx_lines

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(name="outsiders")
def outsiders_fixture(world):
    """Users who must never see the papers of institution A's tasks."""
    return {
        "other_authority": UserFactory(
            username="gd_staff", role=Role.AUTHORITY_STAFF, authority=world.other_authority
        ),
        "other_institution": UserFactory(
            username="gd_inst", role=Role.INSTITUTION_ADMIN, institution=world.other_institution
        ),
        "other_supervisor": world.s4.user,  # same province, not in the group
        "unassigned_supervisor": world.users[Role.EXTERNAL_SUPERVISOR],
        "internal_supervisor": world.users[Role.INTERNAL_SUPERVISOR],
        "examiner": world.users[Role.EXAMINER],
    }


def _get(user, url):
    return client_for(user).get(url)


def _assert_docx(response, filename: str) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == DOCX
    assert response["Cache-Control"] == "private, no-store"
    assert quote(filename) in response["Content-Disposition"]
    return docx_lines(b"".join(response.streaming_content))


def _assert_denied(outsiders, url):
    before = counts()
    for who, user in outsiders.items():
        assert _get(user, url).status_code == 404, who
    assert counts() == before  # a denied download changes nothing


def test_report_download_permissions(world, special, outsiders):
    url = reverse("supervision:task_report_docx", args=[special.task.pk])
    assert _get(world.auth_staff, url).status_code == 404  # no report yet
    assert _get(special.leader, url).status_code == 404
    special.report()
    name = f"督导报告_{world.institution.name}_{special.task.number}.docx"
    insiders = [world.auth_admin, world.auth_staff, world.superuser, world.inst_admin, world.inst_staff]
    for user in [*insiders, special.leader, special.m2, special.m3]:
        lines = _assert_docx(_get(user, url), name)
        assert lines[2] == f"关于对{world.institution.name}开展专项督导的报告", user.username
    _assert_denied(outsiders, url)
    # Anonymous users are sent to the login page; POST is not a download.
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert client_for(world.auth_staff).post(url).status_code == 405


def test_report_versions(world, special):
    special.report()
    services.report_correct(actor=special.leader, task=special.task, reason="补充", summary="更正后")
    url = reverse("supervision:task_report_docx", args=[special.task.pk])
    latest = _assert_docx(
        _get(world.inst_admin, url), f"督导报告_{world.institution.name}_{special.task.number}_第2版.docx"
    )
    assert latest[0] == "更正件"
    old = _assert_docx(
        _get(world.inst_admin, f"{url}?version=1"),
        f"督导报告_{world.institution.name}_{special.task.number}.docx",
    )
    assert old[0] == "已更正（以第2版为准）"
    assert _get(world.inst_admin, f"{url}?version=3").status_code == 404
    assert _get(world.inst_admin, f"{url}?version=abc").status_code == 404


def test_covert_report_is_hidden_from_the_institution_until_submitted(world):
    """暗访: the institution does not learn of the task before the report, not even from a 404's reason."""
    task = covert_task(world)
    url = reverse("supervision:task_report_docx", args=[task.pk])
    with pytest.raises(NotFound) as hidden:
        documents.report_for(world.inst_admin, task.pk)
    assert hidden.value.message == "记录不存在或无权查看"  # the task itself does not exist for them
    with pytest.raises(NotFound) as pending:
        documents.report_for(world.auth_staff, task.pk)
    assert pending.value.message == "该任务尚未提交督导报告"
    assert _get(world.inst_admin, url).status_code == 404
    (user,) = f.task_crew(task)
    services.task_accept(actor=user, task=task)
    services.task_start_on_site(actor=user, task=task, row_version=current_version(task, SupervisionTask))
    assert _get(world.inst_staff, url).status_code == 404
    services.report_submit(
        actor=user,
        task=task,
        summary="暗访发现考生迟到入场",
        row_version=current_version(task, SupervisionTask),
    )
    lines = _assert_docx(_get(world.inst_staff, url), f"督导报告_{world.institution.name}_{task.number}.docx")
    assert lines[4].endswith("开展了日常督导（暗访）。现将督导情况报告如下：")
    assert "督导类型 | 日常督导（暗访），外部督导" in lines


def test_opinion_download_permissions(world, special, outsiders):
    draft = special.preliminary(send=False)
    url = reverse("supervision:opinion_docx", args=[draft.pk])
    name = f"初步督导意见_{world.institution.name}_{special.task.number}.docx"
    for user in (world.auth_staff, special.leader, special.m3, world.superuser):
        assert _assert_docx(_get(user, url), name)[0] == "草稿"
    # ACT-4 step 2: the group's draft reaches the institution only when sent.
    for user in (world.inst_admin, world.inst_staff):
        assert _get(user, url).status_code == 404
    _assert_denied(outsiders, url)
    services.preliminary_opinion_send(
        actor=special.leader, task=special.task, row_version=current_version(special.task, SupervisionTask)
    )
    assert _assert_docx(_get(world.inst_admin, url), name)[:3] == [
        "江西省职业技能鉴定指导中心",
        special.task.number,
        "初步督导意见",
    ]

    services.defence_submit(actor=world.inst_admin, task=special.task, text="已整改")
    final = services.opinion_issue(
        actor=world.auth_staff,
        task=special.task,
        body="意见",
        requirements="整改",
        row_version=current_version(special.task, SupervisionTask),
    )
    url = reverse("supervision:opinion_docx", args=[final.pk])
    for user in (world.inst_staff, world.auth_admin, special.m2):
        lines = _assert_docx(_get(user, url), f"督导意见书_{world.institution.name}_{final.number}.docx")
        assert lines[1:4] == [final.number, "督导意见书", f"{world.institution.name}："]
    _assert_denied(outsiders, url)
    assert (
        _get(world.auth_staff, reverse("supervision:opinion_docx", args=[final.pk + 100])).status_code == 404
    )


def test_penalty_download_permissions(world, outsiders):
    penalty = services.penalty_impose(
        actor=world.auth_staff,
        institution=world.institution,
        kind="public_criticism",
        ground="refused_documents",
        description="拒绝提供考务资料。",
    )
    url = reverse("supervision:penalty_docx", args=[penalty.pk])
    number = documents.penalty_number(penalty)
    name = f"处理决定_{world.institution.name}_{number}.docx"
    for user in (world.auth_staff, world.auth_admin, world.superuser, world.inst_admin, world.inst_staff):
        lines = _assert_docx(_get(user, url), name)
        assert lines[:3] == [
            "江西省职业技能鉴定指导中心",
            number,
            f"关于对{world.institution.name}予以通报批评的决定",
        ]
    # Supervisors and examiners read no penalty decisions; other provinces and institutions neither.
    _assert_denied({**outsiders, "group_supervisor": world.s1.user}, url)


def test_pdf_failure_returns_to_the_page_with_the_reason(world, special, settings):
    """No LibreOffice: the user is sent back to the task with the reason; the DOCX is still offered."""
    special.report()
    settings.DUDAO_SOFFICE = "no-such-soffice-binary"
    url = reverse("supervision:task_report_pdf", args=[special.task.pk])
    response = _get(world.auth_staff, url)
    assert response.status_code == 302
    assert response["Location"] == f"/supervision/tasks/{special.task.pk}/"
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "服务器未安装 LibreOffice(soffice),无法生成 PDF;请下载 DOCX 版本,或请管理员安装 "
        "libreoffice-writer-nogui"
    ]
    penalty = services.penalty_impose(
        actor=world.auth_staff, institution=world.institution, kind="order_to_correct", ground="other",
        description="x",
    )  # fmt: skip
    response = _get(world.inst_admin, reverse("supervision:penalty_pdf", args=[penalty.pk]))
    assert (response.status_code, response["Location"]) == (302, f"/supervision/penalties/{penalty.pk}/")
    # Out of scope stays 404 before any rendering is tried.
    assert (
        _get(
            world.inst_admin, reverse("supervision:task_report_pdf", args=[special.task.pk + 99])
        ).status_code
        == 404
    )


def test_report_download_through_the_api(world, special, outsiders):
    """The API serves the same paper with the same scope rule: 401 anonymous, 404 outside, DOCX inside."""
    special.report()
    url = f"/api/v1/supervision/tasks/{special.task.pk}/report.docx"
    assert client_for(None).get(url).status_code == 401
    for who, user in outsiders.items():
        response = client_for(user).get(url)
        assert response.status_code == 404, who
        assert response.json()["code"] == "not_found"
    lines = _assert_docx(
        client_for(world.inst_admin).get(url), f"督导报告_{world.institution.name}_{special.task.number}.docx"
    )
    assert lines[2] == f"关于对{world.institution.name}开展专项督导的报告"
    assert client_for(world.inst_admin).get(url.replace(".docx", ".txt")).status_code == 404
