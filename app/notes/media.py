"""Images from notes: stored per user, served to their owner only.

The importer stores an image a note refers to (``![](img/x.png)``) when the
upload or folder holds it, as a :class:`app.models.Media` row named
``<sha256 prefix>-<file name>`` (unique per user, and safe as a file name in
Anki's media folder). Pages show it through :func:`media_url_for`, which maps
a note's image reference to ``/media/<name>``.

Only raster image types are served as images; anything else would be sent as
a download, never rendered by the browser (an SVG can carry script).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from urllib.parse import unquote

from flask import Blueprint, Response, abort, url_for
from sqlalchemy import select

from app.accounts.auth import current_user, login_required
from app.db import get_session
from app.models import Media

bp = Blueprint("media", __name__, url_prefix="/media")

# What a note may show as an image; the content type is decided here, never by the upload.
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
MAX_IMAGE_BYTES = 10 * 1024 * 1024

# ![alt](src "title"), ![alt](<src with spaces>), and Obsidian's ![[src]] / ![[src|alt]].
_IMAGE_REF = re.compile(r"!\[[^\]\n]*\]\(\s*(?:<([^>\n]+)>|([^)\s]+))|!\[\[([^\]|\n]+)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def image_refs(text: str) -> list[str]:
    """The image references in a note's text, in order, without repeats."""
    found: dict[str, None] = {}
    for match in _IMAGE_REF.finditer(text):
        ref = next(group for group in match.groups() if group)
        found.setdefault(ref.strip(), None)
    return list(found)


def resolve_image(note_path: str, src: str) -> str | None:
    """The path (within the import) that ``src`` in the note at ``note_path`` names.

    None for URLs, absolute paths and references that leave the import.
    """
    src = src.strip()
    if not src or _SCHEME.match(src) or src.startswith(("/", "\\", "#")):
        return None
    src = unquote(src.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
    path = posixpath.normpath(posixpath.join(posixpath.dirname(note_path), src))
    if path.startswith("../") or path in ("..", ".") or path.startswith("/"):
        return None
    return path


def image_type(path: str) -> str | None:
    """The content type of an image file wengu keeps, or None for other files."""
    return IMAGE_TYPES.get(posixpath.splitext(path)[1].lower())


def media_name(data: bytes, path: str) -> tuple[str, str]:
    """The stored name (``<sha256 prefix>-<safe file name>``) and the full sha256 of a file."""
    digest = hashlib.sha256(data).hexdigest()
    base = _UNSAFE_NAME.sub("_", posixpath.basename(path)).strip("._") or "image"
    stem, ext = posixpath.splitext(base)
    return f"{digest[:16]}-{stem[:80]}{ext[:10]}", digest


def media_url_for(user_id: int, note_path: str, src: str) -> str | None:
    """The URL showing image ``src`` of the note at ``note_path``, or None if not stored.

    Web addresses are returned unchanged (the page's policy decides whether
    they load). For ``cards.render.render_markdown(..., image_src=...)``.
    """
    if _SCHEME.match(src.strip()) and src.strip().lower().startswith(("http:", "https:")):
        return src.strip()
    path = resolve_image(note_path, src)
    if path is None:
        return None
    name = get_session().scalar(
        select(Media.name)
        .where(Media.user_id == user_id, Media.original_path == path)
        .order_by(Media.id.desc())
        .limit(1)
    )
    return url_for("media.file", name=name) if name else None


@bp.route("/<name>")
@login_required
def file(name: str) -> Response:
    """One of the current user's stored images."""
    media = get_session().scalar(
        select(Media).where(Media.user_id == current_user().id, Media.name == name)
    )
    if media is None:
        abort(404)
    mime = image_type(media.name)
    response = Response(media.data, mimetype=mime or "application/octet-stream")
    if mime is None:
        response.headers["Content-Disposition"] = "attachment"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The name holds the content hash: the bytes behind it never change.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
