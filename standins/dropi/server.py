"""A local Dropi (integrations API, every country on one port) for development, demos and tests.

`create_dropi_stand_in(config)` returns a Flask app; `python -m standins dropi --port 5002`
serves it. Point the app at it with DROPI_URL_TEMPLATE=http://127.0.0.1:5002/{country}/integrations
and DROPI_IMAGE_BASE_URL=http://127.0.0.1:5002/. Unless configured otherwise it holds one demo
store per country; `GET /standin/tokens` lists their integration tokens.

Integrations API under /{country}/integrations (country in lower case: co, mx, cl, pe, ec, pa,
py, gt, ar, es), authenticated by the `dropi-integration-key` header, answers in Dropi's
envelope {isSuccess, status, message, objects, count}:

    GET  helpers/validateToken            the token's store
    POST products/index                   startData, pageSize (<=100), keywords, favorite,
                                          privated_product, stockmayor, category (an array of
                                          ids; [] matches nothing), warehouse_id,
                                          notNulldescription, order_by, order_type, no_count;
                                          envelope [{objects, count}] when the config says
                                          "array", or per request `X-Standin-Envelope: array`.
                                          Spain (es) refuses the `integration` flag.
    GET  products/v2/{id}, products/{id}  one product (each stock row's warehouse as an array)
    GET  categories/, warehouses/, department, distribution_companies
    POST trajectory/bycity                {department_id, rate_type} -> objects.cities
                                          (co: cod_dane of 7-8 characters, e.g. "5001000")
    POST orders/cotizaEnvioTransportadoraV2   per-carrier price or error (ciudad_remitente
                                          required; mx needs zip_code)
    POST orders/myorders                  create (state and city must be catalogue names; stock
                                          checked and taken; mx needs zip_code)
    GET  orders/myorders[/{id}]           the token's orders; filter_date_by (required),
                                          result_number, start, status, textToSearch, from,
                                          untill, filter_by (GUIA, ORDEN ID, CELULAR) with
                                          value_filter_by, orderBy, orderDirection
    PUT  orders/myorders/{id}             {status: GUIA_GENERADA | CANCELADO (only before a
                                          guide)}, {distribution_company_id}
    GET  orders/myorderbyguide/{guide}
    GET  /{country}/guias/{carrier}/{sticker}  the label PDF of one of the token's orders

401 for a missing, unknown or other-country token; 401 {"isSuccess": false, "message":
"Access denied", "status": 401, "ip": <caller>} when the caller is not on the token's allow-list
(on unless `enforce_allow_list` is turned off; see _caller_allowed); 429 {"message": "Too Many Attempts."} with
Retry-After once a token passes `requests_per_minute` in its window (off unless configured).

Controls (no token): GET|POST /standin/tokens, POST /standin/config {requests_per_minute,
rate_window_seconds, list_envelope, enforce_allow_list}, GET|DELETE /standin/calls (the token
header reads "<present>"), POST /standin/faults {fail_next, status, failure_rate,
failure_kinds (statuses and "timeout": done, then answered after delay_seconds),
slow_creates_next, delay_seconds, latency_seconds}, GET /standin/orders,
POST /standin/orders/{id}/advance (the carrier's next status), POST /standin/orders/{id}/status
{status} (any upper-case carrier status), POST /standin/orders/{id}/guide (a new guide),
POST /standin/carrier/step (every order one status on), GET /standin/status-webhooks (what was
POSTed to `status_webhook_url`, set with /standin/config like `seconds_per_step`),
POST /standin/products/{country}/{id}/stock {stock, warehouse_id?, variation_id?},
POST /standin/products/{country}/{id}/withdraw {reason: deleted | private} (404 from then on),
POST /standin/drift {country, stock, prices, seed}: stock of one warehouse row in about `stock`
of the products and the price of about `prices` of them change, the same for the same seed
(`python -m standins dropi-drift --stock 0.05 --prices 0.02`).
Images: GET /images/{country}/{name}.png (drawn on request).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request

from standins.dropi import drift as drifting
from standins.dropi import orders, shipping
from standins.dropi.api import bp as api_bp
from standins.dropi.api import guides_bp
from standins.dropi.geography import COUNTRIES
from standins.dropi.images import product_png
from standins.dropi.state import ApiError, DropiState
from standins.dropi.tokens import (
    DEFAULT_SIGNING_KEY,
    LOCAL_CALLER_IPS,
    Account,
    demo_accounts,
    mint_token,
)

TOKEN_HEADER = "dropi-integration-key"
DEMO_SECONDS_PER_STEP = 8.0
PRESENT = "<present>"
TUNABLE = ("requests_per_minute", "rate_window_seconds", "list_envelope", "enforce_allow_list",
           "status_webhook_url", "seconds_per_step")


@dataclass
class DropiStandInConfig:
    """Stores to start with (None: one demo store per country) and behaviour knobs."""

    accounts: list[dict] | None = None  # each: {country, store_name?, allowed_urls?, allowed_ips?}
    allowed_urls: tuple[str, ...] = ("http://127.0.0.1:5000",)
    allowed_ips: tuple[str, ...] = LOCAL_CALLER_IPS
    enforce_allow_list: bool = True
    requests_per_minute: int | None = None
    rate_window_seconds: float = 60.0
    list_envelope: str = "object"  # or "array"
    catalog_sizes: dict[str, int] = field(default_factory=dict)
    seed: int = 7
    signing_key: str = DEFAULT_SIGNING_KEY
    clock: Callable[[], float] = time.time
    # Where status changes are POSTed (the platform URL registered with Dropi), and how many
    # seconds the carrier takes per status (0: orders move only through the control routes).
    status_webhook_url: str | None = None
    seconds_per_step: float = 0.0

    @classmethod
    def from_settings(cls, settings, **overrides) -> "DropiStandInConfig":
        """Demo tokens that allow-list the app's own URL (SHOPIFY_APP_URL) from 127.0.0.1, as
        Dropi's IT team registers an integrating platform, and the app's status webhook
        registered; the carrier moves an order one status every 8 seconds."""
        values = {"allowed_urls": (settings.shopify_app_url,),
                  "status_webhook_url": settings.shopify_app_url.rstrip("/")
                  + "/webhooks/dropi/status",
                  "seconds_per_step": DEMO_SECONDS_PER_STEP}
        values.update(overrides)
        return cls(**values)


class DropiStandIn:
    """What the Flask app keeps in app.extensions["dropi_stand_in"]."""

    def __init__(self, config: DropiStandInConfig) -> None:
        self.config = config
        self.state = DropiState(seed=config.seed, sizes=config.catalog_sizes, clock=config.clock)
        if config.accounts is None:
            for account in demo_accounts(list(config.allowed_urls), config.signing_key,
                                         config.allowed_ips):
                self.state.add_account(account)
        for index, spec in enumerate(config.accounts or []):
            self.issue(spec, user_id=800 + index)
        self.webhook = shipping.StatusWebhook(config.status_webhook_url)
        self.state.status_listeners.append(self.status_changed)
        self.carrier = shipping.Carrier(self.state, config.seconds_per_step)

    def status_changed(self, order: dict) -> None:
        shipping.record_incident(order, order["status"])
        self.webhook.url = self.config.status_webhook_url
        self.webhook.send(shipping.webhook_payload(self.state, order))

    def issue(self, spec: dict, *, user_id: int | None = None) -> Account:
        country = str(spec.get("country") or "").upper()
        if country not in COUNTRIES:
            raise ApiError(422, f"country debe ser uno de: {', '.join(COUNTRIES)}")
        user_id = user_id or 900 + len(self.state.accounts)
        urls = spec.get("allowed_urls") or list(self.config.allowed_urls)
        ips = spec.get("allowed_ips") or list(self.config.allowed_ips)
        account = mint_token(country, user_id=user_id, allowed_urls=urls, allowed_ips=ips,
                             store_name=spec.get("store_name") or f"Tienda {user_id}",
                             integration_type=spec.get("integration_type") or "SHOPIFY",
                             issued_at=int(self.config.clock()),
                             signing_key=self.config.signing_key)
        return self.state.add_account(account)

    def token_for(self, country: str) -> str:
        """The first store's token in a country."""
        return next(a.token for a in self.state.accounts.values()
                    if a.country == country.upper())


