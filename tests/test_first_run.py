"""First run under concurrency: one owner from many setup requests, one secret key
from many starting workers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import load_or_create_secret_key
from app.models import User
from tests.conftest import PASSWORD


def test_concurrent_setups_create_one_owner(app: Flask, db: Session) -> None:
    clients = [app.test_client() for _ in range(12)]
    ready = threading.Barrier(len(clients))

    def set_up(n: int) -> int:
        ready.wait()
        response = clients[n].post("/auth/setup", data={
            "name": f"owner{n}", "password": PASSWORD, "confirm": PASSWORD})
        return response.status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = list(pool.map(set_up, range(len(clients))))
    assert statuses == [302] * len(clients)
    assert db.scalar(select(func.count()).select_from(User)) == 1
    # The winner is logged in; the others were sent to the login page.
    logged_in = [c for c in clients if c.get("/").status_code == 200]
    assert len(logged_in) == 1


def test_concurrent_starts_agree_on_one_secret_key(tmp_path: Path) -> None:
    for attempt in range(20):
        instance = tmp_path / f"instance{attempt}"
        ready = threading.Barrier(8)

        def start(_n: int, instance: Path = instance, ready: threading.Barrier = ready) -> str:
            ready.wait()
            return load_or_create_secret_key(instance)

        with ThreadPoolExecutor(8) as pool:
            keys = set(pool.map(start, range(8)))
        assert len(keys) == 1
        assert keys == {(instance / "secret_key").read_text().strip()}
        assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]
