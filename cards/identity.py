"""Card identity across imports: which stored card a freshly extracted draft is.

A draft becomes one or more *card specs* (:func:`card_specs`): a ``reversed``
draft two siblings (keys ``K`` and ``K:r``), a ``cloze`` draft one card per
cloze number (keys ``K:c1``, ``K:c2``, …; ``ord`` is the number minus one, as
in Anki). :func:`match_cards` then pairs the specs of one note with the
cards stored for it:

1. the same key: the same card;
2. else, within the same note, the same kind and role and a prompt similar
   enough (:func:`prompt_similarity` ≥ :data:`SIMILARITY_THRESHOLD`): the same
   card, re-keyed, its history kept;
3. specs left over are new cards; stored cards of the note left over are gone
   (the shell retires them).

Similarity is measured on the normalised prompt (:func:`cards.draft.normalize`)
with spaces and punctuation removed, character by character, so Chinese
(which has no spaces) and English are treated alike: ``difflib``'s ratio, and
an edit that only *adds or removes* text (``如何调试内核模块`` → ``如何调试
Linux 内核模块``) is scored halfway between that ratio and 1, because adding a
qualifier rarely makes a different question, while replacing a word may.

The threshold was measured on 24 hand-written rewordings (typo fixes, added
qualifiers, ``怎么`` → ``如何``, ``What is`` → ``What's``) and 24 minimal
pairs of *different* questions (``L1``/``L2`` cache, ``页表``/``页框``,
``mutex``/``semaphore``), in English and Chinese (the table is in
``tests/test_import_identity.py``, which recomputes it):

========  ================  =================
cut-off   rewordings kept   different merged
========  ================  =================
0.75      24 / 24           15 / 24
0.80      24 / 24           10 / 24
0.85      22 / 24           4 / 24
0.90      19 / 24           3 / 24
========  ================  =================

On the 2,230 real notes of ``../shared/corpus``, 0.66 % of the pairs of
distinct same-kind prompts within one note score ≥ 0.80 (1.06 % ≥ 0.75,
0.39 % ≥ 0.85): mostly a term and its longer form (``virtme-ng`` /
``virtme-ng 做法``, ``dp[i]`` / ``dp[i][j]``). Only when one of such a pair
vanishes in the same edit that adds the other are they taken for one card.

No cut-off separates the minimal pairs (``What is L1 cache?`` → ``L2`` is a
typo fix as often as a new question), so the threshold favours rewordings:
**0.80** keeps every rewording. The risk is bounded by where matching applies:
only prompts whose exact key vanished, only within one note, one kind and one
role, and best pairs first; a question that is *added* next to an unchanged
similar one always matches its own key first and is never merged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from cards.cloze import cloze_numbers, highlights_to_clozes
from cards.draft import Draft, normalize

__all__ = [
    "SIMILARITY_THRESHOLD",
    "CardSpec",
    "Match",
    "Matching",
    "Stored",
    "card_specs",
    "match_cards",
    "prompt_similarity",
    "role_of",
]

SIMILARITY_THRESHOLD = 0.80

_NOT_WORD = re.compile(r"[\W_]+")
_ROLE = re.compile(r":(r|c\d+)$")


def _letters(text: str) -> str:
    return _NOT_WORD.sub("", normalize(text))


def prompt_similarity(a: str, b: str) -> float:
    """How alike two prompts are, from 0 to 1 (1: the same once normalised)."""
    left, right = sorted((_letters(a), _letters(b)))  # difflib is not symmetric; order it
    if left == right:
        return 1.0
    if not left or not right:
        return 0.0
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    ratio = matcher.ratio()
    if all(op != "replace" for op, *_ in matcher.get_opcodes()):
        return (1.0 + ratio) / 2.0
    return ratio


def role_of(key: str) -> str:
    """A card's place among its siblings, from its key: ``""``, ``"r"`` or ``"c<n>"``."""
    match = _ROLE.search(key)
    return match.group(1) if match else ""


@dataclass(frozen=True, slots=True)
class CardSpec:
    """One card as a note says it should be (fields named as on the stored card)."""

    key: str
    note_key: str
    ord: int
    kind: str
    front: str
    back: str
    prompt: str  # what identity compares: the draft's front
    line: int
    end_line: int
    answer_start: int | None
    answer_end: int | None
    context: str
    needs_answer: bool

    @property
    def role(self) -> str:
        """Its place among its siblings (see :func:`role_of`)."""
        return role_of(self.key)


