"""Review probe (issue 12, QUAL-3): bad input to the campaign API is a Chinese 4xx, never a 500; nobody
outside the campaign's authority acts on it; an institution never reaches another's self-inspection."""

from __future__ import annotations

import json
import re

import pytest

from dudao.quality.models import CampaignEntry

URL = "/api/v1/quality/campaigns"
SELF = "/api/v1/quality/self-inspections"
HAN = re.compile(r"[\u4e00-\u9fff]")
pytestmark = pytest.mark.django_db


def _probe(client, calls):
    bad = []
    for method, url, body in calls:
        if method == "get":
            r = client.get(url)
        else:
            r = client.post(url, json.dumps(body), content_type="application/json")
        try:
            text = json.dumps(r.json(), ensure_ascii=False)
        except ValueError:
            text = r.content.decode("utf-8", "replace")
        if r.status_code >= 500 or (r.status_code >= 400 and not HAN.search(text)):
            bad.append((url, body, r.status_code, text[:300]))
    return bad


def test_probe_campaigns(
    institution,
    second_institution,
    other_institution,
    client_as,
    auth_admin,
    inst_admin,
    second_user,
    other_authority_user,
):
    boss = client_as(auth_admin)
    made = boss.post(URL, json.dumps({"year": 2026}), content_type="application/json").json()
    pk, rv = made["id"], made["row_version"]
    calls = [
        ("post", URL, {"year": "x"}),
        ("post", URL, {"year": 10**30}),
        ("post", URL, {"year": 2026}),
        ("post", URL, {"year": 2027, "self_workdays": 0}),
        ("post", URL, {"year": 2027, "self_workdays": "abc"}),
        ("post", URL, {"year": 2027, "title": "x" * 1000}),
        ("post", f"{URL}/{pk}/sample", {"row_version": rv}),
        ("post", f"{URL}/{pk}/close", {"row_version": rv}),
        ("post", f"{URL}/{pk}/open", {"row_version": 999}),
        ("post", f"{URL}/{pk}/open", {"row_version": "x"}),
        ("post", f"{URL}/{pk}/entries/99999/inspect", {}),
        ("post", f"{URL}/999999/open", {"row_version": rv}),
        ("get", f"{URL}?status=zzz&page=x", None),
    ]
    for user in (auth_admin, inst_admin, other_authority_user):
        assert _probe(client_as(user), calls) == [], user
    opened = boss.post(f"{URL}/{pk}/open", json.dumps({"row_version": rv}), content_type="application/json")
    assert opened.status_code == 200
    mine = CampaignEntry.objects.get(institution=institution)
    theirs = CampaignEntry.objects.get(institution=second_institution)
    calls = [
        ("post", f"{SELF}/{mine.pk}", {"answers": "x"}),
        ("post", f"{SELF}/{mine.pk}", {"answers": {"zz": 1}}),
        ("post", f"{SELF}/{mine.pk}", {"answers": {"1.1": 10**30}}),
        ("post", f"{SELF}/{mine.pk}", {"answers": {"1.1": None}}),
        ("post", f"{SELF}/{mine.pk}", {"answers": {"1.1": ["x"]}}),
        ("post", f"{SELF}/{mine.pk}", {"answers": {}, "submit": True}),
        ("post", f"{SELF}/{mine.pk}", {"submit": "x"}),
        ("post", f"{URL}/{pk}/entries/{mine.pk}/inspect", {}),
    ]
    assert _probe(client_as(inst_admin), calls) == []
    assert _probe(client_as(auth_admin), calls) == []
    # Another institution's entry: not found, nothing saved.
    r = client_as(inst_admin).post(
        f"{SELF}/{theirs.pk}", json.dumps({"answers": {"1.1": "partial"}}), content_type="application/json"
    )
    assert r.status_code == 404
    assert CampaignEntry.objects.get(pk=theirs.pk).answers == {}
    assert client_as(second_user).get(f"{URL}/{pk}").status_code == 404


def test_campaign_pages_in_each_state(
    institution, second_institution, client_as, auth_admin, inst_admin, time_machine
):
    import datetime as dt

    from tests.factories.scorecards import best_answers
    from tests.web.test_plain_words import problems_in, shown

    boss = client_as(auth_admin)
    made = boss.post(URL, json.dumps({"year": 2026}), content_type="application/json").json()
    pk = made["id"]

    def read():
        bad = {}
        mine = CampaignEntry.objects.filter(institution=institution).first()
        urls = ["/quality/campaigns/", f"/quality/campaigns/{pk}/", "/quality/campaigns/self/"]
        if mine:
            urls.append(f"/quality/campaigns/self/{mine.pk}/")
        for user in (auth_admin, inst_admin):
            client = client_as(user)
            for url in urls:
                r = client.get(url)
                assert r.status_code < 500, (user, url)
                if r.status_code == 200:
                    found = problems_in("\n".join(shown(r.content.decode()).parts))
                    if found:
                        bad[(user.username, url)] = found
        return bad

    assert read() == {}
    opened = boss.post(
        f"{URL}/{pk}/open", json.dumps({"row_version": made["row_version"]}), content_type="application/json"
    ).json()
    mine = CampaignEntry.objects.get(institution=institution)
    r = client_as(inst_admin).post(
        f"{SELF}/{mine.pk}",
        json.dumps({"answers": best_answers("QC-STATION"), "submit": True}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert read() == {}
    time_machine.move_to(dt.datetime(2026, 12, 31, 1, tzinfo=dt.UTC))
    boss = client_as(auth_admin)
    r = boss.post(
        f"{URL}/{pk}/sample",
        json.dumps({"row_version": opened["row_version"]}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert read() == {}
