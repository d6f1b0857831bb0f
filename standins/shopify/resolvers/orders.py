"""Orders, line items, customers, fulfillment orders, fulfillments, refunds and abandoned
checkouts."""
from __future__ import annotations

from decimal import Decimal

from standins.shopify.fulfillment import order_transactions
from standins.shopify.resolvers.common import bag, connection, count, ctx, resolver
from standins.shopify.search import matcher

ORDER_FIELDS = {
    "name": ("exact", lambda o: [o["name"], o["name"].lstrip("#")]),
    "id": ("id", lambda o: o["_number"]), "email": ("exact", lambda o: o["email"]),
    "phone": ("exact", lambda o: o["phone"]), "tag": ("exact", lambda o: o["tags"]),
    "tags": ("exact", lambda o: o["tags"]), "created_at": ("date", lambda o: o["createdAt"]),
    "updated_at": ("date", lambda o: o["updatedAt"]),
    "processed_at": ("date", lambda o: o["processedAt"]),
    "financial_status": ("exact", lambda o: o["displayFinancialStatus"]),
    "fulfillment_status": ("exact", lambda o: _rest_fulfillment(o)),
    "status": ("exact", lambda o: "cancelled" if o["cancelledAt"] else (
        "closed" if o["closed"] else "open")),
    "customer_id": ("id", lambda o: int(o["_customer"].rsplit("/", 1)[1]) if o["_customer"]
                    else 0),
    "sku": ("exact", lambda o: [line["sku"] for line in o["_lines"] if line["sku"]]),
    "test": ("bool", lambda o: o["test"]),
}
ORDER_SORTS = {"CREATED_AT": lambda o: o["createdAt"], "UPDATED_AT": lambda o: o["updatedAt"],
               "PROCESSED_AT": lambda o: o["processedAt"],
               "ORDER_NUMBER": lambda o: o["number"],
               "TOTAL_PRICE": lambda o: int(o["_totals"]["total"] * 100)}
CUSTOMER_FIELDS = {
    "email": ("exact", lambda c: c["email"]), "phone": ("exact", lambda c: c["phone"]),
    "first_name": ("text", lambda c: c["firstName"]),
    "last_name": ("text", lambda c: c["lastName"]), "tag": ("exact", lambda c: c["tags"]),
    "id": ("id", lambda c: c["_number"]), "created_at": ("date", lambda c: c["createdAt"]),
    "updated_at": ("date", lambda c: c["updatedAt"]),
    "state": ("exact", lambda c: c["state"]),
}
CHECKOUT_FIELDS = {"id": ("id", lambda c: c["_number"]),
                   "created_at": ("date", lambda c: c["createdAt"]),
                   "updated_at": ("date", lambda c: c["updatedAt"]),
                   "email": ("exact", lambda c: c["_email"]),
                   "status": ("exact", lambda c: "closed" if c["completedAt"] else "open")}


def _rest_fulfillment(order) -> str:
    return {"FULFILLED": "shipped", "PARTIALLY_FULFILLED": "partial"}.get(
        order["displayFulfillmentStatus"], "unshipped")


def _filtered(info, table, fields, text_fields, query):
    keep = matcher(query, fields, text_fields, ctx(info).search_warnings)
    return [record for record in table.values() if keep(record)]


@resolver("QueryRoot", "orders")
def resolve_orders(_root, info, **args):
    items = _filtered(info, ctx(info).shop.orders, ORDER_FIELDS, ["name", "email", "sku"],
                      args.get("query"))
    sort = ORDER_SORTS.get(args.get("sortKey") or "PROCESSED_AT", lambda o: o["_number"])
    return connection(info, items, args, "Order", sort)


@resolver("QueryRoot", "ordersCount")
def resolve_orders_count(_root, info, query=None, limit=10000, savedSearchId=None):
    items = _filtered(info, ctx(info).shop.orders, ORDER_FIELDS, ["name", "email"], query)
    return count(len(items), limit)


@resolver("QueryRoot", "order")
def resolve_order(_root, info, id):
    return ctx(info).shop.orders.get(id)


@resolver("QueryRoot", "customers")
def resolve_customers(_root, info, **args):
    items = _filtered(info, ctx(info).shop.customers, CUSTOMER_FIELDS,
                      ["email", "phone", "first_name", "last_name"], args.get("query"))
    sort = {"NAME": lambda c: c["displayName"].lower(), "CREATED_AT": lambda c: c["createdAt"],
            "UPDATED_AT": lambda c: c["updatedAt"]}.get(args.get("sortKey"),
                                                        lambda c: c["_number"])
    return connection(info, items, args, "Customer", sort)


