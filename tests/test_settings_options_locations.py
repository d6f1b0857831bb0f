"""Connector options (unbuilt features cannot be turned on) and the Dropi warehouse to Shopify
location mapping, with Shopify and Dropi at the HTTP boundary (`responses`)."""
from __future__ import annotations

import json

import pytest
import responses
from flask_babel import force_locale

from app.clients.dropi import DROPI_HOSTS
from app.extensions import db
from app.models import InventoryBehaviour, LocationMapping, ShopConfiguration
from app.services.settings import (
    OPTIONS,
    IntegrationClients,
    SettingsInvalid,
    load_configuration,
    load_locations,
    save_location_mappings,
    save_options,
    saved_options,
)
from tests.test_settings_dropi import dropi_token

GRAPHQL = "https://test-shop.myshopify.com/admin/api/2026-10/graphql.json"
OTHER_GRAPHQL = "https://other-shop.myshopify.com/admin/api/2026-10/graphql.json"
WAREHOUSES = [{"id": 11, "name": "Bodega Bogotá", "city": {"name": "Bogotá"}},
              {"id": 12, "name": "Bodega Medellín"}]
PAGES = [
    {"nodes": [{"id": "gid://shopify/Location/1", "name": "Principal", "isActive": True,
                "fulfillsOnlineOrders": True, "address": {"city": "Bogotá", "countryCode": "CO"}}],
     "pageInfo": {"hasNextPage": True, "endCursor": "c1"}},
    {"nodes": [{"id": "gid://shopify/Location/2", "name": "Depósito", "isActive": True,
                "fulfillsOnlineOrders": True, "address": {"city": "Cali", "countryCode": "CO"}}],
     "pageInfo": {"hasNextPage": False, "endCursor": "c2"}},
]
COST = {"actualQueryCost": 2, "throttleStatus": {"maximumAvailable": 2000,
                                                 "currentlyAvailable": 1990, "restoreRate": 100}}


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English (outside a request the app speaks its default, Spanish)."""
    with force_locale("en"):
        yield


@pytest.fixture
def clients(app):
    return IntegrationClients(app.config["SETTINGS"], sleep=lambda seconds: None)


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def connect_dropi(shop, *, get_stock=False):
    db.session.add(ShopConfiguration(shop_id=shop.id, dropi_country="CO",
                                     dropi_token=dropi_token("CO"), get_stock=get_stock))
    db.session.commit()


def serve_lists(mock):
    def locations_page(request):
        variables = json.loads(request.body)["variables"]
        page = PAGES[1] if variables.get("after") == "c1" else PAGES[0]
        return 200, {}, json.dumps({"data": {"locations": page}, "extensions": {"cost": COST}})

    for url in (GRAPHQL, OTHER_GRAPHQL):
        mock.add_callback(responses.POST, url, callback=locations_page)
    mock.get(f"{DROPI_HOSTS['CO']}/warehouses/", json={"isSuccess": True, "objects": WAREHOUSES})


# --- options --------------------------------------------------------------------------------

def test_every_seed_option_has_one_line_of_help():
    names = [option.name for option in OPTIONS]
    assert names == ["active", "create_orders", "inventory_behaviour", "send_order_confirmation",
                     "send_shipping_confirmation", "get_stock", "get_products",
                     "map_existing_products", "get_prices", "get_refunds", "refund_dropi_returns", "get_shipments",
                     "prices_update_original_price", "taxes_included"]
    assert all(str(option.help) and "\n" not in str(option.help) for option in OPTIONS)
    assert [o.name for o in OPTIONS if o.available] == [
        "active", "create_orders", "inventory_behaviour", "send_order_confirmation",
        "send_shipping_confirmation", "get_stock", "get_products", "map_existing_products",
        "get_prices", "get_refunds", "refund_dropi_returns", "get_shipments",
        "prices_update_original_price", "taxes_included"]


def test_active_can_be_saved(shop):
    outcome = save_options(shop, {"active": True})

    assert load_configuration(shop).active is True
    assert "needs both Dropi and Ecomdrop connected" in outcome.notices[0].message
    save_options(shop, {"active": False})
    assert load_configuration(shop).active is False


def test_an_unbuilt_option_cannot_be_turned_on(shop, unbuilt_option):
    submitted = {"active": True, "get_products": True, unbuilt_option: True}

    with pytest.raises(SettingsInvalid) as refused:
        save_options(shop, submitted)

    assert set(refused.value.errors) == {unbuilt_option}
    assert "Not available yet" in refused.value.errors[unbuilt_option]
    assert refused.value.submitted == submitted
    config = load_configuration(shop)
    assert config.active is False and config.get_refunds is False


def test_get_stock_can_be_turned_on(shop):
    save_options(shop, {"active": True, "get_stock": True})
    assert load_configuration(shop).get_stock is True


def test_the_inventory_behaviour_takes_one_of_the_listed_values(shop):
    save_options(shop, {"inventory_behaviour": "decrement_obeying_policy"})
    assert load_configuration(shop).inventory_behaviour is \
        InventoryBehaviour.DECREMENT_OBEYING_POLICY

    with pytest.raises(SettingsInvalid) as unknown:
        save_options(shop, {"inventory_behaviour": "sell_twice"})
    assert "Choose one of the listed values" in unknown.value.errors["inventory_behaviour"]

    save_options(shop, {"inventory_behaviour": "bypass", "active": True})
    assert load_configuration(shop).inventory_behaviour is InventoryBehaviour.BYPASS
    assert saved_options(load_configuration(shop))["inventory_behaviour"] == "bypass"


# --- locations ------------------------------------------------------------------------------

def test_the_lists_are_fetched_live_across_pages(clients, shop, http):
    connect_dropi(shop)
    serve_lists(http)

    section = load_locations(clients, shop)

    assert [loc.name for loc in section.locations] == ["Principal", "Depósito"]
    assert [(r.warehouse_id, r.warehouse_name, r.location_id) for r in section.rows] == [
        ("11", "Bodega Bogotá", ""), ("12", "Bodega Medellín", "")]
    graphql_calls = [c for c in http.calls if c.request.url == GRAPHQL]
    assert len(graphql_calls) == 2
    assert "locations(" in json.loads(graphql_calls[0].request.body)["query"]
    assert load_configuration(shop).dropi_last_success_at is not None


def test_a_mapping_round_trip(clients, shop, http):
    connect_dropi(shop)
    serve_lists(http)

    save_location_mappings(clients, shop, {"11": "gid://shopify/Location/2",
                                           "12": "gid://shopify/Location/2"})
    section = load_locations(clients, shop)

    assert [(r.warehouse_id, r.location_id) for r in section.rows] == [
        ("11", "gid://shopify/Location/2"), ("12", "gid://shopify/Location/2")]
    rows = db.session.query(LocationMapping).order_by(LocationMapping.dropi_warehouse_id).all()
    assert [(m.dropi_warehouse_name, m.shopify_location_name) for m in rows] == [
        ("Bodega Bogotá", "Depósito"), ("Bodega Medellín", "Depósito")]

    save_location_mappings(clients, shop, {"11": "gid://shopify/Location/1", "12": ""})
    section = load_locations(clients, shop)
    assert [(r.warehouse_id, r.location_id) for r in section.rows] == [
        ("11", "gid://shopify/Location/1"), ("12", "")]


def test_a_location_that_is_not_the_shops_is_refused(clients, shop, http):
    connect_dropi(shop)
    serve_lists(http)

    with pytest.raises(SettingsInvalid) as refused:
        save_location_mappings(clients, shop, {"11": "gid://shopify/Location/999"})

    assert set(refused.value.errors) == {"warehouse-11"}
    assert refused.value.submitted.rows[0].location_id == "gid://shopify/Location/999"
    assert db.session.query(LocationMapping).count() == 0


def test_mappings_belong_to_their_shop(clients, shop, other_shop, http):
    connect_dropi(shop)
    connect_dropi(other_shop)
    serve_lists(http)
    save_location_mappings(clients, shop, {"11": "gid://shopify/Location/1"})

    other = load_locations(clients, other_shop)

    assert other.ready and [row.location_id for row in other.rows] == ["", ""]


def test_without_dropi_there_is_nothing_to_map(clients, shop, http):
    section = load_locations(clients, shop)

    assert section.problems == ["Connect Dropi above to map its warehouses."]
    assert not http.calls


def test_a_dropi_failure_is_explained_and_recorded(clients, shop, http):
    connect_dropi(shop)
    serve_lists(http)
    http.replace(responses.GET, f"{DROPI_HOSTS['CO']}/warehouses/", status=401,
                 json={"message": "Unauthorized"})

    section = load_locations(clients, shop)

    assert not section.ready and "rejected the integration token" in section.problems[0]
    assert "rejected" in load_configuration(shop).dropi_last_error
    with pytest.raises(SettingsInvalid):
        save_location_mappings(clients, shop, {"11": "gid://shopify/Location/1"})


def test_stock_sync_without_a_mapping_is_warned(clients, shop, http):
    connect_dropi(shop, get_stock=True)
    serve_lists(http)

    assert load_locations(clients, shop).stock_sync_unmapped is True
    section = save_location_mappings(clients, shop, {"12": "gid://shopify/Location/1"})
    assert section.stock_sync_unmapped is False
