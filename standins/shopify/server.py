"""The Shopify stand-in as one Flask app: shops at /{shop}/admin/..., the simulated admin at
/store/{store}/apps/{api_key}, App Bridge and Polaris at /cdn/, control endpoints at /standin/."""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, request

from standins.config import ShopifyStandInConfig
from standins.shopify.faults import FaultInjector, FaultSettingsError
from standins.shopify.oauth import token_scopes
from standins.shopify.signing import mint_session_token
from standins.shopify.tokens import TokenRegistry
from standins.shopify.webhooks import WebhookDispatcher, now_iso

log = logging.getLogger(__name__)
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
STAFF = [("Valentina", "Gómez"), ("Andrés", "Rojas"), ("Camila", "Pérez"), ("Mateo", "Díaz")]
OWNER_ID = 1


class ShopifyStandIn:
    """Everything the routes share: config, the store, issued tokens, webhooks and faults."""

    def __init__(self, config: ShopifyStandInConfig, store):
        self.config = config
        self.store = store
        self.owner_id = OWNER_ID
        self.tokens = TokenRegistry(config)
        self.webhooks = WebhookDispatcher(config)
        self.faults = FaultInjector(config.seed)
        if config.bucket_size or config.restore_rate:
            store.configure_throttle(None, bucket_size=config.bucket_size,
                                     restore_rate=config.restore_rate)
        store.add_listener(self._on_store_event)

    # shops ---------------------------------------------------------------------------------
    def has_shop(self, shop: str) -> bool:
        return self.store.has_shop(shop)

    def shop_domains(self) -> list[str]:
        return sorted(self.store.shop_domains())

    def create_shop(self, shop: str, *, seed=False, plan: str = "standard",
                    scopes: str | list[str] | None = None, installed: bool = False) -> bool:
        """Create (and seed) a shop unless it exists; returns whether it was new.

        The app counts as installed only once it has a token (opening it in the admin), unless
        `installed` says otherwise; until then no store event reaches it as a webhook."""
        created = not self.store.has_shop(shop)
        with self.store.transaction():  # the seed's events are dispatched after `installed` is set
            self.store.create_shop(shop, seed=bool(seed), plan=plan)
            if created:
                self.store.shop(shop).installed = installed
        if scopes is not None:
            listed = scopes.split(",") if isinstance(scopes, str) else scopes
            self.tokens.set_granted_scopes(shop, {s.strip() for s in listed if s.strip()})
        return created

    def is_installed(self, shop: str) -> bool:
        return self.store.has_shop(shop) and self.store.shop(shop).installed

    def mark_installed(self, shop: str) -> None:
        with self.store.transaction():
            self.store.shop(shop).installed = True

    def update_scopes(self, shop: str, scopes: set[str]) -> None:
        """Record newly approved scopes and tell the app with app/scopes_update."""
        previous = self.tokens.set_granted_scopes(shop, scopes)
        if self.is_installed(shop):
            self.webhooks.emit(shop, "app/scopes_update", {
                "id": self.store.shop(shop).record["_number"], "previous": sorted(previous),
                "current": sorted(scopes), "updated_at": now_iso(),
            })

    def uninstall(self, shop: str) -> bool:
        """The merchant removes the app: credentials die, the store sends app/uninstalled."""
        self.tokens.revoke_shop(shop)
        if not self.is_installed(shop):
            return False
        self.store.uninstall_app(shop)
        return True

    def shop_payload(self, shop: str) -> dict:
        if self.store.has_shop(shop):
            from standins.shopify.payloads import shop_payload

            return shop_payload(self.store.shop(shop))
        return {"domain": shop, "myshopify_domain": shop}

    def set_throttle(self, throttle: dict) -> None:
        """{size, restore_rate, preset, shop}: the Admin API leaky bucket (all shops by default)."""
        if not throttle:
            return
        if not isinstance(throttle, dict):
            raise FaultSettingsError("throttle must be an object {size, restore_rate}")
        try:
            self.store.configure_throttle(
                throttle.get("shop"), preset=throttle.get("preset"),
                bucket_size=throttle.get("size"), restore_rate=throttle.get("restore_rate"))
        except (TypeError, ValueError) as exc:
            raise FaultSettingsError(str(exc)) from exc

    def bulk_result(self, operation: str) -> str | None:
        return self.store.bulk_result(operation)

    def staff_member(self, shop: str, user_id: int) -> dict:
        first, last = STAFF[(int(user_id) - 1) % len(STAFF)]
        return {
            "id": int(user_id), "first_name": first, "last_name": last,
            "email": f"staff{user_id}@{shop}", "email_verified": True,
            "account_owner": int(user_id) == self.owner_id, "locale": self.config.locale,
            "collaborator": False,
        }

    def session_token(self, shop: str, user_id: str | int | None = None) -> str:
        return mint_session_token(
            shop, str(user_id or self.owner_id), api_key=self.config.api_key,
            api_secret=self.config.api_secret, lifetime=self.config.session_token_lifetime,
        )

    def _on_store_event(self, shop: str, topic: str, payload: dict) -> None:
        # Shopify only sends webhooks to apps installed on the shop (and the uninstall itself),
        # and only for topics the app subscribed to.
        if topic == "app/uninstalled" or (self.is_installed(shop) and self._subscribed(shop, topic)):
            self.webhooks.emit(shop, topic, payload)

    def _subscribed(self, shop: str, topic: str) -> bool:
        if self.config.app_topics is None or topic in self.config.app_topics:
            return True
        from standins.shopify.resolvers.platform import subscriptions_for

        with self.store.transaction():
            return bool(subscriptions_for(self.store.shop(shop), topic))


