"""Health checks for load balancers and orchestrators: no login, no session, cheap.

``/healthz`` answers as long as the process serves requests; ``/readyz`` also
asks the database for ``SELECT 1`` and answers 503 (with ``Retry-After``)
when it cannot be reached, so a balancer stops sending users to a worker that
could only show them errors.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_engine, outage_summary

bp = Blueprint("health", __name__)


def _plain(body: str, status: int) -> Response:
    response = Response(body + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz() -> Response:
    """The process is up."""
    return _plain("ok", 200)


@bp.route("/readyz")
def readyz() -> Response:
    """The process is up and its database answers."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("readiness check failed: %s", outage_summary(error))
        response = _plain("database unreachable", 503)
        response.headers["Retry-After"] = str(current_app.config["DATABASE_RETRY_AFTER"])
        return response
    return _plain("ok", 200)
