"""How a stored card is shown: its two sides as HTML, and the lines of its note around it.

Review, the card page and the inbox all show cards; they share these
functions so a card looks the same everywhere (and as in the Anki export,
which uses the same renderer).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from app.models import Card, CardKind
from app.notes.media import media_url_for
from cards.cloze import cloze_back, cloze_front
from cards.render import render_markdown

SOURCE_CONTEXT = 4  # lines shown around a card in its note


def card_renderer(card: Card) -> Callable[[str], str]:
    """Markdown → HTML for ``card``; images resolve against its note's media."""
    if card.source_id is None or "![" not in f"{card.front}{card.back}" or card.source is None:
        return render_markdown
    images = functools.partial(media_url_for, card.user_id, card.source.path)
    return functools.partial(render_markdown, image_src=images)


def card_sides(card: Card) -> tuple[str, str]:
    """A card's question and answer as HTML (a cloze card hides its own number)."""
    render = card_renderer(card)
    if card.kind == CardKind.CLOZE.value:
        number = card.ord + 1
        back = render(cloze_back(card.front, number))
        if card.back.strip():
            back += render(card.back)
        return render(cloze_front(card.front, number)), back
    return render(card.front), render(card.back)


def source_excerpt(card: Card, context: int = SOURCE_CONTEXT) -> list[tuple[int, str, bool]]:
    """The card's lines in its note with a few around: (line number, text, is the card's)."""
    if card.source is None or card.line is None or not card.source.content:
        return []
    lines = card.source.content.splitlines()
    last = max(card.end_line or card.line, card.answer_end or 0)
    first = max(card.line - context, 1)
    stop = min(last + context, len(lines))
    return [(n, lines[n - 1], card.line <= n <= last) for n in range(first, stop + 1)]
