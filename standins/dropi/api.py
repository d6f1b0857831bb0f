"""The integrations API of the Dropi stand-in, under /{country}/integrations. Auth, rate
limiting and call recording happen in server.py before these views run."""
from __future__ import annotations

import unicodedata

from flask import Blueprint, Response, current_app, g, jsonify, request

from standins.dropi import catalog, geography, orders, shipping
from standins.dropi.state import ApiError

bp = Blueprint("dropi_api", __name__, url_prefix="/<country>/integrations")
# Guide PDFs live at the host root, outside /integrations (dropi-integration-facts §4). Whether
# they need the integration key is not public; the stand-in asks for it.
guides_bp = Blueprint("dropi_guides", __name__, url_prefix="/<country>/guias")
SORTABLE = {"id", "created_at", "name"}
MAX_PAGE = 100


@bp.url_value_preprocessor
def pull_country(endpoint, values):
    g.country = str(values.pop("country", "")).upper()


guides_bp.url_value_preprocessor(pull_country)


@guides_bp.get("/<carrier>/<sticker>")
def guide(carrier, sticker):
    pdf = shipping.guide_pdf(_stand_in().state, g.account.token, carrier, sticker)
    return Response(pdf, mimetype="application/pdf")


def _stand_in():
    return current_app.extensions["dropi_stand_in"]


def ok(objects, message: str = "", count: int | None = None):
    body = {"isSuccess": True, "status": 200, "message": message, "objects": objects}
    if count is not None:
        body["count"] = count
    return jsonify(body)


