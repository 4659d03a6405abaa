"""The queue's rules as pure functions: no database, no app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cards.queue import (
    DeckLimits,
    DeckTree,
    Done,
    Kind,
    Limits,
    QueueCard,
    Rules,
    build_queue,
    kind_of,
    plan_day,
    showing_id,
)

START = datetime(2026, 4, 1, 4, 0, tzinfo=UTC)
END = START + timedelta(days=1)
NOW = START + timedelta(hours=8)
RULES = Rules(overall=Limits(20, 200))


def tree(*decks: DeckLimits) -> DeckTree:
    return DeckTree.build(decks, Limits(20, 200))


ONE = tree(DeckLimits(1, "d", None))


def due(card_id: int, days_ago: float, deck: int = 1, note: str | None = None) -> QueueCard:
    return QueueCard(card_id, deck, note, NOW - timedelta(days=days_ago),
                     START - timedelta(days=3), False)


def new(card_id: int, deck: int = 1, note: str | None = None) -> QueueCard:
    return QueueCard(card_id, deck, note, None, None, False)


def ids(plan: list[tuple[QueueCard, Kind]]) -> list[int]:
    return [card.id for card, _ in plan]


def test_showing_ids_name_the_card_and_its_latest_review() -> None:
    assert showing_id(7, None) == "7.0" and showing_id(7, 12) == "7.12"


def test_kinds() -> None:
    assert kind_of(new(1), START, END, NOW) is Kind.NEW
    assert kind_of(due(1, 3), START, END, NOW) is Kind.DUE
    later_today = QueueCard(1, 1, None, END - timedelta(minutes=1), None, False)
    assert kind_of(later_today, START, END, NOW) is Kind.DUE
    tomorrow = QueueCard(1, 1, None, END, None, False)
    assert kind_of(tomorrow, START, END, NOW) is None
    repeat = QueueCard(1, 1, None, END + timedelta(days=5), NOW - timedelta(hours=1), True)
    assert kind_of(repeat, START, END, NOW) is Kind.REPEAT
    yesterdays = QueueCard(1, 1, None, NOW, START - timedelta(hours=1), True)
    assert kind_of(yesterdays, START, END, NOW) is Kind.DUE
    buried = QueueCard(1, 1, None, None, None, False, buried_until=END)
    assert kind_of(buried, START, END, NOW) is None
    assert kind_of(buried, START, END, END) is Kind.NEW


def test_overdue_first_then_new_cards_spread_at_the_limits_ratio() -> None:
    cards = [due(i, 10 - i) for i in range(1, 11)] + [new(i) for i in range(11, 13)]
    rules = Rules(overall=Limits(2, 10))
    plan = plan_day(cards, tree(DeckLimits(1, "d", None, 2, 10)), Done(), rules, 1,
                    START, END, NOW)
    assert ids(plan) == [1, 2, 3, 4, 5, 11, 6, 7, 8, 9, 10, 12]


def test_a_decks_limit_covers_its_subdecks() -> None:
    decks = tree(DeckLimits(1, "p", None, 3, 100), DeckLimits(2, "p::a", 1, 2, 100),
                 DeckLimits(3, "p::b", 1))
    cards = [new(i, deck=2) for i in range(1, 4)] + [new(i, deck=3) for i in range(4, 7)]
    # p::a stops at its own 2; p stops both at 3; p::b inherits p's 3.
    assert ids(plan_day(cards, decks, Done(), RULES, 1, START, END, NOW)) == [1, 2, 4]
    assert ids(plan_day(cards, decks, Done(), RULES, 2, START, END, NOW)) == [1, 2]
    # Answers already given today in a sub-deck count against the parent.
    done = Done(new={3: 2})
    assert ids(plan_day(cards, decks, done, RULES, 1, START, END, NOW)) == [1]


def test_reviewing_every_deck_obeys_the_overall_limit() -> None:
    decks = tree(DeckLimits(1, "a", None), DeckLimits(2, "b", None))
    cards = [new(i, deck=1 + i % 2) for i in range(1, 41)]
    everything = plan_day(cards, decks, Done(), Rules(Limits(20, 200)), None, START, END, NOW)
    assert len(everything) == 20
    assert len(plan_day(cards, decks, Done(), RULES, 1, START, END, NOW)) == 20
    done = Done(new={1: 15})
    assert len(plan_day(cards, decks, done, RULES, None, START, END, NOW)) == 5


def test_siblings_wait_for_another_day() -> None:
    cards = [new(1, note="n"), new(2, note="n"), new(3, note="m"), due(4, 1, note="k")]
    plan = plan_day(cards, ONE, Done(), RULES, None, START, END, NOW, held={"k"})
    assert ids(plan) == [1, 3]


def test_new_cards_stop_while_reviews_are_overdue_beyond_the_threshold() -> None:
    cards = [due(1, 3), due(2, 2), new(3), new(4)]
    rules = Rules(overall=Limits(20, 200), stop_new_overdue=1)
    plan = plan_day(cards, ONE, Done(), rules, None, START, END, NOW)
    # Two overdue: new cards wait until one of them is reviewed.
    assert ids(plan) == [1, 2, 3, 4]
    assert ids(plan_day(cards, ONE, Done(), Rules(Limits(20, 200), 0), None,
                        START, END, NOW)) == [1, 2, 3, 4]
    limited = Rules(Limits(20, 1), stop_new_overdue=0)  # the backlog stays: no new card
    assert ids(plan_day(cards, ONE, Done(), limited, None, START, END, NOW)) == [1]
    assert ids(plan_day(cards, ONE, Done(), Rules(Limits(20, 1)), None,
                        START, END, NOW)) == [1, 3, 4]


def test_repeats_come_after_everything_else_oldest_first() -> None:
    late = QueueCard(5, 1, None, END + timedelta(days=1), NOW - timedelta(minutes=1), True)
    early = QueueCard(6, 1, None, END + timedelta(days=1), NOW - timedelta(minutes=9), True)
    queue = build_queue([late, early, due(1, 1)], ONE, Done(), RULES, None, START, END, NOW)
    assert queue.next() == (due(1, 1), Kind.DUE)
    assert queue.counts().review == 1 and queue.counts().repeat == 2
    assert [c.id for c in queue.repeats] == [6, 5]


# --- answering the head of the plan leaves the rest as planned --------------------------

decks_strategy = st.just(tree(
    DeckLimits(1, "a", None, 4, 9), DeckLimits(2, "a::x", 1, 2, None), DeckLimits(3, "b", None),
))


@st.composite
def collections(draw: st.DrawFn) -> list[QueueCard]:
    n = draw(st.integers(0, 25))
    cards = []
    for i in range(1, n + 1):
        deck = draw(st.sampled_from([1, 2, 3]))
        note = draw(st.sampled_from([None, "n1", "n2", "n3", "n4"]))
        if draw(st.booleans()):
            cards.append(new(i, deck, note))
        else:
            cards.append(due(i, draw(st.integers(-1, 9)) / 2, deck, note))
    return cards


@settings(max_examples=200, deadline=None)
@given(collections(), decks_strategy, st.sampled_from([None, 1, 2, 3]),
       st.integers(0, 6), st.integers(1, 12), st.sampled_from([None, 0, 2]),
       st.lists(st.booleans(), max_size=40))
def test_answering_the_next_card_leaves_the_rest_of_the_plan(
    cards: list[QueueCard], decks: DeckTree, scope: int | None, overall_new: int,
    overall_review: int, stop: int | None, passes: list[bool],
) -> None:
    rules = Rules(Limits(overall_new, overall_review), stop)
    done = Done()
    stored = {c.id: c for c in cards}
    now = NOW
    queue = build_queue(list(stored.values()), decks, done, rules, scope, START, END, now)
    planned = ids(queue.plan)
    for passed in passes:
        found = queue.next()
        if found is None:
            break
        card, kind = found
        now += timedelta(seconds=10)
        # What the answer stores: answered now, due in days, or a repeat of today.
        after = QueueCard(card.id, card.deck_id, card.note_key, now + timedelta(days=3), now,
                          not passed)
        stored[card.id] = after
        if kind is not Kind.REPEAT:
            into = done.new if kind is Kind.NEW else done.review
            into[card.deck_id] = into.get(card.deck_id, 0) + 1
        assert queue.answered(after)
        held = {c.note_key for c in stored.values()
                if c.note_key and c.last_reviewed_at is not None and c.last_reviewed_at >= START}
        fresh = build_queue(list(stored.values()), decks, done, rules, scope, START, END, now,
                            held)
        assert ids(fresh.plan) == ids(queue.plan[queue.position:])
        assert fresh.repeats == queue.repeats
        assert fresh.counts() == queue.counts()
    # Every count is what is shown: the plan holds no sibling twice and fits every limit.
    notes = [stored[i].note_key for i in planned if stored[i].note_key]
    assert len(notes) == len(set(notes))
