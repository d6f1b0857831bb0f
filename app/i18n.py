"""Spanish (default) and English, chosen from Shopify's `locale` parameter; shop time zone."""
from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask import Flask, g, has_app_context, has_request_context, request

SUPPORTED_LOCALES = ("es", "en")
DEFAULT_LOCALE = "es"
DEFAULT_TIMEZONE = "UTC"


def normalize_locale(raw: str | None) -> str | None:
    """'es-CO' -> 'es'; anything unsupported -> None."""
    if not raw:
        return None
    language = raw.replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def select_locale() -> str:
    """The verified request's locale, else `?locale=`, else the browser's, else Spanish."""
    chosen = normalize_locale(g.get("locale")) if has_app_context() else None
    if chosen:
        return chosen
    if not has_request_context():  # a job or a command: nobody asked for a language
        return DEFAULT_LOCALE
    from_query = normalize_locale(request.args.get("locale"))
    if from_query:
        return from_query
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE


def select_timezone() -> str:
    """Dates are shown in the shop's time zone once the shop is known."""
    shop = g.get("shop") if has_app_context() else None
    zone = getattr(shop, "timezone", None)
    return zone if zone and zone in _known_timezones() else DEFAULT_TIMEZONE


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _translations():
    """The translations of the current request's locale, looked up once per request."""
    from flask_babel import get_translations

    if not has_app_context():
        return get_translations()
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


def country_name(code: str | None) -> str:
    """'CO' -> 'Colombia' in the current language; unknown codes are shown as they are."""
    from flask_babel import get_locale

    if not code:
        return ""
    return get_locale().territories.get(code.upper(), code)


def register(app: Flask) -> None:
    from flask_babel import refresh

    def choose_afresh() -> None:
        # Flask-Babel caches the locale on the app context, which outlives one request when a
        # caller (a CLI command, a test) keeps a context open; each request chooses afresh.
        refresh()
        g.pop("_translations", None)

    app.before_request(choose_afresh)
    # Templates translate a few strings per table row; finding the request's catalog once
    # (as Flask-Babel does for each string) keeps a 50-row page from paying for it 200 times.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.add_template_filter(country_name, "country_name")

    @app.context_processor
    def inject_locale():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale())}
