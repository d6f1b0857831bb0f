"""What one row of the Imported page shows, computed in Python once per row.

The page lists 50 rows; translating the same labels, formatting dates and calling template
macros per row was most of its server time. Labels are translated once per request, dates
formatted once per distinct minute (the short format shows no seconds, and a bulk import's rows
share their minutes), and the template only reads attributes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import g
from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import gettext as _

from app.auth.embedded import embedded_url
from app.models import ProductAssociation
from app.services.formatting import shopify_admin_product_url
from app.services.product_import.records import MODE_LINK, association_mode
from app.services.stock_sync import POLICY_LABELS

DEFAULT_RULE = "cost*2"
PLACEHOLDER_ID = 2147483647  # the largest id a row can have; each row puts its own in its place


@dataclass(frozen=True)
class ImportedRow:
    id: int
    title: str
    select_label: str
    admin_url: str | None
    kind: str
    active: bool
    status: str
    dropi_name: str
    dropi_id: str
    country: str | None
    rule: str
    compare_at: str | None
    ending: str | None
    margin: str | None
    imported_at: str
    synced_at: str
    sync_error: str | None
    resync_url: str
    delete_url: str
    policy: str
    policy_url: str
    policies: list[tuple[str, str]]  # (value, label) of every out-of-stock policy
    labels: dict[str, str]  # the texts every row shows alike


def imported_row(association: ProductAssociation, settings) -> ImportedRow:
    """The row of ``association`` in the merchant's language and the shop's time zone."""
    memo = _request_memo()
    labels = memo["labels"]
    if association_mode(association) == MODE_LINK:
        kind = labels["linked"]
    else:
        kind = labels.get(association.import_type, labels["imported"])
    active = association.product_status == "ACTIVE"
    return ImportedRow(
        id=association.id,
        title=association.shopify_title,
        select_label=labels["select"] % {"title": association.shopify_title},
        admin_url=shopify_admin_product_url(settings, g.shop_domain,
                                            association.shopify_product_id),
        kind=kind, active=active, status=labels["active"] if active else labels["draft"],
        dropi_name=association.original_dropi_name, dropi_id=association.dropi_product_id,
        country=association.dropi_country,
        rule=association.custom_pricing or DEFAULT_RULE,
        compare_at=(labels["compare_at"] % {"rule": association.compare_at_rule}
                    if association.compare_at_rule else None),
        ending=(labels["ending"] % {"ending": association.price_ending}
                if association.price_ending else None),
        margin=_margin(labels, association.min_margin_percent),
        imported_at=(_short(memo, association.imported_at) if association.imported_at
                     else "—"),
        synced_at=(_short(memo, association.last_synced_at) if association.last_synced_at
                   else labels["never"]),
        sync_error=association.last_sync_error,
        resync_url=_row_url(memo, "products.resync", association.id),
        delete_url=_row_url(memo, "products.delete_confirm", association.id),
        policy=association.out_of_stock_policy,
        policy_url=_row_url(memo, "products.out_of_stock_policy", association.id),
        policies=memo["policies"], labels=labels,
    )


def _margin(labels: dict, margin: Decimal | None) -> str | None:
    return None if margin is None else labels["margin"] % {"margin": margin}


def _request_memo() -> dict:
    """What every row of a request shares, kept on `g` per language, time zone, shop and host
    (a test or CLI command may keep one app context, and so one `g`, across requests)."""
    key = (str(get_locale()), str(get_timezone()), g.get("shop_domain"), g.get("host"))
    memos = g.get("_imported_row_memos")
    if memos is None:
        memos = g._imported_row_memos = {}
    memo = memos.get(key)
    if memo is None:
        memo = memos[key] = {"labels": _labels(), "dates": {}, "urls": {}, "policies": [
            (value, str(label)) for value, label in POLICY_LABELS.items()]}
    return memo


def _row_url(memo: dict, endpoint: str, association_id: int) -> str:
    """`embedded_url(endpoint, association_id=...)`, built once per request for a placeholder
    id that is then replaced (the query, the request's own parameters, is the same each row)."""
    template = memo["urls"].get(endpoint)
    if template is None:
        template = memo["urls"][endpoint] = embedded_url(endpoint,
                                                         association_id=PLACEHOLDER_ID)
    return template.replace(f"/{PLACEHOLDER_ID}/", f"/{association_id}/", 1)


def _labels() -> dict[str, str]:
    return {
        "linked": _("Linked"), "bulk": _("Bulk import"), "auto": _("Automatic"),
        "imported": _("Imported"), "active": _("Active"), "draft": _("Draft"),
        "never": _("Never"), "resync": _("Re-sync"), "delete": _("Delete…"),
        "out_of_stock": _("When out of stock"),
        # Without values gettext leaves the placeholders for each row to fill in.
        "select": _("Select %(title)s"), "compare_at": _("Compare at %(rule)s"),
        "ending": _("Ends in %(ending)s"), "margin": _("Margin at least %(margin)s%%"),
    }


def _short(memo: dict, moment: datetime) -> str:
    minute = moment.replace(second=0, microsecond=0)
    text = memo["dates"].get(minute)
    if text is None:
        text = memo["dates"][minute] = format_datetime(minute, "short")
    return text
