"""A user's own settings, password, and (for the owner) the other accounts.

Settings: the time zone and the hour the review day starts (together they say
when "today" begins), the language, the grade buttons (Anki's four or SM-2's
six), the default daily limits that decks inherit and the longest interval
SM-2 may give; fitting FSRS's parameters to the user's own answers. Changing the password
ends every other session of the user and keeps this one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.auth import (
    check_password,
    create_user,
    current_user,
    login_required,
    name_taken,
    refresh_session,
    set_password,
    validate_new_account,
    validate_password,
)
from app.accounts.zones import time_zones, valid_time_zone
from app.cards.rescheduling import fit_user
from app.cards.scheduler_choice import stored_parameters
from app.db import get_session, utcnow
from app.i18n import _, refresh
from app.models import User
from app.stats import rollup
from cards.fsrs_fit import MIN_REVIEWS
from cards.sm2 import MAX_INTERVAL

bp = Blueprint("account", __name__, url_prefix="/account")

P = ParamSpec("P")
R = TypeVar("R")

LANGUAGES = ("auto", "en", "zh")
GRADE_BUTTONS = (4, 6)
MAX_NEW_PER_DAY = 9999
MAX_REVIEWS_PER_DAY = 99999
LONGEST_MAX_INTERVAL = MAX_INTERVAL


def _int_in(value: str, low: int, high: int) -> int | None:
    """``value`` as an int within ``low..high``, else None."""
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def parse_settings(form: Mapping[str, str]) -> tuple[dict[str, Any], str | None]:
    """The settings a form asks for, and the first problem with them (or None)."""
    timezone = form.get("timezone", "").strip()
    if not valid_time_zone(timezone):
        return {}, _("Unknown time zone: %(name)s.", name=timezone)
    day_start = _int_in(form.get("day_start_hour", ""), 0, 23)
    if day_start is None:
        return {}, _("The day starts at an hour from 0 to 23.")
    language = form.get("language", "")
    if language not in LANGUAGES:
        return {}, _("Choose a language from the list.")
    buttons = _int_in(form.get("grade_buttons", ""), 4, 6)
    if buttons not in GRADE_BUTTONS:
        return {}, _("Choose four or six grade buttons.")
    new_per_day = _int_in(form.get("new_per_day", ""), 0, MAX_NEW_PER_DAY)
    if new_per_day is None:
        return {}, _("New cards per day: a number from 0 to %(n)d.", n=MAX_NEW_PER_DAY)
    reviews_per_day = _int_in(form.get("reviews_per_day", ""), 0, MAX_REVIEWS_PER_DAY)
    if reviews_per_day is None:
        return {}, _("Reviews per day: a number from 0 to %(n)d.", n=MAX_REVIEWS_PER_DAY)
    # A form from before the maximum interval was a setting leaves it as it is.
    extra: dict[str, Any] = {}
    if "max_interval_days" in form:
        max_interval = _int_in(form["max_interval_days"], 1, LONGEST_MAX_INTERVAL)
        if max_interval is None:
            return {}, _("Maximum interval: a number of days from 1 to %(n)d.",
                         n=LONGEST_MAX_INTERVAL)
        extra["max_interval_days"] = max_interval
    raw_stop = form.get("new_stop_overdue", "").strip()
    new_stop_overdue = _int_in(raw_stop, 0, MAX_REVIEWS_PER_DAY) if raw_stop else None
    if raw_stop and new_stop_overdue is None:
        return {}, _("Overdue reviews that stop new cards: empty, or a number from 0 to "
                     "%(n)d.", n=MAX_REVIEWS_PER_DAY)
    return {
        "timezone": timezone,
        "day_start_hour": day_start,
        "language": None if language == "auto" else language,
        "grade_buttons": buttons,
        "new_per_day": new_per_day,
        "reviews_per_day": reviews_per_day,
        **extra,
        "new_stop_overdue": new_stop_overdue,
    }, None


def owner_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Let only the owner in (after :func:`login_required`); others get a 403."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if not current_user().is_owner:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _settings_page(
    *, status: int = 200, error: str | None = None, password_error: str | None = None
) -> tuple[str, int]:
    user = current_user()
    typed = request.form if error else {}
    values = {
        "timezone": typed.get("timezone", user.timezone),
        "day_start_hour": typed.get("day_start_hour", str(user.day_start_hour)),
        "language": typed.get("language", user.language or "auto"),
        "grade_buttons": typed.get("grade_buttons", str(user.grade_buttons)),
        "new_per_day": typed.get("new_per_day", str(user.new_per_day)),
        "reviews_per_day": typed.get("reviews_per_day", str(user.reviews_per_day)),
        "max_interval_days": typed.get("max_interval_days", str(user.max_interval_days)),
        "new_stop_overdue": typed.get(
            "new_stop_overdue",
            "" if user.new_stop_overdue is None else str(user.new_stop_overdue)),
    }
    page = render_template(
        "account/settings.html", values=values, time_zones=time_zones(), error=error,
        password_error=password_error, fsrs=stored_parameters(get_session(), user.id),
        min_reviews=MIN_REVIEWS,
    )
    return page, status


@bp.route("/", methods=("GET", "POST"))
@login_required
def settings() -> tuple[str, int] | Response:
    """Show and save the user's review and display settings."""
    if request.method == "GET":
        return _settings_page()
    values, error = parse_settings(request.form)
    if error is not None:
        return _settings_page(status=400, error=error)
    user = current_user()
    day = (user.timezone, user.day_start_hour)
    for field, value in values.items():
        setattr(user, field, value)
    if (user.timezone, user.day_start_hour) != day:  # the statistics' days move
        rollup.rebuild(get_session(), user, utcnow())
    get_session().commit()
    refresh()  # the message below is in the language just chosen
    flash(_("Settings saved."))
    return redirect(url_for("account.settings"))


