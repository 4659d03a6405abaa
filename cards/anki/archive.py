"""The .apkg file itself: the collection and its media in a deflate-compressed zip.

genanki stores everything uncompressed and leaves a copy of the collection in
the system's temporary folder; here the collection stays in memory
(``sqlite3.Connection.serialize``) and goes straight into a deflate zip
(Anki reads it; about a quarter of the size) written to the caller's stream.
The media manifest maps the zip entries ``0``, ``1``, … to file names.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Mapping
from typing import IO

__all__ = ["COLLECTION_ENTRY", "write_apkg"]

COLLECTION_ENTRY = "collection.anki2"


def write_apkg(
    connection: sqlite3.Connection,
    media: Mapping[str, bytes],
    out: IO[bytes],
    *,
    compresslevel: int = 6,
) -> None:
    """Zip the collection behind ``connection`` and ``media`` (name → bytes) into ``out``."""
    data = connection.serialize()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr(COLLECTION_ENTRY, data)
        names = list(media)
        archive.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
        for i, name in enumerate(names):
            archive.writestr(str(i), media[name])
