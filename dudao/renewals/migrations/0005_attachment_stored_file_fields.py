"""RenewalAttachment takes the common stored-file columns (dudao.common.files.StoredFileFields).

The material an attachment is (application letter, expert review …) moves from `kind` to `material`
(a rename: the values stay); `kind` becomes the file family every stored file has (photo, pdf,
spreadsheet), filled for existing rows from their checked content type; `sha256` gets its index.
"""

from django.db import migrations, models

# The content types store_upload records, by file family (dudao.common.files.TYPES, frozen here).
FAMILY_BY_CONTENT_TYPE = {
    "image/jpeg": "photo",
    "image/png": "photo",
    "image/webp": "photo",
    "image/heic": "photo",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "spreadsheet",
    "application/vnd.ms-excel": "spreadsheet",
    "text/csv": "spreadsheet",
}


def fill_file_kind(apps, schema_editor):
    Attachment = apps.get_model("renewals", "RenewalAttachment")
    for content_type, family in FAMILY_BY_CONTENT_TYPE.items():
        Attachment.objects.filter(content_type=content_type).update(kind=family)


def clear_file_kind(apps, schema_editor):
    pass  # the column is dropped by the reverse of AddField


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0004_labels_without_rule_ids"),
    ]

    operations = [
        migrations.RenameField(model_name="renewalattachment", old_name="kind", new_name="material"),
        migrations.AddField(
            model_name="renewalattachment",
            name="kind",
            field=models.CharField(default="", max_length=16, verbose_name="类别"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_file_kind, clear_file_kind),
        migrations.AlterField(
            model_name="renewalattachment",
            name="sha256",
            field=models.CharField(db_index=True, max_length=64, verbose_name="SHA-256"),
        ),
    ]
