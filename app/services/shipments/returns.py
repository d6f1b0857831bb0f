"""A Dropi return refunds the returned Dropi lines in Shopify, when the merchant allows it
("Refund Dropi returns in Shopify" in Settings, off by default).

What a merchant expects, and therefore what is refunded:
- the order's Dropi lines still refundable, at the quantities Dropi shipped; lines of other
  suppliers and the shipping stay as they are (the carrier was paid for the trip both ways);
- money: what the customer paid for those lines, at most what the order received less what
  was refunded already, back through the gateway of the order's payment;
- cash on delivery: the customer never paid, so there is no money to give back. The refund is
  still made, with no transaction: Shopify then shows the lines as returned, and its order and
  sales reports stop counting them as sold, which is what the merchant wants to see after a
  parcel came back unpaid. Nothing is charged or paid;
- no restock: the units go back to Dropi's warehouse, not to a Shopify location; Dropi's stock
  ("Get stock") brings them back to Shopify once Dropi counts them, so restocking here would
  count them twice until then.

Exactly once: the attempt is committed as "requested" before refundCreate goes out with an
`@idempotent` key made of the shop, the Shopify order and the Dropi order, so the client's own
retries get Shopify's first answer back. A later retry (a lost answer, a killed worker) first
looks at the order's refunds on Shopify and adopts the one whose note names this Dropi order.
All of it under the shipment's short lease, so a webhook and a poll at once refund once.
"""
from __future__ import annotations

import logging
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.clients.shopify import ShopifyClient, ShopifyError, ShopifyUserErrors
from app.extensions import db
from app.models import OrderRecord, Shipment, Shop, ShopConfiguration
from app.models.shipments import PHASE_RETURNED
from app.services.order_pipeline.records import money
from app.services.order_pipeline.steps import add_event
from app.services.refunds import RETURN_NOTE_PREFIX, record_refund, refund_from_node
from app.services.shipments.fulfillment import take_lease
from app.services.sync import SyncContext, record_entry, sync_option

log = logging.getLogger(__name__)

DONE, SKIPPED, FAILED, REQUESTED = "done", "skipped", "failed", "requested"
RETRY = "retry"  # not a stored state: Shopify could not be reached, a later run tries again
PAYMENTS = ("SALE", "CAPTURE")


def _gid(kind: str, number) -> str:
    return f"gid://shopify/{kind}/{number}"


def _tail(gid) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def refund_due(config: ShopConfiguration | None, shipment: Shipment) -> bool:
    """The shop refunds Dropi returns, this shipment came back, and its refund is not settled."""
    return bool(config and config.active and config.refund_dropi_returns
                and shipment.phase == PHASE_RETURNED
                and shipment.return_refund_state not in (DONE, SKIPPED, FAILED))


def refund_return(client: ShopifyClient, config: ShopConfiguration | None, order: OrderRecord,
                  shipment: Shipment) -> str | None:
    """Refund the returned Dropi lines once; the state reached (done, skipped, failed), "retry"
    when Shopify could not be reached (the error is kept and a later run tries again), or None
    when there was nothing to do or another worker holds the shipment."""
    if not refund_due(config, shipment) or not take_lease(shipment.id):
        return None
    try:
        db.session.refresh(shipment)
        if not refund_due(config, shipment):
            return None
        return _refund(client, order, shipment)
    except ShopifyUserErrors as refused:
        message = str(refused.merchant_message)
        shipment.return_refund_state, shipment.return_refund_error = FAILED, message[:500]
        add_event(order, "return_refund_failed", error=message[:300])
        log.warning("return of order %s not refunded: Shopify refused (%s)", order.name, message)
        return FAILED
    except ShopifyError as error:
        shipment.return_refund_error = str(error.merchant_message)[:500]
        log.warning("return of order %s not refunded yet: %s", order.name, error)
        return RETRY
    finally:
        shipment.shopify_lease_until = None
        db.session.commit()


def _note(order: OrderRecord, shipment: Shipment) -> str:
    return f"{RETURN_NOTE_PREFIX} {order.dropi_order_id} ({shipment.status})"


def _is_this_return(refund: dict, order: OrderRecord) -> bool:
    return (refund.get("note") or "").startswith(f"{RETURN_NOTE_PREFIX} {order.dropi_order_id} ")


def _refund(client: ShopifyClient, order: OrderRecord, shipment: Shipment) -> str:
    state = client.query("order_refund_state",
                         {"id": _gid("Order", order.shopify_order_id)}).get("order")
    if state is None:
        return _skip(order, shipment, "order_gone_in_shopify")
    earlier = next((r for r in state.get("refunds") or [] if _is_this_return(r, order)), None)
    if earlier is not None:
        log.info("return of order %s was already refunded (%s); adopted", order.name,
                 earlier["id"])
        return _done(order, shipment, earlier)
    lines, worth = _returned_lines(order, state)
    if not lines:
        return _skip(order, shipment, "nothing_left_to_refund")
    shipment.return_refund_state, shipment.return_refund_error = REQUESTED, None
    db.session.commit()
    refund_input = {"orderId": state["id"], "note": _note(order, shipment), "notify": False,
                    "refundLineItems": lines, "transactions": _money_back(state, worth)}
    created = client.mutate("refund_create", {
        "input": refund_input,
        "idempotencyKey": f"dropi-return-{order.shop_id}-{order.shopify_order_id}-"
                          f"{order.dropi_order_id}"}, idempotent=True)
    return _done(order, shipment, created["refund"])


