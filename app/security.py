"""Cross-cutting protections: CSRF, security headers, proxy handling.

Every state-changing request carries a CSRF token (forms through a hidden
field, fetch calls through the ``X-CSRFToken`` header). Pages send a
Content-Security-Policy without inline scripts, so note content that slips
through the renderer still cannot run. Login attempts are throttled per
client address (Flask-Limiter), and the session cookie is ``Secure``
whenever the request came over HTTPS.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from flask import Flask, Response, has_request_context, request
from flask import Request as FlaskRequest
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from itsdangerous import BadSignature
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.middleware.proxy_fix import ProxyFix

from app import caches

csrf = CSRFProtect()
# Limits are declared on the views that need them (login, sign-up); none by default.
# Configured by RATELIMIT_ENABLED and RATELIMIT_STORAGE_URI (memory:// is per process:
# with several gunicorn workers, point it at redis://HOST:PORT/DB to share counts; the
# `redis` extra installs the client). Counts are kept per client address, so failures
# from one address never lock the right password out from another.
limiter = Limiter(get_remote_address)


def retry_after(error: RateLimitExceeded) -> int:
    """Whole seconds until the limit ``error`` hit lets requests through again (at least 1)."""
    window = int(error.limit.limit.get_expiry())
    current = limiter.current_limit
    if current is not None and current.breached:
        # The storage rounds its reset time to whole seconds, which can put it one
        # second past the window; the wait is never longer than the window itself.
        return max(1, min(window, math.ceil(current.reset_at - time.time())))
    return max(1, window)


class VerifiedCookies:
    """Session cookies whose signature this worker has checked, with what they hold.

    A logged-in browser sends the same cookie with every request; checking its
    signature and decoding it again each time is a good part of a review
    answer's budget. Keyed by the whole cookie (signature included), so only a
    cookie that verified once is found here; the signed time is kept, so a
    cookie still expires as Flask's would. Only sessions of plain values are
    kept (a flash message list could be changed in place).
    """

    SIZE = 1024

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[dict[str, Any], float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, cookie: str, max_age: int) -> dict[str, Any] | None:
        """A copy of what ``cookie`` holds, if verified here and not expired."""
        with self._lock:
            found = self._items.get(cookie)
            if found is None:
                return None
            data, signed_at = found
            if time.time() - signed_at > max_age:
                del self._items[cookie]
                return None
            self._items.move_to_end(cookie)
        return dict(data)

    def put(self, cookie: str, data: Any, signed_at: float) -> None:
        """Remember a cookie that has just been verified (plain values only)."""
        if not isinstance(data, dict) or not all(
            isinstance(v, str | int | float | bool) or v is None for v in data.values()
        ):
            return
        with self._lock:
            self._items[cookie] = (dict(data), signed_at)
            while len(self._items) > self.SIZE:
                self._items.popitem(last=False)


caches.register(
    "verified session cookies", 'app.extensions["wengu.cookies"] (app.security.VerifiedCookies)',
    holds="what a session cookie whose signature was checked holds, per whole cookie",
    invalidated_by="nothing: keyed by the signed cookie itself; an entry expires with the "
                   "cookie's signed time (logout and password change are checked against "
                   "the user's row, as without it)",
)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, ``Secure`` when served over HTTPS.

    ``SESSION_COOKIE_SECURE`` forces the flag; otherwise it follows the
    request's scheme (behind a proxy, enable ProxyFix so that scheme is right)
    or ``PREFERRED_URL_SCHEME = "https"``.
    """

    def open_session(self, app: Flask, request: FlaskRequest) -> SecureCookieSession | None:
        """Flask's, with the cookies already verified remembered (:class:`VerifiedCookies`)."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        verified: VerifiedCookies = app.extensions.setdefault("wengu.cookies", VerifiedCookies())
        known = verified.get(value, max_age)
        if known is not None:
            return self.session_class(known)
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        verified.put(value, data, signed_at.timestamp())
        return self.session_class(data)

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        if app.config.get("PREFERRED_URL_SCHEME") == "https":
            return True
        return has_request_context() and request.is_secure

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class _NulFreeMultiDict(ImmutableMultiDict[str, Any]):
    """Query and form values with NUL characters removed.

    No text a person types contains NUL, and PostgreSQL refuses it in text
    columns, so a NUL in any field would otherwise turn a search, a login or
    a card form into a server error there.
    """

    def __init__(self, mapping: Any = None) -> None:
        if mapping is not None:
            mapping = [
                (key.replace("\x00", ""), value.replace("\x00", "") if isinstance(value, str)
                 else value)
                for key, value in iter_multi_items(mapping)
            ]
        super().__init__(mapping)


class Request(FlaskRequest):
    """Flask's request, with NUL-free query and form values."""

    parameter_storage_class = _NulFreeMultiDict


# Sent with every response, unless the view set its own.
SECURITY_HEADERS = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
]


def init_app(app: Flask) -> None:
    """Install CSRF, login throttling, session cookies, headers and (if configured) ProxyFix."""
    app.request_class = Request
    csrf.init_app(app)
    limiter.init_app(app)
    app.session_interface = SessionInterface()
    app.permanent_session_lifetime = timedelta(days=int(app.config["REMEMBER_COOKIE_DAYS"]))
    proxy_fix = app.config.get("PROXY_FIX")
    if proxy_fix:
        x_for, x_proto, x_host, x_port, x_prefix = (
            [int(part) for part in str(proxy_fix).split(",")] + [0, 0, 0, 0, 0]
        )[:5]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=x_host, x_port=x_port,
            x_prefix=x_prefix,
        )

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}
        headers.extend([item for item in SECURITY_HEADERS if item[0].lower() not in present])
        return response
