"""What happens to an order after it is placed: fulfillment orders per location, fulfillments
with tracking, cancellation (asynchronous job) and refunds with restocking."""
from __future__ import annotations

from decimal import Decimal

from standins.shopify import inventory
from standins.shopify.payloads import fulfillment_payload, order_payload, refund_payload
from standins.shopify.records import DomainError, money

OPEN_STATUSES = ("OPEN", "IN_PROGRESS")


def open_fulfillment_orders(shop, order: dict) -> None:
    """One fulfillment order per location for the lines that need shipping."""
    by_location: dict[str, list[dict]] = {}
    for line in order["_lines"]:
        if not line["requiresShipping"]:
            continue
        location = line["_location"] or (shop.primary_location() or {}).get("id")
        by_location.setdefault(location, []).append(line)
    for location_id, lines in by_location.items():
        number, fo_id = shop.new_id("FulfillmentOrder")
        now = shop.now()
        location = shop.locations.get(location_id) or {}
        address = location.get("address") or {}
        destination = order["shippingAddress"] or {}
        fo = {"__typename": "FulfillmentOrder", "id": fo_id, "_number": number,
              "status": "OPEN", "requestStatus": "UNSUBMITTED", "createdAt": now,
              "updatedAt": now, "fulfillAt": now, "fulfillBy": None, "channelId": None,
              "_order": order["id"], "orderId": order["id"], "orderName": order["name"],
              "orderProcessedAt": order["processedAt"], "_location": location_id,
              "fulfillmentHolds": [], "internationalDuties": None,
              "assignedLocation": {"__typename": "FulfillmentOrderAssignedLocation",
                                   "name": location.get("name", ""), "_location": location_id,
                                   "address1": address.get("address1"), "address2": None,
                                   "city": address.get("city"), "province": address.get("province"),
                                   "zip": address.get("zip"), "phone": address.get("phone"),
                                   "countryCode": address.get("countryCode") or "CO"},
              "destination": {"__typename": "FulfillmentOrderDestination",
                              "id": shop.new_id("FulfillmentOrderDestination")[1],
                              "address1": destination.get("address1"),
                              "address2": destination.get("address2"),
                              "city": destination.get("city"),
                              "province": destination.get("province"),
                              "zip": destination.get("zip"), "company": destination.get("company"),
                              "countryCode": destination.get("countryCodeV2"),
                              "email": order["email"], "phone": destination.get("phone"),
                              "firstName": destination.get("firstName"),
                              "lastName": destination.get("lastName"), "location": None},
              "_lines": [_fo_line(shop, line) for line in lines]}
        shop.fulfillment_orders[fo_id] = fo
        order["_fulfillment_orders"].append(fo_id)


def _fo_line(shop, line: dict) -> dict:
    number, line_id = shop.new_id("FulfillmentOrderLineItem")
    variant = shop.variants.get(line["_variant"])
    return {"__typename": "FulfillmentOrderLineItem", "id": line_id, "_number": number,
            "totalQuantity": line["quantity"], "remainingQuantity": line["quantity"],
            "sku": line["sku"], "productTitle": line["title"], "variantTitle": line["variantTitle"],
            "vendor": line["vendor"], "requiresShipping": line["requiresShipping"],
            "inventoryItemId": variant["_inventory_item"] if variant else None,
            "warnings": [], "financialSummaries": [], "weight": None, "_line": line}


def fulfil_everything(shop, order: dict) -> None:
    groups = [{"fulfillmentOrderId": fo_id} for fo_id in order["_fulfillment_orders"]]
    if groups:
        create_fulfillment(shop, {"lineItemsByFulfillmentOrder": groups})


