"""Languages: English and Simplified Chinese, chosen by the user or the browser."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask_babel import Babel, get_locale, gettext, ngettext


def _(message: str, **variables: Any) -> str:
    """Translate ``message`` (typed wrapper around Flask-Babel's gettext)."""
    return str(gettext(message, **variables))


def n_(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Translate with a plural form."""
    return str(ngettext(singular, plural, num, **variables))


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it (it is translated where shown)."""
    return message


def select_locale() -> str | None:
    """The user's chosen language, else the browser's best match."""
    from app.accounts.auth import logged_in_user  # auth translates its messages with this module

    user = logged_in_user()
    if user is not None and user.language:
        return str(user.language)
    languages: list[str] = current_app.config["LANGUAGES"]
    return request.accept_languages.best_match(languages)


def select_timezone() -> str | None:
    """The user's time zone (dates on pages are shown in it)."""
    from app.accounts.auth import logged_in_user

    user = logged_in_user()
    return str(user.timezone) if user is not None else None


def init_app(app: Flask) -> None:
    """Install Flask-Babel with wengu's selectors."""
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals["get_locale"] = get_locale
