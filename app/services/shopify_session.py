"""The one way features get a Shopify Admin API client for a shop."""
from __future__ import annotations

from app.clients.shopify import ShopifyClient
from app.models import Shop
from app.services.shopify_tokens import fresh_offline_token, refresh_refused_token


def shopify_client_for(settings, shop: Shop, *, allow_refresh: bool = True) -> ShopifyClient:
    """A ShopifyClient for `shop` that always sends a fresh offline token.

    The token is read (and refreshed when under the margin) before every request. When Shopify
    answers 401 the client calls back once: the token it used is refreshed, unless another
    worker already replaced it. Pass `allow_refresh=False` where refreshing must not happen,
    such as while handling `app/uninstalled`.
    """
    handed_out: dict[str, str | None] = {"token": None}

    def access_token() -> str:
        handed_out["token"] = fresh_offline_token(settings, shop, allow_refresh=allow_refresh)
        return handed_out["token"]

    def on_unauthorized() -> str:
        token = refresh_refused_token(settings, shop, handed_out["token"])
        handed_out["token"] = token
        return token

    return ShopifyClient.for_settings(
        settings, shop.domain, access_token=access_token,
        on_unauthorized=on_unauthorized if allow_refresh else None)
