"""Fulfillment orders, fulfillments, refunds, customers and abandoned checkouts."""
from __future__ import annotations

from decimal import Decimal

from standins.shopify.resolvers.common import bag, connection, ctx, resolver, v2

FO_ACTIONS = {"OPEN": ["CREATE_FULFILLMENT", "HOLD", "MOVE", "REQUEST_FULFILLMENT", "SPLIT"],
              "IN_PROGRESS": ["CREATE_FULFILLMENT", "HOLD", "MOVE", "SPLIT"]}


@resolver("FulfillmentOrder", "order")
def resolve_fo_order(fo, info):
    return ctx(info).shop.orders[fo["_order"]]


@resolver("FulfillmentOrder", "lineItems")
def resolve_fo_lines(fo, info, **args):
    return connection(info, fo["_lines"], args, "FulfillmentOrderLineItem")


@resolver("FulfillmentOrder", "fulfillments")
def resolve_fo_fulfillments(fo, info, **args):
    shop = ctx(info).shop
    records = [f for f in shop.fulfillments.values() if fo["id"] in f["_fulfillment_orders"]]
    return connection(info, records, args, "Fulfillment")


@resolver("FulfillmentOrder", "supportedActions")
def resolve_fo_actions(fo, _info):
    return [{"__typename": "FulfillmentOrderSupportedAction", "action": action,
             "externalUrl": None} for action in FO_ACTIONS.get(fo["status"], [])]


@resolver("FulfillmentOrder", "deliveryMethod")
def resolve_fo_delivery(fo, _info):
    return {"__typename": "DeliveryMethod", "id": fo["id"].replace("FulfillmentOrder",
                                                                   "DeliveryMethod"),
            "methodType": "SHIPPING", "minDeliveryDateTime": None, "maxDeliveryDateTime": None,
            "presentedName": "Envío estándar", "serviceCode": None, "sourceReference": None}


@resolver("FulfillmentOrderAssignedLocation", "location")
def resolve_assigned_location(assigned, info):
    return ctx(info).shop.locations.get(assigned["_location"])


@resolver("FulfillmentOrderLineItem", "lineItem")
def resolve_fo_line_item(fo_line, _info):
    return fo_line["_line"]


@resolver("FulfillmentOrderLineItem", "variant")
def resolve_fo_line_variant(fo_line, info):
    return ctx(info).shop.variants.get(fo_line["_line"]["_variant"])


@resolver("FulfillmentOrderLineItem", "image")
def resolve_fo_line_image(fo_line, info):
    product = ctx(info).shop.products.get(fo_line["_line"]["_product"])
    return product["_media"][0]["image"] if product and product["_media"] else None


@resolver("FulfillmentOrderLineItem", "originalUnitPriceSet")
def resolve_fo_line_price(fo_line, info):
    return bag(info, fo_line["_line"]["_price"])


@resolver("Fulfillment", "order")
def resolve_fulfillment_order_of(fulfillment, info):
    return ctx(info).shop.orders[fulfillment["_order"]]


@resolver("Fulfillment", "location")
def resolve_fulfillment_location(fulfillment, info):
    return ctx(info).shop.locations.get(fulfillment["_location"])


@resolver("Fulfillment", "trackingInfo")
def resolve_tracking(fulfillment, _info, first=None):
    tracking = fulfillment["_tracking"]
    return tracking[:first] if first is not None else tracking


@resolver("Fulfillment", "fulfillmentLineItems")
def resolve_fulfillment_lines(fulfillment, info, **args):
    lines = [{**entry, "_number": index} for index, entry in enumerate(fulfillment["_lines"])]
    return connection(info, lines, args, "FulfillmentLineItem")


@resolver("Fulfillment", "fulfillmentOrders")
def resolve_fulfillment_fos(fulfillment, info, **args):
    shop = ctx(info).shop
    orders = [shop.fulfillment_orders[f] for f in fulfillment["_fulfillment_orders"]]
    return connection(info, orders, args, "FulfillmentOrder")


@resolver("FulfillmentLineItem", "lineItem")
def resolve_fulfillment_line_item(entry, _info):
    return entry["_line"]


@resolver("FulfillmentLineItem", "originalTotalSet", "discountedTotalSet")
def resolve_fulfillment_line_total(entry, info):
    return bag(info, entry["_line"]["_price"] * entry["quantity"])


@resolver("Refund", "order")
def resolve_refund_order(refund, info):
    return ctx(info).shop.orders[refund["_order"]]


@resolver("Refund", "totalRefundedSet")
def resolve_refund_total(refund, info):
    return bag(info, refund["_amount"])


@resolver("Refund", "totalRefunded")
def resolve_refund_total_legacy(refund, info):
    return v2(info, refund["_amount"])


@resolver("Refund", "refundLineItems")
def resolve_refund_lines(refund, info, **args):
    lines = [{**entry, "_number": index} for index, entry in enumerate(refund["_lines"])]
    return connection(info, lines, args, "RefundLineItem")


@resolver("RefundLineItem", "lineItem")
def resolve_refund_line_item(entry, _info):
    return entry["_line"]


