"""Customers and orders: `create_order` is what orderCreate runs (validation, inventory claims
per the inventory behaviour, fulfillment orders, events)."""
from __future__ import annotations

import re
import secrets
from decimal import Decimal

from standins.shopify import fulfillment, inventory
from standins.shopify.payloads import customer_payload, order_payload
from standins.shopify.records import DomainError, money

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY_NAMES = {"CO": "Colombia", "MX": "Mexico", "CL": "Chile", "PE": "Peru", "EC": "Ecuador"}
PAID_KINDS = ("SALE", "CAPTURE")


def mailing_address(shop, data: dict | None) -> dict | None:
    if not data:
        return None
    country = data.get("countryCode") or "CO"
    first, last = data.get("firstName"), data.get("lastName")
    name = " ".join(p for p in (first, last) if p) or None
    parts = [data.get("address1"), data.get("address2"), data.get("city"),
             data.get("provinceCode") or data.get("province"), COUNTRY_NAMES.get(country, country)]
    return {"__typename": "MailingAddress", "id": shop.new_id("MailingAddress")[1],
            "firstName": first, "lastName": last, "name": name, "company": data.get("company"),
            "address1": data.get("address1"), "address2": data.get("address2"),
            "city": data.get("city"), "province": data.get("province"),
            "provinceCode": data.get("provinceCode"),
            "country": COUNTRY_NAMES.get(country, country), "countryCodeV2": country,
            "countryCode": country, "zip": data.get("zip"), "phone": data.get("phone"),
            "formatted": [p for p in parts if p], "formattedArea": data.get("city"),
            "coordinatesValidated": False, "latitude": None, "longitude": None,
            "timeZone": None, "validationResultSummary": None}


def upsert_customer(shop, data: dict, *, unique_phone: bool = False) -> dict:
    """Find a customer by id, email or phone and update it, or create one. With `unique_phone`
    (the Admin API's orderCreate) a customer is found by id, else by email ("used to uniquely
    identify the customer"), else by phone, and a phone that belongs to another customer is
    refused: "Attempting to assign the same phone number to multiple customers returns an
    error" (OrderCreateUpsertCustomerAttributesInput.phone, schema 2026-10)."""
    email, phone = data.get("email"), data.get("phone")
    if email and not _EMAIL.match(email):
        raise DomainError.single(["email"], "Email is invalid", "INVALID")
    if unique_phone:
        customer = _customer_by_identity(shop, data.get("id"), email, phone)
        if phone and any(c["phone"] == phone and c is not customer
                         for c in shop.customers.values()):
            raise DomainError.single(["order", "customer", "phone"], "Phone has already been "
                                     "taken", "INVALID")
    else:
        customer = shop.customers.get(data.get("id")) or next(
            (c for c in shop.customers.values()
             if (email and c["email"] == email) or (phone and c["phone"] == phone)), None)
    now = shop.now()
    if customer is None:
        number, customer_id = shop.new_id("Customer")
        customer = {"__typename": "Customer", "id": customer_id, "_number": number,
                    "email": None, "phone": None, "firstName": None, "lastName": None,
                    "note": None, "tags": [], "state": "DISABLED", "verifiedEmail": True,
                    "taxExempt": False, "createdAt": now, "locale": "es",
                    "multipassIdentifier": None, "defaultAddress": None, "_addresses": [],
                    "_metafields": {}, "dataSaleOptOut": False, "taxExemptions": []}
        shop.customers[customer_id] = customer
        created = True
    else:
        created = False
    for key in ("email", "phone", "firstName", "lastName", "note"):
        if data.get(key) is not None:
            customer[key] = data[key]
    if data.get("tags") is not None:
        from standins.shopify.catalog import normalize_tags
        customer["tags"] = normalize_tags(customer["tags"] + list(data["tags"]))
    for address in data.get("addresses") or []:
        customer["_addresses"].append(mailing_address(shop, address))
    if customer["_addresses"] and customer["defaultAddress"] is None:
        customer["defaultAddress"] = customer["_addresses"][0]
    customer["displayName"] = " ".join(
        p for p in (customer["firstName"], customer["lastName"]) if p) or customer["email"] or ""
    customer["updatedAt"] = now
    shop.emit("customers/create" if created else "customers/update",
              customer_payload(shop, customer))
    return customer


def _customer_by_identity(shop, customer_id, email, phone) -> dict | None:
    if customer_id:
        return shop.customers.get(customer_id)
    key, value = ("email", email) if email else ("phone", phone)
    if not value:
        return None
    return next((c for c in shop.customers.values() if c[key] == value), None)


