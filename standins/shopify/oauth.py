"""OAuth as a shop serves it: the authorize (install) page, and /admin/oauth/access_token for the
authorization-code grant, token exchange and the refresh grant. Research §2 and §3."""
from __future__ import annotations

import hmac
import logging
import time
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request

from standins.shopify.signing import (
    InvalidSubjectToken, encode_host, signed_params, verify_session_token,
)
from standins.shopify.tokens import InvalidGrant, implied_scopes

log = logging.getLogger(__name__)
bp = Blueprint("oauth", __name__)

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN = "urn:shopify:params:oauth:token-type:offline-access-token"
ONLINE_TOKEN = "urn:shopify:params:oauth:token-type:online-access-token"


def _stand_in():
    return current_app.extensions["shopify_stand_in"]


def _error(status: int, error: str, description: str | None = None):
    body = {"error": error}
    if description:
        body["error_description"] = description
    return jsonify(body), status


def _scope_set(value: str) -> set[str]:
    return {s.strip() for s in (value or "").split(",") if s.strip()}


# -- authorize ---------------------------------------------------------------------------------
@bp.route("/<shop>/admin/oauth/authorize", methods=["GET", "POST"])
def authorize(shop: str):
    stand_in = _stand_in()
    problem = _authorize_problem(stand_in, shop, request.args)
    if problem:
        return render_template("standin_shopify/oauth_error.html", shop=shop, message=problem[1]), \
            problem[0]
    scopes = _scope_set(request.args.get("scope", ""))
    online = request.args.get("grant_options[]") == "per-user"
    if request.method == "GET":
        return render_template("standin_shopify/authorize.html", shop=shop,
                               app_name=stand_in.config.app_name, scopes=sorted(scopes),
                               online=online, action=request.full_path)
    user = request.args.get("user", "")
    user_id = int(user) if user.isdigit() else stand_in.owner_id
    code = stand_in.tokens.issue_code(shop, scopes, user_id if online else None)
    store = shop.split(".")[0]
    params = signed_params({
        "code": code, "host": encode_host(request.host, store), "shop": shop,
        "state": request.args.get("state", ""), "timestamp": str(int(time.time())),
    }, stand_in.config.api_secret)
    target = request.args["redirect_uri"]
    return redirect(f"{target}{'&' if '?' in target else '?'}{urlencode(params)}")


def _authorize_problem(stand_in, shop: str, args) -> tuple[int, str] | None:
    if not stand_in.has_shop(shop):
        return 404, f"There is no store at {shop}."
    if args.get("client_id") != stand_in.config.api_key:
        return 400, ("Oauth error invalid_request: Could not find Shopify API application "
                     "with api_key " + (args.get("client_id") or "(missing)"))
    redirect_uri = args.get("redirect_uri", "")
    app = urlsplit(stand_in.config.app_url)
    target = urlsplit(redirect_uri)
    if (target.scheme, target.netloc) != (app.scheme, app.netloc):
        return 400, "Oauth error invalid_request: The redirect_uri is not whitelisted"
    return None


@bp.route("/<shop>/admin/oauth/install", methods=["GET", "POST"])
def install(shop: str):
    """Shopify-managed scope update: approve, record the new scopes, back to the app."""
    stand_in = _stand_in()
    if not stand_in.has_shop(shop):
        return render_template("standin_shopify/oauth_error.html", shop=shop,
                               message=f"There is no store at {shop}."), 404
    if request.args.get("client_id") != stand_in.config.api_key:
        return render_template("standin_shopify/oauth_error.html", shop=shop,
                               message="Oauth error invalid_request: unknown client_id"), 400
    scopes = _scope_set(request.args.get("scope", "")) or set(stand_in.config.granted_scopes)
    if request.method == "GET":
        return render_template("standin_shopify/authorize.html", shop=shop,
                               app_name=stand_in.config.app_name, scopes=sorted(scopes),
                               online=False, action=request.full_path)
    stand_in.update_scopes(shop, scopes)
    store = shop.split(".")[0]
    return redirect(f"/store/{store}/apps/{stand_in.config.api_key}")


