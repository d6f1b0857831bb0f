"""Item mapping: Shopify products the merchant already sells matched to Dropi by SKU or barcode
through a bulk query on the Shopify stand-in, kept current by products/update and
products/delete, and resumed without duplicates after a run stopped halfway."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    ProductAssociation,
    ShopConfiguration,
    SyncLogEntry,
    SyncRun,
    VariantLink,
    WebhookEvent,
)
from app.services.item_mapping.dropi_lookup import DropiLookup
from app.services.item_mapping.mapping import bulk_query_for, map_catalogue
from app.services.item_mapping.option import OPTION
from app.services.product_import import import_product
from app.services.sync import SyncContext, SyncStopped, get_option, request_run
from standins.shopify.payloads import product_payload
from tests.conftest import deliver_webhook, run_pending_jobs
from tests.factories import find_dropi_product, merchant_product, prefs, staff_opened_app_in

FAST_POLL = (0.02,)


def mapping_context(world) -> SyncContext:
    """The context the sync runner hands item mapping: a new run of the option, for the shop
    with the connector and matching switched on."""
    _active(world)
    run = SyncRun(shop_id=world.shop.id, option=OPTION, trigger="manual")
    db.session.add(run)
    db.session.commit()
    config = db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == world.shop.id))
    return SyncContext(settings=world.settings, shop=world.shop, configuration=config,
                       option=get_option(OPTION), run=run)


def failures_logged(context: SyncContext) -> list[tuple[str, str]]:
    """(label, reason) of each failure the run logged, once the run's work is saved."""
    context.save()
    db.session.commit()
    return [(entry.label, entry.reason) for entry in db.session.scalars(
        select(SyncLogEntry).where(SyncLogEntry.run_id == context.run.id,
                                   SyncLogEntry.outcome == "failed"))]


def run_mapping(world, context: SyncContext | None = None, **options):
    ctx = world.ctx(dropi_requests_per_minute=6000)
    query = bulk_query_for(ctx.shopify, poll_seconds=FAST_POLL)
    lookup = DropiLookup(ctx.dropi)
    return map_catalogue(world.shop, query, lookup, reporter=context, country="CO", **options)


def links_of(product: dict) -> dict[str, VariantLink]:
    db.session.expire_all()
    rows = db.session.scalars(select(VariantLink).where(
        VariantLink.shopify_product_id == product["id"]))
    return {link.sku or link.barcode or "": link for link in rows}


def variant_sku(dropi_product: dict, index: int = 0) -> str:
    return dropi_product["variations"][index]["sku"]


@pytest.fixture
def catalogue(world):
    """Products the merchant already sells: matched by plugin SKU, by Dropi's own variation
    SKU, by barcode, and three that cannot be matched."""
    staff_opened_app_in(world.shop, "en")
    simple = find_dropi_product(world, variable=False)
    variable = find_dropi_product(world, variable=True, min_variations=3)
    twins = find_dropi_product(world, variable=True, min_variations=2)
    twins = next(p for p in sorted(world.dropi_catalog().values(), key=lambda p: p["id"])
                 if p["type"] == "VARIABLE" and not p["_private"]
                 and p["id"] not in (variable["id"], twins["id"]))
    twins["variations"][1]["sku"] = twins["variations"][0]["sku"]
    store = world.shopify, world.domain
    return {
        "simple": simple, "variable": variable, "twins": twins,
        "plugin": merchant_product(*store, "Reloj clásico", [{"sku": f"DROPI-{simple['id']}"}]),
        "own_skus": merchant_product(*store, "Camiseta", [
            {"sku": variant_sku(variable, 0)}, {"sku": variant_sku(variable, 1)}]),
        "barcode": merchant_product(*store, "Gorra", [
            {"sku": "GORRA-TIENDA", "barcode": variant_sku(variable, 2)}]),
        "unknown": merchant_product(*store, "Bolso", [{"sku": "SIN-DROPI-99"}]),
        "shared": merchant_product(*store, "Tenis", [{"sku": twins["variations"][0]["sku"]}]),
        "bare": merchant_product(*store, "Llavero", [{}]),
    }


