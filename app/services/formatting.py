"""How amounts and Shopify links are shown to the merchant."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, get_currency_symbol, parse_pattern

from app.services.pricing import minor_units


def format_money(amount: Decimal | None, currency: str, locale: Locale | str) -> str:
    """An amount in the shop's currency and the merchant's language, with the decimals the
    currency uses for prices (none for COP, CLP, PYG)."""
    if amount is None:
        return ""
    locale = Locale.parse(locale) if isinstance(locale, str) else locale
    exponent, pattern = _money_pattern(currency, locale)
    return pattern.apply(amount.quantize(exponent, rounding=ROUND_HALF_UP), locale,
                         currency=currency, currency_digits=False)


@lru_cache(maxsize=64)
def _money_pattern(currency: str, locale: Locale) -> tuple[Decimal, NumberPattern]:
    # A catalog page shows about fifty amounts: find and parse the pattern once per
    # currency and language (what babel's format_currency does on every call).
    digits = minor_units(currency)
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    if digits == 0:
        pattern = pattern.replace("0.00", "0")
    if pattern.startswith("¤") and get_currency_symbol(currency, locale).isalpha():
        pattern = "¤\xa0" + pattern[1:]  # "COP 45,900" rather than "COP45,900"
    return Decimal(1).scaleb(-digits), parse_pattern(pattern)


def shopify_admin_product_url(settings, shop_domain: str, product_gid: str | None) -> str | None:
    """The product's page in the Shopify admin (https://{shop}/admin/products/{number})."""
    if not product_gid:
        return None
    number = str(product_gid).rsplit("/", 1)[-1]
    return f"{settings.shop_base_url(shop_domain)}/admin/products/{number}"
