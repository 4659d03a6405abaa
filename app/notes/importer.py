"""Importing notes into decks, again and again, without losing anything.

:func:`import_notes` takes a batch of note files (from a folder on disk, see
:func:`read_paths`, or an upload, see :mod:`app.notes.uploads`) and brings the
user's collection in line with them, one file per transaction:

- a file whose content hash is unchanged since the last import is skipped
  unparsed (re-importing an unchanged folder writes nothing);
- otherwise its drafts (:mod:`cards.extract`) are matched to the stored cards
  (:mod:`cards.identity`): a known card keeps its row and its scheduling, its
  text is updated in place; a card the user edited by hand keeps the user's
  text and the import reports a conflict; a card no longer in the note is
  retired (hidden from review, history kept, restorable); a key the user
  threw away (a tombstone) never comes back;
- a file that vanished from a folder imported whole has its cards retired; a
  file that reappears elsewhere with the same content (moved) keeps its cards.

A failing file is rolled back and reported with its reason, and the rest goes
on; a killed import leaves every finished file committed and the next import
completes the rest.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Card, Deck, Media, NoteSource, Tag, Tombstone
from app.notes.media import MAX_IMAGE_BYTES, image_refs, image_type, media_name, resolve_image
from cards.draft import normalize
from cards.extract import extract_note, find_boilerplate, is_binary, read_note
from cards.identity import CardSpec, Stored, card_specs, match_cards

__all__ = [
    "CardExample",
    "ImportReport",
    "NoteError",
    "NoteFile",
    "NoteTooLargeError",
    "deck_for_path",
    "failure_reason",
    "import_notes",
    "read_paths",
]

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
EXAMPLES = 5  # how many cards of each outcome a report lists
DEFAULT_DECK = "Default"
_KEY_CHUNK = 500  # keys per IN (...) query

logger = logging.getLogger(__name__)

AssetLoader = Callable[[str], bytes | None]
Progress = Callable[[int, int, str], None]


class NoteError(ValueError):
    """A note refused for a reason the report gives the user as it is."""


class NotANoteError(NoteError):
    """A file named like a note that holds no text."""


class NoteTooLargeError(NoteError):
    """A note larger than the import's limit per note."""


def failure_reason(path: str, error: Exception) -> str:
    """What the report says of a file that failed: a :class:`NoteError`'s own words;
    anything else (a database error, a bug) a plain sentence, its details logged."""
    if isinstance(error, NoteError):
        return str(error)
    logger.error("importing %s failed", path, exc_info=error)
    if isinstance(error, SQLAlchemyError):
        return "the database refused this note (the server's log has the details)"
    return "an unexpected error (the server's log has the details)"


class NoteFile:
    """A note to import: its path within the import (``notes/kernel/mm.md``) and its bytes.

    Either the bytes themselves (``NoteFile(path, data)``) or their size and a
    function that reads them (``NoteFile(path, size=n, read=f)``): an import of
    a large folder or zip then holds one note in memory at a time, read when
    it is hashed and again when it is imported.
    """

    __slots__ = ("_data", "_read", "path", "size")

    def __init__(self, path: str, data: bytes | None = None, *, size: int | None = None,
                 read: Callable[[], bytes] | None = None) -> None:
        if (data is None) == (read is None):
            raise TypeError("a NoteFile takes either data or read")
        self.path = path
        self._data, self._read = data, read
        self.size = len(data) if data is not None else int(size or 0)

    def read(self) -> bytes:
        """The note's bytes."""
        if self._data is not None:
            return self._data
        assert self._read is not None
        return self._read()

    @property
    def data(self) -> bytes:
        """The note's bytes (read again on each use when given as a reader)."""
        return self.read()

    def renamed(self, path: str) -> NoteFile:
        """The same note under another path."""
        if path == self.path:
            return self
        if self._data is not None:
            return NoteFile(path, self._data)
        return NoteFile(path, size=self.size, read=self._read)

    def __repr__(self) -> str:
        return f"NoteFile({self.path!r}, size={self.size})"


