"""How well SM-2 and FSRS predict a real reviewer's recall, and what they cost.

Part 1, prediction. Replays ``../shared/reviews/review_logs_josh.csv``
(12,580 reviews of 1,205 cards; Anki's ratings 1–4 read as wengu's grades
1/3/4/5, the review page's four buttons) in time order. Before each review
that comes a day or more after the card's previous one, each scheduler
predicts the chance of recall from the state the earlier reviews built;
recalled = rating above Again. Scores: log loss and RMSE over 20 bins of
predicted recall. SM-2 (wengu's, with same-day repeats on a UTC day starting
at 04:00; and, for comparison with the figures measured without them, every
answer taken as a full review) predicts ``0.9 ** (elapsed days / interval)`` as srs-benchmark does;
FSRS predicts its retrievability. "FSRS fitted" has parameters fitted
(:mod:`cards.fsrs_fit`) on the reviews before the split point only and is
scored only after it; every scheduler is also scored on that part alone.
Target: fitted FSRS below the defaults' log loss on the evaluation part.

Part 2, simulation. 1,000 new cards, 20 a day, reviewed every day for 365
days under each scheduler (SM-2; FSRS at 0.90 desired retention with the
default and with the fitted parameters). The reviewer's memory is modelled
by FSRS with parameters fitted on the whole log: each review is recalled
with its predicted probability (a seeded draw; recalled = Good, forgotten =
Again). Prints reviews per day, the share of reviews recalled, and the
average chance of recall over all cards on the last day.

    .venv/bin/python bench/scheduler_eval.py [--split 0.5] [--days 365] [--cards 1000]
"""

from __future__ import annotations

import argparse
import csv
import heapq
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cards import fsrs_scheduler, sm2
from cards.fsrs_fit import fit_parameters
from cards.scheduler import Answer, CardState, DeckScheduler, SchedulerKind, next_state

LOG = Path(__file__).resolve().parents[2] / "shared" / "reviews" / "review_logs_josh.csv"
GRADE_OF_RATING = {1: int(sm2.BUTTONS["again"]), 2: int(sm2.BUTTONS["hard"]),
                   3: int(sm2.BUTTONS["good"]), 4: int(sm2.BUTTONS["easy"])}
DAY_START_HOUR = 4
BINS = 20


@dataclass(frozen=True, slots=True)
class Row:
    card: str
    at: datetime
    grade: int


def read_log(path: Path) -> list[Row]:
    with path.open(newline="") as f:
        rows = [
            Row(r["card_id"], datetime.fromisoformat(r["review_time"]).astimezone(UTC),
                GRADE_OF_RATING[int(r["review_rating"])])
            for r in csv.DictReader(f)
        ]
    rows.sort(key=lambda row: row.at)
    return rows


def review_day(at: datetime) -> date:
    return (at - timedelta(hours=DAY_START_HOUR)).date()


# --- Part 1: prediction -----------------------------------------------------------------

Predictor = Callable[[str, datetime], float]


class SM2Replay:
    """wengu's SM-2 replayed per card; predicts 0.9 ** (elapsed / interval)."""

    def __init__(self, *, same_day_repeats: bool = True) -> None:
        self.same_day_repeats = same_day_repeats
        self.states: dict[str, sm2.State] = {}
        self.days: dict[str, date] = {}

    def predict(self, card: str, at: datetime) -> float:
        state = self.states[card]
        assert state.last_review is not None
        elapsed = (at - state.last_review).days
        return float(0.9 ** (elapsed / max(state.interval, 1)))

    def answer(self, row: Row) -> None:
        state = self.states.get(row.card, sm2.State())
        repeat = self.same_day_repeats and state.repeat_pending \
            and self.days.get(row.card) == review_day(row.at)
        self.states[row.card], _log = sm2.review(state, row.grade, row.at, same_day_repeat=repeat)
        self.days[row.card] = review_day(row.at)


