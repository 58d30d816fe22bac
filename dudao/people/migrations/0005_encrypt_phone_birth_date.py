"""SEC-3: phone and birth date stored encrypted like the ID number (ADR 0001).

Existing rows are sealed with the current key through new columns that then take the old names; the
reverse decrypts them back into plain columns (needs the same keys). Raw SQL on purpose: the field
classes decrypt on read, and the plain values must be read as they are.
"""

from django.db import migrations, models

import dudao.common.pii

BATCH = 2000


def _copy(schema_editor, read_cols, write_cols, convert):
    connection = schema_editor.connection
    q = schema_editor.quote_name
    table = q("people_person")
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {', '.join(q(c) for c in read_cols)} FROM {table} WHERE id > %s ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            sets = ", ".join(f"{q(c)} = %s" for c in write_cols)
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s", [[*convert(row[1:]), row[0]] for row in rows]
            )
            last = rows[-1][0]


def seal(apps, schema_editor):
    from dudao.common import pii

    def convert(values):
        phone, birth = values
        return [pii.encrypt(phone) if phone else "", pii.encrypt(str(birth)[:10]) if birth else ""]

    _copy(schema_editor, ["phone", "birth_date"], ["phone_sealed", "birth_date_sealed"], convert)


def unseal(apps, schema_editor):
    from dudao.common import pii

    def convert(values):
        phone, birth = values
        return [pii.decrypt(phone) if phone else "", pii.decrypt(birth) if birth else None]

    _copy(schema_editor, ["phone_sealed", "birth_date_sealed"], ["phone", "birth_date"], convert)


class Migration(migrations.Migration):
    dependencies = [("people", "0004_default_card_patterns")]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="birth_date",
            field=models.DateField(editable=False, null=True, verbose_name="出生日期"),
        ),
        migrations.AddField(
            model_name="person", name="phone_sealed", field=models.TextField(blank=True, default="")
        ),
        migrations.AddField(
            model_name="person", name="birth_date_sealed", field=models.TextField(blank=True, default="")
        ),
        migrations.RunPython(seal, unseal, elidable=False),
        migrations.RemoveField(model_name="person", name="phone"),
        migrations.RemoveField(model_name="person", name="birth_date"),
        migrations.RenameField(model_name="person", old_name="phone_sealed", new_name="phone"),
        migrations.RenameField(model_name="person", old_name="birth_date_sealed", new_name="birth_date"),
        migrations.AlterField(
            model_name="person",
            name="phone",
            field=dudao.common.pii.EncryptedTextField(blank=True, max_length=20, verbose_name="手机号"),
        ),
        migrations.AlterField(
            model_name="person",
            name="birth_date",
            field=dudao.common.pii.EncryptedDateField(editable=False, verbose_name="出生日期"),
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number_encrypted",
            field=dudao.common.pii.CiphertextField(editable=False, verbose_name="身份证号(密文)"),
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number_index",
            field=dudao.common.pii.BlindIndexField(
                editable=False, source="id_number_encrypted", unique=True, verbose_name="身份证号索引"
            ),
        ),
    ]
