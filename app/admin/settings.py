"""/app/settings: Ecomdrop, Dropi, connector options, orders, locations and the connection
status.

Each section is its own form: htmx posts it, the answer is the section again (422 with the
errors inline, or 200 with a toast) plus the status panel swapped out of band.
"""
from __future__ import annotations

import json

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request
from flask_babel import gettext as _

from app.admin.responses import is_fragment_request, toast
from app.auth.embedded import embedded_url, embedded_view
from app.extensions import cache
from app.services.settings import (
    AUDIENCES,
    COUNTRIES,
    OPTIONS,
    EcomdropForm,
    IntegrationClients,
    SettingsInvalid,
    SettingsUnavailable,
    account_flows,
    cached_flows,
    check_connections,
    dropi_form,
    dropi_section,
    ecomdrop_form,
    ecomdrop_section,
    load_configuration,
    load_locations,
    locations_form,
    options_form,
    save_dropi,
    save_ecomdrop,
    save_location_mappings,
    save_options,
    save_recovery,
    saved_options,
    recovery_form,
    recovery_values,
    settings_status,
)
from app.services.order_pipeline import rotate_callback_secret as rotate_secret
from app.services.settings.order_policy import (
    POLICY_CHOICES,
    TIMEOUT_CHOICES,
    OrderPolicyForm,
    cached_carriers,
    callback_section,
    dropi_carriers,
    order_policy_form,
    save_policy_form,
    saved_order_policy,
)
from app.services.settings.page import settings_page

bp = Blueprint("settings", __name__, url_prefix="/app/settings")
DROPI_SAVED_EVENT = "dropi-saved"


def _settings():
    return current_app.config["SETTINGS"]


def _clients() -> IntegrationClients:
    return IntegrationClients(_settings())


def _common() -> dict:
    return {"countries": COUNTRIES, "options": OPTIONS, "audiences": AUDIENCES,
            "app_url": _settings().shopify_app_url,
            "policy_choices": POLICY_CHOICES, "timeout_choices": TIMEOUT_CHOICES}


def _section(template: str, *, http_status: int = 200, message: str | None = None, **context):
    """A section's fragment and, out of band, the status panel (saves change what it shows)."""
    body = render_template(template, **_common(), **context)
    body += render_template("settings/_status.html", status=settings_status(g.shop), oob=True)
    response = make_response(body, http_status)
    response.vary.add("HX-Request")
    return toast(response, message) if message else response


def _back_to_page():
    return redirect(embedded_url("settings.index"), code=303)


@bp.get("")
@embedded_view
def index():
    return _page()


def _page(new_secret: str | None = None):
    page = settings_page(g.shop, cache, _settings().shopify_app_url, _settings().outgoing_ip)
    recovery = recovery_values(load_configuration(g.shop))
    response = make_response(render_template(
        "settings/index.html", page=page, recovery=recovery,
        callback=callback_section(_settings(), g.shop, new_secret), **_common()))
    response.vary.add("HX-Request")
    return response


def _ecomdrop(submitted: EcomdropForm | None, **context):
    section = ecomdrop_section(load_configuration(g.shop), submitted)
    flows = cached_flows(g.shop, cache) if section.connected else None
    context.setdefault("errors", {})
    context.setdefault("notices", [])
    return _section("settings/_ecomdrop.html", ecomdrop=section, flows=flows, **context)


@bp.post("/ecomdrop", endpoint="save_ecomdrop")
@embedded_view
def save_ecomdrop_view():
    try:
        outcome = save_ecomdrop(_clients(), g.shop, ecomdrop_form(request.form), cache)
    except SettingsInvalid as invalid:
        return _ecomdrop(invalid.submitted, errors=invalid.errors, http_status=422)
    if not is_fragment_request():
        return _back_to_page()
    return _ecomdrop(None, notices=outcome.notices, message=_("Ecomdrop settings saved."))


@bp.get("/ecomdrop/flows")
@embedded_view
def ecomdrop_flows():
    chosen = ecomdrop_form(request.args)
    section = ecomdrop_section(load_configuration(g.shop), chosen)
    flows, problem = None, None
    if section.connected:
        try:
            flows = account_flows(_clients(), g.shop, cache,
                                  refresh=request.args.get("refresh") == "1")
        except SettingsUnavailable as unavailable:
            problem = unavailable.message
    return _section("settings/_flows.html", ecomdrop=section, flows=flows, flows_problem=problem,
                    errors={})


def _dropi(submitted, **context):
    section = dropi_section(load_configuration(g.shop), _settings().shopify_app_url, submitted,
                            outgoing_ip=_settings().outgoing_ip)
    context.setdefault("errors", {})
    context.setdefault("notices", [])
    return _section("settings/_dropi.html", dropi=section, **context)


