"""Real notes, imported by wengu and exported, then imported by the real Anki.

Uses the labelled example notes in ``../shared/extraction/notes`` (Chinese
course notes, English TILs): every exported card must arrive, as one note per
sibling group, with no conflicting or empty notes, and render a question.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Card
from app.notes.importer import import_notes, read_paths
from tests.conftest import SHARED
from tests.test_anki_import import import_package, open_collection

NOTES = SHARED / "extraction" / "notes"

pytestmark = pytest.mark.corpus


@pytest.mark.skipif(not NOTES.is_dir(), reason=f"the example notes are not at {NOTES}")
@pytest.mark.parametrize("folder", ["dev", "dev2"])
def test_real_notes_reach_anki_whole(
    client: FlaskClient, db: Session, user_id: int, tmp_path: Path, folder: str
) -> None:
    files, roots, load_asset = read_paths([NOTES / folder])
    import_notes(db, user_id, files, roots=roots, load_asset=load_asset)
    db.commit()
    live = (Card.user_id == user_id, Card.retired_at.is_(None), Card.deleted_at.is_(None))
    cards = db.scalar(select(func.count()).select_from(Card).where(*live))
    notes = db.scalar(select(func.count(func.distinct(Card.note_key))).where(*live))
    assert cards and notes

    response = client.get("/export/download", query_string={"unanswered": "1"})
    assert response.status_code == 200
    package = tmp_path / "notes.apkg"
    package.write_bytes(response.get_data())
    col = open_collection(tmp_path / "anki" / "collection.anki2")
    try:
        log = import_package(col, package, with_scheduling=True)
        assert len(log.conflicting) == 0 and len(log.empty_first_field) == 0
        assert (col.note_count(), col.card_count()) == (notes, cards)
        for card_id in col.find_cards(""):
            question = col.get_card(card_id).question()
            text = re.sub(r"<style>.*?</style>|<[^>]+>", "", question, flags=re.S)
            assert text.strip(), f"card {card_id} shows an empty question"
    finally:
        col.close()
