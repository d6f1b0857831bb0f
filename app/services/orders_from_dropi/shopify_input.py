"""The orderCreate input for a Dropi order: lines mapped to Shopify variants through the variant
links (a line whose Dropi product is not linked becomes a custom line with its title and
price), the customer and address as Dropi holds them, shipping as what the carrier collects
beyond the lines, cash on delivery as a pending payment, and the shop's options."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select

from app.clients.dropi import DropiOrder
from app.extensions import db
from app.models import InventoryBehaviour, ProductAssociation, ShopConfiguration, VariantLink
from app.models.dropi_orders import source_identifier
from app.services.order_pipeline.records import e164

ORDER_TAG = "Dropi"
COD_GATEWAY = "Cash on Delivery (COD)"
DISCOUNT_CODE = "DROPI"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class PlannedLine:
    title: str
    sku: str
    quantity: int
    price: Decimal
    variant_id: str | None  # Shopify variant gid; None for a custom line
    dropi_product_id: str | None
    dropi_variation_id: str | None

    @property
    def linked(self) -> bool:
        return self.variant_id is not None


@dataclass(frozen=True)
class PlannedOrder:
    """What we ask Shopify for, and what our record of the order says."""

    lines: tuple[PlannedLine, ...]
    subtotal: Decimal
    shipping: Decimal
    discount: Decimal
    total: Decimal
    currency: str
    phone: str | None
    email: str | None
    variables: dict

    @property
    def custom_lines(self) -> list[PlannedLine]:
        return [line for line in self.lines if not line.linked]


def _links(shop_id: int, country: str | None) -> dict[tuple[str, str], str]:
    """{(Dropi product id, variation id or ''): Shopify variant gid}, the first link wins."""
    query = (select(ProductAssociation.dropi_product_id, VariantLink.dropi_variation_id,
                    VariantLink.shopify_variant_id)
             .join(ProductAssociation, ProductAssociation.id == VariantLink.association_id)
             .where(VariantLink.shop_id == shop_id, ProductAssociation.shop_id == shop_id,
                    VariantLink.shopify_variant_id.is_not(None))
             .order_by(VariantLink.id))
    if country:
        query = query.where(or_(ProductAssociation.dropi_country == country,
                                ProductAssociation.dropi_country.is_(None)))
    found: dict[tuple[str, str], str] = {}
    for product, variation, variant in db.session.execute(query):
        found.setdefault((str(product), str(variation or "")), variant)
    return found


def plan_lines(shop_id: int, country: str | None, order: DropiOrder) -> tuple[PlannedLine, ...]:
    links = _links(shop_id, country)
    planned = []
    for line in order.lines:
        if line.quantity < 1:
            continue
        product = None if line.product_id is None else str(line.product_id)
        variation = None if line.variation_id is None else str(line.variation_id)
        variant = links.get((product or "", variation or "")) if product else None
        planned.append(PlannedLine(
            title=line.name or (f"Dropi {product}" if product else "Dropi"), sku=line.sku,
            quantity=line.quantity, price=line.price if line.price is not None else Decimal(0),
            variant_id=variant, dropi_product_id=product, dropi_variation_id=variation))
    return tuple(planned)


def _money(amount: Decimal, currency: str) -> dict:
    return {"shopMoney": {"amount": str(amount), "currencyCode": currency}}


def _line_input(line: PlannedLine, currency: str) -> dict:
    entry = {"quantity": line.quantity, "priceSet": _money(line.price, currency)}
    if line.linked:
        return {"variantId": line.variant_id, **entry}
    return {"title": line.title, "sku": line.sku or None, "requiresShipping": True, **entry}


def _shipping_address(order: DropiOrder, country: str | None, phone: str | None) -> dict:
    customer = order.customer
    address = {"firstName": customer.name, "lastName": customer.surname,
               "address1": customer.address, "city": customer.city,
               "province": customer.state, "countryCode": country,
               "zip": customer.zip_code, "phone": phone}
    return {k: v for k, v in address.items() if v}


def _money_lines(order_input: dict, plan: PlannedOrder, cash_on_delivery: bool,
                 shipping_title: str) -> None:
    """Payment, shipping and discount, so the Shopify total is what the carrier collects."""
    currency = plan.currency
    if cash_on_delivery:
        # Shopify's own cash-on-delivery orders carry a pending sale through the manual
        # "Cash on Delivery (COD)" gateway: nothing received until the carrier collects.
        order_input["transactions"] = [{"kind": "SALE", "status": "PENDING",
                                        "gateway": COD_GATEWAY,
                                        "amountSet": _money(plan.total, currency)}]
    if plan.shipping:
        order_input["shippingLines"] = [{"title": shipping_title, "source": "dropi",
                                         "priceSet": _money(plan.shipping, currency)}]
    if plan.discount:
        order_input["discountCode"] = {"itemFixedDiscountCode": {
            "code": DISCOUNT_CODE, "amountSet": _money(plan.discount, currency)}}


def _options(config: ShopConfiguration) -> dict:
    behaviour = config.inventory_behaviour or InventoryBehaviour.BYPASS
    return {"inventoryBehaviour": behaviour.value.upper(),
            "sendReceipt": bool(config.send_order_confirmation),
            "sendFulfillmentReceipt": bool(config.send_shipping_confirmation)}


def plan_order(shop_id: int, currency: str, config: ShopConfiguration, order: DropiOrder,
               *, shipping_title: str) -> PlannedOrder:
    """The orderCreate variables for `order` in a shop selling in `currency`."""
    country = (config.dropi_country or "").upper() or None
    lines = plan_lines(shop_id, country, order)
    subtotal = sum((line.price * line.quantity for line in lines), Decimal(0))
    total = order.total_order if order.total_order is not None else subtotal
    phone = e164(order.customer.phone, country)
    email = order.customer.email if _EMAIL.match(order.customer.email or "") else None
    plan = PlannedOrder(lines, subtotal, max(total - subtotal, Decimal(0)),
                        max(subtotal - total, Decimal(0)), total, currency, phone, email, {})
    order_input = {
        "sourceIdentifier": source_identifier(order.id), "tags": [ORDER_TAG],
        "note": f"Dropi {order.id}" + (f"\n{order.notes}" if order.notes else ""),
        # Shopify identifies the customer by email and refuses a phone another customer has:
        # with an email the phone goes on the address only.
        "email": email, "phone": phone if email is None else None,
        "shippingAddress": _shipping_address(order, country, phone),
        "lineItems": [_line_input(line, currency) for line in lines],
        "taxesIncluded": bool(config.taxes_included),
        "financialStatus": "PENDING" if order.cash_on_delivery else "PAID",
        "processedAt": order.created_at.isoformat() if order.created_at else None,
    }
    _money_lines(order_input, plan, order.cash_on_delivery, shipping_title)
    plan.variables.update({"order": {k: v for k, v in order_input.items() if v is not None},
                           "options": _options(config)})
    return plan
