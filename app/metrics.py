"""Prometheus metrics. This module only declares them (it imports nothing of the app, so clients
and services below the web layer can count); `app.monitoring` serves them.

Gunicorn's workers and `flask worker` processes on one machine share figures through
prometheus-client's multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (gunicorn.conf.py
sets it); a worker on another machine serves its own with `flask worker --metrics-port N`.
Shop domains are a label where the on-call engineer needs them (cost and throttling per shop).
"""
from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import Counter, Histogram

REQUEST_SECONDS = Histogram(
    "connector_http_request_seconds", "Server time of HTTP requests, per route.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
WEBHOOK_DELIVERIES = Counter(
    "connector_webhook_deliveries_total", "Webhook deliveries received, by topic and outcome "
    "(queued, ignored, duplicate, refused).", ["topic", "outcome"])
WEBHOOK_LAG_SECONDS = Histogram(
    "connector_webhook_lag_seconds", "From Shopify's X-Shopify-Triggered-At to the end of "
    "processing.", ["topic"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 14400))
WEBHOOK_EVENTS_REQUEUED = Counter(
    "connector_webhook_events_requeued_total", "Webhook events the periodic sweep queued again, "
    "by reason: their job was lost (no_job) or their worker died (dead_worker).", ["reason"])
JOBS_TOTAL = Counter(
    "connector_jobs_total", "Background jobs run, by task and outcome (complete, error, "
    "retrying).", ["task", "outcome"])
SHOPIFY_COST_POINTS = Counter(
    "connector_shopify_cost_points_total", "Shopify GraphQL cost points used, per shop.",
    ["shop"])
SHOPIFY_THROTTLE_WAIT_SECONDS = Counter(
    "connector_shopify_throttle_wait_seconds_total", "Seconds spent waiting for a shop's "
    "Shopify cost bucket (before a request or after THROTTLED).", ["shop"])
DROPI_RATE_LIMITED = Counter(
    "connector_dropi_rate_limited_total", "Dropi answers of 429 Too Many Attempts, per country.",
    ["country"])


def record_shopify_cost(shop: str, cost) -> None:
    """Count the points a request used; a THROTTLED request ran nothing and has no actual cost."""
    if isinstance(cost, dict):
        used = cost.get("actualQueryCost")
        if isinstance(used, (int, float)) and used > 0:
            SHOPIFY_COST_POINTS.labels(shop=shop).inc(used)


def prepare_multiprocess_directory() -> Path | None:
    """Before a process of this machine starts counting into PROMETHEUS_MULTIPROC_DIR (a variable
    prometheus-client itself reads): create the folder and remove the files of processes that
    are gone. Files of live processes stay, so starting or restarting the web server never wipes
    the figures of a worker already running beside it, whichever starts first."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for file in path.glob("*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            file.unlink(missing_ok=True)
    return path


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True