def _number(value, field: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(422, f"El campo {field} debe ser un número", {field: ["integer"]}) from None


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def serialize(product: dict, *, detail: bool = False) -> dict:
    """A product as Dropi sends it: private flags dropped, some images as absolute URLs and
    some as paths relative to the image host in `url` (the WooCommerce plugin prefixes them).
    The detail sends each stock row's warehouse as an array, as one production integrator
    reports for /products/v2/{id} (dropi-integration-facts §2); the list sends an object."""
    data = {k: v for k, v in product.items() if not k.startswith("_")}
    if product.get("_absolute_images"):
        root = request.host_url
        data["gallery"] = [{"id": e["id"], "url": root + e["urlS3"], "urlS3": None,
                            "main": e["main"]} for e in product["gallery"]]
    elif product.get("_relative_url_images"):
        data["gallery"] = [{"id": e["id"], "url": e["urlS3"], "urlS3": None, "main": e["main"]}
                           for e in product["gallery"]]
    if detail:
        data["warehouse_product"] = [{**row, "warehouse": [row["warehouse"]]}
                                     for row in product.get("warehouse_product") or []]
    return data


def _matches(product: dict, body: dict) -> bool:
    words = _plain(str(body.get("keywords") or "")).split()
    haystack = _plain(f"{product['name']} {product['sku']} {product['id']}")
    warehouse = body.get("warehouse_id")
    checks = [
        not product.get("_withdrawn"),
        all(word in haystack for word in words),
        product["_private"] if body.get("privated_product") else not product["_private"],
        product["_favorite"] or not body.get("favorite"),
        product["stock"] > 0 or not body.get("stockmayor"),
        not body.get("notNulldescription") or bool(product["description"]),
        "category" not in body or any(
            str(c["id"]) in {str(i) for i in body["category"]} for c in product["categories"]),
        warehouse in (None, "") or any(
            str(r["warehouse_id"]) == str(warehouse) for r in product["warehouse_product"]),
    ]
    return all(checks)


@bp.post("/products/index")
def products_index():
    body = request.get_json(silent=True) or {}
    if g.country == "ES" and "integration" in body:
        raise ApiError(400, "El parámetro integration no está permitido en esta plataforma")
    if "category" in body and not isinstance(body["category"], list):
        # Dropi takes an array of ids (dropi-integration-facts §2); anything else is refused
        # here rather than guessed at, and an empty array matches nothing.
        raise ApiError(422, "El campo category debe ser un arreglo", {"category": ["array"]})
    start = max(0, _number(body.get("startData"), "startData", 0))
    size = min(max(1, _number(body.get("pageSize"), "pageSize", 50)), MAX_PAGE)
    order_by = body.get("order_by") if body.get("order_by") in SORTABLE else "created_at"
    products = sorted(_stand_in().state.catalog(g.country).values(),
                      key=lambda p: p[order_by], reverse=body.get("order_type", "desc") != "asc")
    found = [p for p in products if _matches(p, body)]
    page = [serialize(p) for p in found[start:start + size]]
    count = None if body.get("no_count") else len(found)
    envelope = (request.headers.get("X-Standin-Envelope") or request.args.get("envelope")
                or _stand_in().config.list_envelope)
    if envelope == "array":
        return jsonify([{"objects": page, "count": count}])
    return ok(page, "Productos obtenidos", count)


@bp.get("/products/v2/<product_id>")
@bp.get("/products/<product_id>")
def product_detail(product_id):
    return ok(serialize(_stand_in().state.product(g.country, product_id), detail=True))


@bp.get("/helpers/validateToken")
def validate_token():
    account = g.account
    return ok({"user_id": account.user_id, "store_name": account.store_name,
               "integration_type": account.integration_type, "country": account.country},
              "Token válido")


@bp.get("/categories")
def categories():
    return ok(catalog.categories())


@bp.get("/warehouses")
def warehouses():
    return ok([{"id": w.id, "name": w.name, "address": f"Zona industrial, {w.city}",
                "city": {"name": w.city}, "department": {"name": w.department}}
               for w in geography.warehouses(g.country)])


@bp.get("/department")
def departments():
    return ok(geography.departments(g.country))


@bp.post("/trajectory/bycity")
def cities():
    body = request.get_json(silent=True) or {}
    department = _number(body.get("department_id"), "department_id", 0)
    found = [{"id": c.id, "name": c.name, "department_id": c.department_id,
              "cod_dane": c.cod_dane, "rate_type": body.get("rate_type") or "CON RECAUDO"}
             for c in geography.cities(g.country) if c.department_id == department]
    return ok({"cities": found})


@bp.get("/distribution_companies")
def carriers():
    return ok([{"id": c.id, "name": c.name, "is_visible": True}
               for c in geography.carriers(g.country)])


@bp.post("/orders/cotizaEnvioTransportadoraV2")
def shipping_quote():
    return ok(orders.quote(g.country, request.get_json(silent=True) or {}))


@bp.post("/orders/myorders")
def create_order():
    order = orders.create(_stand_in().state, g.account, request.get_json(silent=True) or {})
    return ok(orders.public(order), "Orden creada exitosamente")


def _own_orders() -> list[dict]:
    state = _stand_in().state
    return [o for o in state.orders.values()
            if state.order_owners.get(o["id"]) == g.account.token]


DATE_FILTERS = ("FECHA DE CREADO", "FECHA DE PRIMERA IMPRESION", "FECHA DE CAMBIO DE ESTATUS")
FILTER_FIELDS = {"GUIA": "shipping_guide", "ORDEN ID": "id", "CELULAR": "phone"}


def _filtered_by(order: dict, args) -> bool:
    field = FILTER_FIELDS.get(args.get("filter_by") or "")
    if field is None:
        return True
    wanted = {v.strip() for v in str(args.get("value_filter_by") or "").split(",") if v.strip()}
    return str(order.get(field) or "") in wanted


@bp.get("/orders/myorders")
def list_orders():
    args = request.args
    if args.get("filter_date_by") not in DATE_FILTERS:
        # Required by Dropi's list (dropi-integration-facts §4).
        raise ApiError(422, "El campo filter_date_by es obligatorio: " + ", ".join(DATE_FILTERS),
                       {"filter_date_by": ["required"]})
    if args.get("filter_by") and args["filter_by"] not in FILTER_FIELDS:
        raise ApiError(422, "filter_by debe ser GUIA, ORDEN ID o CELULAR")
    size = _number(args.get("result_number"), "result_number", 50)
    if not 1 <= size <= MAX_PAGE:
        raise ApiError(422, "result_number debe estar entre 1 y 100")
    start = max(0, _number(args.get("start"), "start", 0))
    text = _plain(args.get("textToSearch") or "")
    dated = "updated_at" if args["filter_date_by"] == "FECHA DE CAMBIO DE ESTATUS" else "created_at"
    found = [o for o in _own_orders()
             if (not args.get("status") or o["status"] == args["status"]) and _filtered_by(o, args)
             and _incidence_matches(o, args)
             and (not args.get("from") or o[dated][:10] >= args["from"])
             and (not args.get("untill") or o[dated][:10] <= args["untill"])
             and (not text or text in _plain(" ".join(str(o.get(k) or "") for k in (
                 "id", "shop_order_id", "name", "surname", "phone", "shipping_guide"))))]
    key = args.get("orderBy") if args.get("orderBy") in ("id", "created_at") else "id"
    found.sort(key=lambda o: o[key], reverse=args.get("orderDirection", "desc") != "asc")
    return ok([orders.public(o) for o in found[start:start + size]], "", len(found))


def _incidence_matches(order: dict, args) -> bool:
    """haveIncidenceProcesamiento=true with issue_solved_by_parent_order=false: the orders with
    a pending delivery incident, optionally by the date of the last one (facts §4)."""
    if args.get("haveIncidenceProcesamiento") != "true":
        return True
    if args.get("issue_solved_by_parent_order") == "false" and not shipping.has_open_incidence(
            order):
        return False
    if not order.get("_incidence"):
        return False
    at = order["_incidence"]["at"][:10]
    return (not args.get("from_date_last_incidence") or at >= args["from_date_last_incidence"]) \
        and (not args.get("until_date_last_incidence")
             or at <= args["until_date_last_incidence"])


@bp.put("/orders/myorders/<order_id>")
def update_order(order_id):
    if not any(str(o["id"]) == str(order_id) for o in _own_orders()):
        raise ApiError(404, "Orden no encontrada")
    body = request.get_json(silent=True) or {}
    return ok(orders.public(orders.update(_stand_in().state, order_id, body)),
              "Orden actualizada")


@bp.get("/orders/myorders/<order_id>")
def get_order(order_id):
    order = next((o for o in _own_orders() if str(o["id"]) == str(order_id)), None)
    if order is None:
        raise ApiError(404, "Orden no encontrada")
    return ok(orders.public(order))


@bp.get("/orders/myorderbyguide/<guide>")
def order_by_guide(guide):
    order = next((o for o in _own_orders() if o["shipping_guide"] == guide), None)
    if order is None:
        raise ApiError(404, "No hay una orden con esa guía")
    return ok(orders.public(order))
