"""Get prices against the live stand-ins: Dropi's new cost reaches Shopify through the
product's pricing rule, only for the variants whose price changes, once however many runs;
changes over the shop's threshold wait for approval."""
from __future__ import annotations

from decimal import Decimal

from app.extensions import db
from app.models import PendingPriceChange, ShopConfiguration
from app.services.product_import import import_product
from tests.factories import (
    find_dropi_product,
    prefs,
    run_sync,
    shopify_variant_for,
    shopify_writes,
    sync_log,
    text_of,
)

BULK = "productVariantsBulkUpdate"


def money_text(amount: Decimal) -> str:
    """A COP amount as the pages show it in English (no decimals)."""
    return f"{amount:,.0f}"


def _config(world) -> ShopConfiguration:
    return db.session.scalar(db.select(ShopConfiguration).filter_by(shop_id=world.shop.id))


def run_prices(world):
    return run_sync(world, "prices")


def _raise_cost(variation: dict, percent: int) -> Decimal:
    cost = Decimal(variation["sale_price"]) * (100 + percent) / 100
    variation["sale_price"] = f"{cost.quantize(Decimal(1))}.00"
    return Decimal(variation["sale_price"])


def test_a_dropi_cost_change_reaches_shopify_for_that_variant_only(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2"))
    changed, same = raw["variations"][0], raw["variations"][1]
    untouched_price = shopify_variant_for(world, raw, same)["price"]
    new_cost = _raise_cost(changed, 10)
    run = run_prices(world)
    assert shopify_variant_for(world, raw, changed)["price"] == new_cost * 2
    assert shopify_variant_for(world, raw, same)["price"] == untouched_price
    [write] = shopify_writes(world, BULK)
    assert [v["id"] for v in write["variants"]] == [shopify_variant_for(world, raw, changed)["id"]]
    assert (run.checked, run.changed, run.failed) == (1, 1, 0)
    [entry] = sync_log(run, "changed")
    assert entry.label == raw["name"]
    assert str(int(new_cost * 2)) in entry.reason.replace(".", "").replace(",", "")


def test_running_get_prices_three_times_writes_once(world):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost+30%"))
    _raise_cost(raw, 5)
    for _ in range(3):
        run_prices(world)
    assert len(shopify_writes(world, BULK)) == 1
    assert shopify_variant_for(world, raw)["price"] == Decimal(raw["sale_price"]) * Decimal("1.3")


def test_nothing_is_written_when_dropi_did_not_change(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    import_product(world.ctx(), raw["id"], prefs())
    run = run_prices(world)
    assert shopify_writes(world, BULK) == [] and run.checked == 1
    assert sync_log(run) == []


def test_the_compare_at_price_moves_only_with_the_option(world):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2",
                                                 compare_at_rule="price*1.5"))
    variant = shopify_variant_for(world, raw)
    first_compare = variant["compareAtPrice"]
    new_cost = _raise_cost(raw, 10)
    run_prices(world)
    assert variant["price"] == new_cost * 2 and variant["compareAtPrice"] == first_compare
    config = _config(world)
    config.prices_update_original_price = True
    db.session.commit()
    newer_cost = _raise_cost(raw, 10)
    run_prices(world)
    assert variant["price"] == newer_cost * 2
    assert variant["compareAtPrice"] == newer_cost * 2 * Decimal("1.5")


def test_without_a_compare_at_rule_the_compare_at_price_keeps_its_proportion(world):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2"))
    variant = shopify_variant_for(world, raw)
    variant["compareAtPrice"] = variant["price"] * 2  # the merchant shows a 50 % discount
    config = _config(world)
    config.prices_update_original_price = True
    db.session.commit()
    new_cost = _raise_cost(raw, 10)
    run_prices(world)
    assert variant["compareAtPrice"] == new_cost * 4