def create_dropi_stand_in(config: DropiStandInConfig | None = None) -> Flask:
    """The stand-in as a Flask app."""
    stand_in = DropiStandIn(config or DropiStandInConfig())
    app = Flask(__name__)
    app.url_map.strict_slashes = False
    app.extensions["dropi_stand_in"] = stand_in
    app.register_blueprint(api_bp)
    app.register_blueprint(guides_bp)
    if stand_in.config.seconds_per_step:
        stand_in.carrier.start()
    app.before_request(lambda: _guard(stand_in))
    app.after_request(lambda response: _record(stand_in, response))
    app.register_error_handler(ApiError, lambda e: (jsonify(e.body()), e.status))
    app.register_blueprint(controls)
    return app


API_BLUEPRINTS = ("dropi_api", "dropi_guides")


def _guard(stand_in: DropiStandIn):
    if request.blueprint not in API_BLUEPRINTS:
        return None
    if g.country not in COUNTRIES:
        raise ApiError(404, "Dropi no opera en ese país")
    if stand_in.state.latency_seconds:
        time.sleep(stand_in.state.latency_seconds)
    creating = request.method == "POST" and request.path.endswith("/orders/myorders")
    fault = stand_in.state.take_fault(creating_order=creating)
    if fault == "timeout":
        g.answer_late = True  # carried out, then answered after the caller gave up
    elif fault == 429:
        response = jsonify({"message": "Too Many Attempts."})
        response.status_code = 429
        response.headers["Retry-After"] = "1"
        return response
    elif fault:
        return jsonify({"isSuccess": False, "status": fault, "message": "Falla simulada"}), fault
    g.account = stand_in.state.account_for(request.headers.get(TOKEN_HEADER), g.country)
    if g.account is None:
        raise ApiError(401, "Token de integración no válido")
    if stand_in.config.enforce_allow_list and not _caller_allowed(g.account):
        return jsonify({"isSuccess": False, "message": "Access denied", "status": 401,
                        "ip": request.remote_addr}), 401
    config = stand_in.config
    limited = stand_in.state.hit(g.account.token, config.requests_per_minute,
                                 config.rate_window_seconds)
    if limited:
        limit, wait = limited
        response = jsonify({"message": "Too Many Attempts."})
        response.status_code = 429
        response.headers.update({"Retry-After": str(int(wait)), "X-RateLimit-Limit": str(limit),
                                 "X-RateLimit-Remaining": "0",
                                 "X-RateLimit-Reset": str(int(config.clock() + wait))})
        return response
    return None