def create_fulfillment(shop, data: dict, message: str | None = None) -> dict:
    """fulfillmentCreate: all requested lines are checked before anything changes."""
    groups = data.get("lineItemsByFulfillmentOrder") or []
    if not groups:
        raise DomainError.single(["fulfillment"], "Line items by fulfillment order can't be "
                                 "blank.")
    work, orders = [], set()
    for index, group in enumerate(groups):
        path = ["fulfillment", "lineItemsByFulfillmentOrder", str(index)]
        fo = shop.fulfillment_orders.get(group["fulfillmentOrderId"])
        if fo is None:
            raise DomainError.single(path + ["fulfillmentOrderId"], "Fulfillment order does "
                                     "not exist.")
        if fo["status"] not in OPEN_STATUSES:
            raise DomainError.single(path + ["fulfillmentOrderId"], f"Fulfillment order "
                                     f"{fo['_number']} has an unfulfillable status= "
                                     f"{fo['status'].lower()}.")
        orders.add(fo["_order"])
        work += _requested_lines(fo, group.get("fulfillmentOrderLineItems"), path)
    if len(orders) > 1:
        raise DomainError.single(["fulfillment"], "All fulfillment orders must belong to the "
                                 "same order.")
    # FulfillmentInput.lineItemsByFulfillmentOrder (Admin API docs): one fulfillment ships from
    # one place, so its fulfillment orders must share their assigned location.
    locations = {shop.fulfillment_orders[g["fulfillmentOrderId"]]["_location"] for g in groups}
    if len(locations) > 1:
        raise DomainError.single(["fulfillment"], "All fulfillment orders must be assigned to "
                                 "the same location.")
    order = shop.orders[orders.pop()]
    return _record_fulfillment(shop, order, work, data.get("trackingInfo") or {})


def _requested_lines(fo, items, path) -> list[tuple[dict, dict, int]]:
    if not items:
        return [(fo, line, line["remainingQuantity"]) for line in fo["_lines"]
                if line["remainingQuantity"] > 0]
    lines = {line["id"]: line for line in fo["_lines"]}
    result = []
    for index, item in enumerate(items):
        line = lines.get(item["id"])
        item_path = path + ["fulfillmentOrderLineItems", str(index)]
        if line is None:
            raise DomainError.single(item_path + ["id"], "Fulfillment order line item does not "
                                     "belong to the fulfillment order.")
        if not 0 < item["quantity"] <= line["remainingQuantity"]:
            raise DomainError.single(item_path + ["quantity"], "Invalid fulfillment order line "
                                     "item quantity requested.")
        result.append((fo, line, item["quantity"]))
    return result


def _tracking(info: dict) -> list[dict]:
    numbers = info.get("numbers") or ([info["number"]] if info.get("number") else [])
    urls = info.get("urls") or ([info["url"]] if info.get("url") else [])
    count = max(len(numbers), len(urls), 1 if info.get("company") else 0)
    return [{"__typename": "FulfillmentTrackingInfo", "company": info.get("company"),
             "number": numbers[i] if i < len(numbers) else None,
             "url": urls[i] if i < len(urls) else None} for i in range(count)]


