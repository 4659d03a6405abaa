"""Rulers whose chains are each one dispatching function.

markdown-it-py calls every enabled rule of a chain in turn until one
matches; :mod:`cards.extract.blocks` and :mod:`cards.extract.inline_rules`
replace each compiled chain by a single function that calls only the rules
that can match where the parser stands, in the same order. This is the
part they share: turning a compiled chain into its dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown_it.ruler import Ruler

__all__ = ["dispatch_chains"]


def dispatch_chains(ruler: Ruler[Any], make: Callable[[list[tuple[str, Any]]], Any]) -> None:
    """Replace each chain ``ruler`` has just compiled by ``[make(rules)]``, where ``rules``
    are the chain's enabled ``(name, function)`` pairs in order (an empty chain stays
    empty)."""
    assert ruler.__cache__ is not None
    for chain in list(ruler.__cache__):
        named = [
            (rule.name, rule.fn)
            for rule in ruler.__rules__
            if rule.enabled and (not chain or chain in rule.alt)
        ]
        ruler.__cache__[chain] = [make(named)] if named else []
