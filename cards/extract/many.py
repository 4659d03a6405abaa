"""Many notes at once, on several cores if asked, with the same output as on one.

Worker processes are forked where the platform can (they inherit the notes
and the import's boilerplate, so nothing big is pickled on the way in) and
each extracts a run of consecutive notes of about the same size; the runs
come back in order. Elsewhere the workers are given the notes when they
start. A note nested too deeply to parse gives None instead of its cards.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence

from cards.draft import Draft
from cards.extract.note import extract_note

__all__ = ["extract_notes"]

# What the workers extract from (set before a pool starts; forked workers inherit it).
_NOTES: Sequence[tuple[str, str]] = ()
_BOILERPLATE: frozenset[str] = frozenset()


def _set(notes: Sequence[tuple[str, str]], boilerplate: frozenset[str]) -> None:
    global _NOTES, _BOILERPLATE
    _NOTES, _BOILERPLATE = notes, boilerplate


def _one(rel: str, text: str) -> list[Draft] | None:
    try:
        return extract_note(text, rel, boilerplate=_BOILERPLATE)
    except RecursionError:
        return None


def _run(bounds: tuple[int, int]) -> list[list[Draft] | None]:
    lo, hi = bounds
    return [_one(rel, text) for rel, text in _NOTES[lo:hi]]


def _ranges(notes: Sequence[tuple[str, str]], pieces: int) -> list[tuple[int, int]]:
    """``pieces`` consecutive index ranges of about the same amount of text."""
    total = sum(len(text) for _, text in notes) or 1
    bounds: list[tuple[int, int]] = []
    lo = done = 0
    for i, (_, text) in enumerate(notes):
        done += len(text)
        if done * pieces >= total * (len(bounds) + 1):
            bounds.append((lo, i + 1))
            lo = i + 1
    if lo < len(notes):
        bounds.append((lo, len(notes)))
    return bounds


def extract_notes(
    notes: Sequence[tuple[str, str]], boilerplate: frozenset[str] = frozenset(), jobs: int = 1
) -> Iterator[list[Draft] | None]:
    """Each note's cards (``notes``: (relative path, text) pairs), in the notes' order,
    from ``jobs`` processes; None for a note nested too deeply to parse."""
    _set(notes, boilerplate)
    if jobs <= 1 or len(notes) < 2:
        for rel, text in notes:
            yield _one(rel, text)
        return
    ranges = _ranges(notes, jobs * 4)
    if "fork" in multiprocessing.get_all_start_methods():
        pool = multiprocessing.get_context("fork").Pool(jobs)
    else:  # spawned workers inherit nothing: hand them the notes
        pool = multiprocessing.Pool(jobs, initializer=_set, initargs=(notes, boilerplate))
    with pool:
        for run in pool.imap(_run, ranges):
            yield from run
