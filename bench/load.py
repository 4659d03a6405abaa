"""Load test: gunicorn as the README runs it, simulated reviewers, then what the database holds.

Starts ``gunicorn`` (``--workers``/``--threads`` as the README advises) on
127.0.0.1 against the database of ``--database-url`` (else
``WENGU_DATABASE_URL``, else a new SQLite file in a temporary folder), after
``wengu db upgrade``. It creates accounts of its own (``load<run>-<n>``, each
with ``--cards`` cards due for review) and runs ``--reviewers`` simulated
reviewers for ``--seconds``: each logs in, opens the review page, answers
with JSON requests as review.js does (grades mostly Good, some Again), undoes
its last answer one time in twenty, and every fourth reviewer is a second tab
of the previous one's account. ``--kill-every K`` kills (SIGKILL) a gunicorn
worker every K seconds; gunicorn starts another.

Then it reads the review rows of its accounts and prints:

- answers accepted (distinct showings the server answered with a card), and
  reviews stored; ``lost``: accepted but not stored; ``unacknowledged``:
  stored though the reply never came (a killed worker);
- duplicates (one card state answered twice) and history-chain breaks (a row
  whose state before is not the row before's state after, or a card whose
  state is not its last row's);
- errors by HTTP status (``conn`` for a connection lost), p50/p99 of the
  answer requests;
- on SQLite, the write-ahead log's largest size during the run, its size at
  the end of the load and after a few idle seconds.

Targets: stored = accepted, 0 lost, 0 duplicates, 0 chain breaks, and no
5xx or lost connection without ``--kill-every``; with it, stored = accepted +
unacknowledged at most. ``--check`` exits with status 1 when one is missed
(``.ci/run`` runs a short version so). Only loopback traffic; every loop is
bounded by the run's deadline.

    .venv/bin/python bench/load.py --reviewers 20 --seconds 60
    .venv/bin/python bench/load.py --seconds 60 --kill-every 10
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://…/wengu_load
"""

from __future__ import annotations

import argparse
import http.cookiejar
import itertools
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from app.db import WAL_LIMIT, make_engine  # noqa: E402
from app.models import Card, Deck, Review, User  # noqa: E402

PASSWORD = "load test password"
GRADES = (1, 4, 4, 4, 4, 5)  # Again, Good ×4, Easy
UNDO_SHARE = 0.05
SECOND_TAB_EVERY = 4  # every fourth reviewer shares the previous one's account
ELSEWHERE = "This card was answered elsewhere."
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CARD_ID = re.compile(r'name="card_id" value="(\d+)"')
SHOWING_ID = re.compile(r'name="showing_id" value="([^"]+)"')
BIN = Path(sys.executable).parent


@dataclass
class Tally:
    """What the reviewers saw, shared by their threads (under ``lock``)."""

    accepted: set[tuple[int, str]] = field(default_factory=set)
    unknown: set[tuple[int, str]] = field(default_factory=set)  # no reply came
    undos: int = 0
    refused: int = 0  # answered elsewhere (the other tab was first)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Browser:
    """One account's cookies; its tabs share them, as a browser's do."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.logged_in = threading.Event()

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def seed(url: str, run: str, accounts: int, cards: int, now: datetime) -> list[str]:
    """The run's accounts, each with ``cards`` cards due for review; their names."""
    engine = make_engine(url)
    rng = random.Random(run)
    names = [f"load{run}-{i}" for i in range(accounts)]
    password_hash = generate_password_hash(PASSWORD)
    with Session(engine) as session:
        for name in names:
            user = User(name=name, password_hash=password_hash, reviews_per_day=9999,
                        new_per_day=0)
            session.add(user)
            session.flush()
            deck = Deck(user_id=user.id, name="Load")
            session.add(deck)
            session.flush()
            for i in range(cards):
                interval = rng.choice((1, 3, 7, 15, 30))
                due = now - timedelta(days=rng.uniform(0.1, 20))
                session.add(Card(
                    user_id=user.id, deck_id=deck.id, key=f"manual:load-{i}",
                    note_key=f"manual:load-{i}", kind="basic", front=f"Question {i} of {name}?",
                    back=f"Answer {i}.", reps=rng.randrange(1, 6), interval_days=interval,
                    due=due, last_reviewed_at=due - timedelta(days=interval),
                ))
        session.commit()
    engine.dispose()
    return names


