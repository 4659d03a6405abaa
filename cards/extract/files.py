"""Reading notes from disk for the command line and importers: decoding and walking."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["NOTE_SUFFIXES", "is_binary", "iter_note_files", "read_note"]

NOTE_SUFFIXES = (".md", ".markdown")
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")


def is_binary(data: bytes) -> bool:
    """Whether ``data`` looks like a binary file rather than text (NUL-heavy or control bytes)."""
    head = data[:8192]
    if not head:
        return False
    if head.startswith((b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x7fELF", b"GIF8", b"\xff\xd8\xff")):
        return True
    control = sum(1 for b in head if (b < 32 and b not in _TEXT_CONTROLS) or b == 127)
    if control > len(head) // 10:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the edge
            return control > len(head) // 100
    return False


def read_note(data: bytes, path: str) -> tuple[str, list[str]]:
    """Decode a note's bytes: UTF-8 (a BOM is dropped), else with replacement characters
    and a warning naming ``path``."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", errors="replace")
        return text, [f"{path}: not valid UTF-8 (byte {error.start}); undecodable bytes replaced"]


def iter_note_files(root: Path) -> Iterator[Path]:
    """The ``.md``/``.markdown`` files under ``root`` (or ``root`` itself), sorted, no
    hidden folders; symlinked folders are not followed."""
    if root.is_file():
        yield root
        return
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.lower().endswith(NOTE_SUFFIXES) and not name.startswith("."):
                found.append(Path(dirpath) / name)
    yield from sorted(found, key=lambda p: p.relative_to(root).as_posix())
