"""get_customer and search_customers: staff keys only (a customer-mode key never sees them)."""
from __future__ import annotations

from app.models import Shop
from app.services.agent_tools.paging import first_nodes
from app.services.agent_tools.registry import (CallerContext, ToolInputInvalid, ToolNotFound,
                                               register, tool_from_file)
from app.services.agent_tools.shaping import compact, gid_for, money, utc

ADDRESS_FIELDS = ("id", "address1", "address2", "city", "province", "country", "zip", "phone")


def get_customer(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    customer_id = gid_for("Customer", arguments["customerId"])
    customer = caller.shopify.query("agent_customer", {"id": customer_id})["customer"]
    if customer is None:
        raise ToolNotFound(f"No customer {arguments['customerId']} exists in this store.")
    return compact({
        "id": customer["id"],
        "email": (customer.get("defaultEmailAddress") or {}).get("emailAddress"),
        "firstName": customer.get("firstName"), "lastName": customer.get("lastName"),
        "phone": (customer.get("defaultPhoneNumber") or {}).get("phoneNumber"),
        "ordersCount": _int(customer.get("numberOfOrders")),
        "totalSpentV2": money(customer.get("amountSpent")),
        "state": customer.get("state"), "tags": customer.get("tags"),
        "note": customer.get("note"), "verifiedEmail": customer.get("verifiedEmail"),
        "taxExempt": customer.get("taxExempt"),
        "defaultAddress": _address(customer.get("defaultAddress")),
        "addresses": [_address(a) for a in (customer.get("addressesV2") or {}).get("nodes", [])],
        "createdAt": utc(customer.get("createdAt")), "updatedAt": utc(customer.get("updatedAt")),
    })


def _address(address: dict | None) -> dict | None:
    return address and {key: address.get(key) for key in ADDRESS_FIELDS}


def _int(value) -> int | None:
    # numberOfOrders is an UnsignedInt64, which GraphQL sends as a string
    return None if value is None else int(value)


def search_customers(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    first = arguments.get("first", 10)
    if first < 1:
        raise ToolInputInvalid("Invalid input at first: must be at least 1.")
    customers, page_info, _ = first_nodes(caller.shopify, "agent_customers", "customers", first,
                                          {"after": arguments.get("after"),
                                           "query": arguments["query"]})
    return {
        "customers": [compact({
            "id": c["id"], "displayName": c.get("displayName"),
            "email": (c.get("defaultEmailAddress") or {}).get("emailAddress"),
            "phone": (c.get("defaultPhoneNumber") or {}).get("phoneNumber"),
            "ordersCount": _int(c.get("numberOfOrders")),
            "totalSpentV2": money(c.get("amountSpent")), "tags": c.get("tags"),
            "createdAt": utc(c.get("createdAt"))}) for c in customers],
        "pageInfo": compact(page_info),
    }


register(tool_from_file("get_customer", get_customer, staff_only=True))
register(tool_from_file("search_customers", search_customers, staff_only=True))
