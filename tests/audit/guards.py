"""The append-only triggers from the tests' side: an attacker with file or owner access drops them first,
and test teardown (Django's flush between transactional tests) must be able to empty the tables."""

from __future__ import annotations

import importlib

from django.db import connection as default_connection

_triggers = importlib.import_module("dudao.common.migrations.0005_audit_append_only_triggers")


class _Editor:
    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql)


def drop_guards(connection=default_connection) -> None:
    """What a privileged writer does first; the test's rollback restores them (DDL is transactional)."""
    _triggers.drop(None, _Editor(connection))


def create_guards(connection=default_connection) -> None:
    _triggers.create(None, _Editor(connection))


def allow_flush_of_audit_tables() -> None:
    """Django's test flush empties every table; lift the audit triggers around it (tests only)."""
    from django.db import connections

    for ops_class in {type(conn.ops) for conn in connections.all()}:
        original = ops_class.execute_sql_flush
        if getattr(original, "_audit_guarded", False):
            continue

        def execute_sql_flush(self, sql_list, _original=original):
            drop_guards(self.connection)
            try:
                _original(self, sql_list)
            finally:
                create_guards(self.connection)

        execute_sql_flush._audit_guarded = True
        ops_class.execute_sql_flush = execute_sql_flush
