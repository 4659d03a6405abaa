"""Reading an upload safely: loose markdown files, or a ``.zip`` of a notes folder.

The request's size is capped by Flask (``MAX_CONTENT_LENGTH``). A zip is
checked entry by entry before anything is kept: an absolute path or a ``..``
rejects the whole upload; more than ``IMPORT_MAX_FILES`` entries, or more
than ``IMPORT_MAX_UNCOMPRESSED`` bytes *actually* decompressed (the sizes a
zip declares are not trusted), stop it as a zip bomb. Markdown files become
notes; images are kept for the notes that show them; anything else is
ignored and listed.

Nothing is kept in memory whole: each uploaded file is copied (in chunks)
into a temporary file of the upload's own, which outlives the request for a
background import; a zip's entries are unpacked once, chunk by chunk, to
check and measure them, and again, one at a time, when the import reads a
note (:class:`app.notes.importer.NoteFile` by size and reader) or an image.
:meth:`Upload.close` removes the temporary files.

Paths in a zip keep their folders. When the zip's entries do not share one
top folder, they are put under the zip's own name (``notes.zip`` →
``notes/…``), so a zip of a folder and a zip of the folder's contents give
the same decks and keys.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO

from app.i18n import _
from app.notes.importer import MARKDOWN_SUFFIXES, NoteFile
from app.notes.media import MAX_IMAGE_BYTES, image_type

__all__ = ["Upload", "UploadError", "read_upload"]

_CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_UTF8_FLAG = 0x800


class UploadError(ValueError):
    """An upload refused as a whole, with a message for the user."""


@dataclass
class Upload:
    """What an upload holds: notes, images by path, and the names of ignored files.

    ``notes`` and ``assets`` read from the upload's temporary files, which stay
    open until :meth:`close`.
    """

    notes: list[NoteFile] = field(default_factory=list)
    assets: dict[str, Callable[[], bytes]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)  # folders uploaded whole (zips)
    _open: list[IO[bytes] | zipfile.ZipFile] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _loose_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def note_bytes(self) -> int:
        """The notes' size, unpacked: what an import of them costs."""
        return sum(note.size for note in self.notes)

    def load_asset(self, path: str) -> bytes | None:
        """An image of the upload by its path, or None."""
        read = self.assets.get(path)
        return read() if read is not None else None

    def close(self) -> None:
        """Remove the upload's temporary files (the notes can no longer be read)."""
        with self._lock:
            while self._open:
                self._open.pop().close()

    def _loose(self) -> IO[bytes]:
        """The temporary file that loose uploaded files are copied into, one after another."""
        if self._loose_file is None:
            # Closed (and so removed) by close().
            self._loose_file = tempfile.TemporaryFile(prefix="wengu-upload-")  # noqa: SIM115
            self._open.append(self._loose_file)
        return self._loose_file

    def _reader(self, source: IO[bytes], offset: int, size: int) -> Callable[[], bytes]:
        def read() -> bytes:
            with self._lock:
                source.seek(offset)
                return source.read(size)

        return read

    def _member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                size: int) -> Callable[[], bytes]:
        def read() -> bytes:
            with self._lock, archive.open(info) as member:
                return member.read(size)  # the size measured when checked, not the declared

        return read


def _clean_name(raw: str) -> str:
    """A safe relative path for an uploaded name, or :class:`UploadError`."""
    name = raw.replace("\\", "/")
    parts = name.split("/")
    if name.startswith("/") or _DRIVE.match(name) or ".." in parts:
        raise UploadError(_("The zip holds an unsafe path: %(name)s", name=raw))
    return "/".join(part for part in parts if part not in ("", "."))


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The entry's name, with Chinese names from zips made without the UTF-8 flag decoded."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


