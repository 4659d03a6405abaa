"""Accounts: the owner's first-run setup, login, logout, and the current user.

The first visitor to a wengu with no users creates the owner account. The
session cookie holds the user's id and ``session_version``; changing the
password bumps the version, which logs out every other session.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from app.db import get_session
from app.i18n import _
from app.models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")

P = ParamSpec("P")
R = TypeVar("R")

MIN_PASSWORD_LENGTH = 8


def login_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Redirect anonymous visitors to the login page (or first-run setup)."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if g.get("user") is None:
            if not has_users():
                return redirect(url_for("auth.setup"))
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def current_user() -> User:
    """The logged-in user (views behind :func:`login_required` only)."""
    user: User = g.user
    return user


def has_users() -> bool:
    """Whether anyone has an account yet."""
    count = get_session().scalar(select(func.count()).select_from(User))
    return bool(count)


def validate_new_account(name: str, password: str, confirm: str) -> str | None:
    """The first problem with a new account's fields, or None."""
    if not name or len(name) > 80:
        return _("A user name of 1 to 80 characters is needed.")
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if password != confirm:
        return _("The two passwords differ.")
    return None


def create_user(name: str, password: str, *, is_owner: bool = False) -> User:
    """A new user with a hashed password (not yet committed)."""
    user = User(name=name, password_hash=generate_password_hash(password), is_owner=is_owner)
    get_session().add(user)
    return user


def log_in(user: User, *, remember: bool = False) -> None:
    """Start a fresh session for ``user`` (the old session's contents are dropped)."""
    session.clear()
    session["user_id"] = user.id
    session["session_version"] = user.session_version
    session.permanent = remember


@bp.before_app_request
def load_logged_in_user() -> None:
    """Put the session's user on ``g.user`` (or None)."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = get_session().get(User, user_id)
    if user is None or session.get("session_version") != user.session_version:
        session.clear()
        return
    g.user = user


@bp.route("/setup", methods=("GET", "POST"))
def setup() -> str | Response:
    """First run: create the owner account."""
    if has_users():
        return redirect(url_for("auth.login"))
    error = None
    name = request.form.get("name", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        error = validate_new_account(name, password, request.form.get("confirm", ""))
        if error is None:
            user = create_user(name, password, is_owner=True)
            get_session().commit()
            log_in(user)
            flash(_("Welcome to wengu, %(name)s.", name=user.name))
            return redirect(url_for("home.index"))
    return render_template("auth/setup.html", error=error, name=name)


@bp.route("/login", methods=("GET", "POST"))
def login() -> str | Response:
    """Log in; the same message for an unknown name and a wrong password."""
    if not has_users():
        return redirect(url_for("auth.setup"))
    error = None
    name = request.form.get("name", "").strip()
    if request.method == "POST":
        user = get_session().scalar(select(User).where(User.name == name))
        password = request.form.get("password", "")
        if user is None or not check_password_hash(user.password_hash, password):
            error = _("Wrong user name or password.")
        else:
            log_in(user, remember=bool(request.form.get("remember")))
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("home.index")
            return redirect(target)
    return render_template("auth/login.html", error=error, name=name)


@bp.route("/logout", methods=("POST",))
def logout() -> Response:
    """Log out (POST only, so a link on another site cannot do it)."""
    session.clear()
    return redirect(url_for("auth.login"))