@bp.post("/dropi", endpoint="save_dropi")
@embedded_view
def save_dropi_view():
    try:
        outcome = save_dropi(_clients(), g.shop, dropi_form(request.form))
    except SettingsInvalid as invalid:
        return _dropi(invalid.submitted, errors=invalid.errors, http_status=422)
    if not is_fragment_request():
        return _back_to_page()
    response = _dropi(None, notices=outcome.notices)
    # The locations section listens for this to load the (new) account's warehouses.
    response.headers["HX-Trigger"] = json.dumps({DROPI_SAVED_EVENT: None})
    return toast(response, _("Dropi settings saved."))


@bp.post("/options", endpoint="save_options")
@embedded_view
def save_options_view():
    submitted = options_form(request.form)
    try:
        outcome = save_options(g.shop, submitted, _clients())
    except SettingsInvalid as invalid:
        return _section("settings/_options.html", values=invalid.submitted, errors=invalid.errors,
                        notices=[], http_status=422)
    if not is_fragment_request():
        return _back_to_page()
    return _section("settings/_options.html", values=saved_options(outcome.configuration),
                    errors={}, notices=outcome.notices, message=_("Connector options saved."))


def _orders(policy: OrderPolicyForm | None, new_secret: str | None = None, **context):
    config = load_configuration(g.shop)
    context.setdefault("errors", {})
    context.setdefault("notices", [])
    return _section("settings/_orders.html", policy=policy or saved_order_policy(g.shop),
                    callback=callback_section(_settings(), g.shop, new_secret),
                    carriers=cached_carriers(g.shop, cache), carriers_problem=None,
                    dropi_connected=bool(config and config.dropi_token), **context)


@bp.post("/orders", endpoint="save_orders")
@embedded_view
def save_orders_view():
    try:
        save_policy_form(g.shop, order_policy_form(request.form))
    except SettingsInvalid as invalid:
        return _orders(invalid.submitted, errors=invalid.errors, http_status=422)
    if not is_fragment_request():
        return _back_to_page()
    return _orders(None, message=_("Order settings saved."))


@bp.post("/orders/callback-secret")
@embedded_view
def rotate_callback_secret():
    secret = rotate_secret(g.shop)
    if not is_fragment_request():
        # The secret is shown once, in the page this answer draws; a redirect would lose it.
        return _page(new_secret=secret)
    return _orders(None, new_secret=secret, message=_("New secret made: copy it now."))


@bp.get("/orders/carriers", endpoint="dropi_carriers")
@embedded_view
def dropi_carriers_view():
    policy = OrderPolicyForm(preferred_carrier=(request.args.get("carrier") or "")[:32])
    carriers, problem = None, None
    try:
        carriers = dropi_carriers(_clients(), g.shop, cache)
    except SettingsUnavailable as unavailable:
        problem = unavailable.message
    return make_response(render_template("settings/_carriers.html", policy=policy,
                                         carriers=carriers, carriers_problem=problem, errors={},
                                         dropi_connected=True))


@bp.post("/recovery", endpoint="save_recovery")
@embedded_view
def save_recovery_view():
    try:
        outcome = save_recovery(g.shop, recovery_form(request.form))
    except SettingsInvalid as invalid:
        return _section("settings/_recovery.html", recovery=invalid.submitted,
                        errors=invalid.errors, http_status=422)
    if not is_fragment_request():
        return _back_to_page()
    return _section("settings/_recovery.html", recovery=recovery_values(outcome.configuration),
                    errors={}, message=_("Abandoned-checkout settings saved."))


@bp.get("/locations")
@embedded_view
def locations():
    section = load_locations(_clients(), g.shop)
    return _section("settings/_locations.html", locations=section, errors={},
                    stock_sync_unmapped=section.stock_sync_unmapped)


@bp.post("/locations")
@embedded_view
def save_locations():
    try:
        section = save_location_mappings(_clients(), g.shop, locations_form(request.form))
    except SettingsInvalid as invalid:
        return _section("settings/_locations.html", locations=invalid.submitted,
                        errors=invalid.errors, http_status=422,
                        stock_sync_unmapped=invalid.submitted.stock_sync_unmapped)
    if not is_fragment_request():
        return _back_to_page()
    return _section("settings/_locations.html", locations=section, errors={},
                    stock_sync_unmapped=section.stock_sync_unmapped,
                    message=_("Location mapping saved."))


@bp.post("/status/check")
@embedded_view
def check_status():
    status = check_connections(_clients(), g.shop)
    response = make_response(render_template("settings/_status.html", status=status, oob=False))
    return toast(response, _("Connections checked."))