def _record_fulfillment(shop, order, work, tracking_info) -> dict:
    number, fulfillment_id = shop.new_id("Fulfillment")
    now = shop.now()
    entries = []
    for fo, fo_line, quantity in work:
        line = fo_line["_line"]
        fo_line["remainingQuantity"] -= quantity
        line["unfulfilledQuantity"] -= quantity
        if line["_location"] and line["_variant"] in shop.variants:
            item_id = shop.variants[line["_variant"]]["_inventory_item"]
            inventory.ship(shop, item_id, line["_location"], quantity)
        line["_fulfillment_status"] = "fulfilled" if line["unfulfilledQuantity"] == 0 else "partial"
        entries.append({"__typename": "FulfillmentLineItem",
                        "id": shop.new_id("FulfillmentLineItem")[1], "quantity": quantity,
                        "_line": line, "_line_number": line["_number"]})
        fo["status"] = "CLOSED" if all(x["remainingQuantity"] == 0 for x in fo["_lines"]) \
            else "IN_PROGRESS"
        fo["updatedAt"] = now
    fulfillment = {"__typename": "Fulfillment", "id": fulfillment_id, "_number": number,
                   "name": f"{order['name']}.{len(order['_fulfillments']) + 1}",
                   "status": "SUCCESS", "displayStatus": "FULFILLED", "createdAt": now,
                   "updatedAt": now, "deliveredAt": None, "inTransitAt": None,
                   "estimatedDeliveryAt": None, "requiresShipping": True, "originAddress": None,
                   "service": None, "_order": order["id"], "_location": work[0][0]["_location"],
                   "_tracking": _tracking(tracking_info), "_lines": entries,
                   "_fulfillment_orders": list(dict.fromkeys(fo["id"] for fo, _l, _q in work)),
                   "totalQuantity": sum(q for _fo, _l, q in work)}
    shop.fulfillments[fulfillment_id] = fulfillment
    order["_fulfillments"].append(fulfillment_id)
    done = all(line["unfulfilledQuantity"] == 0 for line in order["_lines"]
               if line["requiresShipping"])
    order["displayFulfillmentStatus"] = "FULFILLED" if done else "PARTIALLY_FULFILLED"
    order["updatedAt"] = now
    shop.emit("fulfillments/create", fulfillment_payload(shop, fulfillment))
    shop.emit("orders/updated", order_payload(shop, order))
    shop.emit("orders/fulfilled" if done else "orders/partially_fulfilled",
              order_payload(shop, order))
    return fulfillment


def cancel_order(shop, order_id: str, *, reason: str, restock: bool, refund: bool,
                 staff_note: str | None = None) -> dict:
    """orderCancel: returns the (already finished) job."""
    order = shop.orders.get(order_id)
    if order is None:
        raise DomainError.single(["orderId"], "Order does not exist.", "NOT_FOUND")
    if order["cancelledAt"]:
        raise DomainError.single(["orderId"], "Order has already been cancelled.", "INVALID")
    if order["_fulfillments"]:
        raise DomainError.single(["orderId"], "Orders with fulfillments can't be cancelled; "
                                 "cancel the fulfillments first.", "INVALID")
    now = shop.now()
    for line in order["_lines"]:
        if line["_location"] and line["_variant"] in shop.variants and line["unfulfilledQuantity"]:
            item_id = shop.variants[line["_variant"]]["_inventory_item"]
            inventory.release(shop, item_id, line["_location"], line["unfulfilledQuantity"],
                              restock)
        line["currentQuantity"] = line["refundableQuantity"] = 0
        line["unfulfilledQuantity"] = 0
    for fo_id in order["_fulfillment_orders"]:
        fo = shop.fulfillment_orders[fo_id]
        fo.update(status="CLOSED", updatedAt=now)
        for fo_line in fo["_lines"]:
            fo_line["remainingQuantity"] = 0
    totals = order["_totals"]
    if refund and totals["received"] > totals["refunded"]:
        totals["refunded"] = totals["received"]
        order["displayFinancialStatus"] = "REFUNDED"
    elif order["displayFinancialStatus"] in ("PENDING", "AUTHORIZED"):
        order["displayFinancialStatus"] = "VOIDED"
    order.update(cancelledAt=now, cancelReason=reason, closed=True, closedAt=now,
                 updatedAt=now, cancellation={"__typename": "OrderCancellation",
                                              "staffNote": staff_note})
    if restock:
        order["displayFulfillmentStatus"] = "RESTOCKED"
    job_number, job_id = shop.new_id("Job")
    job = {"__typename": "Job", "id": job_id, "done": True, "query": {}}
    shop.jobs[job_id] = job
    shop.emit("orders/cancelled", order_payload(shop, order))
    shop.emit("orders/updated", order_payload(shop, order))
    return {"job": job, "order": order, "number": job_number}


