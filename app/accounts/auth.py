"""Accounts: the owner's first-run setup, login, logout, and the current user.

The first visitor to a wengu with no users creates the owner account; later
accounts are made by the owner (``account.users``), on the command line, or by
visitors themselves when ``OPEN_SIGNUP`` is set. The session cookie holds the
user's id and ``session_version``, a generation checked against the user's row
on every request: logging out bumps it, so a copy of the cookie is worth
nothing afterwards (the user's sessions on every device end), and changing the
password bumps it too, keeping only the session that changed it. Failed logins
are throttled per client address (``LOGIN_RATE_LIMIT``) and get one message
whatever went wrong, so the login page does not tell which user names exist.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import false, func, select, text, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from app.accounts.zones import DEFAULT_ZONE, time_zones, valid_time_zone
from app.db import get_session
from app.i18n import _
from app.models import User
from app.redirects import local_target
from app.security import limiter

bp = Blueprint("auth", __name__, url_prefix="/auth")

P = ParamSpec("P")
R = TypeVar("R")

MIN_PASSWORD_LENGTH = 8


@functools.cache
def _dummy_hash() -> str:
    """A hash checked when a login names no user, so that a wrong name takes as long as
    a wrong password (the time taken would otherwise tell which names exist)."""
    return generate_password_hash(secrets.token_hex(16))


def login_rate_limit() -> str:
    """The throttle on failed logins and sign-ups, e.g. ``"10 per minute"``."""
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _failed(response: Response) -> bool:
    """Whether a login or sign-up POST failed (success redirects); only failures count."""
    return response.status_code != 302


def login_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Redirect anonymous visitors to the login page (or first-run setup)."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if logged_in_user() is None:
            if not has_users():
                return redirect(url_for("auth.setup"))
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def current_user() -> User:
    """The logged-in user (views behind :func:`login_required` only)."""
    user = logged_in_user()
    assert user is not None, "current_user() outside login_required"
    return user


def logged_in_user() -> User | None:
    """The session's user, or None; loaded when a request first asks (on ``g.user``).

    Loading on demand spares the query to requests that never ask: static files,
    and the review page's answers, which check the login on their own fast path.
    """
    if "user" not in g:
        g.user = _session_user() if has_request_context() else None
    user: User | None = g.user
    return user


def has_users() -> bool:
    """Whether anyone has an account yet."""
    count = get_session().scalar(select(func.count()).select_from(User))
    return bool(count)


def lock_users(session: Session) -> None:
    """Make the session's transaction the only one that may add users until it ends.

    Setup asks "is there any user yet?" and then creates the owner; without the
    lock, concurrent first visitors all hear "no" and each creates an owner.
    PostgreSQL locks the table against inserts; SQLite takes its one write lock
    with a write that changes nothing. Both wait for a holder to finish.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
    else:
        session.execute(update(User).where(false()).values(is_owner=User.is_owner))


