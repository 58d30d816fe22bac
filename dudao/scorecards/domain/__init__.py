"""Score forms as data (FORM-A, FORM-B, REN-4): parse and lint YAML definitions, score answers.

Pure rules, no Django. All arithmetic is ``Decimal`` (10 − 3 × 0.6 is exactly 8.2): YAML numbers are
read as exact decimals, never through binary floats.

A form has sections; a section has items of three kinds:

- ``choice``: the answer is one of ``full`` / ``partial`` / ``none``, each worth fixed points;
- ``deduction``: the item starts at its max and loses ``points × count`` per rule; never below 0
  (扣完为止). One rule → the answer is an integer count; several → a list of counts in rule order;
- ``bonus``: ``true`` / ``false`` → ``points`` or 0. Bonus items live only in ``bonus: true``
  sections, so the ordinary sections still add up to their declared maxima and the bonus is added
  on top of them.

Total = min(cap, Σ items) (bonus included). Bands are half-open ``[min, max)`` except the top band,
which includes the cap (REN-4 [interpretation]: fractional scores, half-open bands).

The package splits by concern: ``model`` (form, result, errors), ``parsing`` (YAML, linter, builder),
``scoring`` and ``shipped``; every name stays importable from ``dudao.scorecards.domain``.
"""

from dudao.scorecards.domain.model import (  # noqa: F401
    _FORM_ID,
    _ITEM_ID,
    _K_BONUS,
    _K_CHOICE,
    _K_DEDUCT_MANY,
    _K_DEDUCT_ONE,
    CENT,
    CHOICE_DEFAULT_LABELS,
    CHOICE_KEYS,
    FORMS_DIR,
    KINDS,
    ZERO,
    AnswersInvalid,
    Band,
    Choice,
    DeductionRule,
    FormInvalid,
    Item,
    LintError,
    ScoreForm,
    ScoreResult,
    Section,
    fmt,
    json_number,
)
from dudao.scorecards.domain.parsing import (  # noqa: F401
    _SPECIAL_FLOATS,
    _BaseLoader,
    _Builder,
    _construct_decimal,
    _Loader,
    _parse,
    _read_source,
    _read_yaml,
    lint,
    load_form,
)
from dudao.scorecards.domain.scoring import (  # noqa: F401
    _MISSING,
    PartialScore,
    _answer_problems,
    _item_points,
    _show,
    answers_from_document,
    check_answer,
    partial_score,
    score,
)
from dudao.scorecards.domain.shipped import (  # noqa: F401
    _shipped,
    shipped_form,
    shipped_forms,
)
