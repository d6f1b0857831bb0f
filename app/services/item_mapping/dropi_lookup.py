"""Which Dropi product and variation a Shopify SKU (or barcode) names.

The SKUs the Dropi plugin scheme writes (`DROPI-{productId}` for a simple product,
`DROPI-{productId}-DV{variationId}` for a variation) name them outright, without asking Dropi.
Any other code is searched at Dropi (`/products/index` with the code as keywords; for a
variation SKU such as `CO1234-ROJ-S`, whose product Dropi's search finds by its own SKU, the
first part of the code is searched too), and kept only on an exact SKU match. Each search is
asked once per run and the number of Dropi requests a run may make is bounded: past it, the
codes left are looked up on the next run."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from app.clients.dropi import DropiClient, DropiNotFound, DropiProduct
from app.services.product_import.plan import SIMPLE_KEY, fold

PLUGIN_SKU = re.compile(r"^DROPI-(\d{1,18})(?:-DV(\d{1,18}))?$", re.IGNORECASE)
STEM = re.compile(r"^([^-_\s/.]{3,})[-_\s/.]")
SEARCH_PAGE = 50
DEFAULT_MAX_REQUESTS = 300

FOUND, NOT_FOUND, AMBIGUOUS = "found", "not_found", "ambiguous"


class LookupBudgetSpent(Exception):
    """The run used the Dropi requests it may use; the rest waits for the next run."""


@dataclass(frozen=True)
class DropiMatch:
    product_id: str
    variation_key: str  # "" for a simple product
    product_name: str = ""


@dataclass(frozen=True)
class Resolution:
    outcome: str  # FOUND, NOT_FOUND or AMBIGUOUS
    match: DropiMatch | None = None


@dataclass
class DropiLookup:
    """Resolves codes against one Dropi account, caching every answer for the run."""

    dropi: DropiClient
    max_requests: int = DEFAULT_MAX_REQUESTS
    requests: int = 0
    seconds: float = 0.0  # spent waiting for Dropi's answers
    _searches: dict[str, list[DropiProduct]] = field(default_factory=dict)
    _products: dict[int, DropiProduct | None] = field(default_factory=dict)
    _resolved: dict[str, Resolution] = field(default_factory=dict)

    def resolve(self, code: str) -> Resolution:
        """What `code` names at Dropi; raises LookupBudgetSpent when Dropi must be asked but
        the run's requests are spent."""
        plugin = PLUGIN_SKU.match(code.strip())
        if plugin:  # most codes of a store imported with the plugin: no folding, no cache
            return Resolution(FOUND, DropiMatch(plugin.group(1), plugin.group(2) or SIMPLE_KEY))
        key = fold(code)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(code.strip())
        return self._resolved[key]

    def _resolve(self, code: str) -> Resolution:
        matches = self._exact(code, self._search(code))
        stem = STEM.match(code)
        if not matches and stem and fold(stem.group(1)) != fold(code):
            matches = self._exact(code, self._search(stem.group(1)))
        if len(matches) == 1:
            return Resolution(FOUND, matches[0])
        return Resolution(AMBIGUOUS if matches else NOT_FOUND)

    def _exact(self, code: str, products: list[DropiProduct]) -> list[DropiMatch]:
        wanted, found = fold(code), {}
        for product in products:
            if product.is_variable and not product.variations:
                product = self._product(product.id) or product
            if not product.is_variable and fold(product.sku) == wanted:
                found[(product.id, SIMPLE_KEY)] = product.name
            for variation in product.variations:
                if fold(variation.sku) == wanted:
                    found[(product.id, str(variation.id))] = product.name
        return [DropiMatch(str(pid), key, name) for (pid, key), name in found.items()]

    def _search(self, keywords: str) -> list[DropiProduct]:
        key = fold(keywords)
        if key not in self._searches:
            self._spend()
            started = time.monotonic()
            try:
                self._searches[key] = self.dropi.list_products(
                    page_size=SEARCH_PAGE, keywords=keywords).items
            finally:
                self.seconds += time.monotonic() - started
        return self._searches[key]

    def _product(self, product_id: int) -> DropiProduct | None:
        if product_id not in self._products:
            self._spend()
            started = time.monotonic()
            try:
                self._products[product_id] = self.dropi.get_product(product_id)
            except DropiNotFound:
                self._products[product_id] = None
            finally:
                self.seconds += time.monotonic() - started
        return self._products[product_id]

    def _spend(self) -> None:
        if self.requests >= self.max_requests:
            raise LookupBudgetSpent()
        self.requests += 1