class _Budget:
    """Counts files and decompressed bytes against the configured limits."""

    def __init__(self, max_bytes: int, max_files: int) -> None:
        self.max_bytes, self.max_files = max_bytes, max_files
        self.bytes = self.files = 0

    def file(self) -> None:
        self.files += 1
        if self.files > self.max_files:
            raise UploadError(_("The upload holds more than %(n)d files.", n=self.max_files))

    def spend(self, size: int) -> None:
        self.bytes += size
        if self.bytes > self.max_bytes:
            raise UploadError(_("The upload unpacks to more than %(mb)d MB.",
                                mb=self.max_bytes // (1024 * 1024)))


def _keep(upload: Upload, path: str, size: int, read: Callable[[], bytes]) -> None:
    lower = path.lower()
    if lower.endswith(MARKDOWN_SUFFIXES):
        upload.notes.append(NoteFile(path, size=size, read=read))
    elif image_type(path) is not None and size <= MAX_IMAGE_BYTES:
        upload.assets[path] = read
    else:
        upload.ignored.append(path)


def _spool(upload: Upload, stream: IO[bytes]) -> IO[bytes]:
    """A temporary file of the upload's own holding ``stream``'s bytes."""
    copy = tempfile.TemporaryFile(prefix="wengu-upload-")  # noqa: SIM115 (Upload.close)
    upload._open.append(copy)
    shutil.copyfileobj(stream, copy, _CHUNK)
    copy.seek(0)
    return copy


def _wanted(path: str) -> bool:
    return path.lower().endswith(MARKDOWN_SUFFIXES) or image_type(path) is not None


def _read_zip(upload: Upload, stream: IO[bytes], zip_name: str, budget: _Budget) -> None:
    try:
        archive = zipfile.ZipFile(_spool(upload, stream))
    except (zipfile.BadZipFile, OSError) as error:
        raise UploadError(_("%(name)s is not a readable zip file.", name=zip_name)) from error
    upload._open.append(archive)
    entries = []
    for info in archive.infolist():
        name = _clean_name(_zip_name(info))
        if info.is_dir() or not name:
            continue
        budget.file()
        hidden = any(part.startswith(".") or part == "__MACOSX" for part in name.split("/"))
        if not hidden:
            entries.append((info, name))
    tops = {name.split("/", 1)[0] if "/" in name else "" for _info, name in entries}
    stem = posixpath.splitext(posixpath.basename(zip_name))[0] or "notes"
    prefix = "" if len(tops) == 1 and "" not in tops else f"{stem}/"
    upload.roots.append(next(iter(tops)) if not prefix else stem)
    for info, name in entries:
        path = prefix + name
        if not _wanted(path):
            upload.ignored.append(path)
            continue
        size = 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    budget.spend(len(chunk))
                    size += len(chunk)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as error:
            # Encrypted, corrupt or an unknown compression: that entry is unreadable.
            raise UploadError(_("%(name)s: cannot unpack %(entry)s.",
                                name=zip_name, entry=name)) from error
        _keep(upload, path, size, upload._member(archive, info, size))


def read_upload(
    files: Iterable[tuple[str, IO[bytes]]], *, max_uncompressed: int, max_files: int
) -> Upload:
    """Read uploaded ``(file name, stream)`` pairs: markdown files and zips of notes.

    Raises :class:`UploadError` (nothing kept) for an unsafe or oversized upload.
    The caller closes the upload (:meth:`Upload.close`) when done with it.
    """
    upload = Upload()
    try:
        _read_files(upload, files, _Budget(max_uncompressed, max_files))
    except BaseException:
        upload.close()
        raise
    return upload


def _read_files(upload: Upload, files: Iterable[tuple[str, IO[bytes]]], budget: _Budget) -> None:
    for filename, stream in files:
        name = posixpath.basename(filename.replace("\\", "/")).strip()
        if not name:
            continue
        if name.lower().endswith(".zip"):
            _read_zip(upload, stream, name, budget)
            continue
        budget.file()
        if not _wanted(name):
            upload.ignored.append(name)
            continue
        loose = upload._loose()
        offset = loose.seek(0, 2)
        shutil.copyfileobj(stream, loose, _CHUNK)
        size = loose.tell() - offset
        budget.spend(size)
        _keep(upload, name, size, upload._reader(loose, offset, size))
    paths = [note.path for note in upload.notes]
    if len(set(paths)) != len(paths):
        raise UploadError(_("Two uploaded notes have the same path."))
