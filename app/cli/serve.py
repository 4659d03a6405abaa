"""``wengu serve``: the development server on loopback."""

from __future__ import annotations

import logging

import click
from werkzeug.serving import run_simple

from app import create_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload on code changes, show tracebacks.")
def serve(host: str, port: int, debug: bool) -> None:
    """Serve wengu (for production use gunicorn, see the README)."""
    app = create_app()
    # wengu writes its own access lines (app.logs); werkzeug's would repeat them in another form.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    click.echo(f"wengu is serving on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True, use_reloader=debug, use_debugger=debug)
