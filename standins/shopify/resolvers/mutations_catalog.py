"""Catalog and inventory mutations: productSet, productUpdate, productDelete, metafieldsSet,
tagsAdd, inventorySetQuantities, inventoryAdjustQuantities, inventoryActivate."""
from __future__ import annotations

import json

from graphql import GraphQLError

from standins.shopify import catalog, inventory
from standins.shopify import metafields as metafield_store
from standins.shopify.records import DomainError
from standins.shopify.resolvers.common import ctx, idempotency_key, resolver, user_errors
from standins.shopify.schema import load_admin_schema

IDEMPOTENCY_MISMATCH = ("The same idempotency key was already used with different "
                        "parameters.")


def run_mutation(info, args: dict, run, empty: dict | None = None,
                 errors_key: str = "userErrors") -> dict:
    """Run `run()` (the payload), turning DomainError into userErrors and honouring
    `@idempotent(key:)`: the same key with the same arguments returns the first payload."""
    name = info.field_name
    key = idempotency_key(info)
    if key is None and name in load_admin_schema().idempotent_mutations:
        raise GraphQLError("The @idempotent directive is required for this mutation but was "
                           "not provided.", extensions={"code": "BAD_REQUEST"})
    shop = ctx(info).shop
    fingerprint = json.dumps(args, sort_keys=True, default=str)
    if key is not None and (name, key) in shop.idempotency:
        stored_fingerprint, payload = shop.idempotency[(name, key)]
        if stored_fingerprint == fingerprint:
            return payload
        return {**(empty or {}), errors_key: user_errors([{
            "field": None, "message": IDEMPOTENCY_MISMATCH,
            "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"}])}
    try:
        payload = run()
        payload.setdefault(errors_key, [])
        shop.mutation_log.append((name, args))
    except DomainError as error:
        payload = {**(empty or {}), errors_key: user_errors(error.errors)}
    if key is not None:
        shop.idempotency[(name, key)] = (fingerprint, payload)
    return payload


def require_change_from(entries: list[dict], input_type: str) -> None:
    """From 2026-04 every entry must carry changeFromQuantity, even if null."""
    if any("changeFromQuantity" not in entry for entry in entries):
        raise GraphQLError(f"{input_type} must include the following argument: "
                           "changeFromQuantity.", extensions={"code": "INVALID_FIELD_ARGUMENTS"})


@resolver("Mutation", "productSet")
def resolve_product_set(_root, info, input, identifier=None, synchronous=True):
    shop = ctx(info).shop

    def run():
        product = catalog.product_set(shop, input, identifier)
        if synchronous is False:
            number, operation_id = shop.new_id("ProductSetOperation")
            operation = {"__typename": "ProductSetOperation", "id": operation_id,
                         "_number": number, "status": "COMPLETE", "product": product,
                         "userErrors": []}
            shop.product_operations[operation_id] = operation
            return {"product": None, "productSetOperation": operation}
        return {"product": product, "productSetOperation": None}

    return run_mutation(info, {"input": input, "identifier": identifier}, run,
                        {"product": None, "productSetOperation": None})


@resolver("QueryRoot", "productOperation")
def resolve_product_operation(_root, info, id):
    return ctx(info).shop.product_operations.get(id)


@resolver("Mutation", "productUpdate")
def resolve_product_update(_root, info, product=None, input=None, identifier=None, media=None):
    shop = ctx(info).shop
    data = product if product is not None else (input or {})
    return run_mutation(info, {"product": data, "identifier": identifier, "media": media},
                        lambda: {"product": catalog.product_update(shop, data, identifier, media)},
                        {"product": None})


@resolver("Mutation", "productDelete")
def resolve_product_delete(_root, info, input, synchronous=True):
    shop = ctx(info).shop
    return run_mutation(info, input, lambda: {
        "deletedProductId": catalog.product_delete(shop, input["id"]),
        "productDeleteOperation": None, "shop": shop.record},
        {"deletedProductId": None, "productDeleteOperation": None, "shop": shop.record})


@resolver("Mutation", "metafieldsSet")
def resolve_metafields_set(_root, info, metafields: list):
    shop = ctx(info).shop
    return run_mutation(info, {"metafields": metafields},
                        lambda: {"metafields": metafield_store.metafields_set(shop, metafields)},
                        {"metafields": None})


@resolver("Mutation", "tagsAdd")
def resolve_tags_add(_root, info, id, tags):
    shop = ctx(info).shop
    return run_mutation(info, {"id": id, "tags": tags},
                        lambda: {"node": catalog.add_tags(shop, id, tags)}, {"node": None})


@resolver("Mutation", "inventorySetQuantities")
def resolve_inventory_set(_root, info, input):
    require_change_from(input["quantities"], "InventoryQuantityInput")
    shop = ctx(info).shop
    return run_mutation(info, input, lambda: {
        "inventoryAdjustmentGroup": inventory.set_quantities(shop, input)},
        {"inventoryAdjustmentGroup": None})


@resolver("Mutation", "inventoryAdjustQuantities")
def resolve_inventory_adjust(_root, info, input):
    require_change_from(input["changes"], "InventoryChangeInput")
    shop = ctx(info).shop
    return run_mutation(info, input, lambda: {
        "inventoryAdjustmentGroup": inventory.adjust_quantities(shop, input)},
        {"inventoryAdjustmentGroup": None})


@resolver("Mutation", "inventoryActivate")
def resolve_inventory_activate(_root, info, inventoryItemId, locationId, available=None,
                               onHand=None, stockAtLegacyLocation=False):
    shop = ctx(info).shop

    def run():
        if inventoryItemId not in shop.inventory_items:
            raise DomainError.single(["inventoryItemId"], "Inventory item does not exist")
        if locationId not in shop.locations:
            raise DomainError.single(["locationId"], "Location does not exist")
        existing = inventory.level_of(shop, inventoryItemId, locationId)
        if existing is not None and (available is not None or onHand is not None):
            raise DomainError.single(["available"], "Quantities can't be set when the item is "
                                     "already stocked at the location; use "
                                     "inventorySetQuantities")
        level = existing or inventory.activate(shop, inventoryItemId, locationId,
                                               available if available is not None else
                                               onHand or 0)
        return {"inventoryLevel": level}

    args = {"inventoryItemId": inventoryItemId, "locationId": locationId,
            "available": available, "onHand": onHand}
    return run_mutation(info, args, run, {"inventoryLevel": None})
