"""Opening an Anki package (.apkg, .colpkg) the caller names: the one module here doing I/O.

A package is a zip holding the collection (an SQLite database) and its
media. Three generations exist, all read here:

- ``collection.anki2`` (schema 11, old Anki and genanki) and
  ``collection.anki21`` (schema 11, Anki 2.1's scheduler): the note types
  and decks are JSON in the ``col`` row; the media list ``media`` is JSON
  (``{"0": "cat.png"}``); media entries are stored as they are;
- ``collection.anki21b`` (schema 18, Anki 2.1.50 and later; the zip's
  ``meta`` entry says version 3): the collection is zstd-compressed, note
  types, fields, templates and decks are tables (settings as protobuf), the
  media list is a zstd-compressed protobuf ``MediaEntries`` and every media
  entry is zstd-compressed. Such packages also carry a stub
  ``collection.anki2`` for old Anki, which is ignored.

The zip is checked like a notes upload: at most ``max_files`` entries, and
at most ``max_bytes`` actually decompressed (the sizes a zip declares are
not trusted). The collection is unpacked into a folder the caller owns
(``workdir``) and read from there in chunks, so memory stays bounded
however large the collection; nothing is written anywhere else.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import zstandard

from cards.anki.import_records import CardRow, NoteRow, NoteTypeRow, RevlogRow, TemplateRow
from cards.anki.protobuf import ProtobufError, message_fields

__all__ = ["AnkiPackage", "AnkiPackageError", "is_anki_package"]

_COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_LATEST = 3  # PackageMetadata.Version.LATEST
_CHUNK = 1024 * 1024
_SQL_CHUNK = 500  # ids per IN (...) query
PACKAGE_SUFFIXES = (".apkg", ".colpkg")


class AnkiPackageError(ValueError):
    """A file that is not a readable Anki package, or one beyond the limits."""


def is_anki_package(name: str) -> bool:
    """Whether a file name is an Anki package's (``.apkg`` or ``.colpkg``)."""
    return name.lower().endswith(PACKAGE_SUFFIXES)


class _Budget:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.used = max_bytes, 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.max_bytes:
            raise AnkiPackageError(
                f"the package unpacks to more than {self.max_bytes // (1024 * 1024)} MB"
            )


def _ids(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _SQL_CHUNK):
        yield values[start : start + _SQL_CHUNK]