def create_shopify_stand_in(config: ShopifyStandInConfig, store=None) -> Flask:
    """The stand-in app; pass a store to share one, else a fresh ShopifyStore is made."""
    from standins.shopify.store import ShopifyStore

    app = Flask(__name__, template_folder="templates", static_folder="static",
                static_url_path="/standin/static")
    app.json.sort_keys = False  # GraphQL answers keep the order of the query's fields
    stand_in = ShopifyStandIn(config, store if store is not None else ShopifyStore())
    app.extensions["shopify_stand_in"] = stand_in

    from standins.shopify import admin, control, oauth

    app.register_blueprint(oauth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(control.bp)
    app.add_url_rule("/<shop>/admin/api/<version>/graphql.json", "admin_graphql",
                     admin_graphql, methods=["POST"])
    app.before_request(_remember_public_url)
    app.before_request(_inject_faults)
    app.after_request(_lose_answer)
    return app


def _remember_public_url():
    # Finished bulk operations point at /standin/bulk/{op}.jsonl on the address clients use.
    store = current_app.extensions["shopify_stand_in"].store
    store.bulk_result_url_template = request.host_url + "standin/bulk/{op_id}.jsonl"


def _inject_faults():
    endpoint = request.endpoint or ""
    if endpoint == "admin_graphql":
        target = "graphql"
    elif endpoint == "oauth.access_token":
        target = "oauth"
    else:
        return None
    document = ""
    if target == "graphql":
        body = request.get_json(silent=True)
        document = str(body.get("query") or "") if isinstance(body, dict) else ""
    return current_app.extensions["shopify_stand_in"].faults.intercept(target, document)


def _lose_answer(response):
    return current_app.extensions["shopify_stand_in"].faults.lose_answer(response)


def admin_graphql(shop: str, version: str):
    """POST /{shop}/admin/api/{version}/graphql.json"""
    stand_in: ShopifyStandIn = current_app.extensions["shopify_stand_in"]
    if not stand_in.has_shop(shop):
        return jsonify(errors="Not Found"), 404
    token = stand_in.tokens.authenticate(request.headers.get("X-Shopify-Access-Token", ""), shop)
    if token is None:
        return jsonify(errors=INVALID_TOKEN), 401
    body = _graphql_body()
    if body is None:
        return jsonify(errors={"query": "Required parameter missing or invalid"}), 400
    from standins.shopify.graphql_api import execute_admin_graphql

    status, payload = execute_admin_graphql(
        stand_in.store, shop, body, granted_scopes=token_scopes(token), api_version=version
    )
    response = jsonify(payload)
    response.status_code = status
    response.headers["X-Shopify-API-Version"] = version
    return response


def _graphql_body() -> dict | None:
    if request.mimetype == "application/graphql":
        return {"query": request.get_data(as_text=True)}
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return None
    return body
