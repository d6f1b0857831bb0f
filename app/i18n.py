"""Spanish and English, chosen from Shopify's `locale` parameter."""
from __future__ import annotations

from flask import Flask, g, request

SUPPORTED_LOCALES = ("es", "en")
DEFAULT_LOCALE = "es"


def normalize_locale(raw: str | None) -> str | None:
    """'es-CO' -> 'es'; anything unsupported -> None."""
    if not raw:
        return None
    language = raw.replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def select_locale() -> str:
    chosen = getattr(g, "locale", None)
    if chosen:
        return chosen
    from_query = normalize_locale(request.args.get("locale"))
    if from_query:
        return from_query
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE


def register(app: Flask) -> None:
    @app.context_processor
    def inject_locale():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale())}
