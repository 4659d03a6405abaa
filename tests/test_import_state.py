"""Random sequences of note edits, imports, reviews, deletions and hand edits.

Whatever happens, an import never loses a review, never duplicates a card key,
never brings back a card the user deleted, and leaves exactly the note's
cards live.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine
from app.models import Base, Card, NoteSource, Review, Tombstone, User
from app.notes.importer import NoteFile, import_notes
from app.review.store import write_answer

TOPICS = [
    "page table", "semaphore", "inode", "backpressure", "quorum", "红黑树", "幂等性",
    "写时复制", "bloom filter", "garbage collector", "三次握手", "tail latency",
    "consistent hashing", "死锁", "write-ahead log", "futex", "负载均衡", "mmap",
]
ANSWERS = ["It depends.", "A classic answer.", "见课本第三章。", "Read the source.", "Often."]
FILES = ["notes/a.md", "notes/os/b.md", "notes/os/mm/c.md", "notes/net/d.md"]


@dataclass(frozen=True)
class Item:
    """One card in a note: a ``Q:``/``A:`` pair or a question heading with a body."""

    heading: bool
    topic: str
    answer: str
    suffix: str = ""

    @property
    def prompt(self) -> str:
        if self.heading:
            return f"Why does {self.topic}{self.suffix} matter?"
        return f"What is {self.topic}{self.suffix}?"

    def text(self) -> str:
        if self.heading:
            return f"## {self.prompt}\n\n{self.answer}\n"
        return f"Q: {self.prompt}\nA: {self.answer}\n"


def render(title: str, items: list[Item]) -> str:
    return f"# {title}\n\n" + "\n".join(item.text() for item in items)


class ImportMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="wengu-state-")
        self.engine = make_engine(f"sqlite:///{self.folder}/state.sqlite3")
        Base.metadata.create_all(self.engine)
        self.session: Session = sessionmaker(self.engine, expire_on_commit=False)()
        user = User(name="ada", password_hash="x")
        self.session.add(user)
        self.session.commit()
        self.user_id = user.id
        self.notes: dict[str, list[Item]] = {}
        self.removed: list[tuple[str, Item]] = []
        self.reviews = 0
        self.deleted: set[int] = set()
        # Where a thrown-away prompt stays buried: the path it was thrown away at, and each
        # path its card moved to since (the importer carries the tombstone along).
        self.buried: set[tuple[str, str]] = set()
        self.clock = datetime(2030, 1, 1, tzinfo=UTC)
        self.imported = False

    def teardown(self) -> None:
        self.session.close()
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=7)
        return self.clock

    def live_cards(self) -> list[Card]:
        return list(self.session.scalars(
            select(Card).where(Card.retired_at.is_(None), Card.deleted_at.is_(None))
            .order_by(Card.id)
        ))

    # --- note edits (each may be followed by an import) ---------------------------------

    @initialize(path=st.sampled_from(FILES), heading=st.booleans(),
                topic=st.sampled_from(TOPICS), answer=st.sampled_from(ANSWERS))
    def first_note(self, path: str, heading: bool, topic: str, answer: str) -> None:
        self.notes[path] = [Item(heading, topic, answer)]

    @rule(and_import=st.booleans(), path=st.sampled_from(FILES), heading=st.booleans(),
          topic=st.sampled_from(TOPICS), answer=st.sampled_from(ANSWERS))
    def add_item(
        self, and_import: bool, path: str, heading: bool, topic: str, answer: str
    ) -> None:
        items = self.notes.setdefault(path, [])
        if all(item.topic != topic for item in items):
            items.append(Item(heading, topic, answer))
        if and_import:
            self.import_folder()

    @rule(and_import=st.booleans(), data=st.data(), answer=st.sampled_from(ANSWERS))
    @precondition(lambda self: any(self.notes.values()))
    def change_answer(self, and_import: bool, data: st.DataObject, answer: str) -> None:
        path, i = self._pick(data)
        self.notes[path][i] = replace(self.notes[path][i], answer=answer)
        if and_import:
            self.import_folder()

    @rule(and_import=st.booleans(), data=st.data(),
          suffix=st.sampled_from([" itself", "s", " in practice", ""]))
    @precondition(lambda self: any(self.notes.values()))
    def reword(self, and_import: bool, data: st.DataObject, suffix: str) -> None:
        path, i = self._pick(data)
        self.notes[path][i] = replace(self.notes[path][i], suffix=suffix)
        if and_import:
            self.import_folder()

    @rule(and_import=st.booleans(), data=st.data(), topic=st.sampled_from(TOPICS))
    @precondition(lambda self: any(self.notes.values()))
    def replace_topic(self, and_import: bool, data: st.DataObject, topic: str) -> None:
        path, i = self._pick(data)
        if all(item.topic != topic for item in self.notes[path]):
            self.notes[path][i] = replace(self.notes[path][i], topic=topic, suffix="")
        if and_import:
            self.import_folder()

    @rule(and_import=st.booleans(), data=st.data())
    @precondition(lambda self: any(self.notes.values()))
    def remove_item(self, and_import: bool, data: st.DataObject) -> None:
        path, i = self._pick(data)
        self.removed.append((path, self.notes[path].pop(i)))
        if and_import:
            self.import_folder()

    @rule(and_import=st.booleans(), data=st.data())
    @precondition(lambda self: bool(self.removed))
    def put_back(self, and_import: bool, data: st.DataObject) -> None:
        path, item = data.draw(st.sampled_from(self.removed))
        items = self.notes.setdefault(path, [])
        if all(other.topic != item.topic for other in items):
            items.append(item)
        if and_import:
            self.import_folder()

    @rule(and_import=st.booleans(), path=st.sampled_from(FILES))
    def delete_file(self, and_import: bool, path: str) -> None:
        self.removed += [(path, item) for item in self.notes.pop(path, [])]
        if and_import:
            self.import_folder()

    @rule(and_import=st.booleans(), origin=st.sampled_from(FILES),
          destination=st.sampled_from(FILES))
    def move_file(self, and_import: bool, origin: str, destination: str) -> None:
        if origin in self.notes and destination not in self.notes:
            self.notes[destination] = self.notes.pop(origin)
        if and_import:
            self.import_folder()

    def _pick(self, data: st.DataObject) -> tuple[str, int]:
        path = data.draw(st.sampled_from(sorted(p for p, items in self.notes.items() if items)))
        return path, data.draw(st.integers(0, len(self.notes[path]) - 1))

    # --- the app -----------------------------------------------------------------------

    @rule()
    def import_folder(self) -> None:
        files = [NoteFile(path, render(path, items).encode()) for path, items in
                 sorted(self.notes.items())]
        report = import_notes(self.session, self.user_id, files, roots=["notes"], now=self.tick)
        assert report.files_failed == []
        self.session.expire_all()
        self.imported = True
        self.check_cards_follow_notes()

    @rule(data=st.data(), grade=st.integers(0, 5))
    @precondition(lambda self: self.imported)
    def review(self, data: st.DataObject, grade: int) -> None:
        cards = self.live_cards()
        if not cards:
            return
        card = data.draw(st.sampled_from(cards))
        now = self.tick()
        write_answer(self.session, card.user_id, card.id, grade, now, now, showing=None)
        self.session.commit()
        self.reviews += 1

    @rule(data=st.data())
    @precondition(lambda self: self.imported)
    def delete_card(self, data: st.DataObject) -> None:
        cards = self.live_cards()
        if not cards:
            return
        card = data.draw(st.sampled_from(cards))
        card.deleted_at = self.tick()
        self.session.add(Tombstone(user_id=self.user_id, key=card.key, front=card.front))
        self.session.commit()
        self.deleted.add(card.id)
        if card.source:
            self.buried.add((card.source.path, card.front))

    @rule(data=st.data())
    @precondition(lambda self: self.imported)
    def edit_card(self, data: st.DataObject) -> None:
        cards = self.live_cards()
        if not cards:
            return
        card = data.draw(st.sampled_from(cards))
        card.back, card.edited = "My own words.", True
        self.session.commit()

    # --- what must always hold ----------------------------------------------------------

    def check_cards_follow_notes(self) -> None:
        """After an import: live cards are exactly the notes' prompts (minus thrown away)."""
        prompts = {(path, item.prompt) for path, items in self.notes.items() for item in items}
        live = self.live_cards()
        # A card edited by hand keeps the user's text, whatever the note says now.
        plain = {(card.source.path if card.source else "", card.front)
                 for card in live if not card.edited}
        assert plain <= prompts, plain - prompts
        # Every prompt has its live card, unless the user deleted or edited one of that note.
        touched = {
            card.source.path for card in self.session.scalars(
                select(Card).where((Card.deleted_at.is_not(None)) | Card.edited.is_(True)))
            if card.source
        }
        # A prompt thrown away at a path stays thrown away there, even after its card moved
        # on: the note moved away and back, the item was taken out and put back.
        self.buried |= {
            (card.source.path, card.front) for card in self.session.scalars(
                select(Card).where(Card.deleted_at.is_not(None)))
            if card.source
        }
        missing = {(path, prompt) for path, prompt in prompts - plain
                   if path not in touched and (path, prompt) not in self.buried}
        assert not missing, missing
        # Notes no longer in the folder are marked missing.
        gone = set(self.session.scalars(
            select(NoteSource.path).where(NoteSource.missing_since.is_not(None))))
        assert not gone & set(self.notes)

    @invariant()
    def no_review_lost(self) -> None:
        count = self.session.scalar(select(func.count()).select_from(Review))
        assert count == self.reviews
        orphans = self.session.scalar(
            select(func.count()).select_from(Review)
            .where(~Review.card_id.in_(select(Card.id)))
        )
        assert orphans == 0

    @invariant()
    def keys_are_unique(self) -> None:
        duplicated = self.session.execute(
            select(Card.key).group_by(Card.user_id, Card.key).having(func.count() > 1)
        ).all()
        assert duplicated == []

    @invariant()
    def tombstones_stay_buried(self) -> None:
        risen = self.session.scalar(
            select(func.count()).select_from(Card).where(
                Card.deleted_at.is_(None),
                Card.key.in_(select(Tombstone.key).where(Tombstone.user_id == self.user_id)),
            )
        )
        assert risen == 0
        if self.deleted:
            still = set(self.session.scalars(
                select(Card.id).where(Card.id.in_(self.deleted), Card.deleted_at.is_not(None))))
            assert still == self.deleted

    @invariant()
    def edits_are_kept(self) -> None:
        edited = self.session.scalars(select(Card).where(Card.edited.is_(True))).all()
        assert all(card.back == "My own words." for card in edited)


ImportMachine.TestCase.settings = settings(
    max_examples=80, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestImportMachine = ImportMachine.TestCase
