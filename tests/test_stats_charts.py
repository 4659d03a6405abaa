"""The statistics charts: bars over their own day's label, plural forms, the button set,
and a narrow drawing for phones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.stats.charts import buttons_chart, day_label, forecast_chart
from app.stats.figures import ReviewFigures


@pytest.fixture
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def _svgs(markup: str) -> dict[str, str]:
    found = re.findall(r'(<svg[^>]*class="[^"]*chart-(wide|narrow)[^"]*".*?</svg>)', markup, re.S)
    return {fit: svg for svg, fit in found}


def _bar_centres(svg: str) -> list[float]:
    series = re.search(r'<g class="series serie-0 color-0">(.*?)</g></g>', svg, re.S)
    assert series is not None
    return [float(x) + float(w) / 2 for x, w in re.findall(
        r'<rect x="([\d.]+)" y="[\d.]+" rx="0" ry="0" width="([\d.]+)"', series.group(1))]


@pytest.mark.usefixtures("request_context")
@pytest.mark.parametrize("span", [7, 30, 90, 365])
def test_forecast_bars_stand_over_their_days_label(span: int) -> None:
    first = date(2026, 3, 27)  # across a DST change elsewhere; days are dates here
    days = [(first + timedelta(days=i), 1 + i % 4, i % 3) for i in range(span)]
    chart = forecast_chart(days)
    labels = [row[0] for row in chart.rows]
    svgs = _svgs(str(chart.svg))
    assert set(svgs) == {"wide", "narrow"}
    for fit, svg in svgs.items():
        centres = _bar_centres(svg)
        assert len(centres) == len(labels)
        shown = re.findall(r'<text x="([\d.]+)" y="[\d.]+" class="[^"]*">([^<]+)</text>', svg)
        shown = [(float(x), text) for x, text in shown if text in labels]
        assert shown, fit
        for x, text in shown:
            assert abs(centres[labels.index(text)] - x) < 1, (fit, text)


@pytest.mark.usefixtures("request_context")
def test_one_day_is_singular() -> None:
    chart = forecast_chart([(date(2026, 5, 1), 1, 0)])
    assert chart.title == "Due in the next 1 day"
    assert forecast_chart([(date(2026, 5, 1), 1, 0)] * 2).title == "Due in the next 2 days"
    assert day_label(date(2026, 5, 1)) == "May 1"


def test_one_day_streak_in_english_and_chinese(
    client: FlaskClient, user_id: int, app: Flask
) -> None:
    from datetime import UTC, datetime

    from app.db import utcnow
    from tests.factories import make_card
    from tests.test_stats_queries import answer

    with app.app_context():
        db = app.extensions["wengu.sessionmaker"]()
        card = make_card(db, user_id, "Q")
        answer(db, card, utcnow() - timedelta(minutes=1), grade=4, interval=1)
        db.commit()
        db.close()
    assert datetime.now(UTC)  # the page reads the real clock
    page = client.get("/stats").get_data(as_text=True)
    assert re.search(r'id="streak">1 day<', page)
    chinese = client.get("/stats", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert re.search(r'id="streak">1 天<', chinese)
    assert not re.search(r"\b1 days", page)


def _figures(per_grade: list[int]) -> ReviewFigures:
    today = date(2026, 5, 1)
    return ReviewFigures(
        today=today, period_start=today, heatmap=[(today, 0)], streak=0, days_studied=0,
        daily_average=0.0, bins=[], bin_unit="day", retention_bins=[], retention_unit="week",
        buttons={"learning": per_grade, "young": [0] * 6, "mature": [1] * 6},
        total_reviews=0, total_ms=0,
    )


@pytest.mark.usefixtures("request_context")
def test_buttons_chart_shows_four_buttons_in_four_button_mode() -> None:
    figures = _figures([1, 2, 3, 4, 5, 6])
    four = buttons_chart(figures, 4)
    assert [row[0] for row in four.rows] == ["Again", "Hard", "Good", "Easy"]
    assert [row[1] for row in four.rows] == ["6", "4", "5", "6"]  # 1+2+3 fail: Again
    assert [row[3] for row in four.rows] == ["3", "1", "1", "1"]
    assert ">Again<" in str(four.svg) and ">0<" not in str(four.svg).split("axis x")[1][:400]
    six = buttons_chart(figures, 6)
    assert [row[0] for row in six.rows] == ["0", "1", "2", "3", "4", "5"]
