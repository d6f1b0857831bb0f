"""`@embedded_view`: authentication for every page and fragment under /app.

Usage::

    from app.auth.embedded import embedded_url, embedded_view

    @bp.get("/")
    @embedded_view
    def home():
        return render_template("home/index.html", shop=g.shop,
                               settings_url=embedded_url("settings.index"))

Document loads carry App Bridge's `id_token` in the query; htmx and fetch requests carry
`Authorization: Bearer <session token>`. Nothing is read from cookies. On success the view
runs with `g.shop` (the installed Shop, offline token fresh), `g.shop_domain`, `g.user_id`,
`g.host` (the admin's `host` parameter when known), `g.locale` and `g.session_claims`;
`@embedded_view(online_token=True)` also sets `g.online_session` (the user's online token).
"""
from __future__ import annotations

import functools
import logging
from typing import Callable
from urllib.parse import urlencode

from flask import current_app, g, request, url_for

from app.auth import responses
from app.auth.bots import is_bot
from app.auth.session_token import (
    InvalidSessionToken,
    SessionTokenClaims,
    bearer_token,
    decode_session_token,
)
from app.auth.shop_domain import decode_host
from app.clients.shopify import ShopifyError
from app.clients.shopify_oauth import InvalidSubjectToken
from app.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, normalize_locale
from app.services.shop_install import ensure_online_session, installed_shop_for_session
from app.services.shopify_tokens import ReauthorizationRequired

log = logging.getLogger(__name__)


def embedded_view(view: Callable | None = None, *, online_token: bool = False):
    """Decorate a view under /app so it only runs for a verified Shopify session.

    Failures answer the way App Bridge expects: crawlers 410; a document outside the admin
    is sent to the app inside the admin; a document without (or with an invalid) `id_token`
    goes through the bounce page; an htmx/fetch request with an invalid token gets 401 with
    `X-Shopify-Retry-Invalid-Session-Request: 1`. A shop whose access must be renewed gets a
    page (or, for htmx, a banner fragment) explaining it, with a link that renews it.
    """
    if view is None:
        return functools.partial(embedded_view, online_token=online_token)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        refusal = _authenticate(online_token)
        if refusal is not None:
            return refusal
        return view(*args, **kwargs)

    return wrapper


def embedded_url(endpoint: str, **values) -> str:
    """`url_for(endpoint, **values)` plus the embedded parameters (shop, host, embedded, locale).

    Plain links between admin pages then load inside the admin like the first page did; App
    Bridge's bounce adds a fresh `id_token`. Explicit `values` win over the defaults.
    """
    params = {"shop": g.get("shop_domain"), "host": g.get("host"), "embedded": "1",
              "locale": g.get("locale")}
    params = {key: value for key, value in params.items() if value}
    if params.keys() & values.keys():
        return url_for(endpoint, **{**params, **values})
    # Pages render this for every row: encode the request's own parameters once.
    url = url_for(endpoint, **values)
    return f"{url}{'&' if '?' in url else '?'}{_encoded(tuple(params.items()))}"


@functools.lru_cache(maxsize=256)
def _encoded(params: tuple[tuple[str, str], ...]) -> str:
    return urlencode(params)


def _authenticate(online_token: bool):
    settings = current_app.config["SETTINGS"]
    token = bearer_token(request.headers.get("Authorization"))
    if token is not None or request.headers.get("HX-Request") == "true":
        return _authenticate_fetch(settings, token, online_token)
    return _authenticate_document(settings, online_token)


def _authenticate_document(settings, online_token: bool):
    if is_bot(request.headers.get("User-Agent")):
        return responses.gone()
    if request.args.get("embedded") != "1":
        return responses.leave_to_admin(settings)
    id_token = request.args.get("id_token")
    try:
        claims = _claims(settings, id_token)
        shop = installed_shop_for_session(settings, claims, id_token, allow_exchange=True)
        online = ensure_online_session(settings, shop, claims, id_token) if online_token else None
    except (InvalidSessionToken, InvalidSubjectToken) as exc:
        log.info("document load without a valid session token (%s); bouncing", exc)
        return responses.bounce_redirect(settings)
    except ShopifyError as exc:
        return responses.access_problem_page(settings, claims.shop, exc)
    _set_context(claims, shop, online)
    return None


def _authenticate_fetch(settings, token: str | None, online_token: bool):
    try:
        claims = _claims(settings, token)
        shop = installed_shop_for_session(settings, claims, token, allow_exchange=False)
        online = ensure_online_session(settings, shop, claims, token) if online_token else None
    except (InvalidSessionToken, InvalidSubjectToken) as exc:
        log.info("request with an invalid session token (%s); asking for a retry", exc)
        return responses.retry_with_new_token()
    except ReauthorizationRequired as exc:
        return responses.reauthorize_fragment(settings, exc.shop_domain, exc.reason)
    _set_context(claims, shop, online)
    return None


def _claims(settings, token: str | None) -> SessionTokenClaims:
    return decode_session_token(
        token, api_key=settings.shopify_api_key, api_secret=settings.shopify_api_secret
    )


def _set_context(claims: SessionTokenClaims, shop, online) -> None:
    settings = current_app.config["SETTINGS"]
    raw_host = request.args.get("host")
    g.shop = shop
    g.shop_domain = shop.domain
    g.user_id = claims.user_id
    g.session_claims = claims
    g.online_session = online
    g.host = raw_host if decode_host(raw_host, admin_origin=settings.admin_origin) else None
    g.locale = (
        normalize_locale(request.args.get("locale"))
        or request.accept_languages.best_match(SUPPORTED_LOCALES)
        or DEFAULT_LOCALE
    )
