"""A delivery incident (novedad) runs the merchant's incident flow on Ecomdrop once, with the
carrier's text, so the customer can fix the address or the delivery time.

The flow for one incident is claimed by a conditional update (incident_flow_key set from None
or another incident's key), "requested" is committed right before the send, and only then is
the flow sent: a second worker, a repeated poll or a webhook for the same incident never sends
it again, and a worker dying after the request leaves it marked as possibly sent.
"""
from __future__ import annotations

import logging

from sqlalchemy import or_, update

from app.clients.ecomdrop import EcomdropClient, EcomdropError
from app.extensions import db
from app.models import OrderRecord, Shipment, ShopConfiguration
from app.services.customer_flow import run_flow_once
from app.services.shipments.statuses import status_label
from app.services.shipments.updates import incident_key

log = logging.getLogger(__name__)

FIELD_TEXT, FIELD_ORDER, FIELD_GUIDE, FIELD_CARRIER = (
    "novedad_texto", "novedad_pedido", "novedad_guia", "novedad_transportadora")
SENT, REQUESTED, CLAIMED, FAILED = "sent", "requested", "claimed", "failed"


def _claim(shipment: Shipment, key: str) -> bool:
    result = db.session.execute(
        update(Shipment).where(Shipment.id == shipment.id,
                               or_(Shipment.incident_flow_key.is_(None),
                                   Shipment.incident_flow_key != key))
        .values(incident_flow_key=key, incident_flow_state=CLAIMED, incident_flow_error=None)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def run_incident_flow(settings, config: ShopConfiguration | None, order: OrderRecord,
                      shipment: Shipment, ecomdrop: EcomdropClient | None = None) -> str | None:
    """Send the incident flow for the shipment's open incident unless it ran for it already;
    returns the flow state reached, or None when there was nothing to do."""
    key = incident_key(shipment)
    if key is None or shipment.incident_flow_key == key:
        return None
    if config is None or not config.active or not config.ecomdrop_api_key \
            or not config.ecomdrop_incident_flow_id or not order.phone:
        return None
    if not _claim(shipment, key):
        return None
    db.session.refresh(shipment)

    def requested(contact_id: str) -> None:
        shipment.incident_flow_state = REQUESTED
        db.session.commit()

    try:
        client = ecomdrop or EcomdropClient.for_settings(settings, config.ecomdrop_api_key)
        outcome = run_flow_once(
            client, flow_id=config.ecomdrop_incident_flow_id, phone=order.phone,
            email=order.email, name=order.customer_name, region=config.dropi_country,
            fields={FIELD_TEXT: shipment.incident_text or status_label(shipment.status),
                    FIELD_ORDER: order.name, FIELD_GUIDE: shipment.guide or "",
                    FIELD_CARRIER: shipment.carrier or ""},
            mark_requested=requested)
    except EcomdropError as error:
        # Nothing went out: let the next update try again.
        shipment.incident_flow_key, shipment.incident_flow_state = None, FAILED
        shipment.incident_flow_error = error.merchant_message[:500]
        db.session.commit()
        return FAILED
    shipment.incident_flow_state = SENT if outcome.sent else (REQUESTED if outcome.uncertain
                                                             else FAILED)
    shipment.incident_flow_error = outcome.error
    db.session.commit()
    log.info("incident flow for order %s: %s", order.name, shipment.incident_flow_state)
    return shipment.incident_flow_state
