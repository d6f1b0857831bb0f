"""Webhook payloads in the REST shape Shopify delivers (snake_case, numeric ids, string amounts,
`admin_graphql_api_id` beside each id)."""
from __future__ import annotations

from decimal import Decimal

from standins.shopify.records import rest_amount


def _ids(record: dict) -> dict:
    return {"id": record["_number"], "admin_graphql_api_id": record["id"]}


def shop_payload(shop) -> dict:
    record = shop.record
    return {"id": record["_number"], "name": record["name"], "email": record["email"],
            "domain": shop.domain, "myshopify_domain": shop.domain,
            "currency": record["currencyCode"], "iana_timezone": record["ianaTimezone"],
            "plan_name": shop.plan, "plan_display_name": record["plan"]["publicDisplayName"],
            "created_at": record["createdAt"], "updated_at": record["updatedAt"]}


def address_payload(address: dict | None) -> dict | None:
    if not address:
        return None
    return {"first_name": address.get("firstName"), "last_name": address.get("lastName"),
            "name": address.get("name"), "company": address.get("company"),
            "address1": address.get("address1"), "address2": address.get("address2"),
            "city": address.get("city"), "province": address.get("province"),
            "province_code": address.get("provinceCode"), "country": address.get("country"),
            "country_code": address.get("countryCodeV2"), "zip": address.get("zip"),
            "phone": address.get("phone")}


def customer_payload(shop, customer: dict | None) -> dict | None:
    if customer is None:
        return None
    return {**_ids(customer), "email": customer["email"], "phone": customer["phone"],
            "first_name": customer["firstName"], "last_name": customer["lastName"],
            "tags": ", ".join(customer["tags"]), "note": customer["note"],
            "state": customer["state"].lower(), "currency": shop.currency,
            "verified_email": customer["verifiedEmail"],
            "created_at": customer["createdAt"], "updated_at": customer["updatedAt"],
            "default_address": address_payload(customer.get("defaultAddress"))}


def variant_payload(shop, variant: dict) -> dict:
    item = shop.inventory_items[variant["_inventory_item"]]
    options = [o["value"] for o in variant["selectedOptions"]] + [None, None, None]
    from standins.shopify.inventory import total_available
    return {**_ids(variant), "product_id": shop.products[variant["_product"]]["_number"],
            "title": variant["title"], "sku": variant["sku"], "barcode": variant["barcode"],
            "price": rest_amount(variant["price"]),
            "compare_at_price": rest_amount(variant["compareAtPrice"]),
            "position": variant["position"], "inventory_policy": variant["inventoryPolicy"].lower(),
            "inventory_item_id": item["_number"],
            "inventory_quantity": total_available(shop, item["id"]),
            "inventory_management": "shopify" if item["tracked"] else None,
            "option1": options[0], "option2": options[1], "option3": options[2],
            "taxable": variant["taxable"], "requires_shipping": item["requiresShipping"],
            "created_at": variant["createdAt"], "updated_at": variant["updatedAt"]}


def product_payload(shop, product: dict) -> dict:
    return {**_ids(product), "title": product["title"], "handle": product["handle"],
            "body_html": product["descriptionHtml"], "vendor": product["vendor"],
            "product_type": product["productType"], "status": product["status"].lower(),
            "tags": ", ".join(product["tags"]), "created_at": product["createdAt"],
            "updated_at": product["updatedAt"], "published_at": product["publishedAt"],
            "variants": [variant_payload(shop, shop.variants[v]) for v in product["_variants"]],
            "options": [{"id": int(o["id"].rsplit("/", 1)[1]), "product_id": product["_number"],
                         "name": o["name"], "position": o["position"], "values": o["values"]}
                        for o in product["_options"]],
            "images": [{"id": int(m["image"]["id"].rsplit("/", 1)[1]),
                        "product_id": product["_number"], "position": index,
                        "src": m["image"]["url"], "alt": m["alt"]}
                       for index, m in enumerate(product["_media"], start=1)]}


