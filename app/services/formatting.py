"""How amounts and Shopify links are shown to the merchant."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol

from app.services.pricing import minor_units


def format_money(amount: Decimal | None, currency: str, locale: Locale | str) -> str:
    """An amount in the shop's currency and the merchant's language, with the decimals the
    currency uses for prices (none for COP, CLP, PYG)."""
    if amount is None:
        return ""
    digits = minor_units(currency)
    exponent = Decimal(1).scaleb(-digits)
    locale = Locale.parse(locale) if isinstance(locale, str) else locale
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    if digits == 0:
        pattern = pattern.replace("0.00", "0")
    if pattern.startswith("¤") and get_currency_symbol(currency, locale).isalpha():
        pattern = "¤\xa0" + pattern[1:]  # "COP 45,900" rather than "COP45,900"
    return format_currency(amount.quantize(exponent, rounding=ROUND_HALF_UP), currency,
                           format=pattern, locale=locale, currency_digits=False)


def shopify_admin_product_url(settings, shop_domain: str, product_gid: str | None) -> str | None:
    """The product's page in the Shopify admin (https://{shop}/admin/products/{number})."""
    if not product_gid:
        return None
    number = str(product_gid).rsplit("/", 1)[-1]
    return f"{settings.shop_base_url(shop_domain)}/admin/products/{number}"
