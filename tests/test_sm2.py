"""The SM-2 core: exact E-Factors, the published interval rule, same-day repeats.

Every expected sequence below was worked out by hand from the rules in
``cards/sm2.py``, in integer hundredths so that nothing is rounded twice:
EF changes by +10 / 0 / −14 for grades 5 / 4 / 3, never below 130; the
interval after the n-th correct answer is 1, 6, then ceil(previous × EF),
with the EF from *before* that answer; a grade below 3 gives 1 day, resets
the repetition count and leaves EF alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.sm2 import (
    BUTTONS,
    EF_FLOOR,
    MAX_INTERVAL,
    Grade,
    State,
    ef_change,
    next_interval,
    preview_intervals,
    review,
)

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def run(grades: list[int]) -> list[State]:
    """Answer each grade on the day the card falls due; the states after each answer."""
    state, now, states = State(), T0, []
    for grade in grades:
        state, _log = review(state, grade, now)
        states.append(state)
        assert state.due is not None
        now = state.due
    return states


@pytest.mark.parametrize(
    ("grades", "intervals", "efs"),
    [
        # Six 5s: EF 250→260→…→310; I = 1, 6, ceil(6×2.70)=17, ceil(17×2.80)=48,
        # ceil(48×2.90)=140, 140×3.00 = 420 exactly (floats give 421).
        ([5] * 6, [1, 6, 17, 48, 140, 420], [260, 270, 280, 290, 300, 310]),
        # Six 4s: EF stays 250; 6×2.5=15, 15×2.5=37.5→38, 38×2.5=95, 95×2.5=237.5→238.
        ([4] * 6, [1, 6, 15, 38, 95, 238], [250] * 6),
        # Six 3s: EF −14 each (236, 222, …); 6×2.22=13.32→14, 14×2.08=29.12→30,
        # 30×1.94=58.2→59, 59×1.80=106.2→107.
        ([3] * 6, [1, 6, 14, 30, 59, 107], [236, 222, 208, 194, 180, 166]),
        # 5,5 then a lapse: 2 gives 1 day and keeps EF 270; the repetitions restart:
        # 1 (EF→280), 6 (EF→290), then 6×2.90=17.4→18.
        ([5, 5, 2, 5, 5, 5], [1, 6, 1, 1, 6, 18], [260, 270, 270, 280, 290, 300]),
        # 4 (1d, EF 250), 3 (6d, EF 236), 5 (6×2.36=14.16→15, EF 246), 0 (1d, EF kept),
        # 3 (restart: 1d, EF 232), 4 (6d, EF 232).
        ([4, 3, 5, 0, 3, 4], [1, 6, 15, 1, 1, 6], [250, 236, 246, 246, 232, 232]),
    ],
)
def test_hand_computed_sequences(grades: list[int], intervals: list[int], efs: list[int]) -> None:
    states = run(grades)
    assert [s.interval for s in states] == intervals
    assert [s.ef for s in states] == efs


def test_ef_floor_and_long_intervals() -> None:
    # Twelve 3s: EF 250 − 14k reaches 138 after 8 answers, then 124 is floored to 130.
    # Intervals continue from 107: 107×1.66=177.62→178, 178×1.52=270.56→271,
    # 271×1.38=373.98→374, then ×1.30: 486.2→487, 633.1→634, 824.2→825.
    states = run([3] * 12)
    assert [s.ef for s in states][6:] == [152, 138, 130, 130, 130, 130]
    assert [s.interval for s in states][6:] == [178, 271, 374, 487, 634, 825]


def test_ef_changes_per_grade() -> None:
    assert [ef_change(q) for q in range(6)] == [-80, -54, -32, -14, 0, 10]
    assert next_interval(3, 140, 300) == 420
    assert next_interval(3, 6, 270) == 17


def test_failure_restarts_and_counts_lapse() -> None:
    learned = run([5, 5, 5])[-1]
    now = learned.due
    assert now is not None
    after, log = review(learned, Grade.WRONG, now)
    assert (after.reps, after.interval, after.ef) == (0, 1, learned.ef)
    assert after.due == now + timedelta(days=1)
    assert after.lapses == learned.lapses + 1
    assert after.repeat_pending and not log.same_day_repeat
    # A new card failed on its first showing has not lapsed: it was never learned.
    first, _ = review(State(), 0, T0)
    assert first.lapses == 0 and first.interval == 1


def test_same_day_repeats_change_nothing_but_the_flag() -> None:
    after, _ = review(State(), Grade.DIFFICULT, T0)
    assert after.repeat_pending  # 3 is below 4: back today
    later = T0 + timedelta(minutes=10)
    again, log = review(after, Grade.WRONG, later, same_day_repeat=True)
    assert log.same_day_repeat
    assert (again.ef, again.interval, again.due, again.reps) == (
        after.ef, after.interval, after.due, after.reps)
    assert again.repeat_pending and again.last_review == later
    done, _ = review(again, Grade.HESITANT, later + timedelta(minutes=5), same_day_repeat=True)
    assert not done.repeat_pending
    assert (done.ef, done.interval, done.due) == (after.ef, after.interval, after.due)


def test_four_buttons_map_to_grades() -> None:
    assert [int(g) for g in BUTTONS.values()] == [1, 3, 4, 5]


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        review(State(), 6, T0)
    with pytest.raises(ValueError):
        review(State(), 4, datetime(2026, 1, 1))


grades = st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=40)
late = st.integers(min_value=0, max_value=30)


@given(grades, st.lists(late, min_size=40, max_size=40))
def test_properties_over_any_history(history: list[int], lateness: list[int]) -> None:
    state, now = State(), T0
    for grade, days_late in zip(history, lateness, strict=False):
        preview = preview_intervals(state)
        after, log = review(state, grade, now)
        assert after.ef >= EF_FLOOR
        assert after.interval == preview[grade]
        if grade < 3:
            assert after.interval == 1 and after.ef == state.ef and after.reps == 0
        else:
            assert after.interval >= state.interval  # a correct answer never shortens it
            assert after.reps == state.reps + 1
        assert after.repeat_pending == (grade < 4)
        assert log.before == state and log.after == after
        assert after.due is not None
        state, now = after, after.due + timedelta(days=days_late)


@given(st.integers(min_value=130, max_value=400), st.integers(min_value=1, max_value=5000))
def test_interval_is_exact_ceiling(ef: int, interval: int) -> None:
    from fractions import Fraction

    exact = Fraction(interval * ef, 100)
    result = next_interval(3, interval, ef)
    assert result >= exact > result - 1


def test_perfect_answers_forever_stop_at_the_maximum_interval() -> None:
    # Without a cap the 13th perfect answer's due date passes the calendar's end.
    states = run([5] * 60)
    assert max(state.interval for state in states) == MAX_INTERVAL
    assert states[-1].interval == MAX_INTERVAL
    assert [s.interval for s in states[:4]] == [1, 6, 17, 48]


@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=80),
       st.integers(min_value=1, max_value=MAX_INTERVAL))
def test_no_interval_exceeds_the_chosen_maximum(history: list[int], cap: int) -> None:
    state, now = State(), T0
    for grade in history:
        preview = preview_intervals(state, max_interval=cap)
        state, _log = review(state, grade, now, max_interval=cap)
        assert state.interval <= cap
        assert state.interval == preview[grade]
        assert state.due is not None
        now = state.due


def test_maximum_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_interval"):
        review(State(reps=3, interval=10), 5, T0, max_interval=0)
