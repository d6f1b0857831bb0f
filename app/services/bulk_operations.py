"""Shopify bulk queries: start one (or reuse the same query already running), wait for it (the
`bulk_operations/finish` webhook, polling `bulkOperation(id:)` as the fallback), then stream its
JSONL result over HTTP line by line and hand back each root object with its descendants.

    query = BulkQuery(shopify, "bulk_catalogue_variants")
    for product, variants in query.records():
        ...

The query is an operation file in app/graphql/. Shopify writes nested connections as separate
lines carrying `__parentId`, always after their parent but not necessarily next to it, so the
lines are spilled to a temporary SQLite file while downloading and read back grouped: memory
stays flat however big the catalogue is.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import requests
from flask_babel import gettext as _

from app.clients.shopify import (
    ShopifyClient,
    ShopifyServerError,
    ShopifyTransportError,
    ShopifyUserErrors,
)
from app.extensions import cache
from app.graphql import load_operation, with_inlined_variables
from app.services.webhooks import webhook_handler

log = logging.getLogger(__name__)

RUNNING = ("CREATED", "RUNNING", "CANCELING")
BUSY_CODES = ("OPERATION_IN_PROGRESS", "LIMIT_REACHED")
POLL_SECONDS = (2.0, 5.0, 10.0, 20.0, 30.0)
SIGNAL_CHECK_SECONDS = 1.0
MAX_WAIT_SECONDS = 6 * 3600
INSERT_BATCH = 500
FINISH_SIGNAL_SECONDS = 24 * 3600


class BulkRecord(NamedTuple):
    """A root object of the result and every line below it (`__parentId` kept), in file order."""

    node: dict
    children: list[dict]


class BulkOperationError(Exception):
    """The bulk query did not give a result; `message` is for the merchant."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


FinishedSignal = Callable[[str], "str | None"]