class FSRSReplay:
    """FSRS replayed per card with the given parameters; predicts its retrievability."""

    def __init__(self, settings: fsrs_scheduler.Settings) -> None:
        self.settings = settings
        self.states: dict[str, fsrs_scheduler.State] = {}

    def predict(self, card: str, at: datetime) -> float:
        return fsrs_scheduler.retrievability(self.states[card], at, self.settings)

    def answer(self, row: Row) -> None:
        state = self.states.get(row.card, fsrs_scheduler.State())
        self.states[row.card] = fsrs_scheduler.review(state, row.grade, row.at, self.settings)


@dataclass
class Score:
    predictions: list[tuple[float, bool]]

    def log_loss(self) -> float:
        eps = 1e-6
        total = 0.0
        for p, recalled in self.predictions:
            p = min(max(p, eps), 1 - eps)
            total -= math.log(p) if recalled else math.log(1 - p)
        return total / len(self.predictions)

    def rmse_bins(self) -> float:
        sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for p, recalled in self.predictions:
            b = sums[min(int(p * BINS), BINS - 1)]
            b[0] += p
            b[1] += recalled
            b[2] += 1
        n = len(self.predictions)
        return math.sqrt(sum(c * ((sp - sr) / c) ** 2 for sp, sr, c in sums.values()) / n)


def evaluate(rows: Sequence[Row], split_at: datetime) -> dict[str, tuple[Score, Score]]:
    """Each model's scores on every target and on the targets after ``split_at``."""
    before: dict[str, list[Answer]] = defaultdict(list)
    for row in rows:
        if row.at < split_at:
            before[row.card].append(Answer(row.at, row.grade, review_day(row.at)))
    fit = fit_parameters(before.values())
    print(f"fitted on: {fit.reviews} reviews before {split_at:%Y-%m-%d} "
          f"({fit.items} training items, fitted={fit.fitted})")
    models: dict[str, SM2Replay | FSRSReplay] = {
        "SM-2": SM2Replay(),
        "SM-2 without same-day repeats": SM2Replay(same_day_repeats=False),
        "FSRS defaults": FSRSReplay(fsrs_scheduler.Settings()),
        "FSRS fitted": FSRSReplay(fsrs_scheduler.Settings(parameters=fit.parameters)),
    }
    scores = {name: (Score([]), Score([])) for name in models}
    last: dict[str, datetime] = {}
    for row in rows:
        previous = last.get(row.card)
        if previous is not None and (row.at - previous).days >= 1:
            recalled = row.grade >= 3
            for name, model in models.items():
                p = model.predict(row.card, row.at)
                every, after_split = scores[name]
                every.predictions.append((p, recalled))
                if row.at >= split_at:
                    after_split.predictions.append((p, recalled))
        for model in models.values():
            model.answer(row)
        last[row.card] = row.at
    return scores


# --- Part 2: simulation -----------------------------------------------------------------

@dataclass
class SimResult:
    answers: int
    recalled: int
    scheduled: int
    final_recall: float
    days: int

    @property
    def reviews_per_day(self) -> float:
        return self.answers / self.days


