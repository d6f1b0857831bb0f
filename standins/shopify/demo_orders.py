"""A buyer placing an order in the simulated store, for the demo: `place_demo_order` picks a
product the app imported from Dropi (the import tags them "Dropi"), a customer with a WhatsApp
number and an address in a real city, cash on delivery or paid online, and places it through the
storefront, so Shopify sends the app `orders/create` like a real checkout would."""
from __future__ import annotations

import random
from dataclasses import dataclass

from standins.shopify import storefront
from standins.shopify.records import DomainError, money

# The name Shopify gives its manual "Cash on Delivery (COD)" payment method; it is what
# `gateway` and `payment_gateway_names` carry for such orders.
COD_GATEWAY = "Cash on Delivery (COD)"
PREPAID_GATEWAY = "mercado_pago"
IMPORT_TAG = "Dropi"
# Per shop currency: the country, shipping charged to the buyer, and known cities as
# (city, province, province code, postal code).
COUNTRIES = {
    "COP": ("CO", "12000", "+57", (
        ("Bogotá", "Bogotá, D.C.", "DC", "110311"),
        ("Medellín", "Antioquia", "ANT", "050031"),
        ("Cali", "Valle del Cauca", "VAC", "760045"),
        ("Barranquilla", "Atlántico", "ATL", "080020"),
        ("Bucaramanga", "Santander", "SAN", "680001"),
    )),
    "MXN": ("MX", "99", "+52", (
        ("Ciudad de México", "Ciudad de México", "CMX", "06600"),
        ("Guadalajara", "Jalisco", "JAL", "44100"),
        ("Monterrey", "Nuevo León", "NL", "64000"),
    )),
}
# Mobile number prefixes in use (Colombia: operator codes 300-321; Mexico: Mexico City's 55).
MOBILE_PREFIXES = {"CO": ("300", "301", "304", "310", "311", "312", "313", "315", "316", "318",
                          "320", "321"), "MX": ("55",)}
BUYERS = (("Sofía", "Ramírez"), ("Mateo", "Vargas"), ("Isabella", "Moreno"),
          ("Santiago", "Castro"), ("Mariana", "Ortiz"), ("Juan Pablo", "Herrera"))
STREETS = ("Calle 53 # 24-18", "Carrera 15 # 88-64", "Avenida 68 # 10-45", "Calle 10 # 5-31")


class DemoOrderError(ValueError):
    """The order cannot be placed (no product to sell, a bad city); the message says why."""


@dataclass(frozen=True)
class PlacedOrder:
    id: str
    name: str
    total: str
    currency: str
    cash_on_delivery: bool
    city: str
    product: str

    def as_json(self) -> dict:
        return dict(self.__dict__)


def place_demo_order(shop, *, cash_on_delivery: bool = True, city: str | None = None,
                     rng: random.Random | None = None) -> PlacedOrder:
    """Place one order in `shop` (a ShopState, inside a store transaction)."""
    rng = rng or random.Random()
    country, shipping, prefix, cities = COUNTRIES.get(shop.currency, COUNTRIES["COP"])
    variant = _variant_to_sell(shop, rng)
    city_name, province, code, zip_code = _city(cities, city, rng)
    first, last = rng.choice(BUYERS)
    phone = prefix + rng.choice(MOBILE_PREFIXES[country]) + "".join(
        str(rng.randrange(10)) for _ in range(7 if country == "CO" else 8))
    email = f"{first.split()[0].lower()}.{last.lower()}{rng.randrange(1000)}@example.com"
    email = email.translate(str.maketrans("áéíóú", "aeiou"))
    address = {"firstName": first, "lastName": last, "address1": rng.choice(STREETS),
               "city": city_name, "province": province, "provinceCode": code,
               "countryCode": country, "zip": zip_code, "phone": phone}
    fields = {"customer": {"firstName": first, "lastName": last, "email": email,
                           "phone": phone},
              "email": email, "phone": phone, "shipping_address": address,
              "shipping": money(shipping),
              "financial_status": "PENDING" if cash_on_delivery else "PAID",
              "gateway": COD_GATEWAY if cash_on_delivery else PREPAID_GATEWAY}
    try:
        order = storefront.storefront_order(shop, [{"variant_id": variant["id"], "quantity": 1}],
                                            fields)
    except DomainError as error:
        raise DemoOrderError(str(error)) from error
    return PlacedOrder(id=order["id"], name=order["name"], total=str(order["_totals"]["total"]),
                       currency=shop.currency, cash_on_delivery=cash_on_delivery,
                       city=city_name, product=order["_lines"][0]["name"])


def _variant_to_sell(shop, rng: random.Random) -> dict:
    """A variant of a product the app imported from Dropi (the import leaves them drafts by
    default; orderCreate takes any variant), else of any active product."""
    active = [p for p in shop.products.values() if p.get("status") == "ACTIVE"]
    imported = [p for p in shop.products.values()
                if IMPORT_TAG in (p.get("tags") or []) and p.get("status") != "ARCHIVED"]
    for products in (imported, active):
        variants = [v for v in shop.variants.values()
                    if any(v.get("_product") == p["id"] for p in products)]
        if variants:
            return rng.choice(variants)
    raise DemoOrderError(f"{shop.domain} has no active product to order; import one from "
                         f"Dropi in the app first.")


def _city(cities: tuple, wanted: str | None, rng: random.Random) -> tuple[str, str, str, str]:
    """A known city by name (accents and case aside), a city we do not know as typed (with no
    province, as a buyer might leave it), or a random known one."""
    if not wanted:
        return rng.choice(cities)
    wanted = wanted.strip()
    if not wanted or len(wanted) > 100:
        raise DemoOrderError("the city must be 1 to 100 characters")
    for known in cities:
        if _plain(known[0]) == _plain(wanted):
            return known
    return wanted, "", "", ""


def _plain(text: str) -> str:
    return text.lower().translate(str.maketrans("áéíóúñ", "aeioun"))
