"""SEC-3: forms stored before phones were encrypted are protected by migration renewals 0003."""

from __future__ import annotations

import importlib

from dudao.common import pii

migration = importlib.import_module("dudao.renewals.migrations.0003_encrypt_materials_phone")


def test_plain_phones_and_ids_become_tokens_and_protected_rows_are_left_alone():
    materials = {
        "examiners": [{"name": "赵", "id_number": "360102198501010014", "phone": "13912345678"}],
        "basic": {"contact_phone": "0791-1234567"},
    }
    assert migration.protect(materials) is True
    row = materials["examiners"][0]
    assert "phone" not in row and "id_number" not in row
    assert row["phone_masked"] == "139****5678"
    assert pii.decrypt(row["phone_encrypted"]) == "13912345678"
    assert pii.decrypt(row["id_number_encrypted"]) == "360102198501010014"
    assert materials["basic"] == {"contact_phone": "0791-1234567"}  # the institution's own contact line
    assert migration.protect(materials) is False
