"""/api/v1/quality: the authority's ranking, an institution's own row only, scope, and the 通报 download."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from dudao.quality import services
from dudao.quality.models import QualityReport
from tests.clock import TODAY

from . import support as s

URL = "/api/v1/quality/reports"


@pytest.fixture
def region(institution, second_institution, other_institution, auth_admin):
    s.batch(institution, dt.date(2026, 6, 1))
    t = s.task(
        second_institution, dt.date(2026, 6, 2), batch_=s.batch(second_institution, dt.date(2026, 6, 2))
    )
    for _ in range(5):
        s.finding(t, "serious", auth_admin)  # 50 points lost: failing
    s.batch(other_institution, dt.date(2026, 6, 3))


def create(client_as, user):
    return client_as(user).post(
        URL, {"period_start": "2026-01-01", "period_end": TODAY.isoformat()}, content_type="application/json"
    )


def test_authority_creates_publishes_and_sees_the_ranking(
    region, client_as, auth_admin, institution, second_institution
):
    answer = create(client_as, auth_admin)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert [(r["name"], r["rank"], r["best"], r["failing"]) for r in body["rows"]] == [
        (institution.name, 1, True, False),
        (second_institution.name, 2, False, True),
    ]
    assert body["rows"][1]["score"] == "50.00" and body["status"] == "draft"
    published = client_as(auth_admin).post(
        f"{URL}/{body['id']}/publish", {"row_version": body["row_version"]}, content_type="application/json"
    )
    assert published.status_code == 200 and published.json()["confirm_by"] == "2026-12-10"
    listed = client_as(auth_admin).get(URL).json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "published"


def test_institution_cannot_create_or_publish(region, client_as, auth_admin, inst_admin):
    assert create(client_as, inst_admin).status_code == 403
    report = services.report_create(actor=auth_admin, period_start="2026-01-01", period_end=TODAY)
    answer = client_as(inst_admin).post(
        f"{URL}/{report.pk}/publish", {"row_version": 1}, content_type="application/json"
    )
    assert answer.status_code == 404  # a draft is invisible to institutions
    assert QualityReport.objects.get(pk=report.pk).status == "draft"


def test_institution_sees_its_own_row_only_and_answers(
    region, client_as, auth_admin, inst_admin, institution
):
    report = services.report_create(actor=auth_admin, period_start="2026-01-01", period_end=TODAY)
    report = services.report_publish(actor=auth_admin, report=report, row_version=report.row_version)
    client = client_as(inst_admin)
    detail = client.get(f"{URL}/{report.pk}").json()
    assert [r["institution_id"] for r in detail["rows"]] == [institution.pk]
    assert client.get(URL).json()["count"] == 1
    assert client.get(f"{URL}/{report.pk}/document.docx").status_code == 404  # names every institution
    answer = client.post(
        f"{URL}/{report.pk}/correction", {"reason": "6月1日批次考生人数有误"}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "requested"
    again = client.post(f"{URL}/{report.pk}/confirm")
    assert again.status_code == 409
    decided = client_as(auth_admin).post(
        f"{URL}/{report.pk}/responses/{answer.json()['id']}/decision",
        {"action": "reject", "reason": "经核实数据无误"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"
    mine = client.get(f"{URL}/{report.pk}").json()["responses"]
    assert [(a["status"], a["decision_reason"]) for a in mine] == [("rejected", "经核实数据无误")]


def test_other_region_sees_nothing(region, client_as, auth_admin, other_authority_user, other_institution):
    report = services.report_create(actor=auth_admin, period_start="2026-01-01", period_end=TODAY)
    report = services.report_publish(actor=auth_admin, report=report, row_version=report.row_version)
    assert client_as(other_authority_user).get(f"{URL}/{report.pk}").status_code == 404
    assert client_as(other_authority_user).get(URL).json()["count"] == 0
    from tests import factories as f

    outsider = f.UserFactory(username="gd_inst", role="institution_admin", institution=other_institution)
    assert client_as(outsider).get(f"{URL}/{report.pk}").status_code == 404
    assert client_as(outsider).post(f"{URL}/{report.pk}/confirm").status_code == 404


def test_an_institution_outside_the_report_is_not_found(region, client_as, auth_admin, institution):
    from tests import factories as f

    report = services.report_create(actor=auth_admin, period_start="2026-01-01", period_end=TODAY)
    report = services.report_publish(actor=auth_admin, report=report, row_version=report.row_version)
    late = f.InstitutionFactory(
        authority=institution.authority, region=institution.region
    )  # after publication
    user = f.UserFactory(username="late_inst", role="institution_admin", institution=late)
    assert client_as(user).get(f"{URL}/{report.pk}").status_code == 404
    assert client_as(user).get(URL).json()["count"] == 0  # nor listed
    assert client_as(user).get("/quality/").content.decode().count(report.number) == 0


def test_the_list_reads_in_a_fixed_number_of_queries(
    region, client_as, auth_admin, django_assert_max_num_queries
):
    for _ in range(3):
        services.report_create(actor=auth_admin, period_start="2026-01-01", period_end=TODAY)
    client = client_as(auth_admin)
    client.get(URL)  # warm the session and the user's region
    with django_assert_max_num_queries(8):
        assert client.get(URL).json()["count"] == 3


def test_the_document_names_the_best_and_the_failing(
    region, client_as, auth_admin, institution, second_institution
):
    report = services.report_create(actor=auth_admin, period_start="2026-01-01", period_end=TODAY)
    answer = client_as(auth_admin).get(f"{URL}/{report.pk}/document.docx")
    assert answer.status_code == 200
    doc = Document(io.BytesIO(b"".join(answer.streaming_content)))
    text = "\n".join(p.text for p in doc.paragraphs)
    best, failing = text.index("表现优秀"), text.index("不合格的评价机构")
    assert best < text.index(institution.name) < failing < text.index(second_institution.name)
    assert "得分50.00" in text and report.number in text
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells[1][:2] == ["1", institution.name] and cells[2][:2] == ["2", second_institution.name]