def start_server(url: str, port: int, workers: int, threads: int,
                 log: Path) -> subprocess.Popen[bytes]:
    """gunicorn as the README runs it, on loopback."""
    env = dict(os.environ, WENGU_DATABASE_URL=url, WENGU_SECRET_KEY=secrets.token_hex(32),
               # Every simulated reviewer logs in from 127.0.0.1.
               WENGU_LOGIN_RATE_LIMIT="100000 per minute")
    command = [str(BIN / "gunicorn"), "--workers", str(workers), "--threads", str(threads),
               "--timeout", "120", "--bind", f"127.0.0.1:{port}", "app:create_app()"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not answer within 60 s")


def workers_of(master: int) -> list[int]:
    """The pids of gunicorn's workers (the master's children)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                pids.append(int(entry.name))
    return pids


def next_card(body: str) -> tuple[int, str] | None:
    """The card a reply shows: JSON data, or the page's (or partial's) form fields."""
    html = body
    if body.startswith("{"):
        data = json.loads(body)
        if data.get("card"):
            return int(data["card"]["id"]), str(data["card"]["showing_id"])
        html = data.get("html") or ""
    card, showing = CARD_ID.search(html), SHOWING_ID.search(html)
    return (int(card.group(1)), showing.group(1)) if card and showing else None


def reviewer(browser: Browser, name: str, first_tab: bool, deadline: float, seed_: int,
             tally: Tally) -> None:
    """One tab: log in (the account's first tab), then answer until the deadline."""
    rng = random.Random(seed_)

    def record_error(kind: str) -> None:
        with tally.lock:
            tally.errors[kind] += 1

    def call(path: str, form: dict[str, str] | None = None) -> tuple[int, str] | None:
        try:
            status, body = browser.request(path, form)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            record_error("conn")
            return None
        if status >= 400:
            record_error(str(status))
        return status, body

    if first_tab:
        while not browser.logged_in.is_set() and time.monotonic() < deadline:
            got = call("/auth/login")
            token = CSRF.search(got[1]) if got else None
            if token is None:
                time.sleep(0.5)
                continue
            done = call("/auth/login", {"name": name, "password": PASSWORD,
                                        "csrf_token": token.group(1)})
            if done and done[0] == 200 and 'name="password"' not in done[1]:
                browser.logged_in.set()
    else:
        browser.logged_in.wait(max(0.0, deadline - time.monotonic()))
    token, card, answered = "", None, False
    while time.monotonic() < deadline:
        if card is None or not token:
            page = call("/review")
            if page is None or page[0] != 200:
                time.sleep(0.5)
                continue
            found = CSRF.search(page[1])
            token = found.group(1) if found else ""
            card = next_card(page[1])
            if card is None:
                time.sleep(0.5)  # nothing due: look again soon
                continue
        if answered and rng.random() < UNDO_SHARE:
            reply = call("/review/undo", {"csrf_token": token, "format": "json", "fill": "1"})
            if reply is None or reply[0] != 200:
                card = None
                continue
            if json.loads(reply[1]).get("message") == "Answer undone.":
                with tally.lock:
                    tally.undos += 1
            card, answered = next_card(reply[1]), False
            continue
        card_id, showing_id = card
        form = {"csrf_token": token, "card_id": str(card_id), "showing_id": showing_id,
                "grade": str(rng.choice(GRADES)), "duration_ms": str(rng.randrange(800, 9000)),
                "format": "json", "fill": "1"}
        started = time.perf_counter()
        reply = call("/review/answer", form)
        elapsed = time.perf_counter() - started
        if reply is None:
            with tally.lock:
                tally.unknown.add(card)
            card = None
            continue
        status, body = reply
        if status != 200:
            if status >= 500:
                with tally.lock:
                    tally.unknown.add(card)
            card = None
            continue
        data = json.loads(body)
        with tally.lock:
            tally.latencies.append(elapsed)
            if data.get("message") == ELSEWHERE:
                tally.refused += 1
            else:
                tally.accepted.add(card)
        answered = data.get("message") != ELSEWHERE
        card = next_card(body)


@dataclass
class Stored:
    answers: set[tuple[int, str]]
    undos: int
    duplicates: int
    chain_breaks: int


def read_back(url: str, names: list[str]) -> Stored:
    """What the database holds for the run's accounts."""
    engine = make_engine(url)
    with Session(engine) as session:
        user_ids = list(session.scalars(select(User.id).where(User.name.in_(names))))
        rows = session.scalars(
            select(Review).where(Review.user_id.in_(user_ids))
            .order_by(Review.card_id, Review.id)
        ).all()
        cards = {card.id: card for card in session.scalars(
            select(Card).where(Card.user_id.in_(user_ids)))}
        answers = {(row.card_id, row.showing_id or "") for row in rows if row.kind != "undo"}
        undos = sum(1 for row in rows if row.kind == "undo")
        undone = {row.undoes_id for row in rows if row.undoes_id is not None}
        by_card: dict[int, list[Review]] = {}
        for row in rows:
            by_card.setdefault(row.card_id, []).append(row)
        breaks = duplicates = 0
        for card_id, history in by_card.items():
            for before, after in itertools.pairwise(history):
                if _after(before) != _before(after):
                    breaks += 1
            card = cards[card_id]
            state = (card.reps, card.ef, card.interval_days, card.due, card.lapses)
            if state != _after(history[-1]):
                breaks += 1
            seen = Counter(_before(row) for row in history
                           if row.kind != "undo" and row.id not in undone)
            duplicates += sum(n - 1 for n in seen.values())
    engine.dispose()
    return Stored(answers, undos, duplicates, breaks)


def _before(row: Review) -> tuple[Any, ...]:
    return (row.reps_before, row.ef_before, row.interval_before, row.due_before,
            row.lapses_before)


def _after(row: Review) -> tuple[Any, ...]:
    return (row.reps_after, row.ef_after, row.interval_after, row.due_after, row.lapses_after)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("WENGU_DATABASE_URL"))
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cards", type=int, default=400, help="cards per account")
    parser.add_argument("--kill-every", type=float, default=0, help="seconds; 0: no faults")
    parser.add_argument("--idle", type=float, default=3, help="seconds idle before the end")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="wengu-load-"))
    url = args.database_url or f"sqlite:///{folder / 'wengu.sqlite3'}"
    wal = Path(f"{url.removeprefix('sqlite:///')}-wal") if url.startswith("sqlite:///") else None
    env = dict(os.environ, WENGU_DATABASE_URL=url, WENGU_SECRET_KEY="load")
    subprocess.run([str(BIN / "wengu"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    run = secrets.token_hex(3)
    accounts = [i for i in range(args.reviewers) if i % SECOND_TAB_EVERY != SECOND_TAB_EVERY - 1]
    names = seed(url, run, len(accounts), args.cards, datetime.now(UTC))
    port = free_port()
    log = folder / "gunicorn.log"
    server = start_server(url, port, args.workers, args.threads, log)
    tally = Tally()
    wal_max = 0
    kills = 0
    try:
        base = f"http://127.0.0.1:{port}"
        browsers = [Browser(base) for _ in names]
        deadline = time.monotonic() + args.seconds
        threads = []
        account = -1
        for i in range(args.reviewers):
            first_tab = i % SECOND_TAB_EVERY != SECOND_TAB_EVERY - 1
            account += 1 if first_tab else 0
            thread = threading.Thread(
                target=reviewer, name=f"reviewer-{i}", daemon=True,
                args=(browsers[account], names[account], first_tab, deadline, i, tally))
            threads.append(thread)
            thread.start()
        next_kill = time.monotonic() + args.kill_every if args.kill_every else None
        while time.monotonic() < deadline:
            time.sleep(0.25)
            if wal is not None and wal.exists():
                wal_max = max(wal_max, wal.stat().st_size)
            if next_kill is not None and time.monotonic() >= next_kill:
                running = workers_of(server.pid)
                if running:
                    os.kill(random.choice(running), signal.SIGKILL)
                    kills += 1
                next_kill += args.kill_every
        for thread in threads:
            thread.join(90)
        wal_end = wal.stat().st_size if wal is not None and wal.exists() else 0
        time.sleep(args.idle)
        wal_idle = wal.stat().st_size if wal is not None and wal.exists() else 0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
    stored = read_back(url, names)
    lost = tally.accepted - stored.answers
    unacknowledged = stored.answers - tally.accepted
    unexplained = unacknowledged - tally.unknown
    latencies = sorted(tally.latencies)
    faults = bool(args.kill_every)
    server_errors = sum(n for status, n in tally.errors.items()
                        if status == "conn" or status.startswith("5"))
    database = url.split(":", 1)[0].split("+", 1)[0]

    print(f"database: {database}")
    print(f"gunicorn: {args.workers} workers x {args.threads} threads, "
          f"{args.reviewers} reviewers ({len(names)} accounts), {args.seconds:g} s, "
          f"workers killed: {kills}")
    print(f"answers accepted: {len(tally.accepted)}")
    print(f"reviews stored: {len(stored.answers)}")
    print(f"lost (accepted, not stored): {len(lost)}")
    print(f"unacknowledged (stored, no reply): {len(unacknowledged)}")
    print(f"answered elsewhere (the other tab first): {tally.refused}")
    print(f"undos accepted: {tally.undos}, stored: {stored.undos}")
    print(f"duplicates: {stored.duplicates}")
    print(f"history chain breaks: {stored.chain_breaks}")
    print("errors by status: " + (", ".join(f"{status}: {n}" for status, n
                                           in sorted(tally.errors.items())) or "none"))
    if latencies:
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"answer p50: {statistics.median(latencies) * 1000:.0f} ms, "
              f"p99: {p99 * 1000:.0f} ms, answers/s: {len(latencies) / args.seconds:.1f}")
    if wal is not None:
        print(f"wal max: {wal_max / 1e6:.1f} MB, at the end of the load: {wal_end / 1e6:.1f} MB, "
              f"after {args.idle:g} s idle: {wal_idle / 1e6:.1f} MB "
              f"(limit {WAL_LIMIT / 1e6:.1f} MB)")

    missed = []
    if not tally.accepted:
        missed.append("no answer accepted")
    if lost:
        missed.append("answers lost")
    if unexplained or (not faults and unacknowledged):
        missed.append("stored answers nobody sent")
    if stored.undos != tally.undos and not faults:
        missed.append("undos stored != undos accepted")
    if stored.duplicates:
        missed.append("duplicates")
    if stored.chain_breaks:
        missed.append("history chain breaks")
    if server_errors and not faults:
        missed.append("5xx or lost connections without a fault")
    if wal is not None and wal_max > 2 * WAL_LIMIT:
        missed.append("the WAL grew past twice its limit")
    print("targets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
    if missed:
        print(f"gunicorn log: {log}")
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
