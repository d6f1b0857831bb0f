"""Bulk query operations run in the background, as Shopify runs them: `bulkOperationRunQuery`
answers at once with a CREATED operation; a thread moves it to RUNNING, executes the query,
writes the JSONL file to disk one line at a time (objectCount grows as it goes), then marks it
COMPLETED, or FAILED with the lines written so far as partial data, or CANCELED, and emits
`bulk_operations/finish`. Polling `bulkOperation(id:)` sees every state on the way.

Concurrency, the evidence followed: the schema's description of `bulkOperationRunQuery` says the
number of concurrent bulk operations depends on the API version, and the research notes
(shopify-platform.md, "Bulk operations") say 2026-01 and later run up to five bulk queries per
app and shop, earlier versions one. The stand-in serves 2026-04 and later, so five is the
default and the next one is refused with LIMIT_REACHED; `concurrent_queries=1` gives the
one-at-a-time rule of older versions (OPERATION_IN_PROGRESS naming the running operation)."""
from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass

from standins.shopify import bulk
from standins.shopify.payloads import bulk_operation_payload
from standins.shopify.records import DomainError
from standins.shopify.schema import load_admin_schema

RUNNING_STATES = ("CREATED", "RUNNING", "CANCELING")
POLL_SECONDS = 0.01


@dataclass
class BulkSettings:
    """Knobs of the stand-in's bulk runner (POST /standin/bulk/settings)."""

    concurrent_queries: int = 5
    min_seconds: float = 0.0  # an operation stays RUNNING at least this long
    hold: bool = False  # operations stay RUNNING until released (tests of a busy shop)
    fail_with: str | None = None  # the next operation fails with this code after half its lines

    def update(self, values: dict) -> dict:
        if values.get("concurrent_queries") is not None:
            self.concurrent_queries = max(1, int(values["concurrent_queries"]))
        if values.get("min_seconds") is not None:
            self.min_seconds = max(0.0, float(values["min_seconds"]))
        if values.get("hold") is not None:
            self.hold = bool(values["hold"])
        if "fail_with" in values:
            code = values["fail_with"]
            if code not in (None, "INTERNAL_SERVER_ERROR", "TIMEOUT", "ACCESS_DENIED"):
                raise ValueError("fail_with must be INTERNAL_SERVER_ERROR, TIMEOUT or "
                                 "ACCESS_DENIED")
            self.fail_with = code
        return self.as_json()

    def as_json(self) -> dict:
        return {"concurrent_queries": self.concurrent_queries, "min_seconds": self.min_seconds,
                "hold": self.hold, "fail_with": self.fail_with}