@dataclass
class BulkQuery:
    """One bulk query for one shop. `records()` runs it; `operation`, `partial`, `cost_points`
    and `lines` say afterwards what happened.

    finished_signal(operation_id) returns the status the finish webhook reported, if any;
    keep_going() runs between checks while waiting (a sync run renews its lease there).
    With accept_partial, a FAILED operation that left partial data yields that data and sets
    `partial`."""

    shopify: ShopifyClient
    query_name: str
    variables: dict | None = None  # written into the query text: bulk queries take none
    http: requests.Session | None = None
    finished_signal: FinishedSignal | None = None
    keep_going: Callable[[], None] | None = None
    accept_partial: bool = False
    poll_seconds: tuple[float, ...] = POLL_SECONDS
    signal_check_seconds: float = SIGNAL_CHECK_SECONDS
    max_wait_seconds: float = MAX_WAIT_SECONDS
    download_timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    operation: dict | None = None
    partial: bool = False
    reused: bool = False
    ready_at: float | None = None  # clock() when Shopify's result was ready
    cost_points: int = 0
    lines: int = 0
    _text: str = field(default="", repr=False)

    def records(self) -> Iterator[BulkRecord]:
        """Start or reuse the operation, wait for it, then yield (root, descendants)."""
        self._text = load_operation(self.query_name)
        if self.variables:
            self._text = with_inlined_variables(self._text, self.variables)
        operation = self._finished(self._start())
        url = self._result_url(operation)
        if url is None:
            return
        yield from grouped_records(self._download(url), counter=self)

    # -- starting --------------------------------------------------------------------------
    def _start(self) -> dict:
        running = self._running_same_query()
        if running is not None:
            self.reused = True
            log.info("bulk query %s for %s: reusing running operation %s", self.query_name,
                     self.shopify.shop_domain, running["id"])
            return running
        deadline = self.clock() + self.max_wait_seconds
        attempt = 0
        while True:
            try:
                answer = self.shopify.mutate("bulk_operation_run_query", {"query": self._text})
                self._count()
                return answer["bulkOperation"]
            except ShopifyUserErrors as exc:
                self._count()
                if not any(e.get("code") in BUSY_CODES for e in exc.errors):
                    raise BulkOperationError(_("Shopify refused the bulk query: %(errors)s",
                                               errors=exc.detail), code="INVALID") from exc
            except (ShopifyServerError, ShopifyTransportError):
                # The mutation may have run before the answer was lost: look before retrying.
                running = self._running_same_query()
                if running is not None:
                    return running
                raise
            running = self._running_same_query()
            if running is not None:
                self.reused = True
                return running
            if self.clock() >= deadline:
                raise BulkOperationError(_("Shopify is still busy with other bulk queries for "
                                           "your store. Try again later."), code="BUSY")
            log.info("bulk query %s for %s waits: the shop's bulk queries are busy",
                     self.query_name, self.shopify.shop_domain)
            self._pause(self.poll_seconds[min(attempt, len(self.poll_seconds) - 1)])
            attempt += 1

    def _running_same_query(self) -> dict | None:
        nodes = self.shopify.query("bulk_operations_recent")["bulkOperations"]["nodes"]
        self._count()
        wanted = _normalised(self._text)
        for node in nodes:
            if node["status"] in RUNNING and _normalised(node.get("query") or "") == wanted:
                return node
        return None

    # -- waiting ---------------------------------------------------------------------------
    def _finished(self, operation: dict) -> dict:
        deadline = self.clock() + self.max_wait_seconds
        polls, signal_seen = 0, False
        next_poll = self.clock() + self.poll_seconds[0]
        while operation["status"] in RUNNING:
            if self.clock() >= deadline:
                raise BulkOperationError(_("Shopify's bulk query took too long. It will be "
                                           "tried again on the next run."), code="TIMEOUT")
            # The webhook is acted on once; if Shopify still says running, polling goes on.
            signalled = not signal_seen and self.finished_signal is not None and \
                bool(self.finished_signal(operation["id"]))
            signal_seen = signal_seen or signalled
            if signalled or self.clock() >= next_poll:
                operation = self._poll(operation["id"])
                polls += 1
                next_poll = self.clock() + self.poll_seconds[min(polls, len(self.poll_seconds) - 1)]
                continue
            self._pause(min(self.signal_check_seconds, max(0.0, next_poll - self.clock())))
        self.operation, self.ready_at = operation, self.clock()
        return operation

    def _poll(self, operation_id: str) -> dict:
        found = self.shopify.query("bulk_operation", {"id": operation_id})["bulkOperation"]
        self._count()
        if found is None:
            raise BulkOperationError(_("Shopify no longer knows the bulk query. It will be "
                                       "tried again on the next run."), code="GONE")
        return found

    def _result_url(self, operation: dict) -> str | None:
        status = operation["status"]
        if status == "COMPLETED":
            return operation.get("url")  # None: the query matched nothing
        if status == "FAILED" and self.accept_partial and operation.get("partialDataUrl"):
            log.warning("bulk query %s for %s failed (%s); using its partial data",
                        self.query_name, self.shopify.shop_domain, operation.get("errorCode"))
            self.partial = True
            return operation["partialDataUrl"]
        raise BulkOperationError(_failure_message(operation), code=operation.get("errorCode")
                                 or status)

    # -- downloading -----------------------------------------------------------------------
    def _download(self, url: str) -> Iterator[bytes]:
        http = self.http or requests.Session()
        try:
            # The URL is signed for download; the shop's token is not sent with it.
            with http.get(url, stream=True, timeout=self.download_timeout) as response:
                if response.status_code != 200:
                    raise BulkOperationError(_("Shopify's bulk query result could not be "
                                               "downloaded (HTTP %(status)s).",
                                               status=response.status_code), code="DOWNLOAD")
                for line in response.iter_lines(chunk_size=64 * 1024):
                    if line:
                        yield line
        except requests.RequestException as exc:
            raise BulkOperationError(_("Shopify's bulk query result could not be downloaded "
                                       "(the connection failed)."), code="DOWNLOAD") from exc

    def _count(self) -> None:
        cost = self.shopify.last_cost or {}
        self.cost_points += int(cost.get("actualQueryCost") or cost.get("requestedQueryCost")
                                or 0)

    def _pause(self, seconds: float) -> None:
        if self.keep_going is not None:
            self.keep_going()
        if seconds > 0:
            self.sleep(seconds)