def validate_password(password: str, confirm: str) -> str | None:
    """The first problem with a new password and its confirmation, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if password != confirm:
        return _("The two passwords differ.")
    return None


def chosen_time_zone() -> tuple[str, str | None]:
    """The time zone a setup or sign-up form chose (the browser's, unless changed), and
    the problem with it or None."""
    zone = request.form.get("timezone", "").strip() or DEFAULT_ZONE
    if not valid_time_zone(zone):
        return zone, _("Unknown time zone: %(name)s.", name=zone)
    return zone, None


def validate_new_account(name: str, password: str, confirm: str) -> str | None:
    """The first problem with a new account's fields, or None."""
    if not name or len(name) > 80 or not name.isprintable():
        return _("A user name of 1 to 80 characters is needed.")
    return validate_password(password, confirm)


def name_taken(name: str) -> bool:
    """Whether a user called ``name`` exists (user names are case-insensitive)."""
    found = get_session().scalar(
        select(func.count()).select_from(User).where(func.lower(User.name) == name.lower())
    )
    return bool(found)


def create_user(
    name: str, password: str, *, is_owner: bool = False, timezone: str = DEFAULT_ZONE
) -> User:
    """A new user with a hashed password (not yet committed)."""
    user = User(name=name, password_hash=generate_password_hash(password), is_owner=is_owner,
                timezone=timezone)
    get_session().add(user)
    return user


def set_password(user: User, password: str) -> None:
    """Hash and store a new password; every session of ``user`` ends (not committed)."""
    user.password_hash = generate_password_hash(password)
    revoke_sessions(user)


def check_password(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s; as slow for no user as for a wrong password."""
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


def log_in(user: User, *, remember: bool = False) -> None:
    """Start a fresh session for ``user``.

    The old session's contents (a CSRF token, anything planted before login)
    are dropped and the cookie gets a new random id, so a session fixed
    before login is worth nothing after it.
    """
    session.clear()
    session["user_id"] = user.id
    session["session_version"] = user.session_version
    session["sid"] = secrets.token_urlsafe(16)
    session.permanent = remember


def refresh_session(user: User) -> None:
    """Keep the current session valid after ``user.session_version`` changed."""
    session["session_version"] = user.session_version


def safe_next(target: str) -> str:
    """``target`` if it is a path on this site, else the start page."""
    return local_target(target, url_for("home.index"))


@bp.before_app_request
def forget_user() -> None:
    """Start each request without a user: :func:`logged_in_user` loads it when asked
    (an app context, and ``g`` with it, may outlive one request)."""
    g.pop("user", None)


def _session_user() -> User | None:
    """The user the session cookie names, if the session is still theirs."""
    user_id = session.get("user_id")
    if user_id is None:
        return None
    user = get_session().get(User, user_id)
    if user is None or session.get("session_version") != user.session_version:
        session.clear()
        return None
    return user


@bp.app_context_processor
def account_flags() -> dict[str, object]:
    """``open_signup`` for the login page's link to the sign-up form; ``g.user``, which
    the templates read, is loaded here if the view did not ask for it."""
    logged_in_user()
    return {"open_signup": bool(current_app.config.get("OPEN_SIGNUP"))}


@bp.route("/setup", methods=("GET", "POST"))
@limiter.limit(login_rate_limit, methods=["POST"], deduct_when=_failed)
def setup() -> str | Response:
    """First run: create the owner account."""
    if has_users():
        return redirect(url_for("auth.login"))
    error = None
    name = request.form.get("name", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        zone, error = chosen_time_zone()
        error = error or validate_new_account(name, password, request.form.get("confirm", ""))
        if error is None:
            lock_users(get_session())
            if has_users():  # another first visitor was quicker
                get_session().rollback()
                return redirect(url_for("auth.login"))
            user = create_user(name, password, is_owner=True, timezone=zone)
            get_session().commit()
            log_in(user)
            flash(_("Welcome to wengu, %(name)s.", name=user.name))
            return redirect(url_for("home.index"))
    return render_template("auth/setup.html", error=error, name=name,
                           time_zones=time_zones(), zone=request.form.get("timezone", ""))


@bp.route("/login", methods=("GET", "POST"))
@limiter.limit(login_rate_limit, methods=["POST"], deduct_when=_failed)
def login() -> str | Response:
    """Log in; the same message for an unknown name and a wrong password."""
    if not has_users():
        return redirect(url_for("auth.setup"))
    if request.method == "GET" and logged_in_user() is not None:
        return redirect(safe_next(request.args.get("next", "")))
    error = None
    name = request.form.get("name", "").strip()
    remember = bool(request.form.get("remember"))
    if request.method == "POST":
        user = get_session().scalar(select(User).where(User.name == name))
        if not check_password(user, request.form.get("password", "")) or user is None:
            error = _("Wrong user name or password.")
        else:
            log_in(user, remember=remember)
            return redirect(safe_next(request.args.get("next", "")))
    return render_template("auth/login.html", error=error, name=name, remember=remember)


@bp.route("/signup", methods=("GET", "POST"))
@limiter.limit(login_rate_limit, methods=["POST"])
def signup() -> str | Response:
    """Open sign-up (only when ``OPEN_SIGNUP`` is set).

    A name that is taken gets the same message as a name that is not allowed,
    and sign-ups are throttled like logins, so the form is no fast way to
    list accounts.
    """
    if not current_app.config.get("OPEN_SIGNUP"):
        abort(404)
    if not has_users():
        return redirect(url_for("auth.setup"))
    error = None
    name = request.form.get("name", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        zone, error = chosen_time_zone()
        error = error or validate_new_account(name, password, request.form.get("confirm", ""))
        if error is None and name_taken(name):
            error = _("This user name cannot be used. Please choose another.")
        if error is None:
            user = create_user(name, password, timezone=zone)
            get_session().commit()
            log_in(user)
            flash(_("Welcome to wengu, %(name)s.", name=user.name))
            return redirect(url_for("home.index"))
    return render_template("auth/signup.html", error=error, name=name,
                           time_zones=time_zones(), zone=request.form.get("timezone", ""))


def revoke_sessions(user: User) -> None:
    """End every session of ``user``, this one included (not committed)."""
    user.session_version += 1


@bp.route("/logout", methods=("POST",))
def logout() -> Response:
    """Log out (POST only, so a link on another site cannot do it): the user's
    sessions end on the server, not only this browser's cookie."""
    user = logged_in_user()
    if user is not None:
        revoke_sessions(user)
        get_session().commit()
    session.clear()
    return redirect(url_for("auth.login"))