@resolver("QueryRoot", "customersCount")
def resolve_customers_count(_root, info, query=None, limit=10000):
    items = _filtered(info, ctx(info).shop.customers, CUSTOMER_FIELDS, ["email", "phone"], query)
    return count(len(items), limit)


@resolver("QueryRoot", "customer")
def resolve_customer(_root, info, id):
    return ctx(info).shop.customers.get(id)


@resolver("QueryRoot", "abandonedCheckouts")
def resolve_checkouts(_root, info, **args):
    items = _filtered(info, ctx(info).shop.checkouts, CHECKOUT_FIELDS, ["email"],
                      args.get("query"))
    sort = {"CREATED_AT": lambda c: c["createdAt"]}.get(args.get("sortKey"),
                                                         lambda c: c["_number"])
    return connection(info, items, args, "AbandonedCheckout", sort)


@resolver("QueryRoot", "abandonedCheckoutsCount")
def resolve_checkouts_count(_root, info, query=None, limit=10000, savedSearchId=None):
    items = _filtered(info, ctx(info).shop.checkouts, CHECKOUT_FIELDS, ["email"], query)
    return count(len(items), limit)


@resolver("QueryRoot", "fulfillmentOrder")
def resolve_fulfillment_order(_root, info, id):
    return ctx(info).shop.fulfillment_orders.get(id)


@resolver("QueryRoot", "fulfillment")
def resolve_fulfillment(_root, info, id):
    return ctx(info).shop.fulfillments.get(id)


@resolver("QueryRoot", "refund")
def resolve_refund(_root, info, id):
    return ctx(info).shop.refunds.get(id)


# -- Order ---------------------------------------------------------------------------------------
ORDER_MONEY = {
    "totalPriceSet": "total", "currentTotalPriceSet": "total", "originalTotalPriceSet": "total",
    "subtotalPriceSet": "subtotal", "currentSubtotalPriceSet": "subtotal",
    "totalShippingPriceSet": "shipping", "currentShippingPriceSet": "shipping",
    "totalTaxSet": "tax", "currentTotalTaxSet": "tax", "totalReceivedSet": "received",
    "totalRefundedSet": "refunded",
}
ORDER_ZERO = ("totalDiscountsSet", "currentTotalDiscountsSet", "cartDiscountAmountSet",
              "currentCartDiscountAmountSet", "totalCapturableSet", "totalTipReceivedSet",
              "totalRefundedShippingSet", "refundDiscrepancySet")


def _order_money(order, info):
    return bag(info, order["_totals"][ORDER_MONEY[info.field_name]])


for _name in ORDER_MONEY:
    resolver("Order", _name)(_order_money)
for _name in ORDER_ZERO:
    resolver("Order", _name)(lambda _order, info: bag(info, Decimal(0)))


@resolver("Order", "totalOutstandingSet")
def resolve_outstanding(order, info):
    totals = order["_totals"]
    outstanding = Decimal(0) if order["cancelledAt"] else totals["total"] - totals["received"]
    return bag(info, max(outstanding, Decimal(0)))


@resolver("Order", "netPaymentSet")
def resolve_net_payment(order, info):
    return bag(info, order["_totals"]["received"] - order["_totals"]["refunded"])


@resolver("Order", "fullyPaid")
def resolve_fully_paid(order, _info):
    return order["_totals"]["received"] >= order["_totals"]["total"]


@resolver("Order", "unpaid")
def resolve_unpaid(order, _info):
    return order["_totals"]["received"] == 0


@resolver("Order", "fulfillable")
def resolve_fulfillable(order, _info):
    return not order["cancelledAt"] and any(line["unfulfilledQuantity"] for line in order["_lines"])


@resolver("Order", "requiresShipping")
def resolve_requires_shipping(order, _info):
    return any(line["requiresShipping"] for line in order["_lines"])


@resolver("Order", "subtotalLineItemsQuantity", "currentSubtotalLineItemsQuantity")
def resolve_quantity(order, info):
    key = "currentQuantity" if info.field_name.startswith("current") else "quantity"
    return sum(line[key] for line in order["_lines"])


@resolver("Order", "customer")
def resolve_order_customer(order, info):
    return ctx(info).shop.customers.get(order["_customer"])


@resolver("Order", "displayAddress")
def resolve_display_address(order, _info):
    return order["shippingAddress"] or order["billingAddress"]