def simulate(
    scheduler: DeckScheduler, truth: fsrs_scheduler.Settings, *, cards: int, days: int,
    per_day: int, seed: int,
) -> SimResult:
    """Review ``cards`` new cards (``per_day`` a day) for ``days`` days under ``scheduler``,
    with recall drawn from the ``truth`` model of memory."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, DAY_START_HOUR, tzinfo=UTC)
    states: list[CardState] = []
    memory: list[fsrs_scheduler.State] = []
    answers = recalled = scheduled = 0
    for day in range(days):
        day_start = start + timedelta(days=day)
        day_end = day_start + timedelta(days=1)
        while len(states) < min(cards, (day + 1) * per_day):
            states.append(CardState())
            memory.append(fsrs_scheduler.State())
        queue = [(s.due or day_start, i) for i, s in enumerate(states)
                 if s.due is None or s.due < day_end]
        heapq.heapify(queue)
        clock = day_start + timedelta(hours=8)
        while queue:
            due, i = heapq.heappop(queue)
            clock = max(clock, due) + timedelta(seconds=10)
            state, mind = states[i], memory[i]
            if state.due is not None and state.last_review is not None \
                    and (clock - state.last_review).days >= 1:
                p = fsrs_scheduler.retrievability(mind, clock, truth)
                ok = rng.random() < p
                scheduled += 1
                recalled += ok
            else:  # new cards and same-day steps: recalled (the answer was just shown)
                ok = True
            grade = 4 if ok else 1
            repeat = state.repeat_pending and state.last_review is not None \
                and state.last_review >= day_start
            states[i] = next_state(state, scheduler, grade, clock, same_day_repeat=repeat)
            memory[i] = fsrs_scheduler.review(mind, grade, clock, truth)
            answers += 1
            new_due = states[i].due
            if new_due is not None and new_due < day_end:  # an FSRS learning step
                heapq.heappush(queue, (new_due, i))
            elif states[i].repeat_pending and states[i].interval > 0 and \
                    states[i].phase is fsrs_scheduler.Phase.NEW:  # an SM-2 same-day repeat
                heapq.heappush(queue, (clock + timedelta(minutes=10), i))
    end = start + timedelta(days=days)
    final = sum(fsrs_scheduler.retrievability(m, end, truth) for m in memory) / len(memory)
    return SimResult(answers, recalled, scheduled, final, days)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=LOG)
    parser.add_argument("--split", type=float, default=0.5,
                        help="share of the reviews (in time order) used for fitting")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--per-day", type=int, default=20)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    if not args.log.exists():
        print(f"no review log at {args.log}; stopping")
        return
    rows = read_log(args.log)
    split_at = rows[int(len(rows) * args.split)].at
    print(f"log: {len(rows)} reviews of {len({r.card for r in rows})} cards, "
          f"{rows[0].at:%Y-%m-%d} to {rows[-1].at:%Y-%m-%d}")
    started = time.perf_counter()
    scores = evaluate(rows, split_at)
    for name, (every, after_split) in scores.items():
        print(f"{name}: all targets ({len(every.predictions)}) log loss {every.log_loss():.3f} "
              f"RMSE {every.rmse_bins():.3f}; after the split ({len(after_split.predictions)}) "
              f"log loss {after_split.log_loss():.3f} RMSE {after_split.rmse_bins():.3f}")
    defaults, fitted = scores["FSRS defaults"][1], scores["FSRS fitted"][1]
    print(f"fitted / defaults log loss after the split: "
          f"{fitted.log_loss() / defaults.log_loss():.3f}")
    print(f"evaluation time: {time.perf_counter() - started:.1f} s")

    whole: dict[str, list[Answer]] = defaultdict(list)
    for row in rows:
        whole[row.card].append(Answer(row.at, row.grade, review_day(row.at)))
    truth_parameters = fit_parameters(whole.values()).parameters
    fitted_before = fit_parameters(
        [[a for a in history if a.at < split_at] for history in whole.values()]
    ).parameters
    truth = fsrs_scheduler.Settings(parameters=truth_parameters)
    schedulers = {
        "SM-2": DeckScheduler(),
        "FSRS defaults 0.90": DeckScheduler(SchedulerKind.FSRS, fsrs_scheduler.Settings()),
        "FSRS fitted 0.90": DeckScheduler(
            SchedulerKind.FSRS, fsrs_scheduler.Settings(parameters=fitted_before)
        ),
    }
    print(f"simulation: {args.cards} cards, {args.per_day} new a day, {args.days} days; "
          "memory modelled by FSRS fitted on the whole log")
    baseline: float | None = None
    for name, scheduler in schedulers.items():
        started = time.perf_counter()
        result = simulate(scheduler, truth, cards=args.cards, days=args.days,
                          per_day=args.per_day, seed=args.seed)
        baseline = baseline or result.reviews_per_day
        print(f"{name}: {result.reviews_per_day:.1f} reviews/day "
              f"({result.reviews_per_day / baseline:.2f}x SM-2), "
              f"recalled at reviews {result.recalled / max(result.scheduled, 1):.3f}, "
              f"average recall on day {args.days} {result.final_recall:.3f} "
              f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
