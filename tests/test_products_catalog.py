"""The Dropi catalog page (/app/products) and product detail with real session tokens, against
the Dropi and Shopify stand-ins over HTTP: search, filters, paging, the imported badge,
Dropi failures as inline banners, and no secret in the HTML."""
from __future__ import annotations

import re
from decimal import Decimal

import requests

from app.extensions import db
from app.models import ProductAssociation, ShopConfiguration
from app.services.formatting import format_money
from tests.factories import (
    connect_dropi,
    find_product,
    install_shop,
    public_products,
    text_of,
)


def row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-product-id="(\d+)"', html)]


def dropi_calls(world) -> list[dict]:
    return requests.get(f"{world.dropi.url}/standin/calls", timeout=5).json()["calls"]


def associate(world, shop, dropi_id, title="Mi producto", number=9001) -> ProductAssociation:
    association = ProductAssociation(
        shop_id=shop.id, dropi_product_id=str(dropi_id), dropi_country="CO",
        shopify_product_id=f"gid://shopify/Product/{number}", original_dropi_name="x",
        shopify_title=title)
    db.session.add(association)
    db.session.commit()
    return association


def test_the_catalog_page_lists_the_connected_countrys_products(world):
    response = world.page("/app/products")

    html = text_of(response)
    expected = public_products(world)
    assert response.status_code == 200 and "<html" in html
    assert row_ids(html) == [p["id"] for p in expected[:24]]
    assert f"{len(expected)} products · page 1 of {-(-len(expected) // 24)}" in html
    first = expected[0]
    row = html[html.index(f'data-product-id="{first["id"]}"'):].split("</tr>")[0]
    assert first["name"] in row and f"SKU {first['sku']}" in row
    assert format_money(Decimal(first["sale_price"]), "COP", "en") in row
    assert format_money(Decimal(first["suggested_price"]), "COP", "en") in row
    for stock in first["warehouse_product"]:
        assert stock["warehouse"]["name"] in row
    assert len(first.get("variations") or []) == 0 or str(len(first["variations"])) in row
    assert re.search(r'<img src="http://127\.0\.0\.1:\d+/images/co/', row)


def test_costs_are_whole_pesos_in_spanish(world):
    first = public_products(world)[0]
    html = text_of(world.page("/app/products", locale="es"))
    amount = Decimal(first["sale_price"])
    assert f"{int(amount):,}".replace(",", ".") + "\xa0COP" in html
    assert "Catálogo de Dropi" in html and "Importar" in html


def test_active_search_answers_the_results_fragment(world):
    response = world.htmx("GET", "/app/products", q="licuadora")

    html = text_of(response)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="catalog-results"')
    assert "HX-Request" in response.headers["Vary"]
    names = [world.dropi_raw(i)["name"] for i in row_ids(html)]
    assert names and all("Licuadora" in name for name in names)


def test_filters_reach_dropi_and_narrow_the_list(world):
    catalog = world.dropi_catalog().values()
    favourites = {p["id"] for p in catalog if p["_favorite"] and not p["_private"]}
    private = {p["id"] for p in catalog if p["_private"]}
    in_stock = {p["id"] for p in catalog if p["stock"] > 0 and not p["_private"]}
    hogar = {p["id"] for p in catalog if not p["_private"]
             and p["categories"][0]["name"] == "Hogar"}

    def listed(**filters):
        return set(row_ids(text_of(world.htmx("GET", "/app/products", page_size=96, **filters))))

    assert listed(favorites="1") <= favourites and listed(favorites="1")
    assert listed(private="1") <= private and listed(private="1")
    assert listed(in_stock="1") <= in_stock
    assert listed(category="1") <= hogar and listed(category="1")
    warehouse = world.warehouse_id
    assert all(any(r["warehouse_id"] == warehouse for r in world.dropi_raw(i)["warehouse_product"])
               for i in listed(warehouse=str(warehouse)))
    bodies = [c.get("json") or {} for c in dropi_calls(world)
              if c["path"].endswith("products/index")]
    assert any(b.get("favorite") is True for b in bodies)
    assert any(b.get("stockmayor") == 1 for b in bodies)


def test_paging_walks_dropi_with_start_data_and_page_size(world):
    expected = [p["id"] for p in public_products(world)]

    second = text_of(world.htmx("GET", "/app/products", start="24"))
    assert row_ids(second) == expected[24:48]
    assert "page 2 of" in second and 'rel="prev"' in second and 'rel="next"' in second
    assert "start=48" in second

    small = text_of(world.htmx("GET", "/app/products", page_size="12", start="12"))
    assert row_ids(small) == expected[12:24]
    last_call = [c for c in dropi_calls(world) if c["path"].endswith("products/index")][-1]
    assert (last_call["json"]["startData"], last_call["json"]["pageSize"]) == (12, 12)


