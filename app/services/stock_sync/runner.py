"""One stock sync run of a shop: every associated product (or the ones a retry names), a chunk
at a time. Per chunk: Dropi's stock of each product (its detail), the units Shopify holds now
for every slot of the chunk (batched reads), one inventorySetQuantities per batch of slots
that differ, then each product's out-of-stock policy. A product Dropi no longer shows is
flagged and its Shopify stock left alone; a slot someone changed meanwhile is read again and
written once more, then its product fails with the reason."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.clients.dropi import (
    DropiAccessDenied,
    DropiAuthError,
    DropiClient,
    DropiError,
    DropiNotFound,
    DropiRateLimited,
)
from app.clients.shopify import ShopifyClient, ShopifyUserErrors
from app.extensions import db
from app.models import LocationMapping, ProductAssociation
from app.services.stock_sync.levels import (
    QUANTITIES_PER_CALL,
    BatchRefused,
    Change,
    changes_between,
    current_units,
    write_changes,
)
from app.services.stock_sync.policy import apply_out_of_stock_policy
from app.services.stock_sync.targets import ProductTargets, Slot, product_targets

log = logging.getLogger(__name__)

PRODUCTS_PER_CHUNK = 50
# Products held before their changes are written even when they fill no mutation: the
# quantities read from Shopify stay fresh, and a stopped run loses little.
MAX_PENDING = 200
ENTITY = "product"
# Errors that concern the whole account, not one product: the run stops and says why.
ACCOUNT_ERRORS = (DropiAuthError, DropiAccessDenied, DropiRateLimited)
MAX_DETAIL = 600


class StockRunReport(Protocol):
    """What a run reports to (the sync framework's SyncContext)."""

    def keep_going(self) -> None: ...
    def checked(self, n: int = 1) -> None: ...
    def changed(self, entity_type: str, entity_id, label: str, detail=None) -> None: ...
    def failed(self, entity_type: str, entity_id, label: str, reason: str) -> None: ...
    def flagged(self, entity_type: str, entity_id, label: str, reason: str) -> None: ...


class NothingToSync(Exception):
    """The shop has no Dropi connection or no mapped location: stock has nowhere to go."""


def sync_shop_stock(report: StockRunReport, shop_id: int, domain: str, shopify: ShopifyClient,
                    dropi: DropiClient, *, scope: str, entities: Iterable | None = None) -> None:
    """Run stock sync for the shop's associations (only `entities`, association ids, if given).
    `scope` names the run (the same after a resume) in the writes' idempotency keys."""
    mappings = list(db.session.scalars(select(LocationMapping).where(
        LocationMapping.shop_id == shop_id).order_by(LocationMapping.id)))
    if not mappings:
        raise NothingToSync(_("Map at least one Dropi warehouse to a Shopify location in "
                              "Settings (Locations): stock is kept there."))
    ids = _association_ids(shop_id, entities)
    pending = _Pending()
    for start in range(0, len(ids), PRODUCTS_PER_CHUNK):
        chunk = _load(shop_id, ids[start:start + PRODUCTS_PER_CHUNK])
        pending.add(chunk, _read_chunk(report, dropi, mappings, chunk))
        pending.current.update(current_units(shopify, domain, scope, pending.slots_unread()))
        if pending.changes() >= QUANTITIES_PER_CALL or len(pending.targets) >= MAX_PENDING:
            pending.flush(report, domain, scope, shopify)
    pending.flush(report, domain, scope, shopify)


class _Pending:
    """Products read from both sides whose changes are not written yet: changes of several
    chunks go in one inventorySetQuantities (up to its 250 quantities)."""

    def __init__(self) -> None:
        self.chunks: list[list[ProductAssociation]] = []
        self.targets: list[ProductTargets] = []
        self.current: dict[Slot, int] = {}

    def add(self, chunk, targets) -> None:
        self.chunks.append(chunk)
        self.targets.extend(targets)

    def slots_unread(self) -> list[Slot]:
        return [slot for t in self.targets for slot in t.units if slot not in self.current]

    def changes(self) -> int:
        return sum(1 for t in self.targets for slot, units in t.units.items()
                   if slot in self.current and self.current[slot] != units)

    def flush(self, report, domain, scope, shopify) -> None:
        if self.targets:
            written = _write(report, domain, scope, shopify, self.targets, self.current)
            for target in self.targets:
                if target.association.id not in written.failed:
                    _finish(report, shopify, target,
                            written.changes.get(target.association.id, []))
        for chunk in self.chunks:
            _forget(chunk)  # a run over thousands of products keeps memory flat
        self.chunks, self.targets, self.current = [], [], {}


def _forget(chunk: list[ProductAssociation]) -> None:
    db.session.flush()
    for association in chunk:
        for link in association.variant_links:
            db.session.expunge(link)
        db.session.expunge(association)


def _association_ids(shop_id: int, entities) -> list[int]:
    query = select(ProductAssociation.id).where(ProductAssociation.shop_id == shop_id)
    if entities is not None:
        wanted = {int(e) for e in entities if str(e).isdigit() and len(str(e)) < 12}
        query = query.where(ProductAssociation.id.in_(wanted))
    return list(db.session.scalars(query.order_by(ProductAssociation.id)))


def _load(shop_id: int, ids: list[int]) -> list[ProductAssociation]:
    return list(db.session.scalars(
        select(ProductAssociation).where(ProductAssociation.shop_id == shop_id,
                                         ProductAssociation.id.in_(ids))
        .options(selectinload(ProductAssociation.variant_links))
        .order_by(ProductAssociation.id)))


def _read_chunk(report, dropi, mappings, chunk) -> list[ProductTargets]:
    targets = []
    for association in chunk:
        report.keep_going()
        found = _read_dropi(report, dropi, mappings, association)
        if found is not None:
            targets.append(found)
    return targets


def _read_dropi(report, dropi, mappings, association) -> ProductTargets | None:
    label = association.shopify_title
    try:
        product = dropi.get_product(int(association.dropi_product_id))
    except DropiNotFound:
        report.checked()
        report.flagged(ENTITY, association.id, label, _(
            "Dropi no longer shows product %(id)s to your account (deleted, or made private by "
            "the supplier). Its Shopify stock was left as it was: check it, then delete or "
            "re-link this import.", id=association.dropi_product_id))
        return None
    except ACCOUNT_ERRORS:
        raise
    except DropiError as exc:
        report.checked()
        report.failed(ENTITY, association.id, label, exc.merchant_message)
        return None
    except ValueError:  # a Dropi id that is not a number was never a Dropi product
        report.checked()
        report.failed(ENTITY, association.id, label, _("This import has no valid Dropi id."))
        return None
    return product_targets(association, product, mappings)


class _Written:
    def __init__(self) -> None:
        self.changes: dict[int, list[Change]] = {}
        self.failed: set[int] = set()


def _write(report, domain, scope, shopify, targets: list[ProductTargets],
           current: dict[Slot, int]) -> _Written:
    """Write the chunk's changed slots; a slot refused as stale is read again and retried
    once, then its product fails; a slot refused for another reason fails its product at once
    (the rest of the chunk is still written)."""
    owner = {slot: t.association for t in targets for slot in t.units}
    wanted = {slot: units for t in targets for slot, units in t.units.items()}
    result, conflicts, done = _Written(), {}, {}
    for association in {owner[s].id: owner[s] for s in wanted if s not in current}.values():
        _fail(report, association, result, _(
            "Shopify no longer has some variants of this product (deleted in Shopify?); its "
            "stock was not updated. Re-sync it from the Imported page."))
    while True:
        changes = changes_between(current, {s: u for s, u in wanted.items()
                                            if owner[s].id not in result.failed})
        try:
            done.update({c.slot: c for c in write_changes(shopify, domain, scope, changes)})
            break
        except BatchRefused as refused:
            done.update({c.slot: c for c in refused.written})
            current.update({c.slot: c.after for c in refused.written})
            for association in {owner[slot].id: owner[slot] for slot in refused.slots}.values():
                if refused.stale:
                    _conflict(report, association, conflicts, result)
                else:
                    _fail(report, association, result, refused.message)
            written = {c.slot for c in refused.written}
            current.update(current_units(shopify, domain, scope,
                                         [c.slot for c in changes if c.slot not in written]))
    for slot, change in done.items():
        result.changes.setdefault(owner[slot].id, []).append(change)
    return result


def _conflict(report, association, conflicts: dict, result: _Written) -> None:
    conflicts[association.id] = conflicts.get(association.id, 0) + 1
    if conflicts[association.id] > 1:
        _fail(report, association, result, _(
            "Someone changed this product's stock in Shopify while it was being updated, twice "
            "in a row; it was left as it is and is tried again on the next run."))


def _fail(report, association, result: _Written, reason: str) -> None:
    if association.id not in result.failed:
        result.failed.add(association.id)
        report.checked()
        report.failed(ENTITY, association.id, association.shopify_title, reason)


def _finish(report, shopify, target: ProductTargets, changes: list[Change]) -> None:
    """The product's out-of-stock policy, then its line in the log."""
    association = target.association
    label = association.shopify_title
    report.checked()
    try:
        action = apply_out_of_stock_policy(shopify, association, target.out_of_stock)
    except ShopifyUserErrors as exc:
        db.session.rollback()
        report.failed(ENTITY, association.id, label, exc.merchant_message)
        return
    details = [f"{target.labels[c.slot]}: {c.before} → {c.after}" for c in changes]
    if action:
        details.append(action)
    if details:
        report.changed(ENTITY, association.id, label, "; ".join(details)[:MAX_DETAIL])
    if target.missing_variations:
        report.flagged(ENTITY, association.id, label, _(
            "Dropi no longer has the variations %(ids)s of this product; their Shopify stock was "
            "left as it was.", ids=", ".join(target.missing_variations)))
