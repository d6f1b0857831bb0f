"""fulfill_order (staff keys) and cancel_order: a preview first, the act on confirmation.

Both re-read the order from Shopify when they act, so a confirmation claimed again after a
crash never fulfils or cancels twice: Shopify refuses to cancel a cancelled order, and only
what is still open gets fulfilled."""
from __future__ import annotations

from app.clients.shopify import ShopifyUserErrors
from app.models import Shop
from app.services.agent_tools.orders import order_output, visible_order
from app.services.agent_tools.registry import (CallerContext, ToolConflict, ToolForbidden,
                                               ToolInputInvalid, register, tool_from_file)
from app.services.agent_tools.shaping import compact, gid_for, money_bag, utc
from app.services.agent_tools.tool_settings import tool_settings

OPEN_STATUSES = ("OPEN", "IN_PROGRESS")
CUSTOMER_STAFF_NOTE = "Cancelled by the customer through the AI agent (WhatsApp)."


# -- fulfill_order --------------------------------------------------------------------------
def _fulfillment_plan(order: dict, arguments: dict) -> list[dict]:
    """[{fulfillmentOrderId, lines: [{id, lineItemId, name, quantity}]}] still to ship."""
    wanted = None
    if arguments.get("lineItemIds"):
        wanted = {gid_for("LineItem", value) for value in arguments["lineItemIds"]}
        known = {line["id"] for line in order["lineItems"]["nodes"]}
        unknown = wanted - known
        if unknown:
            raise ToolInputInvalid(f"Line items {sorted(unknown)} are not in order "
                                   f"{order['name']}.")
    plan = []
    for fo in order["fulfillmentOrders"]["nodes"]:
        if fo["status"] not in OPEN_STATUSES:
            continue
        lines = [{"id": item["id"], "lineItemId": item["lineItem"]["id"],
                  "name": item["lineItem"]["name"], "quantity": item["remainingQuantity"]}
                 for item in fo["lineItems"]["nodes"]
                 if item["remainingQuantity"] > 0
                 and (wanted is None or item["lineItem"]["id"] in wanted)]
        if lines:
            plan.append({"fulfillmentOrderId": fo["id"], "lines": lines})
    if order.get("cancelledAt"):
        raise ToolConflict(f"Order {order['name']} is cancelled; it cannot be fulfilled.")
    if not plan:
        raise ToolConflict(f"Order {order['name']} has nothing left to fulfill.")
    return plan


def _tracking(arguments: dict) -> dict:
    return compact({"number": arguments.get("trackingNumber"),
                    "company": arguments.get("trackingCompany"),
                    "url": arguments.get("trackingUrl")})


def preview_fulfill_order(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    order = visible_order(caller, arguments)
    plan = _fulfillment_plan(order, arguments)
    return {"action": "fulfill_order", "order": order["name"], "orderId": order["id"],
            "lineItems": [{"name": line["name"], "quantity": line["quantity"]}
                          for group in plan for line in group["lines"]],
            "trackingInfo": _tracking(arguments),
            "notifyCustomer": arguments.get("notifyCustomer", True)}


def fulfill_order(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    order = visible_order(caller, arguments)
    plan = _fulfillment_plan(order, arguments)
    tracking = _tracking(arguments)
    created = []
    for group in plan:
        fulfillment_input = {
            "lineItemsByFulfillmentOrder": [{
                "fulfillmentOrderId": group["fulfillmentOrderId"],
                "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": line["quantity"]}
                                              for line in group["lines"]]}],
            "notifyCustomer": arguments.get("notifyCustomer", True)}
        if tracking:
            fulfillment_input["trackingInfo"] = tracking
        try:
            payload = caller.shopify.mutate("fulfillment_create",
                                            {"fulfillment": fulfillment_input})
        except ShopifyUserErrors as refused:
            raise ToolConflict(f"Shopify refused the fulfillment: {refused.detail}") from None
        created.append(payload["fulfillment"])
    first = created[0]
    info = (first.get("trackingInfo") or [{}])[0] if first.get("trackingInfo") else None
    return compact({"success": True, "fulfillmentId": first["id"], "status": first["status"],
                    "trackingInfo": info and compact(info),
                    "createdAt": utc(first.get("createdAt")),
                    "fulfillmentIds": [f["id"] for f in created]})


# -- cancel_order ---------------------------------------------------------------------------
def _cancellable_order(caller: CallerContext, arguments: dict) -> dict:
    if not caller.is_staff and not tool_settings(caller.shop).customers_may_cancel:
        raise ToolForbidden("This store does not let customers cancel orders through the "
                            "agent; offer to pass the request to the store.")
    order = visible_order(caller, arguments)
    if order.get("cancelledAt"):
        raise ToolConflict(f"Order {order['name']} is already cancelled.")
    if not caller.is_staff and (order.get("displayFulfillmentStatus") != "UNFULFILLED"
                                or order.get("fulfillments")):
        raise ToolForbidden(f"Order {order['name']} has already been (partly) shipped, so it "
                            "cannot be cancelled here; offer to pass the request to the store.")
    return order


def _cancel_options(caller: CallerContext, arguments: dict) -> dict:
    if caller.is_staff:
        return {"reason": arguments.get("reason", "CUSTOMER"),
                "restock": arguments.get("restock", True),
                "refund": arguments.get("refund", False),
                "notifyCustomer": arguments.get("notifyCustomer", True),
                "staffNote": arguments.get("staffNote")}
    # A customer cancels their own order; refunds stay the merchant's decision.
    return {"reason": "CUSTOMER", "restock": True, "refund": False, "notifyCustomer": True,
            "staffNote": CUSTOMER_STAFF_NOTE}


def preview_cancel_order(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    order = _cancellable_order(caller, arguments)
    summary = order_output(order, staff=caller.is_staff)
    return compact({"action": "cancel_order", "order": order["name"], "orderId": order["id"],
                    "total": money_bag(order.get("totalPriceSet")),
                    "lineItems": [{"name": line["name"], "quantity": line["quantity"]}
                                  for line in summary.get("lineItems", [])],
                    **_cancel_options(caller, arguments)})


def cancel_order(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    order = _cancellable_order(caller, arguments)
    options = _cancel_options(caller, arguments)
    variables = {"orderId": order["id"], "reason": options["reason"],
                 "restock": options["restock"], "notifyCustomer": options["notifyCustomer"],
                 "staffNote": options["staffNote"],
                 "refundMethod": ({"originalPaymentMethodsRefund": True}
                                  if options["refund"] else None)}
    try:
        payload = caller.shopify.mutate("order_cancel", variables)
    except ShopifyUserErrors as refused:
        raise ToolConflict(f"Shopify refused to cancel {order['name']}: {refused.detail}") \
            from None
    after = caller.shopify.query("agent_order", {"id": order["id"]})["order"] or {}
    job = payload.get("job") or {}
    return compact({"success": True, "orderId": order["id"], "name": order["name"],
                    "cancelledAt": utc(after.get("cancelledAt")),
                    "cancelReason": after.get("cancelReason") or options["reason"],
                    "restocked": options["restock"], "refunded": options["refund"],
                    "jobId": job.get("id")})


register(tool_from_file("fulfill_order", fulfill_order, staff_only=True,
                        preview=preview_fulfill_order))
register(tool_from_file("cancel_order", cancel_order, preview=preview_cancel_order))
