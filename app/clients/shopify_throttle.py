"""Process-wide estimate of each shop's GraphQL cost bucket (Shopify's leaky bucket)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_OPERATION_COST = 50.0
# A single pre-emptive or THROTTLED wait never exceeds this; Shopify's slowest plan refills
# a full 1000-point bucket in 20 s, so a longer computed wait means a bad reading.
MAX_BUCKET_WAIT = 60.0
_EPSILON = 1e-6  # float refill arithmetic must not turn "just enough" into a tiny extra wait


@dataclass
class BucketReading:
    maximum: float
    available: float
    restore_rate: float
    at: float  # clock time the reading applies to


def throttle_wait(cost: dict[str, Any] | None) -> float | None:
    """Seconds until the bucket can afford the refused request, from a THROTTLED answer."""
    if not isinstance(cost, dict):
        return None
    status = cost.get("throttleStatus") or {}
    try:
        requested = float(cost["requestedQueryCost"])
        available = float(status["currentlyAvailable"])
        rate = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if rate <= 0 or requested <= available:
        return None
    return min(MAX_BUCKET_WAIT, (requested - available) / rate)


@dataclass
class Reservation:
    """Points set aside for one request until its answer (or its failure) settles them."""

    shop: str
    wait: float
    points: float
    settled: bool = False


class ThrottleState:
    """Thread-safe bucket readings per shop domain and the last requested cost per operation.

    ``reserve`` is called before each request: it refills the last reading by the restore
    rate, says how long to wait until the operation's expected cost is affordable and
    debits that cost, so concurrent threads of one process queue behind each other instead
    of all spending the same points. ``record`` replaces the estimate with Shopify's figures,
    less what requests still in flight have reserved: Shopify's reading does not know them yet.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, BucketReading] = {}
        self._costs: dict[str, float] = {}
        self._in_flight: dict[str, float] = {}

    def expected_cost(self, operation: str) -> float:
        """The last requestedQueryCost seen for ``operation``, else a default of 50 points."""
        with self._lock:
            return self._costs.get(operation, DEFAULT_OPERATION_COST)

    def reading(self, shop: str) -> BucketReading | None:
        with self._lock:
            return self._buckets.get(shop)

    def reserve(self, shop: str, operation: str) -> Reservation:
        """Set aside ``operation``'s expected cost; ``.wait`` is how long to wait before sending."""
        with self._lock:
            bucket = self._buckets.get(shop)
            if bucket is None or bucket.restore_rate <= 0:
                return Reservation(shop, 0.0, 0.0, settled=True)
            cost = min(self._costs.get(operation, DEFAULT_OPERATION_COST), bucket.maximum)
            self._in_flight[shop] = self._in_flight.get(shop, 0.0) + cost
            now = self._clock()
            estimate = min(
                bucket.maximum, bucket.available + (now - bucket.at) * bucket.restore_rate
            )
            if estimate + _EPSILON >= cost:
                bucket.available, bucket.at = estimate - cost, now
                return Reservation(shop, 0.0, cost)
            wait = min(MAX_BUCKET_WAIT, (cost - estimate) / bucket.restore_rate)
            # Once the wait is over the bucket holds exactly the cost, which the request spends.
            bucket.available, bucket.at = 0.0, now + wait
            return Reservation(shop, wait, cost)

    def record(self, shop: str, operation: str, cost: dict[str, Any] | None,
               reservation: Reservation | None = None) -> None:
        """Store ``extensions.cost`` from a response: the bucket reading and the operation cost."""
        with self._lock:
            self._settle(reservation)
            if not isinstance(cost, dict):
                return
            status = cost.get("throttleStatus") or {}
            requested = cost.get("requestedQueryCost")
            if isinstance(requested, (int, float)):
                self._costs[operation] = float(requested)
            try:
                reported = float(status["currentlyAvailable"])
                self._buckets[shop] = BucketReading(
                    maximum=float(status["maximumAvailable"]),
                    available=reported - self._in_flight.get(shop, 0.0),
                    restore_rate=float(status["restoreRate"]),
                    at=self._clock(),
                )
            except (KeyError, TypeError, ValueError):
                return

    def release(self, reservation: Reservation) -> None:
        """Settle a reservation whose request got no cost reading (a transport or HTTP error)."""
        with self._lock:
            self._settle(reservation)

    def _settle(self, reservation: Reservation | None) -> None:
        if reservation is None or reservation.settled:
            return
        reservation.settled = True
        left = self._in_flight.get(reservation.shop, 0.0) - reservation.points
        self._in_flight[reservation.shop] = max(0.0, left)

    def forget(self, shop: str) -> None:
        """Drop the reading of ``shop`` (e.g. after uninstall)."""
        with self._lock:
            self._buckets.pop(shop, None)
            self._in_flight.pop(shop, None)


SHARED_THROTTLE = ThrottleState()
