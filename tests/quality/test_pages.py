"""Pages of quality reports: the authority's list, ranking and actions; an institution's own row and its
confirmation before the deadline (the last day open, the next day closed)."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.quality import services
from dudao.quality.models import QualityReport, QualityResponse
from tests.clock import TODAY

from . import support as s


@pytest.fixture
def published(institution, second_institution, auth_admin):
    s.batch(institution, dt.date(2026, 6, 1))
    report = services.report_create(actor=auth_admin, period_start="2026-01-01", period_end=TODAY)
    return services.report_publish(actor=auth_admin, report=report, row_version=report.row_version)


def test_authority_creates_a_report_from_the_list(client_as, auth_admin, institution):
    client = client_as(auth_admin)
    page = client.get("/quality/")
    assert page.status_code == 200 and "编制质量通报" in page.content.decode()
    answer = client.post("/quality/new/", {"period_start": "2026-01-01", "period_end": TODAY.isoformat()})
    report = QualityReport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/quality/{report.pk}/"
    html = client.get(f"/quality/{report.pk}/").content.decode()
    assert institution.name in html and 'id="publish"' in html and "质量指标排名" in html
    bad = client.post(
        "/quality/new/", {"period_start": "2026-03-01", "period_end": "2026-02-01"}, follow=True
    )
    assert "统计截止日期不能早于开始日期" in bad.content.decode()


def test_authority_publishes_from_the_page(client_as, auth_admin, institution):
    report = services.report_create(actor=auth_admin, period_start="2026-01-01", period_end=TODAY)
    answer = client_as(auth_admin).post(f"/quality/{report.pk}/publish/", {"row_version": report.row_version})
    assert answer.status_code == 302
    assert QualityReport.objects.get(pk=report.pk).status == "published"


def test_institution_sees_its_row_and_confirms_on_the_last_day(
    published, client_as, inst_admin, second_institution, time_machine
):
    time_machine.move_to(dt.datetime(2026, 12, 10, 15, tzinfo=dt.UTC))  # Shanghai 23:00, the last day
    client = client_as(inst_admin)
    html = client.get(f"/quality/{published.pk}/").content.decode()
    assert second_institution.name not in html and 'id="download-docx"' not in html
    assert 'id="confirm"' in html and "2026-12-10" in html
    client.post(f"/quality/{published.pk}/confirm/")
    assert QualityResponse.objects.get().status == "confirmed"


def test_the_next_day_the_forms_are_gone_and_a_post_is_refused(
    published, client_as, inst_admin, time_machine
):
    time_machine.move_to(dt.datetime(2026, 12, 10, 16, 1, tzinfo=dt.UTC))  # Shanghai 00:01 on 12-11
    client = client_as(inst_admin)
    html = client.get(f"/quality/{published.pk}/").content.decode()
    assert 'id="confirm"' not in html and 'id="closed-notice"' in html
    answer = client.post(f"/quality/{published.pk}/correction/", {"reason": "有误"}, follow=True)
    assert "确认期限已过" in answer.content.decode()
    assert not QualityResponse.objects.exists()


def test_authority_decides_a_correction_on_the_page(published, client_as, auth_admin, inst_admin):
    asked = services.response_request_correction(actor=inst_admin, report=published, reason="批次数有误")
    client = client_as(auth_admin)
    html = client.get(f"/quality/{published.pk}/").content.decode()
    assert 'id="pending"' in html and "批次数有误" in html
    client.post(
        f"/quality/{published.pk}/responses/{asked.pk}/decide/", {"action": "accept", "reason": "属实"}
    )
    assert QualityResponse.objects.get().status == "accepted"


def test_institution_pages_hide_drafts_and_other_regions(
    client_as, auth_admin, inst_admin, other_authority_user, institution
):
    report = services.report_create(actor=auth_admin, period_start="2026-01-01", period_end=TODAY)
    assert client_as(inst_admin).get(f"/quality/{report.pk}/").status_code == 404
    assert client_as(other_authority_user).get(f"/quality/{report.pk}/").status_code == 404
    assert (
        client_as(inst_admin)
        .post("/quality/new/", {"period_start": "2026-01-01", "period_end": "2026-02-01"})
        .status_code
        == 403
    )


def test_docx_download_for_the_authority(published, client_as, auth_admin):
    answer = client_as(auth_admin).get(f"/quality/{published.pk}/document.docx")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd.openxmlformats")
