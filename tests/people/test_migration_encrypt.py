"""Migration people 0005 (SEC-3): existing plaintext phones and birth dates are sealed, and the reverse
gives them back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dudao.common import pii

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("people", "0004_default_card_patterns")]
AFTER = [("people", "0005_encrypt_phone_birth_date")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, birth_date FROM people_person ORDER BY id")
        return cursor.fetchall()


def test_existing_rows_sealed_and_unsealed():
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for n, (phone, birth) in enumerate([("13912345678", "1985-03-15"), ("", "1990-12-01")]):
                cursor.execute(
                    "INSERT INTO people_person (created_at, updated_at, row_version, name,"
                    " id_number_encrypted, id_number_index, id_number_masked, gender, birth_date, phone,"
                    " employer_name)"
                    " VALUES (%s, %s, 1, %s, 'v1:x', %s, 'm', 'M', %s, %s, '')",
                    [dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 1), f"甲{n}", f"idx{n}", birth, phone],
                )
        _migrate(AFTER)
        (_, phone0, birth0), (_, phone1, birth1) = _rows()
        assert phone0.startswith("v1:") and pii.decrypt(phone0) == "13912345678"
        assert pii.decrypt(birth0) == "1985-03-15" and pii.decrypt(birth1) == "1990-12-01"
        assert phone1 == ""
        _migrate(BEFORE)
        assert [(str(b)[:10], p) for _, p, b in _rows()] == [
            ("1985-03-15", "13912345678"),
            ("1990-12-01", ""),
        ]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM people_person")
        # every app at its latest migration (going back unapplied the migrations depending on people's)
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
