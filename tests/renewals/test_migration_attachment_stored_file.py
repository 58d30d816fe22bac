"""Migration renewals 0005: attachments take the common stored-file columns without losing data — the
material moves from `kind` to `material`, `kind` becomes the file family (from the checked content
type), and the reverse gives the material back in `kind`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dudao.accounts.models import Role
from dudao.renewals.models import RenewalAttachment
from tests.renewals.conftest import apply

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("renewals", "0004_labels_without_rule_ids")]
AFTER = [("renewals", "0005_attachment_stored_file_fields")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _columns() -> list[str]:
    with connection.cursor() as cursor:
        return [
            c.name
            for c in connection.introspection.get_table_description(cursor, "renewals_renewalattachment")
        ]


def _rows(*columns: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM renewals_renewalattachment ORDER BY id")  # noqa: S608
        return [tuple(row) for row in cursor.fetchall()]


def test_material_and_file_kind_survive_both_ways(users, filing):
    app = apply(users[Role.INSTITUTION_ADMIN], filing, self_built=True)
    expected = sorted(RenewalAttachment.objects.filter(application=app).values_list("material", "sha256"))
    assert len(expected) == 3
    try:
        _migrate(BEFORE)
        assert "material" not in _columns()
        assert sorted(_rows("kind", "sha256")) == expected  # the material is back in `kind`
        with connection.cursor() as cursor:  # a photo uploaded before the migration
            cursor.execute(
                "UPDATE renewals_renewalattachment SET content_type = 'image/jpeg'"
                " WHERE kind = 'expert_review'"
            )
        _migrate(AFTER)
        assert sorted(_rows("material", "sha256")) == expected
        assert sorted(_rows("material", "kind")) == [
            ("application_letter", "pdf"),
            ("expert_review", "photo"),
            ("question_explanation", "pdf"),
        ]
    finally:  # every app at its latest migration: going back unapplied the migrations depending on 0005
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