def plan_lines(shop, lines_in: list[dict]) -> list[dict]:
    if not lines_in:
        raise DomainError.single(["order", "lineItems"], "Line items must have at least one "
                                 "line item.", "INVALID")
    planned = []
    for index, line in enumerate(lines_in):
        path = ["order", "lineItems", str(index)]
        variant = None
        if line.get("variantId"):
            variant = shop.variants.get(line["variantId"])
            if variant is None:
                raise DomainError.single(path + ["variantId"], "Variant does not exist.",
                                         "INVALID")
        elif not line.get("title"):
            raise DomainError.single(path + ["title"], "Title can't be blank for a custom line "
                                     "item.", "INVALID")
        elif not line.get("priceSet"):
            # A custom line item (no variant) is its title and price (the REST order resource
            # asks for both); the schema leaves priceSet optional, so refusing is the strict
            # reading.
            raise DomainError.single(path + ["priceSet"], "Price can't be blank for a custom "
                                     "line item.", "INVALID")
        if line["quantity"] < 1:
            raise DomainError.single(path + ["quantity"], "Quantity must be greater than 0.",
                                     "INVALID")
        price_set = line.get("priceSet")
        if price_set:
            price = _shop_money(shop, price_set, path + ["priceSet"])
        else:
            price = variant["price"]
        planned.append({"input": line, "variant": variant, "price": price})
    return planned


def _shop_money(shop, price_set: dict, path: list[str]) -> Decimal:
    """The shop-currency amount of a MoneyBagInput: priceSet is "in the shop currency", so
    another currency is refused rather than read as if it were the shop's."""
    shop_money = price_set.get("shopMoney") or {}
    if shop_money.get("currencyCode") not in (None, shop.currency):
        raise DomainError.single(path + ["shopMoney", "currencyCode"], f"Currency must be the "
                                 f"shop currency ({shop.currency}).", "INVALID")
    amount = money(shop_money.get("amount"))
    if amount < 0:
        raise DomainError.single(path + ["shopMoney", "amount"], "Amount can't be negative.",
                                 "INVALID")
    return amount


def create_order(shop, order_in: dict, options: dict | None = None, *,
                 admin_api: bool = False) -> dict:
    """orderCreate (`admin_api`) and storefront checkouts: validate, claim inventory per the
    inventory behaviour, open fulfillment orders; emits orders/create (and orders/paid when
    paid)."""
    options = options or {}
    if order_in.get("currency") not in (None, shop.currency):
        raise DomainError.single(["order", "currency"], f"Currency must be the shop currency "
                                 f"({shop.currency}).", "INVALID")
    if order_in.get("customerId") and order_in.get("customer"):
        raise DomainError.single(["order", "customerId"], "Only one of customer_id and customer "
                                 "can be provided.", "REDUNDANT_CUSTOMER_FIELDS")
    lines = plan_lines(shop, order_in.get("lineItems") or [])
    for index, shipping in enumerate(order_in.get("shippingLines") or []):
        _shop_money(shop, shipping["priceSet"], ["order", "shippingLines", str(index), "priceSet"])
    customer = order_customer(shop, order_in, unique_phone=admin_api)
    behaviour = options.get("inventoryBehaviour") or "BYPASS"
    claims = []
    if behaviour != "BYPASS":
        obey = behaviour == "DECREMENT_OBEYING_POLICY"
        for line in lines:  # check every line before taking anything
            if line["variant"] and obey:
                _check_available(shop, line["variant"], line["input"]["quantity"])
        claims = [inventory.claim(shop, line["variant"], line["input"]["quantity"], False)
                  if line["variant"] else None for line in lines]
    order = _new_order(shop, order_in, customer, lines, claims)
    fulfillment.open_fulfillment_orders(shop, order)
    if order_in.get("fulfillmentStatus") == "FULFILLED":
        fulfillment.fulfil_everything(shop, order)
    _send_receipts(order, options)
    shop.emit("orders/create", order_payload(shop, order))
    if order["displayFinancialStatus"] == "PAID":
        shop.emit("orders/paid", order_payload(shop, order))
    return order