def _caller_allowed(account: Account) -> bool:
    """Dropi lets a call in only from a registered IP and domain (dropi-integration-facts §1:
    "Access denied", sometimes naming the caller's IP). How it learns the domain of a
    server-to-server call is not public, so this is stricter than anything we know of: the
    caller's IP must equal a pair's `ip` (a pair without one admits nobody) and, when the pair
    names a URL, the Origin (or Referer) the caller sends must be on that URL's host. The port
    is not compared: a domain is registered, not a port."""
    sent = request.headers.get("Origin") or request.headers.get("Referer") or ""
    sent_host = (urlsplit(sent).hostname or "").lower()
    for pair in account.ip_url:
        if not pair.get("ip") or str(pair["ip"]) != request.remote_addr:
            continue
        url_host = (urlsplit(str(pair.get("url") or "")).hostname or "").lower()
        if not pair.get("url") or (sent_host and sent_host == url_host):
            return True
    return False


def _record(stand_in: DropiStandIn, response: Response) -> Response:
    if request.blueprint not in API_BLUEPRINTS:
        return response
    if g.get("answer_late"):
        time.sleep(stand_in.state.fault_delay_seconds)
    account = g.get("account")
    limit = stand_in.config.requests_per_minute
    if account is not None and limit and response.status_code != 429:
        response.headers["X-RateLimit-Limit"] = str(limit)
        response.headers["X-RateLimit-Remaining"] = str(
            stand_in.state.remaining(account.token, limit))
    headers = {k.lower(): v for k, v in request.headers.items()}
    if TOKEN_HEADER in headers:
        headers[TOKEN_HEADER] = PRESENT
    stand_in.state.record({
        "method": request.method, "path": request.path, "country": g.get("country"),
        "query": request.args.to_dict(), "json": request.get_json(silent=True),
        "headers": headers, "status": response.status_code,
        "store": account.store_name if account else None,
        "at": datetime.now(timezone.utc).isoformat(),
    })
    return response


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


controls = Blueprint("dropi_standin", __name__)


def _stand_in() -> DropiStandIn:
    return current_app.extensions["dropi_stand_in"]


@controls.get("/")
def index():
    return jsonify({"service": "Dropi stand-in", "countries": [c.lower() for c in COUNTRIES],
                    "api": "/{country}/integrations"})


@controls.get("/standin/tokens")
def list_tokens():
    return jsonify({"tokens": [_account_json(a) for a in _stand_in().state.accounts.values()]})


@controls.post("/standin/tokens")
def issue_token():
    return jsonify(_account_json(_stand_in().issue(_body()))), 201


