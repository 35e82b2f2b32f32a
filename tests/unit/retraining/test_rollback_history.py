"""Rollback reads the champion history as a stack (promotions push, moves back pop)."""

from __future__ import annotations

from forgeml.registry import AliasMove
from forgeml.retraining._promotion import _stack


def _moves(*versions: int | None) -> list[AliasMove]:
    out, prev = [], None
    for v in versions:
        out.append(AliasMove("m", "champion", v, prev, "t", "a"))
        prev = v
    return out


def test_promotions_push_and_rollbacks_pop() -> None:
    assert _stack(_moves(1, 2, 3), {1, 2, 3}) == [1, 2, 3]
    assert _stack(_moves(1, 2, 3, 2), {1, 2, 3}) == [1, 2]
    assert _stack(_moves(1, 2, 3, 2, 1), {1, 2, 3}) == [1]


def test_a_move_to_an_older_version_is_a_new_champion() -> None:
    assert _stack(_moves(1, 2, 3, 1), {1, 2, 3}) == [1, 2, 3, 1]


def test_deleted_versions_and_removed_alias() -> None:
    assert _stack(_moves(1, 2, 3), {1, 3}) == [1, 3]
    assert _stack(_moves(1, 2, None, 4), {1, 2, 4}) == [4]
