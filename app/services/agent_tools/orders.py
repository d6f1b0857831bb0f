"""get_order and list_orders, live from Shopify."""
from __future__ import annotations

from app.models import Shop
from app.services.agent_tools.access import (ensure_order_visible, not_found_message,
                                             order_phones, require_identity)
from app.services.agent_tools.paging import first_nodes
from app.services.agent_tools.registry import (CallerContext, ToolForbidden, ToolInputInvalid,
                                               ToolNotFound, load_definition, register,
                                               tool_from_file)
from app.services.agent_tools.shaping import (compact, money_bag, order_reference, search_term,
                                              utc)

# Shopify order ids are 13+ digits; a short number is what a customer reads as "order 1001".
ORDER_NAME_MAX_DIGITS = 9
FULFILLMENT_SEARCH = {"UNFULFILLED": "unshipped", "PARTIALLY_FULFILLED": "partial",
                      "FULFILLED": "shipped"}


def fetch_order(caller: CallerContext, raw_reference: str) -> dict | None:
    """The order (AgentOrder shape) for a number, GID or name such as #1001, or None."""
    kind, value = order_reference(raw_reference)
    if kind == "gid":
        order = caller.shopify.query("agent_order", {"id": value})["order"]
        digits = value.rsplit("/", 1)[1]
        if order is not None or len(digits) > ORDER_NAME_MAX_DIGITS:
            return order
        value = f"#{digits}"
    found = caller.shopify.query("agent_order_lookup", {"query": f"name:{search_term(value)}"})
    matches = [node for node in found["orders"]["nodes"]
               if node["name"].lstrip("#").lower() == value.lstrip("#").lower()]
    if len(matches) != 1:
        return None
    return caller.shopify.query("agent_order", {"id": matches[0]["id"]})["order"]


def visible_order(caller: CallerContext, arguments: dict) -> dict:
    """The order named by arguments["orderId"], if this caller may see it (else ToolNotFound)."""
    require_identity(caller, arguments)
    reference = arguments["orderId"]
    return ensure_order_visible(caller, fetch_order(caller, reference), arguments, reference)


