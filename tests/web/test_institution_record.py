"""机构档案 (issue 9 §3.8): one page per institution with its filings, batches, supervision history,
findings, rectifications, renewals and penalties — scoped, N+1-free, links only where the viewer may go."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dudao.supervision import services
from tests.conftest import client_for
from tests.supervision.conftest import media_root_fixture, world_fixture  # noqa: F401
from tests.supervision.documents_support import SpecialTask, covert_task

pytestmark = pytest.mark.django_db


def _url(institution) -> str:
    return reverse("web:institution_record", args=[institution.pk])


def _penalty(world, institution=None):
    return services.penalty_impose(
        actor=world.auth_staff,
        institution=institution or world.institution,
        kind="public_criticism",
        ground="other",
        description="考场管理混乱",
    )


@pytest.fixture
def history(world, media_root):
    special = SpecialTask(world)
    special.final(defence=True)  # a report with a major finding, a final opinion with rectification
    _penalty(world)
    institution = world.institution
    institution.contact_phone = "13912345678"
    institution.save()
    return special


def test_authority_sees_the_whole_record_with_counts_and_unmasked_phone_only_with_the_right(world, history):
    html = client_for(world.auth_admin).get(_url(world.institution)).content.decode()
    assert world.institution.name in html
    assert "JX-BA-0001" in html and "PC-A-1" in html
    assert history.task.number in html
    assert "第二考场未设视频监控" in html  # the major finding
    assert "第 1 轮" in html  # the rectification ordered with the final opinion
    assert "通报批评" in html
    assert "13912345678" in html
    staff = client_for(world.auth_staff).get(_url(world.institution)).content.decode()
    assert "139****5678" in staff and "13912345678" not in staff


def test_institution_sees_its_own_and_404_for_another(world, history):
    client = client_for(world.inst_admin)
    assert client.get(_url(world.institution)).status_code == 200
    assert client.get(_url(world.institution_b)).status_code == 404
    assert client.get(_url(world.other_institution)).status_code == 404


def test_authority_of_another_province_and_field_roles_get_404(world, history, users):
    from dudao.accounts.models import Role
    from tests import factories as f

    far = f.UserFactory(username="far_staff", role=Role.AUTHORITY_STAFF, authority=world.other_authority)
    assert client_for(far).get(_url(world.institution)).status_code == 404
    assert client_for(world.auth_staff).get(_url(world.other_institution)).status_code == 404
    for role in (Role.EXTERNAL_SUPERVISOR, Role.EXAMINER):
        assert client_for(users[role]).get(_url(world.institution)).status_code == 404, role


def test_institution_does_not_see_a_covert_visit_or_its_findings_before_the_report(world, media_root):
    task = covert_task(world)
    html = client_for(world.inst_admin).get(_url(world.institution)).content.decode()
    assert task.number not in html
    assert task.number in client_for(world.auth_staff).get(_url(world.institution)).content.decode()


def test_every_link_on_the_page_opens_for_its_viewer(world, history):
    for user in (world.auth_admin, world.auth_staff, world.inst_admin, world.inst_staff, world.superuser):
        client = client_for(user)
        html = client.get(_url(world.institution)).content.decode()
        links = set(
            re.findall(r'href="(/(?:registry|supervision|renewals|scorecards|people)/[^"#?]*)"', html)
        )
        assert any("/supervision/tasks/" in link for link in links), user
        for link in links:
            assert client.get(link).status_code == 200, (user.username, link)


def test_query_count_does_not_grow_with_the_history(world, media_root, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    special = SpecialTask(world)
    special.report()
    _penalty(world)
    client = client_for(world.auth_staff)
    client.get(_url(world.institution))  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(_url(world.institution)).status_code == 200
    for supervisor, batch in ((world.s4, world.b2), (world.s5, world.b1)):
        services.task_create(
            actor=world.auth_staff, institution=world.institution, supervisors=[supervisor], batch=batch
        )
    for _ in range(3):
        _penalty(world)
    with django_assert_max_num_queries(len(small)):
        assert client.get(_url(world.institution)).status_code == 200


def test_list_and_detail_link_to_the_record(world):
    url = _url(world.institution)
    client = client_for(world.auth_staff)
    assert f'href="{url}"' in client.get(reverse("registry:institution_list")).content.decode()
    assert (
        f'href="{url}"'
        in client.get(reverse("registry:institution_detail", args=[world.institution.pk])).content.decode()
    )
