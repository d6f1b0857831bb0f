"""Auth routes: classic OAuth (install from outside the admin), the bounce and exit-iframe pages."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import gettext as _

from app.auth import oauth, responses
from app.auth.bots import is_bot
from app.auth.shop_domain import sanitize_shop_domain
from app.clients.shopify_oauth import TokenRequestFailed
from app.services.shop_install import install_from_authorization_code

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

CALLBACK_PATH = "/auth/callback"


@bp.before_request
def refuse_crawlers():
    if is_bot(request.headers.get("User-Agent")):
        return responses.gone()
    return None


@bp.get("/auth")
def begin():
    """Start OAuth at the top level: state cookie, then Shopify's consent screen."""
    settings = current_app.config["SETTINGS"]
    shop = sanitize_shop_domain(request.args.get("shop"))
    if shop is None:
        return _invalid_shop()
    if request.args.get("embedded") == "1":
        # Cookies set inside the admin's iframe are not sent back; start again at the top.
        target = f"{settings.shopify_app_url}{url_for('auth.begin', shop=shop)}"
        return responses.exit_iframe_page(settings, target)
    state = oauth.new_state()
    response = redirect(oauth.authorize_url(settings, shop, state))
    response.set_cookie(
        oauth.STATE_COOKIE,
        oauth.sign_state(current_app.config["SECRET_KEY"], state, shop),
        max_age=oauth.STATE_MAX_AGE_SECONDS,
        path=CALLBACK_PATH,
        secure=True,
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.get(CALLBACK_PATH)
def callback():
    """Shopify's redirect after consent: check HMAC and state, get the token, open the app."""
    settings = current_app.config["SETTINGS"]
    saved = oauth.read_state(current_app.config["SECRET_KEY"],
                             request.cookies.get(oauth.STATE_COOKIE))
    shop = sanitize_shop_domain(request.args.get("shop"))
    if saved is None or not oauth.verify_query_hmac(request.args.items(multi=True),
                                                    settings.shopify_api_secret):
        return _refuse_callback("the state cookie is missing or expired, or the HMAC is invalid")
    if shop is None:
        return _forget_state(_invalid_shop())
    same_state = oauth.states_match(saved.get("state"), request.args.get("state"))
    if not same_state or saved.get("shop") != shop:
        return _refuse_callback("the state does not match the one this browser started with")
    code = request.args.get("code")
    if not code:
        return _forget_state(_invalid_shop())
    try:
        install_from_authorization_code(settings, shop, code)
    except TokenRequestFailed as exc:
        return _forget_state(responses.message_page(
            _("Shopify could not finish the installation"), exc.merchant_message, status=502,
            actions=[(_("Try again"), url_for("auth.begin", shop=shop), "_self")],
        ))
    return _forget_state(redirect(oauth.embedded_admin_url(settings, shop)))


@bp.get("/auth/session-token")
def session_token_bounce():
    """App Bridge fetches a fresh session token here and reloads `shopify-reload` with it."""
    return responses.bounce_page(current_app.config["SETTINGS"])


@bp.get("/auth/exit-iframe")
def exit_iframe():
    """Leave the admin's iframe for `exitIframe` (only this app's or the shop admin's URLs)."""
    settings = current_app.config["SETTINGS"]
    raw_shop = request.args.get("shop")
    shop = sanitize_shop_domain(raw_shop)
    target = oauth.safe_exit_target(settings, request.args.get("exitIframe"), shop)
    if target is None or (raw_shop is not None and shop is None):
        return responses.message_page(
            _("Invalid link"), _("This link cannot be opened from the app."), status=400
        )
    return responses.exit_iframe_page(settings, target)


def _invalid_shop():
    return responses.message_page(
        _("Invalid store address"),
        _("Enter your store's Shopify address, for example my-store.myshopify.com."),
        status=400,
    )


def _refuse_callback(reason: str):
    log.warning("OAuth callback refused: %s", reason)
    return _forget_state(responses.message_page(
        _("The installation could not be verified"),
        _("The installation link expired or was not started from this browser. "
          "Start the installation again from your Shopify admin."),
        status=403,
    ))


def _forget_state(response):
    response.delete_cookie(oauth.STATE_COOKIE, path=CALLBACK_PATH, secure=True, httponly=True,
                           samesite="Lax")
    return response
