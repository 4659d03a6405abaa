"""The Simplified Chinese catalog: complete, in step with the code, and used.

The catalog is checked against the strings babel's extractor finds in ``app/`` right
now, so a new ``_()`` string without a translation fails here until ``make messages``
is run and the new entry translated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.i18n import _, n_
from app.models import User
from tests.factories import make_card, make_deck

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "app" / "translations"
PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# The keywords `make messages` extracts with (see the Makefile).
KEYWORDS: dict[str, Any] = {**DEFAULT_KEYWORDS, "_": None, "n_": (1, 2), "N_": None,
                            "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]")


def load_catalog() -> Catalog:
    with PO.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalog() -> Iterator[None]:
    """The .mo the app reads: `make install-test` compiles it; compile it here if it is
    missing or older than the .po (it is not committed)."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        with MO.open("wb") as fh:
            write_mo(fh, load_catalog())
    yield


def entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def strings(message: Message) -> tuple[str, ...]:
    value = message.string
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def singular(message: Message) -> str:
    return ids(message)[0]


def zh(catalog: Catalog, msgid: str) -> str:
    message = catalog.get(msgid)
    assert message is not None, f"{msgid!r} is not in the catalog"
    return strings(message)[0]


def extracted_ids() -> set[str]:
    """Every msgid babel's extractor finds in app/ with babel.cfg, as `make messages` does."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    app_dir = str(ROOT / "app")

    def inside_app(dirpath: str) -> bool:
        return dirpath == str(ROOT) or dirpath.startswith(app_dir)

    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=inside_app,
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


# --- (a) the catalog is complete ----------------------------------------------------------


def test_catalog_header_declares_chinese_with_one_plural_form(catalog: Catalog) -> None:
    assert str(catalog.locale) == "zh"
    assert catalog.num_plurals == 1


def test_every_entry_is_translated_and_not_fuzzy(catalog: Catalog) -> None:
    untranslated = [ids(m) for m in entries(catalog) if not all(s.strip() for s in strings(m))]
    fuzzy = [ids(m) for m in entries(catalog) if m.fuzzy]
    assert len(entries(catalog)) > 100
    assert untranslated == []
    assert fuzzy == []


def test_translations_keep_every_placeholder(catalog: Catalog) -> None:
    wrong = []
    for message in entries(catalog):
        # Plural entries: each msgstr matches the plural msgid's placeholders (they share them).
        expected = sorted(PLACEHOLDER.findall(ids(message)[-1]))
        for string in strings(message):
            if sorted(PLACEHOLDER.findall(string)) != expected:
                wrong.append((ids(message), string))
    assert wrong == []


def test_plural_entries_have_exactly_one_form(catalog: Catalog) -> None:
    plurals = [m for m in entries(catalog) if m.pluralizable]
    assert plurals, "the app uses plural forms; the catalog should hold some"
    assert [ids(m) for m in plurals if len(strings(m)) != 1] == []


def test_translations_are_chinese(catalog: Catalog) -> None:
    """A translation that is just the English copied over shows English to Chinese users."""
    english = [
        ids(m) for m in entries(catalog)
        if not any(re.search(r"[\u4e00-\u9fff]", s) for s in strings(m))
    ]
    assert english == []


# --- (b) the catalog is in step with the code ---------------------------------------------


def test_every_wrapped_string_in_the_code_is_in_the_catalog(catalog: Catalog) -> None:
    found = extracted_ids()
    assert {"Log in", "Decks", "Export"} <= found  # the extractor sees .py and templates
    missing = sorted(found - {singular(m) for m in entries(catalog)})
    assert missing == [], "run `make messages` and translate the new entries"


def test_no_stale_entries_left_in_the_catalog(catalog: Catalog) -> None:
    stale = sorted({singular(m) for m in entries(catalog)} - extracted_ids())
    assert stale == [], "run `make messages` to drop strings the code no longer uses"


def test_the_compiled_catalog_serves_every_translation(app: Flask, catalog: Catalog) -> None:
    """The .mo the app loads gives back the .po's translation for every entry."""
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        for message in entries(catalog):
            if message.pluralizable:
                single, plural = ids(message)
                values: dict[str, Any] = {
                    m.group(1): 2 if m.group(2) == "d" else "x"
                    for m in re.finditer(r"%\((\w+)\)([sd])", plural)
                }
                got = n_(single, plural, values.pop("num", 2), **values)
                assert got == strings(message)[0] % {"num": 2, **values}, (single, got)
            else:
                assert _(message.id) == message.string, message.id


# --- (c) the language follows the browser, unless the user picks one ----------------------


