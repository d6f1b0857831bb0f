"""Orders and shipping quotes of the Dropi stand-in: validation like Dropi's, stock taken
from the warehouses, and the status life cycle (a carrier and guide from GUIA_GENERADA on)."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from standins.dropi import catalog, geography
from standins.dropi.state import ApiError, DropiState
from standins.dropi.tokens import Account

FLOW = ["PENDIENTE CONFIRMACION", "PENDIENTE", "GUIA_GENERADA", "EN PROCESAMIENTO",
        "DESPACHADA", "EN BODEGA DESTINO", "EN REPARTO", "ENTREGADO"]
OFF_FLOW = ["NOVEDAD", "CANCELADO", "ANULADA", "DEVOLUCION"]
STATUSES = FLOW + OFF_FLOW
# Statuses are open-ended and carrier-driven (dropi-integration-facts §4): any upper-case name
# is accepted by the control route, as carriers invent new ones.
CARRIER_STATUS = re.compile(r"^[A-ZÁÉÍÓÚÑ_ ]{3,40}$")
FINAL = {"ENTREGADO", "CANCELADO", "ANULADA", "DEVOLUCION"}
CANCELLED = {"CANCELADO", "ANULADA"}
GUIDE_FROM = FLOW.index("GUIA_GENERADA")
BASE_SHIPPING = {"CO": 9900, "MX": 119, "CL": 3990, "PE": 12, "EC": 4, "PA": 5, "PY": 25000,
                 "GT": 35, "AR": 3500, "ES": 5}
ZIP_DIGITS = {"MX": 5, "ES": 5, "AR": 4}


def _amount(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ApiError(422, f"El campo {field} debe ser numérico", {field: ["numeric"]}) from None
    if not amount.is_finite() or amount < 0:
        raise ApiError(422, f"El campo {field} debe ser numérico", {field: ["numeric"]})
    return amount


def _money(country: str, value: Decimal) -> str:
    step = catalog.PRICES[country][2]
    if step < 1:
        return str(value.quantize(Decimal("0.01")))
    return str((value / step).quantize(Decimal(1)) * step)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _check_zip(country: str, zip_code) -> None:
    digits = ZIP_DIGITS.get(country)
    if digits and not re.fullmatch(rf"\d{{{digits}}}", str(zip_code or "").strip()):
        raise ApiError(422, f"El código postal (zip_code) es obligatorio y debe tener {digits} "
                       "dígitos", {"zip_code": ["required"]})


# --- shipping quotes ------------------------------------------------------------------------

def quote(country: str, body: dict) -> list[dict]:
    """One entry per carrier: price and insurance, or an error when it does not serve."""
    destination = body.get("ciudad_destino") or {}
    city = geography.find_city(country, city_id=destination.get("id"),
                               cod_dane=destination.get("cod_dane"), name=destination.get("name"))
    if city is None:
        raise ApiError(422, "Ciudad destino no encontrada", {"ciudad_destino": ["invalid"]})
    origin = body.get("ciudad_remitente") or {}
    # Dropi's document lists ciudad_remitente (the warehouse's city) as required
    # (dropi-integration-facts §3).
    if geography.find_city(country, city_id=origin.get("id"), cod_dane=origin.get("cod_dane"),
                           name=origin.get("name")) is None:
        raise ApiError(422, "La ciudad remitente (ciudad_remitente) es obligatoria",
                       {"ciudad_remitente": ["required"]})
    _check_zip(country, body.get("zip_code"))
    products = body.get("products") or []
    if not products:
        raise ApiError(422, "Debe enviar al menos un producto", {"products": ["required"]})
    weight = sum(_amount(p.get("weight") or 1, "weight") * int(p.get("quantity") or 1)
                 for p in products)
    amount = _amount(body.get("amount") or 0, "amount")
    return [_carrier_quote(country, carrier, city, weight, amount, body)
            for carrier in geography.carriers(country)]


def _carrier_quote(country, carrier, city, weight, amount, body) -> dict:
    entry = {"transportadora": carrier.name, "transportadora_id": carrier.id}
    if carrier.name == "99MINUTOS" and not (body.get("warehouse") or {}).get("id"):
        return {**entry, "error": "99MINUTOS requiere la bodega de origen (warehouse_id)"}
    if (city.id + carrier.id) % 5 == 0:
        return {**entry, "error": "Sin cobertura para la ciudad destino"}
    base = Decimal(BASE_SHIPPING[country])
    spread = Decimal(int(hashlib.sha256(f"{carrier.id}-{city.id}".encode()).hexdigest(), 16)
                     % 40) / 100
    price = base * (1 + spread) + base * Decimal("0.15") * max(Decimal(0), weight - 1)
    if body.get("EnvioConCobro"):
        price += amount * Decimal("0.03")
    insurance = amount * Decimal("0.005") if body.get("insurance") else Decimal(0)
    return {**entry, "objects": {"precioEnvio": _money(country, price),
                                 "seguroEnvio": _money(country, insurance),
                                 "overload_was_applied": weight > 5}}


# --- orders ---------------------------------------------------------------------------------

REQUIRED = ("name", "phone", "dir", "city", "state", "total_order")


def create(state: DropiState, account: Account, body: dict) -> dict:
    """Validate an order like Dropi does, take the stock and store it."""
    country = account.country
    missing = [f for f in REQUIRED if body.get(f) in (None, "")]
    if missing:
        raise ApiError(422, f"Faltan campos obligatorios: {', '.join(missing)}",
                       {f: ["required"] for f in missing})
    if body.get("rate_type") not in ("CON RECAUDO", "SIN RECAUDO"):
        raise ApiError(422, "rate_type debe ser CON RECAUDO o SIN RECAUDO", {"rate_type": ["in"]})
    if country == "MX":
        _check_zip(country, body.get("zip_code"))
    _check_destination(country, body.get("state"), body.get("city"))
    _check_carrier(country, body.get("distributionCompany"))
    lines = body.get("products") or []
    if not lines:
        raise ApiError(422, "La orden no tiene productos", {"products": ["required"]})
    with state.lock:
        picks = [_pick(state, country, line) for line in lines]
        for rows, quantity in (p[2:] for p in picks):
            _take(rows, quantity)
        for product, *_ in picks:
            catalog.refresh_stock(product)
        order = _new_order(state, country, body, picks)
        state.orders[order["id"]] = order
        state.order_owners[order["id"]] = account.token
    return order


def _check_destination(country: str, state_name, city_name) -> None:
    """`state` and `city` must be Dropi's own catalogue names (dropi-integration-facts §4:
    resolve against /department and /trajectory/bycity, never pass the address raw). Whether
    Dropi compares them ignoring case is not public; only the name as listed is accepted here."""
    department = next((d for d in geography.departments(country)
                       if d["name"] == str(state_name)), None)
    if department is None:
        raise ApiError(422, f"El departamento {state_name} no existe", {"state": ["exists"]})
    if not any(c.name == str(city_name) and c.department_id == department["id"]
               for c in geography.cities(country)):
        raise ApiError(422, f"La ciudad {city_name} no existe en {state_name}",
                       {"city": ["exists"]})


def _carrier_id(company) -> int | None:
    wanted = company.get("id") if isinstance(company, dict) else company
    return int(wanted) if str(wanted or "").isdigit() else None


def _check_carrier(country: str, company) -> None:
    if company in (None, {}):
        return
    wanted = str((company or {}).get("id") if isinstance(company, dict) else company)
    if not any(str(c.id) == wanted for c in geography.carriers(country)):
        raise ApiError(422, "La transportadora no existe", {"distributionCompany": ["exists"]})


def _pick(state, country, line) -> tuple:
    product = state.product(country, line.get("id"))
    quantity = int(line.get("quantity") or 0)
    if quantity < 1:
        raise ApiError(422, "La cantidad debe ser mayor que cero", {"quantity": ["min"]})
    variation = None
    if product["type"] == "VARIABLE":
        variation = next((v for v in product["variations"]
                          if str(v["id"]) == str(line.get("variation_id"))), None)
        if variation is None:
            raise ApiError(422, f"El producto {product['id']} es variable: envíe una "
                           "variation_id válida", {"variation_id": ["required"]})
    rows = variation["warehouse_product_variation"] if variation else product["warehouse_product"]
    if sum(r["stock"] for r in rows) < quantity:
        raise ApiError(422, f"Stock insuficiente para {product['name']}", {"stock": ["min"]})
    return product, variation, rows, quantity


def _take(rows: list[dict], quantity: int) -> None:
    for row in sorted(rows, key=lambda r: -r["stock"]):
        taken = min(row["stock"], quantity)
        row["stock"] -= taken
        quantity -= taken


def _new_order(state, country, body, picks) -> dict:
    order_id = state.next_order_id
    state.next_order_id += 1
    total = _amount(body["total_order"], "total_order")
    cheapest = min((q["objects"]["precioEnvio"] for q in _quotes_for(country, body, total)),
                   key=Decimal, default=None)
    # A line's price is the unit price the order was placed with (what the customer pays:
    # dropi-integration-facts §3, products[].price "one unit"; the status webhook's
    # orderdetails carry such prices, e.g. "79000.00"); the supplier's price when none was sent.
    details = [{"id": order_id * 10 + n, "quantity": quantity, "variation_id":
                variation["id"] if variation else None,
                "price": str(_line_price(line, variation or product).quantize(Decimal("0.01"))),
                "product": {"id": product["id"], "name": product["name"], "sku":
                            (variation or product)["sku"], "sale_price": product["sale_price"]}}
               for n, ((product, variation, _rows, quantity), line) in
               enumerate(zip(picks, body.get("products") or []), start=1)]
    now = _now()
    keep = ("name", "surname", "phone", "dir", "city", "state", "client_email", "notes",
            "rate_type", "supplier_id", "zip_code", "type", "payment_method_id")
    return {
        "id": order_id, "_country": country, **{k: body.get(k) for k in keep},
        "shop_order_id": body.get("shop_order_id"), "status": "PENDIENTE CONFIRMACION",
        "total_order": _money(country, total), "shipping_amount": cheapest,
        "shipping_company": None, "shipping_guide": None,
        "distribution_company_id": _carrier_id(body.get("distributionCompany")),
        "sticker": None, "guide_was_downloaded": False, "created_at": now, "updated_at": now,
        "orderdetails": details, "history": [{"status": "PENDIENTE CONFIRMACION", "at": now}],
    }


def _line_price(line: dict, item: dict) -> Decimal:
    if line.get("price") in (None, ""):
        return Decimal(str(item["sale_price"]))
    return _amount(line["price"], "price")


def _quotes_for(country, body, total) -> list[dict]:
    city = geography.find_city(country, name=body.get("city"))
    if city is None:
        return []
    origin = geography.find_city(country, name=geography.warehouses(country)[0].city)
    request = {"ciudad_destino": {"id": city.id}, "ciudad_remitente": {"id": origin.id},
               "products": body.get("products"),
               "amount": total, "EnvioConCobro": body.get("rate_type") == "CON RECAUDO",
               "zip_code": body.get("zip_code")}
    try:
        return [q for q in quote(country, request) if "objects" in q]
    except ApiError:
        return []


def advance(state: DropiState, order_id: int) -> dict:
    """Move an order one step along the usual life cycle."""
    with state.lock:
        order = _order(state, order_id)
        status = order["status"]
        if status in FINAL:
            raise ApiError(409, f"La orden {order_id} está {status} y no puede avanzar")
        following = "EN REPARTO" if status == "NOVEDAD" else FLOW[FLOW.index(status) + 1]
        return set_status(state, order_id, following)


def set_status(state: DropiState, order_id: int, status: str) -> dict:
    """Put an order in any Dropi status; a guide is assigned once it is generated. The
    state's status listeners hear of every change (the status webhook, incidents)."""
    if status not in STATUSES and not CARRIER_STATUS.match(status or ""):
        raise ApiError(422, f"Estado desconocido: {status}. Use uno de: {', '.join(STATUSES)}")
    with state.lock:
        order = _order(state, order_id)
        if status in CANCELLED and order["status"] not in CANCELLED | {"ENTREGADO"}:
            _give_back(state, order)
        shipped = status not in CANCELLED and status not in FLOW[:GUIDE_FROM]
        if shipped and not order["shipping_guide"]:
            _assign_guide(order)
        order["status"], order["updated_at"] = status, _now()
        order["history"].append({"status": status, "at": order["updated_at"]})
        for listener in state.status_listeners:
            listener(order)
        return order


