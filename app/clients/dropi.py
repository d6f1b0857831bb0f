"""Dropi integrations API client: one host per country, `dropi-integration-key` auth, a
per-token request budget, backoff on 429 and errors a merchant can read (see dropi_transport).
The token is never logged."""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask_babel import gettext as _

from app.clients.dropi_core import (
    COUNTRY_NAMES,
    DEFAULT_REQUESTS_PER_MINUTE,
    DROPI_HOSTS,
    DropiAccessDenied,
    DropiAuthError,
    DropiError,
    DropiNotFound,
    DropiRateLimited,
    DropiTokenInvalid,
    DropiUnavailable,
    IntegrationTokenInfo,
    RequestBudget,
    decode_integration_token,
    integration_token_info,
    shared_budget,
)
from app.clients.dropi_models import (
    Carrier,
    Category,
    City,
    Department,
    DropiProduct,
    ProductPage,
    ShippingQuote,
    Warehouse,
    parse_city,
    parse_quote,
    parse_warehouse,
    whole,
)
from app.clients.dropi_orders import (
    DropiCustomer,
    DropiOrder,
    NewOrder,
    OrderLine,
    OrderPage,
    order_payload,
    parse_order,
    wire_amount,
)
from app.clients.dropi_transport import DropiTransport, dropi_message

__all__ = [
    "COUNTRY_NAMES", "DEFAULT_REQUESTS_PER_MINUTE", "DROPI_HOSTS", "Carrier", "Category", "City",
    "Department", "DropiAccessDenied", "DropiAuthError", "DropiClient", "DropiError",
    "DropiNotFound", "DropiCustomer", "DropiOrder",
    "DropiProduct", "DropiRateLimited", "DropiTokenInvalid", "DropiUnavailable",
    "IntegrationTokenInfo", "NewOrder", "OrderLine", "OrderPage", "ProductPage",
    "RequestBudget", "ShippingQuote", "Warehouse", "decode_integration_token",
    "integration_token_info", "shared_budget",
]

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
# The official plugin sends get_stock:false to these hosts on product lists.
NO_STOCK_IN_LIST = frozenset({"CO", "PY", "PE", "PA"})
# Spain's product list rejects the `integration` flag.
NO_INTEGRATION_FLAG = frozenset({"ES"})


def dropi_base_url(settings, country: str) -> str | None:
    """The country's base URL from DROPI_URL_TEMPLATE (the stand-ins), or None for Dropi's host."""
    if not settings.dropi_url_template or (country or "").upper() not in DROPI_HOSTS:
        return None
    return settings.dropi_url_template.format(country=country.lower())


