"""The simulated Shopify admin: a store page with the app embedded in an iframe, loaded the way
the real admin loads it (research §1: embedded, shop, host, locale, id_token, timestamp, hmac),
plus the App Bridge and Polaris scripts the app includes."""
from __future__ import annotations

import time
from urllib.parse import quote, urlencode, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from standins.shopify import merchant_actions
from standins.shopify.demo_orders import DemoOrderError, place_demo_order
from standins.shopify.records import DomainError
from standins.shopify.signing import encode_host, session_id, signed_params

bp = Blueprint("admin", __name__)


def _stand_in():
    return current_app.extensions["shopify_stand_in"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.get("/")
def index():
    stand_in = _stand_in()
    return render_template("standin_shopify/index.html", shops=stand_in.shop_domains(),
                           api_key=stand_in.config.api_key, app_name=stand_in.config.app_name)


@bp.get("/store/<store>")
def store_home(store: str):
    stand_in, shop = _stand_in(), f"{store}.myshopify.com"
    if not stand_in.has_shop(shop):
        abort(404)
    return render_template("standin_shopify/store_home.html", **_chrome(stand_in, store),
                           installed=stand_in.is_installed(shop))


@bp.get("/store/<store>/apps/<api_key>")
@bp.get("/store/<store>/apps/<api_key>/<path:subpath>")
def app_frame(store: str, api_key: str, subpath: str = ""):
    """The app open inside the admin, as a staff member (?user=N, the owner by default)."""
    stand_in, shop = _stand_in(), f"{store}.myshopify.com"
    if api_key != stand_in.config.api_key or not stand_in.has_shop(shop):
        abort(404)
    user = request.args.get("user", str(stand_in.owner_id))
    if not user.isdigit():
        abort(400)
    forwarded = {k: v for k, v in request.args.items() if k not in ("user", "placed")}
    return render_template(
        "standin_shopify/app_frame.html", **_chrome(stand_in, store),
        frame_url=embedded_app_url(stand_in, shop, request.host, subpath, user, forwarded),
        app_origin=_origin(stand_in.config.app_url), user=user,
        admin_base=f"/store/{store}/apps/{api_key}", app_path=stand_in.config.app_path,
    )


@bp.post("/store/<store>/orders")
def place_order(store: str):
    """The sidebar's "Place a test order" without JavaScript: place it, go back to the page."""
    stand_in, shop = _stand_in(), f"{store}.myshopify.com"
    if not stand_in.has_shop(shop):
        abort(404)
    back = request.form.get("back", "")
    if not back.startswith(f"/store/{store}"):
        back = url_for("admin.store_home", store=store)
    try:
        with stand_in.store.transaction():
            placed = place_demo_order(stand_in.store.shop(shop),
                                      cash_on_delivery=request.form.get("cod") == "on")
    except DemoOrderError as error:
        return render_template("standin_shopify/store_home.html", **_chrome(stand_in, store),
                               installed=stand_in.is_installed(shop), problem=str(error)), 422
    return redirect(f"{back}{'&' if '?' in back else '?'}placed={quote(placed.name)}", code=303)


@bp.get("/store/<store>/orders")
def orders(store: str):
    """The store's orders, newest first, with what a merchant does to one outside any app:
    refund it, fulfil it with tracking (their webhooks reach the app)."""
    stand_in, shop = _stand_in(), f"{store}.myshopify.com"
    if not stand_in.has_shop(shop):
        abort(404)
    return _orders_page(stand_in, store, shop)


def _orders_page(stand_in, store: str, shop: str, problem: str | None = None, status=200):
    with stand_in.store.transaction():
        state = stand_in.store.shop(shop)
        rows = [{"number": o["_number"], "name": o["name"],
                 "financial": o["displayFinancialStatus"],
                 "fulfillment": o["displayFulfillmentStatus"],
                 "refunds": len(o["_refunds"]),
                 "refundable": any(line["refundableQuantity"] > 0 for line in o["_lines"]),
                 "fulfillable": any(state.fulfillment_orders[fo]["status"] in ("OPEN",
                                                                                "IN_PROGRESS")
                                    for fo in o["_fulfillment_orders"])}
                for o in sorted(state.orders.values(), key=lambda o: -o["_number"])][:50]
    return render_template("standin_shopify/orders.html", **_chrome(stand_in, store),
                           orders=rows, problem=problem), status


@bp.post("/store/<store>/orders/<number>/<action>")
def order_action(store: str, number: str, action: str):
    """Refund everything, or fulfil the open lines with the tracking typed in."""
    stand_in, shop = _stand_in(), f"{store}.myshopify.com"
    if not stand_in.has_shop(shop) or action not in ("refund", "fulfil"):
        abort(404)
    with stand_in.store.transaction():
        state = stand_in.store.shop(shop)
        order = merchant_actions.order_by_number(state, number)
        if order is None:
            abort(404)
        try:
            if action == "refund":
                merchant_actions.refund_everything(state, order, request.form.get("note"))
            else:
                merchant_actions.fulfil_open_lines(state, order, request.form)
        except DomainError as error:
            problem = "; ".join(e["message"] for e in error.errors)
            return _orders_page(stand_in, store, shop, problem, 422)
    return redirect(url_for("admin.orders", store=store), code=303)


def embedded_app_url(stand_in, shop: str, admin_host: str, subpath: str, user: str,
                     forwarded: dict[str, str] | None = None) -> str:
    """The iframe URL the admin loads: the app URL plus the signed embedded parameters."""
    config = stand_in.config
    params = {
        **(forwarded or {}),
        "embedded": "1",
        "host": encode_host(admin_host, shop.split(".")[0]),
        "id_token": stand_in.session_token(shop, user),
        "locale": config.locale,
        "session": session_id(shop, user, config.api_secret),
        "shop": shop,
        "timestamp": str(int(time.time())),
    }
    path = config.app_home_url + ("/" + subpath if subpath else "")
    return f"{path}?{urlencode(signed_params(params, config.api_secret))}"


def _chrome(stand_in, store: str) -> dict:
    return {"store": store, "shop": f"{store}.myshopify.com", "app_name": stand_in.config.app_name,
            "api_key": stand_in.config.api_key}


@bp.get("/favicon.ico")
def favicon():
    return "", 204


@bp.get("/cdn/app-bridge.js")
def app_bridge():
    return _script("app-bridge.js")


@bp.get("/cdn/polaris.js")
def polaris():
    return _script("polaris.js")


def _script(name: str):
    response = send_from_directory(current_app.static_folder, name, mimetype="text/javascript",
                                   max_age=0)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.app_errorhandler(404)
def not_found(error):
    return render_template("standin_shopify/not_found.html"), 404
