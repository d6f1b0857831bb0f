"""Step 1: the new-order WhatsApp flow through Ecomdrop. Find the customer's contact by phone
(else create it, with the order's fields and tag as actions), set the fields the flow reads,
tag it, then start the merchant's new-order flow once."""
from __future__ import annotations

import logging

from sqlalchemy import select

from app.clients.ecomdrop import ContactAction, EcomdropClient, EcomdropError
from app.extensions import db
from app.models import OrderRecord, OrderStep, ShopConfiguration, StepName, StepState
from app.services.order_pipeline.steps import add_event, finish, retry_later, save_progress

log = logging.getLogger(__name__)

ORDER_TAG = "pedido-shopify"
# Contact custom fields the new-order flow can use, by name (created once when missing).
ORDER_FIELDS = ("pedido_nombre", "pedido_total", "pedido_moneda", "pedido_productos",
                "pedido_direccion", "pedido_contra_entrega", "pedido_codigo_confirmacion")


def field_values(order: OrderRecord) -> dict[str, str]:
    """What the flow can say and ask: order name, total and currency, items, address, whether
    the customer pays on delivery, and the code the confirmation answer sends back."""
    items = ", ".join(f"{line['quantity']} x {line['title']}" for line in order.lines or [])
    address = ", ".join(p for p in (order.address1, order.address2, order.city, order.province)
                        if p)
    return {
        "pedido_nombre": order.name, "pedido_total": str(order.total),
        "pedido_moneda": order.currency, "pedido_productos": items[:1000],
        "pedido_direccion": address[:500],
        "pedido_contra_entrega": "si" if order.cash_on_delivery else "no",
        "pedido_codigo_confirmacion": order.confirmation_code,
    }


def ecomdrop_for(settings, config: ShopConfiguration | None) -> EcomdropClient | None:
    if not config or not config.ecomdrop_api_key or not config.ecomdrop_new_order_flow_id:
        return None
    return EcomdropClient.for_settings(settings, config.ecomdrop_api_key)


def ensure_order_fields(client: EcomdropClient, config: ShopConfiguration) -> dict[str, str]:
    """The ids of the order fields (and of the order tag, under its name), creating those the
    account lacks. Done once per shop: the shop's configuration row is locked while it runs
    (PostgreSQL), so two first orders do not both create them, and the ids are kept on it."""
    wanted = ORDER_FIELDS + (ORDER_TAG,)
    known = dict((config.ecomdrop_order_fields or {}))
    if all(name in known for name in wanted):
        return known
    db.session.refresh(config, with_for_update=True)
    known = dict(config.ecomdrop_order_fields or {})
    if all(name in known for name in wanted):
        db.session.commit()
        return known
    existing = {f.name.casefold(): f.id for f in client.custom_fields()}
    for name in ORDER_FIELDS:
        if name not in known:
            known[name] = existing.get(name) or _create_field(client, name)
    tag = next((t for t in client.tags() if t.name == ORDER_TAG), None)
    known[ORDER_TAG] = (tag or client.create_tag(ORDER_TAG)).id
    config.ecomdrop_order_fields = known
    db.session.commit()
    return known


def _create_field(client: EcomdropClient, name: str) -> str:
    """Create a custom field; when another process created it first, use that one."""
    try:
        return client.create_custom_field(name).id
    except EcomdropError:
        found = client.find_custom_field(name)
        if found is None:
            raise
        return found.id


def run_whatsapp(settings, order: OrderRecord, step: OrderStep, token: str) -> None:
    config = db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == order.shop_id)).scalar_one_or_none()
    client = ecomdrop_for(settings, config)
    if client is None:
        _skip(order, step, token, "ecomdrop_not_connected")
        return
    if not order.phone:
        _skip(order, step, token, "no_phone")
        return
    if (step.progress or {}).get("flow_requested"):
        # A flow request went out and we never learnt its fate: sending again could message
        # the customer twice, so the merchant decides.
        finish(step, token, StepState.FAILED, reason="flow_uncertain")
        return
    try:
        _send(client, config, order, step, token)
    except EcomdropError as exc:
        _failed(settings, order, step, token, exc)


def _send(client, config, order, step, token) -> None:
    fields = ensure_order_fields(client, config)
    values = field_values(order)
    found = client.find_contacts("phone", order.phone)
    if found:
        contact = found[0]
        for name, value in values.items():
            client.set_contact_field(contact.id, fields[name], value)
        client.add_tag(contact.id, fields[ORDER_TAG])
        add_event(order, "contact_found", StepName.WHATSAPP)
    else:
        actions = [ContactAction.set_field_value(n, v) for n, v in values.items()]
        contact = client.create_contact(order.phone, order.email, order.first_name,
                                        order.last_name,
                                        actions=actions + [ContactAction.add_tag(ORDER_TAG)])
        add_event(order, "contact_created", StepName.WHATSAPP)
    order.ecomdrop_contact_id = str(contact.id)
    if not save_progress(step, token, contact_id=str(contact.id), flow_requested=True):
        return
    flow_id = config.ecomdrop_new_order_flow_id
    try:
        client.send_flow(contact.id, flow_id)
    except EcomdropError as exc:
        if _surely_not_run(exc):
            save_progress(step, token, flow_requested=False)
        raise
    if finish(step, token, StepState.DONE):
        add_event(order, "flow_sent", StepName.WHATSAPP, flow=flow_id)
        db.session.commit()


def _surely_not_run(exc: EcomdropError) -> bool:
    """Refused before anything ran (bad request, unknown flow, rate limited): safe to retry.
    A timeout or a server error may come after the flow started."""
    return exc.status is not None and 400 <= exc.status < 500


def _skip(order, step, token, reason: str) -> None:
    if finish(step, token, StepState.SKIPPED, reason=reason):
        add_event(order, "whatsapp_skipped", StepName.WHATSAPP, reason=reason)
        db.session.commit()


def _failed(settings, order, step, token, exc: EcomdropError) -> None:
    message = exc.merchant_message
    if (step.progress or {}).get("flow_requested"):
        finish(step, token, StepState.FAILED, reason="flow_uncertain", error=message)
        return
    permanent = exc.status in (400, 401, 403, 404)
    if permanent:
        if finish(step, token, StepState.FAILED, error=message):
            add_event(order, "step_failed", StepName.WHATSAPP, step="whatsapp", error=message)
            db.session.commit()
        return
    retry_later(step, token, message, settings.order_retry_seconds)
