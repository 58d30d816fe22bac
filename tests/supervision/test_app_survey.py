"""The survey after a supervision task (QUAL-4): opened once the report is in, one anonymous answer per
one-time code, aggregates only from 5 answers, closing after 10 working days, feeding SUP-9."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dudao.accounts.models import Role
from dudao.common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.supervision import selectors_survey, services, survey_rules
from dudao.supervision.models import Survey, SurveyCode, SurveyResponse
from tests import factories as f
from tests.clock import TODAY
from tests.conftest import client_for
from tests.supervision.app_support import API, api

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
GOOD = {"fairness": 5, "conduct": 4, "discipline": 4, "overall": 5}


def _opened(world, *, candidates=6, examiners=2):
    task = world.task("report_submitted")
    survey, codes = services.survey_open(
        actor=world.auth_staff, task=task, candidates=candidates, examiners=examiners
    )
    return task, survey, codes


def test_survey_opens_only_after_the_report_and_closes_on_the_tenth_working_day(world):
    on_site = world.task("on_site", world.s2, batch=world.b2)
    with pytest.raises(IllegalTransition) as exc:
        services.survey_open(actor=world.auth_staff, task=on_site, candidates=3)
    assert exc.value.message == "督导报告提交后才能发起满意度调查"
    assert Survey.objects.count() == 0
    task, survey, codes = _opened(world)
    # Thursday 2026-12-03 + 10 working days (no holiday in between) = Thursday 2026-12-17
    assert survey.closes_on == dt.date(2026, 12, 17)
    assert survey.closes_provisional is False
    assert survey.codes_issued == 8
    assert [c["role"] for c in codes] == ["candidate"] * 6 + ["examiner"] * 2
    # only the digests are stored, never the codes
    stored = set(SurveyCode.objects.filter(survey=survey).values_list("digest", flat=True))
    assert stored == {hashlib.sha256(c["code"].replace("-", "").encode()).hexdigest() for c in codes}
    assert not SurveyCode.objects.filter(digest__in=[c["code"] for c in codes]).exists()
    with pytest.raises(Conflict):
        services.survey_open(actor=world.auth_staff, task=task, candidates=1)


def test_only_the_managing_authority_opens_the_survey(world):
    task = world.task("report_submitted")
    with pytest.raises(PermissionDenied):
        services.survey_open(actor=world.inst_admin, task=task, candidates=3)
    with pytest.raises(PermissionDenied):
        services.survey_open(actor=world.user_of(world.s1), task=task, candidates=3)
    assert (
        client_for(world.inst_admin)
        .post(f"/supervision/tasks/{task.pk}/survey/", {"candidates": 3, "examiners": 0})
        .status_code
        == 403
    )
    with pytest.raises(ValidationFailed):  # at least one code
        services.survey_open(actor=world.auth_staff, task=task, candidates=0, examiners=0)
    with pytest.raises(ValidationFailed):
        services.survey_open(actor=world.auth_staff, task=task, candidates=survey_rules.MAX_CODES + 1)
    assert Survey.objects.count() == 0 and SurveyCode.objects.count() == 0


def test_one_anonymous_answer_per_code(world):
    _, survey, codes = _opened(world)
    code = codes[0]["code"]
    services.survey_answer(code=code.lower(), scores=GOOD, comment="督导员很认真")
    response = SurveyResponse.objects.get()
    assert response.role == "candidate"
    assert response.scores == GOOD
    assert response.submitted_on == TODAY
    # no link from the answer to a code, a person or a time of day
    assert {f.name for f in SurveyResponse._meta.get_fields()} == {
        "id",
        "survey",
        "role",
        "scores",
        "comment",
        "submitted_on",
    }
    event = AuditEvent.objects.filter(action="supervision.survey.answer").get()
    assert event.after == {"survey": survey.pk} and event.actor_id is None
    with pytest.raises(Conflict) as exc:
        services.survey_answer(code=code, scores=GOOD)
    assert exc.value.message == "该评价码已使用,每个评价码只能提交一次"
    with pytest.raises(ValidationFailed) as exc:
        services.survey_answer(code="ABCDE-FGHJK", scores=GOOD)
    assert exc.value.message == "评价码不正确"
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({**GOOD, "overall": 0}, "overall"),
        ({**GOOD, "overall": 6}, "overall"),
        ({k: v for k, v in GOOD.items() if k != "conduct"}, "conduct"),
        ({**GOOD, "extra": 3}, "scores"),
    ],
)
def test_bad_scores_change_nothing(world, scores, field):
    _, _, codes = _opened(world)
    with pytest.raises(ValidationFailed) as exc:
        services.survey_answer(code=codes[0]["code"], scores=scores)
    assert field in exc.value.detail
    assert SurveyResponse.objects.count() == 0
    assert SurveyCode.objects.filter(used=True).count() == 0


def test_boundaries_of_the_scale_are_accepted(world):
    _, _, codes = _opened(world)
    services.survey_answer(code=codes[0]["code"], scores=dict.fromkeys(GOOD, 1))
    services.survey_answer(code=codes[1]["code"], scores=dict.fromkeys(GOOD, 5))
    assert SurveyResponse.objects.count() == 2


def test_survey_closes_after_its_last_day(world):
    _, _, codes = _opened(world)
    with time_machine.travel(dt.datetime(2026, 12, 17, 23, 30, tzinfo=SH)):  # the closing day: on time
        services.survey_answer(code=codes[0]["code"], scores=GOOD)
    with time_machine.travel(dt.datetime(2026, 12, 18, 0, 30, tzinfo=SH)):  # the next day: closed
        with pytest.raises(IllegalTransition) as exc:
            services.survey_answer(code=codes[1]["code"], scores=GOOD)
        assert exc.value.message == "本次调查已于 2026-12-17 截止"
        with pytest.raises(IllegalTransition):  # no more codes either
            services.survey_issue_codes(actor=world.auth_staff, task=Survey.objects.get().task, candidates=1)
    assert SurveyResponse.objects.count() == 1
    assert SurveyCode.objects.filter(used=True).count() == 1


def test_aggregate_hidden_at_four_answers_shown_at_five(world):
    task, survey, codes = _opened(world)
    answers = [
        {"fairness": 5, "conduct": 5, "discipline": 4, "overall": 5},
        {"fairness": 4, "conduct": 4, "discipline": 3, "overall": 4},
        {"fairness": 3, "conduct": 5, "discipline": 4, "overall": 4},
        {"fairness": 5, "conduct": 4, "discipline": 5, "overall": 5},
        {"fairness": 2, "conduct": 3, "discipline": 3, "overall": 3},
    ]
    for n, scores in enumerate(answers[:4]):
        services.survey_answer(code=codes[n]["code"], scores=scores, comment=f"意见{n}" if n == 1 else "")
    summary = selectors_survey.survey_summary(survey)
    agg = summary["aggregate"]
    assert (agg["responses"], agg["shown"], agg["questions"], agg["comments"]) == (4, False, [], [])
    assert agg["overall_mean"] is None
    assert summary["codes_used"] == 4
    page = client_for(world.auth_staff).get(f"/supervision/tasks/{task.pk}/survey/")
    assert "满 5 份后才显示统计结果" in page.content.decode() and "意见1" not in page.content.decode()
    services.survey_answer(code=codes[6]["code"], scores=answers[4])  # an examiner
    agg = selectors_survey.survey_summary(survey)["aggregate"]
    assert agg["shown"] is True and agg["responses"] == 5
    assert agg["by_role"] == {"candidate": 4, "examiner": 1}
    fairness = agg["questions"][0]
    assert fairness["key"] == "fairness"
    assert fairness["counts"] == {"1": 0, "2": 1, "3": 1, "4": 1, "5": 2}
    assert fairness["mean"] == Decimal("3.80")
    assert [q["mean"] for q in agg["questions"]] == [
        Decimal("3.80"),
        Decimal("4.20"),
        Decimal("3.80"),
        Decimal("4.20"),
    ]
    assert agg["overall_mean"] == Decimal("4.00")  # 80 points / 20 answers
    assert agg["comments"] == ["意见1"]
    page = client_for(world.inst_admin).get(f"/supervision/tasks/{task.pk}/survey/").content.decode()
    assert "意见1" in page and 'id="survey-mean">4.00<' in page


def test_pure_aggregate_threshold_is_at_least_minimum():
    row = ("candidate", dict.fromkeys(survey_rules.QUESTIONS, 3), "")
    assert survey_rules.aggregate([row] * 4).shown is False
    assert survey_rules.aggregate([row] * 5).shown is True
    assert survey_rules.MIN_RESPONSES == 5


def test_survey_feeds_the_supervisors_assessment(world):
    task, _, codes = _opened(world)
    for n in range(4):
        services.survey_answer(code=codes[n]["code"], scores=dict.fromkeys(GOOD, 4))
    figures = selectors_survey.supervisor_survey_figures(world.s1)
    assert (figures["surveys"], figures["answers"], figures["mean"]) == (0, 0, None)
    assert figures["rows"] == [
        {"task_id": task.pk, "task_number": task.number, "responses": 4, "shown": False, "mean": None}
    ]
    services.survey_answer(code=codes[4]["code"], scores=dict.fromkeys(GOOD, 5))
    figures = selectors_survey.supervisor_survey_figures(world.s1)
    assert (figures["surveys"], figures["answers"], figures["mean"]) == (1, 5, Decimal("4.20"))
    assert selectors_survey.supervisor_survey_figures(world.s2)["answers"] == 0  # not in the group
    page = client_for(world.auth_admin).get(f"/supervision/supervisors/{world.s1.pk}/").content.decode()
    assert 'id="survey-mean">4.20<' in page
    a = services.assessment_decide(
        actor=world.auth_admin, supervisor=world.s1, year=TODAY.year, decision="keep"
    )
    assert (a.metrics["surveys"], a.metrics["survey_answers"], a.metrics["survey_average"]) == (1, 5, "4.20")


def test_public_phone_page_answers_once(world, client):
    _, _, codes = _opened(world)
    code = codes[0]["code"]
    page = client.get("/supervision/public/survey/").content.decode()
    assert "评价码" in page
    page = client.get("/supervision/public/survey/", {"code": "XXXXX-XXXXX"}).content.decode()
    assert "评价码不正确" in page
    page = client.get("/supervision/public/survey/", {"code": code}).content.decode()
    assert "考生" in page and survey_rules.QUESTIONS["fairness"] in page
    body = {"code": code, "answer": "1", "comment": "很好", **{f"q_{k}": str(v) for k, v in GOOD.items()}}
    incomplete = {k: v for k, v in body.items() if k != "q_overall"}
    page = client.post("/supervision/public/survey/", incomplete).content.decode()
    assert "请选择一个分值" in page
    assert SurveyResponse.objects.count() == 0
    response = client.post("/supervision/public/survey/", body)
    assert "您的评价已提交" in response.content.decode()
    assert SurveyResponse.objects.get().comment == "很好"
    page = client.get("/supervision/public/survey/", {"code": code}).content.decode()
    assert "该评价码已使用" in page


def test_staff_page_shows_codes_once_and_api(world):
    task = world.task("report_submitted")
    staff = client_for(world.auth_staff)
    page = staff.post(f"/supervision/tasks/{task.pk}/survey/", {"candidates": "2", "examiners": "1"})
    html = page.content.decode()
    assert page.status_code == 200 and html.count('class="fs-3 dudao-num survey-code"') == 3
    assert "survey-code" not in staff.get(f"/supervision/tasks/{task.pk}/survey/").content.decode()
    r = api(world.auth_staff, "get", f"{API}/tasks/{task.pk}/survey")
    assert r.status_code == 200 and r.json()["codes_issued"] == 3 and r.json()["aggregate"]["shown"] is False
    r = api(world.auth_staff, "post", f"{API}/tasks/{task.pk}/survey/codes", {"candidates": 2})
    assert r.status_code == 201 and len(r.json()["codes"]) == 2 and r.json()["survey"]["codes_issued"] == 5
    code = r.json()["codes"][0]["code"]
    assert (
        api(world.inst_admin, "post", f"{API}/tasks/{task.pk}/survey/codes", {"candidates": 2}).status_code
        == 403
    )
    r = api(None, "post", f"{API}/public/surveys", {"code": code, "scores": GOOD})
    assert r.status_code == 201 and r.json() == {"message": "感谢您的评价"}
    r = api(None, "post", f"{API}/public/surveys", {"code": code, "scores": GOOD})
    assert r.status_code == 409
    r = api(None, "post", f"{API}/public/surveys", {"code": "nope", "scores": GOOD})
    assert r.status_code == 422
    other = world.task("report_submitted", world.s2, batch=world.b2)
    assert api(world.auth_staff, "get", f"{API}/tasks/{other.pk}/survey").status_code == 404


def test_survey_outside_scope_is_not_found(world):
    task = world.task("report_submitted")
    other = f.UserFactory(username="gd_staff", role=Role.AUTHORITY_STAFF, authority=world.other_authority)
    with pytest.raises(NotFound):
        services.survey_open(actor=other, task=task, candidates=1)
    assert (
        client_for(other).post(f"/supervision/tasks/{task.pk}/survey/", {"candidates": 1}).status_code == 404
    )
    assert client_for(other).get(f"/supervision/tasks/{task.pk}/survey/").status_code == 404
    assert Survey.objects.count() == 0


def test_public_answers_are_limited_per_address(world, client, monkeypatch):
    from dudao.supervision.views import surveys as views

    monkeypatch.setattr(views, "PUBLIC_ANSWERS_PER_HOUR", 2)
    _, _, codes = _opened(world)
    assert client.get("/supervision/public/survey/", {"code": codes[0]["code"]}).status_code == 200
    assert client.get("/supervision/public/survey/", {"code": codes[1]["code"]}).status_code == 200
    assert client.get("/supervision/public/survey/", {"code": codes[2]["code"]}).status_code == 429
    assert client.get("/supervision/public/survey/").status_code == 200  # the empty form costs nothing
