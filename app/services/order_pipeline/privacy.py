"""Privacy requests reach our order records: a data request reports what we keep about the
customer's orders, a customer redaction blanks the customer's details on them (the record stays,
so a late webhook of the same order cannot send it again). Shop redaction is the cascade."""
from __future__ import annotations

from sqlalchemy import or_, select

from app.extensions import db
from app.models import OrderEvent, OrderRecord, Shop
from app.services.compliance import customer_data_source
from app.services.customer_match import CustomerRef
from app.services.order_pipeline.records import e164

PERSONAL = ("first_name", "last_name", "address1", "address2", "zip_code")
# Timeline lines that repeat the customer's address.
ADDRESS_EVENTS = ("city_unknown",)


def _orders(shop_domain: str, ref: CustomerRef) -> list[OrderRecord]:
    shop_id = select(Shop.id).where(Shop.domain == shop_domain).scalar_subquery()
    matches = []
    if ref.order_ids:
        matches.append(OrderRecord.shopify_order_id.in_(sorted(ref.order_ids)))
    if ref.email:
        matches.append(OrderRecord.email == ref.email)
    phone = e164(ref.phone, None)
    if phone:
        matches.append(OrderRecord.phone == phone)
    if not matches:
        return []
    return list(db.session.execute(select(OrderRecord).where(
        OrderRecord.shop_id == shop_id, or_(*matches))).scalars())


def collect_orders(shop_domain: str, ref: CustomerRef) -> list[dict]:
    return [{"order": o.name, "shopify_order_id": o.shopify_order_id,
             "name": o.customer_name, "email": o.email, "phone": o.phone,
             "address": ", ".join(p for p in (o.address1, o.address2, o.city, o.province,
                                               o.zip_code) if p),
             "total": str(o.total), "currency": o.currency, "dropi_order_id": o.dropi_order_id}
            for o in _orders(shop_domain, ref)]


def erase_orders(shop_domain: str, ref: CustomerRef) -> int:
    orders = _orders(shop_domain, ref)
    for order in orders:
        for column in PERSONAL:
            setattr(order, column, "")
        order.email = order.phone = order.phone_as_given = None
        for event in db.session.execute(select(OrderEvent).where(
                OrderEvent.order_id == order.id,
                OrderEvent.kind.in_(ADDRESS_EVENTS))).scalars():
            event.params = {}
    db.session.flush()
    return len(orders)


customer_data_source("order_records", collect=collect_orders, erase=erase_orders)
