"""wengu's web app: the application factory.

Configuration is injected (defaults, then ``instance/config.py``, then
``WENGU_*`` environment variables, then ``config``), never read at import
time. Each feature is one blueprint in a module of its own.
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

    from app import db, i18n, security

    db.init_app(app)
    security.init_app(app)
    i18n.init_app(app)

    from app import account, auth, errors, home

    app.register_blueprint(errors.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(account.bp)
    from app import browse, cards_views, decks, inbox

    app.register_blueprint(cards_views.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(decks.bp)
    from app import queue_cache, review

    queue_cache.init_app(app)
    app.register_blueprint(review.bp)
    from app import export

    app.register_blueprint(export.bp)
    from app import stats

    app.register_blueprint(stats.bp)
    from app import imports, media

    app.register_blueprint(imports.bp)
    app.register_blueprint(media.bp)
    return app
