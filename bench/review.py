"""Daily review latency: showing the next card and answering it, against Anki's backend.

Builds a SQLite collection of ``--cards`` cards (a tenth new, the rest in
review with due dates from a month overdue to ten months ahead and a last
review in the past, a fifth of them sibling pairs, nested decks) with
``--reviews`` past review rows, then answers ``--answers`` cards through the
WSGI app (Flask's test client, a logged-in user, the real views and templates),
timing:

- show: ``GET /review`` (the whole page for the next card);
- answer: ``POST /review/answer`` (record the grade; the reply is a redirect);
- step: show + answer;
- json step: ``POST /review/answer`` with ``format=json&fill=1``, which records
  the grade and returns the next card as data in one request (what review.js
  does);
- wsgi json step: the same request handed straight to the WSGI callable, with
  the environ a server would build (no test client around it: what the app
  itself spends);
- step cpu, json step cpu: the same steps in CPU time of the process (steadier
  than wall time when other work shares the machine; Anki's too);
- floor: ``GET`` of a small static file through the same app and client, the
  cost of a request that does nothing of its own;
- json step statements: SQL statements sent to the database per json step (on
  average: a step that loads the next cards of the queue sends more).

In the same run it builds an Anki collection (the ``anki`` package) with the
same number of cards and review-log rows and times the same step there:
``col.sched.get_queued_cards()`` then ``col.sched.answer_card()``. Both get
daily limits high enough for every answer to be a scheduled one.

    .venv/bin/python bench/review.py --cards 100000 --reviews 1000000 --answers 2000
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event
from werkzeug.security import generate_password_hash

from app import create_app
from app.db import make_engine
from app.models import Base, Card, Deck, User

PASSWORD = "bench password"
GRADES = (1, 3, 4, 4, 4, 5)  # what the simulated user presses, Again … Easy
STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a datetime in SQLite


CARD_COLUMNS = [c.name for c in Card.__table__.columns if c.name != "id"]


def _with_defaults(columns: list[str], values: dict[str, Any]) -> tuple[Any, ...]:
    """A row for ``columns``: the given values, else each column's scalar default, else NULL."""
    row = []
    for name in columns:
        if name in values:
            row.append(values[name])
            continue
        default = Card.__table__.columns[name].default
        arg = getattr(default, "arg", None)
        row.append(arg if default is not None and not callable(arg) else None)
    return tuple(row)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).strftime(STAMP)


def card_plan(n_cards: int, seed: int, now: datetime) -> Iterator[dict[str, Any]]:
    """The same cards for both apps: new or in review, with a due date and an interval."""
    rng = random.Random(seed)
    for i in range(n_cards):
        if i % 10 == 0:
            yield {"i": i, "new": True}
            continue
        interval = rng.choice((1, 3, 6, 15, 38, 95, 200))
        due = now + timedelta(days=rng.uniform(-30, 300))
        yield {"i": i, "new": False, "interval": interval, "due": due,
               "ef": rng.randrange(130, 300), "reps": rng.randrange(1, 12)}


