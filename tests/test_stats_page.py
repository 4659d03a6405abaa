"""The statistics page through the client: figures, charts, text alternatives, languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import NoteSource, User
from app.stats import cached, rollup
from app.stats.charts import sparkline_svg
from tests.factories import make_card, make_deck
from tests.test_stats_queries import answer, undo

# Thursday 2026-05-14, 10:00 in Shanghai (day start 04:00): the page's "today".
NOW = datetime(2026, 5, 14, 2, 0, tzinfo=UTC)


@pytest.fixture
def history(app: Flask, db: Session, user_id: int) -> dict[str, Any]:
    """Ada's collection: a known history over the last days and a forecast."""
    user = db.get(User, user_id)
    assert user is not None
    user.timezone, user.day_start_hour = "Asia/Shanghai", 4
    rollup.rebuild(db, user, NOW)  # as the settings page does
    source = NoteSource(user_id=user_id, path="notes/kernel/mm.md", content_hash="h")
    db.add(source)
    db.flush()
    hard = make_card(db, user_id, "What does the TLB cache?", deck="os::kernel", lapses=6,
                     ef=160, due=NOW + timedelta(days=1), interval_days=3, reps=5,
                     source_id=source.id, line=12)
    easy = make_card(db, user_id, "Easy one", deck="os", due=NOW + timedelta(days=2),
                     interval_days=30, reps=6)
    make_card(db, user_id, "Brand new", deck="maths")
    # Answers: 3 on May 12 (Shanghai), 2 on May 13, 1 today; one of May 13's is undone.
    for hour in (0, 1, 2):
        answer(db, hard, datetime(2026, 5, 11, 21 + hour, tzinfo=UTC), grade=4, interval=3)
    answer(db, easy, datetime(2026, 5, 12, 22, tzinfo=UTC), grade=2, interval=30, ms=30000)
    wrong = answer(db, easy, datetime(2026, 5, 12, 23, tzinfo=UTC), grade=5, interval=30)
    undo(db, wrong, datetime(2026, 5, 12, 23, 0, 5, tzinfo=UTC))
    answer(db, hard, datetime(2026, 5, 13, 21, tzinfo=UTC), grade=3, interval=3)  # 05:00 today
    db.commit()
    return {"hard": hard.id, "easy": easy.id}


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's clock reads NOW (the login session keeps the real one)."""
    monkeypatch.setattr("app.stats.views.utcnow", lambda: NOW)