def _assign_guide(order: dict) -> None:
    country = order["_country"]
    carriers = geography.carriers(country)
    chosen = [c for c in carriers if c.id == order["distribution_company_id"]]
    carrier = chosen[0] if chosen else carriers[order["id"] % len(carriers)]
    order["shipping_company"] = carrier.name
    order["distribution_company_id"] = carrier.id
    order["shipping_guide"] = f"{carrier.id}{order['id']:08d}"
    order["sticker"] = f"{order['id']}-{carrier.name.lower().replace(' ', '-')}.pdf"


def _give_back(state: DropiState, order: dict) -> None:
    for detail in order["orderdetails"]:
        product = state.product(order["_country"], detail["product"]["id"])
        variation = next((v for v in product.get("variations") or []
                          if v["id"] == detail["variation_id"]), None)
        rows = variation["warehouse_product_variation"] if variation else \
            product["warehouse_product"]
        rows[0]["stock"] += detail["quantity"]
        catalog.refresh_stock(product)


def _order(state: DropiState, order_id) -> dict:
    try:
        return state.orders[int(order_id)]
    except (KeyError, TypeError, ValueError):
        raise ApiError(404, "Orden no encontrada") from None


def public(order: dict) -> dict:
    return {k: v for k, v in order.items() if not k.startswith("_")}


