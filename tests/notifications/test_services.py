"""Services of the message centre: notify (bulk, idempotent with a dedupe key), mark read (own only)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.common.errors import NotFound, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.notifications import selectors, services
from dudao.notifications.models import Message

from .helpers import send, state

pytestmark = pytest.mark.django_db


def test_notify_sends_one_message_per_recipient_with_all_fields(users, institution):
    staff, admin = users["authority_staff"], users["authority_admin"]
    sent = services.notify(
        recipients=[staff, admin],
        kind="renewal.new_application",
        title="新的延续备案申请",
        body="机构已提交材料",
        link="/renewals/7/",
        obj=institution,
    )
    assert sent == 2
    rows = list(Message.objects.order_by("recipient_id").values())
    assert [r["recipient_id"] for r in rows] == sorted([staff.pk, admin.pk])
    for row in rows:
        assert (row["kind"], row["title"], row["body"], row["link"]) == (
            "renewal.new_application",
            "新的延续备案申请",
            "机构已提交材料",
            "/renewals/7/",
        )
        assert (row["object_type"], row["object_id"]) == ("registry.institution", str(institution.pk))
        assert row["read_at"] is None
        assert row["dedupe_key"] == ""
    # Notices are not business writes: no audit event.
    assert AuditEvent.objects.count() == 0


def test_notify_accepts_queryset_ids_single_user_and_drops_duplicates(users):
    staff, admin = users["authority_staff"], users["authority_admin"]
    qs = type(staff).objects.filter(pk__in=[staff.pk, admin.pk])
    assert services.notify(recipients=qs, kind="k.a", title="查询集") == 2
    assert services.notify(recipients=[staff.pk, staff, staff.pk], kind="k.b", title="编号") == 1
    assert services.notify(recipients=admin, kind="k.c", title="单个用户") == 1
    assert services.notify(recipients=[], kind="k.d", title="无人") == 0
    assert Message.objects.filter(recipient=staff).count() == 2
    assert Message.objects.filter(recipient=admin).count() == 2


def test_notify_with_dedupe_key_is_idempotent_per_recipient(users):
    staff, admin = users["authority_staff"], users["authority_admin"]
    kwargs = dict(kind="renewal.due_soon", title="3 个工作日内到期", dedupe_key="renewal.due_soon:42")
    assert services.notify(recipients=[staff], **kwargs) == 1
    first = Message.objects.get(recipient=staff)
    # Same key again: the one who has it gets nothing, a new recipient gets it once.
    assert services.notify(recipients=[staff, admin], **kwargs) == 1
    assert services.notify(recipients=[staff, admin], **kwargs) == 0
    assert Message.objects.filter(dedupe_key="renewal.due_soon:42").count() == 2
    assert Message.objects.get(recipient=staff).pk == first.pk
    # Read or not, the key still suppresses a repeat.
    services.message_mark_read(actor=staff, message=first)
    assert services.notify(recipients=[staff], **kwargs) == 0
    # Without a key nothing is deduplicated (events that happen twice are two messages).
    assert services.notify(recipients=[staff], kind="renewal.outcome", title="结果") == 1
    assert services.notify(recipients=[staff], kind="renewal.outcome", title="结果") == 1
    assert Message.objects.filter(recipient=staff, kind="renewal.outcome").count() == 2


def test_unique_constraint_guards_the_dedupe_key_when_senders_race(users):
    staff = users["authority_staff"]
    Message.objects.create(recipient=staff, kind="k", title="t", dedupe_key="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(recipient=staff, kind="k", title="t", dedupe_key="same")
    # What notify does after its pre-check: the loser of the race is skipped, not an error.
    Message.objects.bulk_create(
        [Message(recipient=staff, kind="k", title="t", dedupe_key="same")], ignore_conflicts=True
    )
    Message.objects.create(recipient=staff, kind="k", title="t", dedupe_key="")
    Message.objects.create(recipient=staff, kind="k", title="t", dedupe_key="")
    assert Message.objects.filter(dedupe_key="same").count() == 1
    assert Message.objects.filter(dedupe_key="").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"link": "https://evil.example/"}, "link"),
        ({"link": "//evil.example/"}, "link"),
        ({"title": ""}, "title"),
        ({"kind": ""}, "kind"),
        ({"dedupe_key": "k" * 201}, "dedupe_key"),
    ],
)
def test_notify_rejects_bad_messages_and_writes_nothing(users, kwargs, field):
    args = {"recipients": [users["authority_staff"]], "kind": "k", "title": "t", **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        services.notify(**args)
    assert list(exc.value.detail) == [field]
    assert Message.objects.count() == 0


def test_notify_rolls_back_with_the_callers_transaction(users):
    staff = users["authority_staff"]

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        assert services.notify(recipients=[staff], kind="k", title="t", dedupe_key="x") == 1
        raise Boom
    assert Message.objects.count() == 0
    # The key was never committed, so a later send succeeds.
    assert services.notify(recipients=[staff], kind="k", title="t", dedupe_key="x") == 1


def test_mark_read_only_by_the_recipient(users):
    staff, other = users["authority_staff"], users["authority_admin"]
    message = send(staff, "给工作人员")
    before = state()
    for intruder in (other, users["superuser"], users["institution_admin"]):
        with pytest.raises(NotFound):
            services.message_mark_read(actor=intruder, message=message)
        with pytest.raises(NotFound):
            services.message_mark_read(actor=intruder, message=message.pk)
    assert state() == before
    assert Message.objects.get(pk=message.pk).read_at is None

    read = services.message_mark_read(actor=staff, message=message.pk)
    assert read.read_at is not None
    first_read = Message.objects.get(pk=message.pk).read_at
    assert first_read == read.read_at
    # Idempotent: reading again keeps the first reading time.
    again = services.message_mark_read(actor=staff, message=message)
    assert again.read_at == first_read
    assert Message.objects.get(pk=message.pk).read_at == first_read
    with pytest.raises(NotFound):
        services.message_mark_read(actor=staff, message=message.pk + 1000)
    assert AuditEvent.objects.count() == 0


def test_mark_all_read_touches_only_the_actors_unread_messages(users):
    staff, other = users["authority_staff"], users["authority_admin"]
    mine = [send(staff, f"我的{i}") for i in range(3)]
    services.message_mark_read(actor=staff, message=mine[0])
    kept_read_at = Message.objects.get(pk=mine[0].pk).read_at
    theirs = send(other, "别人的")
    assert services.messages_mark_all_read(actor=staff) == 2
    assert selectors.unread_count(staff) == 0
    assert Message.objects.get(pk=mine[0].pk).read_at == kept_read_at
    assert Message.objects.get(pk=theirs.pk).read_at is None
    assert services.messages_mark_all_read(actor=staff) == 0
    assert AuditEvent.objects.count() == 0


def test_selectors_scope_to_the_user(users):
    staff, other = users["authority_staff"], users["authority_admin"]
    old = send(staff, "旧的申请", body="内容甲")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(days=1))
    new = send(staff, "新的结果", kind="renewal.outcome")
    send(other, "别人的申请")
    services.message_mark_read(actor=staff, message=old)
    assert [m.pk for m in selectors.messages_for(staff)] == [new.pk, old.pk]
    assert [m.pk for m in selectors.messages_for(staff, unread=True)] == [new.pk]
    assert [m.pk for m in selectors.messages_for(staff, unread=False)] == [old.pk]
    assert [m.pk for m in selectors.messages_for(staff, q="申请")] == [old.pk]
    assert [m.pk for m in selectors.messages_for(staff, q="内容甲")] == [old.pk]
    assert [m.pk for m in selectors.messages_for(staff, kind="renewal.outcome")] == [new.pk]
    assert selectors.unread_count(staff) == 1
    assert selectors.unread_count(other) == 1
    assert selectors.unread_count(None) == 0
    assert selectors.unread_count(AnonymousUser()) == 0
    assert list(selectors.messages_for(None)) == []
    with pytest.raises(NotFound):
        selectors.message_get(user=other, message_id=new.pk)


def test_unread_count_is_one_query(users, django_assert_num_queries):
    staff = users["authority_staff"]
    for i in range(30):
        send(staff, f"消息{i}")
    with django_assert_num_queries(1):
        assert selectors.unread_count(staff) == 30
