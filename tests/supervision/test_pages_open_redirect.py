"""A `next` parameter is followed only when it stays on this site (issue 9 §1): `//evil.example/x` passed the
old `startswith("/")` check of 接受任务 and sent the supervisor to another host."""

from __future__ import annotations

import pytest

from dudao.supervision import services
from dudao.supervision.models import TaskMember
from tests.supervision.pages_support import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/x", "/\\evil.example/x"])
def test_accept_task_does_not_follow_next_to_another_host(world, target):
    task = services.task_create(
        actor=world.auth_staff, institution=world.institution, supervisors=[world.s1], batch=world.b1
    )
    response = client_for(world.s1.user).post(f"/supervision/tasks/{task.pk}/accept/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/supervision/tasks/{task.pk}/"
    assert TaskMember.objects.get(task=task, supervisor=world.s1).response == "accepted"


def test_accept_task_follows_a_local_next(world):
    task = services.task_create(
        actor=world.auth_staff, institution=world.institution, supervisors=[world.s1], batch=world.b1
    )
    response = client_for(world.s1.user).post(
        f"/supervision/tasks/{task.pk}/accept/", {"next": "/supervision/my/tasks/?show=all"}
    )
    assert response["Location"] == "/supervision/my/tasks/?show=all"
