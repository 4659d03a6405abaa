"""Time zone names: the choice on the settings, owner setup and sign-up pages."""

from __future__ import annotations

import functools
import zoneinfo

from app import caches

__all__ = ["DEFAULT_ZONE", "time_zones", "valid_time_zone"]

DEFAULT_ZONE = "UTC"
"""The zone of an account whose browser did not say (no script, an unknown name)."""


@functools.lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name this system knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


caches.register(
    "time zone names", "app.accounts.zones.time_zones",
    holds="the IANA time zone names the system knows",
    invalidated_by="nothing while the process runs (new zone data needs a restart)",
    clear=time_zones.cache_clear,
)


def valid_time_zone(name: str) -> bool:
    """Whether ``name`` is a time zone ``zoneinfo`` can load."""
    if name not in time_zones():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
