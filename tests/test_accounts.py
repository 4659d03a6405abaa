"""Accounts: settings, password change, the owner's accounts page, sign-up, throttling,
session cookies, and the ``wengu user`` commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from app.models import User
from tests.conftest import PASSWORD, AuthActions, get_user

NEW_PASSWORD = "a much better passphrase"

GOOD_SETTINGS = {
    "timezone": "Asia/Shanghai",
    "day_start_hour": "5",
    "language": "zh",
    "grade_buttons": "6",
    "new_per_day": "15",
    "reviews_per_day": "150",
    "max_interval_days": "3650",
}


def session_cookie(response: Any) -> str:
    """The Set-Cookie header of the session cookie."""
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert headers, "no session cookie was set"
    return str(headers[-1])


def fresh(db: Session, name: str = "ada") -> User:
    db.expire_all()
    return get_user(db, name)


# --- settings -------------------------------------------------------------------------------


def test_settings_page_shows_the_current_values(client: FlaskClient, user_id: int) -> None:
    page = client.get("/account/").get_data(as_text=True)
    assert "<option selected>UTC</option>" in page
    assert 'name="day_start_hour" min="0" max="23" value="4"' in page
    assert 'value="20"' in page and 'value="200"' in page


def test_settings_are_saved(client: FlaskClient, user_id: int, db: Session) -> None:
    response = client.post("/account/", data=GOOD_SETTINGS)
    assert response.status_code == 302
    user = fresh(db)
    assert (user.timezone, user.day_start_hour, user.language) == ("Asia/Shanghai", 5, "zh")
    assert (user.grade_buttons, user.new_per_day, user.reviews_per_day) == (6, 15, 150)
    assert user.max_interval_days == 3650
    # The next page speaks the chosen language.
    page = client.get("/account/").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page


def test_language_auto_follows_the_browser(
    client: FlaskClient, user_id: int, db: Session
) -> None:
    client.post("/account/", data=GOOD_SETTINGS)
    client.post("/account/", data={**GOOD_SETTINGS, "language": "auto"})
    assert fresh(db).language is None
    page = client.get("/account/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus_Mons", "Unknown time zone"),
        ("timezone", "../../etc/passwd", "Unknown time zone"),
        ("timezone", "", "Unknown time zone"),
        ("day_start_hour", "24", "0 to 23"),
        ("day_start_hour", "-1", "0 to 23"),
        ("day_start_hour", "four", "0 to 23"),
        ("language", "fr", "language"),
        ("grade_buttons", "5", "four or six"),
        ("grade_buttons", "", "four or six"),
        ("new_per_day", "-3", "New cards per day"),
        ("new_per_day", "100000", "New cards per day"),
        ("reviews_per_day", "lots", "Reviews per day"),
        ("max_interval_days", "0", "Maximum interval"),
        ("max_interval_days", "36501", "Maximum interval"),
    ],
)
def test_bad_settings_are_refused_and_kept_on_the_form(
    client: FlaskClient, user_id: int, db: Session, field: str, value: str, message: str
) -> None:
    response = client.post("/account/", data={**GOOD_SETTINGS, field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    if field in ("day_start_hour", "new_per_day", "reviews_per_day"):
        assert f'value="{value}"' in page
    user = fresh(db)
    # Nothing half-saved: every field keeps its old value.
    assert (user.timezone, user.day_start_hour, user.language) == ("UTC", 4, None)
    assert (user.grade_buttons, user.new_per_day, user.reviews_per_day) == (4, 20, 200)
    assert user.max_interval_days == 36500


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted(GOOD_SETTINGS)), value=st.text(max_size=40))
def test_any_settings_input_is_saved_valid_or_refused(
    client: FlaskClient, user_id: int, db: Session, field: str, value: str
) -> None:
    from zoneinfo import ZoneInfo

    response = client.post("/account/", data={**GOOD_SETTINGS, field: value})
    assert response.status_code in (302, 400)
    user = fresh(db)
    ZoneInfo(user.timezone)
    assert 0 <= user.day_start_hour <= 23
    assert user.grade_buttons in (4, 6)
    assert user.language in (None, "en", "zh")
    assert user.new_per_day >= 0
    assert user.reviews_per_day >= 0
    assert 1 <= user.max_interval_days <= 36500


@pytest.fixture
def ada(auth: AuthActions) -> int:
    """A user "ada", not logged in."""
    return auth.create("ada")


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=100), password=st.text(max_size=100))
def test_any_login_attempt_is_refused_alike(
    client: FlaskClient, ada: int, name: str, password: str
) -> None:
    assume(password != PASSWORD)
    response = client.post("/auth/login", data={"name": name, "password": password})
    assert response.status_code == 200
    assert "Wrong user name or password" in response.get_data(as_text=True)


def test_settings_need_a_login(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada", is_owner=True)
    response = client.post("/account/", data=GOOD_SETTINGS)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


# --- password -------------------------------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others(
    app: Flask, client: FlaskClient, user_id: int, db: Session
) -> None:
    other = app.test_client()
    AuthActions(other, app).login("ada")
    assert other.get("/").status_code == 200
    before = fresh(db).session_version

    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = fresh(db)
    assert user.session_version == before + 1
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    # The old password no longer works, the new one does.
    third = app.test_client()
    assert "Wrong user name" in AuthActions(third, app).login("ada").get_data(as_text=True)
    assert AuthActions(third, app).login("ada", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("not my password", NEW_PASSWORD, NEW_PASSWORD, "current password is wrong"),
        (PASSWORD, "short", "short", "at least 8"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "differ"),
    ],
)
def test_bad_password_changes_change_nothing(
    client: FlaskClient, user_id: int, db: Session, current: str, new: str, confirm: str,
    message: str,
) -> None:
    before = fresh(db)
    old_hash, old_version = before.password_hash, before.session_version
    response = client.post(
        "/account/password", data={"current": current, "password": new, "confirm": confirm}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    after = fresh(db)
    assert (after.password_hash, after.session_version) == (old_hash, old_version)
    assert client.get("/").status_code == 200


# --- the owner's accounts page --------------------------------------------------------------


def test_owner_creates_an_account(
    app: Flask, client: FlaskClient, user_id: int, db: Session
) -> None:
    response = client.post(
        "/account/users", data={"name": "bo", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 302
    bo = fresh(db, "bo")
    assert not bo.is_owner
    assert "bo" in client.get("/account/users").get_data(as_text=True)
    assert AuthActions(app.test_client(), app).login("bo").status_code == 302


@pytest.mark.parametrize(
    ("name", "password", "confirm", "message"),
    [
        ("ada", PASSWORD, PASSWORD, "already exists"),
        ("ADA", PASSWORD, PASSWORD, "already exists"),
        ("", PASSWORD, PASSWORD, "user name"),
        ("x" * 81, PASSWORD, PASSWORD, "user name"),
        ("bo", "short", "short", "at least 8"),
        ("bo", PASSWORD, "other password", "differ"),
    ],
)
def test_owner_account_form_validation(
    client: FlaskClient, user_id: int, db: Session, name: str, password: str, confirm: str,
    message: str,
) -> None:
    response = client.post(
        "/account/users", data={"name": name, "password": password, "confirm": confirm}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert len(db.scalars(select(User)).all()) == 1


def test_only_the_owner_manages_accounts(
    app: Flask, client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    auth.create("ada", is_owner=True)
    auth.create("bo")
    auth.login("bo")
    assert client.get("/account/users").status_code == 403
    response = client.post(
        "/account/users", data={"name": "eve", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 403
    assert db.scalar(select(User).where(User.name == "eve")) is None
    assert "Manage the accounts" not in client.get("/account/").get_data(as_text=True)


# --- open sign-up ---------------------------------------------------------------------------


def test_sign_up_is_closed_by_default(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada", is_owner=True)
    assert client.get("/auth/signup").status_code == 404
    response = client.post(
        "/auth/signup", data={"name": "eve", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 404
    assert "Sign up" not in client.get("/auth/login").get_data(as_text=True)


@pytest.fixture
def open_signup(app_config: dict[str, Any]) -> None:
    app_config["OPEN_SIGNUP"] = True


@pytest.mark.usefixtures("open_signup")
def test_open_sign_up_creates_a_plain_user(
    client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    auth.create("ada", is_owner=True)
    assert "Sign up" in client.get("/auth/login").get_data(as_text=True)
    response = client.post(
        "/auth/signup", data={"name": "eve", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 302
    assert not fresh(db, "eve").is_owner
    assert "Welcome" in client.get("/").get_data(as_text=True)


@pytest.mark.usefixtures("open_signup")
def test_open_sign_up_before_any_owner_goes_to_setup(client: FlaskClient) -> None:
    response = client.get("/auth/signup")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/setup")


@pytest.mark.usefixtures("open_signup")
def test_sign_up_does_not_say_which_names_exist(
    client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    auth.create("ada", is_owner=True)
    response = client.post(
        "/auth/signup", data={"name": "Ada", "password": PASSWORD, "confirm": PASSWORD}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    message = page.split('role="alert">')[1].split("</p>")[0]
    assert "cannot be used" in message
    for telltale in ("exists", "taken", "already", "registered", "ada"):
        assert telltale not in message.lower()
    assert len(db.scalars(select(User)).all()) == 1


# --- login throttling -----------------------------------------------------------------------


@pytest.fixture
def throttled(app_config: dict[str, Any]) -> None:
    app_config["RATELIMIT_ENABLED"] = True
    app_config["LOGIN_RATE_LIMIT"] = "3 per minute"


@pytest.mark.usefixtures("throttled")
def test_failed_logins_are_throttled(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada")
    for _ in range(3):
        assert auth.login("ada", "guess").status_code == 200
    # Even the right password is refused until the window passes.
    blocked = auth.login("ada")
    assert blocked.status_code == 429
    assert client.get("/").status_code == 302


@pytest.mark.usefixtures("throttled")
def test_successful_logins_are_not_counted(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada")
    for _ in range(6):
        assert auth.login("ada").status_code == 302
        auth.logout()


@pytest.mark.usefixtures("throttled")
def test_throttling_counts_per_client_address(app: Flask, auth: AuthActions) -> None:
    auth.create("ada")
    for _ in range(3):
        auth.login("ada", "guess")
    elsewhere = app.test_client()
    response = elsewhere.post(
        "/auth/login", data={"name": "ada", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 302


# --- the session cookie ---------------------------------------------------------------------


def test_session_cookie_flags_over_http(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada")
    cookie = session_cookie(auth.login("ada"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert "Expires" not in cookie  # ends with the browser session


def test_session_cookie_is_secure_over_https(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada")
    response = client.post(
        "/auth/login", data={"name": "ada", "password": PASSWORD},
        base_url="https://wengu.example",
    )
    assert "Secure" in session_cookie(response)


@pytest.mark.parametrize(
    ("config", "headers", "secure"),
    [
        ({"PROXY_FIX": "1,1,0,0,0"}, {"X-Forwarded-Proto": "https"}, True),
        ({"PROXY_FIX": "1,1,0,0,0"}, {"X-Forwarded-Proto": "http"}, False),
        ({}, {"X-Forwarded-Proto": "https"}, False),  # no ProxyFix: the header is not trusted
        ({"PREFERRED_URL_SCHEME": "https"}, {}, True),
        ({"SESSION_COOKIE_SECURE": True}, {}, True),
    ],
)
def test_session_cookie_secure_behind_a_proxy(
    app_config: dict[str, Any], config: dict[str, Any], headers: dict[str, str], secure: bool
) -> None:
    from app import create_app
    from tests.conftest import make_user, reset_database

    reset_database(app_config["DATABASE_URL"])
    app = create_app({**app_config, **config})
    make_user(app, "ada")
    response = app.test_client().post(
        "/auth/login", data={"name": "ada", "password": PASSWORD}, headers=headers
    )
    assert ("Secure" in session_cookie(response)) is secure
    app.extensions["wengu.engine"].dispose()


@pytest.mark.parametrize("days", [1, 30])
def test_remember_me_keeps_the_session_for_the_configured_days(
    app_config: dict[str, Any], days: int
) -> None:
    from app import create_app
    from tests.conftest import make_user, reset_database

    reset_database(app_config["DATABASE_URL"])
    app = create_app({**app_config, "REMEMBER_COOKIE_DAYS": days})
    make_user(app, "ada")
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        response = app.test_client().post(
            "/auth/login", data={"name": "ada", "password": PASSWORD, "remember": "1"}
        )
    expires = session_cookie(response).split("Expires=")[1].split(";")[0]
    assert parsedate_to_datetime(expires) == moment + timedelta(days=days)
    app.extensions["wengu.engine"].dispose()


def test_login_rotates_the_session(client: FlaskClient, auth: AuthActions) -> None:
    auth.create("ada")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        sess["sid"] = "fixed-by-an-attacker"
    auth.login("ada")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        first_sid = sess["sid"]
        assert first_sid != "fixed-by-an-attacker"
    auth.logout()
    auth.login("ada")
    with client.session_transaction() as sess:
        assert sess["sid"] != first_sid


def test_the_login_page_sends_a_logged_in_user_on(client: FlaskClient, user_id: int) -> None:
    response = client.get("/auth/login?next=/account/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"


def test_logout_is_post_only(client: FlaskClient, user_id: int) -> None:
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_passwords_are_hashed_with_scrypt(client: FlaskClient, db: Session) -> None:
    client.post("/auth/setup", data={"name": "ada", "password": PASSWORD, "confirm": PASSWORD})
    user = fresh(db)
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


# --- wengu user -----------------------------------------------------------------------------


def test_cli_creates_the_owner_then_users(cli: Any, app: Flask, db: Session) -> None:
    first = cli("user", "create", "ada", "--password-stdin", input=PASSWORD + "\n")
    assert first.exit_code == 0, first.output
    assert "owner" in first.output
    second = cli("user", "create", "bo", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert second.exit_code == 0, second.output
    assert fresh(db, "ada").is_owner and not fresh(db, "bo").is_owner
    assert check_password_hash(fresh(db, "bo").password_hash, PASSWORD)
    listing = cli("user", "list")
    assert "ada\towner" in listing.output and "bo\tuser" in listing.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("user", "create", "bo", "--password-stdin"), "short\n", "at least 8"),
        (("user", "create", "", "--password-stdin"), PASSWORD + "\n", "user name"),
        (("user", "create", "ADA", "--password-stdin"), PASSWORD + "\n", "already exists"),
        (("user", "passwd", "nobody", "--password-stdin"), PASSWORD + "\n", "no user called"),
        (("user", "passwd", "ada", "--password-stdin"), "short\n", "at least 8"),
    ],
)
def test_cli_refuses_bad_input(
    cli: Any, app: Flask, db: Session, args: tuple[str, ...], stdin: str, message: str
) -> None:
    assert cli("user", "create", "ada", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    before = fresh(db).password_hash
    result = cli(*args, input=stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert [u.name for u in db.scalars(select(User))] == ["ada"]
    assert fresh(db).password_hash == before


def test_cli_passwd_sets_the_password_and_ends_sessions(
    cli: Any, app: Flask, client: FlaskClient, db: Session
) -> None:
    cli("user", "create", "ada", "--password-stdin", input=PASSWORD + "\n")
    AuthActions(client, app).login("ada")
    assert client.get("/").status_code == 200
    result = cli("user", "passwd", "ada", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302
    assert check_password_hash(fresh(db).password_hash, NEW_PASSWORD)