@controls.post("/standin/config")
def configure():
    stand_in, body = _stand_in(), _body()
    config = stand_in.config
    for key in TUNABLE:
        if key in body:
            setattr(config, key, body[key])
    stand_in.carrier.seconds_per_step = float(config.seconds_per_step or 0)
    if stand_in.carrier.seconds_per_step:
        stand_in.carrier.start()
    return jsonify({k: v for k, v in asdict(config).items() if k in TUNABLE})


@controls.get("/standin/calls")
def calls():
    return jsonify({"calls": list(_stand_in().state.calls)})


@controls.delete("/standin/calls")
def forget_calls():
    state = _stand_in().state
    with state.lock:
        state.calls.clear()
    return "", 204


@controls.post("/standin/faults")
def faults():
    state, body = _stand_in().state, _body()
    with state.lock:
        state.fail_next = int(body.get("fail_next") or 0)
        state.failure_status = int(body.get("status") or 503)
        state.failure_rate = float(body.get("failure_rate") or 0.0)
        if body.get("failure_kinds"):
            state.failure_kinds = list(body["failure_kinds"])
        state.slow_creates_next = int(body.get("slow_creates_next") or 0)
        if body.get("delay_seconds") is not None:
            state.fault_delay_seconds = float(body["delay_seconds"])
        state.latency_seconds = float(body.get("latency_seconds") or 0.0)
    return jsonify({"fail_next": state.fail_next, "status": state.failure_status,
                    "failure_rate": state.failure_rate, "failure_kinds": state.failure_kinds,
                    "slow_creates_next": state.slow_creates_next,
                    "delay_seconds": state.fault_delay_seconds,
                    "latency_seconds": state.latency_seconds})


@controls.get("/standin/orders")
def all_orders():
    return jsonify({"orders": [orders.public(o) for o in _stand_in().state.orders.values()]})


@controls.post("/standin/orders/<int:order_id>/advance")
def advance(order_id):
    state = _stand_in().state
    with state.lock:
        order = orders._order(state, order_id)
        following = shipping.next_status(order)
        if following is None:
            raise ApiError(409, f"La orden {order_id} está {order['status']} y no puede avanzar")
        return jsonify(orders.public(orders.set_status(state, order_id, following)))


@controls.post("/standin/orders/<int:order_id>/guide")
def change_guide(order_id):
    stand_in = _stand_in()
    order = shipping.change_guide(stand_in.state, order_id)
    stand_in.status_changed(order)
    return jsonify(orders.public(order))


@controls.post("/standin/carrier/step")
def carrier_step():
    return jsonify({"moved": _stand_in().carrier.step_all()})


@controls.get("/standin/status-webhooks")
def status_webhooks():
    webhook = _stand_in().webhook
    webhook.wait_idle()
    return jsonify({"url": webhook.url, "deliveries": list(webhook.sent)})


@controls.post("/standin/orders/<int:order_id>/status")
def set_status(order_id):
    status = str(_body().get("status") or "")
    return jsonify(orders.public(orders.set_status(_stand_in().state, order_id, status)))


@controls.post("/standin/products/<country>/<int:product_id>/stock")
def set_stock(country, product_id):
    body = _body()
    if not isinstance(body.get("stock"), int):
        raise ApiError(422, "stock debe ser un entero")
    product = _stand_in().state.set_stock(country.upper(), product_id, body["stock"],
                                          body.get("warehouse_id"), body.get("variation_id"))
    return jsonify({"id": product["id"], "stock": product["stock"]})


@controls.post("/standin/products/<country>/<int:product_id>/withdraw")
def withdraw(country, product_id):
    reason = str(_body().get("reason") or "deleted")
    return jsonify(drifting.withdraw(_stand_in().state, country.upper(), product_id, reason))


@controls.post("/standin/drift")
def drift():
    body = _body()
    try:
        stock, prices = float(body.get("stock") or 0), float(body.get("prices") or 0)
        seed = int(body.get("seed") or 1)
    except (TypeError, ValueError):
        raise ApiError(422, "stock y prices son fracciones; seed es un entero") from None
    country = str(body.get("country") or "CO").upper()
    return jsonify(drifting.drift(_stand_in().state, country, stock=stock, prices=prices,
                                  seed=seed))


@controls.get("/images/<country>/<name>.png")
def image(country, name):
    if country.upper() not in COUNTRIES or len(name) > 40:
        abort(404)
    response = Response(product_png(f"{country}/{name}.png"), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def _account_json(account: Account) -> dict:
    return {"country": account.country, "token": account.token, "user_id": account.user_id,
            "store_name": account.store_name, "integration_type": account.integration_type,
            "allowed_urls": account.allowed_urls, "ip_url": account.ip_url}