class BulkResults:
    """Where finished operations keep their JSONL files (a temporary directory per store)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._directory: str | None = None
        self._paths: dict[int, str] = {}

    def path_for(self, number: int) -> str:
        with self._lock:
            if self._directory is None:
                self._directory = tempfile.mkdtemp(prefix="shopify-standin-bulk-")
            return os.path.join(self._directory, f"{number}.jsonl")

    def publish(self, number: int, path: str) -> None:
        with self._lock:
            self._paths[number] = path

    def path(self, op_id) -> str | None:
        number = str(op_id).rsplit("/", 1)[-1]
        with self._lock:
            return self._paths.get(int(number)) if number.isdigit() else None


def start_bulk_query(context, query: str) -> dict:
    """bulkOperationRunQuery: check the query and the shop's running operations, record a
    CREATED operation and run it on a thread. Returns the operation as it is now."""
    document = bulk.parse_bulk_query(query)
    store, shop = context.store, context.shop
    running = sorted((op for op in shop.bulk_operations.values()
                      if op["type"] == "QUERY" and op["status"] in RUNNING_STATES
                      and op.get("_app", "default") == context.app_id),
                     key=lambda op: op["_number"])
    limit = store.bulk_settings.concurrent_queries
    if len(running) >= limit:
        if limit == 1:
            raise DomainError.single(None, "A bulk query operation for this app and shop is "
                                     f"already in progress: {running[0]['id']}.",
                                     "OPERATION_IN_PROGRESS")
        raise DomainError.single(None, "Bulk operations limit reached. Please try again later.",
                                 "LIMIT_REACHED")
    number, operation_id = shop.new_id("BulkOperation")
    operation = {"__typename": "BulkOperation", "id": operation_id, "_number": number,
                 "_app": context.app_id, "type": "QUERY", "query": query,
                 "createdAt": shop.now(), "status": "CREATED", "errorCode": None,
                 "completedAt": None, "objectCount": 0, "rootObjectCount": 0,
                 "fileSize": None, "url": None, "partialDataUrl": None}
    shop.bulk_operations[operation_id] = operation
    fail_with, store.bulk_settings.fail_with = store.bulk_settings.fail_with, None
    thread = threading.Thread(target=_run, args=(context, operation, document, fail_with),
                              name=f"bulk-{number}", daemon=True)
    store.bulk_threads[number] = thread
    thread.start()
    return operation


def cancel_bulk_operation(shop, operation_id: str) -> dict:
    """bulkOperationCancel: a running operation goes CANCELING, then CANCELED on its thread."""
    operation = shop.bulk_operations.get(operation_id)
    if operation is None:
        raise DomainError.single(["id"], "Bulk operation does not exist")
    if operation["status"] not in ("CREATED", "RUNNING"):
        raise DomainError.single(["id"], f"A bulk operation cannot be canceled when it is "
                                 f"{operation['status'].lower()}")
    operation["status"] = "CANCELING"
    return operation


def _run(context, operation: dict, document, fail_with: str | None) -> None:
    from standins.shopify.graphql_api import run_operation  # the endpoint imports this module

    store, shop, started = context.store, context.shop, time.monotonic()
    with store.transaction():
        if operation["status"] == "CREATED":
            operation["status"] = "RUNNING"
        result = run_operation(context, document, {}, None, bulk=True)
    if result.errors:
        code = "ACCESS_DENIED" if any((e.extensions or {}).get("code") == "ACCESS_DENIED"
                                      for e in result.errors) else "INTERNAL_SERVER_ERROR"
        _finish(store, shop, operation, status="FAILED", errorCode=code)
        return
    schema, data = load_admin_schema().schema, result.data or {}
    limit = sum(1 for _ in bulk.flatten(document, schema, data)) // 2 if fail_with else None
    path = store.bulk_results.path_for(operation["_number"])
    written = _write_lines(store, operation, bulk.flatten(document, schema, data), path, limit)
    del result, data
    while not _cancelling(store, operation) and (
            store.bulk_settings.hold or time.monotonic() - started < store.bulk_settings.min_seconds):
        time.sleep(POLL_SECONDS)
    url = store.bulk_result_url(operation["_number"]) if written else None
    if written:
        store.bulk_results.publish(operation["_number"], path)
    if _cancelling(store, operation):
        _finish(store, shop, operation, status="CANCELED")
    elif fail_with:
        _finish(store, shop, operation, status="FAILED", errorCode=fail_with,
                partialDataUrl=url)
    else:
        _finish(store, shop, operation, status="COMPLETED", url=url,
                fileSize=os.path.getsize(path) if written else None)


def _write_lines(store, operation: dict, lines, path: str, limit: int | None) -> int:
    """Write the JSONL file; with a `limit`, stop there (a failure's partial data)."""
    written = roots = 0
    with open(path, "w", encoding="utf-8") as handle:
        for line in lines:
            if limit is not None and written >= limit:
                break
            handle.write(json.dumps(line, separators=(",", ":"), ensure_ascii=False))
            handle.write("\n")
            written += 1
            roots += "__parentId" not in line
            if written % 1000 == 0:
                with store.transaction():
                    operation.update(objectCount=written, rootObjectCount=roots)
    with store.transaction():
        operation.update(objectCount=written, rootObjectCount=roots)
    return written


def _cancelling(store, operation: dict) -> bool:
    with store.transaction():
        return operation["status"] == "CANCELING"


def _finish(store, shop, operation: dict, **changes) -> None:
    with store.transaction():
        operation.update(completedAt=shop.now(), **changes)
        shop.emit("bulk_operations/finish", bulk_operation_payload(operation))
