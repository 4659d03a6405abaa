"""Redirect targets named by a request (``next``) stay on this site: known bypasses."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.redirects import local_target
from tests.conftest import AuthActions
from tests.factories import make_card

# Targets that reach another site in some browser, or broke the redirect itself.
BYPASSES = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https://evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n//evil.example",
    "/\x00/evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\u2028/evil.example",
    "/\u200b/evil.example",
    "evil.example",
    "",
]
# The same, as they arrive in a query string.
ENCODED = ["/%09/evil.example", "/%0D%0A//evil", "/%0a/evil.example", "%2F%2Fevil.example",
           "/%5Cevil.example", "https:evil", "//evil", "/%E2%80%A8/evil.example"]
LOCAL = ["/", "/browse/?q=a&sort=due", "/cards/3", "/review/?deck=2#top", "/notes/云原生"]


def as_browser_reads(location: str) -> tuple[str, str]:
    """(scheme, host) a browser goes to for ``location`` on http://localhost/: it drops
    tabs and line breaks, reads a backslash as a slash and trims spaces and controls."""
    cleaned = "".join(c for c in location if c not in "\t\r\n").replace("\\", "/")
    cleaned = cleaned.strip("".join(chr(n) for n in range(33)))
    parts = urlsplit(cleaned)
    return parts.scheme or "http", parts.netloc or "localhost"


@pytest.mark.parametrize("target", BYPASSES)
def test_bypasses_fall_back(target: str) -> None:
    assert local_target(target, "/home") == "/home"


@pytest.mark.parametrize("target", LOCAL)
def test_local_paths_are_kept(target: str) -> None:
    assert local_target(target, "/home") == target


@given(st.text(max_size=40))
def test_whatever_is_kept_stays_on_the_site(target: str) -> None:
    kept = local_target(target, "/home")
    assert as_browser_reads(kept) == ("http", "localhost")


@pytest.mark.parametrize("encoded", ENCODED)
def test_login_next_stays_on_the_site(
    client: FlaskClient, auth: AuthActions, encoded: str
) -> None:
    auth.create("ada", is_owner=True)
    response = client.post(f"/auth/login?next={encoded}",
                           data={"name": "ada", "password": "correct horse battery"})
    assert response.status_code == 302
    assert as_browser_reads(response.headers["Location"]) == ("http", "localhost")
    # Logged in already, the login page redirects at once: the same check applies.
    response = client.get(f"/auth/login?next={encoded}")
    assert response.status_code == 302
    assert as_browser_reads(response.headers["Location"]) == ("http", "localhost")


@pytest.mark.parametrize("target", [*BYPASSES[:-1], "/\r\n//evil"])
def test_card_action_next_stays_on_the_site(
    client: FlaskClient, db: Session, user_id: int, target: str
) -> None:
    card = make_card(db, user_id)
    db.commit()
    response = client.post(f"/cards/{card.id}/suspend", data={"next": target})
    assert response.status_code == 302
    assert as_browser_reads(response.headers["Location"]) == ("http", "localhost")


def test_login_next_local_path_is_followed(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada", is_owner=True)
    response = client.post("/auth/login?next=/browse/%3Fq%3Da",
                           data={"name": "ada", "password": "correct horse battery"})
    assert response.headers["Location"] == "/browse/?q=a"
