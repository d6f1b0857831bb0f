"""Step 3: the Dropi order. Pre-flight (Dropi's department and city for the address, which is
also the coverage check for the rate type; a carrier quote when the merchant prefers a carrier
or the cheapest), then POST /orders/myorders with shop_order_id = the Shopify order id.

Exactly once: the step runs under a lease, and before the create request goes out the step
commits that it is sending. Any later run (a retry after a timeout, another worker after this
one died) first looks the order up in Dropi, by the stored Dropi id, else by shop_order_id,
and creates it only when Dropi has none."""
from __future__ import annotations

import logging
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.clients.dropi import (
    City,
    DropiClient,
    DropiError,
    DropiNotFound,
    DropiOrder,
    DropiRateLimited,
    DropiUnavailable,
    NewOrder,
    OrderLine,
)
from app.extensions import db
from app.models import (
    LocationMapping,
    OrderRecord,
    OrderStep,
    ShopConfiguration,
    StepName,
    StepState,
)
from app.services.order_pipeline import geography
from app.services.order_pipeline.steps import add_event, finish, retry_later, save_progress

log = logging.getLogger(__name__)

CHEAPEST = "cheapest"


def dropi_for(settings, config: ShopConfiguration | None) -> DropiClient | None:
    if not config or not config.dropi_token or not config.dropi_country:
        return None
    return DropiClient.for_settings(settings, config.dropi_token, config.dropi_country)


def total_order(order: OrderRecord) -> int:
    """What the customer pays, shipping included, as Dropi's integer amount. A mixed order
    counts only its Dropi lines (plus shipping): the carrier collects for what it carries."""
    if order.has_other_lines:
        amount = sum((Decimal(line["price"]) * line["quantity"] for line in order.dropi_lines),
                     Decimal(0)) + order.shipping_total
    else:
        amount = order.total
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def new_order(order: OrderRecord, destination: geography.Destination,
              carrier_id: int | None) -> NewOrder:
    lines = tuple(OrderLine(product_id=int(line["dropi_product_id"]), name=line["title"],
                            quantity=int(line["quantity"]), price=Decimal(line["price"]),
                            variation_id=int(line["dropi_variation_id"])
                            if line.get("dropi_variation_id") else None)
                  for line in order.dropi_lines)
    return NewOrder(
        shop_order_id=order.shopify_order_id, total_order=Decimal(total_order(order)),
        name=order.first_name or order.customer_name or order.name,
        surname=order.last_name, phone=order.phone or order.phone_as_given or "",
        address=", ".join(p for p in (order.address1, order.address2) if p),
        state=destination.department, city=destination.city, lines=lines,
        cash_on_delivery=order.cash_on_delivery, client_email=order.email or "",
        notes=f"Shopify {order.name}", zip_code=order.zip_code or None,
        distribution_company_id=carrier_id)


def run_dropi(settings, order: OrderRecord, step: OrderStep, token: str) -> None:
    config = db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == order.shop_id)).scalar_one_or_none()
    if not order.has_dropi_lines:
        finish(step, token, StepState.SKIPPED, reason="no_dropi_lines")
        return
    client = dropi_for(settings, config)
    if client is None:
        finish(step, token, StepState.FAILED, reason="dropi_not_connected")
        return
    try:
        _run(client, config, order, step, token)
    except DropiError as exc:
        _failed(settings, order, step, token, exc)


def _run(client: DropiClient, config, order, step, token) -> None:
    if order.dropi_order_id is not None or (step.progress or {}).get("create_sent"):
        existing = find_existing(client, order)
        if existing is not None:
            _store(order, existing)
            if finish(step, token, StepState.DONE):
                add_event(order, "dropi_found", StepName.DROPI, id=existing.id)
                db.session.commit()
            return
    destination = geography.resolve(client, order)
    if destination is None:
        if finish(step, token, StepState.WAITING, reason="city_unknown"):
            add_event(order, "city_unknown", StepName.DROPI, city=order.city,
                      province=order.province)
            db.session.commit()
        return
    _remember_destination(order, destination)
    carrier_id = _carrier(client, config, order, destination)
    if order.has_other_lines:
        others = ", ".join(line["title"] for line in order.lines if not line["dropi"])
        add_event(order, "mixed_order", StepName.DROPI, lines=others)
    payload = new_order(order, destination, carrier_id)
    if not save_progress(step, token, create_sent=True):
        return
    created = client.create_order(payload)
    _store(order, created)
    order.dropi_total_order = int(payload.total_order)
    if finish(step, token, StepState.DONE):
        add_event(order, "dropi_created", StepName.DROPI, id=created.id, status=created.status)
        db.session.commit()