def order_transactions(shop, order: dict) -> list[dict]:
    """The order's transactions: the SALE of what the order received (made when first read),
    then one REFUND per refund that moved money."""
    if "_transactions" not in order:
        order["_transactions"] = []
        received = order["_totals"]["received"]
        if received:
            number, transaction_id = shop.new_id("OrderTransaction")
            order["_transactions"].append({
                "__typename": "OrderTransaction", "id": transaction_id, "_number": number,
                "kind": "SALE", "status": "SUCCESS", "gateway": order["paymentGatewayNames"][0],
                "_amount": received, "createdAt": order["processedAt"], "test": order["test"],
                "_parent_number": None})
    return order["_transactions"]


def create_refund(shop, data: dict) -> dict:
    """refundCreate: line quantities, restocking and money moved by the given transactions.
    Refused as Shopify refuses: an unknown line, more items than are left to refund, more money
    than the order received less what was refunded; and (refundCreate docs, OrderTransactionInput:
    a refund returns money of a payment of this order) a transaction that is not a REFUND of
    this order through one of its gateways, or whose parent is not one of its payments."""
    order = shop.orders.get(data["orderId"])
    if order is None:
        raise DomainError.single(["orderId"], "Order does not exist.")
    lines = {line["id"]: line for line in order["_lines"]}
    planned = []
    for index, entry in enumerate(data.get("refundLineItems") or []):
        path = ["refundLineItems", str(index)]
        line = lines.get(entry["lineItemId"])
        if line is None:
            raise DomainError.single(path + ["lineItemId"], "Line item does not belong to the "
                                     "order.")
        if not 0 < entry["quantity"] <= line["refundableQuantity"]:
            raise DomainError.single(path + ["quantity"], "Quantity cannot refund more items "
                                     "than were purchased.")
        planned.append((line, entry))
    transactions = _refund_transactions(shop, order, data.get("transactions") or [])
    amount = sum((t["_amount"] for t in transactions), Decimal(0))
    shipping = data.get("shipping") or {}
    if shipping.get("fullRefund"):
        amount += order["_totals"]["shipping"]
    elif shipping.get("amount") is not None:
        amount += money(shipping["amount"])
    if not planned and not amount:
        # Evidence is thin on Shopify's wording; a refund that refunds nothing is refused.
        raise DomainError.single(["refundLineItems"], "A refund needs line items, shipping or "
                                 "transactions.")
    totals = order["_totals"]
    if amount > totals["received"] - totals["refunded"] and not data.get("allowOverRefunding"):
        raise DomainError.single(["transactions"], "Refund amount exceeds the refundable amount "
                                 f"({totals['received'] - totals['refunded']}).")
    return _record_refund(shop, order, planned, amount, data, transactions)


def _refund_transactions(shop, order: dict, given: list[dict]) -> list[dict]:
    payments = {t["id"]: t for t in order_transactions(shop, order)
                if t["kind"] in ("SALE", "CAPTURE")}
    planned = []
    for index, entry in enumerate(given):
        path = ["transactions", str(index)]
        if entry.get("orderId") != order["id"]:
            raise DomainError.single(path + ["orderId"], "Transaction does not belong to the "
                                     "order.")
        if entry.get("kind") != "REFUND":
            raise DomainError.single(path + ["kind"], "Only refund transactions can be part of "
                                     "a refund.")
        if entry.get("gateway") not in order["paymentGatewayNames"]:
            raise DomainError.single(path + ["gateway"], "Gateway is not one the order was paid "
                                     "with.")
        parent = entry.get("parentId")
        if parent is not None and parent not in payments:
            raise DomainError.single(path + ["parentId"], "Parent transaction does not exist.")
        amount = money(entry["amount"])
        if amount <= 0:
            raise DomainError.single(path + ["amount"], "Amount must be greater than 0.")
        planned.append({"gateway": entry["gateway"], "_amount": amount,
                        "_parent_number": payments[parent]["_number"] if parent else None})
    return planned


