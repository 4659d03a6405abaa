"""Cross-cutting protections: CSRF, security headers, proxy handling.

Every state-changing request carries a CSRF token (forms through a hidden
field, fetch calls through the ``X-CSRFToken`` header). Pages send a
Content-Security-Policy without inline scripts, so note content that slips
through the renderer still cannot run.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

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


def init_app(app: Flask) -> None:
    """Install CSRF protection, security headers and, if configured, ProxyFix."""
    csrf.init_app(app)
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
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
