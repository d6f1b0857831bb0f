"""A local Ecomdrop (ChatRace API) for development, demos and tests.

`create_ecomdrop_stand_in(config)` returns a Flask app; `python -m standins ecomdrop
--port 5003` serves it. Point the app at it with ECOMDROP_BASE_URL=http://127.0.0.1:5003/api.
Unless configured otherwise it holds one demo account whose API key is `DEMO_API_KEY`.

API under /api, authenticated by the `X-ACCESS-TOKEN` header (the account's API key):

    GET    /accounts/me                    {"page_id", "name", "active", "created", "total_users"}
    GET    /accounts/flows                 [{"id", "name"}]
    GET    /accounts/tags                  [{"id", "name"}]
    POST   /accounts/tags                  form name=            -> {"id"}
    GET    /accounts/tags/{id}|/name/{n}   {"id", "name"}
    GET    /accounts/custom_fields         [{"id", "name", "type", "description"}]
    POST   /accounts/custom_fields         JSON {"name", "type"} -> {"id", "name"}
    GET    /accounts/custom_fields/{id}|/name/{n}   {"id", "name", "type", "description"}
    GET    /accounts/bot_fields/{id}       {"id", "name", "type", "value"}
    POST   /accounts/bot_fields/{id}       form value=           -> {"success": true}
    DELETE /accounts/bot_fields/{id}       -> {"success": true}   (value unset)
    GET    /contacts/find_by_custom_field?field_id=phone|email|{cf id}&value=
                                           {"data": [contact]}  at most 100, latest change first
    POST   /contacts                       JSON {"phone" (E.164), "email", "first_name",
                                           "last_name", "gender", "actions": [
                                             {"action": "add_tag", "tag_name"},
                                             {"action": "set_field_value", "field_name", "value"},
                                             {"action": "send_flow", "flow_id"}]}
                                           -> {"success": true, "data": contact}
                                           (a known phone updates that contact)
    GET    /contacts/{id}                  contact
    GET    /contacts/{id}/custom_fields    [{"id", "name", "type", "value"}]
    GET|POST|DELETE /contacts/{id}/custom_fields/{cf id}   POST takes form value=
    GET    /contacts/{id}/tags             [{"id", "name"}]
    POST|DELETE /contacts/{id}/tags/{tag id}                -> {"success": true}
    POST   /contacts/{id}/send/{flow id}   -> {"success": true}
    POST   /contacts/{id}/send/text        JSON {"text", "channel": "whatsapp"} -> {"success": true}
                                           400 unless the contact wrote in the last 24 hours
                                           (WhatsApp's customer service window)

A contact is {"id", "page_id", "first_name", "last_name", "phone", "email", "gender",
"channel": 5, "subscribed", "subscribed_date", "last_interaction", "tags": [{"id", "name"}],
"custom_fields": [{"id", "name", "type", "value"}]}. Errors are
{"success": false, "error": {"code": status, "message": text}}: 400 bad input (a form field
sent as JSON included), 401 missing or unknown key, 404 unknown id or route (there is no route
that lists bot fields), 5xx injected faults.

Test and demo controls (no key needed):
    GET    /standin/calls      {"calls": [{"method", "path", "query", "headers", "form", "json",
                               "status", "account", "at"}]}; header names are lower-case and
                               the key header reads "<present>", never the key
    DELETE /standin/calls      forget them
    POST   /standin/accounts   JSON {"api_key", "name", "flows": [names], "bot_fields": [names or
                               {"name", "type", "value", "id"}], "custom_fields", "tags"}
                               -> 201 account (default bot fields: "DROPI TOKEN <country>" at
                               the ids Ecomdrop's flow templates use, e.g. CO 640597)
    GET    /standin/accounts   {"accounts": [account with bot field values, contacts, flow_runs,
                               messages]}
    POST   /standin/inbound    JSON {"api_key", "phone"}: that person wrote to the account
                               (opens WhatsApp's 24-hour window for send/text)
    POST   /standin/faults     JSON {"failure_rate", "failure_status", "latency_seconds",
                               "fail_next", "failure_kinds", "delay_seconds"} (fail_next: the
                               next N /api calls fail; failure_kinds: statuses and "timeout",
                               a call carried out and answered after delay_seconds)
    POST   /standin/flows/{id}/external_request   JSON {"api_key", "external_request": {"url",
                               "headers", "body" ({{field}} placeholders), "delay_seconds"}
                               or null}: the flow calls that URL after the delay each time it
                               runs, as a merchant's "external request" step would
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import Flask, g, jsonify, request

from standins.ecomdrop.api import bp as api_bp
from standins.ecomdrop.state import ApiError, EcomdropStore

DEMO_API_KEY = "demo-ecomdrop-key"
DEMO_ACCOUNT = {"api_key": DEMO_API_KEY, "name": "Tienda Demo"}
KEY_HEADER = "X-ACCESS-TOKEN"
PRESENT = "<present>"
SECRET_HEADERS = {"x-access-token", "authorization", "cookie"}


@dataclass
class EcomdropStandInConfig:
    """Accounts to start with (dicts as POST /standin/accounts takes) and fault knobs."""

    accounts: list[dict] = field(default_factory=lambda: [dict(DEMO_ACCOUNT)])
    failure_rate: float = 0.0
    failure_status: int = 503
    latency_seconds: float = 0.0
    random_seed: int | None = None
    first_id: int = 640_000


class StandIn:
    """State shared by the routes: the store, the recorded calls and the fault knobs."""

    def __init__(self, config: EcomdropStandInConfig) -> None:
        self.store = EcomdropStore(config.first_id)
        self.calls: list[dict] = []
        self.calls_lock = threading.Lock()
        self.faults = {"failure_rate": config.failure_rate, "fail_next": 0,
                       "failure_status": config.failure_status,
                       "latency_seconds": config.latency_seconds, "failure_kinds": [],
                       "delay_seconds": 3.0}
        self.rng = random.Random(config.random_seed)
        for spec in config.accounts:
            create_account(self.store, spec)

    def should_fail(self) -> bool:
        return self.take_fault() is not None

    def take_fault(self) -> int | str | None:
        """The fault this call suffers: a status, "timeout" (done, answered late) or None."""
        with self.calls_lock:
            if self.faults["fail_next"] > 0:
                self.faults["fail_next"] -= 1
                return self.faults["failure_status"]
            if self.rng.random() < self.faults["failure_rate"]:
                kinds = self.faults["failure_kinds"]
                return self.rng.choice(kinds) if kinds else self.faults["failure_status"]
            return None


def create_account(store: EcomdropStore, spec: dict):
    return store.create_account(
        spec.get("api_key"), spec.get("name"), flows=spec.get("flows"),
        bot_fields=spec.get("bot_fields"), custom_fields=spec.get("custom_fields"),
        tags=spec.get("tags"))


def _error(status: int, message: str):
    response = jsonify({"success": False, "error": {"code": status, "message": message}})
    response.status_code = status
    return response


def _recorded_call(status: int) -> dict:
    headers = {name.lower(): (PRESENT if name.lower() in SECRET_HEADERS else value)
               for name, value in request.headers.items()}
    account = getattr(g, "account", None)
    return {
        "method": request.method, "path": request.path,
        "query": {k: v for k, v in request.args.items()},
        "headers": headers, "form": {k: v for k, v in request.form.items()},
        "json": request.get_json(silent=True) if request.is_json else None,
        "status": status, "account": account.page_id if account else None,
        "at": datetime.now(timezone.utc).isoformat(),
    }


def create_ecomdrop_stand_in(config: EcomdropStandInConfig | None = None) -> Flask:
    """The stand-in as a Flask app (see the module docstring for what it serves)."""
    config = config or EcomdropStandInConfig()
    app = Flask(__name__)
    app.json.sort_keys = False
    stand_in = StandIn(config)
    app.extensions["ecomdrop_stand_in"] = stand_in
    app.register_blueprint(api_bp)
    _register_hooks(app, stand_in)
    _register_control_routes(app, stand_in)
    return app


def _register_hooks(app: Flask, stand_in: StandIn) -> None:
    @app.before_request
    def authenticate_and_inject_faults():
        if not request.path.startswith("/api/"):
            return None
        if stand_in.faults["latency_seconds"]:
            time.sleep(stand_in.faults["latency_seconds"])
        fault = stand_in.take_fault()
        if fault == "timeout":
            g.answer_late = True  # carried out, then answered after the caller gave up
        elif fault:
            return _error(fault, "temporary failure, try again")
        g.account = stand_in.store.account_for_key(request.headers.get(KEY_HEADER))
        if g.account is None:
            return _error(401, "Invalid or missing access token")
        return None

    @app.after_request
    def record(response):
        if g.get("answer_late"):
            time.sleep(stand_in.faults["delay_seconds"])
        if request.path.startswith("/api/"):
            with stand_in.calls_lock:
                stand_in.calls.append(_recorded_call(response.status_code))
        return response

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return _error(exc.status, exc.message)

    @app.errorhandler(404)
    def not_found(_exc):
        return _error(404, "not found")

    @app.errorhandler(405)
    def not_allowed(_exc):
        return _error(405, "method not allowed")


def _register_control_routes(app: Flask, stand_in: StandIn) -> None:
    @app.get("/")
    def index():
        return jsonify({"service": "Ecomdrop stand-in", "api": "/api",
                        "accounts": len(stand_in.store.accounts())})

    @app.get("/standin/calls")
    def calls():
        with stand_in.calls_lock:
            return jsonify({"calls": list(stand_in.calls)})

    @app.delete("/standin/calls")
    def clear_calls():
        with stand_in.calls_lock:
            cleared = len(stand_in.calls)
            stand_in.calls.clear()
        return jsonify({"cleared": cleared})

    @app.post("/standin/accounts")
    def new_account():
        spec = request.get_json(silent=True)
        if not isinstance(spec, dict):
            raise ApiError(400, "a JSON object body is required")
        account = create_account(stand_in.store, spec)
        return jsonify(stand_in.store.snapshot(account)), 201

    @app.get("/standin/accounts")
    def accounts():
        store = stand_in.store
        return jsonify({"accounts": [store.snapshot(a) for a in store.accounts()]})

    @app.post("/standin/flows/<int:flow_id>/external_request")
    def external_request(flow_id: int):
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "a JSON object body is required")
        account = stand_in.store.account_for_key(body.get("api_key"))
        if account is None:
            raise ApiError(404, "no account with this api_key")
        spec = body.get("external_request")
        return jsonify(stand_in.store.set_external_request(account, flow_id, spec))

    @app.post("/standin/inbound")
    def inbound():
        """Someone wrote to an account on WhatsApp: JSON {"api_key", "phone"}."""
        body = request.get_json(silent=True) or {}
        account = stand_in.store.account_for_key(body.get("api_key"))
        if account is None:
            raise ApiError(404, "no account with this api_key")
        contact = stand_in.store.record_inbound(account, body.get("phone"))
        return jsonify(stand_in.store.render_contact(account, contact)), 201

    @app.post("/standin/faults")
    def faults():
        body = request.get_json(silent=True) or {}
        with stand_in.calls_lock:
            if isinstance(body.get("failure_kinds"), list):
                stand_in.faults["failure_kinds"] = [
                    k if k == "timeout" else int(k) for k in body["failure_kinds"]]
            for key, cast in (("failure_rate", float), ("failure_status", int),
                              ("latency_seconds", float), ("fail_next", int),
                              ("delay_seconds", float)):
                if key in body:
                    try:
                        stand_in.faults[key] = cast(body[key])
                    except (TypeError, ValueError):
                        raise ApiError(400, f"{key} must be a number") from None
            return jsonify(dict(stand_in.faults))