def _returned_lines(order: OrderRecord, state: dict) -> tuple[list[dict], Decimal]:
    """The refund line items of the order's Dropi lines still refundable, and their worth."""
    wanted: dict[str, int] = {}
    for line in order.dropi_lines:
        key = _tail(line.get("variant_id"))
        wanted[key] = wanted.get(key, 0) + int(line.get("quantity") or 0)
    lines, worth = [], Decimal(0)
    for item in (state.get("lineItems") or {}).get("nodes") or []:
        variant = _tail((item.get("variant") or {}).get("id"))
        quantity = min(wanted.get(variant, 0), int(item.get("refundableQuantity") or 0))
        if quantity <= 0:
            continue
        wanted[variant] -= quantity
        lines.append({"lineItemId": item["id"], "quantity": quantity,
                      "restockType": "NO_RESTOCK"})
        unit = ((item.get("originalUnitPriceSet") or {}).get("shopMoney") or {}).get("amount")
        worth += money(unit) * quantity
    return lines, worth


def _amount(state: dict, name: str) -> Decimal:
    return money(((state.get(name) or {}).get("shopMoney") or {}).get("amount"))


def _money_back(state: dict, worth: Decimal) -> list[dict]:
    """One refund transaction against the order's payment, capped at what is left of it; none
    when nothing was received (cash on delivery never paid)."""
    left = _amount(state, "totalReceivedSet") - _amount(state, "totalRefundedSet")
    amount = min(worth, left)
    payment = next((t for t in state.get("transactions") or []
                    if t.get("kind") in PAYMENTS and t.get("status") == "SUCCESS"), None)
    if amount <= 0 or payment is None:
        return []
    return [{"orderId": state["id"], "kind": "REFUND", "gateway": payment["gateway"],
             "parentId": payment["id"], "amount": str(amount.quantize(Decimal("0.01")))}]


def _done(order: OrderRecord, shipment: Shipment, refund: dict) -> str:
    shop = db.session.get(Shop, order.shop_id)
    record_refund(shop, refund_from_node(order.shopify_order_id, refund))
    shipment.return_refund_state, shipment.return_refund_id = DONE, refund["id"]
    shipment.return_refund_error = None
    log.info("return of order %s refunded in Shopify (%s)", order.name, refund["id"])
    return DONE


def _skip(order: OrderRecord, shipment: Shipment, reason: str) -> str:
    """Nothing to refund; `reason` is a code of order_pipeline.texts.REASONS."""
    shipment.return_refund_state, shipment.return_refund_error = SKIPPED, None
    add_event(order, "return_not_refunded", reason=reason)
    return SKIPPED


def returns_to_refund(shop: Shop) -> list[tuple[OrderRecord, Shipment]]:
    """The shop's returned shipments whose refund is still to make (a retry after an error)."""
    rows = db.session.execute(
        select(OrderRecord, Shipment).join(Shipment, Shipment.order_id == OrderRecord.id)
        .where(OrderRecord.shop_id == shop.id, Shipment.phase == PHASE_RETURNED,
               Shipment.return_refund_state.is_(None) | (Shipment.return_refund_state
                                                         == REQUESTED))
        .order_by(OrderRecord.id)).all()
    return [(order, shipment) for order, shipment in rows]




def log_return_refund(order: OrderRecord, shipment: Shipment, state: str | None) -> None:
    """The Sync page's log line for a return refunded (or not) outside a sync run. Commits."""
    label = _("Return of order %(order)s", order=order.name)
    if state == DONE:
        record_entry(order.shop_id, "returns", "return", f"return-{order.id}", label, "changed",
                     _("Refunded in Shopify after the Dropi return."))
    elif state in (FAILED, RETRY):
        record_entry(order.shop_id, "returns", "return", f"return-{order.id}", label, "failed",
                     shipment.return_refund_error or _("Shopify refused the refund."))
    else:
        return
    db.session.commit()


@sync_option("returns", config_flag="refund_dropi_returns",
             label=_l("Dropi returns refunded in Shopify"), default_interval_minutes=60,
             description=_l("Dropi returns whose Shopify refund could not be made yet (Shopify "
                            "unreachable, a lost answer) are tried again."))
def retry_return_refunds(ctx: SyncContext) -> None:
    for order, shipment in returns_to_refund(ctx.shop):
        entity = f"return-{order.id}"
        if not ctx.wants(entity):
            continue
        ctx.keep_going()
        ctx.checked()
        state = refund_return(ctx.shopify(), ctx.configuration, order, shipment)
        label = _("Return of order %(order)s", order=order.name)
        if state == DONE:
            ctx.changed("return", entity, label, _("Refunded in Shopify after the Dropi return."))
        elif state in (FAILED, RETRY):
            ctx.failed("return", entity, label,
                       shipment.return_refund_error or _("Shopify refused the refund."))
