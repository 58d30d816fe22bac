"""An occupation's own 申报条件 (EXAM-15 as data): an administrator loads a YAML file or a spreadsheet (one
condition per row), the loader lints it (every problem reported, nothing stored on any), and the active set
is what the pre-checks of that occupation use from then on."""

from __future__ import annotations

from typing import Any

import yaml
from django.db import transaction

from dudao.accounts.permissions import can_manage_reference_data
from dudao.common import audit
from dudao.common.errors import ValidationFailed
from dudao.common.excel import Column, read_rows
from dudao.common.files import clean_name
from dudao.common.writes import lock, require, save_new
from dudao.registry.models import Occupation

from ..domain import eligibility
from ..models import EligibilityRuleSet

MAX_RULES_BYTES = 512 * 1024
SHEET_COLUMNS = [Column(name, name, max_length=500) for name in eligibility.RULE_SHEET_COLUMNS]


def rules_for_occupation(occupation: Occupation | None) -> eligibility.Rules:
    """The occupation's active loaded rules, else its shipped file, else the national template."""
    if occupation is not None:
        loaded = EligibilityRuleSet.objects.filter(occupation=occupation, is_active=True).first()
        if loaded is not None:
            return eligibility.rules_of_text(loaded.source)
    return eligibility.rules_for(occupation.code if occupation is not None else None)


def parse_rules_file(name: str, data: bytes) -> tuple[eligibility.Rules, str]:
    """Lint an uploaded rules file (.yaml/.yml or .xlsx); returns the rules and their YAML text."""
    if len(data) > MAX_RULES_BYTES:
        raise ValidationFailed(
            f"规则文件过大:上限 {MAX_RULES_BYTES // 1024} KB", detail={"file": ["文件过大"]}
        )
    lower = name.lower()
    try:
        if lower.endswith((".yaml", ".yml")):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationFailed(
                    "规则文件应为 UTF-8 编码", detail={"file": ["应为 UTF-8 编码"]}
                ) from None
            rules = eligibility.load_rules(text)
        elif lower.endswith(".xlsx"):
            document = eligibility.rules_from_rows(read_rows(data, SHEET_COLUMNS))
            rules = eligibility.load_rules(document)
            text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        else:
            raise ValidationFailed("规则文件应为 .yaml 或 .xlsx", detail={"file": ["应为 .yaml 或 .xlsx"]})
    except eligibility.EligibilityError as exc:
        raise ValidationFailed(str(exc), code="rules_invalid", detail={"file": list(exc.problems)}) from None
    return rules, text


@transaction.atomic
def eligibility_rules_load(
    *, actor: Any, occupation: Occupation, name: Any, data: bytes
) -> EligibilityRuleSet:
    """Replace the occupation's active rules with a linted file (the previous set is kept, inactive)."""
    require(can_manage_reference_data(actor), "只有系统管理员可以导入申报条件规则")
    name = clean_name(str(name or "rules.yaml"))
    rules, text = parse_rules_file(name, data)
    lock(occupation)  # two loads at once queue here, also when no set is active yet
    previous = list(
        EligibilityRuleSet.objects.select_for_update().filter(occupation=occupation, is_active=True)
    )
    EligibilityRuleSet.objects.filter(pk__in=[p.pk for p in previous]).update(is_active=False)
    ruleset = EligibilityRuleSet(
        occupation=occupation, standard=rules.standard[:255], source=text, original_name=name, loaded_by=actor
    )
    save_new(ruleset)
    audit.record(
        actor=actor,
        action="exams.eligibility_rules.load",
        obj=ruleset,
        after={
            "occupation": occupation.code,
            "standard": ruleset.standard,
            "levels": sorted(rules.levels),
            "replaces": [p.pk for p in previous],
        },
    )
    return ruleset
