"""Typed Dropi objects, read from Dropi's JSON. Money is Decimal, never float."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple


class WarehouseStock(NamedTuple):
    warehouse_id: int | None
    name: str
    stock: int


@dataclass(frozen=True)
class DropiVariation:
    id: int
    sku: str
    sale_price: Decimal | None
    suggested_price: Decimal | None
    stock: int
    warehouse_stocks: tuple[WarehouseStock, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DropiProduct:
    id: int
    name: str
    description: str  # supplier HTML as sent; sanitizing happens where it is used
    sku: str
    type: str  # "SIMPLE" | "VARIABLE"
    sale_price: Decimal | None  # what the dropshipper pays the supplier
    suggested_price: Decimal | None
    stock: int
    warehouse_stocks: tuple[WarehouseStock, ...] = ()
    variations: tuple[DropiVariation, ...] = ()
    categories: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    supplier_id: int | None = None
    weight: Decimal | None = None
    # False when Dropi marks the product inactive (withdrawn from sale).
    active: bool = True

    @property
    def is_variable(self) -> bool:
        return self.type == "VARIABLE"


@dataclass(frozen=True)
class ProductPage:
    items: list[DropiProduct]
    total: int
    start: int
    page_size: int

    @property
    def has_more(self) -> bool:
        return self.start + len(self.items) < self.total


@dataclass(frozen=True)
class Category:
    id: int
    name: str


@dataclass(frozen=True)
class Warehouse:
    id: int
    name: str
    city: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Department:
    id: int
    name: str


@dataclass(frozen=True)
class City:
    id: int
    name: str
    department_id: int | None
    cod_dane: str | None = None
    rate_type: str | None = None


@dataclass(frozen=True)
class Carrier:
    id: int
    name: str


@dataclass(frozen=True)
class ShippingQuote:
    carrier: str
    carrier_id: int | None
    price: Decimal | None
    insurance: Decimal | None
    error: str | None = None

    @property
    def available(self) -> bool:
        return self.error is None and self.price is not None


def money(value: Any) -> Decimal | None:
    """A Dropi amount (number, numeric string or Decimal) as Decimal; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not an amount") from exc
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return amount


def whole(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    amount = money(value)
    return int(amount) if amount is not None else default


def optional_id(value: Any) -> int | None:
    return None if value in (None, "") else whole(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _warehouse_of(entry: dict) -> dict:
    """The warehouse of a stock row: an object in /products/index, an array of one in
    /products/v2/{id} as some accounts receive it."""
    warehouse = entry.get("warehouse")
    if isinstance(warehouse, list):
        warehouse = next((w for w in warehouse if isinstance(w, dict)), None)
    return warehouse if isinstance(warehouse, dict) else {}


def _warehouse_stocks(entries: Any) -> tuple[WarehouseStock, ...]:
    stocks = []
    for entry in entries or []:
        warehouse = _warehouse_of(entry)
        warehouse_id = entry.get("warehouse_id", warehouse.get("id"))
        stocks.append(
            WarehouseStock(optional_id(warehouse_id), _text(warehouse.get("name")),
                           whole(entry.get("stock")))
        )
    return tuple(stocks)


def _attributes(values: Any) -> dict[str, str]:
    attributes = {}
    for entry in values or []:
        attribute = entry.get("attribute") or {}
        name = entry.get("attribute_name") or attribute.get("description") or attribute.get("name")
        if name:
            attributes[str(name)] = _text(entry.get("value"))
    return attributes


def parse_variation(data: dict) -> DropiVariation:
    stocks = _warehouse_stocks(data.get("warehouse_product_variation"))
    stock = sum(s.stock for s in stocks) if stocks else whole(data.get("stock"))
    return DropiVariation(
        id=whole(data.get("id")),
        sku=_text(data.get("sku")),
        sale_price=money(data.get("sale_price")),
        suggested_price=money(data.get("suggested_price")),
        stock=stock,
        warehouse_stocks=stocks,
        attributes=_attributes(data.get("attribute_values")),
    )


def _absolute(path: Any, image_base_url: str) -> str | None:
    text = str(path or "").strip()
    if not text:
        return None
    if text.startswith(("http://", "https://")):
        return text
    if text.startswith("//"):
        return "https:" + text
    return image_base_url.rstrip("/") + "/" + text.lstrip("/")


def image_url(entry: dict, image_base_url: str) -> str | None:
    """An absolute image URL from a gallery entry: urlS3 or url, either of which may be a path
    relative to Dropi's image host; Shopify never gets a relative URL."""
    if not isinstance(entry, dict):
        return None
    return _absolute(entry.get("urlS3"), image_base_url) or _absolute(entry.get("url"),
                                                                      image_base_url)


def _product_stock(data: dict, stocks, variations) -> int:
    private = data.get("private_product_inventories") or []
    if variations and data.get("type") == "VARIABLE":
        return sum(v.stock for v in variations)
    if private:
        return sum(whole(entry.get("stock")) for entry in private)
    if stocks:
        return sum(s.stock for s in stocks)
    return whole(data.get("stock"))


def parse_product(data: dict, image_base_url: str) -> DropiProduct:
    """A DropiProduct from a product object of /products/index or /products/v2/{id}."""
    stocks = _warehouse_stocks(data.get("warehouse_product"))
    raw_variations = data.get("variations") or data.get("product_variations") or []
    variations = tuple(parse_variation(v) for v in raw_variations)
    gallery = data.get("gallery") or data.get("photos") or []
    user = data.get("user") or {}
    return DropiProduct(
        id=whole(data.get("id")),
        name=_text(data.get("name") or data.get("title")),
        description=_text(data.get("description")),
        sku=_text(data.get("sku")),
        type=_text(data.get("type") or "SIMPLE").upper(),
        sale_price=money(data.get("sale_price")),
        suggested_price=money(data.get("suggested_price")),
        stock=_product_stock(data, stocks, variations),
        warehouse_stocks=stocks,
        variations=variations,
        categories=tuple(_text(c.get("name")) for c in data.get("categories") or []),
        images=tuple(url for url in (image_url(e, image_base_url) for e in gallery) if url),
        supplier_id=optional_id(data.get("user_id", user.get("id"))),
        weight=money(data.get("weight")),
        active=data.get("active") not in (False, 0, "0", "false"),
    )


def parse_city(data: dict) -> City:
    return City(
        id=whole(data.get("id")),
        name=_text(data.get("name")),
        department_id=optional_id(data.get("department_id")),
        cod_dane=None if data.get("cod_dane") in (None, "") else str(data.get("cod_dane")),
        rate_type=data.get("rate_type") or None,
    )


def parse_warehouse(data: dict) -> Warehouse:
    city = data.get("city")
    city_name = city.get("name") if isinstance(city, dict) else city
    return Warehouse(
        id=whole(data.get("id")),
        name=_text(data.get("name")),
        city=city_name or None,
        address=data.get("address") or None,
    )


def parse_quote(data: dict) -> ShippingQuote:
    details = data.get("objects") if isinstance(data.get("objects"), dict) else {}
    error = data.get("error") or data.get("message") if not details else None
    return ShippingQuote(
        carrier=_text(data.get("transportadora")),
        carrier_id=optional_id(data.get("transportadora_id")),
        price=money(details.get("precioEnvio")),
        insurance=money(details.get("seguroEnvio")),
        error=None if error is None else str(error),
    )
