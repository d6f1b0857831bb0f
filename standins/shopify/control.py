"""Control endpoints under /standin for tests and the demo: shops, faults, tokens, webhooks,
session tokens for App Bridge, bulk operation results. Not part of Shopify's API."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from standins.shopify.demo_orders import DemoOrderError, place_demo_order
from standins.shopify.faults import FaultSettingsError
from standins.shopify import merchant_actions
from standins.shopify.records import DomainError

bp = Blueprint("control", __name__, url_prefix="/standin")
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
TOPIC = re.compile(r"^[a-z_]+/[a-z_]+$")


def _stand_in():
    return current_app.extensions["shopify_stand_in"]


def _bad(message: str, status: int = 400):
    return jsonify(error=message), status


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


# -- shops -------------------------------------------------------------------------------------
@bp.post("/shops")
def create_shop():
    """{shop, seed, plan, scopes, installed}: a new shop (the app not installed unless said)."""
    body = _body()
    shop = str(body.get("shop", "")).lower()
    if not SHOP_DOMAIN.match(shop):
        return _bad("shop must look like name.myshopify.com")
    scopes = body.get("scopes")
    if scopes is not None and not isinstance(scopes, (str, list)):
        return _bad("scopes must be a comma-separated string or a list")
    stand_in = _stand_in()
    created = stand_in.create_shop(shop, seed=body.get("seed", False),
                                   plan=str(body.get("plan") or "standard"), scopes=scopes,
                                   installed=bool(body.get("installed", False)))
    return jsonify(shop=shop, created=created, admin_url=_admin_url(shop)), 201 if created else 200


@bp.get("/shops")
def list_shops():
    stand_in = _stand_in()
    return jsonify(shops=[{"shop": shop, "installed": stand_in.is_installed(shop),
                           "admin_url": _admin_url(shop)} for shop in stand_in.shop_domains()])


BUYER_FIELDS = ("customer", "email", "phone", "shipping_address", "shipping", "gateway",
                "financial_status", "note", "accepts_marketing", "accepts_sms_marketing",
                "checkout_id")


def _buyer_action(shop: str, action):
    """A storefront purchase or abandoned checkout: {line_items: [{sku, quantity}], ...}."""
    stand_in, body = _stand_in(), _body()
    if not stand_in.has_shop(shop):
        return _bad(f"no shop {shop}", 404)
    lines = body.get("line_items")
    if not isinstance(lines, list) or not lines:
        return _bad("line_items must be a non-empty list of {sku, quantity}")
    from standins.shopify.records import DomainError

    try:
        record = action(shop, line_items=lines,
                        **{k: body[k] for k in BUYER_FIELDS if k in body})
    except DomainError as error:
        return _bad("; ".join(e["message"] for e in error.errors), 422)
    return jsonify(id=record["id"], number=record["_number"], name=record.get("name"),
                   abandoned_checkout_url=record.get("abandonedCheckoutUrl")), 201


@bp.post("/shops/<shop>/checkouts")
def leave_checkout(shop: str):
    """A buyer leaves checkout after giving contact details (checkouts/create)."""
    return _buyer_action(shop, _stand_in().store.create_checkout)


@bp.post("/shops/<shop>/uninstall")
def uninstall(shop: str):
    stand_in = _stand_in()
    if not stand_in.has_shop(shop):
        return _bad(f"no shop {shop}", 404)
    return jsonify(shop=shop, uninstalled=stand_in.uninstall(shop))


@bp.post("/shops/<shop>/orders")
def place_order(shop: str):
    """A buyer places an order (the app gets orders/create): either exactly the given
    {line_items: [{sku, quantity}], ...}, or the demo's {cod (default true), city}, which buys
    one of the shop's imported Dropi products."""
    if "line_items" in _body():
        return _buyer_action(shop, _stand_in().store.create_order)
    stand_in, body = _stand_in(), _body()
    if not stand_in.has_shop(shop):
        return _bad(f"no shop {shop}", 404)
    cod, city = body.get("cod", True), body.get("city")
    if not isinstance(cod, bool) or (city is not None and not isinstance(city, str)):
        return _bad("cod must be true or false and city a string")
    try:
        with stand_in.store.transaction():
            placed = place_demo_order(stand_in.store.shop(shop), cash_on_delivery=cod, city=city)
    except DemoOrderError as error:
        return _bad(str(error), 422)
    return jsonify(placed.as_json()), 201


