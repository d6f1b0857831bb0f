"""How the settings services reach Dropi, Ecomdrop and Shopify.

Views build one `IntegrationClients` from the app's Settings and pass it in; tests build it
the same way (pointing Settings at `responses` or at the local stand-ins), so every client is
the real one and only the HTTP boundary differs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from app.clients.dropi import DropiClient
from app.clients.ecomdrop import EcomdropClient
from app.clients.shopify import ShopifyClient
from app.config import Settings
from app.models import Shop
from app.services.shopify_session import shopify_client_for


@dataclass
class IntegrationClients:
    """Client factories bound to one Settings; `sleep` is what retries wait with."""

    settings: Settings
    sleep: Callable[[float], None] = field(default=time.sleep)

    def ecomdrop(self, api_key: str) -> EcomdropClient:
        """A client for the Ecomdrop account of `api_key` (raises EcomdropAuthError if empty)."""
        return EcomdropClient.for_settings(self.settings, api_key, sleep=self.sleep)

    def dropi(self, token: str, country: str) -> DropiClient:
        """A client for the Dropi host of `country`, authenticated with `token`."""
        return DropiClient.for_settings(self.settings, token, country, sleep=self.sleep)

    def shopify(self, shop: Shop) -> ShopifyClient:
        """The shop's Admin API client with its offline token kept fresh."""
        return shopify_client_for(self.settings, shop)
