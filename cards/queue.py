"""The pure parts of the daily review queue: the user's day, limits, mixing new cards in.

"Today" exists only here: it runs from the user's day-start hour in the
user's time zone to the same hour the next local day, whatever the UTC
offset does in between (daylight saving time). The shell hands in the time
zone and the clock; everything returned is aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TypeVar

__all__ = ["day_bounds", "interleave", "take_within_limits"]

T = TypeVar("T")


def day_bounds(now: datetime, tz: tzinfo, day_start_hour: int) -> tuple[datetime, datetime]:
    """The start and end (aware UTC) of the review day that contains ``now``.

    The day starts at ``day_start_hour`` local time in ``tz``; before that
    hour, it is still the previous day.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not 0 <= day_start_hour <= 23:
        raise ValueError(f"day_start_hour must be 0 to 23, not {day_start_hour}")
    local = now.astimezone(tz)
    day = local.date()
    if local.hour < day_start_hour:
        day -= timedelta(days=1)
    start_hour = time(day_start_hour)
    start = datetime.combine(day, start_hour, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), start_hour, tzinfo=tz).astimezone(UTC)
    return start, end


def interleave(reviews: Sequence[T], news: Sequence[T]) -> list[T]:
    """Reviews in their order with the new cards spread evenly among them.

    With R reviews and N new cards, a new card follows roughly every R/N
    reviews; the first card is a review when there is one.
    """
    if not news:
        return list(reviews)
    if not reviews:
        return list(news)
    result: list[T] = []
    total_r, total_n = len(reviews), len(news)
    r = n = 0
    while r < total_r or n < total_n:
        # Take a new card when it is behind its share of the reviews so far.
        if n < total_n and (r == total_r or n * total_r < r * total_n):
            result.append(news[n])
            n += 1
        else:
            result.append(reviews[r])
            r += 1
    return result


def take_within_limits(
    candidates: Iterable[T],
    deck_of: Callable[[T], int],
    limited_decks: Callable[[int], Sequence[int]],
    remaining: Mapping[int, int],
    wanted: int | None = None,
) -> list[T]:
    """The candidates, in order, that fit every deck limit that applies to them.

    ``limited_decks(deck_id)`` names the decks whose limit covers a card in
    ``deck_id`` (the deck itself and its ancestors up to the reviewed deck);
    ``remaining`` says how many more cards each of those decks may show
    today. Stops after ``wanted`` cards if given.
    """
    left = dict(remaining)
    taken: list[T] = []
    for card in candidates:
        if wanted is not None and len(taken) >= wanted:
            break
        decks = limited_decks(deck_of(card))
        if all(left.get(deck, 0) > 0 for deck in decks):
            for deck in decks:
                left[deck] -= 1
            taken.append(card)
    return taken
