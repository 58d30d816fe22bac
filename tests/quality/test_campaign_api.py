"""/api/v1/quality/campaigns and /self-inspections (QUAL-3): the authority's workflow, 409 out of order,
the institution's self-inspection, and who is refused (403 in scope, 404 out of scope)."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.quality.models import CampaignEntry, QualityCampaign
from tests.factories.scorecards import best_answers

URL = "/api/v1/quality/campaigns"
SELF = "/api/v1/quality/self-inspections"
JSON = "application/json"


@pytest.fixture
def region(institution, second_institution, other_institution):
    return None


def post(client, url, data=None):
    return client.post(url, data or {}, content_type=JSON)


def make(client_as, auth_admin):
    answer = post(client_as(auth_admin), URL, {"year": 2026, "self_workdays": 5})
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_the_authority_runs_a_campaign(region, client_as, auth_admin, inst_admin, institution, time_machine):
    boss = client_as(auth_admin)
    body = make(client_as, auth_admin)
    assert (body["status"], body["form"], body["results"]) == ("draft", "QC-STATION 第 1 版", [])
    opened = post(boss, f"{URL}/{body['id']}/open", {"row_version": body["row_version"]}).json()
    assert (opened["status_label"], opened["self_due"]) == ("自查中", "2026-12-10")
    assert len(opened["results"]) == 2

    mine = client_as(inst_admin)
    tasks = mine.get(SELF).json()
    assert [(t["campaign_title"], t["answered"], t["item_count"]) for t in tasks] == [
        ("2026年度职业技能鉴定质量检查", 0, 22)  # 21 items + bonus B1
    ]
    pk = tasks[0]["id"]
    saved = post(mine, f"{SELF}/{pk}", {"answers": {"1.1": "partial", "B1": True}})
    assert saved.status_code == 200 and saved.json()["answered"] == 2
    rest = {k: v for k, v in best_answers("QC-STATION").items() if k not in ("1.1", "B1")}
    done = post(mine, f"{SELF}/{pk}", {"answers": rest, "submit": True}).json()
    assert (done["self_total"], done["self_band"], done["self_late"]) == ("100.00", "excellent", False)

    early = post(boss, f"{URL}/{body['id']}/sample", {"row_version": opened["row_version"]})
    assert early.status_code == 409  # one institution has not self-inspected and the deadline is ahead
    time_machine.move_to(dt.datetime(2026, 12, 11, 1, tzinfo=dt.UTC))
    boss = client_as(auth_admin)  # a new session on the new day
    drawn = post(
        boss, f"{URL}/{body['id']}/sample", {"row_version": opened["row_version"], "size": 1, "seed": "q"}
    )
    assert drawn.status_code == 200, drawn.content
    entry = CampaignEntry.objects.get(campaign_id=body["id"], sampled=True)
    started = post(boss, f"{URL}/{body['id']}/entries/{entry.pk}/inspect")
    assert started.status_code == 201
    row = next(r for r in started.json()["results"] if r["entry_id"] == entry.pk)
    assert row["evaluation_status"] == "填写中" and row["external_total"] is None
    closing = post(boss, f"{URL}/{body['id']}/close", {"row_version": drawn.json()["row_version"]})
    assert closing.status_code == 409 and "尚未完成签署" in closing.json()["message"]


def test_steps_out_of_order_are_409(region, client_as, auth_admin):
    body = make(client_as, auth_admin)
    boss = client_as(auth_admin)
    for step in ("sample", "close"):
        answer = post(boss, f"{URL}/{body['id']}/{step}", {"row_version": body["row_version"]})
        assert answer.status_code == 409, step
    assert QualityCampaign.objects.get(pk=body["id"]).status == "draft"


def test_a_second_campaign_of_the_year_is_409(region, client_as, auth_admin):
    make(client_as, auth_admin)
    assert post(client_as(auth_admin), URL, {"year": 2026}).status_code == 409


def test_bad_input_is_422_and_changes_nothing(region, client_as, auth_admin, inst_admin):
    assert post(client_as(auth_admin), URL, {"year": 1990}).status_code == 422
    assert post(client_as(auth_admin), URL, {"year": 2026, "self_workdays": 0}).status_code == 422
    assert not QualityCampaign.objects.exists()
    body = make(client_as, auth_admin)
    post(client_as(auth_admin), f"{URL}/{body['id']}/open", {"row_version": body["row_version"]})
    pk = CampaignEntry.objects.get(campaign_id=body["id"], institution=inst_admin.institution).pk
    answer = post(client_as(inst_admin), f"{SELF}/{pk}", {"answers": {"1.1": "often"}})
    assert answer.status_code == 422
    answer = post(client_as(inst_admin), f"{SELF}/{pk}", {"submit": True})
    assert answer.status_code == 422 and "缺少答案" in str(answer.json())
    assert CampaignEntry.objects.get(pk=pk).answers == {}


def test_denials(region, client_as, auth_admin, inst_admin, second_user, other_authority_user, users):
    body = make(client_as, auth_admin)
    # institutions and other regions do not see the authority's campaigns
    assert post(client_as(inst_admin), URL, {"year": 2026}).status_code == 403
    assert client_as(inst_admin).get(f"{URL}/{body['id']}").status_code == 404
    assert client_as(other_authority_user).get(f"{URL}/{body['id']}").status_code == 404
    assert client_as(inst_admin).get(URL).json()["count"] == 0
    assert client_as(auth_admin).get(URL).json()["count"] == 1
    post(client_as(auth_admin), f"{URL}/{body['id']}/open", {"row_version": body["row_version"]})
    own = CampaignEntry.objects.get(campaign_id=body["id"], institution=inst_admin.institution).pk
    # another institution: not found; the authority: in scope but may not self-inspect
    assert post(client_as(second_user), f"{SELF}/{own}", {"answers": {"1.1": "full"}}).status_code == 404
    assert post(client_as(auth_admin), f"{SELF}/{own}", {"answers": {"1.1": "full"}}).status_code == 403
    assert client_as(auth_admin).get(SELF).json() == []
    assert CampaignEntry.objects.get(pk=own).answers == {}
