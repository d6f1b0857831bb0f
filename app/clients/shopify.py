"""Shopify Admin GraphQL client: auth header, timeout, throttling, retries and error mapping.

Operations live in app/graphql/<name>.graphql and are called by name::

    client = ShopifyClient(shop, base_url=..., api_version="2026-10", access_token=lambda: token)
    shop = client.query("shop_details")["shop"]
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import requests

from app.clients.http import backoff_delay, retry_after_seconds
from app.clients.shopify_errors import (
    STATUS_ERRORS,
    ShopifyError,
    ShopifyForbidden,
    ShopifyGraphQLError,
    ShopifyLocked,
    ShopifyNotFound,
    ShopifyServerError,
    ShopifyShopFrozen,
    ShopifyThrottled,
    ShopifyTransportError,
    ShopifyUnauthorized,
    ShopifyUserErrors,
    collect_user_errors,
    error_for_graphql,
    error_for_status,
)
from app.clients.shopify_throttle import SHARED_THROTTLE, Reservation, ThrottleState, throttle_wait
from app.graphql import OPERATIONS_DIR, load_operation, operation_kind
from app.metrics import SHOPIFY_THROTTLE_WAIT_SECONDS, record_shopify_cost

__all__ = [
    "OPERATIONS_DIR", "PAGE_SIZE", "STATUS_ERRORS", "ShopifyClient", "ShopifyError",
    "ShopifyForbidden", "ShopifyGraphQLError", "ShopifyLocked", "ShopifyNotFound",
    "ShopifyServerError", "ShopifyShopFrozen", "ShopifyThrottled", "ShopifyTransportError",
    "ShopifyUnauthorized", "ShopifyUserErrors", "ThrottleState", "load_operation",
]

log = logging.getLogger(__name__)

PAGE_SIZE = 250
USER_AGENT = "dropi-ecomdrop-connector (Shopify Admin GraphQL)"
DEPRECATION_HEADER = "X-Shopify-API-Deprecated-Reason"

_deprecations_logged: set[str] = set()
_deprecations_lock = threading.Lock()


class ShopifyClient:
    """Calls the Admin GraphQL API of one shop with operations from app/graphql/."""

    def __init__(
        self,
        shop_domain: str,
        *,
        base_url: str,
        api_version: str,
        access_token: Callable[[], str],
        on_unauthorized: Callable[[], str] | None = None,
        timeout: float = 10.0,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 5,
        throttle: ThrottleState | None = None,
        operations_dir: Path = OPERATIONS_DIR,
    ) -> None:
        self.shop_domain = shop_domain
        self.endpoint = f"{base_url.rstrip('/')}/admin/api/{api_version}/graphql.json"
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.last_cost: dict[str, Any] | None = None
        # What this client has spent, for callers that report it (the sync runs).
        self.requests_made = 0
        self.cost_points_used = 0.0
        self._access_token = access_token
        self._on_unauthorized = on_unauthorized
        self._http = http or requests.Session()
        self._sleep = sleep
        self._throttle = throttle or SHARED_THROTTLE
        self._operations_dir = operations_dir

    @classmethod
    def for_settings(cls, settings, shop_domain: str, *, access_token: Callable[[], str],
                     on_unauthorized: Callable[[], str] | None = None,
                     **kwargs) -> ShopifyClient:
        """A client for `shop_domain` wired from Settings: the shop's base URL (the stand-in's
        when configured), the pinned API version and the timeout."""
        kwargs.setdefault("timeout", settings.http_timeout_seconds)
        return cls(shop_domain, base_url=settings.shop_base_url(shop_domain),
                   api_version=settings.shopify_api_version, access_token=access_token,
                   on_unauthorized=on_unauthorized, **kwargs)

    def query(self, name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run query ``name`` and return its ``data``; retried on throttling, 5xx and timeouts."""
        if operation_kind(name, self._operations_dir) != "query":
            raise ValueError(f"{name} is a mutation; call mutate() so it is not retried blindly.")
        return self._data(self._execute(name, variables, retryable=True), name)

    def mutate(
        self,
        name: str,
        variables: dict[str, Any] | None = None,
        *,
        payload: str | None = None,
        idempotent: bool = False,
    ) -> dict[str, Any]:
        """Run mutation ``name`` and return its payload object (``data[payload]``).

        ``payload`` defaults to the mutation's only root field. Any ``userErrors`` (or
        ``*UserErrors``) in the answer raise ShopifyUserErrors. After a 5xx or a timeout the
        mutation may already have run, so it is repeated only when ``idempotent`` is True.
        """
        if operation_kind(name, self._operations_dir) != "mutation":
            raise ValueError(f"{name} is a query; call query() instead.")
        data = self._data(self._execute(name, variables, retryable=idempotent), name)
        user_errors = collect_user_errors(data)
        if user_errors:
            log.warning("Shopify %s for %s refused: %s", name, self.shop_domain, user_errors)
            raise ShopifyUserErrors(user_errors, shop=self.shop_domain, operation=name)
        key = payload or _only_root_field(data, name)
        result = data.get(key)
        if not isinstance(result, dict):
            raise ShopifyGraphQLError(
                f"the answer has no {key!r} object", shop=self.shop_domain, operation=name
            )
        return result

    def paginate(
        self,
        name: str,
        variables: dict[str, Any] | None = None,
        path: tuple[str, ...] = ("products",),
    ) -> Iterator[dict[str, Any]]:
        """Yield every node of the connection at ``path``, following ``pageInfo.endCursor``.

        The operation declares ``$first`` and ``$after``; ``first`` defaults to 250.
        A null object on the path (e.g. a product that does not exist) yields nothing.
        """
        variables = {"first": PAGE_SIZE, **(variables or {})}
        seen: set[str] = set()
        while True:
            connection = _connection_at(self.query(name, variables), path, name)
            if connection is None:
                return
            yield from _nodes(connection)
            info = connection.get("pageInfo") or {}
            cursor = info.get("endCursor")
            if not info.get("hasNextPage") or not cursor:
                return
            if cursor in seen:
                raise ShopifyGraphQLError(
                    f"Shopify repeated the cursor {cursor!r}", shop=self.shop_domain, operation=name
                )
            seen.add(cursor)
            variables["after"] = cursor

    def _execute(self, name: str, variables: dict[str, Any] | None, *, retryable: bool) -> dict:
        text = load_operation(name, self._operations_dir)
        body = json.dumps({"query": text, "variables": variables or {}}, default=_json_value)
        attempt, token, refreshed = 0, None, False
        while True:
            attempt += 1
            reservation = self._throttle.reserve(self.shop_domain, name)
            self._pause(reservation.wait, name, "cost bucket low", throttled=True)
            try:
                return self._send_once(name, body, token, reservation)
            except ShopifyUnauthorized:
                if refreshed or self._on_unauthorized is None:
                    log.warning("Shopify refused the token of %s: re-authorization needed",
                                self.shop_domain)
                    raise
                log.info("Shopify refused the token of %s; refreshing it once", self.shop_domain)
                token, refreshed = self._on_unauthorized(), True
                attempt -= 1  # a refreshed token is a new start, not a failed attempt
            except ShopifyError as exc:
                delay = self._retry_delay(exc, attempt, retryable)
                if delay is None:
                    log.warning("Shopify %s for %s failed: %s", name, self.shop_domain, exc)
                    raise
                self._pause(delay, name, f"attempt {attempt} failed: {exc.detail[:120]}",
                            throttled=isinstance(exc, ShopifyThrottled))
            finally:
                self._throttle.release(reservation)

    def _retry_delay(self, exc: ShopifyError, attempt: int, retryable: bool) -> float | None:
        if attempt >= self.max_attempts:
            return None
        # Throttled requests were refused before they ran, so even mutations are safe to repeat.
        if isinstance(exc, ShopifyThrottled):
            if exc.bucket_wait is not None:
                return exc.bucket_wait
            return backoff_delay(attempt, retry_after=exc.retry_after)
        if retryable and isinstance(exc, (ShopifyServerError, ShopifyTransportError)):
            return backoff_delay(attempt, retry_after=exc.retry_after)
        return None

    def _pause(self, seconds: float, name: str, why: str, *, throttled: bool = False) -> None:
        if seconds > 0:
            if throttled:
                SHOPIFY_THROTTLE_WAIT_SECONDS.labels(shop=self.shop_domain).inc(seconds)
            log.info("Shopify %s for %s waits %.2fs (%s)", name, self.shop_domain, seconds, why)
            self._sleep(seconds)

    def _send_once(self, name: str, body: str, token: str | None,
                   reservation: Reservation | None = None) -> dict[str, Any]:
        context = {"shop": self.shop_domain, "operation": name}
        headers = {
            "X-Shopify-Access-Token": token or self._access_token(),
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        try:
            response = self._http.post(self.endpoint, data=body, headers=headers,
                                       timeout=self.timeout)
        except requests.RequestException as exc:
            raise ShopifyTransportError(f"{type(exc).__name__} calling Shopify", **context) from exc
        self._note_deprecation(name, response)
        if not 200 <= response.status_code < 300:
            error = error_for_status(response.status_code, response.text, **context)
            error.retry_after = retry_after_seconds(response)
            raise error
        return self._checked_payload(name, response, context, reservation)

    def _checked_payload(self, name: str, response: requests.Response, context: dict,
                         reservation: Reservation | None = None) -> dict:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise ShopifyServerError("the answer is not a JSON object", **context)
        cost = (payload.get("extensions") or {}).get("cost")
        self._throttle.record(self.shop_domain, name, cost, reservation)
        record_shopify_cost(self.shop_domain, cost)
        self.last_cost = cost
        self.requests_made += 1
        self.cost_points_used += _points(cost)
        errors = payload.get("errors")
        if errors:
            error = error_for_graphql(errors if isinstance(errors, list) else
                                      [{"message": str(errors)}], **context)
            error.bucket_wait = throttle_wait(cost)
            raise error
        self._log_cost(name, cost)
        return payload

    def _log_cost(self, name: str, cost: Any) -> None:
        cost = cost if isinstance(cost, dict) else {}
        bucket = cost.get("throttleStatus") or {}
        log.info(
            "Shopify %s for %s: cost %s (requested %s), bucket %s/%s",
            name, self.shop_domain, cost.get("actualQueryCost"), cost.get("requestedQueryCost"),
            bucket.get("currentlyAvailable"), bucket.get("maximumAvailable"),
        )

    def _note_deprecation(self, name: str, response: requests.Response) -> None:
        reason = response.headers.get(DEPRECATION_HEADER)
        if not reason:
            return
        with _deprecations_lock:
            if name in _deprecations_logged:
                return
            _deprecations_logged.add(name)
        log.warning("Shopify deprecation in operation %s (shop %s): %s",
                    name, self.shop_domain, reason)

    def _data(self, payload: dict[str, Any], name: str) -> dict[str, Any]:
        data = payload.get("data")
        if not isinstance(data, dict):
            raise ShopifyGraphQLError("the answer has no data", shop=self.shop_domain,
                                      operation=name)
        return data


def _points(cost: Any) -> float:
    """The points a call cost: the actual cost when Shopify reports it, else the requested one."""
    if not isinstance(cost, dict):
        return 0.0
    value = cost.get("actualQueryCost")
    if value is None:
        value = cost.get("requestedQueryCost")
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _only_root_field(data: dict[str, Any], name: str) -> str:
    if len(data) != 1:
        raise ValueError(f"{name} selects {len(data)} root fields; pass payload= to pick one.")
    return next(iter(data))


def _connection_at(data: dict[str, Any], path: tuple[str, ...], name: str) -> dict | None:
    value: Any = data
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise ValueError(f"{name} has no field {'.'.join(path)} to paginate")
        value = value[key]
        if value is None:
            return None
    return value


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    if "nodes" in connection:
        return connection["nodes"] or []
    return [edge["node"] for edge in connection.get("edges") or []]


def _json_value(value: Any) -> Any:
    """JSON for values Python's encoder refuses: Decimal money stays exact as a string."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be sent to Shopify")
