"""The answers the auth flow gives instead of a page: bounces, redirects, 401s and notices."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.oauth import embedded_admin_url
from app.auth.shop_domain import admin_url_for_host, decode_host, sanitize_shop_domain
from app.clients.shopify_oauth import ShopUnknown, TokenRequestFailed
from app.services.shopify_tokens import (
    REASON_NO_TOKEN,
    REASON_NOT_INSTALLED,
    REASON_REFRESH_EXPIRED,
    REASON_REFRESH_REJECTED,
)

RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"
HTML = "text/html; charset=utf-8"


def gone():
    """410 for crawlers."""
    return make_response(_("This page is only available inside the Shopify admin."), 410,
                         {"Content-Type": "text/plain; charset=utf-8"})


def retry_with_new_token():
    """401 that tells App Bridge (and static/js/app.js) to retry once with a fresh token."""
    response = make_response(_("Your Shopify session expired."), 401,
                             {"Content-Type": "text/plain; charset=utf-8"})
    response.headers[RETRY_HEADER] = "1"
    return response


def bounce_redirect(settings):
    """302 to the bounce page, which reloads `shopify-reload` with a fresh `id_token`."""
    problem = _invalid_shop_or_host(settings)
    if problem is not None:
        return problem
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "id_token"]
    reload_url = f"{settings.shopify_app_url}{request.path}"
    if query:
        reload_url += "?" + urlencode(query)
    bounce_query = urlencode([*query, ("shopify-reload", reload_url)])
    return redirect(f"{url_for('auth.session_token_bounce')}?{bounce_query}")


def leave_to_admin(settings):
    """A document opened outside the admin: send the browser to the app inside the admin."""
    problem = _invalid_shop_or_host(settings)
    if problem is not None:
        return problem
    decoded = decode_host(request.args.get("host"), admin_origin=settings.admin_origin)
    if decoded:
        admin = admin_url_for_host(decoded, admin_origin=settings.admin_origin)
        return redirect(f"{admin}/apps/{settings.shopify_api_key}")
    shop = sanitize_shop_domain(request.args.get("shop"))
    if shop:
        return redirect(embedded_admin_url(settings, shop))
    return message_page(
        _("Open the app from your Shopify admin"),
        _("This app runs inside the Shopify admin. Open your store's admin and choose the app "
          "under Apps."),
        status=400,
    )


def bounce_page(settings):
    """The page App Bridge uses to fetch a new session token and reload the app."""
    return make_response(render_template("auth/session_token.html", settings=settings), 200,
                         {"Content-Type": HTML})


def exit_iframe_page(settings, target: str):
    """Leave the admin's iframe for `target` (already checked by the caller)."""
    return make_response(
        render_template("auth/exit_iframe.html", settings=settings, target=target), 200,
        {"Content-Type": HTML},
    )


def reauthorize_fragment(settings, shop_domain: str, reason: str):
    """htmx answer for a shop whose access must be renewed: a banner with the way to do it."""
    reopen_url = embedded_admin_url(settings, shop_domain)
    body = render_template("auth/_reauthorize_banner.html", reason=reason_text(reason),
                           reopen_url=reopen_url)
    # No retry header (a new session token would not help) and no reauthorize-URL header (that
    # would reload the whole app and lose what the merchant typed): the banner says what to do.
    return make_response(body, 401, {"Content-Type": HTML})


def access_problem_page(settings, shop_domain: str, error: Exception):
    """Full page when the app could not get (or renew) access to the shop on a document load."""
    if isinstance(error, ShopUnknown):
        return message_page(_("Store not found"), _(
            "Shopify has no store at %(shop)s. Open the app from your store's Shopify admin.",
            shop=shop_domain), status=404)
    reopen_url = embedded_admin_url(settings, shop_domain)
    oauth_url = url_for("auth.exit_iframe", exitIframe=f"{settings.shopify_app_url}"
                        f"{url_for('auth.begin', shop=shop_domain)}", shop=shop_domain)
    transient = isinstance(error, TokenRequestFailed)
    if transient:
        title = _("Shopify could not be reached")
        message = _("The app could not get access to your store from Shopify right now. "
                    "Please try again in a moment.")
    else:
        title = _("Renew the app's access")
        message = reason_text(getattr(error, "reason", ""))
    return message_page(
        title,
        message,
        status=503 if transient else 401,
        actions=[(_("Reload the app"), reopen_url, "_top"),
                 (_("Authorize again with Shopify"), oauth_url, "_self")],
    )


def reason_text(reason: str) -> str:
    """The merchant's-language text for a stored re-authorization reason."""
    known = {
        REASON_REFRESH_REJECTED: _("Shopify no longer accepts the app's saved access to your "
                                   "store. Reload the app from your Shopify admin to renew it."),
        REASON_REFRESH_EXPIRED: _("The app's saved access to your store expired. Reload the app "
                                  "from your Shopify admin to renew it."),
        REASON_NO_TOKEN: _("The app has no working access to your store. Reload the app from "
                           "your Shopify admin to renew it."),
        REASON_NOT_INSTALLED: _("The app is not installed on your store yet. Reload the app from "
                                "your Shopify admin to finish installing it."),
    }
    return known.get(reason, reason or known[REASON_NO_TOKEN])


def message_page(title: str, message: str, *, status: int, actions=()):
    """A small standalone page (App Bridge and Polaris loaded) that explains a problem."""
    body = render_template("auth/message.html", title=title, message=message,
                           actions=list(actions), settings=current_app.config["SETTINGS"])
    return make_response(body, status, {"Content-Type": HTML})


def _invalid_shop_or_host(settings):
    shop, host = request.args.get("shop"), request.args.get("host")
    if shop is not None and sanitize_shop_domain(shop) is None:
        return message_page(_("Invalid store address"),
                            _("The link does not name a valid Shopify store "
                              "(something.myshopify.com)."),
                            status=400)
    if host is not None and decode_host(host, admin_origin=settings.admin_origin) is None:
        return message_page(_("Invalid link"),
                            _("The link was not opened from the Shopify admin. Open the app from "
                              "your store's admin."), status=400)
    return None
