"""First-run setup, login and logout."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import User
from tests.conftest import PASSWORD, AuthActions


def without_csrf_tokens(page: str) -> str:
    """The page with its CSRF tokens (signed with a timestamp, so they vary) blanked."""
    return re.sub(r'(name="csrf[-_]token" (?:content|value)=)"[^"]*"', r'\1""', page)


def test_first_visit_goes_to_owner_setup(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/setup")
    page = client.get("/auth/setup").get_data(as_text=True)
    assert "owner" in page


def test_setup_creates_owner_and_logs_in(client: FlaskClient, db: Session) -> None:
    response = client.post(
        "/auth/setup", data={"name": "ada", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 302
    owner = db.scalar(select(User).where(User.name == "ada"))
    assert owner is not None and owner.is_owner
    assert owner.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert "Welcome" in client.get("/").get_data(as_text=True)


def test_setup_closed_once_a_user_exists(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada")
    response = client.post(
        "/auth/setup", data={"name": "eve", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/login")


@pytest.mark.parametrize(
    ("name", "password", "confirm", "message"),
    [
        ("", PASSWORD, PASSWORD, "user name"),
        ("ada", "short", "short", "at least 8"),
        ("ada", PASSWORD, PASSWORD + "x", "differ"),
    ],
)
def test_setup_validation_keeps_input(
    client: FlaskClient, db: Session, name: str, password: str, confirm: str, message: str
) -> None:
    response = client.post(
        "/auth/setup", data={"name": name, "password": password, "confirm": confirm}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert f'value="{name}"' in page
    assert db.scalar(select(User)) is None


def test_login_and_logout(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada")
    assert auth.login("ada").status_code == 302
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_look_the_same(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.create("ada")
    wrong_response = auth.login("ada", "wrong password")
    unknown_response = auth.login("nobody", "wrong password")
    assert wrong_response.status_code == unknown_response.status_code
    wrong = without_csrf_tokens(wrong_response.get_data(as_text=True))
    unknown = without_csrf_tokens(unknown_response.get_data(as_text=True))
    assert "Wrong user name or password" in wrong
    assert wrong.replace("ada", "") == unknown.replace("nobody", "")


def test_login_redirect_stays_on_site(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada")
    response = client.post(
        "/auth/login?next=//evil.example/", data={"name": "ada", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_password_change_elsewhere_ends_session(
    app: Flask, client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    auth.create("ada")
    auth.login("ada")
    user = db.scalar(select(User).where(User.name == "ada"))
    assert user is not None
    user.session_version += 1
    db.commit()
    assert client.get("/").status_code == 302


def test_nul_characters_in_fields_are_dropped_not_a_server_error(
    client: FlaskClient, auth: AuthActions
) -> None:
    """PostgreSQL refuses NUL in text: a typed NUL must not become a 500."""
    auth.create("ada")
    response = client.post("/auth/login", data={"name": "ad\x00a", "password": "x\x00"})
    assert response.status_code == 200
    assert "Wrong user name or password" in response.get_data(as_text=True)
    assert auth.login("ada").status_code == 302
    assert client.get("/browse/?q=a%00b").status_code == 200


# --- sessions revoked on the server ----------------------------------------------------------


def copied_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = app.test_client()
    other.set_cookie("session", cookie.value)
    return other


def test_logout_revokes_a_copied_cookie(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.create("ada")
    auth.login("ada")
    stolen = copied_client(app, client)
    assert stolen.get("/").status_code == 200  # the copy works, and is now known verified
    auth.logout()
    response = stolen.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    # Logging in again does not bring the copy back.
    auth.login("ada")
    assert client.get("/").status_code == 200
    assert stolen.get("/").status_code == 302


def test_logout_revokes_the_review_answer_path(
    app: Flask, client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    """The review page's answers check the login on a path of their own: refused too."""
    from app.models import Review
    from tests.factories import make_card

    user_id = auth.create("ada")
    make_card(db, user_id, "Q1?", "A1")
    make_card(db, user_id, "Q2?", "A2")
    db.commit()
    auth.login("ada")
    stolen = copied_client(app, client)
    page = stolen.get("/review").get_data(as_text=True)
    card = re.search(r'name="card_id" value="(\d+)"', page)
    shown = re.search(r'name="showing_id" value="([^"]+)"', page)
    assert card is not None and shown is not None
    auth.logout()
    reply = stolen.post("/review/answer", data={
        "card_id": card.group(1), "showing_id": shown.group(1), "grade": "4"})
    assert reply.status_code == 302 and "/auth/login" in reply.headers["Location"]
    assert db.scalar(select(func.count()).select_from(Review)) == 0


def test_password_change_logs_out_everywhere_else(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.create("ada")
    auth.login("ada")
    elsewhere = app.test_client()
    elsewhere.post("/auth/login", data={"name": "ada", "password": PASSWORD})
    assert elsewhere.get("/").status_code == 200
    stolen = copied_client(app, client)
    response = client.post("/account/password", data={
        "current": PASSWORD, "password": "a new password 1", "confirm": "a new password 1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert stolen.get("/").status_code == 302
