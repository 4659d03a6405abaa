"""``wengu caches``: the caches the app keeps between requests and what makes each stale.

The list is :func:`app.caches.registered`; building the app imports every module
that keeps one, so the list printed is the whole of it.
"""

from __future__ import annotations

import click

from app import caches as registry
from app.cli.common import app_context


@click.command("caches")
def caches() -> None:
    """List the caches kept between requests, where each lives and what invalidates it."""
    with app_context():
        for cache in registry.registered():
            click.echo(cache.name)
            click.echo(f"  where:          {cache.where}")
            click.echo(f"  holds:          {cache.holds}")
            click.echo(f"  invalidated by: {cache.invalidated_by}")
