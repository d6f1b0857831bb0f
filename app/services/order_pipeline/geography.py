"""Resolving a Shopify province and city to Dropi's own department and city names (Dropi refuses
anything else). Dropi's lists (GET /department, POST /trajectory/bycity per rate type) are
cached per country; names compare without accents, case or punctuation. When the match is
ambiguous or missing, the merchant picks from Dropi's list, and the pick is remembered for that
address."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.clients.dropi import City, Department, DropiClient
from app.extensions import cache as shared_cache
from app.extensions import db
from app.models import CityChoice, OrderRecord

GEOGRAPHY_CACHE_SECONDS = 24 * 3600
# Words Shopify or customers add that Dropi's names leave out.
FILLER_WORDS = frozenset({"departamento", "depto", "dpto", "de", "del", "la", "el", "d", "c",
                          "dc", "distrito", "capital", "provincia", "estado", "region"})


@dataclass(frozen=True)
class Destination:
    department: str
    department_id: int
    city: str
    city_id: int
    cod_dane: str | None


@dataclass(frozen=True)
class DepartmentOption:
    """A department with the cities Dropi serves there for the order's rate type."""

    id: int
    name: str
    cities: tuple[City, ...]


def plain(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in bare).split())


def _core(text: str) -> str:
    words = [w for w in plain(text).split() if w not in FILLER_WORDS]
    return " ".join(words) or plain(text)


def address_key(province: str, city: str) -> str:
    return f"{plain(province)}|{plain(city)}"[:500]


def rate_type(cash_on_delivery: bool) -> str:
    return "CON RECAUDO" if cash_on_delivery else "SIN RECAUDO"


def departments(client: DropiClient, *, cache=shared_cache) -> list[Department]:
    key = f"dropi-geo:{client.country}:departments"
    found = cache.get(key)
    if found is None:
        found = [(d.id, d.name) for d in client.departments()]
        cache.set(key, found, timeout=GEOGRAPHY_CACHE_SECONDS)
    return [Department(id=i, name=n) for i, n in found]


def cities(client: DropiClient, department_id: int, rates: str, *, cache=shared_cache
           ) -> list[City]:
    key = f"dropi-geo:{client.country}:cities:{department_id}:{plain(rates)}"
    found = cache.get(key)
    if found is None:
        found = [(c.id, c.name, c.department_id, c.cod_dane, c.rate_type)
                 for c in client.cities(department_id, rates)]
        cache.set(key, found, timeout=GEOGRAPHY_CACHE_SECONDS)
    return [City(*row) for row in found]


def _one(candidates: list, name_of, wanted: str):
    """The single candidate whose name matches `wanted` exactly (normalised), else the single
    one matching without filler words; None when there is none or more than one."""
    for key in (plain, _core):
        target = key(wanted)
        if not target:
            return None
        found = [c for c in candidates if key(name_of(c)) == target]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None
    return None


def resolve(client: DropiClient, order: OrderRecord, *, cache=shared_cache
            ) -> Destination | None:
    """Dropi's department and city for the order's address, from the merchant's remembered
    pick or an unambiguous match; None when the merchant has to pick. A destination Dropi does
    not serve for the order's rate type is no match (that is the coverage check)."""
    rates = rate_type(order.cash_on_delivery)
    remembered = remembered_choice(order)
    if remembered is not None:
        served = cities(client, remembered.department_id, rates, cache=cache)
        city = next((c for c in served if c.id == remembered.city_id), None)
        if city is not None:
            return Destination(remembered.department, remembered.department_id, city.name,
                               city.id, city.cod_dane)
    department = _one(departments(client, cache=cache), lambda d: d.name, order.province)
    candidates = []
    if department is not None:
        candidates = [(department, c) for c in cities(client, department.id, rates,
                                                      cache=cache)]
    elif not order.province.strip():
        for dept in departments(client, cache=cache):
            candidates += [(dept, c) for c in cities(client, dept.id, rates, cache=cache)]
    match = _one(candidates, lambda pair: pair[1].name, order.city)
    if match is None:
        return None
    dept, city = match
    return Destination(dept.name, dept.id, city.name, city.id, city.cod_dane)


def remembered_choice(order: OrderRecord) -> CityChoice | None:
    return db.session.execute(select(CityChoice).where(
        CityChoice.shop_id == order.shop_id, CityChoice.country == _country(order),
        CityChoice.address_key == address_key(order.province, order.city))).scalar_one_or_none()


def _country(order: OrderRecord) -> str:
    return (order.country_code or "")[:2]


def options(client: DropiClient, order: OrderRecord, *, cache=shared_cache
            ) -> list[DepartmentOption]:
    """Every department with the cities Dropi serves for the order's rate type, for the pick."""
    rates = rate_type(order.cash_on_delivery)
    return [DepartmentOption(d.id, d.name, tuple(cities(client, d.id, rates, cache=cache)))
            for d in departments(client, cache=cache)]


def remember(client: DropiClient, order: OrderRecord, department_id: int, city_id: int, *,
             cache=shared_cache) -> Destination | None:
    """Store the merchant's pick for this address (replacing an older one); None when the ids
    are not a city Dropi serves for this order."""
    department = next((d for d in departments(client, cache=cache) if d.id == department_id),
                      None)
    if department is None:
        return None
    served = cities(client, department_id, rate_type(order.cash_on_delivery), cache=cache)
    city = next((c for c in served if c.id == city_id), None)
    if city is None:
        return None
    choice = remembered_choice(order) or CityChoice(
        shop_id=order.shop_id, country=_country(order),
        address_key=address_key(order.province, order.city))
    choice.department, choice.department_id = department.name, department.id
    choice.city, choice.city_id, choice.cod_dane = city.name, city.id, city.cod_dane
    db.session.add(choice)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return remember(client, order, department_id, city_id, cache=cache)
    return Destination(department.name, department.id, city.name, city.id, city.cod_dane)
