"""Default card number patterns (SUP-3). Only the external-supervisor rule is sourced; the others are
permissive placeholders until an administrator enters the real rule."""

from django.db import migrations

DEFAULTS = [
    ("supervisor_external", r"^R(\d{2})(\d{2})(\d{4})$",
     "SUP-3 证卡编码规则(试行):R + 2 位发证机关代码 + 2 位发证年份 + 4 位流水号(0001–9999),如 R36210001"),
    ("supervisor_internal", r"^[A-Za-z0-9-]{4,32}$",
     "未核实的默认规则(4–32 位字母、数字或连字符);内督证卡编码规则未找到公开来源,请按发证单位规则修改"),
    ("examiner", r"^[A-Za-z0-9-]{4,32}$",
     "未核实的默认规则(4–32 位字母、数字或连字符);考评员证卡编码规则未找到公开来源,请按发证单位规则修改"),
]


def add_defaults(apps, schema_editor):
    CardPattern = apps.get_model("people", "CardPattern")
    for kind, regex, description in DEFAULTS:
        CardPattern.objects.get_or_create(kind=kind, defaults={"regex": regex, "description": description})


def remove_defaults(apps, schema_editor):
    CardPattern = apps.get_model("people", "CardPattern")
    CardPattern.objects.filter(kind__in=[k for k, _, _ in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0003_refine_scope_cards_relations")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