def _admin_url(shop: str) -> str:
    store = shop.split(".")[0]
    return f"{request.host_url}store/{store}/apps/{_stand_in().config.api_key}"


# -- faults ------------------------------------------------------------------------------------
@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def faults():
    """POST {latency_ms, rate_429, rate_5xx, rate_timeout, sequence, targets, seed,
    throttle: {size, restore_rate}} replaces the knobs; DELETE turns every fault off."""
    stand_in = _stand_in()
    if request.method == "GET":
        return jsonify(stand_in.faults.describe())
    body = _body() if request.method == "POST" else {}
    try:
        stand_in.faults.configure(body)
        throttle = body.get("throttle") if request.method == "POST" else {}
        if throttle is not None:
            stand_in.set_throttle(throttle)
    except FaultSettingsError as exc:
        return _bad(str(exc))
    return jsonify(stand_in.faults.describe())


# -- tokens ------------------------------------------------------------------------------------
@bp.get("/tokens")
def tokens():
    """Per shop: refresh, token-exchange and code-grant calls, and live credentials."""
    return jsonify(shops=_stand_in().tokens.stats())


@bp.post("/tokens/expire")
def expire_tokens():
    """{shop, which: access|refresh|all}: make the shop's tokens expired now."""
    body = _body()
    which = body.get("which", "access")
    if which not in ("access", "refresh", "all"):
        return _bad("which must be access, refresh or all")
    changed = _stand_in().tokens.expire(str(body.get("shop", "")), which)
    return jsonify(expired=changed)


@bp.route("/session-token", methods=["GET", "OPTIONS"])
def session_token():
    """A fresh App Bridge session token for ?shop=&user=, readable by the app's origin."""
    stand_in = _stand_in()
    if request.method == "OPTIONS":
        return _cors(Response(status=204))
    shop, user = request.args.get("shop", ""), request.args.get("user") or None
    if not stand_in.has_shop(shop):
        response, status = _bad(f"no shop {shop}", 404)
        return _cors(response), status
    if user is not None and not user.isdigit():
        response, status = _bad("user must be a staff member's numeric id")
        return _cors(response), status
    return _cors(jsonify(token=stand_in.session_token(shop, user)))


def _cors(response: Response) -> Response:
    app_url = urlsplit(_stand_in().config.app_url)
    response.headers["Access-Control-Allow-Origin"] = f"{app_url.scheme}://{app_url.netloc}"
    response.headers["Access-Control-Allow-Methods"] = "GET"
    response.headers["Vary"] = "Origin"
    return response


# -- webhooks ----------------------------------------------------------------------------------
@bp.post("/webhooks")
def trigger_webhook():
    """{shop, topic, payload}: deliver one event to the app now (copies/order switches apply)."""
    body = _body()
    shop, topic = str(body.get("shop", "")), str(body.get("topic", ""))
    if not SHOP_DOMAIN.match(shop):
        return _bad("shop must look like name.myshopify.com")
    if not TOPIC.match(topic):
        return _bad("topic must look like orders/create")
    payload = body.get("payload")
    if payload is None and topic in ("app/uninstalled", "shop/redact"):
        payload = _stand_in().shop_payload(shop)
    if not isinstance(payload, dict):
        return _bad("payload must be a JSON object")
    return jsonify(_stand_in().webhooks.emit(shop, topic, payload)), 202


@bp.route("/webhooks/deliveries", methods=["GET", "DELETE"])
def deliveries():
    """Every delivery with its attempts and the app's answers (?topic=&shop= to filter)."""
    webhooks = _stand_in().webhooks
    if request.method == "DELETE":
        webhooks.clear()
        return jsonify(deliveries=[])
    return jsonify(deliveries=webhooks.deliveries(request.args.get("topic"),
                                                  request.args.get("shop")))