def test_an_imported_product_shows_its_badge_and_link_for_this_shop_only(world):
    first, second = public_products(world)[:2]
    associate(world, world.shop, first["id"], title="Lámpara de mi tienda", number=777)
    other = install_shop(world.shopify, "neighbour-products.myshopify.com")
    associate(world, other, second["id"], title="Producto del vecino", number=778)

    html = text_of(world.page("/app/products"))

    row = html[html.index(f'data-product-id="{first["id"]}"'):].split("</tr>")[0]
    assert "Imported" in row and "Lámpara de mi tienda" in row
    assert f"/{world.domain}/admin/products/777" in row and 'target="_top"' in row
    row = html[html.index(f'data-product-id="{second["id"]}"'):].split("</tr>")[0]
    assert "Producto del vecino" not in html and "/admin/products/778" not in row


def test_pages_are_cached_briefly_per_shop_and_filters(world):
    requests.delete(f"{world.dropi.url}/standin/calls", timeout=5)
    world.htmx("GET", "/app/products", q="lámpara")
    world.htmx("GET", "/app/products", q="lámpara")
    assert len([c for c in dropi_calls(world) if c["path"].endswith("products/index")]) == 1

    world.htmx("GET", "/app/products", q="lámpara", in_stock="1")
    other = install_shop(world.shopify, "cache-neighbour.myshopify.com")
    connect_dropi(world.dropi.app, other, None)
    world.htmx("GET", "/app/products", q="lámpara", domain=other.domain)
    assert len([c for c in dropi_calls(world) if c["path"].endswith("products/index")]) == 3


def test_without_dropi_the_page_says_to_connect_it_in_settings(world):
    bare = install_shop(world.shopify, "no-dropi-yet.myshopify.com")

    html = text_of(world.page("/app/products", domain=bare.domain))

    assert "Connect your Dropi account in Settings" in html
    assert "/app/settings?" in html and "catalog-filters" not in html


def test_a_dropi_refusal_is_an_inline_banner_not_an_error_page(world):
    config = ShopConfiguration.query.filter_by(shop_id=world.shop.id).one()
    config.dropi_token = world.dropi.app.extensions["dropi_stand_in"].token_for("MX")
    db.session.commit()

    response = world.page("/app/products")

    html = text_of(response)
    assert response.status_code == 200
    assert "Dropi did not send the catalog" in html and "rejected the integration token" in html
    assert 'id="catalog-filters"' in html


def test_no_secret_reaches_the_html(world):
    dropi_token = world.dropi.app.extensions["dropi_stand_in"].token_for("CO")
    product = find_product(world, variable=True)
    pages = [world.page("/app/products"), world.htmx("GET", "/app/products", q="a"),
             world.page(f"/app/products/{product['id']}"),
             world.page(f"/app/products/{product['id']}/import")]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert dropi_token not in html and world.shop.access_token not in html


def test_the_detail_page_shows_every_variation_and_its_stock_per_warehouse(world):
    raw = find_product(world, variable=True, min_variations=3)

    html = text_of(world.page(f"/app/products/{raw['id']}"))

    assert raw["name"] in html
    shown = re.findall(r'<tr data-variation-id="(\d+)">', html)
    assert shown == [str(v["id"]) for v in raw["variations"]]
    for variation in raw["variations"]:
        row = html[html.index(f'data-variation-id="{variation["id"]}"'):].split("</tr>")[0]
        assert variation["sku"] in row
        assert format_money(Decimal(variation["sale_price"]), "COP", "en") in row
        for stock in variation["warehouse_product_variation"]:
            assert re.search(rf"{re.escape(stock['warehouse']['name'])}</span> <strong>"
                             rf"{stock['stock']}</strong>", row)
        for attribute in variation["attribute_values"]:
            assert f"{attribute['attribute_name']}: {attribute['value']}" in row


def test_the_detail_page_shows_the_description_without_its_scripts(world):
    raw = next(p for p in world.dropi_catalog().values()
               if "<script>" in (p["description"] or "") and not p["_private"])

    html = world.page(f"/app/products/{raw['id']}").get_data(as_text=True)

    assert "calidad garantizada" in html
    assert "<script>alert" not in html and "onerror" not in html


def test_an_unknown_product_is_a_banner(world):
    html = text_of(world.page("/app/products/999999"))
    assert "Dropi did not send this product" in html
