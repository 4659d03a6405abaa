"""The statistics rollup kept exact by the writers: answers, undos, settings, the CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db import make_engine, utcnow
from app.models import ReviewDayStat, ReviewStatsMark, User
from app.stats import rollup
from app.stats.days import clock_for
from app.stats.figures import review_totals
from tests.conftest import make_user
from tests.factories import make_card
from tests.test_stats_cache import answer, post


def counted(db: Session, user_id: int) -> int:
    return int(db.scalar(select(func.sum(ReviewDayStat.reviews))
                         .where(ReviewDayStat.user_id == user_id)) or 0)


def same_as_history(db: Session, user: User) -> bool:
    db.expire_all()
    now, clock = utcnow(), clock_for(user)
    return review_totals(db, user.id, clock, now) == review_totals(
        db, user.id, clock, now, use_rollup=False)


def test_a_new_user_starts_with_a_current_rollup(db: Session, app: Flask) -> None:
    user = db.get_one(User, make_user(app, "bob"))
    assert rollup.is_current(db, user.id, clock_for(user))
    assert rollup.stale_users(db) == []


def test_answers_and_undos_on_the_review_page_are_counted(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    for i in range(4):
        make_card(db, user_id, f"Question {i}?", due=utcnow() - timedelta(days=1),
                  interval_days=3, reps=2)
    db.commit()
    for grade in ("5", "1", "3"):
        answer(client, grade)
    post(client, "/review/undo")
    user = db.get_one(User, user_id)
    assert counted(db, user_id) == 2
    assert same_as_history(db, user)


def test_new_day_settings_rebuild_the_rollup(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "Question?", due=utcnow() - timedelta(days=1), interval_days=3,
              reps=2)
    db.commit()
    answer(client)
    form = {"timezone": "Pacific/Kiritimati", "day_start_hour": "0", "language": "en",
            "grade_buttons": "4", "new_per_day": "20", "reviews_per_day": "200"}
    assert client.post("/account/", data=form).status_code == 302
    db.expire_all()
    user = db.get_one(User, user_id)
    mark = db.get_one(ReviewStatsMark, user_id)
    assert (mark.timezone, mark.day_start_hour) == ("Pacific/Kiritimati", 0)
    assert counted(db, user_id) == 1
    assert same_as_history(db, user)


def test_cli_rebuilds_rollups_that_are_not_current(cli: Any, app_config: dict[str, Any],
                                                  app: Flask) -> None:
    ada = make_user(app, "ada")
    engine = make_engine(app_config["DATABASE_URL"])
    with Session(engine) as db:
        card = make_card(db, ada, "Question?")
        from tests.test_stats_queries import answer as stored

        for day in range(3):
            stored(db, card, utcnow() - timedelta(days=day))
        # As a database from before the rollup: rows without a mark.
        db.execute(delete(ReviewDayStat))
        db.execute(delete(ReviewStatsMark))
        db.commit()
        assert [u.name for u in rollup.stale_users(db)] == ["ada"]
    result = cli("stats", "rebuild")
    assert result.exit_code == 0, result.output
    assert "ada: 3 answers counted" in result.output
    with Session(engine) as db:
        assert rollup.stale_users(db) == []
        assert counted(db, ada) == 3
        assert same_as_history(db, db.get_one(User, ada))
    assert "ada" not in cli("stats", "rebuild").output  # nothing left to do
    assert "ada: 3 answers counted" in cli("stats", "rebuild", "--user", "ada").output
    engine.dispose()


def test_a_bulk_append_is_counted_as_its_answers_one_by_one(db: Session, app: Flask) -> None:
    # An imported history arrives as one call: same-day answers of one group are added up
    # before they are written, and the table ends as if each had been counted alone.
    bulk, single = make_user(app, "bulk"), make_user(app, "single")
    start = utcnow() - timedelta(days=3)

    def rows(user_id: int) -> list[dict[str, Any]]:
        return [
            {"user_id": user_id, "kind": kind, "grade": grade,
             "reviewed_at": start + timedelta(hours=5 * n), "reps_before": reps,
             "lapses_before": 0, "interval_before": interval, "duration_ms": 1000 + n}
            for n, (kind, grade, reps, interval) in enumerate(
                [("review", 3, 0, 0), ("review", 3, 0, 0), ("review", 1, 4, 30),
                 ("repeat", 3, 1, 0), ("review", 3, 0, 0), ("undo", None, 0, 0),
                 ("review", 5, 6, 40), ("review", 5, 6, 40)] * 3)
        ]

    rollup.record(db, bulk, rows(bulk))
    for row in rows(single):
        rollup.record(db, single, [row])
    db.flush()

    def table(user_id: int) -> list[tuple[Any, ...]]:
        stat = ReviewDayStat
        return [tuple(r) for r in db.execute(
            select(stat.day, stat.review_class, stat.mature, stat.grade, stat.reviews,
                   stat.duration_ms).where(stat.user_id == user_id)
            .order_by(stat.day, stat.review_class, stat.mature, stat.grade))]

    assert table(bulk) == table(single)
    assert counted(db, bulk) == 21  # the undo rows count nothing
    db.rollback()
