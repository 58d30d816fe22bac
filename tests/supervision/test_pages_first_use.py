"""What a new user hit on the supervision pages (issue 9 §3 point 5): the draw's step 2 printed
"2026-12-0708:30"; the team leader was the first supervisor in list order, not one the user chose; links to
supervisor records 404ed for authority staff (links only where the viewer may follow them)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dudao.supervision import services
from dudao.supervision.models import Draw, SupervisionTask, TaskMember
from tests.supervision.app_support import counts
from tests.supervision.pages_support import client_for, text
from tests.supervision.test_pages_draws import NEW, _form

pytestmark = pytest.mark.django_db


def test_draw_step_two_prints_date_and_time_apart(world):
    c = client_for(world.auth_staff)
    c.post(NEW, _form(world))
    page = c.get(f"/supervision/draws/{Draw.objects.get().pk}/")
    shown = text(page)
    start = timezone.localtime(world.b1.starts_at)
    assert f"{start:%Y-%m-%d %H:%M}" in shown
    assert f"{start:%Y-%m-%d}{start:%H:%M}" not in shown


def _create(world, **fields):
    data = {"institution": world.institution.pk, "batch": world.b1.pk, "kind": "daily", **fields}
    return client_for(world.auth_staff).post("/supervision/tasks/new/", data)


def test_two_supervisors_need_a_chosen_leader_and_nothing_is_written_without_one(world):
    before = counts()
    refused = _create(world, supervisors=[world.s1.pk, world.s2.pk])
    assert refused.status_code == 200
    assert refused.context["form"].errors["leader"] == ["请从所选督导员中指定组长"]
    assert counts() == before


def test_the_leader_must_be_one_of_the_chosen(world):
    before = counts()
    refused = _create(world, supervisors=[world.s1.pk, world.s2.pk], leader=world.s3.pk)
    assert refused.context["form"].errors["leader"] == ["组长须是所选督导员之一"]
    assert counts() == before


def test_the_chosen_leader_leads_whatever_the_list_order(world):
    # s1 comes first in list order (name 外督1); the user picks s2 as the leader.
    response = _create(world, supervisors=[world.s1.pk, world.s2.pk], leader=world.s2.pk)
    assert response.status_code == 302
    task = SupervisionTask.objects.get()
    roles = dict(TaskMember.objects.filter(task=task).values_list("supervisor_id", "role"))
    assert roles == {world.s1.pk: "member", world.s2.pk: "leader"}


def test_a_single_supervisor_leads_without_choosing(world):
    assert _create(world, supervisors=[world.s1.pk]).status_code == 302
    assert TaskMember.objects.get(task=SupervisionTask.objects.get()).role == "leader"


def test_the_leader_field_offers_only_the_picked_supervisors(world):
    page = client_for(world.auth_staff).get(f"/supervision/tasks/new/?batch={world.b1.pk}")
    assert 'data-among="id_supervisors"' in page.content.decode()


def test_member_names_link_to_records_only_where_the_viewer_may_open_them(world):
    task = services.task_create(
        actor=world.auth_staff,
        institution=world.institution,
        supervisors=[world.s1, world.s2],
        leader=world.s1,
        batch=world.b1,
    )
    # s2 moves to the other province's authority: out of this staff member's people scope.
    world.s2.authority = world.other_authority
    world.s2.save(update_fields=["authority"])
    c = client_for(world.auth_staff)
    html = c.get(f"/supervision/tasks/{task.pk}/").content.decode()
    own, moved = (f'href="/supervision/supervisors/{s.pk}/"' for s in (world.s1, world.s2))
    assert own in html and moved not in html
    assert world.s2.person.name in html
    assert c.get(f"/supervision/supervisors/{world.s1.pk}/").status_code == 200
    assert c.get(f"/supervision/supervisors/{world.s2.pk}/").status_code == 404
    # The institution never gets the links (it cannot open records).
    inst_html = client_for(world.inst_admin).get(f"/supervision/tasks/{task.pk}/").content.decode()
    assert not any(f'href="/supervision/supervisors/{s.pk}/"' in inst_html for s in (world.s1, world.s2))
