"""Review probe (issue 12): the new supervision pages in populated states show no rule id or internal
word to any role that reaches them, and never fail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.supervision import services
from dudao.supervision.services import annual_plans as svc
from tests.clock import TODAY
from tests.conftest import client_for
from tests.web.test_plain_words import problems_in, shown

pytestmark = pytest.mark.django_db
GOOD = {"fairness": 5, "conduct": 4, "discipline": 1, "overall": 5}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _read(users, urls):
    bad = {}
    for user in users:
        client = client_for(user)
        for url in urls:
            r = client.get(url)
            assert r.status_code < 500, (user, url)
            if r.status_code == 200 and "text/html" in r.get("Content-Type", ""):
                found = problems_in("\n".join(shown(r.content.decode()).parts))
                if found:
                    bad[(user.username, url)] = found
    return bad


def test_plan_summary_survey_pages(world):
    plan = svc.annual_plan_create(
        actor=world.auth_staff,
        year=2026,
        responsible="张科长",
        items=["onsite", "regular", "self_inspection", "external_inspection"],
        schedule=[{"quarter": 1, "content": "制定计划"}],
    )
    plan = svc.annual_plan_publish(actor=world.auth_staff, plan=plan, row_version=plan.row_version)
    draft = svc.annual_plan_correct(
        actor=world.auth_staff, plan=plan, reason="调整", row_version=plan.row_version
    )
    summary = svc.annual_summary_generate(actor=world.auth_staff, year=2026)
    task = world.task("report_submitted")
    _survey, codes = services.survey_open(actor=world.auth_staff, task=task, candidates=6, examiners=1)
    for c in codes[:6]:
        services.survey_answer(code=c["code"], scores=GOOD, comment="很好")
    urls = [
        "/supervision/annual-plans/",
        "/supervision/annual-plans/new/",
        f"/supervision/annual-plans/{plan.pk}/",
        f"/supervision/annual-plans/{draft.pk}/",
        f"/supervision/annual-plans/{draft.pk}/edit/",
        f"/supervision/annual-plans/{draft.pk}/correct/",
        "/supervision/annual-summaries/new/",
        f"/supervision/annual-summaries/{summary.pk}/",
        f"/supervision/tasks/{task.pk}/survey/",
        f"/supervision/tasks/{task.pk}/",
        "/supervision/public/survey/",
        f"/supervision/public/survey/?code={codes[6]['code']}",
    ]
    assert _read([world.auth_staff, world.auth_admin, world.inst_admin, world.s1.user], urls) == {}
    # Only the authority reaches the plans and summaries.
    for user in (world.inst_admin, world.s1.user):
        for url in urls[2:4] + urls[7:8]:
            assert client_for(user).get(url).status_code in (403, 404), (user, url)


def test_self_evaluation_page(special, world):
    special.report()
    services.self_evaluation_request(
        actor=special.leader, task=special.task, due_on=TODAY + dt.timedelta(days=1)
    )
    url = f"/supervision/tasks/{special.task.pk}/self-evaluation/"
    assert _read([world.auth_staff, world.inst_admin, special.leader], [url]) == {}
    services.self_evaluation_upload(
        actor=world.inst_admin,
        task=special.task,
        file=SimpleUploadedFile("自评.pdf", PDF, content_type="application/pdf"),
    )
    services.self_evaluation_submit(actor=world.inst_admin, task=special.task)
    assert _read([world.auth_staff, world.inst_admin, special.leader], [url]) == {}
    services.self_evaluation_review(actor=special.leader, task=special.task, note="已对照现场发现审阅")
    assert _read([world.auth_staff, world.inst_admin, special.leader], [url]) == {}


def test_page_posts_with_garbage_never_fail(world, special):
    plan = svc.annual_plan_create(actor=world.auth_staff, year=2027, responsible="张科长")
    summary = svc.annual_summary_generate(actor=world.auth_staff, year=2026)
    special.report()
    task = special.task
    urls = [
        "/supervision/annual-plans/new/",
        f"/supervision/annual-plans/{plan.pk}/edit/",
        f"/supervision/annual-plans/{plan.pk}/publish/",
        f"/supervision/annual-plans/{plan.pk}/correct/",
        "/supervision/annual-summaries/new/",
        f"/supervision/annual-summaries/{summary.pk}/",
        f"/supervision/annual-summaries/{summary.pk}/refresh/",
        f"/supervision/annual-summaries/{summary.pk}/finalise/",
        f"/supervision/tasks/{task.pk}/survey/",
        f"/supervision/tasks/{special.task.pk}/self-evaluation/",
        f"/supervision/tasks/{task.pk}/terminate/",
        "/supervision/public/survey/",
    ]
    garbage = [
        {},
        {
            "year": "x",
            "row_version": "x",
            "draw_ratio": "abc",
            "schedule": "x",
            "items": "zz",
            "action": "zz",
        },
        {"year": "99999999999999999999999", "row_version": "99999999999999999999999", "due_on": "2026-02-30"},
        {"action": "request", "due_on": "x"},
        {"action": "review", "note": ""},
        {"action": "open", "candidates": "x", "examiners": "-1", "closes_on": "x"},
        {"code": "x" * 5000, "fairness": "9"},
        {"ground": "zz", "notice": "", "filing": "x"},
    ]
    bad = []
    for user in (world.auth_staff, world.inst_admin, special.leader, world.s6.user):
        client = client_for(user)
        for url in urls:
            for body in garbage:
                r = client.post(url, body)
                if r.status_code >= 500:
                    bad.append((user.username, url, body, r.status_code))
    assert bad == []