@resolver("Order", "lineItems")
def resolve_line_items(order, info, **args):
    return connection(info, order["_lines"], args, "LineItem")


@resolver("Order", "shippingLines")
def resolve_shipping_lines(order, info, **args):
    lines = [{**s, "_number": index} for index, s in enumerate(order["_shipping"])]
    return connection(info, lines, args, "ShippingLine")


@resolver("Order", "shippingLine")
def resolve_shipping_line(order, _info):
    return order["_shipping"][0] if order["_shipping"] else None


@resolver("Order", "fulfillmentOrders")
def resolve_order_fulfillment_orders(order, info, **args):
    shop = ctx(info).shop
    orders = [shop.fulfillment_orders[f] for f in order["_fulfillment_orders"]]
    keep = matcher(args.get("query"), {"status": ("exact", lambda fo: fo["status"]),
                                       "assigned_location_id": ("id", lambda fo: int(
                                           fo["_location"].rsplit("/", 1)[1]))},
                   [], ctx(info).search_warnings)
    return connection(info, [fo for fo in orders if keep(fo)], args, "FulfillmentOrder")


@resolver("Order", "fulfillments")
def resolve_order_fulfillments(order, info, first=None, query=None):
    records = [ctx(info).shop.fulfillments[f] for f in order["_fulfillments"]]
    return records[:first] if first is not None else records


@resolver("Order", "fulfillmentsCount")
def resolve_fulfillments_count(order, _info):
    return count(len(order["_fulfillments"]))


@resolver("Order", "refunds")
def resolve_order_refunds(order, info, first=None):
    records = [ctx(info).shop.refunds[r] for r in order["_refunds"]]
    return records[:first] if first is not None else records


@resolver("Order", "statusPageUrl")
def resolve_status_page(order, info, **_args):
    return f"https://{ctx(info).shop.domain}/orders/{order['confirmationNumber'].lower()}"


# -- line items -----------------------------------------------------------------------------------
def _unit(line, info):
    return bag(info, line["_price"])


for _name in ("originalUnitPriceSet", "discountedUnitPriceSet",
              "discountedUnitPriceAfterAllDiscountsSet"):
    resolver("LineItem", _name)(_unit)


@resolver("LineItem", "originalTotalSet", "discountedTotalSet", "unfulfilledOriginalTotalSet",
          "unfulfilledDiscountedTotalSet", "priceAfterAllDiscountsBeforeTaxesSet")
def resolve_line_total(line, info, **_args):
    quantity = line["unfulfilledQuantity"] if info.field_name.startswith("unfulfilled") \
        else line["quantity"]
    return bag(info, line["_price"] * quantity)


@resolver("LineItem", "totalDiscountSet")
def resolve_line_discount(_line, info):
    return bag(info, Decimal(0))


@resolver("LineItem", "variant")
def resolve_line_variant(line, info):
    return ctx(info).shop.variants.get(line["_variant"])


@resolver("LineItem", "product")
def resolve_line_product(line, info):
    return ctx(info).shop.products.get(line["_product"])


@resolver("LineItem", "image", "fulfillmentStatus")
def resolve_line_image(line, info, **_args):
    if info.field_name == "fulfillmentStatus":
        return line["_fulfillment_status"] or "unfulfilled"
    product = ctx(info).shop.products.get(line["_product"])
    return product["_media"][0]["image"] if product and product["_media"] else None


@resolver("LineItem", "fulfillableQuantity")
def resolve_fulfillable_quantity(line, _info):
    return line["unfulfilledQuantity"]


@resolver("ShippingLine", "originalPriceSet", "discountedPriceSet", "currentDiscountedPriceSet")
def resolve_shipping_price(shipping, info):
    return bag(info, shipping["_price"])


@resolver("ShippingLine", "price")
def resolve_shipping_price_legacy(shipping, _info):
    return shipping["_price"]


@resolver("Order", "transactions")
def resolve_order_transactions(order, info, first=None, **_args):
    records = order_transactions(ctx(info).shop, order)
    return records[:first] if first is not None else records


@resolver("OrderTransaction", "amountSet")
def resolve_transaction_amount(transaction, info):
    return bag(info, transaction["_amount"])


@resolver("OrderTransaction", "parentTransaction")
def resolve_transaction_parent(transaction, info):
    number = transaction.get("_parent_number")
    order_records = ctx(info).shop.orders.values()
    return next((t for o in order_records for t in o.get("_transactions") or []
                 if t["_number"] == number), None) if number else None
