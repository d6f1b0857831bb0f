"""Our order record, built from Shopify's order webhooks: once per order however often and in
whatever order the webhooks arrive; an older payload never overwrites a newer one."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

import phonenumbers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    OrderRecord,
    OrderStep,
    ProductAssociation,
    Shop,
    ShopConfiguration,
    StepName,
    StepState,
    VariantLink,
)
from app.services.order_pipeline.steps import add_event

log = logging.getLogger(__name__)

# Payment gateways Shopify merchants in Latin America use for cash on delivery, compared
# without case or accents after removing punctuation.
COD_GATEWAY_WORDS = ("cash on delivery", "cod", "contra entrega", "contraentrega",
                     "pago contra entrega", "pago al recibir", "pago en casa", "efectivo")
PIPELINE_STEPS = (StepName.WHATSAPP, StepName.CONFIRMATION, StepName.DROPI)


def parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(
        timezone.utc)


def money(value) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        return Decimal(0)
    return amount if amount.is_finite() else Decimal(0)


def e164(raw: str | None, region: str | None) -> str | None:
    """The number in E.164 for `region` (a local number is read as that country's), or None."""
    text = (raw or "").strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _words(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else " " for c in (text or "").casefold())
    return " ".join(cleaned.split())


def is_cash_on_delivery(payload: dict) -> bool:
    """COD when a gateway says so (Shopify's manual "Cash on Delivery (COD)" or a local name)."""
    names = list(payload.get("payment_gateway_names") or []) + [payload.get("gateway") or ""]
    for name in names:
        words = f" {_words(name)} "
        if any(f" {w} " in words for w in COD_GATEWAY_WORDS):
            return True
    return False


def _variant_number(value) -> str:
    return str(value or "").rsplit("/", 1)[-1]


# Variant numbers per query: each is looked up bare and as a GID, well under SQLite's 999
# bound parameters.
LINK_LOOKUP_CHUNK = 400


def _variant_id_forms(numbers: list[str]) -> list[str]:
    """How a variant id may be stored on a link: bare or as a GraphQL gid."""
    return [form for n in numbers for form in (n, f"gid://shopify/ProductVariant/{n}")]


def dropi_links(shop_id: int, variant_ids: list[str]) -> dict[str, tuple[str, str]]:
    """{Shopify variant number: (Dropi product id, Dropi variation id or '')} for linked ones.
    Reads only the links of these variants, a chunk of ids per query."""
    wanted = {v for v in variant_ids if v}
    ordered = sorted(wanted)
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ordered), LINK_LOOKUP_CHUNK):
        chunk = ordered[start:start + LINK_LOOKUP_CHUNK]
        rows = db.session.execute(
            select(VariantLink.shopify_variant_id, VariantLink.dropi_variation_id,
                   ProductAssociation.dropi_product_id)
            .join(ProductAssociation, ProductAssociation.id == VariantLink.association_id)
            .where(VariantLink.shop_id == shop_id,
                   VariantLink.shopify_variant_id.in_(_variant_id_forms(chunk)))
            .order_by(VariantLink.id)
        ).all()
        found.update({_variant_number(vid): (str(product), str(variation or ""))
                      for vid, variation, product in rows if _variant_number(vid) in wanted})
    return found


def order_lines(shop_id: int, payload: dict) -> list[dict]:
    items = payload.get("line_items") or []
    links = dropi_links(shop_id, [_variant_number(i.get("variant_id")) for i in items])
    lines = []
    for item in items:
        link = links.get(_variant_number(item.get("variant_id")))
        lines.append({
            "title": str(item.get("name") or item.get("title") or ""),
            "sku": str(item.get("sku") or ""),
            "quantity": int(item.get("current_quantity", item.get("quantity")) or 0),
            "price": str(money(item.get("price"))),
            "variant_id": _variant_number(item.get("variant_id")),
            "dropi": link is not None,
            "dropi_product_id": link[0] if link else None,
            "dropi_variation_id": (link[1] or None) if link else None,
        })
    return [line for line in lines if line["quantity"] > 0]


def _shipping_total(payload: dict) -> Decimal:
    shop_money = ((payload.get("total_shipping_price_set") or {}).get("shop_money") or {})
    if shop_money.get("amount") is not None:
        return money(shop_money["amount"])
    return sum((money(s.get("price")) for s in payload.get("shipping_lines") or []), Decimal(0))


