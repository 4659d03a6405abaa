"""The card browser: search, filters, sorting, keyset pages and bulk actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.cards.search import BrowseQuery, decode_cursor, encode_cursor, page
from app.models import Card, NoteSource, Review, Tag, Tombstone
from tests.factories import make_card, make_deck

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ROW = re.compile(r'name="ids" value="(\d+)"')


def shown_ids(html: str) -> list[int]:
    return [int(found) for found in ROW.findall(html)]


def browse(client: FlaskClient, **args: str) -> str:
    response = client.get("/browse/", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- search ----------------------------------------------------------------------------------


def test_search_chinese_after_nfkc(client: FlaskClient, db: Session, user_id: int) -> None:
    # "云原⽣" below spells 生 with the Kangxi radical U+2F63; NFKC makes it 生.
    radical = make_card(db, user_id, "什么是云原\u2f63?", "容器与编排")
    plain = make_card(db, user_id, "Cloud", "云原生应用")
    make_card(db, user_id, "云计算", "其他")
    db.commit()
    assert sorted(shown_ids(browse(client, q="云原生"))) == sorted([radical.id, plain.id])
    assert shown_ids(browse(client, q="容器")) == [radical.id]
    assert shown_ids(browse(client, q="云原\u2f63")) != []


def test_search_english_is_case_insensitive_over_both_sides(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    a = make_card(db, user_id, "What is the TLB?", "Translation lookaside buffer")
    b = make_card(db, user_id, "Paging", "uses the tlb to cache translations")
    make_card(db, user_id, "Segments", "unrelated")
    db.commit()
    assert sorted(shown_ids(browse(client, q="tlb"))) == sorted([a.id, b.id])
    assert shown_ids(browse(client, q="LOOKASIDE  Buffer")) == [a.id]
    assert shown_ids(browse(client, q="ＴＬＢ")) != []  # full-width letters, NFKC


def test_search_treats_like_wildcards_literally(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    hit = make_card(db, user_id, "100% sure_thing", "")
    make_card(db, user_id, "100 percent surely", "")
    db.commit()
    assert shown_ids(browse(client, q="100%")) == [hit.id]
    assert shown_ids(browse(client, q="e_t")) == [hit.id]


def test_search_text_follows_edits_made_anywhere(db: Session, user_id: int) -> None:
    card = make_card(db, user_id, "Alpha", "Beta")
    db.commit()
    card.back = "Ｇａｍｍａ 伽马"
    db.commit()
    assert card.search_text == "alpha gamma 伽马"


SEARCHABLE = st.text(
    alphabet=st.sampled_from(list("abcXYZ 云原生页表\u2f63ＡＢｃ１2?:")), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=SEARCHABLE, data=st.data())
def test_any_substring_of_front_or_back_finds_the_card(
    db: Session, user_id: int, text: str, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    stop = data.draw(st.integers(start + 1, len(text)))
    needle = text[start:stop]
    side = data.draw(st.sampled_from(["front", "back"]))
    try:
        card = make_card(db, user_id, **{side: text, "front" if side == "back" else "back": "-"})
        db.flush()
        found = [c.id for c, _ in page(db, user_id, BrowseQuery(q=needle, limit=5), T0).rows]
        # (A needle of nothing but spaces and marks normalises to "" and filters nothing.)
        assert found == [card.id]
    finally:
        db.rollback()


# --- filters ---------------------------------------------------------------------------------


def test_deck_filter_includes_sub_decks(client: FlaskClient, db: Session, user_id: int) -> None:
    top = make_card(db, user_id, deck="Lang")
    sub = make_card(db, user_id, deck="Lang::中文")
    make_card(db, user_id, deck="Other")
    lang = make_deck(db, user_id, "Lang")
    db.commit()
    assert sorted(shown_ids(browse(client, deck=str(lang.id)))) == sorted([top.id, sub.id])


def test_tag_and_source_filters(client: FlaskClient, db: Session, user_id: int) -> None:
    tag = Tag(user_id=user_id, name="os")
    source = NoteSource(user_id=user_id, path="notes/kernel/mm.md", content_hash="h")
    db.add_all([tag, source])
    db.flush()
    tagged = make_card(db, user_id, "tagged")
    tagged.tags.append(tag)
    from_note = make_card(db, user_id, "from note", kind="question", key="question-1",
                          source_id=source.id, line=3)
    db.commit()
    assert shown_ids(browse(client, tag="os")) == [tagged.id]
    assert shown_ids(browse(client, source="kernel/")) == [from_note.id]
    assert "notes/kernel/mm.md:3" in browse(client)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("new", {"new"}),
        ("learning", {"failed", "repeat"}),
        ("due", {"due", "failed", "repeat"}),
        ("suspended", {"suspended"}),
        ("buried", {"buried"}),
        ("retired", {"retired"}),
        ("needs_answer", {"question"}),
        ("edited", {"edited"}),
    ],
)
def test_state_filters(
    client: FlaskClient, db: Session, user_id: int, state: str, expected: set[str]
) -> None:
    past = datetime.now(UTC) - timedelta(days=1)
    future = datetime.now(UTC) + timedelta(days=30)
    cards = {
        "new": make_card(db, user_id, "new"),
        "due": make_card(db, user_id, "due", reps=2, interval_days=6, due=past),
        "later": make_card(db, user_id, "later", reps=2, interval_days=6, due=future),
        "failed": make_card(db, user_id, "failed", reps=0, lapses=1, due=past),
        "repeat": make_card(db, user_id, "repeat", reps=1, due=past, repeat_pending=True),
        "suspended": make_card(db, user_id, "suspended", reps=2, due=future, suspended=True),
        "buried": make_card(db, user_id, "buried", reps=2, due=future, buried_until=future),
        "retired": make_card(db, user_id, "retired", reps=2, due=future, retired_at=past),
        "question": make_card(db, user_id, "question", "", kind="question", key="q-1",
                              needs_answer=True),
        "edited": make_card(db, user_id, "edited", reps=2, due=future, kind="question",
                            key="q-2", edited=True),
    }
    db.commit()
    ids = set(shown_ids(browse(client, state=state)))
    assert ids == {cards[name].id for name in expected}


def test_deleted_and_other_users_cards_never_show(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    from tests.conftest import make_user

    bob = make_user(client.application, "bob")
    make_card(db, bob, "bob's secret")
    make_card(db, user_id, "deleted", deleted_at=T0)
    mine = make_card(db, user_id, "mine")
    db.commit()
    html = browse(client)
    assert shown_ids(html) == [mine.id]
    assert shown_ids(browse(client, q="secret")) == []


# --- sorting and pages -----------------------------------------------------------------------


def test_sort_by_each_column(client: FlaskClient, db: Session, user_id: int) -> None:
    a = make_card(db, user_id, "b-front", deck="Z", interval_days=5, ef=200, lapses=3,
                  due=T0 + timedelta(days=2))
    b = make_card(db, user_id, "a-front", deck="A", interval_days=9, ef=260, lapses=0)
    db.add(Review(user_id=user_id, card_id=b.id, grade=4, reviewed_at=T0, reps_before=0,
                  ef_before=250, interval_before=0, due_before=None, lapses_before=0,
                  reps_after=1, ef_after=250, interval_after=1, due_after=T0, lapses_after=0))
    db.commit()
    expectations = {
        "front": [b.id, a.id], "deck": [b.id, a.id], "interval": [a.id, b.id],
        "ef": [a.id, b.id], "lapses": [b.id, a.id], "reviews": [a.id, b.id],
        "due": [a.id, b.id],  # new cards (no due) last
    }
    for column, ascending in expectations.items():
        assert shown_ids(browse(client, sort=column, dir="asc")) == ascending, column
        if column != "due":
            assert shown_ids(browse(client, sort=column, dir="desc")) == ascending[::-1], column


def test_review_count_leaves_out_undone_answers(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    def review(card: Card, kind: str = "review", undoes: int | None = None) -> Review:
        row = Review(user_id=user_id, card_id=card.id, kind=kind,
                     grade=None if kind == "undo" else 4, reviewed_at=T0, undoes_id=undoes,
                     reps_before=0, ef_before=250, interval_before=0, due_before=None,
                     lapses_before=0, reps_after=1, ef_after=250, interval_after=1,
                     due_after=T0, lapses_after=0)
        db.add(row)
        db.flush()
        return row

    three = make_card(db, user_id, "three answers, one undone")
    two = make_card(db, user_id, "two answers")
    for _ in range(2):
        review(two)
    first = review(three)
    review(three, "repeat")
    review(three, "undo", undoes=first.id)
    review(three)
    db.commit()
    result = page(db, user_id, BrowseQuery(sort="reviews", desc=True), T0)
    assert [(card.id, count) for card, count in result.rows] == [(two.id, 2), (three.id, 2)]
    html = browse(client, sort="reviews", dir="asc")
    assert shown_ids(html) == [three.id, two.id]  # ties broken by id


def walk(session: Session, user_id: int, query: BrowseQuery) -> list[int]:
    """Every page forwards, following next cursors."""
    seen: list[int] = []
    current = query
    for _ in range(1000):
        result = page(session, user_id, current, T0)
        seen.extend(card.id for card, _reviews in result.rows)
        if result.next_cursor is None:
            return seen
        current = BrowseQuery(**{**current.__dict__, "after": result.next_cursor})
    raise AssertionError("pages never end")


def walk_back(session: Session, user_id: int, query: BrowseQuery, start: str) -> list[int]:
    """Every page backwards from the ``before`` cursor ``start``."""
    seen: list[int] = []
    cursor: str | None = start
    while cursor:
        current = BrowseQuery(**{**query.__dict__, "after": "", "before": cursor})
        result = page(session, user_id, current, T0)
        seen[:0] = [card.id for card, _reviews in result.rows]
        cursor = result.prev_cursor
    return seen


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    intervals=st.lists(st.sampled_from([0, 1, 1, 3]), min_size=0, max_size=23),
    dues=st.lists(st.sampled_from([None, 0, 0, 2]), min_size=23, max_size=23),
    limit=st.integers(min_value=1, max_value=7),
    sort=st.sampled_from(["interval", "due", "front", "created", "reviews"]),
    desc=st.booleans(),
)
def test_pages_cover_every_row_once_with_ties(
    db: Session, user_id: int, intervals: list[int], dues: list[int | None], limit: int,
    sort: str, desc: bool,
) -> None:
    try:
        _check_pages(db, user_id, intervals, dues, limit, sort, desc)
    finally:
        db.rollback()


def _check_pages(
    db: Session, user_id: int, intervals: list[int], dues: list[int | None], limit: int,
    sort: str, desc: bool,
) -> None:
    for n, interval in enumerate(intervals):
        due = None if dues[n] is None else T0 + timedelta(days=dues[n])  # type: ignore[operator]
        make_card(db, user_id, f"front {interval}", interval_days=interval, due=due)
    db.flush()
    query = BrowseQuery(sort=sort, desc=desc, limit=limit)
    forwards = walk(db, user_id, query)
    assert sorted(forwards) == sorted(c.id for c in db.scalars(select(Card)))
    assert len(forwards) == len(set(forwards))
    if forwards:
        # Walking back from past the last row gives the same order.
        last = page(db, user_id, BrowseQuery(sort=sort, desc=desc, limit=len(forwards)), T0)
        card, _ = last.rows[-1]
        end_value = _sort_value(card, sort)
        beyond = encode_cursor(end_value, card.id)
        assert walk_back(db, user_id, query, beyond) == forwards[:-1]


def test_pages_at_every_boundary_for_every_sort(db: Session, user_id: int) -> None:
    """Ties and NULLs in the sort column, every page size: each row exactly once, both ways."""
    from app.cards.search import SORTS

    source = NoteSource(user_id=user_id, path="a.md", content_hash="h")
    db.add(source)
    db.flush()
    for n in range(13):
        make_card(db, user_id, f"front {n % 4}", deck="AB"[n % 2], interval_days=n % 3,
                  due=None if n % 3 == 0 else T0 + timedelta(days=n % 2), ef=250 - (n % 2) * 20,
                  lapses=n % 2, kind="question" if n % 5 else "basic", key=f"k{n}",
                  source_id=source.id if n % 4 else None)
    db.commit()
    every = sorted(c.id for c in db.scalars(select(Card)))
    for sort in SORTS:
        for desc in (False, True):
            whole = [c.id for c, _ in page(db, user_id, BrowseQuery(sort=sort, desc=desc,
                                                                    limit=100), T0).rows]
            assert sorted(whole) == every
            for limit in range(1, 7):
                query = BrowseQuery(sort=sort, desc=desc, limit=limit)
                assert walk(db, user_id, query) == whole, (sort, desc, limit)
                result = page(db, user_id, BrowseQuery(sort=sort, desc=desc, limit=limit,
                                                       after=_last_cursor(db, user_id, sort,
                                                                          desc)), T0)
                assert result.rows == [] and result.next_cursor is None
                # Backwards from the last page's first row.
                pages = _pages(db, user_id, query)
                assert walk_back(db, user_id, query, pages[-1]) == whole[: -len_last(
                    whole, limit)], (sort, desc, limit)


def len_last(whole: list[int], limit: int) -> int:
    return len(whole) % limit or limit


def _pages(db: Session, user_id: int, query: BrowseQuery) -> list[str]:
    """The ``before`` cursor of each page (its first row)."""
    from app.cards.search import encode_cursor as encode

    cursors = []
    current = query
    while True:
        result = page(db, user_id, current, T0)
        first = result.rows[0][0]
        cursors.append(encode(_value(db, first, query.sort), first.id))
        if result.next_cursor is None:
            return cursors
        current = BrowseQuery(**{**current.__dict__, "after": result.next_cursor})


def _last_cursor(db: Session, user_id: int, sort: str, desc: bool) -> str:
    rows = page(db, user_id, BrowseQuery(sort=sort, desc=desc, limit=100), T0).rows
    card = rows[-1][0]
    return encode_cursor(_value(db, card, sort), card.id)


def _value(db: Session, card: Card, sort: str) -> object:
    return {"front": card.front, "deck": card.deck.name, "kind": card.kind, "due": card.due,
            "interval": card.interval_days, "ef": card.ef, "lapses": card.lapses,
            "reviews": 0, "created": card.id,
            "source": card.source.path if card.source else None}[sort]


def _sort_value(card: Card, sort: str) -> object:
    return {"interval": card.interval_days, "due": card.due, "front": card.front,
            "created": card.id, "reviews": 0}[sort]


def link_args(href: str) -> dict[str, str]:
    query = urlsplit(href.replace("&amp;", "&")).query
    return {key: values[0] for key, values in parse_qs(query).items()}


def test_page_links_in_the_html_walk_the_whole_list(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    ids = [make_card(db, user_id, f"card {n:02d}", interval_days=n % 3).id for n in range(12)]
    db.commit()
    seen: list[int] = []
    args = {"sort": "interval", "dir": "asc", "limit": "5"}
    for _ in range(10):
        html = browse(client, **args)
        seen.extend(shown_ids(html))
        found = re.search(r'rel="next" href="([^"]+)"', html)
        if not found:
            break
        args = link_args(found.group(1))
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    # And back again from the last page.
    found = re.search(r'rel="prev" href="([^"]+)"', html)
    assert found is not None
    back = browse(client, **link_args(found.group(1)))
    assert shown_ids(back) == seen[5:10]


def test_mangled_cursor_shows_the_first_page(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    card = make_card(db, user_id)
    db.commit()
    response = client.get("/browse/", query_string={"after": "not-a-cursor!!"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert shown_ids(html) == [card.id]
    assert "no longer valid" in html


HUGE = 10**30
TAMPERED = [
    ("created", encode_cursor(HUGE, 1)),
    ("created", encode_cursor(1, HUGE)),
    ("created", encode_cursor(-HUGE, 1)),
    ("interval", encode_cursor(HUGE, 1)),
    ("interval", encode_cursor("abc", 1)),
    ("reviews", encode_cursor("1", 1)),
    ("ef", encode_cursor(T0, 1)),
    ("front", encode_cursor(HUGE, 1)),
    ("front", encode_cursor(7, 1)),
    ("front", encode_cursor("a\x00b", 1)),
    ("deck", encode_cursor(T0, 1)),
    ("due", encode_cursor("tomorrow", 1)),
    ("due", encode_cursor(3, 1)),
    ("source", encode_cursor(3, 1)),
    ("created", encode_cursor(True, 1)),
]


@pytest.mark.parametrize(("sort", "cursor"), TAMPERED)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_tampered_cursor_is_a_400(
    client: FlaskClient, db: Session, user_id: int, sort: str, cursor: str, direction: str
) -> None:
    """Values out of a column's range or of another type are refused before the
    database sees them (SQLite overflows on huge integers, PostgreSQL on type mismatches)."""
    card = make_card(db, user_id)
    db.commit()
    response = client.get("/browse/", query_string={"sort": sort, direction: cursor})
    assert response.status_code == 400
    assert shown_ids(response.get_data(as_text=True)) == [card.id]


def test_cursor_round_trip() -> None:
    for value in (None, 3, "云原生", T0):
        assert decode_cursor(encode_cursor(value, 17)) == (value, 17)


# --- bulk actions ----------------------------------------------------------------------------


def test_bulk_suspend_move_tag_delete(client: FlaskClient, db: Session, user_id: int) -> None:
    a = make_card(db, user_id, "a", kind="question", key="question-a")
    b = make_card(db, user_id, "b")
    untouched = make_card(db, user_id, "c")
    target = make_deck(db, user_id, "Target")
    db.commit()
    ids = [str(a.id), str(b.id)]

    def bulk(**data: object) -> str:
        response = client.post("/browse/bulk", data={"ids": ids, "return": "q=x&sort=ef",
                                                    **data})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/browse/?")
        assert "sort=ef" in response.headers["Location"]
        return client.get("/browse/").get_data(as_text=True)

    assert "2 cards suspended." in bulk(action="suspend")
    db.expire_all()
    assert [c.suspended for c in db.scalars(select(Card).order_by(Card.id))] == [
        True, True, False]
    assert "2 cards unsuspended." in bulk(action="unsuspend")
    assert "2 cards moved to Target." in bulk(action="move", deck_id=str(target.id))
    assert "2 cards tagged." in bulk(action="tag", tags="x, y")
    db.expire_all()
    for card in (db.get(Card, a.id), db.get(Card, b.id)):
        assert card is not None and card.deck_id == target.id
        assert sorted(t.name for t in card.tags) == ["x", "y"]
    assert "2 cards deleted." in bulk(action="delete")
    db.expire_all()
    assert db.get(Card, untouched.id).deleted_at is None  # type: ignore[union-attr]
    assert db.get(Card, a.id).deleted_at is not None  # type: ignore[union-attr]
    assert [t.key for t in db.scalars(select(Tombstone))] == ["question-a"]


def test_bulk_ignores_other_users_cards_and_bad_input(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    from tests.conftest import make_user

    bob = make_user(client.application, "bob")
    theirs = make_card(db, bob, "bob's")
    bobs_deck = make_deck(db, bob, "Bob")
    mine = make_card(db, user_id, "mine")
    db.commit()
    response = client.post("/browse/bulk", data={"ids": [str(theirs.id)], "action": "delete"},
                           follow_redirects=True)
    assert "Select at least one card." in response.get_data(as_text=True)
    response = client.post("/browse/bulk", data={"ids": [str(mine.id)], "action": "move",
                                                 "deck_id": str(bobs_deck.id)},
                           follow_redirects=True)
    assert "That deck does not exist." in response.get_data(as_text=True)
    response = client.post("/browse/bulk", data={"ids": [str(mine.id)], "action": "nuke"},
                           follow_redirects=True)
    assert "Choose an action." in response.get_data(as_text=True)
    response = client.post("/browse/bulk", data={"ids": [str(mine.id)], "action": "tag",
                                                 "tags": " , "}, follow_redirects=True)
    assert "Type the tag(s) to add." in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Card, theirs.id).deleted_at is None  # type: ignore[union-attr]
    assert db.get(Card, mine.id).deck_id != bobs_deck.id  # type: ignore[union-attr]


# --- what a page loads -----------------------------------------------------------------------


def test_page_reads_only_the_columns_shown(
    app: Flask, client: FlaskClient, db: Session, user_id: int
) -> None:
    """A large note with many cards: no row carries the note's text or a card's hidden
    sides (they made one page take seconds and a 40 MB note pin a worker)."""
    note = "# Big\n\n" + "filler line of the note body\n" * 40_000  # ~1.1 MB
    source = NoteSource(user_id=user_id, path="big.md", content_hash="h", content=note)
    db.add(source)
    db.flush()
    back = "hidden back " * 1000
    for n in range(60):
        make_card(db, user_id, f"Question {n}?", back, source_id=source.id, line=n + 3,
                  search_text="s" * 5000)
    db.commit()
    statements: list[str] = []
    engine = app.extensions["wengu.engine"]

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        html = browse(client, sort="source", limit="100")
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(shown_ids(html)) == 60
    assert "big.md:3" in html
    pages = [s for s in statements if "FROM cards" in s and "note_sources" in s]
    assert pages, statements
    for statement in pages:
        selected = statement.split("FROM", 1)[0]
        assert "note_sources.content" not in selected
        for hidden in ("cards.back", "cards.search_text", "cards.context"):
            assert hidden not in selected


def test_page_rows_leave_hidden_columns_unloaded(db: Session, user_id: int) -> None:
    source = NoteSource(user_id=user_id, path="a.md", content_hash="h", content="x" * 100_000)
    db.add(source)
    db.flush()
    make_card(db, user_id, "Q?", "A", source_id=source.id)
    db.commit()
    db.expunge_all()
    (card, _reviews), = page(db, user_id, BrowseQuery(), T0).rows
    assert {"back", "search_text", "context"} <= inspect(card).unloaded
    assert card.source is not None
    assert "content" in inspect(card.source).unloaded
    assert card.source.path == "a.md" and card.deck.name == "Default"
