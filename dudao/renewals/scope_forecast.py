"""REN-5 seen before the outcome (issue 9 §3.2): which occupations a renewal would drop, and the early
refusal when nothing would remain. Pure (no Django): part of the renewals domain, split from domain.py
to keep that module readable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dudao.common.errors import ValidationFailed

from .domain import DropReason, ScopeAction, ScopeChange, ScopeEntry, renewal_scope


@dataclass(frozen=True)
class ScopeForecast:
    """REN-5 seen before the outcome: what the renewal would drop if decided now (issue 9 §3.2).

    `changes` count the batches held so far and those scheduled before the expiry (they may still be
    held); `awaiting` are the entries kept only thanks to a scheduled batch.
    """

    changes: tuple[ScopeChange, ...]
    awaiting: frozenset[tuple[str, str]]

    @property
    def dropped(self) -> list[ScopeChange]:
        """Entries that would not be renewed for lack of evaluation in the period."""
        return [c for c in self.changes if c.reason is DropReason.NO_ACTIVITY]

    @property
    def kept(self) -> list[ScopeChange]:
        return [c for c in self.changes if c.action is not ScopeAction.DROP]

    @property
    def pending(self) -> list[ScopeChange]:
        """Kept entries whose only evaluation is still to be held: dropped if it does not take place."""
        return [c for c in self.kept if c.entry.key in self.awaiting]

    @property
    def empty(self) -> bool:
        """Nothing would be renewed (the outcome would refuse a receipt for an empty scope)."""
        return bool(self.changes) and not self.kept


def forecast_scope(
    original: Sequence[ScopeEntry],
    requested: Sequence[Mapping[str, Any]],
    held: Iterable[tuple[str, str]],
    scheduled: Iterable[tuple[str, str]] = (),
) -> ScopeForecast:
    """REN-5 forecast: `renewal_scope` with the scheduled batches counted as activity to come."""
    held_pairs = set(held)
    both = held_pairs | set(scheduled)
    changes = renewal_scope(original, requested, both)
    without_scheduled = {
        c.entry.key
        for c in renewal_scope(original, requested, held_pairs)
        if c.action is not ScopeAction.DROP
    }
    awaiting = frozenset(c.entry.key for c in changes if c.action is not ScopeAction.DROP) - without_scheduled
    return ScopeForecast(tuple(changes), awaiting)


EMPTY_SCOPE_MESSAGE = (
    "原备案认定范围内的职业(工种)在本备案有效期内均未开展评价,也没有届满前已安排的评价批次;"
    "按规定未开展认定的职业(工种)不列入延续备案范围,本次延续后认定范围为空,不能办理延续备案。"
    "如有漏登记的评价批次,请先补录后再申请。"
)


def check_scope_not_empty(forecast: ScopeForecast, *, field: str = "scope") -> None:
    """REN-5 refused early: an application that would renew nothing is refused at application and at
    acceptance, not after the whole evaluation."""
    if forecast.empty:
        raise ValidationFailed(
            EMPTY_SCOPE_MESSAGE,
            code="empty_renewed_scope",
            detail={field: [EMPTY_SCOPE_MESSAGE]},
        )