def test_a_change_over_the_threshold_waits_and_is_not_written(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2"))
    big, small = raw["variations"][0], raw["variations"][1]
    big_before = shopify_variant_for(world, raw, big)["price"]
    old_cost = Decimal(big["sale_price"])
    big_cost = _raise_cost(big, 50)
    small_cost = _raise_cost(small, 5)
    run = run_prices(world)
    assert shopify_variant_for(world, raw, big)["price"] == big_before
    assert shopify_variant_for(world, raw, small)["price"] == small_cost * 2
    [row] = PendingPriceChange.query.all()
    assert (row.old_price, row.new_price, row.old_cost, row.new_cost, row.change_percent) == (
        big_before, big_cost * 2, old_cost, big_cost, Decimal("50.0"))
    [flag] = sync_log(run, "flagged")
    assert "+50%" in flag.reason and "20%" in flag.reason  # the shop's language (Spanish)
    run_prices(world)
    assert PendingPriceChange.query.count() == 1, "asked once, not once per run"
    assert len(shopify_writes(world, BULK)) == 1


def test_the_limit_is_set_in_settings_next_to_get_prices(world):
    page = text_of(world.page("/app/settings"))
    assert 'name="price_change_threshold_percent"' in page and 'value="20"' in page
    refused = world.htmx("POST", "/app/settings/options", data={
        "active": "on", "get_prices": "on", "price_change_threshold_percent": "veinte"})
    assert refused.status_code == 422 and "percentage from 0 to 1000" in text_of(refused)
    saved = world.htmx("POST", "/app/settings/options", data={
        "active": "on", "get_prices": "on", "price_change_threshold_percent": "60,5"})
    assert saved.status_code == 200 and 'value="60.5"' in text_of(saved)
    db.session.expire_all()
    config = _config(world)
    assert (config.get_prices, config.price_change_threshold_percent) == (True, Decimal("60.5"))


def test_a_higher_threshold_lets_the_change_through(world):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2"))
    world.htmx("POST", "/app/settings/options", data={
        "active": "on", "get_prices": "on", "price_change_threshold_percent": "60"})
    new_cost = _raise_cost(raw, 50)
    run_prices(world)
    assert shopify_variant_for(world, raw)["price"] == new_cost * 2
    assert PendingPriceChange.query.count() == 0


def _held_change(world):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2"))
    variant = shopify_variant_for(world, raw)
    before = variant["price"]
    new_cost = _raise_cost(raw, 40)
    run_prices(world)
    [row] = PendingPriceChange.query.all()
    return raw, variant, before, new_cost, row


def test_the_page_lists_every_waiting_change_with_its_numbers(world):
    raw, variant, before, new_cost, row = _held_change(world)
    page = text_of(world.page("/app/sync/prices/pending", locale="en"))
    assert raw["name"] in page and "+40" in page
    assert money_text(before) in page and money_text(new_cost * 2) in page
    spanish = text_of(world.page("/app/sync/prices/pending", locale="es"))
    assert "Cambios de precio que esperan tu aprobación" in spanish and "Aprobar" in spanish
    imported = text_of(world.page("/app/products/imported"))
    assert "1 price change from Dropi waits for your approval." in imported


def test_approving_writes_the_price_once_even_when_clicked_twice(world):
    raw, variant, before, new_cost, row = _held_change(world)
    for _ in range(2):
        answer = world.htmx("POST", "/app/sync/prices/pending/approve", data={"ids": row.id})
        assert answer.status_code == 200
    assert variant["price"] == new_cost * 2
    assert len(shopify_writes(world, BULK)) == 1
    db.session.expire_all()
    assert PendingPriceChange.query.one().status == "applied"
    run_prices(world)
    assert len(shopify_writes(world, BULK)) == 1, "the next run finds nothing to change"
    assert "No price change waits" in text_of(world.page("/app/sync/prices/pending"))


def test_rejecting_leaves_the_price_and_is_not_asked_again(world):
    raw, variant, before, new_cost, row = _held_change(world)
    answer = world.htmx("POST", "/app/sync/prices/pending/reject", data={"ids": row.id})
    assert answer.status_code == 200 and "No price change waits" in text_of(answer)
    run_prices(world)
    assert variant["price"] == before and shopify_writes(world, BULK) == []
    db.session.expire_all()
    assert PendingPriceChange.query.one().status == "rejected"
    newer_cost = _raise_cost(raw, 10)
    run_prices(world)
    db.session.expire_all()
    row = PendingPriceChange.query.one()
    assert (row.status, row.new_cost) == ("pending", newer_cost), "a new cost asks again"


def test_another_shop_cannot_approve_these_changes(world):
    raw, variant, before, new_cost, row = _held_change(world)
    from tests.conftest import create_shop

    stranger = create_shop("stranger.myshopify.com")
    world.htmx("POST", "/app/sync/prices/pending/approve", data={"ids": row.id},
               domain=stranger.domain)
    assert variant["price"] == before
    db.session.expire_all()
    assert PendingPriceChange.query.one().status == "pending"


def test_approve_all_writes_every_shown_change_in_one_call_per_product(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2"))
    costs = [_raise_cost(variation, 30) for variation in raw["variations"][:2]]
    run_prices(world)
    rows = PendingPriceChange.query.order_by(PendingPriceChange.id).all()
    assert len(rows) == 2
    page = text_of(world.page("/app/sync/prices/pending"))
    assert page.count('name="ids"') == 2
    answer = world.htmx("POST", "/app/sync/prices/pending/approve",
                        data={"ids": [row.id for row in rows]})
    assert "2 prices changed in Shopify." in answer.headers["HX-Trigger"]
    for variation, cost in zip(raw["variations"], costs):
        assert shopify_variant_for(world, raw, variation)["price"] == cost * 2
    [write] = shopify_writes(world, BULK)
    assert len(write["variants"]) == 2


def test_reject_all_keeps_every_price(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2"))
    before = [shopify_variant_for(world, raw, v)["price"] for v in raw["variations"][:2]]
    for variation in raw["variations"][:2]:
        _raise_cost(variation, 30)
    run_prices(world)
    ids = [row.id for row in PendingPriceChange.query.all()]
    world.htmx("POST", "/app/sync/prices/pending/reject", data={"ids": ids})
    run_prices(world)
    assert [shopify_variant_for(world, raw, v)["price"] for v in raw["variations"][:2]] == before
    assert shopify_writes(world, BULK) == []


def test_a_retry_processes_only_the_products_it_names(world):
    from app.models import ProductAssociation
    from app.services.sync import request_run, run_option

    first = find_dropi_product(world, variable=False)
    second = next(p for p in world.dropi_catalog().values() if p["id"] > first["id"]
                  and not p["_private"] and p["type"] == "SIMPLE")
    for raw in (first, second):
        import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2"))
        _raise_cost(raw, 5)
    run_prices(world)  # switches the option on; both written
    for raw in (first, second):
        _raise_cost(raw, 5)
    association = ProductAssociation.query.filter_by(dropi_product_id=str(second["id"])).one()
    request_run(world.shop, "prices", entities=[str(association.id)])
    run = run_option(world.settings, world.domain, "prices")
    assert (run.trigger, run.checked, run.changed) == ("retry", 1, 1)
    assert shopify_variant_for(world, raw=second)["price"] == Decimal(second["sale_price"]) * 2
    assert shopify_variant_for(world, raw=first)["price"] != Decimal(first["sale_price"]) * 2


def test_an_approval_cut_short_is_written_by_the_next_run_once(world):
    raw, variant, before, new_cost, row = _held_change(world)
    # The request claimed the row (pending -> approved) and its worker died before writing.
    row.status = "approved"
    db.session.commit()
    assert "No price change waits" in text_of(world.page("/app/sync/prices/pending"))
    for _ in range(2):
        run_prices(world)
    assert variant["price"] == new_cost * 2
    assert len(shopify_writes(world, BULK)) == 1
    db.session.expire_all()
    assert PendingPriceChange.query.one().status == "applied"


def test_a_refused_dropi_token_fails_the_run_once_not_each_product(world):
    for raw in (find_dropi_product(world, variable=False),
                find_dropi_product(world, variable=True)):
        import_product(world.ctx(), raw["id"], prefs())
    world.dropi_state.accounts.clear()  # the merchant revoked the integration token at Dropi
    run = run_prices(world)
    assert (run.status, run.failed) == ("failed", 0) and run.error
    assert sync_log(run) == [] and shopify_writes(world, BULK) == []


def test_a_large_price_drop_waits_too(world):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*2"))
    before = shopify_variant_for(world, raw)["price"]
    _raise_cost(raw, -30)
    run_prices(world)
    assert shopify_variant_for(world, raw)["price"] == before
    assert PendingPriceChange.query.one().change_percent == Decimal("-30.0")
    assert "-30" in text_of(world.page("/app/sync/prices/pending"))
