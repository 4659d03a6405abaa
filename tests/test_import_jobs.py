"""Import jobs: the heartbeat while one runs, and one owner changing the row."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

import app.notes.jobs as jobs
from app.db import new_session, utcnow
from app.models import ImportJob, User
from app.notes.importer import ImportReport, Progress


@pytest.fixture
def ada(db: Session) -> int:
    user = User(name="ada", password_hash="x")
    db.add(user)
    db.commit()
    return user.id


def job_row(app: Flask, job_id: int) -> ImportJob:
    with app.app_context():
        session = new_session()
        row = session.get(ImportJob, job_id)
        assert row is not None
        session.expunge(row)
        session.close()
        return row


def test_a_running_job_beats_while_its_import_works(
    app: Flask, ada: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT_S", 0.02)
    with app.app_context(), new_session() as session:
        job = jobs.start_job(session, ada, 1, 60)
    seen: list[object] = []

    def work(_session: Session, _progress: Progress) -> ImportReport:
        first = job_row(app, job.id)
        assert first.status == "running" and first.owner == jobs.job_owner()
        for _ in range(500):  # one long file: no progress call, yet the job shows life
            beat = job_row(app, job.id).heartbeat_at
            if beat != first.heartbeat_at:
                seen.append(beat)
                break
            time.sleep(0.01)
        return ImportReport(files_read=1)

    assert jobs.run_job(app, job.id, work) is not None
    assert seen, "the heartbeat never moved"
    done = job_row(app, job.id)
    assert done.status == "done" and done.active_user_id is None and done.report is not None


def test_a_job_taken_away_is_not_overwritten_by_its_old_owner(app: Flask, ada: int) -> None:
    with app.app_context(), new_session() as session:
        job = jobs.start_job(session, ada, 1, 60)

    def work(session: Session, _progress: Progress) -> ImportReport:
        # Meanwhile its heartbeat was found stale and it was marked failed elsewhere.
        session.execute(update(ImportJob).where(ImportJob.id == job.id).values(
            heartbeat_at=utcnow() - timedelta(minutes=5)))
        session.commit()
        assert jobs.settle_stale(session, ada, 60) == 1
        return ImportReport(files_read=1)

    jobs.run_job(app, job.id, work)
    row = job_row(app, job.id)
    assert row.status == "failed" and row.report is None and row.active_user_id is None
    # A job can be run once only.
    assert jobs.run_job(app, job.id, work) is None