def test_bulk_mapping_matches_by_sku_and_barcode_and_reports_each_miss(world, catalogue):
    context = mapping_context(world)
    report = run_mapping(world, context)

    simple, variable = catalogue["simple"], catalogue["variable"]
    [plugin] = links_of(catalogue["plugin"]).values()
    assert plugin.details_received and plugin.details_error is None
    assert (plugin.association.dropi_product_id, plugin.dropi_variation_id) == (
        str(simple["id"]), "")
    assert plugin.association.import_type == "mapped"
    own = links_of(catalogue["own_skus"])
    assert {own[variant_sku(variable, n)].dropi_variation_id for n in (0, 1)} == {
        str(variable["variations"][n]["id"]) for n in (0, 1)}
    assert all(link.details_received for link in own.values())
    [by_barcode] = links_of(catalogue["barcode"]).values()
    assert by_barcode.details_received
    assert by_barcode.dropi_variation_id == str(variable["variations"][2]["id"])
    assert by_barcode.shopify_inventory_item_id.startswith("gid://shopify/InventoryItem/")

    errors = {name: [(link.details_received, link.details_error, link.association_id)
                     for link in links_of(catalogue[name]).values()]
              for name in ("unknown", "shared", "bare")}
    assert errors == {"unknown": [(False, "SKU not found at Dropi", None)],
                      "shared": [(False, "Two Dropi variations share this SKU", None)],
                      "bare": [(False, "No SKU or barcode", None)]}
    failures = failures_logged(context)
    assert sorted(reason for _label, reason in failures) == [
        "No SKU or barcode", "SKU not found at Dropi", "Two Dropi variations share this SKU"]
    assert ("Bolso / A", "SKU not found at Dropi") in failures
    assert (report.linked, report.missed) == (4, 3)
    assert report.shopify_points < 30  # the launch, one look for a running query, the polls


def test_the_reasons_are_written_in_the_shops_language(world, catalogue):
    staff_opened_app_in(world.shop, "es-CO", user_id=2)  # the latest to open the app
    run_mapping(world)
    [link] = links_of(catalogue["unknown"]).values()
    assert link.details_error == "SKU no encontrado en Dropi"


def test_products_imported_by_the_app_keep_their_links(world, catalogue):
    simple = catalogue["simple"]
    result = import_product(world.ctx(), simple["id"], prefs())
    imported = result.association
    before = {(link.id, link.shopify_variant_id, link.details_received)
              for link in imported.variant_links}

    run_mapping(world)

    db.session.expire_all()
    assert imported.import_type == "single"
    assert {(link.id, link.shopify_variant_id, link.details_received)
            for link in imported.variant_links} == before


def test_a_run_stopped_halfway_resumes_without_duplicate_links(world, catalogue):
    context = mapping_context(world)
    context.lease_lost.set()  # another worker took the run over: it stops after a batch
    with pytest.raises(SyncStopped):
        run_mapping(world, context, batch_size=2)
    db.session.rollback()
    first = db.session.scalar(select(func.count(VariantLink.id)))
    assert 0 < first < 7

    second = run_mapping(world)

    counts = db.session.execute(select(VariantLink.shopify_variant_id, func.count())
                                .group_by(VariantLink.shopify_variant_id)).all()
    assert len(counts) == 7 and {n for _vid, n in counts} == {1}
    associations = db.session.execute(select(ProductAssociation.dropi_product_id,
                                             ProductAssociation.shopify_product_id, func.count())
                                      .group_by(ProductAssociation.dropi_product_id,
                                                ProductAssociation.shopify_product_id)).all()
    assert {n for *_key, n in associations} == {1}
    assert second.kept == first and second.linked + second.missed == 7 - first
    third = run_mapping(world)
    assert (third.kept, third.linked, third.missed, third.dropi_requests) == (7, 0, 0, 0)