@dataclass(frozen=True, slots=True)
class CardExample:
    """A card named in a report: its note, line and prompt."""

    path: str
    line: int | None
    front: str


OUTCOMES = ("new", "updated", "unchanged", "retired", "restored", "conflicts", "tombstoned")


@dataclass
class ImportReport:
    """What an import did: files read, skipped and failed; cards per outcome, a few named."""

    files_read: int = 0
    files_skipped: int = 0
    files_moved: int = 0
    files_missing: list[str] = field(default_factory=list)
    files_failed: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # not markdown (uploads)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    examples: dict[str, list[CardExample]] = field(
        default_factory=lambda: {outcome: [] for outcome in OUTCOMES}
    )

    def add(self, outcome: str, path: str, line: int | None, front: str) -> None:
        """Count a card under ``outcome``, naming it if few are named yet."""
        self.counts[outcome] += 1
        if len(self.examples[outcome]) < EXAMPLES:
            self.examples[outcome].append(CardExample(path, line, _short(front)))

    def merge(self, other: ImportReport) -> None:
        """Add ``other``'s figures to this report (one file's part of a batch)."""
        self.files_read += other.files_read
        self.files_skipped += other.files_skipped
        self.files_moved += other.files_moved
        self.files_missing += other.files_missing
        self.files_failed += other.files_failed
        self.warnings += other.warnings
        for outcome in OUTCOMES:
            self.counts[outcome] += other.counts[outcome]
            room = EXAMPLES - len(self.examples[outcome])
            self.examples[outcome] += other.examples[outcome][: max(room, 0)]

    @property
    def files_total(self) -> int:
        """Every note file the batch held."""
        return self.files_read + self.files_skipped + len(self.files_failed)

    @property
    def items_total(self) -> int:
        """The import job's items: note files."""
        return self.files_total

    def job_record(self) -> dict[str, Any]:
        """What the import job keeps: :meth:`to_dict`."""
        return self.to_dict()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (stored on the import job)."""
        return {
            "files_read": self.files_read,
            "files_skipped": self.files_skipped,
            "files_moved": self.files_moved,
            "files_missing": list(self.files_missing),
            "files_failed": [list(item) for item in self.files_failed],
            "ignored": list(self.ignored),
            "warnings": [list(item) for item in self.warnings[:100]],
            "counts": dict(self.counts),
            "examples": {
                outcome: [[e.path, e.line, e.front] for e in examples]
                for outcome, examples in self.examples.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        """The report back from :meth:`to_dict`'s output."""
        report = cls(
            files_read=int(data.get("files_read", 0)),
            files_skipped=int(data.get("files_skipped", 0)),
            files_moved=int(data.get("files_moved", 0)),
            files_missing=list(data.get("files_missing", [])),
            files_failed=[(str(p), str(r)) for p, r in data.get("files_failed", [])],
            ignored=list(data.get("ignored", [])),
            warnings=[(str(p), str(w)) for p, w in data.get("warnings", [])],
        )
        report.counts.update(data.get("counts", {}))
        for outcome, examples in data.get("examples", {}).items():
            report.examples[outcome] = [CardExample(p, line, f) for p, line, f in examples]
        return report


