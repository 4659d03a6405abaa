"""Error pages. A 500 rolls the request's session back before rendering."""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.exceptions import HTTPException

from app.db import close_session

bp = Blueprint("errors", __name__)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int]:
    """Show an HTTP error in the site's layout."""
    return render_template("error.html", error=error), error.code or 500


@bp.app_errorhandler(500)
def internal_error(error: Exception) -> tuple[str, int]:
    """Roll back whatever the failed request left, then show a plain page."""
    close_session(error)
    return render_template("error.html", error=None), 500
