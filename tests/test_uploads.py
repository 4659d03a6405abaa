"""Safe upload handling: zips of notes, unsafe paths, zip bombs, ignored files."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from flask import Flask

from app.notes.uploads import UploadError, read_upload

LIMITS = {"max_uncompressed": 1024 * 1024, "max_files": 50}


def make_zip(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.fixture(autouse=True)
def _context(app: Flask) -> object:
    with app.test_request_context():
        yield


def test_zip_of_a_folder_keeps_its_paths() -> None:
    upload = read_upload([("notes.zip", make_zip({
        "notes/kernel/mm.md": b"# MM\n", "notes/img/a.png": b"\x89PNG....",
        "notes/todo.txt": b"x", "notes/.obsidian/app.json": b"{}",
    }))], **LIMITS)
    assert [n.path for n in upload.notes] == ["notes/kernel/mm.md"]
    assert set(upload.assets) == {"notes/img/a.png"}
    assert upload.ignored == ["notes/todo.txt"]
    assert upload.roots == ["notes"]


def test_zip_of_a_folders_contents_is_named_after_the_zip() -> None:
    upload = read_upload([("study.zip", make_zip({"a.md": b"A", "os/b.md": b"B"}))], **LIMITS)
    assert sorted(n.path for n in upload.notes) == ["study/a.md", "study/os/b.md"]
    assert upload.roots == ["study"]


def test_loose_markdown_files() -> None:
    upload = read_upload([("a.md", io.BytesIO(b"# A")), ("pic.gif", io.BytesIO(b"GIF8")),
                          ("b.pdf", io.BytesIO(b"%PDF"))], **LIMITS)
    assert [(n.path, n.data) for n in upload.notes] == [("a.md", b"# A")]
    assert upload.ignored == ["b.pdf"] and upload.roots == []


@pytest.mark.parametrize("name", ["/etc/passwd.md", "../up.md", "notes/../../x.md",
                                  "C:/win.md", "..\\win.md"])
def test_unsafe_paths_reject_the_upload(name: str) -> None:
    with pytest.raises(UploadError, match="unsafe path"):
        read_upload([("n.zip", make_zip({"notes/ok.md": b"ok", name: b"bad"}))], **LIMITS)


def test_zip_bomb_is_stopped_by_what_actually_unpacks() -> None:
    bomb = make_zip({"notes/zeros.md": b"0" * (4 * 1024 * 1024)})
    assert len(bomb.getvalue()) < 64 * 1024
    with pytest.raises(UploadError, match="unpacks to more than"):
        read_upload([("bomb.zip", bomb)], **LIMITS)


def test_zip_bomb_with_a_lying_header_is_stopped() -> None:
    bomb = make_zip({"notes/zeros.md": b"0" * (4 * 1024 * 1024)}).getvalue()
    # Rewrite the declared sizes (local and central headers) to 10 bytes.
    real = (4 * 1024 * 1024).to_bytes(4, "little")
    forged = bomb.replace(real, (10).to_bytes(4, "little"))
    assert forged != bomb
    with pytest.raises(UploadError):
        read_upload([("bomb.zip", io.BytesIO(forged))], **LIMITS)


def test_too_many_files() -> None:
    many = make_zip({f"notes/{i}.md": b"x" for i in range(51)})
    with pytest.raises(UploadError, match="more than 50 files"):
        read_upload([("many.zip", many)], **LIMITS)


def test_not_a_zip() -> None:
    with pytest.raises(UploadError, match="not a readable zip"):
        read_upload([("notes.zip", io.BytesIO(b"plain text"))], **LIMITS)


def test_chinese_names_from_zips_without_the_utf8_flag() -> None:
    gbk = "笔记/内存.md".encode("gbk")
    placeholder = b"x" * (len(gbk) - 3) + b".md"
    data = make_zip({placeholder.decode(): "# 内存".encode()}).getvalue()
    upload = read_upload([("x.zip", io.BytesIO(data.replace(placeholder, gbk)))], **LIMITS)
    assert [n.path for n in upload.notes] == ["笔记/内存.md"]


def test_a_zip_is_read_without_holding_it_unpacked() -> None:
    # 24 notes of 1 MB each, unpacking to 24 MB from a zip of well under 1 MB.
    notes = {f"notes/n{i}.md": (f"# Note {i}\n\n" + "Some text.\n" * 100_000).encode()
             for i in range(24)}
    archive = make_zip(notes)
    assert len(archive.getvalue()) < 1024 * 1024
    tracemalloc.start()
    try:
        upload = read_upload([("notes.zip", archive)], max_uncompressed=64 * 1024 * 1024,
                             max_files=50)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    try:
        assert peak < 4 * 1024 * 1024  # a few chunks, not 24 MB
        assert upload.note_bytes == sum(len(data) for data in notes.values())
        assert {note.path: note.size for note in upload.notes} == {
            path: len(data) for path, data in notes.items()}
        # Each note is read when asked for, one at a time, as it was.
        assert all(note.read() == notes[note.path] for note in upload.notes)
    finally:
        upload.close()


def test_an_upload_outlives_its_request_stream_until_closed() -> None:
    stream = make_zip({"notes/a.md": b"# A\n", "notes/img/a.png": b"\x89PNG...."})
    loose = io.BytesIO(b"# B\n")
    upload = read_upload([("notes.zip", stream), ("b.md", loose)], **LIMITS)
    stream.close()
    loose.close()  # the request ended: a background import still reads the upload
    assert [note.read() for note in upload.notes] == [b"# A\n", b"# B\n"]
    assert upload.load_asset("notes/img/a.png") == b"\x89PNG...."
    assert upload.load_asset("notes/img/missing.png") is None
    upload.close()
    with pytest.raises(ValueError):
        upload.notes[0].read()
