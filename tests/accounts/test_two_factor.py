"""Two-factor login (TOTP) for administrators, optional for others; recovery codes (SEC-2)."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from dudao.accounts import services, twofactor
from dudao.accounts.models import LoginEvent, RecoveryCode, Role, TotpDevice
from dudao.common.models import AuditEvent
from tests import factories as f
from tests.clock import FROZEN_NOW

PASSWORD = "Dudao#2026"


@pytest.fixture
def admin(db):
    return f.UserFactory(username="sec_admin", role=Role.SECURITY_ADMIN)


@pytest.fixture
def staff(db):
    return f.UserFactory(username="zhang", role=Role.AUTHORITY_STAFF, authority=f.AuthorityFactory())


def password_step(client: Client, username: str, next_url: str = ""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data, REMOTE_ADDR="10.1.2.3")


def signed_in(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_admin_without_authenticator_must_enrol_before_the_login_completes(admin):
    client = Client()
    response = password_step(client, "sec_admin", "/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"] == "/login/enrol/"
    assert signed_in(client) is None
    # The dashboard is still closed: the password alone did not sign in.
    assert client.get("/").status_code == 302
    page = client.get("/login/enrol/").content.decode()
    assert "<svg" in page and "http://" not in page.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', page).group(1)
    device = TotpDevice.objects.get(user=admin)
    assert device.confirmed is False
    assert secret not in device.secret_encrypted  # stored encrypted
    response = client.post(
        "/login/enrol/", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "1"}
    )
    assert "动态口令不正确" in response.content.decode()
    response = client.post("/login/enrol/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(
        r"<li class=\"col\">([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</li>", response.content.decode()
    )
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/accounts/tokens/"' in response.content.decode()
    assert signed_in(client) == str(admin.pk)
    # Only hashes are stored.
    stored = set(RecoveryCode.objects.filter(user=admin).values_list("code_hash", flat=True))
    assert stored == {twofactor.hash_recovery_code(admin.pk, c) for c in codes}
    assert not any(c in h for c in codes for h in stored)
    assert AuditEvent.objects.filter(action="accounts.totp.enroll", object_id=str(admin.pk)).count() == 1
    assert AuditEvent.objects.filter(action="accounts.session.login", object_id=str(admin.pk)).count() == 1


def enrolled(user) -> str:
    return services.totp_provision(actor=None, user=user)


@pytest.mark.django_db
def test_enrolled_admin_passes_the_second_step_and_a_code_works_once(admin):
    secret = enrolled(admin)
    client = Client()
    response = password_step(client, "sec_admin")
    assert response["Location"] == "/login/verify/"
    assert signed_in(client) is None
    code = pyotp.TOTP(secret).now()
    response = client.post("/login/verify/", {"code": code}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert signed_in(client) == str(admin.pk)
    # Replay of the same code (someone looking over the shoulder) is refused.
    other = Client()
    password_step(other, "sec_admin")
    response = other.post("/login/verify/", {"code": code}, REMOTE_ADDR="10.1.2.3")
    assert "动态口令或恢复码不正确" in response.content.decode()
    assert signed_in(other) is None
    assert LoginEvent.objects.filter(reason="2fa_failed").count() == 1
    assert AuditEvent.objects.filter(action="accounts.session.totp_failed").count() == 1


@pytest.mark.django_db
def test_code_of_the_neighbouring_step_is_accepted_two_steps_away_is_not(admin):
    """Clock drift: ±30 s accepted (VALID_WINDOW = 1), 60 s off refused."""
    secret = enrolled(admin)
    totp = pyotp.TOTP(secret)
    at = FROZEN_NOW + dt.timedelta(hours=2)
    with time_machine.travel(at, tick=False):
        step = totp.timecode(at)
        assert (
            services.second_factor_check(
                user=admin, code=totp.generate_otp(step - 1), ip="1.1.1.1", user_agent=""
            )
            == "totp"
        )
        assert (
            services.second_factor_check(
                user=admin, code=totp.generate_otp(step + 2), ip="1.1.1.1", user_agent=""
            )
            is None
        )


@pytest.mark.django_db
def test_recovery_code_signs_in_once(admin):
    enrolled(admin)
    codes = services.recovery_codes_regenerate(user=admin)
    client = Client()
    password_step(client, "sec_admin")
    response = client.post("/login/verify/", {"code": codes[0].lower()}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert signed_in(client) == str(admin.pk)
    assert RecoveryCode.objects.filter(user=admin, used_at__isnull=False).count() == 1
    again = Client()
    password_step(again, "sec_admin")
    response = again.post("/login/verify/", {"code": codes[0]}, REMOTE_ADDR="10.1.2.3")
    assert signed_in(again) is None


@pytest.mark.django_db
def test_second_step_must_follow_the_password_within_five_minutes(admin):
    secret = enrolled(admin)
    start = FROZEN_NOW + dt.timedelta(hours=4)
    late, in_time = Client(), Client()
    with time_machine.travel(start, tick=False):
        password_step(late, "sec_admin")
        password_step(in_time, "sec_admin")
    with time_machine.travel(start + dt.timedelta(seconds=300), tick=False):
        response = in_time.post("/login/verify/", {"code": pyotp.TOTP(secret).now()})
        assert signed_in(in_time) == str(admin.pk)
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        response = late.post("/login/verify/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/login/"
    assert signed_in(late) is None


@pytest.mark.django_db
def test_verify_page_without_a_password_step_goes_back_to_login(admin):
    enrolled(admin)
    response = Client().post("/login/verify/", {"code": "123456"})
    assert response["Location"] == "/login/"


@pytest.mark.django_db
def test_staff_logs_in_with_the_password_alone_and_may_opt_in(staff):
    client = Client()
    response = password_step(client, "zhang")
    assert response["Location"] == "/"
    assert signed_in(client) == str(staff.pk)
    page = client.get("/accounts/two-factor/").content.decode()
    assert "启用后" in page
    secret = services.pending_secret(staff)
    response = client.post("/accounts/two-factor/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert services.has_second_factor(staff)
    # From now on this user passes the second step too.
    later = Client()
    assert password_step(later, "zhang")["Location"] == "/login/verify/"
    # Optional for this role: the user may switch it off again.
    client.post("/accounts/two-factor/disable/")
    assert not services.has_second_factor(staff)


@pytest.mark.django_db
def test_admins_cannot_switch_their_second_factor_off(admin, client_as):
    enrolled(admin)
    client_as(admin).post("/accounts/two-factor/disable/")
    assert services.has_second_factor(admin)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "needs"),
    [
        (Role.SYSTEM_ADMIN, True),
        (Role.SECURITY_ADMIN, True),
        (Role.AUDIT_ADMIN, True),
        (Role.AUTHORITY_ADMIN, True),
        (Role.AUTHORITY_STAFF, False),
        (Role.INSTITUTION_ADMIN, False),
        (Role.INSTITUTION_STAFF, False),
        (Role.EXAMINER, False),
    ],
)
def test_which_roles_need_the_second_factor(role, needs):
    f.UserFactory(username="u1", role=role)
    response = password_step(Client(), "u1")
    assert (response["Location"] == "/login/enrol/") is needs


@pytest.mark.django_db
def test_superuser_needs_it_and_its_login_is_audited_as_break_glass():
    root = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    secret = enrolled(root)
    client = Client()
    assert password_step(client, "root")["Location"] == "/login/verify/"
    client.post("/login/verify/", {"code": pyotp.TOTP(secret).now()}, REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="accounts.session.break_glass_login")
    assert (event.actor_id, event.after["ip"], event.after["method"]) == (root.pk, "10.1.2.3", "totp")


@pytest.mark.django_db
def test_enforcement_can_be_switched_off_outside_production(admin, settings):
    settings.DUDAO_REQUIRE_2FA = False
    client = Client()
    assert password_step(client, "sec_admin")["Location"] == "/"
    assert signed_in(client) == str(admin.pk)


@pytest.mark.django_db
def test_demo_logins_prints_the_demo_admins_secret_and_current_code(capsys):
    user = f.UserFactory(username="demo_security_admin", role=Role.SECURITY_ADMIN)
    secret = enrolled(user)
    call_command("demo-logins", "--otp", "demo_security_admin")
    assert capsys.readouterr().out.strip() == pyotp.TOTP(secret).now()
    call_command("demo-logins")
    out = capsys.readouterr().out
    assert secret in out and "动态口令密钥" in out
