"""What a merchant (or anyone with a session) can send that used to end in a 5xx: each case gets
a clear answer in the merchant's language and loses nothing. Real session tokens, the app
against the Shopify, Dropi and Ecomdrop stand-ins over HTTP."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import resume_stale_import_jobs, run_import_job
from app.models import (
    AIConfiguration,
    ImportItemStatus,
    ImportJob,
    ImportJobStatus,
    ProductAssociation,
    ShopConfiguration,
)
from app.models.types import utcnow
from app.services.product_import import ImportPreferences, job_progress, start_bulk_import
from app.services.product_import.bulk import resume_stale_import_jobs as resume_stale_imports
from tests.conftest import run_pending_jobs
from tests.factories import dropi_product_ids, find_product, prefs, text_of
from tests.support import embedded_query, mint_session_token

FORM = {"title_source": "dropi", "description_source": "dropi", "price_rule": "cost*2",
        "use_dropi_barcode": "0", "import_images": "0", "status": "DRAFT"}
UNPRICEABLE = [
    ({"price_rule": "cost*" + "9" * 45}, "is too large"),
    ({"price_rule": "9" * 50}, "is too large"),
    ({"price_rule": "cost*999999999*999999999"}, "more than a store can charge"),
    ({"compare_at_rule": "price*999999999*99999"}, "more than a store can charge"),
    ({"min_margin_percent": "99.999"}, "from 0 to 99"),
    ({"min_margin_percent": "100"}, "from 0 to 99"),
]
BIG_IDS = [2**31, 2**63, 10**30]


def _associations() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ProductAssociation))


def _imported(world, raw) -> ProductAssociation:
    response = world.htmx("POST", f"/app/products/{raw['id']}/import", data=FORM)
    assert response.status_code == 200, text_of(response)
    return ProductAssociation.query.filter_by(dropi_product_id=str(raw["id"])).one()


# --- pricing rules that parse but cannot price ----------------------------------------------

@pytest.mark.parametrize("pricing, message", UNPRICEABLE)
def test_an_unpriceable_rule_is_refused_on_preview_import_and_bulk(world, pricing, message):
    raw = find_product(world, variable=False)
    form = {**FORM, **pricing}

    for path in (f"/app/products/{raw['id']}/preview", f"/app/products/{raw['id']}/import"):
        response = world.htmx("POST", path, data=form)
        assert response.status_code == 422, (path, text_of(response)[:500])
        assert message in text_of(response)
    bulk = world.htmx("POST", "/app/products/bulk",
                      data={**form, "ids": dropi_product_ids(world, 2)})
    assert bulk.status_code == 422 and message in text_of(bulk)
    assert world.store_shop.products == {} and _associations() == 0
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


@pytest.mark.parametrize("pricing, message", UNPRICEABLE[:3] + UNPRICEABLE[4:5])
def test_an_unpriceable_rule_is_refused_on_link_and_re_price(world, pricing, message):
    association = _imported(world, find_product(world, variable=False))
    other = find_product(world, variable=True)
    [before] = [v["price"] for v in world.variants_of(association.shopify_product_id)]

    link = world.htmx("POST", f"/app/products/{other['id']}/link", data={
        **FORM, **pricing, "shopify_product_id": association.shopify_product_id})
    assert link.status_code == 422 and message in text_of(link)
    fields = {"ids": [str(association.id)], "compare_at_rule": "", "price_ending": "",
              "min_margin_percent": "", "price_rule": "cost*2", **pricing}
    preview = world.htmx("POST", "/app/products/imported/reprice", data=fields)
    assert preview.status_code == 422 and message in text_of(preview)
    applied = world.htmx("POST", "/app/products/imported/reprice/apply", data={
        **fields, **{f"previewed_{k}": v for k, v in fields.items() if k != "ids"}})
    assert applied.status_code == 422 and message in text_of(applied)
    assert "Prices updated" not in text_of(applied)
    assert [v["price"] for v in world.variants_of(association.shopify_product_id)] == [before]


def test_a_stored_margin_of_100_percent_fails_re_sync_with_a_message(world):
    association = _imported(world, find_product(world, variable=False))
    association.min_margin_percent = 100  # stored before margins were bounded
    db.session.commit()

    response = world.htmx("POST", "/app/products/imported/reprice", data={
        "ids": [str(association.id)], "price_rule": "cost*2", "min_margin_percent": ""})
    resync = world.htmx("POST", f"/app/products/imported/{association.id}/resync")

    assert response.status_code == 200  # the new (empty) margin replaces the stored one
    assert resync.status_code < 500
    assert "between 0 and 99 percent" in text_of(resync)


def test_a_bulk_job_with_an_unpriceable_rule_fails_item_by_item_never_the_job(world):
    ids = dropi_product_ids(world, 3)
    job = start_bulk_import(world.settings, world.shop, ids,
                            prefs(price_rule="cost*999999999*999999999"),
                            enqueue=run_import_job)

    assert run_pending_jobs() == 1

    progress = job_progress(world.shop.id, job.id)
    assert (progress.status, progress.succeeded, progress.failed) == (
        ImportJobStatus.COMPLETED, 0, 3)
    assert progress.last_error is None
    for item in progress.items:
        assert item.status == ImportItemStatus.FAILED
        assert "más de lo que una tienda puede cobrar" in item.error  # jobs speak Spanish
    assert world.store_shop.products == {}


def test_a_rule_that_only_some_products_cannot_take_fails_only_those(world):
    ids = dropi_product_ids(world, 6)
    costs = sorted(float(world.dropi_raw(i)["sale_price"]) for i in ids)
    job = start_bulk_import(world.settings, world.shop, ids,
                            prefs(price_rule=f"cost-{int(costs[2])}"), enqueue=run_import_job)

    run_pending_jobs()

    progress = job_progress(world.shop.id, job.id)
    failed = [i for i in progress.items if i.status == ImportItemStatus.FAILED]
    assert progress.status == ImportJobStatus.COMPLETED and progress.last_error is None
    assert 0 < len(failed) < len(ids) and progress.succeeded == len(ids) - len(failed)
    assert all(f"'cost-{int(costs[2])}'" in item.error for item in failed)


# --- control characters ---------------------------------------------------------------------

def test_a_custom_title_with_nul_and_escape_characters_imports_one_clean_product(world):
    raw = find_product(world, variable=False)

    response = world.htmx("POST", f"/app/products/{raw['id']}/import", data={
        **FORM, "title_source": "custom", "custom_title": "Licuadora\x00 Pro\x1b[31m\x7f"})

    assert response.status_code == 200, text_of(response)
    [product] = world.products_with_handle(f"dropi-co-{raw['id']}")
    assert product["title"] == "Licuadora Pro[31m"
    association = ProductAssociation.query.one()
    assert association.custom_title == "Licuadora Pro[31m"
    assert association.shopify_product_id == product["id"]


def test_preferences_built_without_a_form_drop_control_characters_too(world):
    raw = find_product(world, variable=False)
    ctx = world.ctx()
    from app.services.product_import import import_product

    result = import_product(ctx, raw["id"], ImportPreferences(
        title_source="custom", custom_title="Título\x00 limpio", price_rule="cost*2\x00"))

    assert result.ok
    [product] = world.products_with_handle(f"dropi-co-{raw['id']}")
    assert product["title"] == "Título limpio" == result.association.custom_title


@pytest.mark.parametrize("path, field", [
    ("/app/products", "q"), ("/app/products/imported", "q"),
])
def test_nul_in_a_search_is_dropped_not_a_server_error(world, path, field):
    response = world.htmx("GET", path, **{field: "licua\x00dora"})

    assert response.status_code == 200


def test_nul_in_the_store_name_and_agent_fields_is_dropped(world):
    store = world.htmx("POST", "/app/settings/dropi", data={
        "dropi_country": "CO", "dropi_store_name": "Mi\x00 tienda", "dropi_token": ""})
    agent = world.htmx("POST", "/app/ai-agent", data={
        "agent_name": "Sofía\x00", "company_name": "Tienda\x00", "tone": "friendly"})

    assert store.status_code == 200 and agent.status_code == 200, text_of(agent)[:300]
    db.session.expire_all()
    config = db.session.scalar(select(ShopConfiguration))
    agent_row = db.session.scalar(select(AIConfiguration))
    assert config.dropi_store_name == "Mi tienda"
    assert (agent_row.agent_name, agent_row.company_name) == ("Sofía", "Tienda")


# --- ids out of range -----------------------------------------------------------------------

@pytest.mark.parametrize("number", BIG_IDS)
@pytest.mark.parametrize("method, template", [
    ("GET", "/app/products/jobs/{}"), ("POST", "/app/products/jobs/{}/cancel"),
    ("GET", "/app/products/imported/{}/delete"), ("POST", "/app/products/imported/{}/delete"),
    ("POST", "/app/products/imported/{}/resync"), ("GET", "/app/products/{}"),
])
def test_an_id_of_2_to_the_31_or_more_is_a_404(world, method, template, number):
    response = world.htmx(method, template.format(number))

    assert response.status_code == 404
    assert "does not exist" in text_of(response)


def test_re_price_ids_of_2_to_the_31_or_more_are_not_a_selection(world):
    response = world.htmx("POST", "/app/products/imported/reprice",
                          data={"ids": [str(n) for n in BIG_IDS] + ["²", "-1"]})

    assert response.status_code == 422
    assert "Select at least one imported product." in text_of(response)


def test_re_price_with_ids_of_another_shop_says_so_and_changes_nothing(world):
    association = _imported(world, find_product(world, variable=False))
    [before] = [v["price"] for v in world.variants_of(association.shopify_product_id)]
    other_shop_id = association.id + 1000
    pricing = {"price_rule": "cost*3", "compare_at_rule": "", "price_ending": "",
               "min_margin_percent": ""}
    ids = [str(association.id), str(other_shop_id)]

    preview = world.htmx("POST", "/app/products/imported/reprice",
                         data={"ids": ids, **pricing})
    applied = world.htmx("POST", "/app/products/imported/reprice/apply", data={
        "ids": ids, **pricing, **{f"previewed_{k}": v for k, v in pricing.items()}},
        locale="es")

    assert preview.status_code == 422
    assert "not imported in this store (1 of them" in text_of(preview)
    assert applied.status_code == 422
    assert "No se cambió ningún precio" in text_of(applied)
    assert "Precios actualizados" not in text_of(applied)
    assert [v["price"] for v in world.variants_of(association.shopify_product_id)] == [before]


# --- Dropi and Shopify answers --------------------------------------------------------------

def test_a_dropi_product_that_does_not_exist_is_a_404_with_a_message(world):
    missing = 987654321
    pages = [world.htmx("GET", f"/app/products/{missing}"),
             world.htmx("POST", f"/app/products/{missing}/import", data=FORM),
             world.htmx("GET", f"/app/products/{missing}/link/mapping",
                        shopify_product_id="gid://shopify/Product/1"),
             world.page(f"/app/products/{missing}")]

    for response in pages:
        assert response.status_code == 404
        assert f"could not find product {missing}" in text_of(response)


def test_a_garbage_paging_cursor_is_a_clear_message(world):
    raw = find_product(world, variable=False)

    response = world.htmx("GET", f"/app/products/{raw['id']}/link/search", q="a",
                          after="!!not-a-cursor==")
    spanish = world.htmx("GET", f"/app/products/{raw['id']}/link/search", q="a",
                         after="eyJsYXN0X2lkIjoxfQ", locale="es")

    assert response.status_code == 422
    assert "That page of results is no longer available. Search again." in text_of(response)
    assert spanish.status_code == 422 and "Busca de nuevo" in text_of(spanish)


def test_a_valid_session_token_for_a_store_shopify_does_not_know_is_a_404_page(world):
    domain = "no-such-store.myshopify.com"
    query = embedded_query(domain, id_token=mint_session_token(domain), locale="es")

    response = world.client.get(f"/app?{query}")

    assert response.status_code == 404
    assert "Shopify no tiene ninguna tienda en no-such-store.myshopify.com" in text_of(response)


# --- request size ---------------------------------------------------------------------------

def test_a_20_mb_form_is_refused_with_413_and_a_message(world):
    body = urlencode({**FORM, "custom_title": "x" * (20 * 1024 * 1024)})
    raw = find_product(world, variable=False)
    query = urlencode({"shop": world.domain, "embedded": "1", "locale": "es"})

    response = world.client.post(
        f"/app/products/{raw['id']}/import?{query}", data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"HX-Request": "true",
                 "Authorization": f"Bearer {mint_session_token(world.domain)}"})

    assert response.status_code == 413
    assert "Lo que enviaste es demasiado grande" in text_of(response)
    assert "x" * 1000 not in text_of(response)
    assert world.store_shop.products == {}


# --- a killed worker ------------------------------------------------------------------------

def test_a_job_whose_worker_died_shows_it_waits_to_resume_then_resumes(world):
    ids = dropi_product_ids(world, 2)
    job = start_bulk_import(world.settings, world.shop, ids, prefs(), enqueue=lambda *a: None)
    row = db.session.get(ImportJob, job.id)
    row.status, row.heartbeat_at = ImportJobStatus.RUNNING, utcnow() - timedelta(seconds=20)
    db.session.commit()

    alive = text_of(world.htmx("GET", f"/app/products/jobs/{job.id}"))
    assert "Running" in alive and "Waiting to resume" not in alive
    assert resume_stale_imports(enqueue=lambda *args: None) == []

    row.heartbeat_at = utcnow() - timedelta(seconds=50)  # the worker died 50 s ago
    db.session.commit()
    waiting = text_of(world.htmx("GET", f"/app/products/jobs/{job.id}"))
    spanish = text_of(world.htmx("GET", f"/app/products/jobs/{job.id}", locale="es"))
    assert "Waiting to resume" in waiting and "resumes within a minute" in waiting
    assert "Esperando para continuar" in spanish

    resume_stale_import_jobs()  # the periodic task, as the scheduler queues it
    assert run_pending_jobs() == 2  # the sweep, then the job it queued again
    progress = job_progress(world.shop.id, job.id)
    assert (progress.status, progress.succeeded) == (ImportJobStatus.COMPLETED, 2)


def test_the_sweep_that_resumes_jobs_runs_every_minute():
    from datetime import datetime, timezone

    minutes = [datetime(2026, 12, 3, 13, minute, tzinfo=timezone.utc) for minute in range(60)]
    assert all(resume_stale_import_jobs.s().validate_datetime(moment) for moment in minutes)