EDITABLE_STATUSES = {"CANCELADO", "GUIA_GENERADA"}


def update(state: DropiState, order_id, body: dict) -> dict:
    """PUT /orders/myorders/{id}: generate the guide, cancel (only before a guide exists) or
    change the carrier; anything else is refused."""
    with state.lock:
        order = _order(state, order_id)
        status = body.get("status")
        if status is not None:
            if status not in EDITABLE_STATUSES:
                raise ApiError(422, f"No se puede cambiar el estado a {status}")
            if status == "CANCELADO" and (order["shipping_guide"] or order["status"] not in
                                          ("PENDIENTE CONFIRMACION", "PENDIENTE")):
                raise ApiError(422, f"La orden {order['id']} ya tiene guía y no se puede "
                               "cancelar")
            if status != order["status"]:
                set_status(state, order["id"], status)
        if body.get("distribution_company_id") is not None:
            _check_carrier(order["_country"], {"id": body["distribution_company_id"]})
            order["distribution_company_id"] = int(body["distribution_company_id"])
        return order


# --- orders placed outside the integration ------------------------------------------------------

# A customer the demo uses when the caller gives none; Dropi's own catalogue names for the place.
PANEL_CUSTOMER = {"name": "Carlos", "surname": "Pérez", "phone": "3104567890",
                  "dir": "Carrera 43A # 1-50", "state": "Antioquia", "city": "Medellín",
                  "client_email": "carlos.perez@example.co"}