def card_specs(draft: Draft) -> list[CardSpec]:
    """The cards one draft makes: one, two (reversed) or one per cloze number."""
    start, end = draft.answer_lines if draft.answer_lines else (None, None)

    def spec(key: str, ord_: int, front: str, back: str) -> CardSpec:
        return CardSpec(
            key=key, note_key=draft.key, ord=ord_, kind=draft.kind, front=front, back=back,
            prompt=draft.front, line=draft.line, end_line=draft.end_line,
            answer_start=start, answer_end=end, context=" > ".join(draft.context),
            needs_answer=draft.needs_answer,
        )

    if draft.kind == "reversed":
        return [spec(draft.key, 0, draft.front, draft.back),
                spec(f"{draft.key}:r", 1, draft.back, draft.front)]
    if draft.kind == "cloze":
        text = highlights_to_clozes(draft.front)
        return [spec(f"{draft.key}:c{n}", n - 1, text, draft.back) for n in cloze_numbers(text)]
    return [spec(draft.key, 0, draft.front, draft.back)]


@dataclass(frozen=True, slots=True)
class Stored:
    """What matching needs to know of a stored card.

    ``local``: it belongs to the note being imported (only those may match by
    similarity, or be gone). ``prompt``: the note's prompt it was made from
    (for a reversed card's second side, its back).
    """

    id: int
    key: str
    kind: str
    prompt: str
    local: bool = True
    retired: bool = False
    line: int | None = None

    @property
    def role(self) -> str:
        """Its place among its siblings (see :func:`role_of`)."""
        return role_of(self.key)


@dataclass(frozen=True, slots=True)
class Match:
    """A spec paired with a stored card; ``rekey`` when found by similarity."""

    spec: CardSpec
    card_id: int
    similarity: float
    rekey: bool


@dataclass(slots=True)
class Matching:
    """The outcome of :func:`match_cards`."""

    matched: list[Match] = field(default_factory=list)
    new: list[CardSpec] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)  # ids of local stored cards left over
    duplicates: list[CardSpec] = field(default_factory=list)  # a key the note repeats


def _unique(specs: Iterable[CardSpec], duplicates: list[CardSpec]) -> list[CardSpec]:
    seen: set[str] = set()
    unique = []
    for spec in specs:
        if spec.key in seen:
            duplicates.append(spec)
            continue
        seen.add(spec.key)
        unique.append(spec)
    return unique


def match_cards(
    specs: Sequence[CardSpec],
    stored: Sequence[Stored],
    *,
    threshold: float = SIMILARITY_THRESHOLD,
) -> Matching:
    """Pair the specs of one note with stored cards: by key, then by similar prompt.

    A key the note repeats is kept once (the rest land in ``duplicates``). Among
    similar candidates the most similar pair wins, then live before retired
    cards, then the nearest line.
    """
    result = Matching()
    pending = _unique(specs, result.duplicates)
    by_key = {card.key: card for card in stored}
    used: set[int] = set()
    leftover: list[CardSpec] = []
    for spec in pending:
        card = by_key.get(spec.key)
        if card is not None and card.id not in used:
            used.add(card.id)
            result.matched.append(Match(spec, card.id, 1.0, rekey=False))
        else:
            leftover.append(spec)

    free = [card for card in stored if card.local and card.id not in used]
    candidates: list[tuple[float, bool, int, int, int]] = []
    for i, spec in enumerate(leftover):
        target = _letters(spec.prompt)
        for j, card in enumerate(free):
            if card.kind != spec.kind or card.role != spec.role:
                continue
            quick = SequenceMatcher(None, target, _letters(card.prompt), autojunk=False)
            # real_quick_ratio bounds ratio from above; an insertion-only edit scores
            # (1 + ratio) / 2, so only pairs whose bound could reach the threshold count.
            if (1.0 + quick.real_quick_ratio()) / 2.0 < threshold:
                continue
            score = prompt_similarity(spec.prompt, card.prompt)
            if score >= threshold:
                distance = abs((card.line or spec.line) - spec.line)
                candidates.append((score, card.retired, distance, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2], c[3], c[4]))
    taken_specs: set[int] = set()
    for score, _retired, _distance, i, j in candidates:
        card = free[j]
        if i in taken_specs or card.id in used:
            continue
        taken_specs.add(i)
        used.add(card.id)
        result.matched.append(Match(leftover[i], card.id, score, rekey=True))
    result.new = [spec for i, spec in enumerate(leftover) if i not in taken_specs]
    result.gone = [card.id for card in stored if card.local and card.id not in used]
    return result
