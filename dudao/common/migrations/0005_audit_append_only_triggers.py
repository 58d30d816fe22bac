"""Audit rows are append-only in the database itself (SEC-1): UPDATE, DELETE and TRUNCATE are refused.

PostgreSQL: one trigger function, row triggers for UPDATE/DELETE and a statement trigger for TRUNCATE.
Only the table owner or a superuser can drop them (run the application as a role that owns neither).
SQLite: BEFORE UPDATE/DELETE triggers with RAISE(ABORT) (SQLite has no TRUNCATE; `DELETE FROM` fires them).
SQLite loses triggers when Django rebuilds a table (some ALTERs): a migration that alters these tables
must re-create them; `tests/audit/test_audit_triggers.py` fails if they are missing.
"""

from django.db import migrations

TABLES = ("common_auditevent", "common_auditcheckpoint")
MESSAGE = "audit rows are append-only (SEC-1)"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION dudao_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def pg_sql(table):
    return [
        f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION dudao_audit_append_only();",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION dudao_audit_append_only();",
    ]


def sqlite_sql(table):
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {op} on {table}'); END;"
        for op in ("UPDATE", "DELETE")
    ]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [PG_FUNCTION] + [s for t in TABLES for s in pg_sql(t)]
    elif vendor == "sqlite":
        statements = [s for t in TABLES for s in sqlite_sql(t)]
    else:
        return
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
        elif vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op};")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS dudao_audit_append_only();")


class Migration(migrations.Migration):
    dependencies = [("common", "0004_audit_rekey_legacy_events")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