def _send_receipts(order: dict, options: dict) -> None:
    """What Shopify emails the customer at creation: the order confirmation with sendReceipt,
    the shipping confirmation with sendFulfillmentReceipt when the order is created fulfilled.
    Both default to false. Kept on the order as `_notifications` ({kind, to})."""
    to = order["email"] or order["phone"]
    order["_receipt_options"] = {"sendReceipt": bool(options.get("sendReceipt")),
                                 "sendFulfillmentReceipt":
                                     bool(options.get("sendFulfillmentReceipt"))}
    if not to:
        return
    if options.get("sendReceipt"):
        order["_notifications"].append({"kind": "order_confirmation", "to": to})
    if options.get("sendFulfillmentReceipt") and order["displayFulfillmentStatus"] == "FULFILLED":
        order["_notifications"].append({"kind": "shipping_confirmation", "to": to})


def _check_available(shop, variant, quantity) -> None:
    item = shop.inventory_items[variant["_inventory_item"]]
    if item["tracked"] and variant["inventoryPolicy"] == "DENY" and (
            inventory.total_available(shop, item["id"]) < quantity):
        raise DomainError.single(["order", "lineItems"], f"Not enough inventory for "
                                 f"{variant['sku'] or variant['id']}.", "INVENTORY_CLAIM_FAILED")


def order_customer(shop, order_in: dict, *, unique_phone: bool = False) -> dict | None:
    spec = order_in.get("customer") or {}
    if order_in.get("customerId"):
        spec = {"toAssociate": {"id": order_in["customerId"]}}
    if spec.get("toAssociate"):
        wanted = spec["toAssociate"]
        customer = shop.customers.get(wanted.get("id")) or next(
            (c for c in shop.customers.values() if wanted.get("email")
             and c["email"] == wanted["email"]), None)
        if customer is None:
            raise DomainError.single(["order", "customer", "toAssociate"], "Customer does not "
                                     "exist.", "INVALID")
        return customer
    if spec.get("toUpsert"):
        return upsert_customer(shop, spec["toUpsert"], unique_phone=unique_phone)
    if order_in.get("email") or order_in.get("phone"):
        return upsert_customer(shop, {"email": order_in.get("email"),
                                      "phone": order_in.get("phone")}, unique_phone=unique_phone)
    return None


def _new_order(shop, order_in, customer, lines, claims) -> dict:
    number, order_id = shop.new_id("Order")
    order_number = shop.next_order_number
    shop.next_order_number += 1
    now = shop.now()
    shipping = [{"__typename": "ShippingLine", "id": shop.new_id("ShippingLine")[1],
                 "title": s["title"], "code": s.get("code"), "source": s.get("source"),
                 "_price": money(s["priceSet"]["shopMoney"]["amount"]), "custom": True,
                 "carrierIdentifier": None, "deliveryCategory": None, "phone": None,
                 "isRemoved": False, "taxLines": [], "discountAllocations": [],
                 "shippingRateHandle": None} for s in order_in.get("shippingLines") or []]
    records = [_line_record(shop, order_id, line, claim)
               for line, claim in zip(lines, claims or [None] * len(lines))]
    subtotal = sum((r["_price"] * r["quantity"] for r in records), Decimal(0))
    shipping_total = sum((s["_price"] for s in shipping), Decimal(0))
    tax = sum((money(t["priceSet"]["shopMoney"]["amount"]) for t in order_in.get("taxLines")
               or []), Decimal(0))
    taxes_included = bool(order_in.get("taxesIncluded"))
    code, discount = _fixed_discount(shop, order_in, subtotal)
    total = subtotal - discount + shipping_total + (Decimal(0) if taxes_included else tax)
    received = sum((money(t["amountSet"]["shopMoney"]["amount"])
                    for t in order_in.get("transactions") or []
                    if t.get("kind", "SALE") in PAID_KINDS and
                    t.get("status", "SUCCESS") == "SUCCESS"), Decimal(0))
    status = order_in.get("financialStatus") or _financial_status(received, total, order_in)
    if status == "PAID" and not received:
        received = total
    email = order_in.get("email") or (customer or {}).get("email")
    order = {
        "__typename": "Order", "id": order_id, "_number": number, "number": order_number,
        "name": order_in.get("name") or f"#{order_number}", "email": email,
        "phone": order_in.get("phone") or (customer or {}).get("phone"),
        "note": order_in.get("note"), "tags": list(order_in.get("tags") or []),
        "createdAt": now, "updatedAt": now, "processedAt": order_in.get("processedAt") or now,
        "cancelledAt": None, "cancelReason": None, "cancellation": None, "closedAt": None,
        "closed": False, "confirmed": True, "test": bool(order_in.get("test")),
        "taxesIncluded": taxes_included, "currencyCode": shop.currency,
        "presentmentCurrencyCode": shop.currency, "displayFinancialStatus": status,
        "displayFulfillmentStatus": "UNFULFILLED",
        "shippingAddress": mailing_address(shop, order_in.get("shippingAddress")),
        "billingAddress": mailing_address(shop, order_in.get("billingAddress")),
        "sourceName": order_in.get("sourceName") or "web",
        "sourceIdentifier": order_in.get("sourceIdentifier"), "poNumber": order_in.get("poNumber"),
        "customerLocale": "es", "confirmationNumber": secrets.token_hex(4).upper(),
        "discountCode": code, "discountCodes": [code] if code else [],
        "paymentGatewayNames": list(dict.fromkeys(
            t["gateway"] for t in order_in.get("transactions") or [] if t.get("gateway")))
        or ["manual"],
        "customAttributes": [], "customerAcceptsMarketing": False, "edited": False,
        "clientIp": None, "cartToken": None,
        "checkoutToken": (order_in.get("_checkout") or {}).get("_token"),
        "_checkout_number": (order_in.get("_checkout") or {}).get("_number"),
        "_customer": customer["id"] if customer else None, "_lines": records,
        "_shipping": shipping, "_fulfillment_orders": [], "_fulfillments": [], "_refunds": [],
        "_metafields": {}, "_notifications": [], "_receipt_options": {},
        "_created_clock": shop.store.clock(),
        "_totals": {"subtotal": subtotal, "shipping": shipping_total, "tax": tax,
                    "total": total, "received": received, "refunded": Decimal(0)},
    }
    shop.orders[order_id] = order
    return order