# -- access_token ------------------------------------------------------------------------------
@bp.post("/<shop>/admin/oauth/access_token")
def access_token(shop: str):
    stand_in = _stand_in()
    params = {**request.args.to_dict(), **request.form.to_dict(),
              **(request.get_json(silent=True) or {})}
    if not stand_in.has_shop(shop):
        return jsonify(errors="Not Found"), 404
    if params.get("client_id") != stand_in.config.api_key:
        return _error(400, "invalid_request",
                      "Could not find Shopify API application with api_key "
                      + str(params.get("client_id") or "(missing)"))
    if not hmac.compare_digest(str(params.get("client_secret", "")), stand_in.config.api_secret):
        return _error(401, "invalid_client", "Client credentials are invalid")
    grant_type = params.get("grant_type")
    if grant_type == TOKEN_EXCHANGE:
        return _token_exchange(stand_in, shop, params)
    if grant_type == "refresh_token":
        return _refresh(stand_in, shop, params)
    if grant_type in (None, "", "authorization_code") and params.get("code"):
        return _code_grant(stand_in, shop, params)
    return _error(400, "unsupported_grant_type")


def _expiring(params) -> bool:
    return str(params.get("expiring", "0")) == "1"


def _code_grant(stand_in, shop: str, params):
    try:
        grant = stand_in.tokens.redeem_code(str(params["code"]), shop)
    except InvalidGrant as exc:
        return _error(400, "invalid_request", str(exc))
    stand_in.mark_installed(shop)
    if grant.user_id is not None:
        return jsonify(_online_body(stand_in, shop, grant.scopes, grant.user_id))
    return jsonify(stand_in.tokens.issue_offline(shop, grant.scopes, expiring=_expiring(params)))


def _token_exchange(stand_in, shop: str, params):
    subject, subject_type = str(params.get("subject_token", "")), params.get("subject_token_type")
    requested = params.get("requested_token_type", OFFLINE_TOKEN)
    stand_in.tokens.count_token_exchange(shop)
    if subject_type == OFFLINE_TOKEN and requested == OFFLINE_TOKEN:
        try:
            return jsonify(stand_in.tokens.migrate(subject, shop))
        except InvalidGrant:
            return _error(400, "invalid_subject_token")
    if subject_type != ID_TOKEN or requested not in (OFFLINE_TOKEN, ONLINE_TOKEN):
        return _error(400, "invalid_request", "unsupported subject or requested token type")
    config = stand_in.config
    try:
        claims = verify_session_token(subject, shop, api_key=config.api_key,
                                      api_secret=config.api_secret)
    except InvalidSubjectToken as exc:
        log.info("token exchange refused for %s: %s", shop, exc)
        return _error(400, "invalid_subject_token")
    scopes = stand_in.tokens.granted_scopes(shop)
    stand_in.mark_installed(shop)
    if requested == ONLINE_TOKEN:
        return jsonify(_online_body(stand_in, shop, scopes, int(claims["sub"])))
    return jsonify(stand_in.tokens.issue_offline(shop, scopes, expiring=_expiring(params)))


def _refresh(stand_in, shop: str, params):
    try:
        return jsonify(stand_in.tokens.refresh(str(params.get("refresh_token", "")), shop))
    except InvalidGrant as exc:
        log.info("refresh refused for %s: %s", shop, exc)
        return _error(400, "invalid_grant")


def _online_body(stand_in, shop: str, scopes, user_id: int) -> dict:
    body = stand_in.tokens.issue_online(shop, frozenset(scopes), user_id)
    body["associated_user"] = stand_in.staff_member(shop, user_id)
    return body


def token_scopes(token) -> set[str]:
    """The scopes a GraphQL call with this token may use."""
    return implied_scopes(set(token.scopes))
