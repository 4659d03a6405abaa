"""The FSRS core: py-fsrs's golden intervals, the grade mapping, learning steps in
minutes (across the day boundary too), button previews, replay and fitting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards import fsrs_scheduler, sm2
from cards.fsrs_fit import MIN_REVIEWS, fit_parameters
from cards.fsrs_scheduler import Phase, Settings, State, preview, replay, retrievability, review
from cards.scheduler import (
    Answer,
    CardState,
    DeckScheduler,
    SchedulerKind,
    next_state,
    recompute,
)
from cards.scheduler import preview as deck_preview

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
DEFAULTS = Settings()
AGAIN, HARD, GOOD, EASY = (int(sm2.BUTTONS[name]) for name in ("again", "hard", "good", "easy"))


def run(grades: list[int], settings: Settings = DEFAULTS) -> list[State]:
    """Answer each grade exactly when the card falls due; the states after each answer."""
    state, now, states = State(), T0, []
    for grade in grades:
        state = review(state, grade, now, settings)
        states.append(state)
        assert state.due is not None
        now = state.due
    return states


def test_golden_intervals_match_py_fsrs() -> None:
    # py-fsrs's own test_review_card: G×6, A, A, G×5 answered on time, no fuzz.
    grades = [GOOD] * 6 + [AGAIN, AGAIN] + [GOOD] * 5
    states = run(grades)
    days = [s.interval_days() for s in states]
    assert days == [0, 2, 11, 46, 163, 498, 0, 0, 2, 4, 7, 12, 21]
    assert [s.phase for s in states[5:9]] == [
        Phase.REVIEW, Phase.RELEARNING, Phase.RELEARNING, Phase.REVIEW,
    ]
    assert states[-1].lapses == 1  # the second Again was during relearning
    assert states[-1].reps == len(grades)


@pytest.mark.parametrize(
    ("grade", "rating"),
    [(0, 1), (1, 1), (2, 1), (3, 2), (4, 3), (5, 4)],
)
def test_grades_map_onto_ratings_as_the_four_buttons_do(grade: int, rating: int) -> None:
    assert int(fsrs_scheduler.rating_for(grade)) == rating


def test_the_four_buttons_are_again_hard_good_easy() -> None:
    assert [int(fsrs_scheduler.rating_for(g)) for g in (AGAIN, HARD, GOOD, EASY)] == [1, 2, 3, 4]


@pytest.mark.parametrize("grade", [-1, 6])
def test_grade_out_of_range_is_refused(grade: int) -> None:
    with pytest.raises(ValueError, match="grade"):
        review(State(), grade, T0, DEFAULTS)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        review(State(), GOOD, T0.replace(tzinfo=None), DEFAULTS)


def test_learning_steps_are_minutes() -> None:
    waits = preview(State(), T0, DEFAULTS)
    assert waits[AGAIN] == timedelta(minutes=1)
    assert waits[HARD] == timedelta(minutes=5, seconds=30)  # average of 1m and 10m
    assert waits[GOOD] == timedelta(minutes=10)
    assert waits[EASY] >= timedelta(days=1)  # Easy graduates at once
    failed = review(review(State(), GOOD, T0, DEFAULTS), AGAIN, T0 + timedelta(minutes=10),
                    DEFAULTS)
    assert failed.phase is Phase.LEARNING and failed.step == 0
    assert failed.due == T0 + timedelta(minutes=11)


def test_a_lapse_relearns_in_ten_minutes() -> None:
    states = run([GOOD, GOOD, GOOD])
    assert states[-1].phase is Phase.REVIEW
    due = states[-1].due
    assert due is not None
    lapsed = review(states[-1], AGAIN, due, DEFAULTS)
    assert lapsed.phase is Phase.RELEARNING
    assert lapsed.due == due + timedelta(minutes=10)
    assert lapsed.lapses == 1


def test_learning_step_across_midnight_keeps_its_minutes() -> None:
    late = datetime(2026, 3, 1, 23, 55, tzinfo=UTC)
    after = review(State(), GOOD, late, DEFAULTS)
    assert after.due == datetime(2026, 3, 2, 0, 5, tzinfo=UTC)
    graduated = review(after, GOOD, after.due, DEFAULTS)
    assert graduated.phase is Phase.REVIEW
    # The second answer came after midnight, but within a day: short-term stability.
    assert graduated.interval_days() >= 1


def test_desired_retention_changes_the_intervals() -> None:
    card = run([GOOD, GOOD, GOOD])[-1]
    assert card.due is not None
    low = preview(card, card.due, Settings(desired_retention=0.80))[GOOD]
    high = preview(card, card.due, Settings(desired_retention=0.95))[GOOD]
    assert low > preview(card, card.due, DEFAULTS)[GOOD] > high


@pytest.mark.parametrize("retention", [0.5, 0.995, 1.2])
def test_retention_out_of_range_is_refused(retention: float) -> None:
    with pytest.raises(ValueError, match="retention"):
        Settings(desired_retention=retention)


def test_parameters_out_of_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        Settings(parameters=(1.0,) * 21 + (1.0,))


def test_retrievability_falls_with_time() -> None:
    card = run([GOOD, GOOD])[-1]
    assert card.due is not None and card.last_review is not None
    at_due = retrievability(card, card.due, DEFAULTS)
    assert at_due == pytest.approx(0.9, abs=0.02)
    assert retrievability(card, card.due + timedelta(days=30), DEFAULTS) < at_due
    assert retrievability(State(), T0, DEFAULTS) == 0.0


@settings(deadline=None)  # FSRS answers are slower than SM-2's; no test times itself
@given(st.lists(st.integers(0, 5), min_size=1, max_size=25),
       st.lists(st.integers(0, 400_000), min_size=25, max_size=25))
def test_any_history_gives_a_sane_state(grades: list[int], gaps: list[int]) -> None:
    state, now = State(), T0
    for grade, gap in zip(grades, gaps, strict=False):
        state = review(state, grade, now, DEFAULTS)
        assert state.due is not None and state.due > now
        assert state.stability is not None and state.stability > 0
        assert state.difficulty is not None and 1 <= state.difficulty <= 10
        assert (state.step is None) == (state.phase is Phase.REVIEW)
        now += timedelta(seconds=gap)
    assert state.reps == len(grades)


@settings(deadline=None)
@given(st.lists(st.integers(0, 5), min_size=0, max_size=12))
def test_replay_equals_answering_one_by_one(grades: list[int]) -> None:
    answers = [(T0 + timedelta(days=3 * i, minutes=i), g) for i, g in enumerate(grades)]
    state = State()
    for at, grade in answers:
        state = review(state, grade, at, DEFAULTS)
    assert replay(reversed(answers), DEFAULTS) == state


# --- the deck's scheduler ----------------------------------------------------------------

FSRS_DECK = DeckScheduler(SchedulerKind.FSRS)


def test_sm2_deck_answers_exactly_as_sm2() -> None:
    state, now = CardState(), T0
    sm2_state = sm2.State()
    for grade in [5, 5, 2, 5, 5, 5]:
        state = next_state(state, DeckScheduler(), grade, now)
        sm2_state, _ = sm2.review(sm2_state, grade, now)
        assert state.sm2_state() == sm2_state
        assert state.phase is Phase.NEW  # FSRS's fields untouched
        now += timedelta(days=30)


def test_fsrs_deck_keeps_the_ef_and_repeats_while_learning() -> None:
    start = CardState(ef=200, reps=4)
    after = next_state(start, FSRS_DECK, AGAIN, T0)
    assert after.ef == 200 and after.reps == 4
    assert after.phase is Phase.LEARNING and after.repeat_pending is True
    assert after.due == T0 + timedelta(minutes=1)
    assert next_state(after, FSRS_DECK, AGAIN, T0, same_day_repeat=True) == next_state(
        after, FSRS_DECK, AGAIN, T0, same_day_repeat=False)  # FSRS needs no flag
    graduated = next_state(after, FSRS_DECK, EASY, T0 + timedelta(minutes=1))
    assert graduated.phase is Phase.REVIEW and graduated.repeat_pending is False


def test_previews_follow_the_deck_scheduler() -> None:
    sm2_waits = deck_preview(CardState(), DeckScheduler(), T0)
    assert sm2_waits[GOOD] == timedelta(days=1)
    fsrs_waits = deck_preview(CardState(), FSRS_DECK, T0)
    assert fsrs_waits[GOOD] == timedelta(minutes=10)
    # A preview is what the answer would do.
    for grade, wait in fsrs_waits.items():
        assert next_state(CardState(), FSRS_DECK, grade, T0).due == T0 + wait


def _history(grades: list[int]) -> list[Answer]:
    answers, state, now = [], CardState(), T0
    for grade in grades:
        answers.append(Answer(now, grade, now.date()))
        state = next_state(state, DeckScheduler(), grade, now)
        assert state.due is not None
        now = state.due if not state.repeat_pending else now + timedelta(minutes=5)
    return answers


def test_switching_to_fsrs_recomputes_from_history() -> None:
    answers = _history([4, 2, 4, 5, 4])  # includes a same-day repeat after the 2
    sm2_card = CardState()
    for a in answers:
        repeat = sm2_card.repeat_pending and sm2_card.last_review is not None \
            and sm2_card.last_review.date() == a.day
        sm2_card = next_state(sm2_card, DeckScheduler(), a.grade, a.at, same_day_repeat=repeat)
    switched = recompute(sm2_card, answers, FSRS_DECK)
    replayed = replay(((a.at, a.grade) for a in answers), DEFAULTS)
    memory = switched.fsrs_state()
    assert (memory.phase, memory.step, memory.stability, memory.difficulty, memory.due,
            memory.last_review, memory.lapses) == (
        replayed.phase, replayed.step, replayed.stability, replayed.difficulty,
        replayed.due, replayed.last_review, replayed.lapses)
    assert switched.ef == sm2_card.ef  # SM-2's own field kept
    # And back: SM-2's state rebuilt from the same history is the one it had.
    back = recompute(switched, answers, DeckScheduler())
    assert back.sm2_state() == sm2_card.sm2_state()


def test_recompute_without_history_is_new() -> None:
    assert recompute(CardState(ef=180), [], FSRS_DECK).fsrs_state().is_new
    assert recompute(CardState(), [], DeckScheduler()).due is None


# --- fitting -----------------------------------------------------------------------------

def _synthetic_histories(cards: int, per_card: int) -> dict[object, list[Answer]]:
    histories: dict[object, list[Answer]] = {}
    for card in range(cards):
        at, gap, answers = T0 + timedelta(hours=card), 1, []
        for i in range(per_card):
            grade = AGAIN if (card + i) % 5 == 0 else GOOD
            answers.append(Answer(at, grade, at.date()))
            gap = 1 if grade == AGAIN else gap * 2 + 1
            at += timedelta(days=gap)
        histories[card] = answers
    return histories


def test_below_the_threshold_the_defaults_are_kept() -> None:
    histories = _synthetic_histories(10, 5)
    stages: list[str] = []
    fit = fit_parameters(histories.values(), progress=lambda stage, _d, _t: stages.append(stage))
    assert fit.fitted is False
    assert fit.parameters == fsrs_scheduler.DEFAULT_PARAMETERS
    assert fit.reviews == 50 < MIN_REVIEWS
    assert stages == ["too few reviews"]


def test_fitting_gives_usable_parameters_and_reports_progress() -> None:
    histories = _synthetic_histories(120, 6)
    progress: list[tuple[str, int, int]] = []
    fit = fit_parameters(histories.values(), progress=lambda *step: progress.append(step))
    assert fit.fitted is True and fit.reviews == 720
    assert fit.parameters != fsrs_scheduler.DEFAULT_PARAMETERS
    assert len(fit.parameters) == len(fsrs_scheduler.DEFAULT_PARAMETERS)
    Settings(parameters=fit.parameters)  # within py-fsrs's bounds
    assert progress[-1] == ("fitting", 1, 1)
    assert ("reading cards", 120, 120) in progress


@given(st.lists(st.integers(0, 5), min_size=1, max_size=30), st.integers(1, 400))
def test_an_sm2_deck_answers_exactly_as_sm2_with_the_users_maximum_interval(
    grades: list[int], cap: int
) -> None:
    state, core, scheduler = CardState(), sm2.State(), DeckScheduler()
    at = T0
    for grade in grades:
        shown = deck_preview(state, scheduler, at, max_interval=cap)
        assert shown == {g: timedelta(days=d) for g, d in
                         sm2.preview_intervals(core, max_interval=cap).items()}
        state = next_state(state, scheduler, grade, at, max_interval=cap)
        core, _log = sm2.review(core, grade, at, max_interval=cap)
        assert state.sm2_state() == core and state.interval <= cap
        at += timedelta(days=state.interval)
    answers = [Answer(T0, grades[0], T0.date())]
    rebuilt = recompute(CardState(), answers, scheduler, max_interval=cap)
    assert rebuilt.sm2_state() == sm2.review(sm2.State(), grades[0], T0, max_interval=cap)[0]