def apply_payload(order: OrderRecord, payload: dict, shop_country: str | None) -> None:
    """Copy what the pipeline needs from a Shopify order payload onto the record."""
    address = payload.get("shipping_address") or payload.get("billing_address") or {}
    customer = payload.get("customer") or {}
    country = (address.get("country_code") or shop_country or "").upper()[:2]
    raw_phone = address.get("phone") or payload.get("phone") or customer.get("phone")
    order.name = str(payload.get("name") or order.name or "")
    order.shopify_created_at = parse_time(payload.get("created_at")) or order.shopify_created_at
    order.shopify_updated_at = parse_time(payload.get("updated_at")) or order.shopify_updated_at
    order.first_name = str(address.get("first_name") or customer.get("first_name") or "")
    order.last_name = str(address.get("last_name") or customer.get("last_name") or "")
    order.email = payload.get("email") or customer.get("email")
    order.phone_as_given = (raw_phone or None) and str(raw_phone)[:64]
    order.phone = e164(raw_phone, country or shop_country)
    order.address1 = str(address.get("address1") or "")
    order.address2 = str(address.get("address2") or "")
    order.city = str(address.get("city") or "")
    order.province = str(address.get("province") or "")
    order.zip_code = str(address.get("zip") or "")
    order.country_code = country
    names = payload.get("payment_gateway_names") or []
    order.gateway = str(payload.get("gateway") or (names[0] if names else ""))[:255]
    order.cash_on_delivery = is_cash_on_delivery(payload)
    order.financial_status = str(payload.get("financial_status") or "")
    order.currency = str(payload.get("currency") or "")[:3]
    order.subtotal = money(payload.get("subtotal_price"))
    order.shipping_total = _shipping_total(payload)
    order.total = money(payload.get("current_total_price", payload.get("total_price")))
    if not (payload.get("cancelled_at") and order.lines):
        # A cancelled order's payload has no quantities left; keep what was ordered.
        order.lines = order_lines(order.shop_id, payload)
    order.has_dropi_lines = any(line["dropi"] for line in order.lines)
    order.has_other_lines = any(not line["dropi"] for line in order.lines)
    if payload.get("cancelled_at") and order.cancelled_at is None:
        order.cancelled_at = parse_time(payload["cancelled_at"])


def find_order(shop_id: int, shopify_order_id: str) -> OrderRecord | None:
    return db.session.execute(select(OrderRecord).where(
        OrderRecord.shop_id == shop_id, OrderRecord.shopify_order_id == shopify_order_id)
    ).scalar_one_or_none()


def _is_newer(order: OrderRecord, payload: dict) -> bool:
    incoming = parse_time(payload.get("updated_at"))
    return order.shopify_updated_at is None or incoming is None or \
        incoming > order.shopify_updated_at


def record_order(shop: Shop, payload: dict) -> tuple[OrderRecord, bool]:
    """Create or update our record of a Shopify order from a webhook payload (orders/create,
    orders/updated or orders/cancelled, in any order, any number of times); returns the record
    and whether it is new. New records get their steps, HELD when the connector is off.
    Commits. A payload older than what we hold changes nothing, except that a cancellation is
    never forgotten."""
    shopify_order_id = _variant_number(payload.get("id"))
    if not shopify_order_id:
        raise ValueError("order payload without id")
    config = db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop.id)).scalar_one_or_none()
    country = (config.dropi_country if config else None) or None
    existing = find_order(shop.id, shopify_order_id)
    if existing is not None:
        return _update(existing, payload, country), False
    order = OrderRecord(shop_id=shop.id, shopify_order_id=shopify_order_id,
                        name=str(payload.get("name") or ""),
                        confirmation_code=secrets.token_hex(5).upper())
    apply_payload(order, payload, country)
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError:
        # Another delivery of this order created the record first; update that one.
        db.session.rollback()
        return _update(find_order(shop.id, shopify_order_id), payload, country), False
    active = bool(config and config.active)
    for name in PIPELINE_STEPS:
        db.session.add(OrderStep(shop_id=shop.id, order_id=order.id, name=name,
                                 state=StepState.PENDING if active else StepState.HELD,
                                 reason=None if active else "connector_off"))
    add_event(order, "received")
    if not active:
        add_event(order, "held")
    if order.cancelled_at is not None:
        _add_cancellation(order)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _update(find_order(shop.id, shopify_order_id), payload, country), False
    log.info("order %s (%s) recorded for %s", order.name, order.id, shop.domain)
    return order, True


def _update(order: OrderRecord, payload: dict, country: str | None) -> OrderRecord:
    cancelled = bool(payload.get("cancelled_at")) and order.cancelled_at is None
    if _is_newer(order, payload) and not _sent_to_dropi(order):
        apply_payload(order, payload, country)
        add_event(order, "updated")
    elif cancelled:
        order.cancelled_at = parse_time(payload["cancelled_at"])
    if order.cancelled_at is not None and order.step(StepName.CANCELLATION) is None:
        _add_cancellation(order)
    db.session.commit()
    return order


def _sent_to_dropi(order: OrderRecord) -> bool:
    dropi = order.step(StepName.DROPI)
    return order.dropi_order_id is not None or (
        dropi is not None and dropi.state == StepState.RUNNING)


def _add_cancellation(order: OrderRecord) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(OrderStep(shop_id=order.shop_id, order_id=order.id,
                                     name=StepName.CANCELLATION, state=StepState.PENDING))
    except IntegrityError:
        return  # another delivery added it
    add_event(order, "cancel_requested")
