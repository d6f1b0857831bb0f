"""The Imported page's data: paged search over the shop's imports (fast with 10,000 of them),
each shop seeing only its own, and deleting an import with or without archiving in Shopify."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from app.extensions import db
from app.models import ProductAssociation, VariantLink
from app.models.types import utcnow
from app.services.product_import import (
    AssociationNotFound,
    delete_association,
    import_product,
    list_associations,
)
from tests.conftest import create_shop
from tests.factories import find_dropi_product, prefs


def _many(shop_id: int, count: int, *, start: int = 0) -> None:
    now = utcnow()
    rows = [{"shop_id": shop_id, "dropi_product_id": str(100000 + i),
             "shopify_product_id": f"gid://shopify/Product/{500000 + i}",
             "original_dropi_name": f"Producto Dropi {i:05d}",
             "shopify_title": f"Producto {i:05d} {'azul' if i % 10 == 0 else 'rojo'}",
             "import_type": "bulk", "variant_mappings": {}, "dropi_country": "CO",
             "product_status": "DRAFT", "imported_at": now - timedelta(seconds=count - i)}
            for i in range(start, start + count)]
    db.session.execute(insert(ProductAssociation), rows)
    db.session.commit()


def test_imports_are_listed_newest_first_and_searched(app, shop, other_shop):
    _many(shop.id, 120)
    _many(other_shop.id, 5, start=1000)
    page = list_associations(shop.id, page=1, per_page=50)
    assert (page.total, page.pages, len(page.items)) == (120, 3, 50)
    assert page.items[0].shopify_title == "Producto 00119 rojo" and page.has_next
    assert page.items[-1].shopify_title == "Producto 00070 azul"
    last = list_associations(shop.id, page=3, per_page=50)
    assert len(last.items) == 20 and not last.has_next
    assert list_associations(shop.id, page=99).page == 3
    found = list_associations(shop.id, search="AZUL")
    assert found.total == 12 and all("azul" in a.shopify_title for a in found.items)
    assert list_associations(shop.id, search="100007").items[0].dropi_product_id == "100007"
    assert list_associations(shop.id, search="Dropi 00042").total == 1
    assert list_associations(shop.id, search="100%").total == 0
    assert list_associations(shop.id, search="Producto 01000").total == 0, "other shop's"


def test_ten_thousand_imports_page_in_three_statements_and_search_in_two(app, shop):
    _many(shop.id, 10_000)
    list_associations(shop.id, search="Producto", page=2)  # statements compile once
    statements = []
    listen = lambda *args: statements.append(args[2])
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        for search, page in ((None, 1), (None, 200), ("azul", 10), ("Dropi 09999", 1)):
            result = list_associations(shop.id, search=search, page=page, per_page=50)
            assert result.items
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    # The list: count, ids, rows; a search: ids with their count, rows. Nothing per row.
    assert len(statements) == 3 + 3 + 2 + 2
    assert list_associations(shop.id).total == 10_000


def test_deleting_an_import_can_archive_the_shopify_product(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs(status="ACTIVE"))
    delete_association(world.ctx(), result.association.id, archive_product=True)
    assert world.store_shop.products[result.shopify_product_id]["status"] == "ARCHIVED"
    assert ProductAssociation.query.count() == 0 and VariantLink.query.count() == 0


def test_deleting_an_import_keeps_the_product_unless_asked(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs(status="ACTIVE"))
    delete_association(world.ctx(), result.association.id)
    assert world.store_shop.products[result.shopify_product_id]["status"] == "ACTIVE"
    assert ProductAssociation.query.count() == 0
    again = import_product(world.ctx(), raw["id"], prefs())
    assert not again.created and again.shopify_product_id == result.shopify_product_id


def test_archiving_a_product_already_deleted_in_shopify_still_deletes_the_import(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs())
    from standins.shopify import catalog

    with world.shopify.store.transaction():
        catalog.product_delete(world.store_shop, result.shopify_product_id)
    delete_association(world.ctx(), result.association.id, archive_product=True)
    assert ProductAssociation.query.count() == 0


def test_another_shop_cannot_delete_an_import(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs())
    ctx = world.ctx()
    ctx.shop = create_shop("stranger.myshopify.com")
    with pytest.raises(AssociationNotFound):
        delete_association(ctx, result.association.id, archive_product=True)
    assert ProductAssociation.query.count() == 1
    assert world.store_shop.products[result.shopify_product_id]["status"] == "DRAFT"
