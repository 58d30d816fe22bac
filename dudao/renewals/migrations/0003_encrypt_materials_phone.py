"""SEC-3: phones of the people listed in stored renewal forms were kept in plain text; encrypt them
(and any ID number still in plain text) like `renewals.services._protect_pii` does for new forms."""

from django.db import migrations

from dudao.common import pii
from dudao.common.domain import mask_middle

PERSONAL_SECTIONS = ("managers", "examiners", "internal_supervisors")
PERSONAL_KEYS = {"id_number": (6, 4), "phone": (3, 4)}


def protect(materials):
    changed = False
    for section in PERSONAL_SECTIONS:
        for row in (materials or {}).get(section, []) or []:
            for key, mask in PERSONAL_KEYS.items():
                if key not in row:
                    continue
                value = row.pop(key) or ""
                row[f"{key}_masked"] = mask_middle(value, *mask) if value else ""
                row[f"{key}_encrypted"] = pii.encrypt(value) if value else ""
                changed = True
    return changed


def forwards(apps, schema_editor):
    Application = apps.get_model("renewals", "RenewalApplication")
    for app in Application.objects.only("pk", "materials").iterator():
        materials = app.materials
        if protect(materials):
            Application.objects.filter(pk=app.pk).update(materials=materials)


class Migration(migrations.Migration):
    dependencies = [("renewals", "0002_renewal_draft")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
