"""Shopify's side of stock sync: the available units now at each slot (read in batches), and
writing only the slots that differ with inventorySetQuantities, compare-and-set on
changeFromQuantity, one mutation per batch of changes. The @idempotent key is derived from the
shop and every (item, location, from, to) of the batch: a run repeated after a lost answer or
a killed worker sends the same key for the same write, and a write that did happen reads back
as unchanged and is not sent again."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from app.clients.shopify import ShopifyClient, ShopifyUserErrors
from app.services.product_import.shopify_reads import read_available
from app.services.stock_sync.targets import Slot

log = logging.getLogger(__name__)

QUANTITIES_PER_CALL = 250  # Shopify's input array limit
STALE = "CHANGE_FROM_QUANTITY_STALE"
REASON = "correction"


@dataclass(frozen=True)
class Change:
    slot: Slot
    before: int
    after: int


class BatchRefused(Exception):
    """Shopify refused a batch (all of it: nothing of it was set) because of these slots:
    `stale` when someone changed them since we read them, else `message` says why."""

    def __init__(self, slots: list[Slot], written: list["Change"], *, stale: bool,
                 message: str) -> None:
        super().__init__(message)
        self.slots, self.stale, self.message = slots, stale, message
        self.written = written  # the batches before the refused one, which were set


def current_units(client: ShopifyClient, domain: str, scope: str, slots: list[Slot]
                  ) -> dict[Slot, int]:
    """Available units now at each slot; a slot not stocked yet is activated (at 0). A slot
    Shopify refuses to stock (its variant was deleted) is left out of the answer."""
    by_location: dict[str, list[str]] = {}
    for slot in slots:
        by_location.setdefault(slot.location_id, []).append(slot.inventory_item_id)
    found: dict[Slot, int] = {}
    for location_id, items in by_location.items():
        for item_id, units in read_available(client, list(dict.fromkeys(items)),
                                             location_id).items():
            slot = Slot(item_id, location_id)
            if units is None:
                try:
                    _activate(client, domain, scope, slot)
                except ShopifyUserErrors:
                    continue
                units = 0
            found[slot] = units
    return found


def _activate(client: ShopifyClient, domain: str, scope: str, slot: Slot) -> None:
    key = _key(domain, f"activate-{scope}", [f"{slot.inventory_item_id}|{slot.location_id}"])
    client.mutate("inventory_activate", {"inventoryItemId": slot.inventory_item_id,
                                         "locationId": slot.location_id, "idempotencyKey": key},
                  idempotent=True)


def changes_between(current: dict[Slot, int], wanted: dict[Slot, int]) -> list[Change]:
    """The slots whose units differ, in a stable order."""
    return [Change(slot, current[slot], units) for slot, units in wanted.items()
            if slot in current and current[slot] != units]


def write_changes(client: ShopifyClient, domain: str, scope: str, changes: list[Change]
                  ) -> list[Change]:
    """inventorySetQuantities for the changes, QUANTITIES_PER_CALL at a time; returns them.
    `scope` (the run) goes into the idempotency key, so the same numbers in a later run are a
    new write. BatchRefused names the slots of a refused batch and the changes written before
    it."""
    written: list[Change] = []
    for start in range(0, len(changes), QUANTITIES_PER_CALL):
        batch = changes[start:start + QUANTITIES_PER_CALL]
        quantities = [{"inventoryItemId": c.slot.inventory_item_id,
                       "locationId": c.slot.location_id, "quantity": c.after,
                       "changeFromQuantity": c.before} for c in batch]
        key = _key(domain, f"set-{scope}", [f"{c.slot.inventory_item_id}|{c.slot.location_id}|"
                                   f"{c.before}|{c.after}" for c in batch])
        try:
            client.mutate("inventory_set_quantities", {
                "input": {"name": "available", "reason": REASON, "quantities": quantities},
                "idempotencyKey": key}, idempotent=True)
        except ShopifyUserErrors as exc:
            stale = any(e.get("code") == STALE for e in exc.errors)
            log.info("Stock of %s: Shopify refused a batch: %s", domain, exc.errors)
            raise BatchRefused(_slots_named(exc.errors, batch), written, stale=stale,
                               message=exc.merchant_message) from None
        written.extend(batch)
    return written


def _slots_named(errors: list[dict], batch: list[Change]) -> list[Slot]:
    """The slots the userErrors point at (input.quantities.N...), else the whole batch."""
    slots = []
    for error in errors:
        field = error.get("field") or []
        index = next((int(p) for p in field if str(p).isdigit()), None)
        slots.append(batch[index].slot if index is not None and index < len(batch)
                     else None)
    if not slots or any(slot is None for slot in slots):
        return [c.slot for c in batch]  # cannot tell which: the whole batch is suspect
    return slots


def _key(domain: str, kind: str, parts: list[str]) -> str:
    digest = hashlib.sha256("\n".join([domain, kind, *parts]).encode()).hexdigest()
    return f"stock-{digest[:56]}"
