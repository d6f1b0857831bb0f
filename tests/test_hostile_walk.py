"""Every /app route, with a valid session, answers hostile values without a 5xx.

The routes come from app.url_map and the field names from the code, the templates and every
page as rendered, so a new route or field is walked without touching this test. Each request
puts one hostile value in every path argument, query parameter and form field at once.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from flask import current_app
from sqlalchemy import select
from werkzeug.routing.converters import NumberConverter

from app import create_app
from app.extensions import cache, db, queue
from app.models import ShopConfiguration
from app.services.product_import import import_product
from standins.ecomdrop import DEMO_API_KEY
from tests.factories import build_world, find_product, prefs
from tests.live_standins import running_ecomdrop_stand_in, stand_in_settings
from tests.support import embedded_query, htmx_headers, mint_session_token, reset_database

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_TEXT = [
    "x" * 20_000,
    "nul\x00byte ctrl\x01\x08\x1b[31m\x7f",
    "línea\r\nnueva\u2028",
    "éñ漢字😀\u202e\ufeff",
    "2147483648",
    "99999999999999999999999999999999999999999999999",
    "NaN",
    "1e999",
    "cost*" + "9" * 45,
    "gid://shopify/Product/99999999999999999999",
    "!!not-a-cursor==",
    "' OR 1=1 --<script>alert(1)</script>",
    "",
]
HOSTILE_IDS = [2**31, 2**63, 10**40, 0, 2**31 - 1, 987654321]
FIELD_PATTERNS = (re.compile(r"""name=["']([A-Za-z_][\w\-]*)["']"""),
                  re.compile(r"""(?:args|form|values)\.get(?:list)?\(\s*["']([\w\-]+)["']"""),
                  re.compile(r"""_field\(\s*["']([\w\-]+)["']"""))
SESSION_PARAMETERS = {"id_token", "shop", "host", "embedded", "locale"}


def field_names(pages: list[str]) -> list[str]:
    """Every form field and query parameter the templates, views and rendered pages name."""
    texts = [path.read_text(encoding="utf-8") for path in
             [*ROOT.joinpath("templates").rglob("*.html"), *ROOT.joinpath("app").rglob("*.py")]]
    names = {name for text in [*texts, *pages] for pattern in FIELD_PATTERNS
             for name in pattern.findall(text)}
    return sorted(names - SESSION_PARAMETERS)


def app_routes():
    """(rule, method) for every rule under /app."""
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/app"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def build_path(rule, value, number: int) -> str:
    path = rule.rule
    for argument in rule.arguments:
        numeric = isinstance(rule._converters[argument], NumberConverter)
        raw = str(number) if numeric else value
        path = re.sub(rf"<(?:[^:<>]+:)?{argument}>", quote(raw, safe="") or "x", path)
    return path


@pytest.fixture
def connected_world(stand_ins, tmp_path):
    """The world of conftest with Ecomdrop connected too, and a Dropi pace that lets the walk
    send its few hundred requests without waiting a minute for each sixty."""
    shopify, dropi = stand_ins
    with running_ecomdrop_stand_in() as ecomdrop:
        settings = stand_in_settings(tmp_path, shopify=shopify, dropi=dropi, ecomdrop=ecomdrop,
                                     dropi_requests_per_minute="600000")
        app = create_app(settings)
        app.config["TESTING"] = True
        with app.app_context():
            db.create_all()
            cache.clear()
            try:
                world = build_world(shopify, dropi, settings, app.test_client())
                config = db.session.scalar(select(ShopConfiguration)
                                           .where(ShopConfiguration.shop_id == world.shop.id))
                config.ecomdrop_api_key = DEMO_API_KEY
                db.session.commit()
                yield world
            finally:
                reset_database()
                queue.flush()
                cache.clear()


@pytest.mark.timeout(600)  # hundreds of requests; slow only on a loaded machine
def test_every_app_route_answers_hostile_values_without_a_server_error(connected_world):
    world = connected_world
    ctx = world.ctx()
    product_id = find_product(world, variable=False)["id"]
    association_id = import_product(ctx, product_id, prefs()).association.id
    ids = [*HOSTILE_IDS, product_id, association_id]
    pages = [world.page(build_path(rule, "x", product_id if "imported" not in rule.rule
                                   else association_id)).get_data(as_text=True)
             for rule, method in app_routes() if method == "GET"]
    fields = field_names(pages)
    assert {"dropi_store_name", "agent_name", "custom_title", "q"} <= set(fields)
    failures, walked = [], set()
    for rule, method in app_routes():
        walked.add(rule.rule)
        for index, value in enumerate(HOSTILE_TEXT):
            number = ids[index % len(ids)]
            path = build_path(rule, value, number)
            params = {name: value for name in fields}
            params["ids"] = [value, str(number)]
            token = mint_session_token(world.domain)
            if method == "GET" and index % 2 == 0:  # the full page as well as the fragment
                query = embedded_query(world.domain, id_token=token, locale="en")
                response = world.client.get(f"{path}?{query}&{urlencode(params, doseq=True)}")
                if response.status_code >= 500:
                    failures.append((method, path[:80], "document", repr(value[:30]),
                                     response.status_code))
            query = urlencode({"shop": world.domain, "embedded": "1", "locale": "es", **params},
                              doseq=True)
            response = world.client.open(f"{path}?{query}", method=method,
                                         data=params if method == "POST" else None,
                                         headers=htmx_headers(token))
            if response.status_code >= 500:
                failures.append((method, path[:80], "htmx", repr(value[:30]),
                                 response.status_code))
    assert len(walked) > 20
    assert failures == []
