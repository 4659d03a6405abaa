"""wengu's web app: the application factory.

Configuration is injected (defaults, then ``instance/config.py``, then
``WENGU_*`` environment variables, then ``config``), never read at import
time. Each feature is a package (``accounts``, ``cards``, ``notes``, ``review``,
``stats``) whose views module holds its blueprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from app import config as app_config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the wengu app."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(app_config.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("WENGU")
    if config is not None:
        app.config.from_mapping(config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = app_config.default_database_url(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = app_config.load_or_create_secret_key(app.instance_path)

    from app import db, i18n, logs, security

    logs.init_app(app)
    db.init_app(app)
    security.init_app(app)
    i18n.init_app(app)

    from app import assets, errors, export, health, home
    from app.accounts import auth, settings
    from app.cards import browse, decks, inbox
    from app.cards import views as cards
    from app.notes import media
    from app.notes import views as notes
    from app.review import snapshot
    from app.review import views as review
    from app.stats import views as stats

    snapshot.init_app(app)
    errors.init_app(app)
    for blueprint in (
        errors.bp,
        assets.bp,
        health.bp,
        auth.bp,
        home.bp,
        settings.bp,
        cards.bp,
        browse.bp,
        inbox.bp,
        decks.bp,
        review.bp,
        export.bp,
        stats.bp,
        notes.bp,
        media.bp,
    ):
        app.register_blueprint(blueprint)
    return app
