"""Alembic: the migrations round-trip, and they agree with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.cli.db import alembic_config
from app.db import make_engine
from app.models import Base
from tests.conftest import database_url


def _empty(url: str) -> None:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()


@pytest.mark.database
def test_upgrade_downgrade_upgrade_and_models_agree(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    _empty(url)
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    _empty(url)


def test_cli_db_upgrade(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = database_url(tmp_path)
    _empty(url)
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "database at head" in result.output
    engine = make_engine(url)
    assert "cards" in inspect(engine).get_table_names()
    engine.dispose()
    _empty(url)


# --- wengu db downgrade ----------------------------------------------------------------------

EXTRA_REVISION = '''"""a test revision on top of the real ones"""
import os

import sqlalchemy as sa
from alembic import op

revision = "9999_extra"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("extra_notes", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("text", sa.Text))
    op.execute("INSERT INTO extra_notes (id, text) VALUES (1, 'kept')")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("extra", sa.Integer, nullable=True))


def downgrade() -> None:
    op.drop_table("extra_notes")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("extra")
    if os.environ.get("WENGU_TEST_FAIL_DOWNGRADE"):
        raise RuntimeError("this downgrade fails half-way")
'''


@pytest.fixture
def extra_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The real migrations plus one test revision above them; returns the real head."""
    import importlib
    import shutil

    from alembic.script import ScriptDirectory

    cli_db = importlib.import_module("app.cli.db")  # the module (app.cli.db is the command)
    folder = tmp_path / "migrations"
    shutil.copytree(cli_db.MIGRATIONS_DIR, folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = ScriptDirectory(str(folder)).get_current_head()
    (folder / "versions" / "9999_extra.py").write_text(EXTRA_REVISION.format(head=head))
    monkeypatch.setattr(cli_db, "MIGRATIONS_DIR", folder)
    return str(head)


def _state(url: str) -> tuple[str | None, bool, list[str]]:
    """(revision, whether extra_notes exists, users' columns)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
        found = inspect(engine)
        columns = [c["name"] for c in found.get_columns("users")]
        return revision, "extra_notes" in found.get_table_names(), columns
    finally:
        engine.dispose()


def test_downgrade_refuses_to_go_below_the_first_revision(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = database_url(tmp_path)
    _empty(url)
    assert cli("db", "upgrade").exit_code == 0
    cli("user", "create", "ada", "--password-stdin", input="a long password\n")
    from alembic.script import ScriptDirectory

    from app.cli.db import MIGRATIONS_DIR

    steps = len(list(ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()))
    for target in ("base", f"-{steps}", f"-{steps + 6}"):
        result = cli("db", "downgrade", target, "--yes")
        assert result.exit_code != 0
        assert "first revision" in result.output or "drop every table" in result.output
    assert "ada" in cli("user", "list").output
    _empty(url)


def test_downgrade_asks_first(cli, tmp_path: Path, extra_migrations: str) -> None:  # type: ignore[no-untyped-def]
    url = database_url(tmp_path)
    _empty(url)
    assert cli("db", "upgrade").exit_code == 0
    assert _state(url)[:2] == ("9999_extra", True)
    refused = cli("db", "downgrade", "-1", input="n\n")
    assert refused.exit_code != 0
    assert "9999_extra" in refused.output and "dropped" in refused.output
    assert _state(url)[:2] == ("9999_extra", True)
    done = cli("db", "downgrade", extra_migrations, input="y\n")
    assert done.exit_code == 0, done.output
    assert _state(url)[:2] == (extra_migrations, False)
    assert "extra" not in _state(url)[2]
    assert cli("db", "downgrade", extra_migrations).output.startswith("nothing to revert")
    _empty(url)


def test_a_failed_downgrade_leaves_the_database_as_it_was(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, extra_migrations: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite too: the dropped column and table come back with the recorded revision, rather
    than a half-reverted database still marked at the newer revision."""
    url = database_url(tmp_path)
    _empty(url)
    assert cli("db", "upgrade").exit_code == 0
    monkeypatch.setenv("WENGU_TEST_FAIL_DOWNGRADE", "1")
    with pytest.raises(RuntimeError, match="half-way"):
        cli("db", "downgrade", "-1", "--yes")
    revision, extra_table, columns = _state(url)
    assert (revision, extra_table) == ("9999_extra", True)
    assert "extra" in columns
    engine = make_engine(url)
    assert not [t for t in inspect(engine).get_table_names() if t.startswith("_alembic_tmp")]
    engine.dispose()
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT text FROM extra_notes").scalar() == "kept"
    engine.dispose()
    _empty(url)
