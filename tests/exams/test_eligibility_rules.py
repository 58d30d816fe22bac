"""EXAM-15 as data in the product: an administrator loads an occupation's own rules (YAML or Excel), the
loader lints them (nothing stored on any problem), the pre-check of that occupation uses them."""

from __future__ import annotations

import io
import json

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from dudao.accounts.models import Role
from dudao.common.errors import PermissionDenied, ValidationFailed
from dudao.exams import services
from dudao.exams.models import EligibilityRuleSet
from tests import factories as f
from tests.conftest import client_for
from tests.factories import exams as fx

pytestmark = pytest.mark.django_db

# a stricter occupation: level 4 needs eight years (not six)
RULES = """
standard: 焊工国家职业技能标准(2019 年版)
levels:
  4:
    - route: 4a
      all: [{work_years: 8}]
  2:
    - route: 2a
      all: [{certificate: {level: 3, years_after: 4}}]
"""


def xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("规则")
    for r, row in enumerate([["标准", "等级", "路径", "条件"], *rows]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


@pytest.fixture
def sysadmin():
    return f.UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)


def test_loaded_rules_change_the_precheck_of_that_occupation(plan, sysadmin):
    occupation = plan.batch.occupation
    assert fx.register(plan, 1, work_years="6").precheck_route == "4b"  # the template: six years
    services.eligibility_rules_load(
        actor=sysadmin, occupation=occupation, name="焊工.yaml", data=RULES.encode()
    )
    assert fx.register(plan, 2, work_years="7.9").precheck["eligible"] is False
    assert fx.register(plan, 3, work_years="8").precheck_route == "4a"


def test_a_second_load_replaces_the_first_and_keeps_it(plan, sysadmin):
    occupation = plan.batch.occupation
    services.eligibility_rules_load(actor=sysadmin, occupation=occupation, name="a.yaml", data=RULES.encode())
    services.eligibility_rules_load(
        actor=sysadmin,
        occupation=occupation,
        name="b.yaml",
        data=RULES.replace("work_years: 8", "work_years: 9").encode(),
    )
    assert list(EligibilityRuleSet.objects.order_by("pk").values_list("original_name", "is_active")) == [
        ("a.yaml", False),
        ("b.yaml", True),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("levels: {4: [{route: 4a, all: [{work_years: 8}]}]}", "缺少 standard"),
        ("standard: x\nlevels: {4: [{route: 4a, all: [{work_yrs: 8}]}]}", "work_yrs"),
        ("standard: x\nlevels: {6: [{route: 6a, all: [{work_years: 8}]}]}", "等级"),
        ("standard: [unclosed", "YAML"),
    ],
)
def test_the_loader_lints_and_stores_nothing(plan, sysadmin, text, problem):
    with pytest.raises(ValidationFailed) as exc:
        services.eligibility_rules_load(
            actor=sysadmin, occupation=plan.batch.occupation, name="r.yaml", data=text.encode()
        )
    assert any(problem in p for p in exc.value.detail["file"]), exc.value.detail
    assert not EligibilityRuleSet.objects.exists()


def test_excel_rules_one_condition_per_row(plan, sysadmin):
    data = xlsx(
        [
            ["焊工标准(Excel)", 4, "4a", "work_years: 8"],
            ["", 4, "4b", "certificate: {level: 5, years_after: 4}"],
            ["", 4, "4b", "apprenticeship_completed: true"],
        ]
    )
    ruleset = services.eligibility_rules_load(
        actor=sysadmin, occupation=plan.batch.occupation, name="r.xlsx", data=data
    )
    rules = services.rules_for_occupation(plan.batch.occupation)
    assert ruleset.standard == "焊工标准(Excel)" and [r.route for r in rules.levels[4]] == ["4a", "4b"]
    assert len(rules.levels[4][1].conditions) == 2
    bad = xlsx([["x", 4, "4a", "work_years: -1"], ["", 9, "", ""]])
    with pytest.raises(ValidationFailed) as exc:
        services.eligibility_rules_load(
            actor=sysadmin, occupation=plan.batch.occupation, name="r.xlsx", data=bad
        )
    text = ";".join(exc.value.detail["file"])
    assert "第 2 行" in text and "第 3 行" in text


def test_only_system_administrators_load(plan, users):
    for role in (Role.AUTHORITY_ADMIN, Role.INSTITUTION_ADMIN):
        with pytest.raises(PermissionDenied):
            services.eligibility_rules_load(
                actor=users[role], occupation=plan.batch.occupation, name="r.yaml", data=RULES.encode()
            )


def test_cli_load_and_check_use_the_loaded_rules(plan, sysadmin, tmp_path, capsys):
    path = tmp_path / "焊工.yaml"
    path.write_text(RULES, encoding="utf-8")
    call_command(
        "eligibility", "load", str(path), "--occupation", plan.batch.occupation.code, "--as", "sysadmin"
    )
    facts = tmp_path / "facts.json"
    facts.write_text(
        json.dumps(
            {
                "level": 4,
                "work_years": 6,
                "apprenticeship_completed": False,
                "education": {"kind": "none", "related": False},
                "certificates": [],
            }
        )
    )
    capsys.readouterr()
    call_command(
        "eligibility", "check", "--facts", str(facts), "--occupation", plan.batch.occupation.code, "--json"
    )
    assert json.loads(capsys.readouterr().out)["eligible"] is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("standard: x", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        call_command(
            "eligibility", "load", str(bad), "--occupation", plan.batch.occupation.code, "--as", "sysadmin"
        )
    assert exc.value.code == 2 and "levels" in capsys.readouterr().err


def test_rules_page(plan, sysadmin, users):
    url = reverse("exams:eligibility_rules")
    assert client_for(users[Role.INSTITUTION_ADMIN]).get(url).status_code == 403
    assert "rules-upload" not in client_for(users[Role.AUTHORITY_STAFF]).get(url).content.decode()
    admin = client_for(sysadmin)
    answer = admin.post(
        url, {"occupation": plan.batch.occupation.code, "file": SimpleUploadedFile("r.yaml", b"standard: x")}
    )
    assert answer.status_code == 200 and 'id="rules-problems"' in answer.content.decode()
    admin.post(
        url, {"occupation": plan.batch.occupation.code, "file": SimpleUploadedFile("r.yaml", RULES.encode())}
    )
    assert EligibilityRuleSet.objects.get().is_active
