"""Error pages. A 500 rolls the request's session back before rendering; a database
outage is a 503 with ``Retry-After``, from a page that needs no database.

Whatever fails, the user sees a page in the site's layout and never a
traceback; the log gets one line per failure (:mod:`app.logs` keeps a
traceback on that line, for errors that are bugs).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, g, render_template
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from app.db import close_session, get_engine, outage_errors, outage_summary
from app.security import retry_after

bp = Blueprint("errors", __name__)


Page = tuple[str, int] | tuple[str, int, dict[str, str]]


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Page:
    """Show an HTTP error in the site's layout."""
    return _error_page(error, error.code or 500)


@bp.app_errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded) -> Page:
    """A throttled login or sign-up: the page says wait, ``Retry-After`` says how long."""
    page = _error_page(error, 429)
    if page[1] != 429:
        return page  # the outage page, with its own Retry-After
    return page[0], 429, {"Retry-After": str(retry_after(error))}


@bp.app_errorhandler(500)
def internal_error(error: Exception) -> Page:
    """Roll back whatever the failed request left, then show a plain page."""
    close_session(error)
    return _error_page(None, 500)


def _error_page(error: HTTPException | None, status: int) -> Page:
    """The error page; if the layout cannot learn who is logged in, the outage page."""
    try:
        return render_template("error.html", error=error), status
    except outage_errors(get_engine()) as outage:
        return database_unavailable(outage)


def database_unavailable(error: Exception) -> Page:
    """The database cannot be reached: a 503 asking the client to come back shortly.

    The page is drawn as for an anonymous visitor (``g.user`` is set to None),
    so neither the layout nor the language choice asks the database again.
    """
    current_app.logger.warning("database unavailable: %s", outage_summary(error))
    close_session(error)
    g.user = None
    retry_after = str(current_app.config["DATABASE_RETRY_AFTER"])
    page = render_template("error.html", error=ServiceUnavailable())
    return page, 503, {"Retry-After": retry_after}


def init_app(app: Flask) -> None:
    """Route the database's outage errors (its driver's included) to the 503 page."""
    with app.app_context():
        errors = outage_errors(get_engine())
    for error_class in errors:
        app.register_error_handler(error_class, database_unavailable)
