"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.auth import login_required

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> str:
    """The user's start page."""
    return render_template("home.html")


# The main navigation, in order. An entry shows once its blueprint is registered,
# so each feature adds itself by registering its endpoint.
NAV = (
    ("home.index", "Decks"),
    ("review.start", "Review"),
    ("cards.add", "Add"),
    ("browse.index", "Browse"),
    ("inbox.index", "Inbox"),
    ("imports.index", "Import"),
    ("stats.index", "Statistics"),
    ("account.settings", "Settings"),
)


@bp.app_context_processor
def navigation() -> dict[str, object]:
    """``nav_items()`` for the layout: the registered entries of :data:`NAV`, translated."""
    from flask import current_app

    from app.i18n import _ as gettext

    def nav_items() -> list[tuple[str, str]]:
        views = current_app.view_functions
        return [(endpoint, gettext(label)) for endpoint, label in NAV if endpoint in views]

    return {"nav_items": nav_items}
