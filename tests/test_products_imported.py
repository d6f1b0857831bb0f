"""The Imported products page (/app/products/imported) with real session tokens, against the
Shopify and Dropi stand-ins over HTTP: search and paging over 10,000 imports, shop isolation,
re-sync, re-pricing with a preview of every change, and deleting with an optional archive."""
from __future__ import annotations

import re
import time
from decimal import Decimal

import requests

from app.extensions import db
from app.models import ProductAssociation
from tests.factories import find_product, install_shop, many_imports, text_of

FORM = {"title_source": "dropi", "description_source": "dropi", "price_rule": "cost*2",
        "use_dropi_barcode": "0", "import_images": "0", "status": "DRAFT"}


def row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="association-(\d+)"', html)]


def imported_via_page(world, raw: dict, **form) -> ProductAssociation:
    response = world.htmx("POST", f"/app/products/{raw['id']}/import", data={**FORM, **form})
    assert response.status_code == 200, text_of(response)
    return ProductAssociation.query.filter_by(shop_id=world.shop.id,
                                              dropi_product_id=str(raw["id"])).one()


def test_ten_thousand_imports_are_searched_and_paged_quickly(world):
    many_imports(world.shop.id, 10_000)

    started = time.perf_counter()
    response = world.page("/app/products/imported")
    first_page = time.perf_counter() - started
    html = text_of(response)
    started = time.perf_counter()
    found = text_of(world.htmx("GET", "/app/products/imported", q="producto 04321"))
    searched = time.perf_counter() - started
    started = time.perf_counter()
    last = text_of(world.htmx("GET", "/app/products/imported", page="200"))
    paged = time.perf_counter() - started
    print(f"\nImported page with 10,000 rows: first page {first_page * 1000:.0f} ms, "
          f"search {searched * 1000:.0f} ms, last page {paged * 1000:.0f} ms")

    assert response.status_code == 200
    assert "10000 imported products · page 1 of 200" in html
    assert len(row_ids(html)) == 50 and "Producto 09999" in html and "Producto 09950" in html
    assert "Producto 09949" not in html and 'rel="next"' in html
    assert "Producto 04321" in found and len(row_ids(found)) == 1
    assert "page 200 of 200" in last and "Producto 00000" in last and 'rel="next"' not in last
    assert first_page < 10 and searched < 10 and paged < 10
    past_the_end = text_of(world.htmx("GET", "/app/products/imported", page="250"))
    assert "page 200 of 200" in past_the_end and len(row_ids(past_the_end)) == 50
    nothing = text_of(world.htmx("GET", "/app/products/imported", q="no such product"))
    assert "No imported product matches" in nothing and row_ids(nothing) == []


def test_a_second_shop_never_sees_the_first_shops_imports(world):
    many_imports(world.shop.id, 30)
    other = install_shop(world.shopify, "imported-neighbour.myshopify.com")
    mine = ProductAssociation.query.filter_by(shop_id=world.shop.id).first()

    html = text_of(world.page("/app/products/imported", domain=other.domain))
    searched = text_of(world.htmx("GET", "/app/products/imported", q="Producto",
                                  domain=other.domain))
    confirm = world.htmx("GET", f"/app/products/imported/{mine.id}/delete", domain=other.domain)

    assert "You have not imported any product yet." in html and "Producto 000" not in html
    assert "No imported product matches" in searched and not row_ids(searched)
    assert confirm.status_code == 404 and mine.shopify_title not in text_of(confirm)
    assert ProductAssociation.query.count() == 30


def test_resync_updates_stock_and_the_rows_last_sync(world):
    raw = find_product(world, variable=False)
    association = imported_via_page(world, raw)
    requests.post(f"{world.dropi.url}/standin/products/co/{raw['id']}/stock",
                  json={"stock": 7, "warehouse_id": world.warehouse_id}, timeout=5)

    response = world.htmx("POST", f"/app/products/imported/{association.id}/resync")

    html = text_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="association-{association.id}"')
    assert "Never" not in html and "Synced with Dropi." in response.headers["HX-Trigger"]
    [product] = world.products_with_handle(f"dropi-co-{raw['id']}")
    [variant] = world.variants_of(product["id"])
    level = world.store_shop.levels[(variant["_inventory_item"], world.location_id)]
    assert level["_q"]["available"] == 7


