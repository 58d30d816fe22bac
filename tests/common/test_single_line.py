"""One-line fields refuse line breaks and tabs; long text keeps them (issue 8 §1: control characters other
than tab/newline in long text are refused — the request-level check lets \\t \\n \\r through everywhere)."""

from __future__ import annotations

import pytest

from dudao.accounts.models import Role
from dudao.common.domain import SINGLE_LINE_MESSAGE, breaks_single_line
from dudao.common.errors import ValidationFailed
from dudao.people import services
from dudao.people.models import Person
from tests.people.helpers import resident_id


@pytest.mark.parametrize("value", ["张\n三", "张\r三", "张\t三", "\n"])
def test_breaks_and_tabs_break_a_single_line(value):
    assert breaks_single_line(value)


@pytest.mark.parametrize("value", ["张三", "张 三", "", None, 3])
def test_ordinary_values_are_one_line(value):
    assert not breaks_single_line(value)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["张\n三", "张\t三"])
def test_a_person_name_with_a_line_break_is_refused_and_nothing_is_written(users, name):
    before = Person.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.person_create(actor=users[Role.AUTHORITY_ADMIN], name=name, id_number=resident_id(71))
    assert SINGLE_LINE_MESSAGE in exc.value.detail["name"]
    assert Person.objects.count() == before


def _field_errors(instance, *names: str) -> dict:
    """Errors of `clean_fields` for the named fields only (the others are left out of the check)."""
    from django.core.exceptions import ValidationError

    others = [f.name for f in instance._meta.fields if f.name not in names]
    try:
        instance.clean_fields(exclude=others)
    except ValidationError as exc:
        return exc.message_dict
    return {}


def test_long_text_keeps_its_line_breaks_and_one_line_choices_do_not():
    from dudao.supervision.models import Finding

    finding = Finding(description="第一行\n第二行\t缩进", severity="x\ny")
    errors = _field_errors(finding, "description", "severity")
    assert "description" not in errors
    assert SINGLE_LINE_MESSAGE in errors["severity"]
