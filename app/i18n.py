"""Languages: English and Simplified Chinese, chosen by the user or the browser.

A page asks for dozens of messages; the request's catalog is looked up once
(:func:`translations`) rather than once per message. :func:`refresh` forgets
it, with Flask-Babel's locale, when the user has just chosen another language.
"""

from __future__ import annotations

from typing import Any

import flask_babel
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_app_context, request
from flask_babel import Babel, get_locale, get_translations

_CATALOG = "wengu_translations"  # where the request's catalog is kept on ``g``


def translations() -> NullTranslations:
    """The catalog of the current request's language (looked up once per request)."""
    if not has_app_context():
        catalog: NullTranslations = get_translations()
        return catalog
    found: NullTranslations | None = g.get(_CATALOG)
    if found is None:
        found = get_translations()
        setattr(g, _CATALOG, found)
    return found


def refresh() -> None:
    """Forget the request's language and catalog (the user has just changed them)."""
    flask_babel.refresh()
    if has_app_context():
        g.pop(_CATALOG, None)


def _(message: str, **variables: Any) -> str:
    """Translate ``message`` (Flask-Babel's ``gettext``, the catalog looked up once)."""
    text = str(translations().ugettext(message))
    return text % variables if variables else text


def n_(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Translate with a plural form."""
    variables.setdefault("num", num)
    return str(translations().ungettext(singular, plural, num)) % variables


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
    # Templates translate through the same once-per-request catalog as the code.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["get_locale"] = get_locale
