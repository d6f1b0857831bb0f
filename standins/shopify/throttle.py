"""The Admin API's leaky bucket, one per shop and app: a request may start only when the bucket
holds its requested cost; the difference to the actual cost is given back afterwards; the
bucket refills continuously at the restore rate. The clock is injectable so tests can wind it."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

# (bucket size, restore rate per second)
PRESETS: dict[str, tuple[float, float]] = {
    # The "Standard: 1,000 points, 50/s" table the project's brief was written against.
    "legacy": (1000.0, 50.0),
    # Today's published restore rates (bucket = 20 s of restore).
    "standard": (2000.0, 100.0),
    "advanced": (4000.0, 200.0),
    "plus": (20000.0, 1000.0),
    "enterprise": (40000.0, 2000.0),
}
DEFAULT_PRESET = "standard"


@dataclass(frozen=True)
class ThrottleConfig:
    bucket_size: float
    restore_rate: float

    @classmethod
    def preset(cls, name: str) -> "ThrottleConfig":
        if name not in PRESETS:
            raise ValueError(f"unknown throttle preset {name!r}; use one of {sorted(PRESETS)}")
        size, rate = PRESETS[name]
        return cls(size, rate)

    @classmethod
    def for_plan(cls, plan: str) -> "ThrottleConfig":
        return cls.preset(plan if plan in PRESETS else DEFAULT_PRESET)


class LeakyBucket:
    """Points available to one app on one shop."""

    def __init__(self, config: ThrottleConfig, clock: Callable[[], float] = time.monotonic):
        self._lock = threading.Lock()
        self._clock = clock
        self.config = config
        self._available = float(config.bucket_size)
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._available = min(self.config.bucket_size,
                              self._available + elapsed * self.config.restore_rate)

    def reconfigure(self, config: ThrottleConfig) -> None:
        with self._lock:
            self._refill()
            self.config = config
            self._available = min(self._available, config.bucket_size)

    def try_spend(self, cost: float) -> bool:
        """Take `cost` points if the bucket holds them; False (nothing taken) otherwise."""
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, points: float) -> None:
        with self._lock:
            self._refill()
            self._available = min(self.config.bucket_size, self._available + max(0.0, points))

    def drain(self, points: float | None = None) -> None:
        """Empty the bucket (or take `points`), as a busy neighbour app would."""
        with self._lock:
            self._refill()
            self._available = 0.0 if points is None else max(0.0, self._available - points)

    def status(self) -> dict:
        """`throttleStatus` exactly as Shopify spells it (floats for the limits, int available)."""
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": float(self.config.bucket_size),
                "currentlyAvailable": int(self._available),
                "restoreRate": float(self.config.restore_rate),
            }


class Throttles:
    """All buckets of a store, keyed by (shop domain, app id)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 default: ThrottleConfig | None = None):
        self._lock = threading.Lock()
        self._clock = clock
        self._buckets: dict[tuple[str, str], LeakyBucket] = {}
        self._default = default  # None: each shop's plan decides
        self._per_shop: dict[str, ThrottleConfig] = {}

    def bucket(self, shop_domain: str, app_id: str, plan: str) -> LeakyBucket:
        with self._lock:
            key = (shop_domain, app_id)
            if key not in self._buckets:
                self._buckets[key] = LeakyBucket(self._config_for(shop_domain, plan), self._clock)
            return self._buckets[key]

    def _config_for(self, shop_domain: str, plan: str) -> ThrottleConfig:
        return (self._per_shop.get(shop_domain) or self._default
                or ThrottleConfig.for_plan(plan))

    def configure(self, *, shop_domain: str | None = None, preset: str | None = None,
                  bucket_size: float | None = None, restore_rate: float | None = None,
                  plan: str = DEFAULT_PRESET) -> ThrottleConfig:
        """Set the bucket size and/or restore rate for one shop (or every shop)."""
        with self._lock:
            base = ThrottleConfig.preset(preset) if preset else (
                self._config_for(shop_domain, plan) if shop_domain else
                self._default or ThrottleConfig.for_plan(plan))
            config = ThrottleConfig(float(bucket_size or base.bucket_size),
                                    float(restore_rate or base.restore_rate))
            if config.bucket_size <= 0 or config.restore_rate <= 0:
                raise ValueError("bucket_size and restore_rate must be positive")
            if shop_domain:
                self._per_shop[shop_domain] = config
            else:
                self._default = config
                self._per_shop.clear()
            for (domain, _app), bucket in self._buckets.items():
                if shop_domain in (None, domain):
                    bucket.reconfigure(config)
            return config
