"""Abandoned checkouts hold a buyer's phone, email and cart: privacy requests reach them."""
from __future__ import annotations

from sqlalchemy import delete, func, or_, select

from app.extensions import db
from app.models import AbandonedCheckout, Shop
from app.services.compliance import customer_data_source
from app.services.customer_match import CustomerRef


def _matching(shop_domain: str, ref: CustomerRef):
    conditions = []
    if ref.email:
        conditions.append(func.lower(AbandonedCheckout.email) == ref.email.lower())
    if ref.phone:
        conditions.append(AbandonedCheckout.phone == ref.phone)
    if not conditions:
        return None
    shop_id = select(Shop.id).where(Shop.domain == shop_domain).scalar_subquery()
    return (AbandonedCheckout.shop_id == shop_id, or_(*conditions))


def collect_checkouts(shop_domain: str, ref: CustomerRef) -> list[dict]:
    where = _matching(shop_domain, ref)
    if where is None:
        return []
    return [{"checkout_id": row.checkout_id, "phone": row.phone, "email": row.email,
             "name": row.customer_name, "items": row.items, "total": str(row.total or ""),
             "currency": row.currency, "recovery_url": row.recovery_url,
             "status": row.status.value, "created_at": row.created_at.isoformat()}
            for row in db.session.scalars(select(AbandonedCheckout).where(*where))]


def erase_checkouts(shop_domain: str, ref: CustomerRef) -> int:
    where = _matching(shop_domain, ref)
    if where is None:
        return 0
    return db.session.execute(delete(AbandonedCheckout).where(*where)
                              .execution_options(synchronize_session=False)).rowcount


customer_data_source("abandoned_checkouts", collect=collect_checkouts, erase=erase_checkouts)
