"""Dropi orders: what we send (NewOrder, OrderLine and the payload Dropi's order endpoint
expects, per the official plugin) and what we read back (DropiOrder)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from app.clients.dropi_core import COUNTRY_NAMES, DropiError, country_label
from app.clients.dropi_models import money, optional_id, whole

ZIP_CODE_COUNTRIES = frozenset({"MX"})


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def wire_amount(value: Decimal) -> int | float:
    """An amount as a JSON number."""
    # JSON has no decimal type: whole amounts go as integers, cents as the shortest float that
    # prints back as the same two-decimal amount.
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(Decimal("0.01")))


@dataclass(frozen=True)
class OrderLine:
    """One product line of an order we send to Dropi."""

    product_id: int
    name: str
    quantity: int
    price: Decimal
    supplier_id: int | None = None
    variation_id: int | None = None
    stock: int | None = None


@dataclass(frozen=True)
class NewOrder:
    """An order to create in Dropi; total_order is what the carrier collects on delivery."""

    shop_order_id: str
    total_order: Decimal
    name: str
    surname: str
    phone: str
    address: str
    state: str
    city: str
    lines: tuple[OrderLine, ...]
    cash_on_delivery: bool = True
    client_email: str = ""
    notes: str = ""
    country: str = ""
    zip_code: str | None = None
    supplier_id: int | None = None
    create_product_if_not_exist: bool = False
    # A carrier chosen from the quotes; None lets the merchant's Dropi preferences decide.
    distribution_company_id: int | None = None


@dataclass(frozen=True)
class DropiOrderLine:
    product_id: int | None
    name: str
    sku: str
    quantity: int
    price: Decimal | None
    variation_id: int | None = None


@dataclass(frozen=True)
class DropiCustomer:
    """Who an order goes to, as Dropi holds it (state and city are Dropi's catalogue names)."""

    name: str = ""
    surname: str = ""
    phone: str = ""
    address: str = ""
    state: str = ""
    city: str = ""
    email: str = ""
    zip_code: str = ""


@dataclass(frozen=True)
class DropiOrder:
    id: int
    shop_order_id: str | None
    status: str
    shipping_company: str | None = None
    shipping_guide: str | None = None
    sticker: str | None = None
    distribution_company_id: int | None = None
    shipping_amount: Decimal | None = None
    total_order: Decimal | None = None
    rate_type: str | None = None
    guide_was_downloaded: bool = False
    created_at: datetime | None = None
    lines: tuple[DropiOrderLine, ...] = ()
    # When the status last changed, and the carrier's text of a pending delivery incident.
    updated_at: datetime | None = None
    incident: str | None = None
    customer: DropiCustomer = DropiCustomer()
    notes: str = ""

    @property
    def cash_on_delivery(self) -> bool:
        """The carrier collects the total ("CON RECAUDO")."""
        return (self.rate_type or "").upper() == "CON RECAUDO"


@dataclass(frozen=True)
class OrderPage:
    items: list[DropiOrder]
    total: int
    start: int
    page_size: int


def parse_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _order_line(detail: dict) -> DropiOrderLine:
    product = detail.get("product") or {}
    return DropiOrderLine(
        product_id=optional_id(product.get("id", detail.get("product_id"))),
        name=_text(product.get("name")),
        sku=_text(product.get("sku")),
        quantity=whole(detail.get("quantity")),
        price=money(detail.get("price", product.get("sale_price"))),
        variation_id=optional_id(detail.get("variation_id")),
    )


def parse_order(data: dict) -> DropiOrder:
    """A DropiOrder from an order object of /orders/myorders."""
    shop_order_id = data.get("shop_order_id")
    return DropiOrder(
        id=whole(data.get("id")),
        shop_order_id=None if shop_order_id is None else str(shop_order_id),
        status=_text(data.get("status")),
        shipping_company=data.get("shipping_company") or None,
        shipping_guide=data.get("shipping_guide") or None,
        sticker=data.get("sticker") or None,
        distribution_company_id=optional_id(data.get("distribution_company_id")),
        shipping_amount=money(data.get("shipping_amount")),
        total_order=money(data.get("total_order")),
        rate_type=data.get("rate_type") or None,
        guide_was_downloaded=bool(data.get("guide_was_downloaded")),
        created_at=parse_datetime(data.get("created_at")),
        lines=tuple(_order_line(d) for d in data.get("orderdetails") or []),
        updated_at=parse_datetime(data.get("updated_at")),
        incident=_incident_text(data),
        customer=DropiCustomer(
            name=_text(data.get("name")).strip(), surname=_text(data.get("surname")).strip(),
            phone=_text(data.get("phone")).strip(), address=_text(data.get("dir")).strip(),
            state=_text(data.get("state")).strip(), city=_text(data.get("city")).strip(),
            email=_text(data.get("client_email") or data.get("email")).strip(),
            zip_code=_text(data.get("zip_code")).strip()),
        notes=_text(data.get("notes")).strip(),
    )


# Where public integrations read a delivery incident's text ("novedad"); none is documented.
INCIDENT_FIELDS = ("novedad_servientrega", "novedad", "incidence", "last_incidence")


def _incident_text(data: dict) -> str | None:
    for name in INCIDENT_FIELDS:
        value = data.get(name)
        if isinstance(value, dict):
            value = value.get("description") or value.get("name") or value.get("text")
        if isinstance(value, str) and value.strip():
            return value.strip()[:500]
    return None


def _supplier(order: NewOrder) -> int | None:
    if order.supplier_id is not None:
        return order.supplier_id
    suppliers = {line.supplier_id for line in order.lines if line.supplier_id is not None}
    if len(suppliers) > 1:
        raise DropiError(_("This order mixes products from several Dropi suppliers; Dropi "
                           "takes one supplier per order, so split it first."))
    return next(iter(suppliers), None)


def _line_payload(line: OrderLine) -> dict:
    entry = {"id": line.product_id, "name": line.name, "quantity": line.quantity,
             "price": wire_amount(line.price), "stock": line.stock, "user_id": line.supplier_id}
    if line.variation_id is not None:
        entry["variation_id"] = line.variation_id
    return entry


def order_payload(order: NewOrder, country: str) -> dict:
    """The JSON body of POST /orders/myorders, with the country's quirks (zip_code in MX)."""
    if not order.lines:
        raise DropiError(_("A Dropi order needs at least one Dropi product."))
    if country in ZIP_CODE_COUNTRIES and not (order.zip_code or "").strip():
        raise DropiError(_("Dropi %(country)s needs the customer's postal code.",
                           country=country_label(country)))
    payload = {
        "total_order": wire_amount(order.total_order), "notes": order.notes,
        "name": order.name, "surname": order.surname, "dir": order.address,
        "country": order.country or COUNTRY_NAMES[country], "state": order.state,
        "city": order.city, "phone": order.phone, "client_email": order.client_email,
        "payment_method_id": 1, "status": "PENDIENTE CONFIRMACION", "type": "FINAL_ORDER",
        "rate_type": "CON RECAUDO" if order.cash_on_delivery else "SIN RECAUDO",
        "products": [_line_payload(line) for line in order.lines],
        "calculate_costs_and_shiping": True, "supplier_id": _supplier(order),
        "shop_order_id": order.shop_order_id,
        "create_product_if_not_exist": order.create_product_if_not_exist,
    }
    if country in ZIP_CODE_COUNTRIES:
        payload["zip_code"] = order.zip_code.strip()
    if order.distribution_company_id is not None:
        payload["distributionCompany"] = {"id": order.distribution_company_id}
    return payload
