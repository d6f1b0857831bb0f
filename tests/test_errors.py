"""Central error handling: banner for htmx, page for documents, bare status for webhooks."""
from __future__ import annotations

import logging

import pytest
from flask import Blueprint, abort
from sqlalchemy import func, select

from app.extensions import db
from app.models import Shop

SECRET = "shpat_do_not_show_this_token_123"


class SupplierDown(Exception):
    merchant_message = "Dropi no respondió. Inténtalo de nuevo en unos minutos."


@pytest.fixture
def failing_app(app):
    """Routes that fail the ways real views can fail."""
    admin = Blueprint("failing", __name__)

    @admin.get("/app/boom")
    def boom():
        db.session.add(Shop(domain="half-written.myshopify.com", api_version="2026-10"))
        db.session.flush()
        raise RuntimeError(f"database said no while using {SECRET}")

    @admin.get("/app/supplier")
    def supplier():
        raise SupplierDown()

    @admin.post("/app/upload")
    def upload():
        return str(len(request_form()))

    @admin.get("/app/unavailable")
    def unavailable():
        abort(503)

    @admin.post("/webhooks/boom")
    def webhook_boom():
        raise RuntimeError(SECRET)

    app.register_blueprint(admin)
    return app


def request_form():
    from flask import request

    return request.form


def test_unknown_page_is_a_404_page(client):
    response = client.get("/app/nothing-here?locale=en")

    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<html" in html and "Page not found" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_page_from_htmx_is_a_banner_for_the_error_region(client):
    response = client.get("/app/nothing-here", headers={"HX-Request": "true"})

    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<html" not in html and "data-app-banner" in html
    assert "Página no encontrada" in html
    assert response.headers["HX-Retarget"] == "#app-errors"
    assert response.headers["HX-Reswap"] == "innerHTML"


def test_wrong_method_is_a_405_that_keeps_the_allow_header(client, shop):
    response = client.delete("/app", headers={"HX-Request": "true"})

    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "Acción no permitida" in response.get_data(as_text=True)


def test_too_large_body_is_a_413_banner(failing_app, client):
    failing_app.config["MAX_CONTENT_LENGTH"] = 1024

    response = client.post("/app/upload", data={"text": "x" * 5000},
                           headers={"HX-Request": "true"})

    assert response.status_code == 413
    assert "Demasiado grande" in response.get_data(as_text=True)


def test_crash_rolls_back_and_shows_a_reference_without_details(failing_app, client, caplog):
    caplog.set_level(logging.ERROR, logger="app.errors")

    response = client.get("/app/boom?locale=en")

    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "Traceback" not in html and "RuntimeError" not in html and SECRET not in html
    reference = html.split('<span class="reference">', 1)[1].split("<", 1)[0]
    assert len(reference) == 12 and reference in caplog.text
    assert SECRET not in caplog.text
    assert db.session.scalar(select(func.count()).select_from(Shop)) == 0
    db.session.add(Shop(domain="after.myshopify.com", api_version="2026-10"))
    db.session.commit()  # the session is usable again after the failure


def test_crash_during_htmx_is_a_500_banner(failing_app, client):
    response = client.get("/app/boom", headers={"HX-Request": "true"})

    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "data-app-banner" in html and "Referencia:" in html and "<html" not in html
    assert SECRET not in html


def test_unhandled_service_error_shows_its_merchant_message(failing_app, client):
    response = client.get("/app/supplier", headers={"HX-Request": "true"})

    assert response.status_code == 502
    assert "Dropi no respondió. Inténtalo de nuevo en unos minutos." in response.get_data(
        as_text=True)


def test_aborted_503_is_a_page(failing_app, client):
    response = client.get("/app/unavailable?locale=en")

    assert response.status_code == 503
    assert "The app is temporarily unavailable" in response.get_data(as_text=True)


def test_webhooks_get_a_bare_status(failing_app, client):
    crashed = client.post("/webhooks/boom", data=b"{}")
    missing = client.post("/webhooks/unknown-topic-path", data=b"{}")
    wrong_method = client.get("/webhooks")

    assert (crashed.status_code, crashed.data) == (500, b"")
    assert (missing.status_code, missing.data) == (404, b"")
    assert (wrong_method.status_code, wrong_method.data) == (405, b"")


def test_health_check_still_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_checks_the_database_and_the_queue(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}


def test_readiness_fails_when_the_database_is_gone(tmp_path):
    from app import create_app
    from tests.support import make_settings

    unreachable = create_app(make_settings(
        tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"))
    response = unreachable.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "unavailable"
    assert unreachable.test_client().get("/healthz").status_code == 200
