"""The out-of-stock policy of an imported product, applied once when every linked variant is
out of stock at Dropi and undone once when stock returns: "zero" only sets the quantities,
"draft" also sets the product to draft (and back to active), "continue" keeps selling
(inventory policy CONTINUE, and back to DENY). The action taken is stored on the association,
so a repeated run does not repeat it and a changed policy undoes the old action first. A product
that was not active when it ran out is left as it is (and not activated when stock returns)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.clients.shopify import ShopifyClient
from app.extensions import db
from app.models import OUT_OF_STOCK_POLICIES, ProductAssociation

POLICY_LABELS = {
    "zero": _l("Set stock to zero"),
    "draft": _l("Set the product to draft"),
    "continue": _l("Keep selling"),
}


def apply_out_of_stock_policy(client: ShopifyClient, association: ProductAssociation,
                              out_of_stock: bool) -> str | None:
    """Bring the product in line with its policy; what was done, for the log (None: nothing)."""
    policy = association.out_of_stock_policy or "zero"
    wanted = policy if out_of_stock and policy != "zero" else None
    applied = association.out_of_stock_applied
    if applied == wanted:
        return None
    done = []
    if applied == "kept" and wanted == "draft":
        return None
    if applied is not None:
        _undo(client, association, applied)
        if applied != "kept":
            done.append(_("back to active") if applied == "draft" else
                        _("stops selling without stock"))
    if wanted is not None:
        wanted = _do(client, association, wanted)
        if wanted == "draft":
            done.append(_("set to draft (out of stock)"))
        elif wanted == "continue":
            done.append(_("keeps selling without stock"))
    association.out_of_stock_applied = wanted
    db.session.commit()
    return "; ".join(done) or None


def _do(client: ShopifyClient, association: ProductAssociation, action: str) -> str:
    """Take the action; what to remember ("kept" when a product was not active to begin with:
    nothing to undo later)."""
    if action == "draft":
        product = client.query("product_status", {"id": association.shopify_product_id}
                               ).get("product")
        if not product or product["status"] != "ACTIVE":
            return "kept"
        _status(client, association, "DRAFT")
        return action
    _inventory_policy(client, association, "CONTINUE")
    return action


def _undo(client: ShopifyClient, association: ProductAssociation, action: str) -> None:
    if action == "kept":
        return
    if action == "draft":
        _status(client, association, "ACTIVE")
    else:
        _inventory_policy(client, association, "DENY")


def _status(client: ShopifyClient, association: ProductAssociation, status: str) -> None:
    # Setting a status it already has changes nothing: safe to repeat.
    client.mutate("product_update", {"product": {"id": association.shopify_product_id,
                                                 "status": status}}, idempotent=True)


def _inventory_policy(client: ShopifyClient, association: ProductAssociation, policy: str
                      ) -> None:
    variants = [{"id": link.shopify_variant_id, "inventoryPolicy": policy}
                for link in association.variant_links if link.shopify_variant_id]
    if variants:
        client.mutate("variants_inventory_policy", {
            "productId": association.shopify_product_id, "variants": variants},
            idempotent=True)


class PolicyInvalid(ValueError):
    """A value that is not one of the out-of-stock policies (the message says so)."""


def set_out_of_stock_policy(association: ProductAssociation, policy: str) -> None:
    """Store the product's out-of-stock policy; the next stock sync applies it."""
    if policy not in OUT_OF_STOCK_POLICIES:
        raise PolicyInvalid(_("Choose one of the listed values."))
    association.out_of_stock_policy = policy
    db.session.commit()
