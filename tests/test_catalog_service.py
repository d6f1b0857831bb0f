"""app/services/catalog/ without Flask views, against the Dropi stand-in over HTTP: filters,
the short-lived cache (per shop and filters, never keyed by a secret), one query for the
imported marks of a page, collecting every match for a bulk import, money in the shop's
currency."""
from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from cachelib import SimpleCache
from flask_babel import force_locale
from sqlalchemy import event

from app.extensions import db
from app.models import ProductAssociation
from app.services.catalog import (
    CatalogFilters,
    CatalogNotConnected,
    browse_catalog,
    imported_marks,
    matching_product_ids,
)
from app.services.formatting import format_money, shopify_admin_product_url
from tests.factories import install_shop, public_products


def list_calls(world) -> int:
    calls = requests.get(f"{world.dropi.url}/standin/calls", timeout=5).json()["calls"]
    return sum(1 for c in calls if c["path"].endswith("products/index"))


class BrokenCache:
    def get(self, key):
        raise ConnectionError("cache down")

    def set(self, key, value, timeout=None):
        raise ConnectionError("cache down")


def test_filters_come_from_the_query_string_and_go_back_to_it():
    filters = CatalogFilters.from_args({"q": "  termo ", "favorites": "1", "in_stock": "on",
                                        "category": "3", "warehouse": "x", "start": "-5",
                                        "page_size": "48"})
    assert filters == CatalogFilters(search="termo", favorites=True, in_stock=True, category=3,
                                     page_size=48)
    assert filters.query_args(start=48) == {"q": "termo", "favorites": "1", "in_stock": "1",
                                            "category": 3, "start": 48, "page_size": 48}
    assert CatalogFilters.from_args({"page_size": "1000"}).page_size == 24


def test_pages_come_from_the_cache_keyed_by_shop_and_filters_never_by_token(world):
    cache = SimpleCache()
    requests.delete(f"{world.dropi.url}/standin/calls", timeout=5)
    filters = CatalogFilters(search="lámpara")

    first = browse_catalog(world.settings, world.shop, filters, cache=cache)
    again = browse_catalog(world.settings, world.shop, filters, cache=cache)
    browse_catalog(world.settings, world.shop, CatalogFilters(search="lámpara", start=24),
                   cache=cache)

    assert [i.product.id for i in again.items] == [i.product.id for i in first.items]
    assert list_calls(world) == 2
    token = world.dropi.app.extensions["dropi_stand_in"].token_for("CO")
    keys = list(cache._cache)
    assert len(keys) == 2 and all(f"catalog:{world.shop.id}:{world.domain}:CO:" in k
                                  for k in keys)
    assert not any(token in k or token[-12:] in k for k in keys)


def test_a_broken_cache_still_answers_from_dropi(world):
    page = browse_catalog(world.settings, world.shop, CatalogFilters(), cache=BrokenCache())
    assert [i.product.id for i in page.items] == [p["id"] for p in public_products(world)[:24]]


def test_the_imported_marks_of_a_page_take_one_query_scoped_to_the_shop(world):
    products = public_products(world)[:24]
    other = install_shop(world.shopify, "marks-neighbour.myshopify.com")
    for index, shop in ((0, world.shop), (1, other), (2, world.shop)):
        db.session.add(ProductAssociation(
            shop_id=shop.id, dropi_product_id=str(products[index]["id"]), dropi_country="CO",
            shopify_product_id=f"gid://shopify/Product/{index + 1}", original_dropi_name="d",
            shopify_title=f"Mine {index}"))
    db.session.commit()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = browse_catalog(world.settings, world.shop, CatalogFilters(), cache=SimpleCache())
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    marked = {i.product.id: i.imported.shopify_title for i in page.items if i.imported}
    assert marked == {products[0]["id"]: "Mine 0", products[2]["id"]: "Mine 2"}
    assert sum("product_associations" in s for s in statements) == 1
    assert imported_marks(world.shop.id, []) == {}


def test_every_match_is_collected_for_a_bulk_import_up_to_the_cap(world):
    expected = [str(p["id"]) for p in public_products(world)]

    everything = matching_product_ids(world.settings, world.shop, CatalogFilters())
    capped = matching_product_ids(world.settings, world.shop, CatalogFilters(), cap=150)

    assert everything.ids == expected and not everything.capped
    assert capped.ids == expected[:150] and capped.total == len(expected) and capped.capped


def test_a_shop_without_dropi_is_told_to_connect_it(world):
    bare = install_shop(world.shopify, "catalog-bare.myshopify.com")
    with force_locale("en"), pytest.raises(CatalogNotConnected) as missing:
        browse_catalog(world.settings, bare, CatalogFilters(), cache=SimpleCache())
    assert "Connect your Dropi account in Settings" in missing.value.merchant_message
    with pytest.raises(CatalogNotConnected) as spanish:
        browse_catalog(world.settings, bare, CatalogFilters(), cache=SimpleCache())
    assert "Conecta tu cuenta de Dropi en Ajustes" in spanish.value.merchant_message


@pytest.mark.parametrize("amount, currency, locale, shown", [
    ("45900.00", "COP", "es", "45.900\xa0COP"),
    ("45900.00", "COP", "en", "COP\xa045,900"),
    ("45899.50", "COP", "en", "COP\xa045,900"),
    ("1299.9", "MXN", "es", "1.299,90\xa0MXN"),
    ("1299.9", "MXN", "en", "MX$1,299.90"),
    ("19990", "CLP", "es", "19.990\xa0CLP"),
])
def test_money_is_shown_in_the_currency_and_language(amount, currency, locale, shown):
    assert format_money(Decimal(amount), currency, locale) == shown


def test_the_admin_link_uses_the_products_number(world):
    url = shopify_admin_product_url(world.settings, "a.myshopify.com", "gid://shopify/Product/42")
    assert url == f"{world.settings.shop_base_url('a.myshopify.com')}/admin/products/42"
    assert shopify_admin_product_url(world.settings, "a.myshopify.com", None) is None
