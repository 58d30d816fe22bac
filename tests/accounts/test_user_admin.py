"""User administration by unit administrators (issue 9 §3.9): create accounts inside their unit, disable /
enable, reset passwords (initial password changed at first login), change roles — never beyond their own
role or unit; the API token page only for roles that use the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dudao.accounts import services, user_services
from dudao.accounts.domain import grantable_roles
from dudao.accounts.models import Role, User
from dudao.common.errors import PermissionDenied
from dudao.common.models import AuditEvent
from tests import factories as f
from tests.conftest import client_for

PASSWORD = "Zq!8-long-enough"
pytestmark = pytest.mark.django_db


def counts():
    return User.objects.count(), AuditEvent.objects.count()


def _create(actor, role, **scope):
    return services.user_create(actor=actor, username=f"new_{role}", password=PASSWORD, role=role, **scope)


def test_grantable_roles_never_exceed_the_actor():
    assert grantable_roles("authority_admin") == {
        "authority_admin",
        "authority_staff",
        "institution_admin",
        "institution_staff",
    }
    assert grantable_roles("institution_admin") == {"institution_admin", "institution_staff"}
    for role in ("authority_staff", "institution_staff", "examiner", "external_supervisor", "security_admin"):
        assert grantable_roles(role) == frozenset(), role


@pytest.fixture
def far(other_authority, other_institution):
    return {"authority": other_authority, "institution": other_institution}


def test_authority_admin_creates_within_its_region_only(users, authority, institution, far):
    admin = users[Role.AUTHORITY_ADMIN]
    staff = _create(admin, Role.AUTHORITY_STAFF, authority=authority)
    assert (staff.must_change_password, staff.authority_id) == (True, authority.pk)
    assert _create(admin, Role.INSTITUTION_ADMIN, institution=institution).institution_id == institution.pk
    before = counts()
    refused = [
        (Role.AUTHORITY_STAFF, {"authority": far["authority"]}),  # another authority
        (Role.INSTITUTION_STAFF, {"institution": far["institution"]}),  # an institution of another province
        (Role.SECURITY_ADMIN, {}),  # a platform administrator
        (Role.SYSTEM_ADMIN, {}),
        (Role.INSTITUTION_STAFF, {"authority": authority}),  # role and scope that do not fit
    ]
    for role, scope in refused:
        with pytest.raises(PermissionDenied) as caught:
            _create(admin, role, **scope)
        assert caught.value.message == "只能管理本单位范围内的账号,且授予的角色不能高于本人", role
    assert counts() == before


def test_institution_admin_cannot_grant_above_its_own_role_or_outside_its_institution(
    users, authority, institution, far
):
    admin = users[Role.INSTITUTION_ADMIN]
    assert _create(admin, Role.INSTITUTION_STAFF, institution=institution).role == Role.INSTITUTION_STAFF
    sibling = f.InstitutionFactory(authority=authority, region=authority.region, name="同省另一机构")
    before = counts()
    for role, scope in (
        (Role.AUTHORITY_ADMIN, {"authority": authority}),
        (Role.AUTHORITY_STAFF, {"authority": authority}),
        (Role.INSTITUTION_STAFF, {"institution": sibling}),
        (Role.INSTITUTION_STAFF, {"institution": far["institution"]}),
        (Role.INTERNAL_SUPERVISOR, {"institution": institution}),
    ):
        with pytest.raises(PermissionDenied):
            _create(admin, role, **scope)
    assert counts() == before


def test_staff_cannot_manage_accounts(users, institution):
    for role in (Role.AUTHORITY_STAFF, Role.INSTITUTION_STAFF, Role.EXAMINER):
        with pytest.raises(PermissionDenied):
            _create(users[role], Role.INSTITUTION_STAFF, institution=institution)
        with pytest.raises(PermissionDenied):
            user_services.user_set_active(actor=users[role], user=users[Role.INSTITUTION_STAFF], active=False)


def test_disable_reset_and_role_change_are_scoped_and_audited(
    users, authority, institution, other_institution
):
    admin = users[Role.INSTITUTION_ADMIN]
    staff = users[Role.INSTITUTION_STAFF]
    user_services.user_set_active(actor=admin, user=staff, active=False)
    staff.refresh_from_db()
    assert staff.is_active is False
    assert AuditEvent.objects.order_by("-id").first().action == "accounts.user.disabled"
    user_services.user_set_active(actor=admin, user=staff, active=True)
    assert AuditEvent.objects.order_by("-id").first().action == "accounts.user.enabled"

    user_services.user_reset_password(actor=admin, user=staff, password="Nw#9-another-one")
    staff.refresh_from_db()
    assert staff.must_change_password is True and staff.check_password("Nw#9-another-one")
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.after) == ("accounts.password.reset", {"must_change_password": True})

    promoted = user_services.user_change_role(
        actor=admin, user=staff, role=Role.INSTITUTION_ADMIN, institution=institution
    )
    assert promoted.role == Role.INSTITUTION_ADMIN
    before = counts()
    with pytest.raises(PermissionDenied):  # above its own role
        user_services.user_change_role(
            actor=admin, user=staff, role=Role.AUTHORITY_ADMIN, authority=authority
        )
    with pytest.raises(PermissionDenied):  # out of its institution
        user_services.user_change_role(
            actor=admin, user=staff, role=Role.INSTITUTION_STAFF, institution=other_institution
        )
    with pytest.raises(PermissionDenied):  # an account of another unit
        user_services.user_set_active(actor=admin, user=users[Role.AUTHORITY_STAFF], active=False)
    with pytest.raises(PermissionDenied):  # itself
        user_services.user_set_active(actor=admin, user=admin, active=False)
    assert counts() == before
    assert User.objects.get(pk=users[Role.AUTHORITY_STAFF].pk).is_active is True


def test_weak_reset_password_is_refused_and_nothing_changes(users):
    staff = users[Role.INSTITUTION_STAFF]
    before = counts()
    with pytest.raises(Exception) as caught:
        user_services.user_reset_password(actor=users[Role.INSTITUTION_ADMIN], user=staff, password="short")
    assert "密码长度不能少于 10 位" in caught.value.message
    assert counts() == before
    staff.refresh_from_db()
    assert staff.must_change_password is False


# ------------------------------------------------------------------------------------------- pages
def test_list_shows_the_units_accounts_only(users, authority, other_authority):
    f.UserFactory(username="far_staff", role=Role.AUTHORITY_STAFF, authority=other_authority)
    html = client_for(users[Role.AUTHORITY_ADMIN]).get(reverse("accounts:user_list")).content.decode()
    for name in ("auth_staff", "inst_admin", "inst_staff"):
        assert f">{name}</a>" in html, name
    for name in ("far_staff", "ext_sup", "examiner", "root", "auth_admin"):
        assert f">{name}</a>" not in html, name
    html = client_for(users[Role.INSTITUTION_ADMIN]).get(reverse("accounts:user_list")).content.decode()
    assert ">inst_staff</a>" in html and "auth_staff" not in html


@pytest.mark.parametrize(
    "role", [Role.AUTHORITY_STAFF, Role.INSTITUTION_STAFF, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER]
)
def test_staff_get_403_on_the_pages(users, role):
    client = client_for(users[role])
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403


def test_create_page_offers_only_grantable_roles_and_creates(users, institution):
    client = client_for(users[Role.INSTITUTION_ADMIN])
    html = client.get(reverse("accounts:user_create")).content.decode()
    assert '<option value="institution_staff">' in html
    assert 'value="authority_admin"' not in html and 'value="security_admin"' not in html
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "zhang",
            "display_name": "张三",
            "role": "institution_staff",
            "institution": institution.pk,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    user = User.objects.get(username="zhang")
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:user_detail", args=[user.pk]
    )
    assert (user.role, user.institution_id, user.must_change_password) == (
        "institution_staff",
        institution.pk,
        True,
    )
    # A forged role above its own is refused with the form kept; nothing written.
    before = counts()
    response = client.post(
        reverse("accounts:user_create"),
        {"username": "li", "role": "authority_admin", "password": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200 and counts() == before
    assert 'value="li"' in response.content.decode()  # the input is kept


def test_out_of_scope_account_is_404_and_actions_work_on_the_page(users, other_authority):
    far_user = f.UserFactory(username="far_staff", role=Role.AUTHORITY_STAFF, authority=other_authority)
    client = client_for(users[Role.AUTHORITY_ADMIN])
    assert client.get(reverse("accounts:user_detail", args=[far_user.pk])).status_code == 404
    assert (
        client.post(reverse("accounts:user_set_active", args=[far_user.pk]), {"active": "0"}).status_code
        == 404
    )
    me = users[Role.AUTHORITY_ADMIN]
    assert client.get(reverse("accounts:user_detail", args=[me.pk])).status_code == 404
    staff = users[Role.INSTITUTION_STAFF]
    response = client.post(reverse("accounts:user_set_active", args=[staff.pk]), {"active": "0"})
    assert response.status_code == 302
    assert User.objects.get(pk=staff.pk).is_active is False
    response = client.post(
        reverse("accounts:user_reset_password", args=[staff.pk]), {"password": "weak", "password2": "weak"}
    )
    assert response.status_code == 400 and "密码长度不能少于 10 位" in response.content.decode()
    response = client.post(
        reverse("accounts:user_reset_password", args=[staff.pk]),
        {"password": "Nw#9-another-one", "password2": "Nw#9-another-one"},
    )
    assert response.status_code == 302 and User.objects.get(pk=staff.pk).must_change_password is True


def test_reset_password_must_be_changed_at_first_login(users, client):
    staff = users[Role.INSTITUTION_STAFF]
    user_services.user_reset_password(
        actor=users[Role.INSTITUTION_ADMIN], user=staff, password="Nw#9-another-one"
    )
    response = client.post(
        reverse("accounts:login"), {"username": "inst_staff", "password": "Nw#9-another-one"}
    )
    assert response.status_code == 302
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:password_change")
    )


# ------------------------------------------------------------------------------------- API tokens
@pytest.mark.parametrize(
    ("role", "uses"),
    [
        (Role.AUTHORITY_ADMIN, True),
        (Role.AUTHORITY_STAFF, True),
        (Role.INSTITUTION_ADMIN, True),
        (Role.INSTITUTION_STAFF, False),
        (Role.EXTERNAL_SUPERVISOR, False),
        (Role.EXAMINER, False),
        ("superuser", True),
    ],
)
def test_api_token_menu_and_page_only_for_roles_that_use_the_api(users, role, uses):
    client = client_for(users[role])
    html = client.get(reverse("web:profile")).content.decode()
    assert (f'href="{reverse("accounts:token_list")}"' in html) is uses
    assert client.get(reverse("accounts:token_list")).status_code == (200 if uses else 403)