def get_order(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    return order_output(visible_order(caller, arguments), staff=caller.is_staff)


def order_output(order: dict, *, staff: bool) -> dict:
    customer = order.get("customer") or None
    output = {
        "id": order["id"], "name": order["name"], "orderNumber": order.get("number"),
        "displayFinancialStatus": _in_enum("get_order", "displayFinancialStatus",
                                           order.get("displayFinancialStatus")),
        "displayFulfillmentStatus": _in_enum("get_order", "displayFulfillmentStatus",
                                             order.get("displayFulfillmentStatus")),
        "totalPriceSet": money_bag(order.get("totalPriceSet")),
        "subtotalPriceSet": money_bag(order.get("subtotalPriceSet")),
        "totalShippingPriceSet": money_bag(order.get("totalShippingPriceSet")),
        "totalDiscountsSet": money_bag(order.get("totalDiscountsSet")),
        "customer": customer and {
            "id": customer["id"] if staff else None,
            "email": (customer.get("defaultEmailAddress") or {}).get("emailAddress"),
            "firstName": customer.get("firstName"), "lastName": customer.get("lastName"),
            "phone": (customer.get("defaultPhoneNumber") or {}).get("phoneNumber")},
        "shippingAddress": order.get("shippingAddress"),
        "lineItems": [_line(line) for line in order["lineItems"]["nodes"]],
        "fulfillments": [{"id": f["id"], "status": f["status"],
                          "trackingInfo": f.get("trackingInfo") or []}
                         for f in order.get("fulfillments") or []],
        "createdAt": utc(order.get("createdAt")), "updatedAt": utc(order.get("updatedAt")),
        "cancelledAt": utc(order.get("cancelledAt")),
        # internal notes and tags are the merchant's, not the customer's
        "note": order.get("note") if staff else None,
        "tags": order.get("tags") if staff else None,
    }
    return compact(output)


def _line(line: dict) -> dict:
    variant = line.get("variant")
    return {"id": line["id"], "name": line["name"], "quantity": line["quantity"],
            "sku": line.get("sku"), "originalUnitPriceSet": money_bag(
                line.get("originalUnitPriceSet")),
            "variant": variant and {"id": variant["id"], "title": variant["title"],
                                    "product": variant.get("product")}}


def list_orders(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    first = arguments.get("first", 50)
    if first < 1:
        raise ToolInputInvalid("Invalid input at first: must be at least 1.")
    query, owner_id = _search_query(arguments), None
    if not caller.is_staff:
        owner_id = _customer_id_of_caller(caller)
        query = f"customer_id:{owner_id.rsplit('/', 1)[1]} AND ({query})" if query else \
            f"customer_id:{owner_id.rsplit('/', 1)[1]}"
    orders, page_info, total = _orders_page(caller, first, arguments, query)
    if owner_id is not None:
        # The agent's own query text must not widen the scope (an OR in it, say): only the
        # caller's orders leave, whatever the search matched.
        mine = [o for o in orders if (o.get("customer") or {}).get("id") == owner_id]
        if len(mine) != len(orders):
            orders, total = mine, len(mine)
    output = {
        "orders": [compact({
            "id": o["id"], "name": o["name"],
            "displayFinancialStatus": o.get("displayFinancialStatus"),
            "displayFulfillmentStatus": o.get("displayFulfillmentStatus"),
            "totalPriceSet": money_bag(o.get("totalPriceSet")),
            "customerName": (o.get("customer") or {}).get("displayName"),
            "customerEmail": o.get("email"), "createdAt": utc(o.get("createdAt")),
            "lineItemCount": o.get("subtotalLineItemsQuantity")}) for o in orders],
        "pageInfo": compact(page_info),
        "totalCount": total,
    }
    return output


def _orders_page(caller: CallerContext, first: int, arguments: dict, query: str):
    orders, page_info, data = first_nodes(caller.shopify, "agent_orders", "orders", first, {
        "after": arguments.get("after"), "query": query or None,
        "sortKey": arguments.get("sortKey", "CREATED_AT"),
        "reverse": arguments.get("reverse", True)})
    return orders, page_info, (data.get("ordersCount") or {}).get("count", len(orders))


def _search_query(arguments: dict) -> str:
    terms = [f"({arguments['query']})"] if arguments.get("query") else []
    if arguments.get("financialStatus"):
        terms.append(f"financial_status:{arguments['financialStatus'].lower()}")
    if arguments.get("fulfillmentStatus"):
        terms.append(f"fulfillment_status:{FULFILLMENT_SEARCH[arguments['fulfillmentStatus']]}")
    if arguments.get("createdAtMin"):
        terms.append(f"created_at:>={search_term(arguments['createdAtMin'])}")
    if arguments.get("createdAtMax"):
        terms.append(f"created_at:<={search_term(arguments['createdAtMax'])}")
    return " AND ".join(terms)


def _customer_id_of_caller(caller: CallerContext) -> str:
    """The customer whose WhatsApp phone is calling (customer-mode keys list only theirs)."""
    if not caller.customer_phone:
        raise ToolForbidden("In customer mode, listing orders needs the customer's WhatsApp "
                            "phone (X-Customer-Phone header).")
    found = caller.shopify.query("agent_customers", {
        "first": 5, "query": f"phone:{search_term(caller.customer_phone)}"})
    owners = [c for c in found["customers"]["nodes"]
              if order_phones({"customer": c}) == {caller.customer_phone}]
    if not owners:
        raise ToolNotFound("No orders were found for this customer's phone.")
    return owners[0]["id"]


def _in_enum(action_id: str, field: str, value):
    allowed = load_definition(action_id)["outputSchema"]["properties"][field].get("enum")
    return value if allowed is None or value in allowed else None


register(tool_from_file("get_order", get_order))
register(tool_from_file("list_orders", list_orders))
__all__ = ["fetch_order", "not_found_message", "order_output", "visible_order"]