def line_item_payload(line: dict) -> dict:
    return {**_ids(line), "variant_id": line["_variant_number"],
            "product_id": line["_product_number"], "sku": line["sku"], "title": line["title"],
            "variant_title": line["variantTitle"], "name": line["name"],
            "vendor": line["vendor"], "quantity": line["quantity"],
            "current_quantity": line["currentQuantity"],
            "fulfillable_quantity": line["unfulfilledQuantity"],
            "price": rest_amount(line["_price"]), "requires_shipping": line["requiresShipping"],
            "taxable": line["taxable"], "fulfillment_status": line["_fulfillment_status"],
            "gift_card": False, "properties": []}


def order_payload(shop, order: dict) -> dict:
    totals = order["_totals"]
    return {**_ids(order), "name": order["name"], "order_number": order["number"],
            "number": order["number"] - 1000, "email": order["email"], "phone": order["phone"],
            "contact_email": order["email"], "created_at": order["createdAt"],
            "updated_at": order["updatedAt"], "processed_at": order["processedAt"],
            "cancelled_at": order["cancelledAt"],
            "cancel_reason": (order["cancelReason"] or "").lower() or None,
            "closed_at": order["closedAt"], "currency": shop.currency,
            "presentment_currency": shop.currency,
            "financial_status": order["displayFinancialStatus"].lower(),
            "fulfillment_status": _rest_fulfillment_status(order),
            "total_price": rest_amount(totals["total"]),
            "subtotal_price": rest_amount(totals["subtotal"]),
            "total_shipping_price_set": {"shop_money": {
                "amount": rest_amount(totals["shipping"]), "currency_code": shop.currency}},
            "total_discounts": rest_amount(Decimal(0)), "total_tax": rest_amount(totals["tax"]),
            "taxes_included": order["taxesIncluded"], "test": order["test"],
            "note": order["note"], "tags": ", ".join(order["tags"]),
            "source_name": order["sourceName"],
            "gateway": order["paymentGatewayNames"][0],
            "payment_gateway_names": list(order["paymentGatewayNames"]),
            "checkout_token": order["checkoutToken"], "checkout_id": order.get("_checkout_number"),
            "customer": customer_payload(shop, shop.customers.get(order["_customer"])),
            "shipping_address": address_payload(order["shippingAddress"]),
            "billing_address": address_payload(order["billingAddress"]),
            "line_items": [line_item_payload(line) for line in order["_lines"]],
            "shipping_lines": [{"title": s["title"], "code": s["code"],
                                "price": rest_amount(s["_price"])} for s in order["_shipping"]],
            "fulfillments": [fulfillment_payload(shop, shop.fulfillments[f])
                             for f in order["_fulfillments"]],
            "refunds": [refund_payload(shop, shop.refunds[r]) for r in order["_refunds"]]}


def _rest_fulfillment_status(order: dict) -> str | None:
    return {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial",
            "RESTOCKED": "restocked"}.get(order["displayFulfillmentStatus"])


# Fulfillment.shipment_status (REST) from the last carrier event; None before any.
SHIPMENT_STATUS = {"DELIVERED": "delivered", "FAILURE": "failure", "IN_TRANSIT": "in_transit",
                   "OUT_FOR_DELIVERY": "out_for_delivery",
                   "ATTEMPTED_DELIVERY": "attempted_delivery",
                   "CARRIER_PICKED_UP": "carrier_picked_up",
                   "READY_FOR_PICKUP": "ready_for_pickup", "CONFIRMED": "confirmed",
                   "LABEL_PRINTED": "label_printed", "LABEL_PURCHASED": "label_purchased",
                   "DELAYED": "delayed"}


def fulfillment_payload(shop, fulfillment: dict) -> dict:
    tracking = fulfillment["_tracking"]
    return {**_ids(fulfillment), "order_id": shop.orders[fulfillment["_order"]]["_number"],
            "name": fulfillment["name"], "status": fulfillment["status"].lower(),
            "created_at": fulfillment["createdAt"], "updated_at": fulfillment["updatedAt"],
            "tracking_company": tracking[0]["company"] if tracking else None,
            "tracking_number": tracking[0]["number"] if tracking else None,
            "tracking_numbers": [t["number"] for t in tracking if t["number"]],
            "tracking_url": tracking[0]["url"] if tracking else None,
            "tracking_urls": [t["url"] for t in tracking if t["url"]],
            "shipment_status": SHIPMENT_STATUS.get(fulfillment.get("displayStatus")),
            "line_items": [{"id": entry["_line_number"], "quantity": entry["quantity"]}
                           for entry in fulfillment["_lines"]]}


