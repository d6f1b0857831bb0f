"""Importing one Dropi product from the admin (create and link modes) with real session
tokens, against the Shopify and Dropi stand-ins over HTTP: the preview shows exactly what the
import then writes, bad input comes back inline with nothing lost, Shopify's refusals are
shown, and a linked product gets the mapping the merchant confirmed."""
from __future__ import annotations

import json
import re
from decimal import Decimal

from app.extensions import db
from app.models import LocationMapping, ProductAssociation
from tests.factories import connect_dropi, find_product, install_shop, text_of

FORM = {"title_source": "dropi", "description_source": "dropi", "price_rule": "cost*1.4",
        "compare_at_rule": "price*1.5", "price_ending": "900", "min_margin_percent": "35",
        "use_dropi_barcode": "1", "import_images": "1", "status": "DRAFT"}


def previewed_prices(html: str) -> dict[str, Decimal]:
    rows = re.findall(r'<tr data-variant="([^"]*)">.*?data-price="([^"]+)"', html, re.S)
    return {key: Decimal(price) for key, price in rows}


def toast_of(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])["toast"]


def test_the_import_page_offers_the_preferences_and_loads_a_preview(world):
    raw = find_product(world, variable=True)

    html = text_of(world.page(f"/app/products/{raw['id']}/import"))

    assert f"Import “{raw['name']}”" in html
    for name in ("title_source", "custom_title", "description_source", "custom_description",
                 "price_rule", "compare_at_rule", "price_ending", "min_margin_percent",
                 "use_dropi_barcode", "import_images", "status"):
        assert f'name="{name}"' in html
    assert 'value="cost*2"' in html and "cost+30%" in html
    assert 'hx-trigger="load, input delay:500ms from:closest form' in html


def test_the_preview_shows_what_the_import_then_writes(world):
    raw = find_product(world, variable=True, min_variations=3)
    path = f"/app/products/{raw['id']}"

    preview = world.htmx("POST", f"{path}/preview", data=FORM)
    html = text_of(preview)
    prices = previewed_prices(html)
    assert preview.status_code == 200
    assert set(prices) == {str(v["id"]) for v in raw["variations"]}
    assert all(str(p).endswith("900") for p in prices.values())
    assert "Bodega Bogotá" in html
    assert not world.products_with_handle(f"dropi-co-{raw['id']}"), "a preview writes nothing"

    response = world.htmx("POST", f"{path}/import", data=FORM)

    result = text_of(response)
    assert response.status_code == 200
    assert toast_of(response) == {"message": "Product imported to Shopify.", "kind": "success"}
    [product] = world.products_with_handle(f"dropi-co-{raw['id']}")
    number = product["id"].rsplit("/", 1)[-1]
    assert f"/{world.domain}/admin/products/{number}" in result
    assert "/app/products/imported" in result
    written = {v["sku"]: v["price"] for v in world.variants_of(product["id"])}
    by_sku = {str(v["id"]): v["sku"] for v in raw["variations"]}
    assert {by_sku[key]: price for key, price in prices.items()} == written


def test_a_bad_price_rule_is_shown_inline_with_its_position_and_nothing_typed_is_lost(world):
    raw = find_product(world, variable=False)
    typed = {**FORM, "price_rule": "cost*2x", "title_source": "custom",
             "custom_title": "Lámpara para mi tienda", "price_ending": "990"}

    preview = world.htmx("POST", f"/app/products/{raw['id']}/preview", data=typed)
    assert preview.status_code == 422 and "at character 7" in text_of(preview)
    assert "<code>cost*2<mark>x</mark></code>" in text_of(preview)

    response = world.htmx("POST", f"/app/products/{raw['id']}/import", data=typed)

    html = text_of(response)
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="import-form"')
    assert "at character 7" in html and 'aria-invalid="true"' in html
    assert '<code>cost*2<mark>x</mark></code>' in html
    assert 'value="cost*2x"' in html and 'value="Lámpara para mi tienda"' in html
    assert 'value="990"' in html
    assert re.search(r'name="title_source" value="custom" checked', html)
    assert not world.products_with_handle(f"dropi-co-{raw['id']}")


def test_a_custom_title_is_required_when_chosen(world):
    raw = find_product(world, variable=False)
    response = world.htmx("POST", f"/app/products/{raw['id']}/import",
                          data={**FORM, "title_source": "custom", "custom_title": ""})
    assert response.status_code == 422
    assert "Write the title the product should have in Shopify." in text_of(response)


def test_shopify_refusals_are_shown_to_the_merchant(world):
    raw = find_product(world, variable=False)
    mapping = LocationMapping.query.filter_by(shop_id=world.shop.id).one()
    mapping.shopify_location_id = "gid://shopify/Location/999999"
    db.session.commit()

    response = world.htmx("POST", f"/app/products/{raw['id']}/import", data=FORM)

    html = text_of(response)
    assert response.status_code == 200
    assert toast_of(response)["kind"] == "error"
    assert "Location does not exist" in html


def test_importing_again_starts_from_the_stored_preferences_and_says_it_updates(world):
    raw = find_product(world, variable=False)
    world.htmx("POST", f"/app/products/{raw['id']}/import",
               data={**FORM, "price_rule": "cost*3", "price_ending": ""})

    html = text_of(world.page(f"/app/products/{raw['id']}/import"))

    assert "already in your store" in html and 'value="cost*3"' in html
    again = world.htmx("POST", f"/app/products/{raw['id']}/import", data=FORM)
    assert toast_of(again)["message"] == "Product updated in Shopify."
    assert len(world.products_with_handle(f"dropi-co-{raw['id']}")) == 1


