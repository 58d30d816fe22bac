"""Dashboard: renders for every role, shows role and scope, counts only what the user may see."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from dudao.registry.models import Batch, Filing
from dudao.web.dashboard import stats_for
from tests import factories as f


def stat_values(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'data-stat="(\w+)">.*?<div class="h1 mb-0 dudao-stat-value">(.*?)</div>', html, re.S)
    )


def make_batch(institution, filing, starts_at, status="planned", n=[0]):  # noqa: B006 - counter for codes
    n[0] += 1
    return Batch.objects.create(
        code=f"PC-{n[0]:04d}",
        institution=institution,
        filing=filing,
        occupation=f.OccupationFactory(),
        levels=[5],
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=4),
        venue=f.VenueFactory(institution=institution),
        status=status,
    )


@pytest.fixture
def world(users, authority, institution, other_institution):
    """In scope: 2 institutions, 2 active filings (+1 suspended), 2 upcoming batches; plus others."""
    second = f.InstitutionFactory(authority=authority, region=authority.region)
    filing = f.FilingFactory(institution=institution)
    f.FilingFactory(institution=second)
    f.FilingFactory(institution=second, status=Filing.Status.SUSPENDED)
    other_filing = f.FilingFactory(institution=other_institution)
    now = timezone.now()
    make_batch(institution, filing, now + dt.timedelta(days=3))
    make_batch(institution, filing, now + dt.timedelta(days=29))
    make_batch(institution, filing, now + dt.timedelta(days=31))  # too far ahead
    make_batch(institution, filing, now - dt.timedelta(days=1))  # already started
    make_batch(institution, filing, now + dt.timedelta(days=5), status="cancelled")
    make_batch(other_institution, other_filing, now + dt.timedelta(days=3))  # other province
    f.SupervisorFactory(authority=other_institution.authority)  # other province
    f.ExaminerFactory(authority=authority)
    f.ExaminerFactory(authority=other_institution.authority)
    return users


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role",
    [
        "superuser",
        "authority_admin",
        "authority_staff",
        "institution_admin",
        "institution_staff",
        "external_supervisor",
        "internal_supervisor",
        "examiner",
    ],
)
def test_dashboard_renders_for_every_role(role, world, client_as):
    response = client_as(world[role]).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"您好,{world[role].display_name}" in html
    if role in ("external_supervisor", "internal_supervisor", "examiner"):
        assert stat_values(html) == {}
        assert "待办事项" in html
        assert "上线后会显示" not in html
    else:
        assert set(stat_values(html)) == {
            "institutions",
            "active_filings",
            "upcoming_batches",
            "supervisors",
            "examiners",
        }


@pytest.mark.django_db
def test_authority_counts_are_scoped_to_its_region(world, client_as):
    html = client_as(world["authority_staff"]).get("/").content.decode()
    assert "委派机构工作人员" in html
    assert "数据范围:江西省职业技能鉴定指导中心" in html
    assert stat_values(html) == {
        "institutions": "2",
        "active_filings": "2",
        "upcoming_batches": "2",
        "supervisors": "2",
        "examiners": "2",
    }


@pytest.mark.django_db
def test_superuser_counts_everything(world, client_as):
    html = client_as(world["superuser"]).get("/").content.decode()
    assert "数据范围:全部数据" in html
    assert stat_values(html) == {
        "institutions": "3",
        "active_filings": "3",
        "upcoming_batches": "3",
        "supervisors": "3",
        "examiners": "3",
    }


@pytest.mark.django_db
def test_institution_counts_are_its_own(world, client_as, institution):
    html = client_as(world["institution_admin"]).get("/").content.decode()
    assert f"数据范围:{institution.name}" in html
    values = stat_values(html)
    assert {k: values[k] for k in ("institutions", "active_filings", "upcoming_batches", "supervisors")} == {
        "institutions": "1",
        "active_filings": "1",
        "upcoming_batches": "2",
        "supervisors": "1",
    }


@pytest.mark.django_db
def test_stats_labels_and_links(world, settings):
    settings.ROOT_URLCONF = "tests.web.urls_nav"
    stats = stats_for(world["authority_admin"])
    assert [(s.label, s.url) for s in stats] == [
        ("评价机构", "/registry/institution_list/"),
        ("有效备案", "/registry/filing_list/"),
        ("未来 30 天评价批次", "/registry/batch_list/"),
        ("在册督导员", "/people/supervisor_list/"),
        ("在册考评员", "/people/examiner_list/"),
    ]
    assert stats_for(world["examiner"]) == []


@pytest.mark.django_db
def test_profile_page_for_a_supervisor(world, client_as):
    user = world["external_supervisor"]
    html = client_as(user).get("/me/").content.decode()
    assert "外部质量督导员" in html
    assert user.person.name in html
    assert user.person.id_number_masked in html
