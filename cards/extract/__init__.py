"""Cards from notes: a note's own questions, definitions and lists, and explicit cards.

``extract_note(text, path)`` turns one note into :class:`cards.draft.Draft` values;
``extract_notes`` does many, on several cores if asked; ``find_boilerplate``
finds lines repeated across an import; ``read_note`` and
``iter_note_files`` decode and walk notes for callers that read files.
"""

from cards.extract.boilerplate import find_boilerplate
from cards.extract.files import is_binary, iter_note_files, read_note
from cards.extract.many import extract_notes
from cards.extract.note import extract_note

__all__ = [
    "extract_note",
    "extract_notes",
    "find_boilerplate",
    "is_binary",
    "iter_note_files",
    "read_note",
]
