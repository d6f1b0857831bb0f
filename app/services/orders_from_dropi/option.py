"""The "Create orders on Shopify" sync option: every run reads the shop's new Dropi orders and
creates in Shopify those placed outside the integration; a retry of given Dropi orders reads
each one from Dropi and sends it again, a refused one included."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.clients.dropi import DropiClient, DropiNotFound, DropiOrder
from app.clients.shopify import ShopifyClient
from app.services.orders_from_dropi.creation import ALREADY, CREATED, Creation, create_in_shopify
from app.services.orders_from_dropi.discovery import new_dropi_orders
from app.services.sync import SyncContext, sync_option

ENTITY = "dropi_order"


@sync_option("orders", config_flag="create_orders", label=_l("Create orders on Shopify"),
             default_interval_minutes=10, description=_l(
                 "Dropi orders placed outside your store (in Dropi's panel or by an Ecomdrop "
                 "flow) are created in Shopify, once each."))
def create_orders_from_dropi(ctx: SyncContext) -> None:
    dropi, shopify = ctx.dropi(), ctx.shopify()
    if ctx.entities is not None:
        _retry(ctx, dropi, shopify)
        return
    scan = new_dropi_orders(ctx.shop, dropi)
    ctx.checked(scan.seen)
    for order in scan.orders:
        ctx.keep_going()
        _report(ctx, order, create_in_shopify(ctx.shop, ctx.configuration, shopify, order))
    scan.finish()


def _retry(ctx: SyncContext, dropi: DropiClient, shopify: ShopifyClient) -> None:
    for entity in sorted(ctx.entities or ()):
        ctx.keep_going()
        ctx.checked()
        try:
            order = dropi.get_order(int(entity))
        except (DropiNotFound, ValueError):
            ctx.failed(ENTITY, entity, _("Dropi order %(id)s", id=entity),
                       _("Dropi no longer has this order."))
            continue
        _report(ctx, order, create_in_shopify(ctx.shop, ctx.configuration, shopify, order,
                                              retry_refused=True))


def _label(order: DropiOrder) -> str:
    who = " ".join(p for p in (order.customer.name, order.customer.surname) if p)
    return _("Dropi order %(id)s", id=order.id) + (f" · {who}" if who else "")


def _report(ctx: SyncContext, order: DropiOrder, creation: Creation) -> None:
    if creation.outcome == ALREADY:
        return
    if not creation.done:
        ctx.failed(ENTITY, order.id, _label(order), creation.reason or "")
        return
    name = creation.order.name if creation.order is not None else ""
    if creation.outcome == CREATED:
        detail = _("Created in Shopify as %(name)s.", name=name)
    else:
        detail = _("Shopify already had it as %(name)s (an earlier answer was lost); not "
                   "created again.", name=name)
    if creation.custom_lines:
        detail += " " + _("Not linked to a Shopify product, added as custom lines with Dropi's "
                          "title and price: %(lines)s.", lines=", ".join(creation.custom_lines))
    ctx.changed(ENTITY, order.id, _label(order), detail)

