"""A new account's time zone: chosen on owner setup and sign-up, the browser's by default."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, AuthActions, get_user

ACCOUNT = {"password": PASSWORD, "confirm": PASSWORD}


def test_setup_shows_the_time_zone_for_the_browser_to_fill(client: FlaskClient) -> None:
    page = client.get("/auth/setup").get_data(as_text=True)
    assert '<select name="timezone" required data-browser-zone>' in page
    assert "<option>Asia/Shanghai</option>" in page


def test_owner_setup_keeps_the_chosen_time_zone(client: FlaskClient, db: Session) -> None:
    response = client.post("/auth/setup",
                           data={"name": "ada", "timezone": "Asia/Shanghai", **ACCOUNT})
    assert response.status_code == 302
    assert get_user(db, "ada").timezone == "Asia/Shanghai"


def test_setup_without_a_time_zone_is_utc(client: FlaskClient, db: Session) -> None:
    client.post("/auth/setup", data={"name": "ada", **ACCOUNT})
    assert get_user(db, "ada").timezone == "UTC"


def test_unknown_time_zone_is_refused_and_nothing_created(
    client: FlaskClient, db: Session
) -> None:
    response = client.post("/auth/setup",
                           data={"name": "ada", "timezone": "Mars/Olympus", **ACCOUNT})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Unknown time zone" in page
    assert client.get("/").headers["Location"].endswith("/auth/setup")


@pytest.fixture
def open_signup(app_config: dict[str, Any]) -> None:
    app_config["OPEN_SIGNUP"] = True


@pytest.mark.usefixtures("open_signup")
def test_sign_up_keeps_the_chosen_time_zone(
    client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    auth.create("ada", is_owner=True)
    page = client.get("/auth/signup").get_data(as_text=True)
    assert "data-browser-zone" in page
    client.post("/auth/signup", data={"name": "eve", "timezone": "America/New_York", **ACCOUNT})
    assert get_user(db, "eve").timezone == "America/New_York"