class AnkiPackage:
    """An open package: its collection (unpacked into ``workdir``) and its media list.

    Use as a context manager. Raises :class:`AnkiPackageError` for anything
    that is not a readable package.
    """

    def __init__(
        self, source: Path | IO[bytes], workdir: Path, *, max_bytes: int, max_files: int
    ) -> None:
        self.budget = _Budget(max_bytes)
        try:
            self.zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as error:
            raise AnkiPackageError("not a zip file, so not an Anki package") from error
        try:
            entries = self.zip.infolist()
            if len(entries) > max_files:
                raise AnkiPackageError(f"the package holds more than {max_files} files")
            names = {info.filename for info in entries}
            self.version = self._meta_version(names)
            found = next((name for name in _COLLECTIONS if name in names), None)
            if found is None:
                raise AnkiPackageError("no Anki collection in the zip")
            self.format = found.rsplit(".", 1)[1]
            self.zstd = self.format == "anki21b" or self.version >= _LATEST
            self.path = workdir / "collection.sqlite"
            self._unpack(found, self.path, compressed=self.zstd)
            self.db = sqlite3.connect(self.path)
            try:
                self._check_collection()
            except BaseException:
                self.db.close()
                raise
            self.media = self._media_list(names)
        except BaseException:
            self.zip.close()
            raise

    # --- the zip -------------------------------------------------------------------------------

    def _meta_version(self, names: set[str]) -> int:
        if "meta" not in names:
            return 0
        data = self._read("meta", limit=1024)
        try:
            return next((int(v) for n, v in message_fields(data)
                         if n == 1 and isinstance(v, int)), 0)
        except ProtobufError as error:
            raise AnkiPackageError("the package's meta entry is unreadable") from error

    def _read(self, name: str, *, limit: int | None = None) -> bytes:
        chunks = []
        size = 0
        try:
            with self.zip.open(name) as member:
                while chunk := member.read(_CHUNK):
                    self.budget.spend(len(chunk))
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise AnkiPackageError(f"{name} is larger than expected")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as error:
            raise AnkiPackageError(f"cannot unpack {name} from the package") from error
        return b"".join(chunks)

    def _unpack(self, name: str, target: Path, *, compressed: bool) -> None:
        try:
            with self.zip.open(name) as member, target.open("wb") as out:
                source: Any = (zstandard.ZstdDecompressor().stream_reader(member)
                               if compressed else member)
                while chunk := source.read(_CHUNK):
                    self.budget.spend(len(chunk))
                    out.write(chunk)
        except zstandard.ZstdError as error:
            raise AnkiPackageError(f"{name} is not zstd-compressed as expected") from error
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as error:
            raise AnkiPackageError(f"cannot unpack {name} from the package") from error

    def _media_list(self, names: set[str]) -> dict[str, str]:
        """Media file name → zip entry."""
        if "media" not in names:
            return {}
        data = self._read("media", limit=64 * 1024 * 1024)
        if self.version >= _LATEST:
            try:
                data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
                media: dict[str, str] = {}
                index = 0
                for number, entry in message_fields(data):
                    if number != 1 or not isinstance(entry, bytes):
                        continue
                    name, zip_name = "", str(index)
                    for field, value in message_fields(entry):
                        if field == 1 and isinstance(value, bytes):
                            name = value.decode()
                        elif field == 255 and isinstance(value, int):
                            zip_name = str(value)
                    if name:
                        media[name] = zip_name
                    index += 1
                return media
            except (zstandard.ZstdError, ProtobufError, UnicodeDecodeError) as error:
                raise AnkiPackageError("the package's media list is unreadable") from error
        try:
            listed = json.loads(data or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise AnkiPackageError("the package's media list is unreadable") from error
        if not isinstance(listed, dict):
            raise AnkiPackageError("the package's media list is unreadable")
        return {str(name): str(entry) for entry, name in listed.items()}

    def read_media(self, name: str, max_size: int) -> bytes | None:
        """A media file's bytes, or None when absent or larger than ``max_size``."""
        entry = self.media.get(name)
        if entry is None:
            return None
        try:
            info = self.zip.getinfo(entry)
        except KeyError:
            return None
        if not self.zstd:
            if info.file_size > max_size:
                return None
            data = self._read(entry, limit=max_size)
            return data
        packed = self._read(entry, limit=max_size + 1024)
        try:
            data = zstandard.ZstdDecompressor().decompressobj().decompress(packed)
        except zstandard.ZstdError as error:
            raise AnkiPackageError(f"media file {name} is unreadable") from error
        if len(data) > max_size:
            return None
        self.budget.spend(len(data))
        return data

    # --- the collection ------------------------------------------------------------------------

    def _check_collection(self) -> None:
        try:
            row = self.db.execute("SELECT ver, crt FROM col").fetchone()
        except sqlite3.DatabaseError as error:
            raise AnkiPackageError("the package's collection is not an Anki database") from error
        if row is None:
            raise AnkiPackageError("the package's collection is empty")
        self.schema, self.crt = int(row[0]), int(row[1])
        # The collection is a private copy: indexes for reading it in chunks are fine.
        for sql in ("CREATE INDEX IF NOT EXISTS wengu_cards_nid ON cards (nid)",
                    "CREATE INDEX IF NOT EXISTS wengu_revlog_cid ON revlog (cid, id)"):
            self.db.execute(sql)

    def note_types(self) -> dict[int, NoteTypeRow]:
        """The note types by id."""
        if self.schema >= 15:
            return self._note_types_tables()
        (models_json,) = self.db.execute("SELECT models FROM col").fetchone()
        found: dict[int, NoteTypeRow] = {}
        for model in json.loads(models_json or "{}").values():
            fields = sorted(model.get("flds", []), key=lambda f: f.get("ord", 0))
            templates = sorted(model.get("tmpls", []), key=lambda t: t.get("ord", 0))
            found[int(model["id"])] = NoteTypeRow(
                id=int(model["id"]), name=str(model.get("name", "")),
                cloze=model.get("type") == 1,
                fields=tuple(str(f.get("name", "")) for f in fields),
                templates=tuple(
                    TemplateRow(int(t.get("ord", i)), str(t.get("name", "")),
                                str(t.get("qfmt", "")), str(t.get("afmt", "")))
                    for i, t in enumerate(templates)
                ),
            )
        return found

    def _note_types_tables(self) -> dict[int, NoteTypeRow]:
        fields: dict[int, list[str]] = {}
        for ntid, name in self.db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
            fields.setdefault(ntid, []).append(name)
        templates: dict[int, list[TemplateRow]] = {}
        for ntid, ord_, name, config in self.db.execute(
            "SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord"
        ):
            formats = {1: "", 2: ""}
            for number, value in message_fields(config):
                if number in formats and isinstance(value, bytes):
                    formats[number] = value.decode()
            templates.setdefault(ntid, []).append(TemplateRow(ord_, name, formats[1], formats[2]))
        found: dict[int, NoteTypeRow] = {}
        for ntid, name, config in self.db.execute("SELECT id, name, config FROM notetypes"):
            kind = next((v for n, v in message_fields(config) if n == 1), 0)
            found[ntid] = NoteTypeRow(ntid, name, kind == 1, tuple(fields.get(ntid, ())),
                                      tuple(templates.get(ntid, ())))
        return found

    def decks(self) -> dict[int, str]:
        """Deck names (``A::B``) by id."""
        if self.schema >= 15:
            return {did: name.replace("\x1f", "::")
                    for did, name in self.db.execute("SELECT id, name FROM decks")}
        (decks_json,) = self.db.execute("SELECT decks FROM col").fetchone()
        return {int(did): str(deck.get("name", ""))
                for did, deck in json.loads(decks_json or "{}").items()}

    def counts(self) -> tuple[int, int, int]:
        """How many notes, cards and revlog rows the collection holds."""
        notes, cards, revlog = (
            int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("notes", "cards", "revlog")
        )
        return notes, cards, revlog

    def note_ids(self) -> list[int]:
        """Every note id, notes with new cards first in Anki's new-card order."""
        return [nid for (nid,) in self.db.execute(
            "SELECT n.id FROM notes n LEFT JOIN (SELECT nid, min(CASE WHEN type = 0 THEN due END)"
            " AS pos FROM cards GROUP BY nid) c ON c.nid = n.id"
            " ORDER BY c.pos IS NULL, c.pos, n.id"
        )]

    def notes(self, ids: Sequence[int]) -> list[NoteRow]:
        """The notes with these ids."""
        found = []
        for chunk in _ids(ids):
            marks = ",".join("?" * len(chunk))
            for nid, guid, mid, mod, tags, flds in self.db.execute(
                f"SELECT id, guid, mid, mod, tags, flds FROM notes WHERE id IN ({marks})", chunk
            ):
                found.append(NoteRow(nid, guid, mid, mod, tuple(tags.split()),
                                     tuple(flds.split("\x1f"))))
        return found

    def cards(self, note_ids: Sequence[int]) -> list[CardRow]:
        """The cards of these notes, by note and ord."""
        found = []
        for chunk in _ids(note_ids):
            marks = ",".join("?" * len(chunk))
            found += [CardRow(*row) for row in self.db.execute(
                "SELECT id, nid, did, ord, mod, type, queue, due, ivl, factor, reps, lapses,"
                f" odue, odid, flags FROM cards WHERE nid IN ({marks}) ORDER BY nid, ord", chunk
            )]
        return found

    def revlog(self, card_ids: Sequence[int]) -> list[RevlogRow]:
        """The revlog rows of these cards, by card and time."""
        found: list[RevlogRow] = []
        for chunk in _ids(card_ids):
            marks = ",".join("?" * len(chunk))
            found += map(RevlogRow._make, self.db.execute(
                "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog"
                f" WHERE cid IN ({marks}) ORDER BY cid, id", chunk
            ))
        return found

    def close(self) -> None:
        """Close the collection and the zip (the unpacked copy stays in ``workdir``)."""
        self.db.close()
        self.zip.close()

    def __enter__(self) -> AnkiPackage:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
