"""The import pages: upload, report, background progress, retired cards, media."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import app.notes.views as imports_module
from app import create_app
from app.db import new_session, utcnow
from app.models import Card, ImportJob, Media, NoteSource
from app.notes.jobs import ImportBusyError, start_job
from tests.conftest import PASSWORD, AuthActions
from tests.factories import make_card

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 24
DISKS = "# Disks\n\nQ: How do I grow a qcow2 image?\nA: qemu-img resize.\n\n![d](img/d.png)\n"
PAGING = "# Paging\n\n## What is a page table?\n\nA map from pages to frames.\n"


def zip_of(entries: dict[str, bytes | str]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def upload(client: FlaskClient, *files: tuple[io.BytesIO, str], deck: str = "") -> Any:
    return client.post("/import/", data={"files": list(files), "deck": deck},
                       content_type="multipart/form-data")


def live_fronts(db: Session, user_id: int) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(Card.front).where(
        Card.user_id == user_id, Card.retired_at.is_(None), Card.deleted_at.is_(None))))


def test_import_page_needs_login(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada")
    assert client.get("/import/").status_code == 302


def test_upload_zip_imports_and_reports(client: FlaskClient, user_id: int, db: Session) -> None:
    page = client.get("/import/")
    assert page.status_code == 200 and b'name="files"' in page.data
    notes = zip_of({"notes/disks.md": DISKS, "notes/os/paging.md": PAGING,
                    "notes/img/d.png": PNG, "notes/slides.pdf": b"%PDF"})
    response = upload(client, (notes, "notes.zip"))
    assert response.status_code == 302
    report = client.get(response.headers["Location"])
    text = report.get_data(as_text=True)
    assert "How do I grow a qcow2 image?" in text and "notes/slides.pdf" in text
    assert live_fronts(db, user_id) == {"How do I grow a qcow2 image?", "What is a page table?"}
    job = db.scalar(select(ImportJob).where(ImportJob.user_id == user_id))
    assert job is not None and job.status == "done" and job.report is not None
    assert job.report["counts"]["new"] == 2 and job.report["ignored"] == ["notes/slides.pdf"]
    media = db.scalars(select(Media)).all()
    assert [m.original_path for m in media] == ["notes/img/d.png"]
    # The image is served to its owner, as an image.
    served = client.get(f"/media/{media[0].name}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == PNG
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    # The import page lists it among the recent imports.
    index = client.get("/import/").get_data(as_text=True)
    assert f'/import/{job.id}"' in index and "Done" in index


def test_reupload_unchanged_changes_nothing(client: FlaskClient, user_id: int,
                                            db: Session) -> None:
    upload(client, (zip_of({"notes/disks.md": DISKS}), "notes.zip"))
    upload(client, (zip_of({"notes/disks.md": DISKS}), "notes.zip"))
    jobs = db.scalars(select(ImportJob).order_by(ImportJob.id)).all()
    assert jobs[-1].report is not None
    assert jobs[-1].report["files_skipped"] == 1 and jobs[-1].report["counts"]["new"] == 0
    assert db.scalar(select(func.count()).select_from(Card)) == 1


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([], "Choose markdown files"),
        ([(zip_of({"../evil.md": "Q: x?\nA: y\n"}), "n.zip")], "unsafe path"),
        ([(io.BytesIO(b"not a zip"), "n.zip")], "not a readable zip"),
        ([(io.BytesIO(b"%PDF"), "paper.pdf")], "no markdown notes"),
    ],
)
def test_bad_uploads_are_refused_with_nothing_saved(
    client: FlaskClient, user_id: int, db: Session, files: list[Any], message: str
) -> None:
    response = upload(client, *files, deck="Kept deck")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text and 'value="Kept deck"' in text
    assert db.scalar(select(func.count()).select_from(ImportJob)) == 0
    assert db.scalar(select(func.count()).select_from(NoteSource)) == 0


def test_upload_over_the_size_limit(app: Flask, client: FlaskClient, user_id: int) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = upload(client, (io.BytesIO(b"# big\n" + b"x" * 4096), "big.md"))
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)


def test_loose_files_into_a_chosen_deck(client: FlaskClient, user_id: int, db: Session) -> None:
    upload(client, (io.BytesIO(DISKS.encode()), "disks.md"), deck=" Study :: Disks ")
    card = db.scalar(select(Card).where(Card.user_id == user_id))
    assert card is not None and card.deck.name == "Study::Disks"


def test_large_upload_runs_in_the_background(
    app: Flask, client: FlaskClient, user_id: int, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["IMPORT_BACKGROUND_FILES"] = 2
    release, started = threading.Event(), threading.Event()
    real = imports_module.import_notes

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(imports_module, "import_notes", slow)
    notes = {f"notes/n{i}.md": f"Q: What is item {i}?\nA: Item {i}.\n" for i in range(5)}
    response = upload(client, (zip_of(notes), "notes.zip"))
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert started.wait(10)
    # While it runs, the app answers other pages, and the job says it is running.
    assert client.get("/").status_code == 200
    progress = client.get(job_url)
    assert b"data-status-url" in progress.data and b"imports.js" in progress.data
    assert client.get(job_url + "/status").get_json()["status"] == "running"
    release.set()
    thread = app.extensions["wengu.import_threads"][int(job_url.rsplit("/", 1)[1])]
    thread.join(30)
    status = client.get(job_url + "/status").get_json()
    assert status == {"status": "done", "total": 5, "done": 5, "finished": True}
    assert len(live_fronts(db, user_id)) == 5
    assert b"data-status-url" not in client.get(job_url).data


def test_jobs_are_private(client: FlaskClient, auth: AuthActions, user_id: int,
                          db: Session) -> None:
    upload(client, (zip_of({"notes/disks.md": DISKS, "notes/img/d.png": PNG}), "notes.zip"))
    job = db.scalar(select(ImportJob))
    media = db.scalar(select(Media))
    assert job is not None and media is not None
    auth.logout()
    auth.create("bob")
    auth.login("bob")
    assert client.get(f"/import/{job.id}").status_code == 404
    assert client.get(f"/import/{job.id}/status").status_code == 404
    assert client.get(f"/media/{media.name}").status_code == 404


def test_retired_cards_can_be_restored(client: FlaskClient, user_id: int, db: Session) -> None:
    upload(client, (zip_of({"notes/disks.md": DISKS, "notes/paging.md": PAGING}), "notes.zip"))
    upload(client, (zip_of({"notes/paging.md": PAGING}), "notes.zip"))
    assert live_fronts(db, user_id) == {"What is a page table?"}
    page = client.get("/import/retired").get_data(as_text=True)
    assert "How do I grow a qcow2 image?" in page and "notes/disks.md" in page
    card = db.scalar(select(Card).where(Card.front == "How do I grow a qcow2 image?"))
    assert card is not None
    assert client.post(f"/import/retired/{card.id}/restore").status_code == 302
    assert "How do I grow a qcow2 image?" in live_fronts(db, user_id)
    # Restored, it stays: importing the folder again does not retire it anew.
    upload(client, (zip_of({"notes/paging.md": PAGING + "\n"}), "notes.zip"))
    assert "How do I grow a qcow2 image?" in live_fronts(db, user_id)
    # A live card cannot be "restored"; nor can someone else's.
    assert client.post(f"/import/retired/{card.id}/restore").status_code == 404


def test_someone_elses_retired_card_is_404(client: FlaskClient, auth: AuthActions,
                                           user_id: int, app: Flask) -> None:
    bob = auth.create("bob")
    with app.app_context():
        session: Session = app.extensions["wengu.sessionmaker"]()
        from app.db import utcnow

        card = make_card(session, bob, retired_at=utcnow())
        session.commit()
        card_id = card.id
        session.close()
    assert client.post(f"/import/retired/{card_id}/restore").status_code == 404
    assert "What is a card?" not in client.get("/import/retired").get_data(as_text=True)


def test_media_url_for_maps_a_notes_image(app: Flask, client: FlaskClient, user_id: int,
                                          db: Session) -> None:
    from app.notes.media import media_url_for

    upload(client, (zip_of({"notes/disks.md": DISKS, "notes/img/d.png": PNG}), "notes.zip"))
    media = db.scalar(select(Media))
    assert media is not None
    with app.test_request_context():
        assert media_url_for(user_id, "notes/disks.md", "img/d.png") == f"/media/{media.name}"
        assert media_url_for(user_id, "notes/sub/x.md", "../img/d.png") == f"/media/{media.name}"
        assert media_url_for(user_id, "notes/disks.md", "img/missing.png") is None
        assert media_url_for(user_id, "notes/disks.md", "../../etc/passwd") is None
        assert media_url_for(user_id + 1, "notes/disks.md", "img/d.png") is None
        assert media_url_for(user_id, "notes/a.md", "https://x.org/a.png") == "https://x.org/a.png"


def test_a_restarted_worker_leaves_another_workers_running_job_alone(
    app: Flask, app_config: dict[str, Any], user_id: int, db: Session
) -> None:
    # A job another worker runs: its heartbeat is fresh.
    job = ImportJob(user_id=user_id, status="running", total_files=10, done_files=4,
                    created_at=utcnow() - timedelta(minutes=5), owner="elsewhere:1:1",
                    heartbeat_at=utcnow(), active_user_id=user_id)
    db.add(job)
    db.commit()
    restarted = create_app(app_config)  # a worker started after the job
    client = restarted.test_client()
    client.post("/auth/login", data={"name": "ada", "password": PASSWORD})
    assert client.get(f"/import/{job.id}/status").get_json()["status"] == "running"
    # A second import meanwhile is refused, clearly, and nothing is imported.
    refused = upload(client, (zip_of({"notes/disks.md": DISKS}), "notes.zip"))
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "still running" in text and f'/import/{job.id}"' in text
    assert live_fronts(db, user_id) == set()
    restarted.extensions["wengu.engine"].dispose()


def test_a_job_whose_heartbeat_stopped_is_marked_failed(
    client: FlaskClient, user_id: int, db: Session
) -> None:
    job = ImportJob(user_id=user_id, status="running", total_files=10, done_files=4,
                    created_at=utcnow() - timedelta(minutes=5), owner="gone:1:1",
                    heartbeat_at=utcnow() - timedelta(minutes=2), active_user_id=user_id)
    db.add(job)
    db.commit()
    status = client.get(f"/import/{job.id}/status").get_json()
    assert status["status"] == "failed" and status["finished"] is True
    assert "import again" in client.get(f"/import/{job.id}").get_data(as_text=True)
    # The user may import again at once.
    again = upload(client, (zip_of({"notes/disks.md": DISKS}), "notes.zip"))
    assert again.status_code == 302
    assert live_fronts(db, user_id) == {"How do I grow a qcow2 image?"}


def test_two_imports_for_one_user_are_serialised(app: Flask, user_id: int) -> None:
    with app.app_context(), new_session() as one, new_session() as two:
        first = start_job(one, user_id, 1, 60)
        with pytest.raises(ImportBusyError) as busy:
            start_job(two, user_id, 1, 60)
        assert busy.value.job_id == first.id
        # The refused session holds no transaction (on PostgreSQL an open one would
        # keep its locks for as long as the caller keeps the session).
        assert not two.in_transaction()


def test_a_failing_import_shows_no_sql(
    client: FlaskClient, user_id: int, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise IntegrityError("INSERT INTO note_sources (user_id, path) VALUES (?, ?)",
                             (1, "x"), Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(imports_module, "import_notes", broken)
    response = upload(client, (zip_of({"notes/disks.md": DISKS}), "notes.zip"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The import stopped" in page
    for leak in ("INSERT", "IntegrityError", "UNIQUE", "note_sources"):
        assert leak not in page
    assert "IntegrityError" in caplog.text  # the details are in the log
    status = client.get(response.headers["Location"] + "/status").get_json()
    assert status["status"] == "failed"
    # The failed job no longer blocks the next import.
    monkeypatch.undo()
    assert upload(client, (zip_of({"notes/disks.md": DISKS}), "notes.zip")).status_code == 302


def test_few_files_but_many_bytes_are_imported_in_the_background(
    app: Flask, client: FlaskClient, user_id: int
) -> None:
    app.config["IMPORT_BACKGROUND_BYTES"] = 4096
    notes = {"notes/a.md": "Q: What is A?\nA: A.\n\n" + "Some text.\n" * 1000,
             "notes/b.md": "Q: What is B?\nA: B.\n"}
    response = upload(client, (zip_of(notes), "notes.zip"))
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    thread = app.extensions.get("wengu.import_threads", {}).get(job_id)
    assert thread is not None  # two files, but 11 KB: not within the request
    thread.join(30)
    status = client.get(f"/import/{job_id}/status").get_json()
    assert status == {"status": "done", "total": 2, "done": 2, "finished": True}


def test_a_note_over_the_limit_is_skipped_with_its_reason(
    app: Flask, client: FlaskClient, user_id: int, db: Session
) -> None:
    app.config["IMPORT_MAX_NOTE_BYTES"] = 2048
    notes = {"notes/huge.md": "Q: What is huge?\nA: Huge.\n\n" + "Some text.\n" * 300,
             "notes/disks.md": DISKS}
    response = upload(client, (zip_of(notes), "notes.zip"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "notes/huge.md" in page and "larger than 2 KB, the most a note may be" in page
    assert live_fronts(db, user_id) == {"How do I grow a qcow2 image?"}


def test_the_same_zip_uploaded_again_as_a_copy_duplicates_nothing(
    client: FlaskClient, user_id: int, db: Session
) -> None:
    notes = {"disks.md": DISKS, "os/paging.md": PAGING}  # at the zip's top: named after it
    upload(client, (zip_of(notes), "mynotes.zip"))
    before = {card.front: card.id for card in db.scalars(select(Card))}
    again = upload(client, (zip_of(notes), "mynotes (1).zip"))
    report = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "taken as mynotes/" in report
    db.expire_all()
    assert {card.front: card.id for card in db.scalars(select(Card))} == before
    assert sorted(db.scalars(select(NoteSource.path))) == ["mynotes/disks.md",
                                                           "mynotes/os/paging.md"]
