"""`dudao pii rotate-key` (SEC-3, ADR 0001): every token moves to the current key, resumably, and every
value stays readable while a rotation is half done."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection

from dudao.accounts.models import Role
from dudao.common import pii, pii_rotation
from dudao.common.models import AuditEvent
from dudao.people import selectors, services
from dudao.people.models import Person
from tests.people.helpers import resident_id

pytestmark = pytest.mark.django_db

KEY1 = "first-key-" + "1" * 30
KEY2 = "second-key-" + "2" * 30


@pytest.fixture
def old_key(settings):
    settings.DUDAO_PII_KEYS = {1: KEY1}
    settings.DUDAO_PII_KEY_VERSION = 1
    return settings


@pytest.fixture
def persons(old_key, users):
    admin = users[Role.AUTHORITY_ADMIN]
    made = [
        services.person_create(
            actor=admin, name=f"人员{n}", id_number=resident_id(30 + n), phone=f"1391234000{n}"
        )
        for n in range(5)
    ]
    return made


def _new_key(settings):
    settings.DUDAO_PII_KEYS = {2: KEY2, 1: KEY1}
    settings.DUDAO_PII_KEY_VERSION = 2


def _raw_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, id_number_encrypted, id_number_index, phone, birth_date"
            " FROM people_person ORDER BY id"
        )
        return cursor.fetchall()


def _versions() -> set[int]:
    found = set()
    for _, number, _, phone, birth in _raw_rows():
        found |= {pii.token_version(t) for t in (number, phone, birth) if t}
    return found


def _rotate(**kwargs) -> str:
    out = io.StringIO()
    call_command("pii", "rotate-key", stdout=out, **kwargs)
    return out.getvalue()


def test_values_are_stored_as_tokens_of_the_current_key(persons):
    """Phone and birth date are no longer plaintext in the table (issue 8 §2)."""
    for _, number, _, phone, birth in _raw_rows():
        assert number.startswith("v1:") and phone.startswith("v1:") and birth.startswith("v1:")
        assert "1391234000" not in phone and "1985" not in birth
    assert Person.objects.get(pk=persons[0].pk).phone == "13912340000"
    assert Person.objects.get(pk=persons[0].pk).birth_date == dt.date(1985, 1, 1)


def test_equality_lookup_on_an_encrypted_column_is_refused(persons):
    """A random-nonce token never equals an encrypted probe: the query must fail loudly, not match nothing."""
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Person.objects.filter(phone="13912340000"))


def test_rotation_reencrypts_everything(persons, old_key, users):
    indexes_before = {row[0]: row[2] for row in _raw_rows()}
    _new_key(old_key)
    out = _rotate(batch_size=2)
    assert _versions() == {2}
    for pk, number, index, _, _ in _raw_rows():
        plain = pii.decrypt(number)
        assert index == pii.blind_index(plain, version=2) != indexes_before[pk]
    total = Person.objects.count()  # the role users' persons too
    assert f"people.person):已重新加密 {total} / {total} 行" in out
    assert f"完成:本次重新加密 {total} 行" in out
    event = AuditEvent.objects.filter(action="common.pii_key.rotate").latest("id")
    assert event.after == {"version": 2, "rewritten": {"people.person": total}, "remaining": 0}
    # The old key can go: everything still reads with key 2 alone.
    old_key.DUDAO_PII_KEYS = {2: KEY2}
    person = Person.objects.get(pk=persons[3].pk)
    assert (person.phone, person.birth_date) == ("13912340003", dt.date(1985, 1, 1))
    found = selectors.find_person_by_id_number(users[Role.AUTHORITY_ADMIN], resident_id(33))
    assert found is not None and found.pk == persons[3].pk


def test_interrupted_rotation_reads_and_resumes(persons, old_key, users):
    _new_key(old_key)
    out = _rotate(batch_size=2, max_batches=1)
    total = Person.objects.count()
    assert f"已中止:本次重新加密 2 行,仍有 {total - 2} 行使用旧密钥" in out
    assert _versions() == {1, 2}
    # Mid-rotation: every value reads, and lookups by ID number find rotated and unrotated rows alike.
    admin = users[Role.AUTHORITY_ADMIN]
    for n, person in enumerate(persons):
        fresh = Person.objects.get(pk=person.pk)
        assert fresh.phone == f"1391234000{n}"
        assert services.person_reveal_id(actor=admin, person=fresh) == resident_id(30 + n)
        assert selectors.find_person_by_id_number(admin, resident_id(30 + n)).pk == person.pk
    # A duplicate of an unrotated number is still refused.
    from dudao.common.errors import Conflict

    with pytest.raises(Conflict):
        services.person_create(actor=admin, name="重复", id_number=resident_id(34))
    # The re-run skips the two rotated rows and finishes the rest.
    out = _rotate(batch_size=2)
    assert f"people.person):{total - 2} 行待重新加密" in out
    assert f"完成:本次重新加密 {total - 2} 行" in out
    assert _versions() == {2}
    assert "完成:本次重新加密 0 行" in _rotate()


def test_edit_between_read_and_write_is_not_overwritten(persons, old_key):
    """Compare-and-swap: a row changed after the rotation read it keeps the application's value."""
    _new_key(old_key)
    unit = next(u for u in pii_rotation.units() if u.model is Person)
    rows = next(pii_rotation._token_batches(unit, 10))
    Person.objects.filter(pk=persons[0].pk).update(phone="13800000000")
    written = pii_rotation._rotate_tokens(unit, rows, 2)
    assert written == len(rows) - 1
    assert Person.objects.get(pk=persons[0].pk).phone == "13800000000"


def test_json_tokens_are_rekeyed(old_key):
    token = pii.encrypt("360102198501010011")
    _new_key(old_key)
    materials = {"managers": [{"name": "甲", "id_number_encrypted": token, "id_number_masked": "x"}], "n": 1}
    out = pii_rotation.rekey_json(materials, 2)
    new = out["managers"][0]["id_number_encrypted"]
    assert new.startswith("v2:") and pii.decrypt(new) == "360102198501010011"
    assert out["managers"][0]["id_number_masked"] == "x" and out["n"] == 1


def test_status_counts_rows_on_old_keys(persons, old_key):
    _new_key(old_key)
    out = io.StringIO()
    call_command("pii", "status", stdout=out)
    assert f"people.person):{Person.objects.count()} 行仍使用旧密钥" in out.getvalue()


def test_rotation_reencrypts_totp_secrets(old_key, users):
    """The administrators' authenticator secrets are sealed with the personal-data key too: a rotation that
    skipped them would leave every enrolled administrator unable to log in once the old key is removed."""
    from dudao.accounts import services as account_services
    from dudao.accounts.models import TotpDevice

    admin = users[Role.AUTHORITY_ADMIN]
    secret = account_services.totp_provision(actor=None, user=admin)
    assert pii.token_version(TotpDevice.objects.get(user=admin).secret_encrypted) == 1
    _new_key(old_key)
    out = _rotate()
    device = TotpDevice.objects.get(user=admin)
    assert pii.token_version(device.secret_encrypted) == 2 and "accounts.totpdevice" in out
    old_key.DUDAO_PII_KEYS = {2: KEY2}
    assert pii.decrypt(device.secret_encrypted) == secret
