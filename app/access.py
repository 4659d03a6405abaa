"""Scoping every lookup to the current user: someone else's id is a 404."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort

from app.accounts.auth import current_user
from app.db import get_session
from app.models import Card

T = TypeVar("T")


def get_owned_or_404(model: type[T], ident: Any) -> T:
    """Load ``model`` by primary key if it belongs to the current user, else 404."""
    obj = get_session().get(model, ident)
    if obj is None or getattr(obj, "user_id", None) != current_user().id:
        abort(404)
    return obj


def live_card_or_404(card_id: int) -> Card:
    """The current user's card unless it was thrown away, else 404."""
    card = get_owned_or_404(Card, card_id)
    if card.deleted_at is not None:
        abort(404)
    return card
