"""The Orders page: the shop's recent Shopify orders (the Shopify stand-in over HTTP, real session
tokens), active search, cursor paging, one shop never seeing another's orders, a missing scope
shown as a banner, Spanish and English; plus the exact GraphQL request the page sends."""
from __future__ import annotations

import html
import itertools
import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import responses

from app import create_app
from app.extensions import db
from app.graphql import load_operation
from app.models import Shop
from app.models.types import utcnow
from app.services.orders_overview import recent_orders
from standins.shopify.graphql_api import execute_admin_graphql
from standins.shopify.store import ShopifyStore
from tests.live_standins import running_shopify_stand_in, stand_in_settings
from tests.support import embedded_query, htmx_headers, mint_session_token

ORDER_SCOPES = frozenset({"read_orders", "read_customers", "read_products"})
_domains = itertools.count(1)


@pytest.fixture(scope="module")
def shopify_stand_in():
    with running_shopify_stand_in() as running:
        yield running


@pytest.fixture
def web(shopify_stand_in, instance_dir):
    app = create_app(stand_in_settings(instance_dir, shopify=shopify_stand_in))
    app.config["TESTING"] = True
    with app.app_context():
        db.create_all()
        yield app.test_client()
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


def install(shopify_stand_in, *, seed: bool = True, scopes=ORDER_SCOPES,
            zone="America/Bogota") -> str:
    """A shop in the stand-in (seeded with the demo orders) and installed in the app."""
    domain = f"orders-{next(_domains)}.myshopify.com"
    shopify_stand_in.create_shop(domain, seed=seed)
    token = shopify_stand_in.stand_in.tokens.issue_offline(domain, frozenset(scopes),
                                                  expiring=False)["access_token"]
    db.session.add(Shop(domain=domain, access_token=token, scopes=",".join(sorted(scopes)),
                        api_version="2026-10", name="Tienda", currency="COP",
                        timezone=zone, installed_at=utcnow()))
    db.session.commit()
    return domain


def open_page(web, domain: str, locale: str = "es"):
    """A document load inside the admin (App Bridge's id_token in the query)."""
    query = embedded_query(domain, id_token=mint_session_token(domain), locale=locale)
    return web.get(f"/app/orders?{query}")


def htmx_get(web, domain: str, url: str | None = None, **params):
    """What the search box or the pager sends: session token as Bearer, HX-Request."""
    url = url or f"/app/orders?{urlencode({'locale': 'es', **params})}"
    return web.get(url, headers=htmx_headers(mint_session_token(domain)))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def order_names(response) -> list[str]:
    """The order names the list shows, top to bottom."""
    return re.findall(r'target="_top">(#\d+)</a>', response.get_data(as_text=True))


