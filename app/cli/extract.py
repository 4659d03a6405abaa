"""``wengu extract PATH...``: print the cards the extractor finds in notes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from cards.draft import Draft
from cards.extract import (
    extract_notes,
    find_boilerplate,
    is_binary,
    iter_note_files,
    read_note,
)


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
        found = extract_notes(notes, boilerplate, jobs)
        for (rel, _text), drafts in zip(notes, found, strict=True):
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