def _size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def _short(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def deck_for_path(path: str) -> str:
    """A note's deck: its folders, nested (``notes/kernel/mm/x.md`` → ``notes::kernel::mm``)."""
    folder = posixpath.dirname(path)
    return "::".join(folder.split("/")) if folder else DEFAULT_DECK


def content_hash(data: bytes) -> str:
    """The hash that decides whether a note changed since its last import."""
    return hashlib.sha256(data).hexdigest()


# --- reading folders -----------------------------------------------------------------------


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name in ("node_modules", "__pycache__")


def _disk_note(name: str, path: Path) -> NoteFile:
    return NoteFile(name, size=path.stat().st_size, read=path.read_bytes)


def read_paths(paths: Iterable[Path]) -> tuple[list[NoteFile], list[str], AssetLoader]:
    """The notes under ``paths`` (folders and files), the folders' names, and an image loader.

    A folder's notes are named from the folder itself (``notes/kernel/mm.md``
    for ``wengu import ~/notes``), so importing the same folder from anywhere
    gives the same keys; a single file is named from its parent folder.
    Hidden folders (``.git``, ``.obsidian``) are left out.
    """
    files: list[NoteFile] = []
    roots: list[str] = []
    bases: dict[str, Path] = {}
    for given in paths:
        path = given.resolve()
        if path.is_dir():
            root = path.name or "notes"
            roots.append(root)
            bases[root] = path
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
                rel = Path(folder).relative_to(path).as_posix()
                for name in sorted(names):
                    if name.lower().endswith(MARKDOWN_SUFFIXES) and not _is_hidden(name):
                        inner = name if rel == "." else f"{rel}/{name}"
                        files.append(_disk_note(f"{root}/{inner}", Path(folder) / name))
        else:
            parent = path.parent.name or "notes"
            bases.setdefault(parent, path.parent)
            files.append(_disk_note(f"{parent}/{path.name}", path))

    def load(asset: str) -> bytes | None:
        root, _, rest = asset.partition("/")
        base = bases.get(root)
        if base is None or not rest:
            return None
        target = (base / rest).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            return None
        if target.stat().st_size > MAX_IMAGE_BYTES:
            return None
        return target.read_bytes()

    return files, roots, load


# --- the batch -----------------------------------------------------------------------------


@dataclass(slots=True)
class _SourceRow:
    id: int
    path: str
    content_hash: str
    missing_since: datetime | None
    deck_id: int | None


class _Batch:
    """Caches shared by the files of one import (reset when a file rolls back)."""

    def __init__(self, session: Session, user_id: int, now: datetime) -> None:
        self.session = session
        self.user_id = user_id
        self.now = now
        self.decks: dict[str, int] = {}
        self.tags: dict[str, Tag] = {}
        self.tombstones: set[str] | None = None
        self.vanished_prompts: dict[int, set[str]] | None = None
        self.reload()

    def reload(self) -> None:
        rows = self.session.execute(
            select(Deck.name, Deck.id).where(Deck.user_id == self.user_id)
        ).all()
        self.decks = {name: deck_id for name, deck_id in rows}
        self.tags = {}

    def deck_id(self, name: str) -> int:
        """The id of the user's deck ``name``, created (with its parents) if missing."""
        known = self.decks.get(name)
        if known is not None:
            return known
        parts = name.split("::")
        parent_id: int | None = None
        for depth in range(1, len(parts) + 1):
            path = "::".join(parts[:depth])
            deck_id = self.decks.get(path)
            if deck_id is None:
                deck = Deck(user_id=self.user_id, name=path, parent_id=parent_id,
                            created_at=self.now)
                self.session.add(deck)
                self.session.flush()
                deck_id = self.decks[path] = deck.id
            parent_id = deck_id
        assert parent_id is not None
        return parent_id

    def is_tombstoned(self, key: str) -> bool:
        if self.tombstones is None:
            self.tombstones = set(
                self.session.scalars(select(Tombstone.key).where(Tombstone.user_id == self.user_id))
            )
        return key in self.tombstones

    def tombstone(self, key: str, front: str) -> None:
        """Make sure ``key`` is tombstoned."""
        if not self.is_tombstoned(key):
            self.session.add(Tombstone(user_id=self.user_id, key=key, front=front,
                                       created_at=self.now))
            assert self.tombstones is not None
            self.tombstones.add(key)

    def tag(self, name: str) -> Tag:
        tag = self.tags.get(name)
        if tag is None:
            tag = self.session.scalar(
                select(Tag).where(Tag.user_id == self.user_id, Tag.name == name)
            )
            if tag is None:
                tag = Tag(user_id=self.user_id, name=name)
                self.session.add(tag)
            self.tags[name] = tag
        return tag


def import_notes(
    session: Session,
    user_id: int,
    files: Sequence[NoteFile],
    *,
    roots: Collection[str] = (),
    deck: str | None = None,
    load_asset: AssetLoader | None = None,
    progress: Progress | None = None,
    reparse: bool = False,
    max_note_bytes: int | None = None,
    now: Callable[[], datetime] = utcnow,
) -> ImportReport:
    """Import ``files`` for ``user_id``, committing after each file.

    ``roots``: folders imported whole; their notes that are no longer in
    ``files`` are *missing* and their cards retired. ``deck``: put every card
    in this deck instead of one deck per folder. ``progress(done, total,
    path)`` is called after each file. ``reparse``: read unchanged files too
    (after the extractor improved). ``max_note_bytes``: a larger note is not
    read; the report lists it as failed, saying why (its cards stay as they were).
    One note's bytes are in memory at a time.
    """
    report = ImportReport()
    unique: dict[str, NoteFile] = {}
    for file in files:
        unique.setdefault(file.path, file)  # the same folder given twice: once is enough
    files = list(unique.values())
    batch = _Batch(session, user_id, now())
    sources = {
        row.path: row
        for row in (
            _SourceRow(*values)
            for values in session.execute(
                select(NoteSource.id, NoteSource.path, NoteSource.content_hash,
                       NoteSource.missing_since, NoteSource.deck_id)
                .where(NoteSource.user_id == user_id)
            )
        )
    }
    session.rollback()  # end the read transaction: each file gets its own

    def too_large(file: NoteFile) -> bool:
        return max_note_bytes is not None and file.size > max_note_bytes

    hashes = ["" if too_large(file) else content_hash(file.read()) for file in files]
    # A folder imported before under another name (``notes`` → ``Notes``, ``mynotes
    # (1).zip``) is imported under the name it had: the same paths, keys and decks.
    renamed = _renamed_roots(roots, [file.path for file in files], hashes, sources.values())
    if renamed:
        files = [file.renamed(_rename(file.path, renamed)) for file in files]
        roots = [renamed.get(root, root) for root in roots]
        for new, old in sorted(renamed.items()):
            report.warnings.append((new, f"taken as {old}/, as it was imported before"))
        if load_asset is not None:
            load_asset = _renamed_loader(load_asset, {old: new for new, old in renamed.items()})
    in_batch = {file.path for file in files}
    prefixes = tuple(f"{root}/" for root in roots)
    gone = {
        path: row for path, row in sources.items()
        if path not in in_batch and prefixes and path.startswith(prefixes)
    }
    # Where a moved file may come from: a note gone from this batch's folders, or one
    # that went missing from an earlier import.
    moved_from: dict[str, list[_SourceRow]] = {}
    claimed: set[int] = set()
    for row in sources.values():
        if row.path in gone or (row.missing_since is not None and row.path not in in_batch):
            moved_from.setdefault(row.content_hash, []).append(row)

    # Where each note's cards go: the deck asked for; else the deck a note already
    # imported lives in (renaming or moving a deck in wengu sticks); else its folder's.
    deck_ids = set(batch.decks.values())
    targets: list[str | int] = []
    for file in files:
        known = sources.get(file.path)
        if deck is None and known is not None and known.deck_id in deck_ids:
            targets.append(known.deck_id)
        else:
            targets.append(deck or deck_for_path(file.path))

    def unchanged(i: int) -> bool:
        row = sources.get(files[i].path)
        target = targets[i]
        return (
            not reparse
            and row is not None
            and row.content_hash == hashes[i]
            and row.missing_since is None
            and row.deck_id is not None
            and row.deck_id == (target if isinstance(target, int) else batch.decks.get(target))
        )

    todo = [i for i in range(len(files)) if not unchanged(i)]
    report.files_skipped = len(files) - len(todo)
    boilerplate: frozenset[str] = frozenset()
    if todo:
        boilerplate = find_boilerplate(
            read_note(file.read(), file.path)[0] for file in files if not too_large(file)
        )
    done = report.files_skipped
    for i in todo:
        file = files[i]
        part = ImportReport()
        moved = None
        try:
            if too_large(file):
                assert max_note_bytes is not None
                raise NoteTooLargeError(
                    f"larger than {_size(max_note_bytes)}, the most a note may be; not imported"
                )
            if file.path not in sources:
                moved = _claim_moved(moved_from.get(hashes[i], []), claimed, file.path)

            def by_cards(specs: Sequence[CardSpec]) -> _SourceRow | None:
                nonlocal moved
                moved = _claim_by_cards(batch, specs, moved_from, claimed)
                return moved

            _import_file(batch, file.path, file.read(), hashes[i], targets[i],
                         sources.get(file.path) or moved, boilerplate, load_asset, part,
                         by_cards)
            session.commit()
        except Exception as error:  # one file's failure must not stop the batch; it is reported
            session.rollback()
            if moved is not None:
                claimed.discard(moved.id)
            batch.reload()
            batch.now = now()
            part = ImportReport(files_failed=[(file.path, failure_reason(file.path, error))])
        report.merge(part)
        done += 1
        if progress is not None:
            progress(done, len(files), file.path)

    for path, row in sorted(gone.items()):
        if row.id in claimed or row.missing_since is not None:
            continue  # moved, or retired by an earlier import (in the same transaction)
        try:
            _retire_source(batch, row, report)
            session.commit()
        except Exception as error:  # reported like a failing file; the next import retries
            session.rollback()
            report.files_failed.append((path, failure_reason(path, error)))
    return report


def _retire_source(batch: _Batch, row: _SourceRow, report: ImportReport) -> None:
    """A note gone from its folder: its live cards retired, the note marked missing."""
    session = batch.session
    source = session.get(NoteSource, row.id)
    if source is None:
        return
    cards = session.scalars(
        select(Card).where(
            Card.source_id == source.id, Card.retired_at.is_(None), Card.deleted_at.is_(None)
        )
    ).all()
    for card in cards:
        card.retired_at = batch.now
        report.add("retired", source.path, card.line, card.front)
    if source.missing_since is None:
        source.missing_since = batch.now
        report.files_missing.append(source.path)


MOVED_CARDS_SHARE = 0.5  # of a note's prompts found in a vanished note: the same note


def _claim_by_cards(batch: _Batch, specs: Sequence[CardSpec],
                    moved_from: dict[str, list[_SourceRow]],
                    claimed: set[int]) -> _SourceRow | None:
    """The vanished note a new one moved from with edits: the unclaimed one sharing the
    most prompts with it, at least :data:`MOVED_CARDS_SHARE` of either's."""
    prompts = {normalize(spec.front) for spec in specs if spec.role != "r"}
    rows = {row.id: row for group in moved_from.values() for row in group
            if row.id not in claimed}
    if not prompts or not rows:
        return None
    if batch.vanished_prompts is None:
        batch.vanished_prompts = {}
        ids = list(rows)
        for start in range(0, len(ids), _KEY_CHUNK):
            for source_id, kind, ord_, front in batch.session.execute(
                select(Card.source_id, Card.kind, Card.ord, Card.front)
                .where(Card.source_id.in_(ids[start : start + _KEY_CHUNK]))
            ):
                if source_id is not None and not (kind == "reversed" and ord_ == 1):
                    batch.vanished_prompts.setdefault(source_id, set()).add(normalize(front))
    best: tuple[float, int] | None = None
    for source_id, theirs in batch.vanished_prompts.items():
        if source_id not in rows:
            continue
        shared = len(prompts & theirs)
        share = shared / max(len(prompts), len(theirs))
        if shared and share >= MOVED_CARDS_SHARE and (best is None or share > best[0]):
            best = (share, source_id)
    if best is None:
        return None
    claimed.add(best[1])
    return rows[best[1]]


def _renamed_roots(roots: Collection[str], paths: Sequence[str], hashes: Sequence[str],
                  sources: Iterable[_SourceRow]) -> dict[str, str]:
    """Folders imported whole under a new name → the name they were imported under.

    A root no stored note lives under is the folder of an earlier import renamed
    (``notes`` → ``Notes``, ``mynotes`` → ``mynotes (1)``) when at least half of
    its notes are found under that earlier folder: by their path within it, or
    by their content.
    """
    by_root: dict[str, list[_SourceRow]] = {}
    for row in sources:
        if "/" in row.path:
            by_root.setdefault(row.path.split("/", 1)[0], []).append(row)
    renamed: dict[str, str] = {}
    for root in roots:
        if root in by_root:
            continue
        prefix = f"{root}/"
        mine = [(path[len(prefix):], digest) for path, digest in zip(paths, hashes, strict=True)
                if path.startswith(prefix)]
        best: tuple[int, str] | None = None
        for old, rows in sorted(by_root.items()):
            if old in roots or old in renamed.values():
                continue
            old_prefix = len(old) + 1
            rels = {row.path[old_prefix:] for row in rows}
            digests = {row.content_hash for row in rows}
            score = sum(1 for rel, digest in mine if rel in rels or digest in digests)
            if score and 2 * score >= len(mine) and (best is None or score > best[0]):
                best = (score, old)
        if best is not None:
            renamed[root] = best[1]
    return renamed


def _rename(path: str, renamed: dict[str, str]) -> str:
    root, slash, rest = path.partition("/")
    return f"{renamed[root]}/{rest}" if slash and root in renamed else path


def _renamed_loader(load: AssetLoader, back: dict[str, str]) -> AssetLoader:
    """``load`` asked with the folders' earlier names (images of renamed folders)."""
    return lambda path: load(_rename(path, back))


def _claim_moved(rows: list[_SourceRow], claimed: set[int], path: str) -> _SourceRow | None:
    """The source a new note moved from (same content, no longer where it was), if any."""
    for row in rows:
        if row.id not in claimed and row.path != path:
            claimed.add(row.id)
            return row
    return None


def _import_file(
    batch: _Batch,
    path: str,
    data: bytes,
    digest: str,
    deck: str | int,
    known: _SourceRow | None,
    boilerplate: frozenset[str],
    load_asset: AssetLoader | None,
    report: ImportReport,
    moved_by_cards: Callable[[Sequence[CardSpec]], _SourceRow | None] | None = None,
) -> None:
    """Bring one note's cards in line with the note (no commit).

    ``known``: the note as stored (at this path, or where it moved from with
    the same content); else ``moved_by_cards(specs)`` may name a note that
    moved here and changed on the way, found by its cards.
    """
    session, user_id, now = batch.session, batch.user_id, batch.now
    deck_id = deck if isinstance(deck, int) else batch.deck_id(deck)
    if is_binary(data):
        raise NotANoteError("a binary file, not a markdown note")
    text, warnings = read_note(data, path)
    if "\x00" in text:  # PostgreSQL's text refuses NUL; the same length keeps the lines
        text = text.replace("\x00", "\ufffd")
        warnings = [*warnings, "NUL characters replaced"]
    report.warnings += [(path, warning) for warning in warnings]
    drafts = extract_note(text, path, boilerplate=boilerplate)
    specs = [spec for draft in drafts for spec in card_specs(draft)]
    tags_by_key = {draft.key: draft.tags for draft in drafts if draft.tags}
    if known is None and moved_by_cards is not None:
        known = moved_by_cards(specs)
    source = session.get(NoteSource, known.id) if known is not None else None
    if source is not None and source.path != path:
        source.path = path  # the note moved here
        report.files_moved += 1
    if source is None:
        source = NoteSource(user_id=user_id, path=path, content_hash="", imported_at=now)
        session.add(source)
        session.flush()
    old_deck_id = source.deck_id

    keys = list({spec.key for spec in specs})
    cards: dict[int, Card] = {
        card.id: card for card in session.scalars(select(Card).where(Card.source_id == source.id))
    }
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        for card in session.scalars(
            select(Card).where(Card.user_id == user_id, Card.key.in_(chunk))
        ):
            cards[card.id] = card
    stored = [
        Stored(
            id=card.id, key=card.key, kind=card.kind,
            prompt=card.back if card.kind == "reversed" and card.ord == 1 else card.front,
            local=card.source_id == source.id,
            retired=card.retired_at is not None, line=card.line,
        )
        for card in cards.values()
    ]
    matching = match_cards(specs, stored)

    for match in matching.matched:
        card = cards[match.card_id]
        spec = match.spec
        if card.deleted_at is not None or batch.is_tombstoned(card.key):
            if match.rekey:  # thrown away under its old key: under the new one too
                batch.tombstone(spec.key, card.front)
            report.add("tombstoned", path, spec.line, spec.front)
            continue
        outcome = _update_card(card, spec, source.id, now)
        if card.deck_id == old_deck_id and card.deck_id != deck_id:
            card.deck_id = deck_id
        _add_tags(batch, card, tags_by_key.get(spec.note_key, ()))
        report.add(outcome, path, spec.line, spec.front)

    for spec in matching.new:
        if batch.is_tombstoned(spec.key):
            report.add("tombstoned", path, spec.line, spec.front)
            continue
        card = Card(
            user_id=user_id, deck_id=deck_id, source_id=source.id, key=spec.key,
            note_key=spec.note_key, ord=spec.ord, kind=spec.kind, front=spec.front,
            back=spec.back, line=spec.line, end_line=spec.end_line,
            answer_start=spec.answer_start, answer_end=spec.answer_end, context=spec.context,
            needs_answer=spec.needs_answer, created_at=now, modified_at=now,
        )
        session.add(card)
        _add_tags(batch, card, tags_by_key.get(spec.note_key, ()))
        report.add("new", path, spec.line, spec.front)

    for card_id in matching.gone:
        card = cards[card_id]
        if card.retired_at is None and card.deleted_at is None:
            card.retired_at = now
            report.add("retired", path, card.line, card.front)

    for spec in matching.duplicates:
        report.warnings.append((path, f"line {spec.line}: the same card twice, kept once"))

    if load_asset is not None:
        _store_images(batch, path, text, load_asset)

    source.content_hash = digest
    source.content = text
    source.deck_id = deck_id
    source.imported_at = now
    source.missing_since = None
    report.files_read += 1
    session.flush()


def _update_card(card: Card, spec: CardSpec, source_id: int, now: datetime) -> str:
    """Bring a matched card in line with its spec; returns the outcome for the report."""
    outcome = "unchanged"
    if card.retired_at is not None:
        card.retired_at = None
        outcome = "restored"
    fields: dict[str, object] = {
        "key": spec.key, "note_key": spec.note_key, "ord": spec.ord, "source_id": source_id,
        "line": spec.line, "end_line": spec.end_line, "answer_start": spec.answer_start,
        "answer_end": spec.answer_end, "context": spec.context,
    }
    for name, value in fields.items():
        if getattr(card, name) != value:
            setattr(card, name, value)
    content_differs = (card.front, card.back, card.kind) != (spec.front, spec.back, spec.kind)
    if content_differs and card.edited:
        # The user's text wins. A note that merely still lacks the answer the user
        # wrote in the app is no conflict.
        answered_in_app = spec.needs_answer and card.front == spec.front
        return outcome if answered_in_app or outcome != "unchanged" else "conflicts"
    if content_differs:
        card.front, card.back, card.kind = spec.front, spec.back, spec.kind
        card.modified_at = now
        if outcome == "unchanged":
            outcome = "updated"
    if card.needs_answer != spec.needs_answer and not card.edited:
        card.needs_answer = spec.needs_answer
    return outcome


def _add_tags(batch: _Batch, card: Card, names: Sequence[str]) -> None:
    if not names:
        return
    have = {tag.name for tag in card.tags}
    for name in names:
        if name not in have:
            card.tags.append(batch.tag(name))


def _store_images(batch: _Batch, note_path: str, text: str, load_asset: AssetLoader) -> None:
    """Store the images the note shows that the import holds (once per content and name)."""
    for src in image_refs(text):
        path = resolve_image(note_path, src)
        if path is None or image_type(path) is None:
            continue
        data = load_asset(path)
        if data is None or len(data) > MAX_IMAGE_BYTES:
            continue
        name, digest = media_name(data, path)
        exists = batch.session.scalar(
            select(Media.id).where(Media.user_id == batch.user_id, Media.name == name)
        )
        if exists is None:
            batch.session.add(Media(
                user_id=batch.user_id, name=name, original_path=path,
                mime=image_type(path) or "application/octet-stream", sha256=digest, data=data,
                created_at=batch.now,
            ))
