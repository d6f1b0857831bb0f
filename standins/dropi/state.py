"""Everything the Dropi stand-in remembers, behind one lock: catalogs, accounts (tokens),
orders, the per-token request windows and the record of calls."""
from __future__ import annotations

import math
import random
import threading
import time
from typing import Callable

from standins.dropi import catalog, geography
from standins.dropi.tokens import Account


class ApiError(Exception):
    """An answer in Dropi's failure envelope."""

    def __init__(self, status: int, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors

    def body(self) -> dict:
        body = {"isSuccess": False, "status": self.status, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class DropiState:
    def __init__(self, *, seed: int, sizes: dict[str, int], clock: Callable[[], float]) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self._seed, self._sizes = seed, dict(sizes)
        self._catalogs: dict[str, dict[int, dict]] = {}
        self.accounts: dict[str, Account] = {}
        self.orders: dict[int, dict] = {}
        # Called with the order after every status change (incidents, the status webhook).
        self.status_listeners: list = []
        self.order_owners: dict[int, str] = {}
        self.next_order_id = 70001
        self.calls: list[dict] = []
        self._windows: dict[str, tuple[float, int]] = {}
        self.fail_next = 0
        self.failure_status = 503
        # Random faults: each API call fails with `failure_rate`, as one of `failure_kinds`
        # (an HTTP status, or "timeout": the call is carried out, then answered too late).
        self.failure_rate = 0.0
        self.failure_kinds: list = [429, 500, 503, "timeout"]
        self.slow_creates_next = 0
        self.fault_delay_seconds = 3.0
        self.latency_seconds = 0.0  # added to every API call (realistic network + server time)
        self.rng = random.Random(seed)

    # --- accounts ----------------------------------------------------------------------------

    def add_account(self, account: Account) -> Account:
        with self.lock:
            self.accounts[account.token] = account
        return account

    def account_for(self, token: str | None, country: str) -> Account | None:
        account = self.accounts.get(token or "")
        return account if account is not None and account.country == country else None

    # --- rate limit --------------------------------------------------------------------------

    def hit(self, token: str, limit: int | None, window: float) -> tuple[int, float] | None:
        """Count a request like Laravel's throttle (fixed window from the first hit).

        Returns None when allowed, else (limit, seconds until the window resets)."""
        if not limit:
            return None
        with self.lock:
            now = self.clock()
            started, count = self._windows.get(token, (now, 0))
            if now - started >= window:
                started, count = now, 0
            if count >= limit:
                return limit, max(1.0, math.ceil(started + window - now))
            self._windows[token] = (started, count + 1)
            return None

    def remaining(self, token: str, limit: int) -> int:
        with self.lock:
            return max(0, limit - self._windows.get(token, (0.0, 0))[1])

    # --- products ----------------------------------------------------------------------------

    def catalog(self, country: str) -> dict[int, dict]:
        """The country's products, built on first use."""
        with self.lock:
            if country not in self._catalogs:
                if country not in geography.COUNTRIES:
                    raise ApiError(404, "Dropi no opera en ese país")
                self._catalogs[country] = catalog.build_catalog(
                    country, self._sizes.get(country), self._seed)
            return self._catalogs[country]

    def product(self, country: str, product_id) -> dict:
        try:
            product = self.catalog(country)[int(product_id)]
        except (KeyError, TypeError, ValueError):
            raise ApiError(404, "Producto no encontrado") from None
        if product.get("_withdrawn"):  # made private to other stores (see drift.py)
            raise ApiError(404, "Producto no encontrado")
        return product

    def set_stock(self, country: str, product_id, stock: int, warehouse_id=None,
                  variation_id=None) -> dict:
        """Set the stock of one warehouse row (the first when none is named)."""
        with self.lock:
            product = self.product(country, product_id)
            rows = product.get("warehouse_product") or []
            if product.get("variations"):
                variation = next((v for v in product["variations"]
                                  if variation_id is None or v["id"] == int(variation_id)), None)
                if variation is None:
                    raise ApiError(404, "Variación no encontrada")
                rows = variation["warehouse_product_variation"]
            row = next((r for r in rows if warehouse_id is None
                        or r["warehouse_id"] == int(warehouse_id)), None)
            if row is None:
                raise ApiError(404, "El producto no está en esa bodega")
            row["stock"] = max(0, int(stock))
            catalog.refresh_stock(product)
            return product

    # --- calls -------------------------------------------------------------------------------

    def record(self, call: dict) -> None:
        with self.lock:
            self.calls.append(call)

    def take_fault(self, creating_order: bool = False) -> int | str | None:
        """The fault this call suffers: an HTTP status, "timeout" or None."""
        with self.lock:
            if creating_order and self.slow_creates_next > 0:
                self.slow_creates_next -= 1
                return "timeout"
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.failure_status
            if self.failure_rate and self.rng.random() < self.failure_rate:
                return self.rng.choice(self.failure_kinds)
            return None


def wall_clock() -> float:
    return time.time()
