"""Account services: user_create (role fits scope, audited, permission), tokens, unlock."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dudao.accounts import services
from dudao.accounts.auth import hash_token
from dudao.accounts.models import ApiToken, LoginLock, Role, User
from dudao.common.errors import NotFound, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from tests import factories as f

PASSWORD = "Zq!8-long-enough"


def counts():
    return User.objects.count(), AuditEvent.objects.count(), ApiToken.objects.count()


@pytest.mark.django_db
def test_user_create_authority_staff_is_audited_without_password(authority):
    user = services.user_create(
        actor=None,
        username=" wang ",
        password=PASSWORD,
        role=Role.AUTHORITY_STAFF,
        authority=authority,
        display_name="王五",
    )
    assert (user.username, user.role, user.authority_id, user.display_name) == (
        "wang",
        "authority_staff",
        authority.pk,
        "王五",
    )
    assert user.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert event.actor_label == "system"
    assert event.after["username"] == "wang"
    assert event.after["authority_id"] == authority.pk
    assert "password" not in event.after


@pytest.mark.parametrize(
    ("role", "scope", "errors"),
    [
        ("authority_admin", {}, {"authority": ["委派机构角色必须指定所属委派机构"]}),
        (
            "authority_staff",
            {"authority": True, "institution": True},
            {"institution": ["委派机构角色不能指定评价机构"]},
        ),
        ("institution_admin", {}, {"institution": ["评价机构角色必须指定所属评价机构"]}),
        (
            "institution_staff",
            {"institution": True, "authority": True},
            {"authority": ["评价机构角色不能指定委派机构"]},
        ),
        ("examiner", {}, {"person": ["督导员、考评员角色必须关联人员信息"]}),
        ("external_supervisor", {"person": True}, {"authority": ["外部质量督导员必须指定委派机构"]}),
        ("internal_supervisor", {"person": True}, {"institution": ["内部质量督导员必须指定所属评价机构"]}),
        ("boss", {}, {"role": ["无效的角色「boss」"]}),
    ],
)
@pytest.mark.django_db
def test_user_create_refuses_a_role_that_does_not_fit_the_scope(role, scope, errors, authority, institution):
    kwargs = {
        "authority": authority if scope.get("authority") else None,
        "institution": institution if scope.get("institution") else None,
        "person": f.PersonFactory() if scope.get("person") else None,
    }
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        services.user_create(actor=None, username="x1", password=PASSWORD, role=role, **kwargs)
    assert info.value.detail == errors
    assert counts() == before


@pytest.mark.django_db
def test_user_create_supervisor_and_examiner(authority, institution):
    person = f.PersonFactory()
    ext = services.user_create(
        actor=None,
        username="sup",
        password=PASSWORD,
        role=Role.EXTERNAL_SUPERVISOR,
        authority=authority,
        person=person,
    )
    exam = services.user_create(
        actor=None, username="exam", password=PASSWORD, role=Role.EXAMINER, person=f.PersonFactory()
    )
    assert (ext.person_id, exam.role) == (person.pk, "examiner")


@pytest.mark.django_db
def test_user_create_duplicate_username_and_weak_password(authority):
    f.UserFactory(username="taken")
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        services.user_create(
            actor=None, username="taken", password="123", role=Role.AUTHORITY_STAFF, authority=authority
        )
    assert info.value.detail["username"] == ["用户名「taken」已存在"]
    assert info.value.detail["password"] == [
        "密码长度不能少于 10 位",
        "密码须包含小写字母、大写字母、数字、其他符号中的至少 3 类",
        "这个密码太常见了。",
    ]
    assert counts() == before


@pytest.mark.django_db
def test_user_create_permissions(users, institution):
    """三权分立 (SEC-2): security administrators (and the break-glass superuser) manage accounts; business
    staff, the system and the audit administrator cannot. Unit administrators manage their own unit's
    accounts only (issue 9 §3.9, tests/accounts/test_user_admin.py)."""
    system_admin = f.UserFactory(username="sys", role=Role.SYSTEM_ADMIN)
    audit_admin = f.UserFactory(username="aud", role=Role.AUDIT_ADMIN)
    security_admin = f.UserFactory(username="sec", role=Role.SECURITY_ADMIN)
    before = counts()
    for actor in (
        users["authority_staff"],
        users["institution_staff"],
        users["examiner"],
        system_admin,
        audit_admin,
    ):
        with pytest.raises(PermissionDenied) as caught:
            services.user_create(
                actor=actor,
                username="n1",
                password=PASSWORD,
                role=Role.INSTITUTION_STAFF,
                institution=institution,
            )
        assert caught.value.message == "只有安全管理员可以管理账号"
    assert counts() == before
    created = services.user_create(
        actor=security_admin,
        username="n1",
        password=PASSWORD,
        role=Role.INSTITUTION_STAFF,
        institution=institution,
    )
    assert created.must_change_password is True
    assert AuditEvent.objects.get(action="accounts.user.create").actor_label == "sec"
    auditor = services.user_create(
        actor=users["superuser"], username="n2", password=PASSWORD, role=Role.AUDIT_ADMIN
    )
    assert (auditor.is_staff, auditor.is_superuser) == (True, False)


@pytest.mark.django_db
def test_separated_admins_have_no_data_scope(authority):
    with pytest.raises(ValidationFailed) as caught:
        services.user_create(
            actor=None, username="x", password=PASSWORD, role=Role.SECURITY_ADMIN, authority=authority
        )
    assert caught.value.detail["role"] == ["系统、安全、审计管理员不属于任何机构,不能指定数据范围"]


@pytest.mark.django_db
def test_token_create_stores_only_the_hash_and_audits(users):
    user = users["authority_staff"]
    token, key = services.token_create(actor=user, name="省平台对接")
    assert key.startswith("ddo_") and len(key) > 40
    assert token.key_hash == hash_token(key)
    assert token.prefix == key[4:12]
    assert key not in str(list(ApiToken.objects.values()))
    event = AuditEvent.objects.get(action="accounts.token.create")
    assert key not in str(event.after) and token.key_hash not in str(event.after)
    assert event.after["name"] == "省平台对接"


@pytest.mark.django_db
def test_token_create_rules(users):
    before = counts()
    with pytest.raises(ValidationFailed):
        services.token_create(actor=users["authority_staff"], name="  ")
    with pytest.raises(PermissionDenied):
        services.token_create(actor=users["authority_staff"], name="x", user=users["authority_admin"])
    assert counts() == before
    token, _ = services.token_create(actor=users["superuser"], name="x", user=users["authority_admin"])
    assert token.user_id == users["authority_admin"].pk


@pytest.mark.django_db
def test_token_revoke_owner_only_and_idempotent(users):
    token, _ = services.token_create(actor=users["authority_staff"], name="x")
    before = counts()
    with pytest.raises(NotFound):
        services.token_revoke(actor=users["authority_admin"], token_id=token.pk)
    with pytest.raises(NotFound):
        services.token_revoke(actor=users["authority_staff"], token_id=token.pk + 100)
    assert counts() == before
    services.token_revoke(actor=users["authority_staff"], token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked
    audits = AuditEvent.objects.count()
    services.token_revoke(actor=users["authority_staff"], token_id=token.pk)
    assert AuditEvent.objects.count() == audits


@pytest.mark.django_db
def test_user_unlock(users):
    user = users["institution_staff"]
    LoginLock.objects.create(user=user, ip="10.0.0.1", failures=5, locked_until=timezone.now())
    LoginLock.objects.create(user=user, ip="10.0.0.2", failures=2)
    with pytest.raises(PermissionDenied):
        services.user_unlock(actor=users["authority_staff"], user=user)
    security_admin = f.UserFactory(username="sec", role=Role.SECURITY_ADMIN)
    services.user_unlock(actor=security_admin, user=user)
    assert not LoginLock.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="accounts.user.unlock")
    assert sorted((lock["ip"], lock["failures"]) for lock in event.before) == [
        ("10.0.0.1", 5),
        ("10.0.0.2", 2),
    ]