def get(client: FlaskClient, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def table_rows(html: str, key: str) -> list[list[str]]:
    """The text alternative of chart ``key`` as lists of cells."""
    section = html.split(f'id="{key}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip()
         for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def figure(html: str, ident: str) -> str:
    found = re.search(rf'id="{ident}">([^<]*)<', html)
    assert found, ident
    return found.group(1).strip()


def test_page_shows_hand_computed_figures(client: FlaskClient, history: dict[str, Any]) -> None:
    html = get(client, "/stats")
    assert figure(html, "streak") == "3 days"  # May 12, 13, 14
    assert figure(html, "period-reviews") == "5"  # 6 answers, one undone
    assert figure(html, "days-studied") == "3 / 365"
    assert figure(html, "daily-average") == f"{5 / 3:.1f}"
    assert figure(html, "due-today") == "0"
    assert figure(html, "period-minutes") == "0.6 min"  # 3 x 1 s + 30 s + 1 s = 34 s
    # Forecast: the hard card (young) tomorrow, the easy one (mature) the day after.
    forecast = table_rows(html, "forecast")
    assert len(forecast) == 30
    assert forecast[0][1:] == ["0", "0", "0"]
    assert forecast[1][1:] == ["1", "0", "1"]
    assert forecast[2][1:] == ["0", "1", "1"]
    # Reviews per day: the last three days, all of class "review".
    reviews = table_rows(html, "reviews")
    assert [row[-1] for row in reviews[-3:]] == ["3", "1", "1"]
    assert [row[3] for row in reviews[-3:]] == ["3", "1", "1"]
    # Buttons (four, the user's setting): young answered 4, 4, 4, 3 (Good ×3, Hard);
    # mature 2 (Again; the 5 was undone).
    buttons = {row[0]: row[1:] for row in table_rows(html, "buttons")}
    assert list(buttons) == ["Again", "Hard", "Good", "Easy"]
    assert buttons["Good"] == ["0", "3", "0"]
    assert buttons["Hard"] == ["0", "1", "0"]
    assert buttons["Again"] == ["0", "0", "1"]
    assert buttons["Easy"] == ["0", "0", "0"]
    # Retention this week (from Monday May 11): young 4 of 4, mature 0 of 1.
    retention = table_rows(html, "retention")
    assert retention[-1][1:] == ["100.0%", "4", "0.0%", "1"]
    states = dict(row for row in table_rows(html, "states"))
    assert (states["New"], states["Young"], states["Mature"]) == ("1", "1", "1")


def test_page_has_charts_with_text_alternatives(
    client: FlaskClient, history: dict[str, Any]
) -> None:
    html = get(client, "/stats")
    for key in ("calendar", "forecast", "reviews", "time", "retention", "buttons", "states",
                "intervals", "efactors"):
        section = html.split(f'id="{key}"', 1)[1].split("</section>", 1)[0]
        assert "<svg" in section and 'role="img"' in section and "aria-label=" in section
        assert "<details" in section and "<table>" in section
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'class="hm hm' in html  # the hand-made heatmap


def test_hardest_cards_link_to_card_and_note(
    app: Flask, client: FlaskClient, history: dict[str, Any]
) -> None:
    html = get(client, "/stats")
    section = html.split('id="hardest"', 1)[1]
    if "cards.show" in app.view_functions:
        with app.test_request_context():
            link = url_for("cards.show", card_id=history["hard"])
        assert section.count(f'href="{link}"') == 2  # most lapses, lowest E-factor
    assert "notes/kernel/mm.md:12" in section
    assert "What does the TLB cache?" in section


def test_deck_filter_includes_sub_decks(client: FlaskClient, db: Session,
                                        history: dict[str, Any]) -> None:
    os_deck = make_deck(db, history_user(db), "os")
    kernel = make_deck(db, history_user(db), "os::kernel")
    html = get(client, f"/stats?deck={os_deck.id}")
    assert figure(html, "period-reviews") == "5"
    html = get(client, f"/stats?deck={kernel.id}")
    assert figure(html, "period-reviews") == "4"  # only the hard card's answers
    maths = make_deck(db, history_user(db), "maths")
    assert figure(get(client, f"/stats?deck={maths.id}"), "period-reviews") == "0"


def history_user(db: Session) -> int:
    user = db.query(User).filter_by(name="ada").one()
    return user.id


def test_someone_elses_deck_is_404(client: FlaskClient, db: Session,
                                   history: dict[str, Any]) -> None:
    other = User(name="bob", password_hash="x")
    db.add(other)
    db.flush()
    deck = make_deck(db, other.id, "secret")
    db.commit()
    assert client.get(f"/stats?deck={deck.id}").status_code == 404


@pytest.mark.parametrize("period", ["1m", "3m", "1y", "all", "bogus"])
def test_every_period_renders(client: FlaskClient, history: dict[str, Any], period: str) -> None:
    html = get(client, f"/stats?period={period}&forecast=365")
    assert figure(html, "period-reviews") == "5"
    assert len(table_rows(html, "forecast")) == 53  # 365 days in weeks


def test_chinese_labels(client: FlaskClient, history: dict[str, Any]) -> None:
    html = get(client, "/stats", **{"Accept-Language": "zh"})
    assert '<html lang="zh-Hans">' in html
    assert "5月14日" in html  # dates in Chinese (the heatmap's last day, the forecast)
    assert "周一" in html  # weekday labels of the heatmap


def test_empty_collection(client: FlaskClient, user_id: int) -> None:
    html = get(client, "/stats")
    assert figure(html, "streak") == "0 days"
    assert figure(html, "period-reviews") == "0"


def test_login_required(client: FlaskClient, auth: Any) -> None:
    auth.create("ada")
    assert client.get("/stats").status_code == 302


def test_sparkline_svg(app: Flask) -> None:
    with app.test_request_context():
        svg = str(sparkline_svg([3, 0, 6]))
    assert svg.count('class="spark-bar"') == 2
    assert "3, 0, 6" in svg and 'role="img"' in svg
    assert 'height="16"' in svg


def test_deck_list_shows_next_days_load(client: FlaskClient, db: Session,
                                        history: dict[str, Any],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.db.utcnow", lambda: NOW)
    html = client.get("/").get_data(as_text=True)
    labels = re.findall(r'class="sparkline"[^>]*aria-label="([^"]+)"', html)
    # os (with os::kernel), os::kernel, maths: in the deck list's order.
    assert sorted(labels) == sorted([
        "Due in the next days: 0, 1, 1, 0, 0, 0, 0",
        "Due in the next days: 0, 1, 0, 0, 0, 0, 0",
        "Due in the next days: 0, 0, 0, 0, 0, 0, 0",
    ])


_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|UPSERT|CREATE|DROP|ALTER)\b", re.I)


def test_page_writes_nothing_and_matches_the_history(
    app: Flask, client: FlaskClient, db: Session, history: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deck = make_deck(db, history_user(db), "os").id
    db.commit()
    pages = [f"/stats?period={period}" for period in ("1m", "3m", "1y", "all")]
    pages += [f"/stats?deck={deck}", "/stats?forecast=365"]
    writes: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _WRITE.match(statement):
            writes.append(statement)

    engine = app.extensions["wengu.engine"]
    def body(page: str) -> str:  # the page without its (time-signed) CSRF tokens
        return re.sub(r'(content|value)="[\w.-]{40,}"', "", get(client, page))

    event.listen(engine, "before_cursor_execute", watch)
    try:
        shown = [body(page) for page in pages]
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert writes == []
    assert figure(shown[0], "period-reviews") == "5"
    # The same pages with the answers counted from the review history instead.
    monkeypatch.setattr(rollup, "read", lambda *_args: None)
    cached.review_cache.clear()
    assert [body(page) for page in pages] == shown
