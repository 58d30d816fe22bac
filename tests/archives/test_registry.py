"""The kind registry: every kind of domain.KINDS has an exporter and every exporter a kind (a new kind is
added in both places, docs/archives.md)."""

from __future__ import annotations

import pytest

from dudao.archives import domain
from dudao.archives.exporters import EXPORTERS, exporter


def test_registry_matches_kinds():
    assert list(EXPORTERS) == list(domain.KINDS)


def test_an_exporter_without_a_kind_row_is_refused():
    with pytest.raises(ValueError, match="no row"):
        exporter("score_books_unknown")(lambda plan: {})
    assert "score_books_unknown" not in EXPORTERS