def find_existing(client: DropiClient, order: OrderRecord) -> DropiOrder | None:
    """The Dropi order already made for this Shopify order: by its stored id, else by
    shop_order_id among the orders created since the day before the order."""
    if order.dropi_order_id is not None:
        try:
            return client.get_order(order.dropi_order_id)
        except DropiNotFound:
            pass
    since = (order.shopify_created_at or order.created_at) - timedelta(days=1)
    until = since + timedelta(days=40)
    return client.find_order_by_shop_order_id(order.shopify_order_id,
                                              since.date().isoformat(), until.date().isoformat())


def _store(order: OrderRecord, found: DropiOrder) -> None:
    order.dropi_order_id = found.id
    order.dropi_status = found.status or order.dropi_status
    if found.shipping_amount is not None:
        order.dropi_shipping_amount = found.shipping_amount
    order.dropi_guide = found.shipping_guide or order.dropi_guide
    order.dropi_carrier = found.shipping_company or order.dropi_carrier


def _remember_destination(order: OrderRecord, destination: geography.Destination) -> None:
    if order.dropi_city_id != destination.city_id:
        order.dropi_department, order.dropi_city = destination.department, destination.city
        order.dropi_city_id, order.dropi_cod_dane = destination.city_id, destination.cod_dane
        add_event(order, "city_resolved", StepName.DROPI, city=destination.city,
                  department=destination.department)


def _carrier(client: DropiClient, config, order, destination) -> int | None:
    """The carrier to ask for: None (Dropi's own preferences) unless the merchant prefers one
    or the cheapest; then the quote decides (the preferred one when it serves the city)."""
    preference = (config.preferred_carrier or "").strip() if config else ""
    if not preference:
        return None
    origin = _warehouse_city(client, order)
    products = [{"id": int(line["dropi_product_id"]), "quantity": int(line["quantity"]),
                 "price": line["price"],
                 "type": "VARIABLE" if line.get("dropi_variation_id") else "SIMPLE"}
                for line in order.dropi_lines]
    quotes = [q for q in client.quote_shipping(
        City(destination.city_id, destination.city, destination.department_id,
             destination.cod_dane), products, cash_on_delivery=order.cash_on_delivery,
        amount=Decimal(total_order(order)), origin=origin,
        warehouse_id=_warehouse_id(order)) if q.available]
    if not quotes:
        return None
    chosen = next((q for q in quotes if str(q.carrier_id) == preference), None) \
        if preference != CHEAPEST else None
    chosen = chosen or min(quotes, key=lambda q: q.price)
    order.dropi_carrier_id, order.dropi_carrier_name = chosen.carrier_id, chosen.carrier
    add_event(order, "carrier_chosen", StepName.DROPI, carrier=chosen.carrier,
              amount=f"{chosen.price} {order.currency}")
    return chosen.carrier_id


def _warehouse_id(order: OrderRecord) -> int | None:
    mapping = db.session.execute(select(LocationMapping).where(
        LocationMapping.shop_id == order.shop_id).order_by(LocationMapping.id)).scalars().first()
    return int(mapping.dropi_warehouse_id) if mapping else None


def _warehouse_city(client: DropiClient, order: OrderRecord) -> City | None:
    """The sender's city (ciudad_remitente) for the quote: the mapped warehouse's city."""
    warehouse_id = _warehouse_id(order)
    warehouse = next((w for w in client.warehouses() if w.id == warehouse_id), None)
    if warehouse is None or not warehouse.city:
        return None
    wanted = geography.plain(warehouse.city)
    for department in geography.departments(client):
        for city in geography.cities(client, department.id, "CON RECAUDO"):
            if geography.plain(city.name) == wanted:
                return city
    return None


def _failed(settings, order, step, token, exc: DropiError) -> None:
    """A passing failure (Dropi down, slow or limiting us) is retried later; a refusal (access
    denied, token, validation) waits for the merchant with Dropi's reason."""
    message = exc.merchant_message
    if isinstance(exc, (DropiUnavailable, DropiRateLimited)):
        retry_later(step, token, message, settings.order_retry_seconds)
        return
    if finish(step, token, StepState.FAILED, error=message):
        add_event(order, "step_failed", StepName.DROPI, step="dropi", error=message)
        db.session.commit()
