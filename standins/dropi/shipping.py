"""What happens to a Dropi order after it is created, on the stand-in: the carrier moves it
through realistic statuses over time, sometimes reports a delivery incident (novedad) that is
later solved or ends in a return, the guide PDF is served, and every status change is POSTed
to the platform's status webhook, unsigned, as Dropi does (dropi-integration-facts §5).

Speed: `seconds_per_step` (0 = off, the tests' default: they move orders by hand through the
control routes). Which orders meet an incident is decided by their id, so runs repeat.
"""
from __future__ import annotations

import logging
import queue
import threading
from datetime import datetime, timezone

import requests

from standins.dropi import orders
from standins.dropi.state import ApiError, DropiState

log = logging.getLogger(__name__)

# The usual road of a parcel after the guide, as carriers report it (facts §4).
ROAD = ["PENDIENTE CONFIRMACION", "PENDIENTE", "GUIA_GENERADA", "PREPARADO PARA TRANSPORTADORA",
        "DESPACHADA", "EN TRANSITO", "EN BODEGA DESTINO", "EN REPARTO", "ENTREGADO"]
INCIDENT_TEXTS = ["DIRECCION ERRADA", "CLIENTE AUSENTE", "NO CANCELA EL VALOR DEL PEDIDO",
                  "BARRIO NO CUBIERTO"]
COUNTRY_NAMES = {"CO": "COLOMBIA", "MX": "MEXICO", "CL": "CHILE", "PE": "PERU", "EC": "ECUADOR",
                 "PA": "PANAMA", "PY": "PARAGUAY", "GT": "GUATEMALA", "AR": "ARGENTINA",
                 "ES": "ESPAÑA"}


def incident_fate(order_id: int) -> str | None:
    """One order in five meets an incident at delivery; one in three of those is returned."""
    if order_id % 5:
        return None
    return "return" if order_id % 3 == 0 else "solved"


def next_status(order: dict) -> str | None:
    """Where the carrier takes an order on its next step (None: it is finished)."""
    status = order["status"]
    if status in orders.FINAL or status in orders.CANCELLED:
        return None
    if status == "NOVEDAD":
        return "DEVOLUCION" if incident_fate(order["id"]) == "return" else "NOVEDAD SOLUCIONADA"
    if status == "NOVEDAD SOLUCIONADA":
        return "ENTREGADO"
    if status == "EN REPARTO" and incident_fate(order["id"]) and not order.get("_incidence"):
        return "NOVEDAD"
    if status in ROAD:
        return ROAD[ROAD.index(status) + 1]
    return "EN TRANSITO"  # a carrier status off the usual road: back on it


