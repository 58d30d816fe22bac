"""Pages of the yearly inspection (QUAL-3): each role that can reach them, the authority's buttons by
status, the institution's form and its own task only, and refusals (403 in scope, 404 out of it)."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.quality import services
from dudao.quality.models import CampaignEntry, QualityCampaign
from tests.factories.scorecards import best_answers


@pytest.fixture
def opened(auth_admin, institution, second_institution):
    c = services.campaign_create(actor=auth_admin, year=2026)
    return services.campaign_open(actor=auth_admin, campaign=c, row_version=c.row_version)


def text(answer) -> str:
    return answer.content.decode()


def test_the_authority_creates_and_opens_from_the_pages(client_as, auth_admin, institution):
    web = client_as(auth_admin)
    assert web.get("/quality/campaigns/").status_code == 200
    answer = web.post("/quality/campaigns/new/", {"year": "2026", "title": "", "self_workdays": "10"})
    campaign = QualityCampaign.objects.get()
    assert answer.status_code == 302 and answer.url == f"/quality/campaigns/{campaign.pk}/"
    page = text(web.get(answer.url))
    assert 'id="open"' in page and "启动后 10 个工作日" in page
    web.post(f"/quality/campaigns/{campaign.pk}/open/", {"row_version": campaign.row_version})
    page = text(web.get(answer.url))
    assert "自查中" in page and "2026-12-17" in page and 'id="sample-form"' in page
    assert "已自查 0 家" in page


def test_a_bad_year_on_the_page_is_a_message_not_an_error(client_as, auth_admin):
    answer = client_as(auth_admin).post(
        "/quality/campaigns/new/", {"year": "abc", "self_workdays": "10"}, follow=True
    )
    assert answer.status_code == 200 and "检查年度应为整数" in text(answer)
    assert not QualityCampaign.objects.exists()


def test_the_institution_fills_and_submits_its_form(opened, client_as, inst_admin, institution):
    web = client_as(inst_admin)
    assert "quality/campaigns/self/" in web.get("/quality/campaigns/").url  # redirected to its own tasks
    entry = CampaignEntry.objects.get(campaign=opened, institution=institution)
    listed = text(web.get("/quality/campaigns/self/"))
    assert opened.title in listed and "待提交" in listed
    page = text(web.get(f"/quality/campaigns/self/{entry.pk}/"))
    assert 'name="item-1.1"' in page and "完全符合(5 分)" in page and "是(+5 分)" in page
    form = {f"item-{k}": ("no" if v is False else v) for k, v in best_answers("QC-STATION").items()}
    web.post(f"/quality/campaigns/self/{entry.pk}/save/", {"item-1.1": "partial", "submit": "0"})
    assert CampaignEntry.objects.get(pk=entry.pk).answers == {"1.1": "partial"}
    answer = web.post(
        f"/quality/campaigns/self/{entry.pk}/save/",
        form | {"item-1.1": "partial", "submit": "1"},
        follow=True,
    )
    assert "自查已提交" in text(answer) and "97.00 分(优秀)" in text(answer)
    entry.refresh_from_db()
    assert entry.self_total == 97 and entry.self_late is False


def test_an_incomplete_submission_is_refused_with_a_message(opened, client_as, inst_admin, institution):
    entry = CampaignEntry.objects.get(campaign=opened, institution=institution)
    answer = client_as(inst_admin).post(
        f"/quality/campaigns/self/{entry.pk}/save/", {"item-1.1": "full", "submit": "1"}, follow=True
    )
    assert "缺少答案" in text(answer)
    assert CampaignEntry.objects.get(pk=entry.pk).self_submitted_at is None


def test_refusals(opened, client_as, auth_admin, inst_admin, second_user, other_authority_user, institution):
    entry = CampaignEntry.objects.get(campaign=opened, institution=institution)
    assert client_as(second_user).get(f"/quality/campaigns/self/{entry.pk}/").status_code == 404
    assert (
        client_as(second_user)
        .post(f"/quality/campaigns/self/{entry.pk}/save/", {"item-1.1": "full"})
        .status_code
        == 404
    )
    assert (
        client_as(auth_admin)
        .post(f"/quality/campaigns/self/{entry.pk}/save/", {"item-1.1": "full"})
        .status_code
        == 403
    )
    assert client_as(inst_admin).get(f"/quality/campaigns/{opened.pk}/").status_code == 404
    assert client_as(other_authority_user).get(f"/quality/campaigns/{opened.pk}/").status_code == 404
    assert (
        client_as(other_authority_user)
        .post(f"/quality/campaigns/{opened.pk}/sample/", {"row_version": 2})
        .status_code
        == 404
    )
    assert client_as(inst_admin).post("/quality/campaigns/new/", {"year": "2027"}).status_code == 403
    assert CampaignEntry.objects.get(pk=entry.pk).answers == {}
    assert QualityCampaign.objects.get(pk=opened.pk).status == "open"


def test_the_authority_reads_the_self_inspection_without_editing(opened, client_as, auth_admin, institution):
    entry = CampaignEntry.objects.get(campaign=opened, institution=institution)
    page = text(client_as(auth_admin).get(f"/quality/campaigns/self/{entry.pk}/"))
    assert 'id="submit"' not in page and "disabled" in page


def test_sample_and_inspect_from_the_pages(opened, client_as, auth_admin, institution, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 18, 1, tzinfo=dt.UTC))
    web = client_as(auth_admin)
    url = f"/quality/campaigns/{opened.pk}/"
    web.post(f"{url}sample/", {"row_version": opened.row_version, "size": "", "seed": ""})
    page = text(web.get(url))
    assert "外查中" in page and "全部机构" in page and page.count("data-inspect=") == 2
    entry = CampaignEntry.objects.get(campaign=opened, institution=institution)
    answer = web.post(f"{url}entries/{entry.pk}/inspect/")
    entry.refresh_from_db()
    assert answer.status_code == 302 and answer.url == f"/scorecards/{entry.evaluation_id}/"
    assert page.count("未自查") == 2
