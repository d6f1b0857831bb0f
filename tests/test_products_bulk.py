"""Bulk import from the catalog page with real session tokens, against the Shopify and Dropi
stand-ins over HTTP: ticked products or every product matching a search, preferences chosen
once, a progress widget that polls while the job runs and stops when it ends, and cancel."""
from __future__ import annotations

import re

from app.extensions import db, queue
from app.models import ImportJob
from tests.factories import find_product, install_shop, public_products, text_of

PREFS = {"title_source": "dropi", "description_source": "dropi", "price_rule": "cost*2",
         "use_dropi_barcode": "0", "import_images": "0", "status": "DRAFT"}


def run_queued_jobs() -> int:
    """Run what the queue holds as a worker would (in its own app context and session)."""
    ran = 0
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
        ran += 1
    db.session.expire_all()  # the test's session still holds the rows as they were
    return ran


def hidden_ids(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="ids" value="(\d+)">', html)


def test_ticked_products_get_one_set_of_preferences(world):
    ids = [str(p["id"]) for p in public_products(world)[:3]]

    response = world.htmx("POST", "/app/products/bulk/prepare", data={"ids": ids, "all": "0"})

    html = text_of(response)
    assert response.status_code == 200 and html.lstrip().startswith('<form id="bulk-form"')
    assert "Import 3 products" in html and hidden_ids(html) == ids
    assert 'name="price_rule"' in html and 'name="custom_title"' not in html


def test_every_product_matching_the_search_is_collected_server_side(world):
    expected = [str(p["id"]) for p in public_products(world) if "Termo" in p["name"]]

    html = text_of(world.htmx("POST", "/app/products/bulk/prepare",
                              data={"all": "1", "q": "termo", "ids": [expected[0]]}))

    assert sorted(hidden_ids(html)) == sorted(expected)
    assert "Every product matching the search is included." in html


def test_nothing_ticked_asks_to_choose_products(world):
    html = text_of(world.htmx("POST", "/app/products/bulk/prepare", data={"all": "0"}))
    assert "Tick the products to import" in html and "Start the import" not in html


def test_starting_shows_a_polling_widget_that_stops_when_the_job_is_done(world):
    products = [find_product(world, variable=False), find_product(world, variable=True)]
    ids = [str(p["id"]) for p in products]

    started = world.htmx("POST", "/app/products/bulk", data={**PREFS, "ids": ids})

    html = text_of(started)
    job = ImportJob.query.filter_by(shop_id=world.shop.id).one()
    assert started.status_code == 200
    assert html.lstrip().startswith(f'<section id="import-job-{job.id}"')
    assert 'hx-trigger="every 1s" hx-target="this" hx-swap="outerHTML"' in html
    assert "0 of 2 processed" in html and "Cancel the import" in html

    assert run_queued_jobs() >= 1
    done = text_of(world.htmx("GET", f"/app/products/jobs/{job.id}"))

    assert "hx-trigger" not in done and "Cancel the import" not in done
    assert "2 of 2 processed" in done and "2 imported" in done and "0 failed" in done
    for product in products:
        [created] = world.products_with_handle(f"dropi-co-{product['id']}")
        assert product["name"] in done
        assert f"/admin/products/{created['id'].rsplit('/', 1)[-1]}" in done


def test_the_job_page_loads_as_a_document_too(world):
    product = find_product(world, variable=False)
    world.htmx("POST", "/app/products/bulk", data={**PREFS, "ids": [str(product["id"])]})
    job = ImportJob.query.filter_by(shop_id=world.shop.id).one()

    html = text_of(world.page(f"/app/products/jobs/{job.id}"))

    assert "<html" in html and f"Bulk import #{job.id}" in html and "Waiting to start" in html


def test_a_bad_rule_keeps_the_selection_and_says_why(world):
    ids = [str(p["id"]) for p in public_products(world)[:2]]

    response = world.htmx("POST", "/app/products/bulk",
                          data={**PREFS, "price_rule": "cost**2", "ids": ids})

    html = text_of(response)
    assert response.status_code == 422
    assert hidden_ids(html) == ids and 'value="cost**2"' in html and "at character" in html
    assert ImportJob.query.count() == 0


def test_cancel_stops_the_job_and_its_polling(world):
    ids = [str(p["id"]) for p in public_products(world)[:4]]
    world.htmx("POST", "/app/products/bulk", data={**PREFS, "ids": ids})
    job = ImportJob.query.filter_by(shop_id=world.shop.id).one()

    response = world.htmx("POST", f"/app/products/jobs/{job.id}/cancel")

    html = text_of(response)
    assert "Cancelled" in html and "hx-trigger" not in html
    run_queued_jobs()
    assert not any(p["handle"].startswith("dropi-co-") for p in world.store_shop.products.values())


def test_another_shop_cannot_see_or_cancel_the_job(world):
    ids = [str(p["id"]) for p in public_products(world)[:2]]
    world.htmx("POST", "/app/products/bulk", data={**PREFS, "ids": ids})
    job = ImportJob.query.filter_by(shop_id=world.shop.id).one()
    other = install_shop(world.shopify, "bulk-neighbour.myshopify.com")

    seen = world.htmx("GET", f"/app/products/jobs/{job.id}", domain=other.domain)
    cancelled = world.htmx("POST", f"/app/products/jobs/{job.id}/cancel", domain=other.domain)

    assert seen.status_code == 404 and cancelled.status_code == 404
    assert "That bulk import does not exist." in text_of(seen)
    assert job.status.value == "queued"
