"""The bulk-operation client against the Shopify stand-in: waiting through the finish webhook,
reusing or waiting for a running query, failures and partial data, and grouping the streamed
JSONL lines under their parents."""
from __future__ import annotations

import json

import pytest
from graphql import parse

from app.graphql import UnknownOperation, load_operation, with_inlined_variables
from app.services.bulk_operations import (
    BulkOperationError,
    BulkQuery,
    finish_signal,
    grouped_records,
)
from standins.shopify.payloads import bulk_operation_payload
from tests.conftest import deliver_webhook, run_pending_jobs
from tests.factories import merchant_product

QUERY = "bulk_catalogue_variants"


def _lines(*objects: dict) -> list[bytes]:
    return [json.dumps(item).encode() for item in objects]


def test_children_far_from_their_parent_are_grouped_under_it():
    lines = _lines(
        {"id": "P1", "title": "Reloj"}, {"id": "P2", "title": "Gorra"},
        {"id": "V2", "sku": "G-1", "__parentId": "P2"},
        {"id": "V1a", "sku": "R-1", "__parentId": "P1"},
        {"id": "P3", "title": "Bolso"},
        {"id": "M2", "url": "x", "__parentId": "V2"},
        {"id": "V1b", "sku": "R-2", "__parentId": "P1"})
    grouped = [(record.node["id"], [child["id"] for child in record.children])
               for record in grouped_records(lines)]
    assert grouped == [("P1", ["V1a", "V1b"]), ("P2", ["V2", "M2"]), ("P3", [])]


def test_an_unreadable_line_is_reported_with_its_number():
    with pytest.raises(BulkOperationError) as caught:
        list(grouped_records([b'{"id": "P1"}', b"{not json"]))
    assert "line 2" in caught.value.message


def _products(world, count: int = 3) -> list[dict]:
    return [merchant_product(world.shopify, world.domain, f"Producto {n}",
                             [{"sku": f"SKU-{n}-A"}, {"sku": f"SKU-{n}-B"}])
            for n in range(count)]


def _skus(records) -> dict[str, list[str]]:
    return {record.node["title"]: [child["sku"] for child in record.children]
            for record in records}


def test_the_finish_webhook_ends_the_wait_without_polling(world):
    _products(world)
    store = world.shopify.store

    def shopify_delivers_the_finish_webhook(_seconds):
        for operation in list(world.store_shop.bulk_operations.values()):
            finished = store.wait_bulk(operation["id"])
            deliver_webhook(world.client, "bulk_operations/finish",
                            bulk_operation_payload(finished), shop=world.domain)
        run_pending_jobs()

    query = BulkQuery(world.ctx().shopify, QUERY, poll_seconds=(3600.0,),
                      finished_signal=finish_signal(world.domain),
                      sleep=shopify_delivers_the_finish_webhook)
    assert _skus(query.records()) == {f"Producto {n}": [f"SKU-{n}-A", f"SKU-{n}-B"]
                                      for n in range(3)}
    assert query.operation["status"] == "COMPLETED" and query.lines == 9
    # launch 10, the look for a running query 12, one read of the finished operation 1
    assert query.cost_points <= 23


def test_the_same_query_already_running_is_reused(world):
    _products(world, 1)
    store = world.shopify.store
    store.bulk_settings.update({"hold": True})
    shopify = world.ctx().shopify
    running = shopify.mutate("bulk_operation_run_query",
                             {"query": load_operation(QUERY)})["bulkOperation"]

    query = BulkQuery(shopify, QUERY, poll_seconds=(0.01,),
                      sleep=lambda _s: store.bulk_settings.update({"hold": False}))
    assert list(_skus(query.records())) == ["Producto 0"]
    assert query.reused and query.operation["id"] == running["id"]
    assert len(world.store_shop.bulk_operations) == 1


def test_a_busy_shop_is_waited_for(world):
    _products(world, 1)
    store = world.shopify.store
    store.bulk_settings.update({"hold": True, "concurrent_queries": 1})
    shopify = world.ctx().shopify
    other = shopify.mutate("bulk_operation_run_query", {
        "query": "{ products { edges { node { id } } } }"})["bulkOperation"]
    waits = []

    def another_app_part_finishes(seconds):
        waits.append(seconds)
        store.bulk_settings.update({"hold": False})
        store.wait_bulk(other["id"])

    query = BulkQuery(shopify, QUERY, poll_seconds=(0.01,), sleep=another_app_part_finishes)
    assert list(_skus(query.records())) == ["Producto 0"]
    assert not query.reused and waits
    assert len(world.store_shop.bulk_operations) == 2


def test_a_failed_query_says_so_and_partial_data_is_used_only_when_accepted(world):
    _products(world, 4)
    store = world.shopify.store
    shopify = world.ctx().shopify
    store.bulk_settings.update({"fail_with": "INTERNAL_SERVER_ERROR"})
    with pytest.raises(BulkOperationError) as caught:
        list(BulkQuery(shopify, QUERY, poll_seconds=(0.01,)).records())
    assert caught.value.code == "INTERNAL_SERVER_ERROR"
    assert caught.value.message == ("La consulta masiva de Shopify falló (INTERNAL_SERVER_ERROR). "
                                    "Se intentará de nuevo en la próxima ejecución.")

    store.bulk_settings.update({"fail_with": "TIMEOUT"})
    query = BulkQuery(shopify, QUERY, poll_seconds=(0.01,), accept_partial=True)
    records = list(query.records())
    assert query.partial and 0 < len(records) < 4
    assert query.lines == 6  # half of the 12 lines


def test_variables_are_written_into_the_bulk_query_and_quotes_cannot_break_out():
    text = load_operation("bulk_orders_refunds")
    search = 'updated_at:>=\'2026-11-01T00:00:00+00:00\' name:"#1001" } } evil'

    inlined = with_inlined_variables(text, {"query": search})

    assert "$" not in inlined
    [orders] = parse(inlined).definitions[0].selection_set.selections
    assert orders.arguments[0].value.value == search  # one string, read back unchanged
    with pytest.raises(UnknownOperation):
        with_inlined_variables(text, {})