def _deliver_three_times(world, topic: str, payload: dict) -> None:
    deliver_webhook(world.client, topic, payload, shop=world.domain, event_id="same-event")
    deliver_webhook(world.client, topic, payload, shop=world.domain, event_id="same-event")
    deliver_webhook(world.client, topic, payload, shop=world.domain)  # a second, equal event
    run_pending_jobs()


def test_a_changed_sku_is_matched_again_from_products_update(world, catalogue):
    db.session.scalar(select(ShopConfiguration)).active = True
    db.session.commit()
    run_mapping(world)
    product = catalogue["unknown"]
    store_shop = world.store_shop
    variant = store_shop.variants[product["_variants"][0]]
    variant["sku"] = f"DROPI-{catalogue['simple']['id']}"

    _deliver_three_times(world, "products/update", product_payload(store_shop, product))

    [link] = links_of(product).values()
    assert link.details_received and link.details_error is None
    assert link.association.dropi_product_id == str(catalogue["simple"]["id"])
    assert db.session.scalar(select(func.count(ProductAssociation.id)).where(
        ProductAssociation.shopify_product_id == product["id"])) == 1
    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 2


def test_a_deleted_product_loses_its_links_from_products_delete(world, catalogue):
    run_mapping(world)
    product = catalogue["own_skus"]
    assert len(links_of(product)) == 2

    _deliver_three_times(world, "products/delete", {"id": product["_number"]})

    assert links_of(product) == {}
    assert db.session.scalar(select(func.count(ProductAssociation.id)).where(
        ProductAssociation.shopify_product_id == product["id"])) == 0
    assert len(links_of(catalogue["plugin"])) == 1  # other products keep theirs


def _active(world) -> None:
    config = db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == world.shop.id))
    config.active = config.map_existing_products = True
    db.session.commit()


def test_run_now_maps_the_catalogue_and_logs_each_miss_then_a_retry_checks_one_again(
        world, catalogue):
    _active(world)
    request_run(world.shop, "mapping")
    run_pending_jobs()

    run = db.session.scalar(select(SyncRun).where(SyncRun.option == "mapping"))
    # one entry per product linked (three), one per variant that matched nothing (three)
    assert (run.status, run.checked, run.changed, run.failed) == ("partial", 7, 3, 3)
    assert 0 < run.shopify_cost_points < 40 and run.dropi_requests > 0
    failures = {entry.label: entry.reason for entry in db.session.scalars(
        select(SyncLogEntry).where(SyncLogEntry.outcome == "failed"))}
    assert failures == {"Bolso / A": "SKU not found at Dropi",
                        "Tenis / A": "Two Dropi variations share this SKU",
                        "Llavero / A": "No SKU or barcode"}

    # The merchant gives the bag a Dropi SKU in Shopify and retries just that variant.
    product = catalogue["unknown"]
    variant = world.store_shop.variants[product["_variants"][0]]
    variant["sku"] = f"DROPI-{catalogue['simple']['id']}"
    request_run(world.shop, "mapping", entities=[variant["id"]])
    run_pending_jobs()

    retry = db.session.scalars(select(SyncRun).where(SyncRun.option == "mapping")
                               .order_by(SyncRun.id.desc())).first()
    assert (retry.trigger, retry.checked, retry.changed, retry.failed) == ("retry", 1, 1, 0)
    [link] = links_of(product).values()
    assert link.details_received and link.details_error is None


def test_turning_matching_on_maps_the_catalogue_and_active_alone_does_not(world, catalogue):
    from app.services.settings.options import save_options

    save_options(world.shop, {"active": True})
    run_pending_jobs()
    assert db.session.scalar(select(SyncRun).where(SyncRun.option == "mapping")) is None
    assert all(not links_of(product) for product in catalogue.values()
               if "_variants" in product)

    save_options(world.shop, {"active": True, "map_existing_products": True})
    run_pending_jobs()

    run = db.session.scalar(select(SyncRun).where(SyncRun.option == "mapping"))
    assert run is not None and run.checked == 7
    assert len(links_of(catalogue["plugin"])) == 1
