"""Running one Ecomdrop flow for one customer: find or create the contact by phone, write the
values the flow reads into contact fields, then send the flow.

The send is the side effect that must happen once. Callers claim their record first and call
`mark_requested` (which commits) right before the send, so a worker that dies afterwards leaves
a record saying the flow may have gone out, and it is never sent again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from app.clients.ecomdrop import (EcomdropClient, EcomdropError, EcomdropUnavailable,
                                  field_name_key)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlowOutcome:
    sent: bool
    contact_id: str | None
    # True when the flow may have run although the answer was lost: never send it again.
    uncertain: bool = False
    error: str | None = None


def run_flow_once(client: EcomdropClient, *, flow_id: str, phone: str, email: str | None,
                  name: str | None, fields: dict[str, str], region: str | None,
                  mark_requested: Callable[[str], None]) -> FlowOutcome:
    """Prepare the contact, then send the flow; errors before the send raise (nothing went out),
    errors of the send itself are returned, uncertain when Ecomdrop may have acted."""
    first, _, last = (name or "").partition(" ")
    contact, _created = client.find_or_create_contact(phone, email, first, last, region=region)
    existing = {field_name_key(f.name): f for f in client.custom_fields()}
    for field_name, value in fields.items():
        field = existing.get(field_name_key(field_name)) or client.create_custom_field(field_name)
        client.set_contact_field(contact.id, field.id, value)
    mark_requested(str(contact.id))
    try:
        client.send_flow(contact.id, flow_id)
    except EcomdropUnavailable as error:
        log.warning("flow %s for contact %s: answer lost (%s)", flow_id, contact.id,
                    error.merchant_message)
        return FlowOutcome(False, str(contact.id), uncertain=True, error=error.merchant_message)
    except EcomdropError as error:
        return FlowOutcome(False, str(contact.id), error=error.merchant_message)
    return FlowOutcome(True, str(contact.id))
