"""Where a ``next`` parameter may send the browser: a path on this site, nothing else.

Browsers are lenient with what follows ``Location``: they drop tabs and line
breaks anywhere in a URL, read a backslash as a slash, and take ``//host`` or
``https:host`` as another site. So a target is accepted only when it is an
absolute path with no control characters, no backslash, and neither a scheme
nor a host once parsed; anything else falls back to a page of our own. Every
view that redirects to a target the request names goes through
:func:`local_target`.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def local_target(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")
                             for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    return target
