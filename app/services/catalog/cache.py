"""The short-lived cache of Dropi catalog answers, shared between processes (Redis or files):
keys scoped to the shop's Dropi connection, and a failing cache read as a miss."""
from __future__ import annotations

import hashlib
import logging

from app.models import Shop, ShopConfiguration

log = logging.getLogger(__name__)

CATALOG_CACHE_SECONDS = 60
OPTIONS_CACHE_SECONDS = 600


def cache_scope(shop: Shop, config: ShopConfiguration) -> str:
    """The key prefix of the shop's catalog entries for its current Dropi connection."""
    # A new token or country starts new entries. Not updated_at: every successful Dropi call
    # records itself on the configuration, which would turn each page load into a miss.
    connection = hashlib.sha256(f"{config.dropi_country}:{config.dropi_token}".encode())
    return (f"catalog:{shop.id}:{shop.domain}:{config.dropi_country.upper()}:"
            f"{connection.hexdigest()[:16]}")


def cached(cache, key: str, timeout: int, load):
    """The entry at `key`, or `load()` stored there for `timeout` seconds."""
    try:
        found = cache.get(key)
    except Exception:  # an unreadable entry (a changed class, a Redis hiccup) is a miss
        log.warning("catalog cache read failed for %s", key, exc_info=True)
        found = None
    if found is not None:
        return found
    value = load()
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        log.warning("catalog cache write failed for %s", key, exc_info=True)
    return value