def _fixed_discount(shop, order_in: dict, subtotal: Decimal) -> tuple[str | None, Decimal]:
    """The one discount code orderCreate takes; only a fixed amount off the lines is modelled,
    and other kinds are refused rather than ignored."""
    spec = order_in.get("discountCode")
    if not spec:
        return None, Decimal(0)
    fixed = spec.get("itemFixedDiscountCode")
    if not fixed or len([v for v in spec.values() if v]) != 1:
        raise DomainError.single(["order", "discountCode"], "Only a fixed amount discount code "
                                 "is supported by the local Shopify stand-in.", "INVALID")
    amount = _shop_money(shop, fixed.get("amountSet") or {},
                         ["order", "discountCode", "itemFixedDiscountCode", "amountSet"])
    return fixed["code"], min(amount, subtotal)


def _financial_status(received: Decimal, total: Decimal, order_in: dict) -> str:
    if any(t.get("kind") == "AUTHORIZATION" for t in order_in.get("transactions") or []):
        return "AUTHORIZED"
    if received >= total and received > 0:
        return "PAID"
    return "PARTIALLY_PAID" if received > 0 else "PENDING"


def _line_record(shop, order_id, line, location_id) -> dict:
    line_in, variant = line["input"], line["variant"]
    product = shop.products[variant["_product"]] if variant else None
    number, line_id = shop.new_id("LineItem")
    title = product["title"] if product else line_in["title"]
    variant_title = (variant["title"] if variant else line_in.get("variantTitle"))
    if variant_title == "Default Title":
        variant_title = None
    quantity = line_in["quantity"]
    item = shop.inventory_items[variant["_inventory_item"]] if variant else None
    return {"__typename": "LineItem", "id": line_id, "_number": number, "title": title,
            "name": f"{title} - {variant_title}" if variant_title else title,
            "variantTitle": variant_title, "sku": variant["sku"] if variant else line_in.get("sku"),
            "vendor": product["vendor"] if product else line_in.get("vendor"),
            "quantity": quantity, "currentQuantity": quantity, "unfulfilledQuantity": quantity,
            "refundableQuantity": quantity, "nonFulfillableQuantity": 0,
            "requiresShipping": item["requiresShipping"] if item else bool(
                line_in.get("requiresShipping")),
            "taxable": line_in.get("taxable", True), "isGiftCard": False,
            "merchantEditable": True, "restockable": bool(variant), "customAttributes": [],
            "discountAllocations": [], "duties": [], "_price": line["price"],
            "_variant": variant["id"] if variant else None,
            "_product": product["id"] if product else None,
            "_variant_number": variant["_number"] if variant else None,
            "_product_number": product["_number"] if product else None,
            "_location": location_id, "_fulfillment_status": None, "_order": order_id}
