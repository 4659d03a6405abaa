"""Every cache the app keeps between requests, with what makes each one stale.

A cache is kept only where it saves a good part of a request (measured with
the benches in ``bench/``); one that saves microseconds is not worth the
thought it takes to keep it fresh. The module that defines a cache registers
it here with :func:`register`, so that this list is complete by
construction: ``wengu caches`` prints it, :func:`clear_all` empties every
cache that can be emptied (tests, benches), and ARCHITECTURE.md points here.

Derived data that is stored in the database rather than kept in memory (the
``review_day_stats`` rollup) is listed too: it is written in the same
transaction as what it is derived from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Cache", "clear_all", "register", "registered"]


@dataclass(frozen=True)
class Cache:
    """One cache: where it lives, what it holds, what makes an entry stale."""

    name: str
    where: str  # the module attribute or app extension that holds it
    holds: str
    invalidated_by: str
    # Empties it; None for a cache kept per app (a new app starts empty).
    clear: Callable[[], None] | None = None


_REGISTRY: dict[str, Cache] = {}


def register(
    name: str, where: str, *, holds: str, invalidated_by: str,
    clear: Callable[[], None] | None = None,
) -> Cache:
    """Add a cache to the list (called once, where the cache is defined)."""
    cache = Cache(name, where, holds, invalidated_by, clear)
    _REGISTRY[name] = cache
    return cache


def registered() -> list[Cache]:
    """Every registered cache, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def clear_all() -> None:
    """Empty every cache that can be emptied from outside an app."""
    for cache in _REGISTRY.values():
        if cache.clear is not None:
            cache.clear()