def grouped_records(lines, counter=None) -> Iterator[BulkRecord]:
    """(root, descendants) for JSONL `lines` (bytes or str), roots in file order. Lines are
    spilled to a temporary SQLite file first, since a child may come long after its parent."""
    handle, path = tempfile.mkstemp(prefix="bulk-", suffix=".sqlite3")
    os.close(handle)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE line (seq INTEGER PRIMARY KEY, id TEXT, parent TEXT, body TEXT)")
        count = _spill(db, lines)
        if counter is not None:
            counter.lines = count
        db.execute("CREATE INDEX line_parent ON line (parent)")
        roots = db.execute("SELECT body FROM line WHERE parent IS NULL ORDER BY seq")
        reader = db.cursor()
        for (body,) in roots:
            node = json.loads(body)
            children = [json.loads(text) for (text,) in reader.execute(DESCENDANTS,
                                                                        (node.get("id"),))]
            yield BulkRecord(node, children)
    finally:
        db.close()
        os.unlink(path)


# Children and grandchildren (bulk queries nest two deep at most), in file order.
DESCENDANTS = """WITH RECURSIVE below(seq, id, body) AS (
    SELECT seq, id, body FROM line WHERE parent = ?
    UNION ALL SELECT line.seq, line.id, line.body FROM line JOIN below ON line.parent = below.id
) SELECT body FROM below ORDER BY seq"""


def _spill(db: sqlite3.Connection, lines) -> int:
    batch: list[tuple] = []
    count = 0
    for raw in lines:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        try:
            item = json.loads(text)
        except ValueError:
            raise BulkOperationError(_("Shopify's bulk query result could not be read (line "
                                       "%(number)s).", number=count + 1), code="UNREADABLE"
                                     ) from None
        batch.append((item.get("id"), item.get("__parentId"), text))
        count += 1
        if len(batch) >= INSERT_BATCH:
            db.executemany("INSERT INTO line (id, parent, body) VALUES (?, ?, ?)", batch)
            batch.clear()
    if batch:
        db.executemany("INSERT INTO line (id, parent, body) VALUES (?, ?, ?)", batch)
    return count


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _failure_message(operation: dict) -> str:
    status, code = operation["status"], operation.get("errorCode")
    if status == "FAILED" and code == "ACCESS_DENIED":
        return _("Shopify refused the bulk query: the app is missing a permission. Open the app "
                 "from your Shopify admin and approve the requested permissions.")
    if status == "FAILED":
        return _("Shopify's bulk query failed (%(code)s). It will be tried again on the next "
                 "run.", code=code or _("no reason given"))
    if status in ("CANCELED", "CANCELING"):
        return _("Shopify's bulk query was canceled. It will be tried again on the next run.")
    return _("Shopify's bulk query result expired before it was read. It will be tried again "
             "on the next run.")


# -- the finish webhook --------------------------------------------------------------------------
def _signal_key(shop_domain: str, operation_id: str) -> str:
    return f"bulk-finished:{shop_domain}:{operation_id}"


@webhook_handler("bulk_operations/finish")
def handle_bulk_operation_finished(settings, shop_domain: str, payload: dict, event) -> None:
    """Tell whoever waits for this operation that it finished (they then read its state)."""
    operation_id = str(payload.get("admin_graphql_api_id") or "")
    if not operation_id:
        return
    try:
        cache.set(_signal_key(shop_domain, operation_id),
                  str(payload.get("status") or "finished"), timeout=FINISH_SIGNAL_SECONDS)
    except Exception:  # polling still finds the result; a cache hiccup must not fail the event
        log.warning("bulk finish signal not stored for %s %s", shop_domain, operation_id,
                    exc_info=True)


def finish_signal(shop_domain: str) -> FinishedSignal:
    """The `finished_signal` of BulkQuery for a shop: what the finish webhook reported."""

    def signalled(operation_id: str) -> str | None:
        try:
            return cache.get(_signal_key(shop_domain, operation_id))
        except Exception:
            return None

    return signalled