@bp.route("/fsrs", methods=("POST",))
@login_required
def fsrs_optimize() -> Response:
    """Fit the user's FSRS parameters to their own answers (the defaults below the
    threshold); the cards on FSRS decks are rescheduled with them."""
    user = current_user()
    fit = fit_user(get_session(), user)
    get_session().commit()
    if fit.fitted:
        flash(_("FSRS parameters fitted to your %(num)d answers.", num=fit.reviews))
    else:
        flash(_("%(num)d answers so far: FSRS keeps its default parameters until you have "
                "%(min)d.", num=fit.reviews, min=MIN_REVIEWS))
    return redirect(url_for("account.settings") + "#fsrs")


@bp.route("/password", methods=("POST",))
@login_required
def password() -> tuple[str, int] | Response:
    """Change the password: other sessions end, this one goes on."""
    user = current_user()
    if not check_password(user, request.form.get("current", "")):
        return _settings_page(status=400, password_error=_("The current password is wrong."))
    new = request.form.get("password", "")
    error = validate_password(new, request.form.get("confirm", ""))
    if error is not None:
        return _settings_page(status=400, password_error=error)
    set_password(user, new)
    get_session().commit()
    refresh_session(user)
    flash(_("Password changed. Your other sessions have been logged out."))
    return redirect(url_for("account.settings"))


@bp.route("/users", methods=("GET", "POST"))
@login_required
@owner_required
def users() -> tuple[str, int] | Response:
    """The owner's list of accounts, with a form to create one."""
    error = None
    name = request.form.get("name", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        error = validate_new_account(name, password, request.form.get("confirm", ""))
        if error is None and name_taken(name):
            error = _("A user called %(name)s already exists.", name=name)
        if error is None:
            create_user(name, password)
            get_session().commit()
            flash(_("Account %(name)s created.", name=name))
            return redirect(url_for("account.users"))
    accounts = get_session().scalars(select(User).order_by(User.created_at, User.id)).all()
    page = render_template("account/users.html", accounts=accounts, error=error, name=name)
    return page, 200 if error is None else 400