def _record_refund(shop, order, planned, amount, data, transactions=()) -> dict:
    number, refund_id = shop.new_id("Refund")
    now = shop.now()
    entries = []
    for line, entry in planned:
        restock_type = entry.get("restockType") or "NO_RESTOCK"
        from_unfulfilled = min(entry["quantity"], line["unfulfilledQuantity"])
        location = entry.get("locationId") or line["_location"]
        _restock(shop, line, restock_type, location, entry["quantity"], from_unfulfilled)
        line["refundableQuantity"] -= entry["quantity"]
        line["currentQuantity"] -= entry["quantity"]
        line["unfulfilledQuantity"] -= from_unfulfilled
        for fo_id in order["_fulfillment_orders"]:
            for fo_line in shop.fulfillment_orders[fo_id]["_lines"]:
                if fo_line["_line"] is line:
                    fo_line["remainingQuantity"] = line["unfulfilledQuantity"]
        entries.append({"__typename": "RefundLineItem", "id": shop.new_id("RefundLineItem")[1],
                        "quantity": entry["quantity"], "restockType": restock_type,
                        "restocked": restock_type in ("CANCEL", "RETURN", "LEGACY_RESTOCK"),
                        "_line": line, "_line_number": line["_number"], "_location": location,
                        "_price": line["_price"]})
    recorded = []
    for transaction in transactions:
        t_number, t_id = shop.new_id("OrderTransaction")
        recorded.append({"__typename": "OrderTransaction", "id": t_id, "_number": t_number,
                         "kind": "REFUND", "status": "SUCCESS", "createdAt": now,
                         "test": order["test"], **transaction})
    order_transactions(shop, order).extend(recorded)
    refund = {"__typename": "Refund", "id": refund_id, "_number": number, "createdAt": now,
              "updatedAt": now, "processedAt": data.get("processedAt") or now,
              "note": data.get("note"), "duties": [], "staffMember": None, "return": None,
              "_order": order["id"], "_lines": entries, "_amount": amount,
              "_transactions": recorded}
    shop.refunds[refund_id] = refund
    order["_refunds"].append(refund_id)
    totals = order["_totals"]
    totals["refunded"] += amount
    if amount:
        order["displayFinancialStatus"] = (
            "REFUNDED" if totals["refunded"] >= totals["received"] else "PARTIALLY_REFUNDED")
    order["updatedAt"] = now
    shop.emit("refunds/create", refund_payload(shop, refund))
    shop.emit("orders/updated", order_payload(shop, order))
    return refund


def _restock(shop, line, restock_type, location, quantity, from_unfulfilled) -> None:
    variant = shop.variants.get(line["_variant"])
    if variant is None or location is None or location not in shop.locations:
        return
    item_id = variant["_inventory_item"]
    if line["_location"] and from_unfulfilled:
        inventory.release(shop, item_id, line["_location"], from_unfulfilled,
                          restock_type in ("CANCEL", "LEGACY_RESTOCK"))
    shipped = quantity - from_unfulfilled
    if shipped and restock_type in ("RETURN", "LEGACY_RESTOCK"):
        inventory.restock_returned(shop, item_id, location, shipped)


def checkout_line(shop, line: dict) -> dict:
    variant = line["variant"]
    product = shop.products[variant["_product"]]
    variant_title = None if variant["title"] == "Default Title" else variant["title"]
    number, line_id = shop.new_id("AbandonedCheckoutLineItem")
    return {"__typename": "AbandonedCheckoutLineItem", "id": line_id, "_number": number,
            "title": product["title"],
            "variantTitle": variant_title, "sku": variant["sku"],
            "quantity": line["input"]["quantity"], "customAttributes": [], "components": None,
            "parentRelationship": None, "_price": line["price"], "_variant": variant["id"],
            "_product": product["id"], "_variant_number": variant["_number"],
            "_product_number": product["_number"]}