@bp.route("/webhooks/settings", methods=["GET", "POST"])
def webhook_settings():
    """{enabled, copies, out_of_order, hold_seconds}"""
    webhooks = _stand_in().webhooks
    if request.method == "GET":
        return jsonify(webhooks.settings())
    body = _body()
    try:
        return jsonify(webhooks.update(
            enabled=body.get("enabled"), copies=body.get("copies"),
            out_of_order=body.get("out_of_order"), hold_seconds=body.get("hold_seconds"),
        ))
    except (TypeError, ValueError):
        return _bad("copies and hold_seconds must be numbers")


@bp.post("/webhooks/flush")
def flush_webhooks():
    """Release the events the out-of-order switch is holding (newest first)."""
    return jsonify(released=_stand_in().webhooks.flush())


# -- bulk operations ---------------------------------------------------------------------------
@bp.get("/bulk/<operation>.jsonl")
def bulk_result(operation: str):
    """The JSONL result file of a finished bulk operation, streamed from disk."""
    path = _stand_in().store.bulk_result_path(operation)
    if path is None:
        return _bad("no such bulk operation result", 404)
    return send_file(path, mimetype="application/jsonl", conditional=False, max_age=0)


@bp.post("/bulk/settings")
def bulk_settings():
    """{concurrent_queries, min_seconds, hold, fail_with}: how bulk queries run."""
    try:
        return jsonify(_stand_in().store.bulk_settings.update(_body()))
    except (TypeError, ValueError) as exc:
        return _bad(str(exc))



# -- what the merchant does to an order in the Shopify admin ----------------------------------
def _admin_order(shop: str, number: str):
    """(stand-in shop state, order) for a shop's order by its numeric id, or an error answer."""
    stand_in = _stand_in()
    if not stand_in.has_shop(shop):
        return None, _bad(f"no shop {shop}", 404)
    state = stand_in.store.shop(shop)
    order = merchant_actions.order_by_number(state, number)
    if order is None:
        return None, _bad(f"no order {number} in {shop}", 404)
    return (state, order), None


def _refused(error: DomainError):
    return _bad("; ".join(e["message"] for e in error.errors), 422)


@bp.post("/shops/<shop>/orders/<number>/refunds")
def refund_order(shop: str, number: str):
    """The merchant refunds in the admin: {lines: [{sku, quantity}], amount, note, restock}.
    Refused as refundCreate refuses (422); refunds/create reaches the app."""
    body = _body()
    with _stand_in().store.transaction():
        found, problem = _admin_order(shop, number)
        if problem:
            return problem
        try:
            refund = merchant_actions.refund_lines(*found, body.get("lines") or [],
                                                   body.get("amount"), body.get("note"),
                                                   bool(body.get("restock")))
        except DomainError as error:
            return _refused(error)
    return jsonify(id=refund["id"], number=refund["_number"]), 201


@bp.post("/shops/<shop>/orders/<number>/fulfillments")
def fulfil_order(shop: str, number: str):
    """The merchant (or a warehouse app) fulfils every open line: {company, number, url}
    tracking; fulfillments/create reaches the app."""
    body = _body()
    with _stand_in().store.transaction():
        found, problem = _admin_order(shop, number)
        if problem:
            return problem
        try:
            fulfillment = merchant_actions.fulfil_open_lines(*found, body)
        except DomainError as error:
            return _refused(error)
    return jsonify(id=fulfillment["id"], number=fulfillment["_number"]), 201


@bp.post("/shops/<shop>/fulfillments/<number>/tracking")
def update_fulfillment_tracking(shop: str, number: str):
    """The merchant edits a fulfillment's tracking: {company, number, url};
    fulfillments/update reaches the app."""
    stand_in, body = _stand_in(), _body()
    if not stand_in.has_shop(shop):
        return _bad(f"no shop {shop}", 404)
    with stand_in.store.transaction():
        state = stand_in.store.shop(shop)
        fulfillment = next((f for f in state.fulfillments.values()
                            if str(f["_number"]) == number), None)
        if fulfillment is None:
            return _bad(f"no fulfillment {number} in {shop}", 404)
        try:
            merchant_actions.change_tracking(state, fulfillment, body)
        except DomainError as error:
            return _refused(error)
    return jsonify(id=fulfillment["id"], number=fulfillment["_number"]), 200