@resolver("RefundLineItem", "location")
def resolve_refund_line_location(entry, info):
    return ctx(info).shop.locations.get(entry["_location"])


@resolver("RefundLineItem", "priceSet")
def resolve_refund_line_price(entry, info):
    return bag(info, entry["_price"])


@resolver("RefundLineItem", "subtotalSet")
def resolve_refund_line_subtotal(entry, info):
    return bag(info, entry["_price"] * entry["quantity"])


@resolver("RefundLineItem", "totalTaxSet")
def resolve_refund_line_tax(_entry, info):
    return bag(info, Decimal(0))


# -- customers ------------------------------------------------------------------------------------
def _customer_orders(customer, info):
    return [o for o in ctx(info).shop.orders.values() if o["_customer"] == customer["id"]]


@resolver("Customer", "orders")
def resolve_customer_orders(customer, info, **args):
    return connection(info, _customer_orders(customer, info), args, "Order")


@resolver("Customer", "numberOfOrders")
def resolve_number_of_orders(customer, info):
    return len(_customer_orders(customer, info))


@resolver("Customer", "amountSpent")
def resolve_amount_spent(customer, info):
    spent = sum((o["_totals"]["received"] - o["_totals"]["refunded"]
                 for o in _customer_orders(customer, info)), Decimal(0))
    return v2(info, spent)


@resolver("Customer", "lastOrder")
def resolve_last_order(customer, info):
    orders = _customer_orders(customer, info)
    return max(orders, key=lambda o: o["_number"]) if orders else None


@resolver("Customer", "addresses")
def resolve_addresses(customer, _info, first=None):
    return customer["_addresses"][:first] if first is not None else customer["_addresses"]


@resolver("Customer", "addressesV2")
def resolve_addresses_v2(customer, info, **args):
    addresses = [{**a, "_number": index} for index, a in enumerate(customer["_addresses"])]
    return connection(info, addresses, args, "MailingAddress")


@resolver("Customer", "defaultEmailAddress")
def resolve_default_email(customer, _info):
    if not customer["email"]:
        return None
    return {"__typename": "CustomerEmailAddress", "emailAddress": customer["email"],
            "marketingState": "NOT_SUBSCRIBED", "marketingOptInLevel": None,
            "marketingUpdatedAt": None, "validFormat": True, "sourceLocation": None}


@resolver("Customer", "defaultPhoneNumber")
def resolve_default_phone(customer, _info):
    if not customer["phone"]:
        return None
    return {"__typename": "CustomerPhoneNumber", "phoneNumber": customer["phone"],
            "marketingState": "NOT_SUBSCRIBED", "marketingOptInLevel": None,
            "marketingUpdatedAt": None, "marketingCollectedFrom": None, "sourceLocation": None}


@resolver("Customer", "canDelete")
def resolve_can_delete(customer, info):
    return not _customer_orders(customer, info)


# -- abandoned checkouts -------------------------------------------------------------------------
@resolver("AbandonedCheckout", "customer")
def resolve_checkout_customer(checkout, info):
    return ctx(info).shop.customers.get(checkout["_customer"])


@resolver("AbandonedCheckout", "lineItems")
def resolve_checkout_lines(checkout, info, **args):
    return connection(info, checkout["_lines"], args, "AbandonedCheckoutLineItem")


@resolver("AbandonedCheckout", "lineItemsQuantity")
def resolve_checkout_quantity(checkout, _info):
    return sum(line["quantity"] for line in checkout["_lines"])


@resolver("AbandonedCheckout", "subtotalPriceSet", "totalPriceSet", "totalLineItemsPriceSet")
def resolve_checkout_money(checkout, info):
    key = "subtotal" if info.field_name == "subtotalPriceSet" else "total"
    return bag(info, checkout["_totals"][key])


@resolver("AbandonedCheckout", "totalDiscountSet", "totalTaxSet", "totalDutiesSet")
def resolve_checkout_zero(_checkout, info):
    return bag(info, Decimal(0))


@resolver("AbandonedCheckout", "defaultCursor")
def resolve_checkout_cursor(checkout, _info):
    return str(checkout["_number"])


@resolver("AbandonedCheckoutLineItem", "variant")
def resolve_checkout_line_variant(line, info):
    return ctx(info).shop.variants.get(line["_variant"])


@resolver("AbandonedCheckoutLineItem", "product")
def resolve_checkout_line_product(line, info):
    return ctx(info).shop.products.get(line["_product"])


@resolver("AbandonedCheckoutLineItem", "originalUnitPriceSet", "discountedUnitPriceSet",
          "discountedUnitPriceWithCodeDiscount")
def resolve_checkout_line_unit(line, info):
    return bag(info, line["_price"])


@resolver("AbandonedCheckoutLineItem", "originalTotalPriceSet", "discountedTotalPriceSet",
          "discountedTotalPriceWithCodeDiscount")
def resolve_checkout_line_total(line, info):
    return bag(info, line["_price"] * line["quantity"])


@resolver("Fulfillment", "events")
def resolve_fulfillment_events(fulfillment, info, **args):
    return connection(info, fulfillment.get("_events", []), args, "FulfillmentEvent")