def _fulfillment(shop, fulfillment_id: str, field: list[str]) -> dict:
    fulfillment = shop.fulfillments.get(fulfillment_id)
    if fulfillment is None:
        raise DomainError.single(field, "Fulfillment does not exist.")
    if fulfillment["status"] == "CANCELLED":
        raise DomainError.single(field, "Cancelled fulfillments can't be updated.")
    return fulfillment


def update_tracking(shop, fulfillment_id: str, tracking_input: dict,
                    notify_customer: bool = False) -> dict:
    """fulfillmentTrackingInfoUpdate: the tracking of a fulfillment replaced as given."""
    fulfillment = _fulfillment(shop, fulfillment_id, ["fulfillmentId"])
    if not (tracking_input.get("number") or tracking_input.get("numbers")
            or tracking_input.get("url") or tracking_input.get("urls")
            or tracking_input.get("company")):
        raise DomainError.single(["trackingInfoInput"], "Tracking information can't be blank.")
    fulfillment["_tracking"] = _tracking(tracking_input)
    fulfillment["updatedAt"] = shop.now()
    fulfillment["_notified"] = fulfillment.get("_notified", 0) + (1 if notify_customer else 0)
    shop.emit("fulfillments/update", fulfillment_payload(shop, fulfillment))
    return fulfillment


EVENT_DISPLAY = {"DELIVERED": "DELIVERED", "FAILURE": "FAILURE", "IN_TRANSIT": "IN_TRANSIT",
                 "OUT_FOR_DELIVERY": "OUT_FOR_DELIVERY", "ATTEMPTED_DELIVERY":
                 "ATTEMPTED_DELIVERY", "CARRIER_PICKED_UP": "CARRIER_PICKED_UP",
                 "READY_FOR_PICKUP": "READY_FOR_PICKUP", "CONFIRMED": "CONFIRMED",
                 "LABEL_PRINTED": "LABEL_PRINTED", "LABEL_PURCHASED": "LABEL_PURCHASED",
                 "DELAYED": "DELAYED"}


def create_event(shop, data: dict) -> dict:
    """fulfillmentEventCreate: a carrier event on a fulfillment (delivered, failure...)."""
    fulfillment = _fulfillment(shop, data.get("fulfillmentId"), ["fulfillmentEvent",
                                                                 "fulfillmentId"])
    now = shop.now()
    number, event_id = shop.new_id("FulfillmentEvent")
    event = {"__typename": "FulfillmentEvent", "id": event_id, "_number": number,
             "status": data["status"], "message": data.get("message"),
             "happenedAt": data.get("happenedAt") or now, "createdAt": now,
             "estimatedDeliveryAt": data.get("estimatedDeliveryAt"),
             "address1": data.get("address1"), "city": data.get("city"),
             "province": data.get("province"), "country": data.get("country"),
             "zip": data.get("zip"), "latitude": data.get("latitude"),
             "longitude": data.get("longitude"), "_fulfillment": fulfillment["id"]}
    fulfillment.setdefault("_events", []).append(event)
    fulfillment["displayStatus"] = EVENT_DISPLAY.get(data["status"], fulfillment["displayStatus"])
    if data["status"] == "DELIVERED":
        fulfillment["deliveredAt"] = event["happenedAt"]
    if data["status"] == "IN_TRANSIT" and not fulfillment["inTransitAt"]:
        fulfillment["inTransitAt"] = event["happenedAt"]
    fulfillment["updatedAt"] = now
    # The event changes the fulfillment's shipment_status: Shopify sends fulfillments/update.
    shop.emit("fulfillments/update", fulfillment_payload(shop, fulfillment))
    shop.emit("fulfillment_events/create", {"id": number, "fulfillment_id":
                                            fulfillment["_number"],
                                            "status": data["status"].lower(),
                                            "message": data.get("message"),
                                            "happened_at": event["happenedAt"]})
    return event
