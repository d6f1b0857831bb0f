"""What a buyer does on the storefront, for tests and the demo: place an order or leave an
abandoned checkout, given SKUs and quantities. Orders go through the same `create_order` as the
orderCreate mutation."""
from __future__ import annotations

import secrets
from decimal import Decimal

from standins.shopify import fulfillment
from standins.shopify.payloads import checkout_payload
from standins.shopify.records import DomainError
from standins.shopify.sales import (create_order, mailing_address, order_customer,
                                       plan_lines)


def storefront_input(shop, line_items: list[dict], fields: dict) -> dict:
    """An OrderCreateOrderInput from friendly keywords (sku / variant_id, quantity, price)."""
    lines = []
    for line in line_items:
        variant = _variant_for(shop, line)
        entry = {"variantId": variant["id"], "quantity": int(line.get("quantity", 1))}
        if line.get("price") is not None:
            entry["priceSet"] = {"shopMoney": {"amount": str(line["price"]),
                                               "currencyCode": shop.currency}}
        lines.append(entry)
    order_in = {"lineItems": lines, "email": fields.get("email"), "phone": fields.get("phone"),
                "note": fields.get("note"), "tags": fields.get("tags") or [],
                "shippingAddress": fields.get("shipping_address"),
                "billingAddress": fields.get("billing_address") or fields.get("shipping_address"),
                "financialStatus": fields.get("financial_status", "PAID"),
                "test": bool(fields.get("test")), "sourceName": "web"}
    if fields.get("gateway"):
        # A payment the buyer makes later (cash on delivery): a pending sale on that gateway.
        order_in["transactions"] = [{"kind": "SALE", "status": "PENDING",
                                     "gateway": str(fields["gateway"]),
                                     "amountSet": {"shopMoney": {"amount": "0",
                                                                 "currencyCode": shop.currency}}}]
    if fields.get("customer"):
        order_in["customer"] = {"toUpsert": fields["customer"]}
    if fields.get("_checkout"):
        order_in["_checkout"] = fields["_checkout"]
    if fields.get("shipping") is not None:
        order_in["shippingLines"] = [{"title": "Envío estándar", "priceSet": {"shopMoney": {
            "amount": str(fields["shipping"]), "currencyCode": shop.currency}}}]
    return order_in


def _variant_for(shop, line: dict) -> dict:
    if line.get("variant_id"):
        wanted = str(line["variant_id"])
        variant = shop.variants.get(wanted) or next(
            (v for v in shop.variants.values() if str(v["_number"]) == wanted), None)
    else:
        variant = next((v for v in shop.variants.values() if v["sku"] == line.get("sku")), None)
    if variant is None:
        raise DomainError.single(["lineItems"], f"No variant for {line!r}", "INVALID")
    return variant


def storefront_order(shop, line_items: list[dict], fields: dict) -> dict:
    """An order placed at checkout; with `checkout_id` it completes that checkout, and the
    order carries its token and id as Shopify's orders/create payload does."""
    behaviour = fields.get("inventory_behaviour", "DECREMENT_IGNORING_POLICY")
    checkout = shop.checkouts.get(fields.get("checkout_id"))
    if checkout is not None and checkout["completedAt"] is None:
        checkout["completedAt"] = checkout["updatedAt"] = shop.now()
    if checkout is not None:
        fields = {**fields, "_checkout": checkout}
    return create_order(shop, storefront_input(shop, line_items, fields),
                        {"inventoryBehaviour": behaviour})


def create_checkout(shop, line_items: list[dict], fields: dict) -> dict:
    """A buyer left checkout after giving contact details (checkouts/create)."""
    order_in = storefront_input(shop, line_items, fields)
    lines = plan_lines(shop, order_in["lineItems"])
    customer = order_customer(shop, order_in)
    number, checkout_id = shop.new_id("AbandonedCheckout")
    token = secrets.token_hex(16)
    now = shop.now()
    records = [fulfillment.checkout_line(shop, line) for line in lines]
    subtotal = sum((r["_price"] * r["quantity"] for r in records), Decimal(0))
    checkout = {
        "__typename": "AbandonedCheckout", "id": checkout_id, "_number": number,
        "name": f"#{number}", "createdAt": now, "updatedAt": now, "completedAt": None,
        "abandonedCheckoutUrl": f"https://{shop.domain}/{shop.record['_number']}/checkouts/ac/"
                                f"{token}/recover",
        "note": fields.get("note") or "", "discountCodes": [], "customAttributes": [],
        "taxesIncluded": True, "taxLines": [],
        "shippingAddress": mailing_address(shop, fields.get("shipping_address")),
        "billingAddress": mailing_address(shop, fields.get("shipping_address")),
        "_customer": customer["id"] if customer else None, "_lines": records, "_token": token,
        "_email": order_in.get("email") or (customer or {}).get("email"),
        "_phone": order_in.get("phone") or (customer or {}).get("phone"),
        "_accepts_marketing": bool(fields.get("accepts_marketing")),
        "_accepts_sms_marketing": bool(fields.get("accepts_sms_marketing")),
        "_totals": {"subtotal": subtotal, "total": subtotal},
    }
    shop.checkouts[checkout_id] = checkout
    shop.emit("checkouts/create", checkout_payload(shop, checkout))
    return checkout


def update_checkout(shop, checkout_id: str, fields: dict) -> dict:
    checkout = shop.checkouts.get(checkout_id)
    if checkout is None:
        raise DomainError.single(["id"], "Checkout does not exist")
    for key, target in (("email", "_email"), ("phone", "_phone"), ("note", "note"),
                        ("accepts_marketing", "_accepts_marketing"),
                        ("accepts_sms_marketing", "_accepts_sms_marketing")):
        if fields.get(key) is not None:
            checkout[target] = fields[key]
    if fields.get("shipping_address"):
        checkout["shippingAddress"] = mailing_address(shop, fields["shipping_address"])
    checkout["updatedAt"] = shop.now()
    shop.emit("checkouts/update", checkout_payload(shop, checkout))
    return checkout
