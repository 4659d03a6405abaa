"""``wengu extract PATH...``: print the cards the extractor finds in notes."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import click

from cards.draft import Draft
from cards.extract import extract_note, find_boilerplate, is_binary, iter_note_files, read_note


def _load(root: Path) -> list[tuple[str, str]]:
    """(relative POSIX path, text) of each readable note under ``root``; problems to stderr."""
    notes: list[tuple[str, str]] = []
    for path in iter_note_files(root):
        rel = path.name if root.is_file() else path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
        except OSError as error:
            click.echo(f"{path}: cannot read: {error.strerror or error}", err=True)
            continue
        if is_binary(data):
            click.echo(f"{path}: binary file, skipped", err=True)
            continue
        text, warnings = read_note(data, str(path))
        for warning in warnings:
            click.echo(warning, err=True)
        notes.append((rel, text))
    return notes


def _human(rel: str, draft: Draft) -> str:
    answer = (
        f"lines {draft.answer_lines[0]}-{draft.answer_lines[1]}"
        if draft.answer_lines
        else "needs an answer"
    )
    front = draft.front.replace("\n", " ")
    return f"{rel}:{draft.line}: {draft.kind}: {front}  [{answer}]"


_BOILERPLATE: frozenset[str] = frozenset()


def _extract_one(note: tuple[str, str]) -> list[Draft] | None:
    """The note's cards (None: nested too deeply to parse), with this process's boilerplate."""
    rel, text = note
    try:
        return extract_note(text, rel, boilerplate=_BOILERPLATE)
    except RecursionError:
        return None


def _set_boilerplate(boilerplate: frozenset[str]) -> None:
    global _BOILERPLATE
    _BOILERPLATE = boilerplate


def _extracted(
    notes: list[tuple[str, str]], boilerplate: frozenset[str], jobs: int
) -> Iterator[list[Draft] | None]:
    """Each note's cards, in the notes' order, from ``jobs`` processes."""
    _set_boilerplate(boilerplate)
    if jobs <= 1 or len(notes) < 2:
        yield from map(_extract_one, notes)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(jobs, initializer=_set_boilerplate, initargs=(boilerplate,)) as pool:
        yield from pool.imap(_extract_one, notes, chunksize=max(1, len(notes) // (jobs * 16)))


@click.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--jsonl", is_flag=True, help="One JSON object a line instead of text.")
@click.option("--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes (0: one per core). The output is the same.")
def extract(paths: tuple[Path, ...], jsonl: bool, jobs: int) -> None:
    """Print the cards found in the notes under PATHS (.md and .markdown files)."""
    total = 0
    jobs = jobs or os.cpu_count() or 1
    for root in paths:
        notes = _load(root)
        boilerplate = find_boilerplate(text for _, text in notes)
        for (rel, _text), drafts in zip(notes, _extracted(notes, boilerplate, jobs), strict=True):
            if drafts is None:
                click.echo(f"{root / rel}: too deeply nested, skipped", err=True)
                continue
            for draft in drafts:
                total += 1
                if jsonl:
                    click.echo(json.dumps(draft.to_json(rel), ensure_ascii=False, sort_keys=True))
                else:
                    click.echo(_human(rel, draft))
    if not jsonl:
        click.echo(f"{total} cards", err=True)
