"""The shop's recent Shopify orders, newest first, as the Orders page lists them.

Read only: nothing here sends an order to Dropi or Ecomdrop. Amounts are Decimal in the order's
currency; creation times are shown in the shop's time zone.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from app.clients.shopify import ShopifyGraphQLError
from app.models import Shop
from app.services.shopify_session import shopify_client_for

log = logging.getLogger(__name__)

OPERATION = "orders_recent"
PAGE_SIZE = 20
MAX_SEARCH_LENGTH = 100
MAX_CURSOR_LENGTH = 500
# Characters of Shopify's search syntax: typed words are searched as plain text.
SEARCH_SYNTAX = str.maketrans({c: " " for c in '"\\():'})


@dataclass(frozen=True)
class OrderLine:
    title: str
    quantity: int
    sku: str


@dataclass(frozen=True)
class OrderSummary:
    id: str
    name: str
    created_at: datetime  # aware, in the shop's time zone
    financial_status: str | None
    fulfillment_status: str
    total: Decimal | None
    currency: str
    customer_name: str | None
    city: str | None
    province: str | None
    country_code: str | None
    lines: tuple[OrderLine, ...]
    more_lines: bool
    cancelled: bool
    tags: tuple[str, ...]

    @property
    def number(self) -> str:
        """The numeric id Shopify's admin uses in the order's URL."""
        return self.id.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class OrdersPage:
    orders: tuple[OrderSummary, ...]
    search: str
    after: str | None
    end_cursor: str | None
    has_next_page: bool

    @classmethod
    def empty(cls, search: str = "", after: str | None = None) -> "OrdersPage":
        return cls((), search, after, None, False)


def clean_search(text: str | None) -> str:
    """What the merchant typed, trimmed to one line of reasonable length."""
    return " ".join((text or "").split())[:MAX_SEARCH_LENGTH]


def search_query(text: str | None) -> str | None:
    """Shopify's `query:` for a search by order name, email or customer: every typed word as
    quoted free text, so `#1001`, `laura@example.com` or `-x OR y` never act as syntax."""
    words = clean_search(text).translate(SEARCH_SYNTAX).split()
    return " ".join(f'"{word}"' for word in words) or None


def recent_orders(settings, shop: Shop, *, search: str | None = None,
                  after: str | None = None) -> OrdersPage:
    """One page of `shop`'s orders, newest first, optionally narrowed by `search`.

    `after` is the `end_cursor` of the previous page. Raises ShopifyError (with its
    `merchant_message`) when Shopify refuses, e.g. when the app lacks the read_orders scope.
    """
    client = shopify_client_for(settings, shop)
    search = clean_search(search)
    after = (after or "").strip()[:MAX_CURSOR_LENGTH] or None
    variables = {"first": PAGE_SIZE, "after": after, "query": search_query(search)}
    try:
        connection = client.query(OPERATION, variables)["orders"]
    except ShopifyGraphQLError as exc:
        if not after:
            raise
        # Shopify refuses a cursor it did not issue (or one from an older search).
        raise ShopifyGraphQLError(exc.detail, shop=shop.domain, operation=OPERATION,
                                  merchant_message=_("That page of orders is no longer "
                                                     "available. Go back to the first page.")
                                  ) from exc
    zone = shop_zone(shop.timezone)
    orders = tuple(order_summary(node, zone) for node in connection["nodes"])
    info = connection["pageInfo"]
    log.info("listed %d orders for %s (search=%s, next=%s)", len(orders), shop.domain,
             bool(search), info["hasNextPage"])
    return OrdersPage(orders, search, after, info.get("endCursor"), bool(info["hasNextPage"]))


def shop_zone(name: str | None) -> ZoneInfo | timezone:
    """The shop's IANA time zone; UTC when it is unknown."""
    try:
        return ZoneInfo(name) if name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown shop time zone %r; showing UTC", name)
        return timezone.utc


def order_summary(node: dict, zone) -> OrderSummary:
    """An `orders_recent` node as the page shows it."""
    money = ((node.get("totalPriceSet") or {}).get("shopMoney")) or {}
    address = node.get("shippingAddress") or {}
    line_items = node.get("lineItems") or {}
    return OrderSummary(
        id=node["id"],
        name=node["name"],
        created_at=_parse_time(node["createdAt"]).astimezone(zone),
        financial_status=node.get("displayFinancialStatus"),
        fulfillment_status=node.get("displayFulfillmentStatus") or "UNFULFILLED",
        total=_decimal(money.get("amount")),
        currency=money.get("currencyCode") or "",
        customer_name=(node.get("customer") or {}).get("displayName"),
        city=address.get("city"),
        province=address.get("province"),
        country_code=address.get("countryCodeV2"),
        lines=tuple(OrderLine(line.get("title") or "", int(line.get("quantity") or 0),
                              line.get("sku") or "")
                    for line in line_items.get("nodes") or ()),
        more_lines=bool((line_items.get("pageInfo") or {}).get("hasNextPage")),
        cancelled=bool(node.get("cancelledAt")),
        tags=tuple(node.get("tags") or ()),
    )


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        log.warning("order total %r is not a number", value)
        return None