def test_without_a_mapped_location_the_import_page_says_what_to_set_up(world):
    LocationMapping.query.filter_by(shop_id=world.shop.id).delete()
    db.session.commit()
    raw = find_product(world, variable=False)

    html = text_of(world.page(f"/app/products/{raw['id']}/import"))

    assert "Map at least one Dropi warehouse to a Shopify location" in html
    assert 'id="import-form"' not in html


# --- link mode --------------------------------------------------------------------------------

def merchant_product(world, raw: dict, title: str) -> dict:
    """A product the merchant already sells, with the Dropi variations' options (other SKUs)."""
    names = list(dict.fromkeys(a["attribute_name"] for v in raw["variations"]
                               for a in v["attribute_values"]))
    values = {n: list(dict.fromkeys(a["value"] for v in raw["variations"]
                                    for a in v["attribute_values"] if a["attribute_name"] == n))
              for n in names}
    variants = [{"optionValues": [{"optionName": a["attribute_name"], "name": a["value"]}
                                  for a in v["attribute_values"]],
                 "sku": f"MINE-{i}", "price": "99000"} for i, v in enumerate(raw["variations"])]
    return world.shopify.store.create_product(world.domain, {
        "title": title, "productOptions": [{"name": n, "values": [{"name": x} for x in vals]}
                                           for n, vals in values.items()],
        "variants": variants})


def test_link_mode_finds_the_shopify_product_and_suggests_the_variant_mapping(world):
    raw = find_product(world, variable=True, min_variations=3)
    mine = merchant_product(world, raw, "Producto que ya vendo")
    base = f"/app/products/{raw['id']}"

    html = text_of(world.page(f"{base}/import", mode="link"))
    assert 'id="link-q"' in html and "load, search, keyup delay:200ms changed" in html

    found = text_of(world.htmx("GET", f"{base}/link/search", q="ya vendo"))
    assert "Producto que ya vendo" in found and mine["id"] in found

    mapping = text_of(world.htmx("GET", f"{base}/link/mapping", shopify_product_id=mine["id"]))
    variants = {v["sku"]: v["id"] for v in world.variants_of(mine["id"])}
    for index, variation in enumerate(raw["variations"]):
        row = mapping[mapping.index(f'value="{variation["id"]}"'):].split("</tr>")[0]
        assert f'<option value="{variants[f"MINE-{index}"]}" selected>' in row
        assert "Same options" in row


def test_confirming_the_mapping_links_and_prices_the_chosen_variants(world):
    raw = find_product(world, variable=True, min_variations=3)
    mine = merchant_product(world, raw, "Producto enlazado")
    variants = {v["sku"]: v["id"] for v in world.variants_of(mine["id"])}
    first, second = raw["variations"][:2]
    form = {**FORM, "price_rule": "cost*2", "price_ending": "", "compare_at_rule": "",
            "shopify_product_id": mine["id"],
            "dropi_variation": [str(v["id"]) for v in raw["variations"]],
            # the merchant swaps the first two and leaves the rest unlinked
            "shopify_variant": [variants["MINE-1"], variants["MINE-0"]]
            + [""] * (len(raw["variations"]) - 2)}

    response = world.htmx("POST", f"/app/products/{raw['id']}/link", data=form)

    assert response.status_code == 200, text_of(response)
    association = ProductAssociation.query.filter_by(shop_id=world.shop.id).one()
    links = {link.dropi_variation_id: link.shopify_variant_id
             for link in association.variant_links}
    assert links == {str(first["id"]): variants["MINE-1"], str(second["id"]): variants["MINE-0"]}
    prices = {v["sku"]: v["price"] for v in world.variants_of(mine["id"])}
    assert prices["MINE-1"] == (Decimal(first["sale_price"]) * 2).quantize(Decimal(1))
    assert prices["MINE-2"] == Decimal("99000")


def test_a_shopify_variant_chosen_twice_comes_back_inline(world):
    raw = find_product(world, variable=True, min_variations=3)
    mine = merchant_product(world, raw, "Producto doble")
    variant = world.variants_of(mine["id"])[0]["id"]
    form = {**FORM, "shopify_product_id": mine["id"],
            "dropi_variation": [str(v["id"]) for v in raw["variations"][:2]],
            "shopify_variant": [variant, variant]}

    response = world.htmx("POST", f"/app/products/{raw['id']}/link", data=form)

    html = text_of(response)
    assert response.status_code == 422
    assert "Each Shopify variant can be linked only once." in html
    assert html.count(f'<option value="{variant}" selected>') == 2
    assert ProductAssociation.query.count() == 0


def test_another_shops_session_cannot_use_this_shops_products(world):
    raw = find_product(world, variable=True)
    mine = merchant_product(world, raw, "Solo mío")
    other = install_shop(world.shopify, "link-neighbour.myshopify.com")
    connect_dropi(world.dropi.app, other, world.shopify.store.create_location(other.domain, "Casa"))

    response = world.htmx("GET", f"/app/products/{raw['id']}/link/search", q="Solo",
                          domain=other.domain)

    assert response.status_code == 200
    assert "Solo mío" not in text_of(response) and mine["id"] not in text_of(response)
    assert "No Shopify product matches" in text_of(response)