def record_incident(order: dict, status: str) -> None:
    """NOVEDAD opens an incident with the carrier's text; NOVEDAD SOLUCIONADA, a delivery or a
    return closes it."""
    now = orders._now()
    if status == "NOVEDAD":
        text = INCIDENT_TEXTS[order["id"] // 5 % len(INCIDENT_TEXTS)]
        order["_incidence"] = {"text": text, "at": now, "solved": False}
        order["novedad_servientrega"] = text
        order["last_incidence_at"] = now
    elif order.get("_incidence") and status in ("NOVEDAD SOLUCIONADA", "ENTREGADO",
                                                "DEVOLUCION"):
        order["_incidence"]["solved"] = True


def has_open_incidence(order: dict) -> bool:
    return bool(order.get("_incidence")) and not order["_incidence"]["solved"]


def change_guide(state: DropiState, order_id: int) -> dict:
    """The carrier re-issues the guide (another number, maybe another carrier)."""
    with state.lock:
        order = orders._order(state, order_id)
        if not order["shipping_guide"]:
            raise ApiError(422, f"La orden {order_id} no tiene guía")
        order["_guide_version"] = order.get("_guide_version", 0) + 1
        orders._assign_guide(order)
        order["shipping_guide"] = f"{order['shipping_guide']}-{order['_guide_version']}"
        order["updated_at"] = orders._now()
        return order


def guide_pdf(state: DropiState, token: str, carrier: str, sticker: str) -> bytes:
    """The label of one of the token's orders, as a small PDF (404 for anyone else's)."""
    with state.lock:
        order = next((o for o in state.orders.values() if o["sticker"] == sticker
                      and state.order_owners.get(o["id"]) == token), None)
        if order is None or _carrier_path(order["shipping_company"]) != carrier:
            raise ApiError(404, "Guía no encontrada")
        order["guide_was_downloaded"] = True
        return _pdf(f"GUIA {order['shipping_guide']} {order['shipping_company']} "
                    f"ORDEN {order['id']}")


def _carrier_path(company: str | None) -> str:
    # Servientrega and Envia labels both live under "servientrega" (facts §4).
    name = (company or "").lower().replace(" ", "")
    return "servientrega" if name in ("servientrega", "envia") else name


def _pdf(text: str) -> bytes:
    stream = f"BT /F1 14 Tf 40 780 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return body


def webhook_payload(state: DropiState, order: dict) -> dict:
    """The body Dropi POSTs to the platform's webhook URL (facts §5)."""
    account = next((a for a in state.accounts.values()
                    if a.token == state.order_owners.get(order["id"])), None)
    return {
        "id": order["id"], "status": order["status"], "supplier_id": order.get("supplier_id"),
        "dir": order.get("dir"), "phone": order.get("phone"), "email": order.get("client_email"),
        "created_at": order["created_at"], "type": order.get("type") or "FINAL_ORDER",
        "total_order": str(order["total_order"]), "notes": order.get("notes"),
        "name": order.get("name"), "surname": order.get("surname"),
        "country": COUNTRY_NAMES.get(order["_country"], order["_country"]),
        "state": order.get("state"), "city": order.get("city"),
        "zip_code": order.get("zip_code"), "rate_type": order.get("rate_type"),
        "shipping_company": order["shipping_company"], "shipping_guide": order["shipping_guide"],
        "sticker": order["sticker"], "seller_id": account.user_id if account else None,
        "shop_order_id": order.get("shop_order_id"), "shop_id": account.user_id if account
        else None, "shop_order_number": order.get("shop_order_id"),
        "warehouse_id": None, "dni_type": None, "dni": None, "colonia": None,
        "external_id": None,
        "shop": {"id": account.user_id if account else None, "user_id":
                 account.user_id if account else None,
                 "name": account.store_name if account else None, "type": "SHOPIFY"},
        "orderdetails": [{"product_id": d["product"]["id"], "variation_id": d["variation_id"],
                          "quantity": f"{d['quantity']}.00", "price": f"{d['price']}",
                          "product": d["product"]} for d in order["orderdetails"]],
    }


class StatusWebhook:
    """Delivers status changes to one URL in the background; a failed delivery is dropped
    after a few tries (Dropi documents no retries, so the platform must also poll)."""

    def __init__(self, url: str | None = None, attempts: int = 3):
        self.url, self.attempts = url, attempts
        self.sent: list[dict] = []
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def send(self, payload: dict) -> None:
        if not self.url:
            return
        self._queue.put((self.url, payload))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="dropi-status-webhook")
                self._thread.start()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = datetime.now(timezone.utc).timestamp() + timeout
        while datetime.now(timezone.utc).timestamp() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            threading.Event().wait(0.02)
        return False

    def _run(self) -> None:
        http = requests.Session()
        while True:
            try:
                url, payload = self._queue.get(timeout=5)
            except queue.Empty:
                return
            status = None
            for _attempt in range(self.attempts):
                try:
                    status = http.post(url, json=payload, timeout=10).status_code
                    if status < 500:
                        break
                except requests.RequestException:
                    status = None
            self.sent.append({"order": payload["id"], "status": payload["status"],
                              "answer": status})
            self._queue.task_done()


class Carrier:
    """Moves every unfinished order one step each `seconds_per_step` (0: stopped)."""

    def __init__(self, state: DropiState, seconds_per_step: float = 0.0):
        self.state = state
        self.seconds_per_step = seconds_per_step
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True, name="dropi-carrier")
            self._thread.start()

    def step_all(self) -> int:
        """Advance every order that can move; returns how many moved."""
        moved = 0
        with self.state.lock:
            for order in list(self.state.orders.values()):
                status = next_status(order)
                if status is not None:
                    orders.set_status(self.state, order["id"], status)
                    moved += 1
        return moved

    def _run(self) -> None:
        while not self._stop.is_set():
            wait = self.seconds_per_step
            if wait <= 0:
                self._stop.wait(1.0)
                continue
            self._stop.wait(wait)
            try:
                self.step_all()
            except Exception:  # noqa: BLE001 - the carrier thread keeps going
                log.exception("stand-in carrier step failed")
