"""How a stored card is shown: its two sides as HTML, and the lines of its note around it.

Review, the card page and the inbox all show cards; they share these
functions so a card looks the same everywhere (and as in the Anki export,
which uses the same renderer).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from app.models import Card, CardKind
from app.notes.media import media_url_for
from cards.cloze import cloze_back, cloze_front
from cards.render import render_markdown

SOURCE_CONTEXT = 4  # lines shown around a card in its note


@dataclass(frozen=True, slots=True)
class SidesSource:
    """What a card's two sides are rendered from: a few of its columns, and its note's
    path (images resolve against it; None: no note, or no image to resolve).

    Small enough to keep for the cards about to be shown, so that each is rendered
    when it is shown (:func:`render_sides`), not all of them when they are loaded.
    """

    user_id: int
    kind: str
    ord: int
    front: str
    back: str
    note_path: str | None = None

    @classmethod
    def of(cls, card: Card) -> SidesSource:
        """``card``'s sides source (its note is loaded only when an image needs it)."""
        path = None
        if card.source_id is not None and "![" in f"{card.front}{card.back}":
            path = card.source.path if card.source is not None else None
        return cls(card.user_id, card.kind, card.ord, card.front, card.back, path)


def _renderer(user_id: int, note_path: str | None, text: str) -> Callable[[str], str]:
    """Markdown → HTML; images in ``text`` resolve against the note at ``note_path``."""
    if note_path is None or "![" not in text:
        return render_markdown
    images = functools.partial(media_url_for, user_id, note_path)
    return functools.partial(render_markdown, image_src=images)


def card_renderer(card: Card) -> Callable[[str], str]:
    """Markdown → HTML for ``card``; images resolve against its note's media."""
    source = SidesSource.of(card)
    return _renderer(source.user_id, source.note_path, f"{source.front}{source.back}")


def render_sides(source: SidesSource) -> tuple[str, str]:
    """A card's question and answer as HTML (a cloze card hides its own number)."""
    render = _renderer(source.user_id, source.note_path, f"{source.front}{source.back}")
    if source.kind == CardKind.CLOZE.value:
        number = source.ord + 1
        back = render(cloze_back(source.front, number))
        if source.back.strip():
            back += render(source.back)
        return render(cloze_front(source.front, number)), back
    return render(source.front), render(source.back)


def card_sides(card: Card) -> tuple[str, str]:
    """A card's question and answer as HTML (see :func:`render_sides`)."""
    return render_sides(SidesSource.of(card))


def source_excerpt(card: Card, context: int = SOURCE_CONTEXT) -> list[tuple[int, str, bool]]:
    """The card's lines in its note with a few around: (line number, text, is the card's)."""
    if card.source is None or card.line is None or not card.source.content:
        return []
    lines = card.source.content.splitlines()
    last = max(card.end_line or card.line, card.answer_end or 0)
    first = max(card.line - context, 1)
    stop = min(last + context, len(lines))
    return [(n, lines[n - 1], card.line <= n <= last) for n in range(first, stop + 1)]
