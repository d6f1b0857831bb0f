"""Spanish by default, English on request; catalogs compiled and complete for the shell."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import g
from flask_babel import get_locale, gettext

from app.i18n import normalize_locale, select_timezone

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
SHELL_SOURCES = [
    *sorted((ROOT / "templates").glob("base.html")),
    *sorted((ROOT / "templates" / "home").glob("*.html")),
    *sorted((ROOT / "templates" / "errors").glob("*.html")),
    *sorted((ROOT / "templates" / "components").glob("*.html")),
    *sorted((ROOT / "templates" / "ai_agent").glob("*.html")),
    ROOT / "app" / "errors.py",
    ROOT / "app" / "admin" / "__init__.py",
    ROOT / "app" / "admin" / "ai_agent.py",
    ROOT / "app" / "services" / "ai_configuration.py",
    *sorted((ROOT / "templates" / "orders").glob("*.html")),
    *(ROOT / "templates" / "settings" / name
      for name in ("_orders.html", "_carriers.html", "_flows.html")),
    ROOT / "app" / "admin" / "orders.py",
    ROOT / "app" / "services" / "settings" / "order_policy.py",
]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


@pytest.mark.parametrize("raw, expected", [
    ("es", "es"), ("es-CO", "es"), ("en_US", "en"), ("EN", "en"), ("pt-BR", None), ("", None),
    (None, None),
])
def test_normalize_locale(raw, expected):
    assert normalize_locale(raw) == expected


@pytest.mark.parametrize("query, headers, expected", [
    ("", {}, "es"),
    ("?locale=en", {}, "en"),
    ("?locale=fr", {}, "es"),
    ("", {"Accept-Language": "en-GB,en;q=0.8"}, "en"),
    ("?locale=es-MX", {"Accept-Language": "en"}, "es"),
])
def test_locale_comes_from_the_locale_parameter_then_the_browser(app, query, headers, expected):
    with app.test_request_context(f"/app{query}", headers=headers):
        assert str(get_locale()) == expected


def test_verified_request_locale_wins(app):
    with app.test_request_context("/app?locale=es"):
        g.locale = "en"
        assert str(get_locale()) == "en"
        assert gettext("Home") == "Home"


def test_spanish_catalog_translates(app):
    with app.test_request_context("/app?locale=es"):
        assert gettext("Home") == "Inicio"
        assert gettext("Reference: %(reference)s", reference="abc") == "Referencia: abc"


def test_dates_use_the_shop_time_zone(app):
    with app.test_request_context("/app"):
        g.shop = SimpleNamespace(timezone="America/Mexico_City")
        assert select_timezone() == "America/Mexico_City"
        g.shop = SimpleNamespace(timezone="Mars/Olympus")
        assert select_timezone() == "UTC"


def _hashable(value):
    """Plural entries come back as lists of forms."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _translated(messages) -> dict:
    return {
        _hashable(m.id): _hashable(m.string)
        for m in messages
        if m.id and m.string and any(_hashable(m.string)) and not m.fuzzy
    }


@pytest.mark.parametrize("language", ["es", "en"])
def test_compiled_catalog_matches_its_source(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        source = _translated(read_po(handle))
    with (folder / "messages.mo").open("rb") as handle:
        compiled = _translated(read_mo(handle))

    assert compiled == source, "run `make translations` (pybabel compile) and commit the .mo"


def test_every_text_of_the_shell_has_a_spanish_translation():
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        spanish = {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}
    missing = []
    for path in SHELL_SOURCES:
        method = "jinja2" if path.suffix == ".html" else "python"
        for _, message, _, _ in extract_from_file(method, str(path), keywords=KEYWORDS):
            if not spanish.get(message):
                missing.append((path.name, message))

    assert missing == []


def _spanish_catalog():
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _is_translated(message) -> bool:
    forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return not message.fuzzy and all(form.strip() for form in forms)


def test_every_message_of_the_spanish_catalog_is_translated():
    untranslated = [m.id for m in _spanish_catalog() if m.id and not _is_translated(m)]

    assert untranslated == [], "translate these in app/translations/es/LC_MESSAGES/messages.po"


def test_every_text_in_the_code_is_in_the_spanish_catalog():
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    catalog = _spanish_catalog()
    missing = sorted({
        (filename, message if isinstance(message, str) else message[0])
        for filename, _, message, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS)
        if catalog.get(message) is None or not _is_translated(catalog.get(message))
    })

    assert missing == [], "run `make translations`, then translate the new Spanish texts"
