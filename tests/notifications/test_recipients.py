"""Recipient groups: authority staff whose region covers a code, one authority's own users, an institution's
own users."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role, User
from dudao.accounts.permissions import region_prefix_covers
from dudao.notifications.recipients import (
    authority_staff_for_region,
    authority_users,
    institution_admins,
    institution_users,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def regional_staff(users, province, other_authority):
    """Staff of a city (3601), a sibling city (3602), two districts (360102, 360103), another province."""
    nanchang = f.RegionFactory(code="360100", name="南昌市", kind="city", parent=province)
    jingdezhen = f.RegionFactory(code="360200", name="景德镇市", kind="city", parent=province)
    donghu = f.RegionFactory(code="360102", name="东湖区", kind="district", parent=nanchang)
    xihu = f.RegionFactory(code="360103", name="西湖区", kind="district", parent=nanchang)
    made = {}
    for key, region in [("city", nanchang), ("city2", jingdezhen), ("district", donghu), ("district2", xihu)]:
        auth = f.AuthorityFactory(region=region)
        made[key] = f.UserFactory(username=f"staff_{key}", role=Role.AUTHORITY_STAFF, authority=auth)
    made["other_province"] = f.UserFactory(
        username="staff_gd", role=Role.AUTHORITY_STAFF, authority=other_authority
    )
    made["inactive"] = f.UserFactory(
        username="staff_gone",
        role=Role.AUTHORITY_STAFF,
        authority=users["authority_staff"].authority,
        is_active=False,
    )
    return made


def test_authority_staff_for_region_follows_region_prefix_rule(users, regional_staff):
    got = {u.username for u in authority_staff_for_region("360102")}
    assert got == {"auth_admin", "auth_staff", "staff_city", "staff_district"}
    assert {u.username for u in authority_staff_for_region("360200")} == {
        "auth_admin",
        "auth_staff",
        "staff_city2",
    }
    assert {u.username for u in authority_staff_for_region("440000")} == {"staff_gd"}
    assert {u.username for u in authority_staff_for_region("360000")} == {"auth_admin", "auth_staff"}
    assert list(authority_staff_for_region("")) == []
    # Same answer as the data-scope rule, for every active authority user and several codes.
    for code in ("360102", "360103", "360100", "360200", "360000", "440300", "110000"):
        expected = {
            u.username
            for u in User.objects.filter(is_active=True).select_related("authority__region")
            if u.role in (Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF) and region_prefix_covers(u, code)
        }
        assert {u.username for u in authority_staff_for_region(code)} == expected, code


def test_authority_staff_for_region_by_role(users, regional_staff):
    admins = authority_staff_for_region("360102", roles={Role.AUTHORITY_ADMIN})
    assert [u.username for u in admins] == ["auth_admin"]
    assert list(authority_staff_for_region("360102", roles={Role.INSTITUTION_ADMIN})) == []


def test_authority_users_are_that_authority_only_not_the_region(users, authority, regional_staff):
    # the city and district authorities below it cover the same codes but are other authorities
    assert {u.username for u in authority_users(authority)} == {"auth_admin", "auth_staff"}
    assert {u.username for u in authority_users(authority.pk)} == {"auth_admin", "auth_staff"}
    city = regional_staff["city"].authority
    assert [u.username for u in authority_users(city)] == ["staff_city"]
    assert [u.username for u in authority_users(authority, roles={Role.AUTHORITY_ADMIN})] == ["auth_admin"]
    assert list(authority_users(authority, roles={Role.INSTITUTION_ADMIN})) == []
    assert list(authority_users(None)) == []


def test_institution_users_are_its_admins_and_staff_only(users, institution, other_institution):
    f.UserFactory(username="inst_gone", role=Role.INSTITUTION_STAFF, institution=institution, is_active=False)
    f.UserFactory(username="inst_other", role=Role.INSTITUTION_STAFF, institution=other_institution)
    # the internal supervisor (int_sup) also belongs to the institution but is not its office staff
    assert {u.username for u in institution_users(institution)} == {"inst_admin", "inst_staff"}
    assert {u.username for u in institution_users(institution.pk)} == {"inst_admin", "inst_staff"}
    assert [u.username for u in institution_admins(institution)] == ["inst_admin"]
    assert [u.username for u in institution_users(other_institution)] == ["inst_other"]
    assert list(institution_users(None)) == []


def test_recipient_querysets_cost_one_query_when_sent(users, regional_staff, django_assert_num_queries):
    from dudao.notifications import services

    recipients = authority_staff_for_region("360102")
    # 1 read of the ids + 1 dedupe check + 1 insert (+ savepoint statements)
    with django_assert_num_queries(5):
        assert services.notify(recipients=recipients, kind="k", title="t", dedupe_key="once") == 4
