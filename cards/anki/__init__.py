"""The Anki export: wengu's cards as an .apkg that real Anki imports, updates and schedules.

Build :class:`ExportNote` records (one per ``note_key``) in the shell, then
call :func:`export_package` with a binary stream to write to. See
:mod:`cards.anki.models` for the note types, :mod:`cards.anki.naming` for
GUIDs, deck ids and tags, :mod:`cards.anki.scheduling` for the SM-2 state.
"""

from cards.anki.package import ExportSummary, Skipped, build_collection, export_package
from cards.anki.records import (
    ExportCard,
    ExportNote,
    ExportReview,
    ImageLookup,
    MediaFile,
    note_kind,
)
from cards.anki.scheduling import Schedule, with_scheduling

__all__ = [
    "ExportCard",
    "ExportNote",
    "ExportReview",
    "ExportSummary",
    "ImageLookup",
    "MediaFile",
    "Schedule",
    "Skipped",
    "build_collection",
    "export_package",
    "note_kind",
    "with_scheduling",
]
