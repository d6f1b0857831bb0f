"""Building the CallerContext of a request from its verified agent key and headers."""
from __future__ import annotations

from app.extensions import db
from app.models import AgentKey, Shop
from app.services.agent_tools.registry import CallerContext
from app.services.agent_tools.shaping import e164, normalized_email
from app.services.shopify_session import shopify_client_for


class CostCountingShopify:
    """The shop's Shopify client, adding up the cost points each call spent."""

    def __init__(self, client):
        self.client = client
        self.cost_points = 0

    def query(self, name: str, variables: dict | None = None) -> dict:
        try:
            return self.client.query(name, variables)
        finally:
            self._count()

    def mutate(self, name: str, variables: dict | None = None, **kwargs) -> dict:
        try:
            return self.client.mutate(name, variables, **kwargs)
        finally:
            self._count()

    def _count(self) -> None:
        cost = self.client.last_cost or {}
        self.cost_points += int(cost.get("actualQueryCost") or cost.get("requestedQueryCost")
                                or 0)
        self.client.last_cost = None


def caller_for_key(settings, key: AgentKey, *, customer_phone: str | None = None,
                   customer_email: str | None = None, transport: str = "http") -> CallerContext:
    """The caller of a request authenticated with `key`; the customer headers count only for
    customer-mode keys (a staff assistant speaks for the store)."""
    shop = db.session.get(Shop, key.shop_id)
    customer = key.mode == "customer"
    return CallerContext(
        shop=shop, settings=settings, mode=key.mode, key_id=key.id, key_hint=key.key_hint,
        customer_phone=e164(customer_phone) if customer else None,
        customer_email=normalized_email(customer_email) if customer else None,
        transport=transport,
        client_factory=lambda: CostCountingShopify(shopify_client_for(settings, shop)))
