"""The score forms shipped with the app (``forms/*.yaml``), parsed once (pure)."""

from __future__ import annotations

import functools

from dudao.common.errors import NotFound
from dudao.scorecards.domain.model import (
    FORMS_DIR,
    ScoreForm,
)
from dudao.scorecards.domain.parsing import (
    load_form,
)

# --------------------------------------------------------------------------- shipped forms


@functools.cache
def _shipped() -> dict[str, ScoreForm]:
    forms: dict[str, ScoreForm] = {}
    for path in sorted(FORMS_DIR.glob("*.yaml")):
        form = load_form(path)
        current = forms.get(form.id)
        if current is not None and current.version == form.version:
            raise ValueError(f"{path.name}: {form.id} version {form.version} shipped twice")
        if current is None or form.version > current.version:
            forms[form.id] = form
    return dict(sorted(forms.items()))


def shipped_forms() -> dict[str, ScoreForm]:
    """The forms shipped in ``dudao/scorecards/forms/``: the latest version of each form id."""
    return dict(_shipped())


def shipped_form(form_id: str) -> ScoreForm:
    """The latest shipped version of ``form_id``; ``NotFound`` when no such form is shipped."""
    form = _shipped().get(form_id)
    if form is None:
        known = "、".join(_shipped()) or "无"
        raise NotFound(f"评估表 {form_id} 不存在(可用:{known})")
    return form