class DropiClient(DropiTransport):
    """A Dropi account in one country, reached with its integration token.

    DropiClient(token, country, *, base_url=None, timeout=10, http=None, sleep=time.sleep,
    budget=None, requests_per_minute=60, allowed_url=None, image_base_url=..., max_attempts=5,
    max_retry_wait=60): see DropiTransport.
    """

    @classmethod
    def for_settings(cls, settings, token: str, country: str, **kwargs) -> "DropiClient":
        """A client wired from Settings: stand-in hosts, app URL as origin, timeouts, images."""
        kwargs.setdefault("base_url", dropi_base_url(settings, country))
        kwargs.setdefault("timeout", settings.http_timeout_seconds)
        kwargs.setdefault("allowed_url", settings.shopify_app_url)
        kwargs.setdefault("image_base_url", settings.dropi_image_base_url)
        kwargs.setdefault("requests_per_minute", settings.dropi_requests_per_minute)
        return cls(token, country, **kwargs)

    # --- endpoints -------------------------------------------------------------------------

    def validate_token(self) -> dict:
        """Ask Dropi whether the token is accepted; returns what Dropi says about it."""
        body = self._call("GET", "helpers/validateToken", what=_("the token check"))
        data = self._single(body)
        return data if data is not None else {"message": dropi_message(body)}

    def list_products(
        self,
        start: int = 0,
        page_size: int = 50,
        keywords: str | None = None,
        favorites: bool = False,
        private: bool = False,
        in_stock: bool = False,
        category: int | None = None,
        warehouse: int | None = None,
        order_by: str = "created_at",
        order_type: str = "desc",
    ) -> ProductPage:
        """One page of the catalog visible to this token (POST /products/index)."""
        page_size = min(max(1, page_size), MAX_PAGE_SIZE)
        body = self._product_query(start, page_size, keywords, order_by, order_type)
        filters = {"favorite": favorites, "privated_product": private}
        body.update({key: True for key, wanted in filters.items() if wanted})
        if in_stock:
            body["stockmayor"] = 1
        if category is not None:
            # Dropi takes an array of category ids; an empty array matches nothing, so an
            # absent filter is left out rather than sent as [].
            body["category"] = [int(category)]
        if warehouse is not None:
            body["warehouse_id"] = warehouse
        answer = self._call("POST", "products/index", json=body, what=_("the product list"),
                            retry_transient=True)
        objects, count = self._objects(answer)
        items = [self._product(item) for item in objects or []]
        total = count if count is not None else start + len(items)
        return ProductPage(items=items, total=total, start=max(0, start), page_size=page_size)

    def _product_query(self, start, page_size, keywords, order_by, order_type) -> dict:
        body: dict[str, Any] = {
            "startData": max(0, start),
            "pageSize": page_size,
            "keywords": (keywords or "").strip(),
            "order_by": order_by,
            "order_type": order_type,
            "active": True,
            "no_count": False,
            "userVerified": False,
            "with_collection": True,
            "integration": True,
            "get_stock": self.country not in NO_STOCK_IN_LIST,
        }
        if self.country in NO_INTEGRATION_FLAG:
            del body["integration"]
        return body

    def get_product(self, product_id: int) -> DropiProduct:
        """One product with variations, stock per warehouse and gallery (GET /products/v2/{id})."""
        answer = self._call("GET", f"products/v2/{int(product_id)}",
                            what=_("product %(id)s", id=product_id))
        data = self._single(answer)
        if data is None:
            raise DropiNotFound(_("Dropi %(country)s could not find product %(id)s.",
                                  country=self.label, id=product_id),
                                country=self.country, status=404)
        return self._product(data)

    def warehouses(self) -> list[Warehouse]:
        """The supplier warehouses this account ships from (GET /warehouses/)."""
        return [parse_warehouse(w) for w in self._list("GET", "warehouses/", _("the warehouses"))]

    def categories(self) -> list[Category]:
        """Catalog categories (GET /categories/)."""
        rows = self._list("GET", "categories/", _("the categories"))
        return [Category(id=whole(c.get("id")), name=str(c.get("name") or "")) for c in rows]

    def departments(self) -> list[Department]:
        """Departments / states of the country (GET /department)."""
        rows = self._list("GET", "department", _("the departments"))
        return [Department(id=whole(d.get("id")), name=str(d.get("name") or "")) for d in rows]

    def cities(self, department_id: int, rate_type: str = "CON RECAUDO") -> list[City]:
        """Cities Dropi delivers to in a department (POST /trajectory/bycity)."""
        body = {"department_id": int(department_id), "rate_type": rate_type}
        answer = self._call("POST", "trajectory/bycity", json=body, what=_("the cities"),
                            retry_transient=True)
        return [parse_city(c) for c in self._cities_of(answer) if isinstance(c, dict)]

    def _cities_of(self, answer: Any) -> list:
        """Cities under objects.cities, as the live API sends them, or a bare list (seen by
        some clients) either as `objects` or as the whole answer."""
        if isinstance(answer, list) and not (answer and isinstance(answer[0], dict)
                                             and "objects" in answer[0]):
            return answer
        objects, _count = self._objects(answer)
        if isinstance(objects, dict):
            objects = objects.get("cities")
        return objects if isinstance(objects, list) else []

    def carriers(self) -> list[Carrier]:
        """Carriers (distribution companies) Dropi works with in this country."""
        rows = self._list("GET", "distribution_companies", _("the carriers"))
        return [Carrier(id=whole(c.get("id")), name=str(c.get("name") or "")) for c in rows]

    def quote_shipping(
        self,
        destination: City,
        products: list[dict],
        *,
        cash_on_delivery: bool = True,
        amount: Decimal | None = None,
        warehouse_id: int | None = None,
        zip_code: str | None = None,
        colonia: str | None = None,
        insurance: bool = False,
        origin: City | None = None,
    ) -> list[ShippingQuote]:
        """Shipping price per carrier to a city. products: [{id, quantity, price, weight?}]."""
        lines = [self._quote_line(p) for p in products]
        total = amount if amount is not None else sum(
            (Decimal(str(p["price"])) * int(p["quantity"]) for p in products), Decimal(0))
        body: dict[str, Any] = {
            "EnvioConCobro": cash_on_delivery,
            "amount": wire_amount(Decimal(str(total))),
            "ciudad_destino": {"id": destination.id, "cod_dane": destination.cod_dane,
                               "name": destination.name},
            "products": lines,
            "insurance": insurance,
        }
        if origin is not None:
            body["ciudad_remitente"] = {"id": origin.id, "cod_dane": origin.cod_dane,
                                        "name": origin.name}
        optional = {"zip_code": zip_code, "colonia": colonia}
        body.update({k: v for k, v in optional.items() if v})
        if warehouse_id is not None:
            body["warehouse"] = {"id": warehouse_id}
        answer = self._call("POST", "orders/cotizaEnvioTransportadoraV2", json=body,
                            what=_("the shipping quote"), retry_transient=True)
        objects, _count = self._objects(answer)
        return [parse_quote(q) for q in (objects or []) if isinstance(q, dict)]

    @staticmethod
    def _quote_line(product: dict) -> dict:
        line = {"id": int(product["id"]), "quantity": int(product["quantity"]),
                "price": wire_amount(Decimal(str(product["price"]))),
                "type": product.get("type", "SIMPLE")}
        if product.get("weight") is not None:
            line["weight"] = wire_amount(Decimal(str(product["weight"])))
        return line

    def create_order(self, order: NewOrder) -> DropiOrder:
        """Create the order in Dropi (POST /orders/myorders). Never retried on errors: a second
        attempt could create it twice. Rate-limit rejections are retried (nothing was created)."""
        payload = self.order_payload(order)
        answer = self._call("POST", "orders/myorders", json=payload,
                            what=_("order %(id)s", id=order.shop_order_id),
                            retry_transient=False)
        data = self._single(answer)
        if data is None:
            raise DropiError(_("Dropi %(country)s accepted order %(id)s but did not say which "
                               "order it created; check Dropi before retrying.",
                               country=self.label, id=order.shop_order_id),
                             country=self.country)
        log.info("Dropi %s order %s created for %s", self.country, data.get("id"),
                 order.shop_order_id)
        return parse_order(data)

    def order_payload(self, order: NewOrder) -> dict:
        """The JSON body Dropi's order endpoint expects, with this country's quirks."""
        return order_payload(order, self.country)

    def get_order(self, order_id: int) -> DropiOrder:
        """One Dropi order with its status, carrier and guide (GET /orders/myorders/{id})."""
        answer = self._call("GET", f"orders/myorders/{int(order_id)}",
                            what=_("order %(id)s", id=order_id))
        data = self._single(answer)
        if data is None:
            raise DropiNotFound(_("Dropi %(country)s could not find order %(id)s.",
                                  country=self.label, id=order_id),
                                country=self.country, status=404)
        return parse_order(data)

    def list_orders(
        self,
        start: int = 0,
        page_size: int = 50,
        status: str | None = None,
        text: str | None = None,
        date_from: str | None = None,
        date_until: str | None = None,
    ) -> OrderPage:
        """Orders of this account, newest first (GET /orders/myorders; dates are YYYY-MM-DD)."""
        page_size = min(max(1, page_size), MAX_PAGE_SIZE)
        params: dict[str, Any] = {"result_number": page_size, "start": max(0, start),
                                  "orderBy": "id", "orderDirection": "desc"}
        if status:
            params["status"] = status
        if text:
            params["textToSearch"] = text
        # Dropi requires filter_date_by on this list, dates or not.
        params["filter_date_by"] = "FECHA DE CREADO"
        if date_from or date_until:
            params.update({k: v for k, v in (("from", date_from), ("untill", date_until)) if v})
        answer = self._call("GET", "orders/myorders", params=params, what=_("the orders"))
        objects, count = self._objects(answer)
        items = [parse_order(o) for o in objects or [] if isinstance(o, dict)]
        total = count if count is not None else start + len(items)
        return OrderPage(items=items, total=total, start=max(0, start), page_size=page_size)

    def changed_orders(self, date_from: str, date_until: str, start: int = 0,
                       page_size: int = MAX_PAGE_SIZE) -> OrderPage:
        """Orders whose status changed between two dates (YYYY-MM-DD), oldest id first, so an
        order entering the list never pushes an unread one back past a page already read: what
        a shipment poll reads (GET /orders/myorders, filter_date_by FECHA DE CAMBIO DE ESTATUS)."""
        return self._order_page({"filter_date_by": "FECHA DE CAMBIO DE ESTATUS",
                                 "from": date_from, "untill": date_until,
                                 "orderDirection": "asc"}, start, page_size)

    def created_orders(self, date_from: str, date_until: str, start: int = 0,
                       page_size: int = MAX_PAGE_SIZE) -> OrderPage:
        """Orders created between two dates (YYYY-MM-DD), oldest id first (so an order created
        meanwhile never pushes an unread one back past a page already read): what the search
        for orders placed outside the integration reads (filter_date_by FECHA DE CREADO)."""
        return self._order_page({"filter_date_by": "FECHA DE CREADO", "from": date_from,
                                 "untill": date_until, "orderDirection": "asc"}, start, page_size)

    def pending_incidents(self, start: int = 0, page_size: int = MAX_PAGE_SIZE) -> OrderPage:
        """Orders with a delivery incident (novedad) nobody solved yet."""
        return self._order_page({"filter_date_by": "FECHA DE CAMBIO DE ESTATUS",
                                 "haveIncidenceProcesamiento": "true",
                                 "issue_solved_by_parent_order": "false"}, start, page_size)

    def _order_page(self, filters: dict, start: int, page_size: int) -> OrderPage:
        page_size = min(max(1, page_size), MAX_PAGE_SIZE)
        params = {"result_number": page_size, "start": max(0, start), "orderBy": "id",
                  "orderDirection": "desc", **filters}
        answer = self._call("GET", "orders/myorders", params=params, what=_("the orders"))
        objects, count = self._objects(answer)
        items = [parse_order(o) for o in objects or [] if isinstance(o, dict)]
        total = count if count is not None else start + len(items)
        return OrderPage(items=items, total=total, start=max(0, start), page_size=page_size)

    def guide_pdf(self, carrier: str, sticker: str) -> bytes:
        """The shipping label of an order (GET /guias/{carrier}/{sticker} at the host root;
        Servientrega and Envia labels are both under "servientrega")."""
        folder = "servientrega" if carrier.lower().replace(" ", "") in (
            "servientrega", "envia") else carrier.lower().replace(" ", "")
        root = self.base_url.removesuffix("/integrations")
        what = _("the guide %(sticker)s", sticker=sticker)
        self._budget.acquire(self._sleep)
        response = self._send("GET", f"{root}/guias/{quote(folder, safe='')}/"
                              f"{quote(sticker, safe='')}", None, None, what, may_retry=False)
        if response is None or response.status_code != 200 or not response.content.startswith(
                b"%PDF"):
            status = response.status_code if response is not None else None
            if status == 404:
                raise DropiNotFound(_("Dropi %(country)s has no guide %(sticker)s.",
                                      country=self.label, sticker=sticker),
                                    country=self.country, status=404)
            raise DropiUnavailable(_("Dropi %(country)s did not send the guide %(sticker)s; "
                                     "try again in a few minutes.", country=self.label,
                                     sticker=sticker), country=self.country, status=status)
        return response.content

    def find_order_by_shop_order_id(self, shop_order_id: str, created_from: str,
                                    created_until: str) -> DropiOrder | None:
        """The order created with this shop_order_id between two dates (YYYY-MM-DD), or None.
        Dropi has no filter on shop_order_id, so the id is searched as text and the answer
        checked exactly; used before creating again after an answer was lost."""
        page = self.list_orders(page_size=MAX_PAGE_SIZE, text=shop_order_id,
                                date_from=created_from, date_until=created_until)
        return next((o for o in page.items if o.shop_order_id == str(shop_order_id)), None)

    def cancel_order(self, order_id: int) -> DropiOrder:
        """Cancel an order that has no shipping guide yet (PUT /orders/myorders/{id}
        {"status": "CANCELADO"}); Dropi refuses once the guide exists."""
        answer = self._call("PUT", f"orders/myorders/{int(order_id)}",
                            json={"status": "CANCELADO"},
                            what=_("order %(id)s", id=order_id), retry_transient=True)
        data = self._single(answer)
        if data is None:
            return self.get_order(order_id)
        return parse_order(data)
