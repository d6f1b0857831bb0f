"""GET /metrics for Prometheus, reachable only with `Authorization: Bearer <METRICS_TOKEN>`
(404 when no token is configured, 401 with a wrong one), plus the hooks that feed it: request
latency per route, and job outcomes from Huey's signals. Figures that are read rather than
counted (queue depth, scheduled jobs) are computed when Prometheus scrapes."""
from __future__ import annotations

import hmac
import logging
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR, SIGNAL_RETRYING
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import queue
from app.metrics import JOBS_TOTAL, REQUEST_SECONDS
from app.services.order_pipeline import step_state_counts
from app.services.webhooks import unfinished_event_counts

log = logging.getLogger(__name__)
bp = Blueprint("monitoring", __name__)
SCRAPE_GAUGES = []  # callables returning GaugeMetricFamily objects, added by features


def scrape_gauge(func):
    """Register `func() -> Iterable[GaugeMetricFamily]`, evaluated at each scrape inside the
    request's app context (so it may query the database)."""
    SCRAPE_GAUGES.append(func)
    return func


@scrape_gauge
def queue_gauges():
    depth = GaugeMetricFamily("connector_queue_depth", "Jobs waiting in the queue.")
    depth.add_metric([], queue.pending_count())
    scheduled = GaugeMetricFamily("connector_queue_scheduled", "Jobs scheduled for later "
                                  "(retries with backoff, delayed work).")
    scheduled.add_metric([], queue.scheduled_count())
    return [depth, scheduled]


@scrape_gauge
def webhook_event_gauges():
    events = GaugeMetricFamily("connector_webhook_events_unfinished", "Webhook events waiting "
                               "(received), being processed, or failed until replayed.",
                               labels=["status"])
    try:
        counts = unfinished_event_counts()
    except SQLAlchemyError:  # the database is away: the other figures are still served
        log.warning("webhook event counts unavailable for /metrics")
        return []
    for status, count in counts.items():
        events.add_metric([status.value], count)
    return [events]


@scrape_gauge
def order_step_gauges():
    steps = GaugeMetricFamily("connector_order_steps", "Order pipeline steps of every shop by "
                              "step and state (waiting, running, failed, done...).",
                              labels=["step", "state"])
    try:
        counts = step_state_counts()
    except SQLAlchemyError:  # the database is away: the other figures are still served
        log.warning("order step counts unavailable for /metrics")
        return []
    for (step, state), count in sorted(counts.items()):
        steps.add_metric([step, state], count)
    return [steps]


class _ScrapeCollector:
    def collect(self):
        for gauges in SCRAPE_GAUGES:
            yield from gauges()


def exposition() -> bytes:
    """Counters of every process on this machine (multiprocess mode) or of this one, followed by
    the gauges read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    read_now = CollectorRegistry(auto_describe=False)
    read_now.register(_ScrapeCollector())
    return generate_latest(counted) + generate_latest(read_now)


@bp.get("/metrics")
def metrics():
    token = current_app.config["SETTINGS"].metrics_token
    if not token:
        abort(404)
    supplied = request.headers.get("Authorization", "")
    if not hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode()):
        return Response("unauthorized\n", status=401, content_type="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    return Response(exposition(), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _observe(response):
    started = g.pop("request_started", None)
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        REQUEST_SECONDS.labels(route=route, method=request.method,
                               status=str(response.status_code)).observe(
            time.perf_counter() - started)
    return response


JOB_OUTCOMES = {SIGNAL_COMPLETE: "complete", SIGNAL_ERROR: "error",
                SIGNAL_RETRYING: "retrying"}


@queue.signal(SIGNAL_COMPLETE, SIGNAL_ERROR, SIGNAL_RETRYING)
def _count_job(signal, task, exc=None):
    JOBS_TOTAL.labels(task=task.name, outcome=JOB_OUTCOMES[signal]).inc()


def register(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.register_blueprint(bp)
