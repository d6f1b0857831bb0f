"""Our record of a Shopify order the connector created from a Dropi order: an OrderRecord like
the others (the Orders page lists it, shipments and tracking follow its Dropi order), whose
WhatsApp and confirmation steps are skipped and whose Dropi step is done from the start."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from app.clients.dropi import DropiOrder
from app.extensions import db
from app.models import OrderRecord, OrderStep, StepName, StepState
from app.services.order_pipeline.records import parse_time
from app.services.order_pipeline.steps import add_event
from app.services.orders_from_dropi.shopify_input import COD_GATEWAY, PlannedOrder

FROM_DROPI = "from_dropi"  # the reason code of the skipped steps


def _number(gid_or_number) -> str:
    return str(gid_or_number or "").rsplit("/", 1)[-1]


def _lines(plan: PlannedOrder) -> list[dict]:
    # Every line of a Dropi order is a Dropi product, linked to a Shopify variant or not: the
    # fulfillment later covers them all (a custom line is matched by its missing variant).
    return [{"title": line.title, "sku": line.sku, "quantity": line.quantity,
             "price": str(line.price), "variant_id": _number(line.variant_id) or None,
             "dropi": True, "dropi_product_id": line.dropi_product_id,
             "dropi_variation_id": line.dropi_variation_id} for line in plan.lines]


def find_record(shop_id: int, shopify_order_id: str) -> OrderRecord | None:
    return db.session.scalar(select(OrderRecord).where(
        OrderRecord.shop_id == shop_id, OrderRecord.shopify_order_id == shopify_order_id))


def new_record(shop_id: int, country: str | None, dropi: DropiOrder, plan: PlannedOrder,
               shopify_order: dict) -> OrderRecord:
    """The record, its steps and its first timeline lines, added to the session (the caller
    commits, together with the import row)."""
    customer = dropi.customer
    created = parse_time(shopify_order.get("createdAt"))
    order = OrderRecord(
        shop_id=shop_id, shopify_order_id=_number(shopify_order.get("legacyResourceId")
                                                  or shopify_order.get("id")),
        name=str(shopify_order.get("name") or ""), shopify_created_at=created,
        shopify_updated_at=created, first_name=customer.name, last_name=customer.surname,
        email=plan.email, phone=plan.phone, phone_as_given=customer.phone[:64] or None,
        address1=customer.address[:500], city=customer.city[:255],
        province=customer.state[:255], zip_code=customer.zip_code[:32],
        country_code=(country or "")[:2], cash_on_delivery=dropi.cash_on_delivery,
        gateway=COD_GATEWAY if dropi.cash_on_delivery else "",
        financial_status=str(shopify_order.get("displayFinancialStatus") or "").lower(),
        currency=plan.currency, subtotal=plan.subtotal - plan.discount,
        shipping_total=plan.shipping, total=plan.total, lines=_lines(plan),
        has_dropi_lines=bool(plan.lines), has_other_lines=False,
        confirmation_code=secrets.token_hex(5).upper(),
        dropi_department=customer.state or None, dropi_city=customer.city or None,
        dropi_order_id=dropi.id, dropi_status=dropi.status or None,
        dropi_shipping_amount=dropi.shipping_amount,
        dropi_total_order=int(dropi.total_order) if dropi.total_order is not None else None,
        dropi_guide=dropi.shipping_guide, dropi_carrier=dropi.shipping_company,
        dropi_carrier_id=dropi.distribution_company_id,
        dropi_carrier_name=dropi.shipping_company, needs_attention=False)
    db.session.add(order)
    db.session.flush()
    for name in (StepName.WHATSAPP, StepName.CONFIRMATION):
        db.session.add(OrderStep(shop_id=shop_id, order_id=order.id, name=name,
                                 state=StepState.SKIPPED, reason=FROM_DROPI))
    db.session.add(OrderStep(shop_id=shop_id, order_id=order.id, name=StepName.DROPI,
                             state=StepState.DONE, attempts=0))
    add_event(order, "created_from_dropi", id=dropi.id)
    custom = [line.title for line in plan.custom_lines]
    if custom:
        add_event(order, "dropi_custom_lines", lines=", ".join(custom))
    return order
