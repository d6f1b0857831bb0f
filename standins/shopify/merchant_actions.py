"""What a merchant does to an order in the Shopify admin, outside any app: refund lines (money
back through the order's payment), fulfil the open lines with tracking, change a fulfillment's
tracking. Each goes through the same code as the Admin API mutations, so it is refused as they
are and sends the same webhooks. Call with the store lock held."""
from __future__ import annotations

from decimal import Decimal

from standins.shopify.fulfillment import (
    create_fulfillment,
    create_refund,
    order_transactions,
    update_tracking,
)


def order_by_number(state, number: str) -> dict | None:
    return next((o for o in state.orders.values() if str(o["_number"]) == str(number)), None)


def refund_lines(state, order: dict, lines: list[dict], amount=None, note=None,
                 restock: bool = False) -> dict:
    """lines: [{sku, quantity}]; amount: money back (none for a refund of lines only)."""
    by_sku = {line["sku"]: line for line in order["_lines"]}
    entries = []
    for entry in lines:
        line = by_sku.get(entry.get("sku"))
        entries.append({"lineItemId": line["id"] if line else f"unknown-{entry.get('sku')}",
                        "quantity": int(entry.get("quantity") or 0),
                        "restockType": "RETURN" if restock else "NO_RESTOCK"})
    payments = [t for t in order_transactions(state, order) if t["kind"] == "SALE"]
    transactions = [{"orderId": order["id"], "kind": "REFUND",
                     "gateway": order["paymentGatewayNames"][0], "amount": str(amount),
                     "parentId": payments[0]["id"] if payments else None}] if amount else []
    return create_refund(state, {"orderId": order["id"], "refundLineItems": entries,
                                 "transactions": transactions, "note": note})


def refund_everything(state, order: dict, note=None) -> dict:
    """Every refundable line, and all the money the order received and kept."""
    lines = [{"sku": line["sku"], "quantity": line["refundableQuantity"]}
             for line in order["_lines"] if line["refundableQuantity"] > 0]
    totals = order["_totals"]
    left = totals["received"] - totals["refunded"]
    return refund_lines(state, order, lines, left if left > Decimal(0) else None, note)


def fulfil_open_lines(state, order: dict, tracking: dict) -> dict:
    """tracking: {company, number, url} (any of them)."""
    groups = [{"fulfillmentOrderId": fo_id} for fo_id in order["_fulfillment_orders"]
              if state.fulfillment_orders[fo_id]["status"] in ("OPEN", "IN_PROGRESS")]
    info = {k: tracking[k] for k in ("company", "number", "url") if tracking.get(k)}
    return create_fulfillment(state, {"lineItemsByFulfillmentOrder": groups,
                                      "trackingInfo": info})


def change_tracking(state, fulfillment: dict, tracking: dict) -> dict:
    info = {k: tracking[k] for k in ("company", "number", "url") if tracking.get(k)}
    return update_tracking(state, fulfillment["id"], info)