def refund_payload(shop, refund: dict) -> dict:
    """refunds/create as Shopify sends it (REST Refund resource): each refund line item with its
    line item, subtotal and restock type; the money in `transactions` (kind refund)."""
    order = shop.orders[refund["_order"]]
    currency = shop.currency
    return {**_ids(refund), "order_id": order["_number"], "note": refund["note"],
            "created_at": refund["createdAt"], "processed_at": refund["processedAt"],
            "restock": any(e["restocked"] for e in refund["_lines"]), "user_id": None,
            "duties": [], "order_adjustments": [],
            "refund_line_items": [_refund_line_payload(shop, entry, currency)
                                  for entry in refund["_lines"]],
            "transactions": [_refund_transaction(order, t, currency)
                             for t in refund.get("_transactions") or []]}


def _refund_line_payload(shop, entry: dict, currency: str) -> dict:
    subtotal = entry["_price"] * entry["quantity"]
    location = shop.locations.get(entry["_location"]) if entry["_location"] else None
    return {"id": int(entry["id"].rsplit("/", 1)[1]), "line_item_id": entry["_line_number"],
            "quantity": entry["quantity"], "restock_type": entry["restockType"].lower(),
            "location_id": location["_number"] if location else None,
            "subtotal": rest_amount(subtotal), "total_tax": rest_amount(Decimal(0)),
            "subtotal_set": _money_set(subtotal, currency),
            "total_tax_set": _money_set(Decimal(0), currency),
            "line_item": line_item_payload(entry["_line"])}


def _refund_transaction(order: dict, transaction: dict, currency: str) -> dict:
    return {"id": transaction["_number"], "admin_graphql_api_id": transaction["id"],
            "order_id": order["_number"], "kind": "refund", "status": "success",
            "gateway": transaction["gateway"], "amount": rest_amount(transaction["_amount"]),
            "currency": currency, "parent_id": transaction.get("_parent_number"),
            "created_at": transaction["createdAt"], "processed_at": transaction["createdAt"],
            "test": order["test"]}


def _money_set(amount: Decimal, currency: str) -> dict:
    money = {"amount": rest_amount(amount), "currency_code": currency}
    return {"shop_money": money, "presentment_money": dict(money)}


def checkout_payload(shop, checkout: dict) -> dict:
    totals = checkout["_totals"]
    return {**_ids(checkout), "token": checkout["_token"], "cart_token": checkout["_token"],
            "email": checkout["_email"], "phone": checkout["_phone"],
            "abandoned_checkout_url": checkout["abandonedCheckoutUrl"],
            "buyer_accepts_marketing": checkout["_accepts_marketing"],
            "buyer_accepts_sms_marketing": checkout["_accepts_sms_marketing"],
            "created_at": checkout["createdAt"], "updated_at": checkout["updatedAt"],
            "completed_at": checkout["completedAt"], "currency": shop.currency,
            "presentment_currency": shop.currency, "note": checkout["note"],
            "total_price": rest_amount(totals["total"]),
            "subtotal_price": rest_amount(totals["subtotal"]),
            "customer": customer_payload(shop, shop.customers.get(checkout["_customer"])),
            "shipping_address": address_payload(checkout["shippingAddress"]),
            "billing_address": address_payload(checkout["billingAddress"]),
            "line_items": [{"variant_id": line["_variant_number"],
                            "product_id": line["_product_number"], "title": line["title"],
                            "variant_title": line["variantTitle"], "sku": line["sku"],
                            "quantity": line["quantity"], "price": rest_amount(line["_price"])}
                           for line in checkout["_lines"]]}


def inventory_level_payload(shop, level: dict) -> dict:
    return {"inventory_item_id": shop.inventory_items[level["_item"]]["_number"],
            "location_id": shop.locations[level["_location"]]["_number"],
            "available": level["_q"]["available"], "updated_at": level["updatedAt"],
            "admin_graphql_api_id": level["id"]}


def bulk_operation_payload(operation: dict) -> dict:
    return {"admin_graphql_api_id": operation["id"], "completed_at": operation["completedAt"],
            "created_at": operation["createdAt"],
            "error_code": (operation["errorCode"] or "").lower() or None,
            "status": operation["status"].lower(), "type": operation["type"].lower()}