def test_a_new_rule_is_previewed_for_every_variant_then_applied_as_shown(world):
    first = imported_via_page(world, find_product(world, variable=False))
    second = imported_via_page(world, find_product(world, variable=True, min_variations=2))
    ids = [str(first.id), str(second.id)]

    opened = text_of(world.htmx("POST", "/app/products/imported/reprice", data={"ids": ids}))
    assert "New price rule for 2 products" in opened and 'name="price_rule"' in opened

    pricing = {"price_rule": "cost*3", "compare_at_rule": "", "price_ending": "900",
               "min_margin_percent": ""}
    preview = text_of(world.htmx("POST", "/app/products/imported/reprice",
                                 data={"ids": ids, **pricing}))
    shown = {variant: Decimal(price) for variant, price in re.findall(
        r'data-variant="([^"]+)">.*?data-new-price="([^"]+)"', preview, re.S)}
    variant_count = 1 + len(second.variant_links)
    assert len(shown) == variant_count and all(str(p).endswith("900") for p in shown.values())
    assert f"Apply {variant_count} changes" in preview

    applied = world.htmx("POST", "/app/products/imported/reprice/apply", data={
        "ids": ids, **pricing, **{f"previewed_{k}": v for k, v in pricing.items()}})

    assert applied.status_code == 200 and "Prices changed for 2 products." in text_of(applied)
    assert text_of(applied).count('hx-swap-oob="true"') == 2
    store = world.store_shop
    assert {vid: store.variants[vid]["price"] for vid in shown} == shown
    db.session.expire_all()
    assert {a.custom_pricing for a in ProductAssociation.query} == {"cost*3"}


def test_a_rule_edited_after_the_preview_is_previewed_again_not_applied(world):
    association = imported_via_page(world, find_product(world, variable=False))
    [variant] = world.variants_of(association.shopify_product_id)

    response = world.htmx("POST", "/app/products/imported/reprice/apply", data={
        "ids": [str(association.id)], "price_rule": "cost*5", "previewed_price_rule": "cost*3"})

    assert response.status_code == 422
    assert "The rule changed since the preview" in text_of(response)
    assert world.variants_of(association.shopify_product_id)[0]["price"] == variant["price"]


def test_delete_asks_first_and_can_archive_the_shopify_product(world):
    keep = imported_via_page(world, find_product(world, variable=False))
    archive = imported_via_page(world, find_product(world, variable=True))

    confirm = text_of(world.htmx("GET", f"/app/products/imported/{archive.id}/delete"))
    assert "Delete the import of" in confirm and 'name="archive_product"' in confirm

    gone = world.htmx("POST", f"/app/products/imported/{archive.id}/delete",
                      data={"archive_product": "1"})
    kept = world.htmx("POST", f"/app/products/imported/{keep.id}/delete")

    assert f'<tr id="association-{archive.id}" hx-swap-oob="delete">' in text_of(gone)
    assert "archived" in gone.headers["HX-Trigger"]
    assert ProductAssociation.query.count() == 0
    products = world.store_shop.products
    assert products[archive.shopify_product_id]["status"] == "ARCHIVED"
    assert products[keep.shopify_product_id]["status"] == "DRAFT"
    assert kept.status_code == 200


def test_the_page_is_in_spanish_when_the_admin_is(world):
    many_imports(world.shop.id, 3)
    html = text_of(world.page("/app/products/imported", locale="es"))
    assert "Productos importados" in html and "Volver a sincronizar" in html


def test_each_request_shows_the_rows_in_its_own_language(world):
    many_imports(world.shop.id, 3)
    spanish = text_of(world.page("/app/products/imported", locale="es"))
    english = text_of(world.page("/app/products/imported", locale="en"))

    assert "Volver a sincronizar" in spanish and "Borrador" in spanish
    assert "Re-sync" in english and "Draft" in english
    assert "Volver a sincronizar" not in english and "Borrador" not in english