def build_wengu(url: str, n_cards: int, n_reviews: int, seed: int, now: datetime) -> None:
    """The wengu collection, bulk-inserted through the DB-API cursor."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        user = User(name="bench", password_hash=generate_password_hash(PASSWORD),
                    new_per_day=9999, reviews_per_day=9999)
        session.add(user)
        session.flush()
        decks = []
        for top in ("os", "lang", "db", "net"):
            parent = Deck(user_id=user.id, name=top)
            session.add(parent)
            session.flush()
            decks.append(parent.id)
            for sub in range(5):
                child = Deck(user_id=user.id, name=f"{top}::{sub}", parent_id=parent.id)
                session.add(child)
                session.flush()
                decks.append(child.id)
        session.commit()
        user_id = user.id
    rng = random.Random(seed + 1)
    created = stamp(now - timedelta(days=800))
    card_rows = []
    for plan in card_plan(n_cards, seed, now):
        i = plan["i"]
        sibling = i % 10 in (4, 5)  # 4 and 5 share a note: a definition's two directions
        note_key = f"notes/n{i // 10}.md#def" if sibling else f"notes/n{i}.md#q"
        front = f"What does **term {i}** mean? 术语{i}是什么意思？"
        back = f"Term {i} means `x_{i}`: the {i}th thing. 第{i}个。"
        if plan["new"]:
            state: tuple[Any, ...] = (0, 250, 0, None, 0, None)
        else:
            due = plan["due"]
            # The last review is in the past, before today: due minus the interval, unless
            # that lies ahead (a far-off due date with a short interval), then days ago.
            last = min(due - timedelta(days=plan["interval"]), now - timedelta(days=2 + i % 30))
            state = (plan["reps"], plan["ef"], plan["interval"], stamp(due), rng.randrange(3),
                     stamp(last))
        card_rows.append(_with_defaults(CARD_COLUMNS, {
            "user_id": user_id, "deck_id": decks[i % len(decks)], "key": f"k{i}",
            "note_key": note_key, "ord": int(i % 10 == 5),
            "kind": "definition" if sibling else "question", "front": front, "back": back,
            "reps": state[0], "ef": state[1], "interval_days": state[2], "due": state[3],
            "lapses": state[4], "last_reviewed_at": state[5], "created_at": created,
            "modified_at": created, "search_text": f"{front}\n{back}".lower(),
        }))
    raw = engine.raw_connection()
    cursor = raw.cursor()
    cursor.executemany(
        f"INSERT INTO cards ({', '.join(CARD_COLUMNS)})"
        f" VALUES ({', '.join('?' for _ in CARD_COLUMNS)})",
        card_rows,
    )
    raw.commit()
    reviewed_ids = [cid for (cid,) in cursor.execute(
        "SELECT id FROM cards WHERE due IS NOT NULL ORDER BY id").fetchall()]
    per_card, extra = divmod(n_reviews, max(len(reviewed_ids), 1))
    cutoff = reviewed_ids[extra - 1] if extra else 0  # these first cards get one more
    # The history in one statement (a Python loop over a million rows takes minutes):
    # each reviewed card's answers spread over the past two years.
    when = ("strftime('%Y-%m-%d %H:%M:%f', :base, '+' || (n.k * 50 + c.id % 40) || ' days')"
            " || '000'")
    cursor.execute(
        "INSERT INTO reviews (user_id, card_id, kind, grade, reviewed_at, duration_ms,"
        " reps_before, ef_before, interval_before, due_before, lapses_before,"
        " reps_after, ef_after, interval_after, due_after, lapses_after,"
        " repeat_pending_before, repeat_pending_after)"
        " WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < :per)"
        f" SELECT c.user_id, c.id, 'review', 1 + (c.id + n.k) % 5, {when}, 4000,"
        f" n.k, 250, n.k, {when}, 0, n.k + 1, 250, n.k + 1, {when}, 0, 0, 0"
        " FROM cards c, n WHERE c.due IS NOT NULL AND (n.k < :per OR c.id <= :cutoff)",
        {"base": stamp(now - timedelta(days=700)), "per": per_card, "cutoff": cutoff},
    )
    raw.commit()
    cursor.execute("ANALYZE")
    raw.commit()
    raw.close()
    engine.dispose()


def bench_wengu(url: str, answers: int, seed: int) -> dict[str, list[float]]:
    """Answer cards through the WSGI app; milliseconds per request."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    client.post("/auth/login", data={"name": "bench", "password": PASSWORD})
    rng = random.Random(seed)
    times: dict[str, list[float]] = {"show": [], "answer": [], "step": [], "json step": [],
                                     "floor": [], "step cpu": [], "json step cpu": []}
    field = re.compile(r'name="(card_id|showing_id)" value="([^"]+)"')

    def shown(html: str) -> dict[str, str]:
        found = dict(field.findall(html))
        if "card_id" not in found:
            raise SystemExit("wengu ran out of cards to review: raise --cards")
        return found

    for _ in range(answers):
        c0, t0 = time.process_time(), time.perf_counter()
        page = client.get("/review")
        t1, c1 = time.perf_counter(), time.process_time()
        data = {**shown(page.get_data(as_text=True)), "grade": str(rng.choice(GRADES))}
        c2, t2 = time.process_time(), time.perf_counter()
        reply = client.post("/review/answer", data=data)
        t3, c3 = time.perf_counter(), time.process_time()
        assert reply.status_code == 302, reply.status_code
        times["step cpu"].append((c1 - c0 + c3 - c2) * 1000)
        times["show"].append((t1 - t0) * 1000)
        times["answer"].append((t3 - t2) * 1000)
        times["step"].append((t1 - t0 + t3 - t2) * 1000)
    def following(reply: dict[str, Any]) -> dict[str, str]:
        """The next showing's form fields, from a reply with the card as data or as HTML."""
        if "card" in reply:
            return {"card_id": str(reply["card"]["id"]), "showing_id": reply["card"]["showing_id"]}
        return shown(reply["html"])

    fields = shown(client.get("/review").get_data(as_text=True))
    engine = app.extensions["wengu.engine"]
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    for _ in range(answers):
        data = {**fields, "grade": str(rng.choice(GRADES)), "format": "json", "fill": "1"}
        event.listen(engine, "before_cursor_execute", count)
        c0, t0 = time.process_time(), time.perf_counter()
        reply = client.post("/review/answer", data=data)
        t1, c1 = time.perf_counter(), time.process_time()
        event.remove(engine, "before_cursor_execute", count)
        fields = following(reply.get_json())
        times["json step"].append((t1 - t0) * 1000)
        times["json step cpu"].append((c1 - c0) * 1000)
    statements = len(sent) / max(answers, 1)
    # The same request as a WSGI server hands it to the app: an environ and a callback.
    name = app.config["SESSION_COOKIE_NAME"]
    session_cookie = client.get_cookie(name)
    assert session_cookie is not None, "not logged in"
    cookie = f"{name}={session_cookie.value}"

    def call(environ: dict[str, Any]) -> tuple[str, bytes]:
        status: list[str] = []
        chunks = app(environ, lambda s, h, e=None: status.append(s))
        try:
            return status[0], b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()

    times["wsgi json step"] = []
    for _ in range(answers):
        data = {**fields, "grade": str(rng.choice(GRADES)), "format": "json", "fill": "1"}
        body = urlencode(data).encode()
        environ = {
            "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/review/answer",
            "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "5000",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:5000", "HTTP_COOKIE": cookie,
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        t0 = time.perf_counter()
        status, out = call(environ)
        t1 = time.perf_counter()
        assert status.startswith("200"), status
        fields = following(json.loads(out))
        times["wsgi json step"].append((t1 - t0) * 1000)
    # The floor: a request that does no work of its own (a small static file), through the
    # same app and client, logged in. Every step above pays it once per request.
    for _ in range(answers):
        t0 = time.perf_counter()
        client.get("/static/review.js")
        times["floor"].append((time.perf_counter() - t0) * 1000)
    app.extensions["wengu.engine"].dispose()
    times["json step statements"] = [statements]
    return times


def build_anki(path: str, n_cards: int, n_reviews: int, seed: int) -> Any:
    """An Anki collection with the same cards and as many review-log rows."""
    from anki.collection import AddNoteRequest, Collection

    began = time.perf_counter()
    col = Collection(path)
    deck_id = col.decks.id("bench")
    col.decks.select(deck_id)
    conf = col.decks.config_dict_for_deck_id(deck_id)
    conf["new"]["perDay"] = 9999  # the most Anki allows
    conf["rev"]["perDay"] = 9999
    col.decks.update_config(conf)
    model = col.models.by_name("Basic")
    requests = []
    for i in range(n_cards):
        note = col.new_note(model)
        note["Front"] = f"What does <b>term {i}</b> mean? 术语{i}是什么意思？"
        note["Back"] = f"Term {i} means <code>x_{i}</code>. 第{i}个。"
        requests.append(AddNoteRequest(note=note, deck_id=deck_id))
        if len(requests) == 10_000:
            col.add_notes(requests)
            requests = []
    if requests:
        col.add_notes(requests)
    print(f"  anki notes added: {time.perf_counter() - began:.1f} s", flush=True)
    # Scheduling and history in bulk SQL: Anki's per-row calls would take minutes. The
    # same shape as wengu's: every tenth card new, the rest in review, due from a month
    # overdue to ten months ahead, intervals 1 to 200 days, and the review log.
    col.db.execute(
        "update cards set type=2, queue=2, reps=1 + (id % 11),"
        " factor=1300 + ((id * 104729) % 1700),"
        " ivl=case (id % 7) when 0 then 1 when 1 then 3 when 2 then 6 when 3 then 15"
        " when 4 then 38 when 5 then 95 else 200 end, due=? - 30 + ((id * 7919) % 331)"
        " where rowid % 10 != 0", col.sched.today)
    live = col.db.scalar("select count() from cards where queue = 2")
    per_card = max(1, round(n_reviews / max(live, 1)))
    start_ms = int((time.time() - 700 * 86400) * 1000)
    col.db.execute(
        "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
        " with recursive n(k) as (select 0 union all select k + 1 from n where k < ? - 1)"
        " select ? + c.rowid * 100 + n.k, c.id, -1, 1 + ((c.id + n.k) % 4), n.k + 1, n.k,"
        " 2500, 4000, 1 from cards c, n where c.queue = 2", per_card, start_ms)
    print(f"  anki revlog rows: {col.db.scalar('select count() from revlog')}", flush=True)
    return col


def bench_anki(col: Any, answers: int, seed: int) -> dict[str, list[float]]:
    """The same step in Anki: get the next queued card, answer it."""
    from anki.cards import Card
    from anki.scheduler.v3 import CardAnswer

    ratings = {1: CardAnswer.AGAIN, 3: CardAnswer.HARD, 4: CardAnswer.GOOD, 5: CardAnswer.EASY}
    rng = random.Random(seed)
    times: dict[str, list[float]] = {"show": [], "answer": [], "step": [], "step cpu": []}
    for _ in range(answers):
        c0, t0 = time.process_time(), time.perf_counter()
        queued = col.sched.get_queued_cards()
        t1, c1 = time.perf_counter(), time.process_time()
        if not queued.cards:
            raise SystemExit("Anki ran out of cards to review: raise --cards")
        top = queued.cards[0]
        card = Card(col, backend_card=top.card)
        card.start_timer()
        answer = col.sched.build_answer(card=card, states=top.states,
                                        rating=ratings[rng.choice(GRADES)])
        c2, t2 = time.process_time(), time.perf_counter()
        col.sched.answer_card(answer)
        t3, c3 = time.perf_counter(), time.process_time()
        times["step cpu"].append((c1 - c0 + c3 - c2) * 1000)
        times["show"].append((t1 - t0) * 1000)
        times["answer"].append((t3 - t2) * 1000)
        times["step"].append((t1 - t0 + t3 - t2) * 1000)
    return times


def summary(values: list[float]) -> tuple[float, float]:
    """Median and 99th percentile."""
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def timed(label: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    print(f"{label}: {time.perf_counter() - start:.1f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--skip-anki", action="store_true", help="measure wengu only")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        timed(f"build wengu ({args.cards} cards, {args.reviews} reviews)",
              lambda: build_wengu(url, args.cards, args.reviews, args.seed, now))
        ours = timed("wengu answers", lambda: bench_wengu(url, args.answers, args.seed))
        theirs: dict[str, list[float]] = {}
        if not args.skip_anki:
            col = timed(f"build anki ({args.cards} cards, {args.reviews} revlog rows)",
                        lambda: build_anki(f"{tmp}/anki.anki2", args.cards, args.reviews,
                                           args.seed))
            theirs = timed("anki answers", lambda: bench_anki(col, args.answers, args.seed))
            col.close()
    print(f"answers: {args.answers}")
    for name, values in ours.items():
        if name == "json step statements":
            print(f"wengu {name}: {values[0]:.2f}")
            continue
        median, p99 = summary(values)
        print(f"wengu {name} median ms: {median:.3f}")
        print(f"wengu {name} p99 ms: {p99:.3f}")
    for name, values in theirs.items():
        median, p99 = summary(values)
        print(f"anki {name} median ms: {median:.3f}")
        print(f"anki {name} p99 ms: {p99:.3f}")
    if theirs:
        anki_median, anki_p99 = summary(theirs["step"])
        for name in ("step", "json step", "wsgi json step"):
            median, p99 = summary(ours[name])
            print(f"ratio wengu {name} / anki step, median: {median / anki_median:.2f}")
            print(f"ratio wengu {name} / anki step, p99: {p99 / anki_p99:.2f}")
        # CPU time: what each spends of its own, steady when other work shares the machine.
        anki_median, anki_p99 = summary(theirs["step cpu"])
        for name in ("step cpu", "json step cpu"):
            median, p99 = summary(ours[name])
            print(f"ratio wengu {name} / anki step cpu, median: {median / anki_median:.2f}")
            print(f"ratio wengu {name} / anki step cpu, p99: {p99 / anki_p99:.2f}")


if __name__ == "__main__":
    main()