def setup_rows(app: Flask, user_id: int, language: str | None = None) -> None:
    """A nested deck for the user, and their language choice.

    Done in its own app context: the ``db`` fixture keeps one open, and requests made
    inside it would share ``g`` (where Flask-Babel caches the locale) with each other.
    """
    with app.app_context():
        session: Session = app.extensions["wengu.sessionmaker"]()
        make_deck(session, user_id, "Kernel::Memory")
        session.get_one(User, user_id).language = language
        session.commit()
        session.close()


def page(client: FlaskClient, url: str, language: str | None) -> str:
    headers = {"Accept-Language": language} if language else {}
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["zh-CN", "zh-CN,zh;q=0.9,en;q=0.8", "zh", "zh-Hans-CN"])
def test_login_page_in_chinese_for_a_chinese_browser(
    client: FlaskClient, auth: Any, catalog: Catalog, header: str,
) -> None:
    auth.create("ada", is_owner=True)
    html = page(client, "/auth/login", header)
    assert '<html lang="zh-Hans">' in html
    assert zh(catalog, "Log in") in html
    assert zh(catalog, "Remember me") in html
    assert "Remember me" not in html


@pytest.mark.parametrize("header", ["en", "en-GB,en;q=0.9", "fr-FR,fr;q=0.9", None])
def test_login_page_in_english_otherwise(
    client: FlaskClient, auth: Any, catalog: Catalog, header: str | None,
) -> None:
    auth.create("ada", is_owner=True)
    html = page(client, "/auth/login", header)
    assert '<html lang="en">' in html
    assert "Remember me" in html
    assert zh(catalog, "Remember me") not in html


def test_flash_messages_from_python_follow_the_browser(
    client: FlaskClient, auth: Any, catalog: Catalog,
) -> None:
    auth.create("ada", is_owner=True)
    headers = {"Accept-Language": "zh-CN"}
    response = client.post("/auth/login", data={"name": "ada", "password": "wrong"},
                           headers=headers)
    assert zh(catalog, "Wrong user name or password.") in response.get_data(as_text=True)
    response = client.post("/auth/login", data={"name": "ada", "password": "wrong"},
                           headers={"Accept-Language": "en"})
    assert "Wrong user name or password." in response.get_data(as_text=True)


def test_deck_list_follows_the_browser(
    client: FlaskClient, app: Flask, user_id: int, catalog: Catalog,
) -> None:
    setup_rows(app, user_id)
    chinese = page(client, "/", "zh-CN")
    for msgid in ("Review all decks", "Deck", "Due", "Learning", "Next 7 days", "Log out",
                  "Export", "Statistics"):
        assert zh(catalog, msgid) in chinese, msgid
    assert "Review all decks" not in chinese
    english = page(client, "/", "en")
    assert "Review all decks" in english
    assert zh(catalog, "Review all decks") not in english
    assert ">Export<" in english


@pytest.mark.parametrize("header", ["en", "en-US,en;q=0.9", None])
def test_a_user_who_chose_chinese_gets_chinese_whatever_the_browser(
    client: FlaskClient, app: Flask, user_id: int, catalog: Catalog, header: str | None,
) -> None:
    setup_rows(app, user_id, language="zh")
    html = page(client, "/", header)
    assert '<html lang="zh-Hans">' in html
    assert zh(catalog, "Review all decks") in html
    assert "Review all decks" not in html


def test_a_user_who_chose_english_gets_english_from_a_chinese_browser(
    client: FlaskClient, app: Flask, user_id: int, catalog: Catalog,
) -> None:
    setup_rows(app, user_id, language="en")
    html = page(client, "/", "zh-CN")
    assert '<html lang="en">' in html
    assert "Review all decks" in html


def test_error_pages_are_translated(client: FlaskClient, user_id: int, catalog: Catalog) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert zh(catalog, "Page not found") in html
    assert "Not Found" not in html


@pytest.mark.parametrize("kind, msgid", [("cloze", "Cloze"), ("definition", "Definition")])
def test_card_kinds_are_shown_translated(
    client: FlaskClient, app: Flask, user_id: int, catalog: Catalog, kind: str, msgid: str,
) -> None:
    with app.app_context():
        session: Session = app.extensions["wengu.sessionmaker"]()
        card_id = make_card(session, user_id, "A {{c1::cloze}}", "", kind=kind).id
        session.commit()
        session.close()
    chinese = page(client, f"/cards/{card_id}", "zh-CN")
    assert f'<span class="badge">{zh(catalog, msgid)}</span>' in chinese
    english = page(client, f"/cards/{card_id}", "en")
    assert f'<span class="badge">{msgid}</span>' in english
    assert zh(catalog, msgid) in page(client, "/browse/", "zh-CN")