ORIGINS = ("panel", "ecomdrop")


def place_outside(state: DropiState, account: Account, body: dict) -> dict:
    """An order the merchant typed in Dropi's panel, or that an Ecomdrop flow placed: the same
    validation and stock as the API, without our shop_order_id (an Ecomdrop flow puts its own
    reference there). `products` are [{id, variation_id?, quantity, price?}] (the suggested
    price when none is given); the total is what the carrier collects, the lines plus shipping
    unless given."""
    origin = body.get("origin") or "panel"
    if origin not in ORIGINS:
        raise ApiError(422, f"origin debe ser uno de: {', '.join(ORIGINS)}")
    products = body.get("products") or [_sample_line(state, account.country)]
    if not isinstance(products, list) or not all(isinstance(p, dict) for p in products):
        raise ApiError(422, "products debe ser una lista", {"products": ["array"]})
    with state.lock:  # a price left out is the product's suggested retail price
        products = [{**p, "price": p.get("price") or _variation_or_product(
            state, account.country, p).get("suggested_price")} for p in products]
    order_body = {**PANEL_CUSTOMER, "rate_type": "CON RECAUDO", "type": "FINAL_ORDER",
                  "payment_method_id": 1,
                  **{k: v for k, v in body.items() if k not in ("origin", "token", "country")},
                  "products": products}
    if order_body.get("total_order") in (None, ""):
        with state.lock:
            lines = sum((_line_price(p, _variation_or_product(state, account.country, p))
                         * int(p.get("quantity") or 0) for p in products), Decimal(0))
        order_body["total_order"] = str(lines + BASE_SHIPPING[account.country])
    if origin == "panel":
        order_body["shop_order_id"] = None
    order = create(state, account, order_body)
    order["_origin"] = origin
    return order


def _variation_or_product(state, country, line) -> dict:
    product = state.product(country, line.get("id"))
    return next((v for v in product.get("variations") or []
                 if str(v["id"]) == str(line.get("variation_id"))), product)


def _sample_line(state, country) -> dict:
    with state.lock:
        product = next((p for _id, p in sorted(state.catalog(country).items())
                        if p["type"] == "SIMPLE" and not p["_private"] and p["stock"] > 0), None)
    if product is None:
        raise ApiError(422, "No hay productos con stock", {"products": ["required"]})
    return {"id": product["id"], "quantity": 1, "price": product["suggested_price"]}
