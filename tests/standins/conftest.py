"""The Shopify stand-in's store as its GraphQL and webhook tests use it: an in-memory store
holding the test module's `SHOP`, seeded with the demo catalog, and the webhooks it sends."""
from __future__ import annotations

import pytest

from standins.shopify.store import ShopifyStore


@pytest.fixture
def store(request) -> ShopifyStore:
    """A store with the module's `SHOP` installed and seeded (products, stock, locations)."""
    store = ShopifyStore()
    store.create_shop(request.module.SHOP, seed=True)
    return store


@pytest.fixture
def events(store) -> list[tuple[str, str, dict]]:
    """(shop, topic, payload) of every webhook the store sends from now on, in order."""
    received: list[tuple[str, str, dict]] = []
    store.add_listener(lambda shop, topic, payload: received.append((shop, topic, payload)))
    return received