def next_page_url(response) -> str | None:
    found = re.search(r'<a class="button" rel="next" href="([^"]+)"',
                      response.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else None


def add_product_and_order(shopify_stand_in, domain: str, *, sku: str, email: str, first: str,
                          last: str):
    shopify_stand_in.store.create_product(domain, {
        "title": "Vela Aromática de Soya", "status": "ACTIVE",
        "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
        "variants": [{"optionValues": [{"optionName": "Title", "name": "Default Title"}],
                      "sku": sku, "price": "25000"}]})
    return shopify_stand_in.store.create_order(domain, line_items=[{"sku": sku, "quantity": 3}],
                                      customer={"email": email, "firstName": first,
                                                "lastName": last}, email=email)


# --- listing -------------------------------------------------------------------------------

def test_the_page_lists_the_seeded_orders_newest_first_with_money_dates_and_statuses(
        shopify_stand_in, web):
    domain = install(shopify_stand_in)
    response = open_page(web, domain)
    page = text(response)

    assert response.status_code == 200
    assert order_names(response) == ["#1004", "#1003", "#1002", "#1001"]
    laura = page[page.index('target="_top">#1001</a>'):]
    assert "Laura Gómez" in laura and "Bogotá, Bogotá, D.C., Colombia" in laura
    assert "1 × Audífonos Bluetooth TWS Pro" in laura and "2 × Cargador Rápido USB-C 20W" in laura
    # 89.900 + 2 × 34.900 + 12.000 shipping, in pesos without decimals
    assert "171.700\xa0COP" in laura
    orders = shopify_stand_in.store.shop(domain).orders.values()
    created = next(order["createdAt"] for order in orders if order["name"] == "#1001")
    in_bogota = datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(
        ZoneInfo("America/Bogota"))
    assert f'datetime="{in_bogota.isoformat()}"' in laura
    assert in_bogota.strftime("%H:%M") in laura
    assert "Pagado" in laura and "No preparado" in laura
    assert "Pago pendiente" in page and "Preparado" in page and "Pedido cancelado" in page


def test_the_page_says_the_order_pipeline_is_not_switched_on_and_links_to_settings(
        shopify_stand_in, web):
    domain = install(shopify_stand_in)
    page = text(open_page(web, domain))

    notice = page[page.index('id="orders-pipeline-notice"'):]
    notice = notice[:notice.index("</div>")]
    assert "todavía no están activados" in notice and "no envía ninguno" in notice
    assert re.search(r'href="/app/settings\?[^"]*shop=' + re.escape(domain), notice)
    assert re.search(r'<a href="/app/orders\?[^"]*" aria-current="page">Pedidos</a>', page)


@pytest.mark.parametrize("locale, heading, label, paid", [
    ("es", "Pedidos", "Buscar por número de pedido, cliente o correo", "Pagado"),
    ("en", "Orders", "Search by order number, customer or email", "Paid"),
])
def test_the_page_speaks_spanish_by_default_and_english_on_request(
        shopify_stand_in, web, locale, heading, label, paid):
    domain = install(shopify_stand_in)
    page = text(open_page(web, domain, locale=locale))

    assert f"<h1>{heading}</h1>" in page
    assert label in page and f'tone="success">{paid}</s-badge>' in page


def test_an_empty_shop_says_it_has_no_orders_yet(shopify_stand_in, web):
    domain = install(shopify_stand_in, seed=False)
    page = text(open_page(web, domain, locale="en"))

    assert "Your store has no orders yet." in page and "<table" not in page


def test_the_service_gives_decimal_totals_and_times_in_the_shop_zone_without_flask(
        shopify_stand_in, web):
    bogota = install(shopify_stand_in, seed=False)
    unknown = install(shopify_stand_in, seed=False, zone="Mars/Base")
    for domain in (bogota, unknown):
        shopify_stand_in.store.create_product(domain, {
            "title": "Mug",
            "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
            "variants": [{"optionValues": [{"optionName": "Title", "name": "Default Title"}],
                          "sku": "MUG", "price": "19.90"}]})
        shopify_stand_in.store.create_order(domain, line_items=[{"sku": "MUG", "quantity": 2}])
    settings = web.application.config["SETTINGS"]
    shops = {s.domain: s for s in db.session.query(Shop)}

    in_bogota = recent_orders(settings, shops[bogota]).orders[0]
    in_utc = recent_orders(settings, shops[unknown]).orders[0]

    assert in_bogota.total == Decimal("39.80") and isinstance(in_bogota.total, Decimal)
    assert in_bogota.created_at.utcoffset().total_seconds() == -5 * 3600
    assert in_utc.created_at.tzinfo == timezone.utc
    assert in_bogota.customer_name is None and in_bogota.lines[0].sku == "MUG"


def test_a_guest_order_without_customer_or_address_is_listed_plainly(shopify_stand_in, web):
    domain = install(shopify_stand_in, seed=False)
    add_product_and_order(shopify_stand_in, domain, sku="VEL-ARO", email="x@example.com", first="X",
                          last="Y")
    shopify_stand_in.store.create_order(domain, line_items=[{"sku": "VEL-ARO", "quantity": 1}])
    page = text(open_page(web, domain, locale="en"))

    assert "No customer" in page and "1 × Vela Aromática de Soya" in page


# --- search and paging ---------------------------------------------------------------------

def test_search_narrows_the_list_by_email_and_by_order_number(shopify_stand_in, web):
    domain = install(shopify_stand_in)
    by_email = htmx_get(web, domain, q="laura.gomez@example.com")
    by_number = htmx_get(web, domain, q="#1003")
    nobody = htmx_get(web, domain, q="nadie@example.com")

    assert by_email.status_code == 200 and order_names(by_email) == ["#1001"]
    assert text(by_email).lstrip().startswith('<div id="orders-list"')  # the fragment only
    assert "HX-Request" in by_email.headers["Vary"]
    assert order_names(by_number) == ["#1003"]
    assert order_names(nobody) == []
    assert "Ningún pedido coincide con «nadie@example.com»." in text(nobody)


def test_the_search_box_asks_for_the_list_as_the_merchant_types(shopify_stand_in, web):
    domain = install(shopify_stand_in)
    page = open_page(web, domain).get_data(as_text=True)
    search_box = page[page.index('id="orders-q"'):]
    search_box = search_box[:search_box.index(">")]

    assert 'hx-trigger="search, keyup delay:300ms changed"' in search_box
    assert 'hx-get="/app/orders"' in search_box and 'hx-target="#orders-list"' in search_box


def test_next_page_follows_the_cursor_to_the_older_orders(shopify_stand_in, web):
    domain = install(shopify_stand_in)
    for _ in range(21):  # 25 orders: one full page of 20, then the 5 oldest
        shopify_stand_in.store.create_order(domain, line_items=[{"sku": "CAR-USB", "quantity": 1}])
    first = open_page(web, domain)
    following = next_page_url(first)
    second = htmx_get(web, domain, following)

    assert order_names(first) == [f"#{n}" for n in range(1025, 1005, -1)]
    assert following and "after=" in following
    assert order_names(second) == ["#1005", "#1004", "#1003", "#1002", "#1001"]
    assert next_page_url(second) is None
    assert "Pedidos más recientes" in text(second)


def test_paging_a_search_keeps_the_search(shopify_stand_in, web):
    domain = install(shopify_stand_in)
    for _ in range(21):
        shopify_stand_in.store.create_order(domain, line_items=[{"sku": "CAR-USB", "quantity": 1}],
                                   email="mayorista@example.com")
    first = htmx_get(web, domain, q="mayorista@example.com")
    second = htmx_get(web, domain, next_page_url(first))

    assert len(order_names(first)) == 20 and "q=mayorista@example.com" in next_page_url(first)
    assert order_names(second) == ["#1005"]  # the 21st wholesale order, none of the seeded ones


# --- isolation and errors ------------------------------------------------------------------

def test_a_second_shop_never_sees_the_first_shops_orders(shopify_stand_in, web):
    first = install(shopify_stand_in)
    second = install(shopify_stand_in, seed=False)
    add_product_and_order(shopify_stand_in, second, sku="VEL-ARO",
                          email="sofia.herrera@example.com", first="Sofía", last="Herrera")
    first_page = text(open_page(web, first))
    second_page = text(open_page(web, second))
    # The second shop's session token, with the first shop's domain in the query.
    spoofed = htmx_get(web, second, f"/app/orders?shop={first}")

    assert "Laura Gómez" in first_page and "Sofía Herrera" not in first_page
    assert "Sofía Herrera" in second_page and "3 × Vela Aromática de Soya" in second_page
    for page in (second_page, text(spoofed)):
        assert "Laura Gómez" not in page and "Audífonos" not in page
    assert order_names(spoofed) == ["#1001"] and "Sofía Herrera" in text(spoofed)


def test_a_cursor_shopify_does_not_accept_shows_a_banner_not_a_server_error(shopify_stand_in, web):
    domain = install(shopify_stand_in)
    response = htmx_get(web, domain, after="not-a-cursor")

    assert response.status_code == 200
    assert "Shopify no envió tus pedidos" in text(response) and order_names(response) == []
    assert "Esa página de pedidos ya no está disponible" in text(response)


def test_a_missing_read_orders_scope_shows_a_clear_banner_instead_of_an_error(shopify_stand_in,
                                                                              web):
    domain = install(shopify_stand_in, scopes={"read_products"})
    document = open_page(web, domain)
    fragment = htmx_get(web, domain, q="laura")

    assert document.status_code == 200 and fragment.status_code == 200
    for response in (document, fragment):
        page = text(response)
        assert 'class="banner banner--critical"' in page
        assert "Shopify no envió tus pedidos" in page and "read_orders" in page
        assert "permisos de Shopify para leer pedidos y clientes" in page
        assert "<table" not in page


# --- the request sent to Shopify (responses) -------------------------------------------------

def test_the_search_sends_one_orders_recent_request_with_the_typed_words_as_plain_text(
        client, shop):
    store = ShopifyStore()
    store.create_shop(shop.domain, seed=True)
    endpoint = f"https://{shop.domain}/admin/api/2026-10/graphql.json"

    def answer(request):
        status, body = execute_admin_graphql(store, shop.domain, json.loads(request.body),
                                             granted_scopes=ORDER_SCOPES, api_version="2026-10")
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, endpoint, callback=answer)
        response = htmx_get(client, shop.domain, q="  laura.gomez@  (example) ")
        sent = json.loads(mocked.calls[0].request.body)
        assert len(mocked.calls) == 1
        assert sent["query"] == load_operation("orders_recent")
        assert sent["variables"] == {"first": 20, "after": None,
                                     "query": '"laura.gomez@" "example"'}
        assert mocked.calls[0].request.headers["X-Shopify-Access-Token"] == shop.access_token
    assert order_names(response) == ["#1001"]
