"""Gunicorn settings of the web process (`make web`, the Procfile). Every value can be changed
from the environment; the defaults suit a 2-core machine behind a load balancer."""
import os
from pathlib import Path

from gunicorn.glogging import Logger

bind = os.environ.get("BIND") or f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# Shopify gives an embedded page's request a few seconds; nothing of ours should take 30.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish before workers are stopped.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")


class AccessLogWithoutAcceptedDeliveries(Logger):
    """Every request gets an access line except Shopify's accepted webhook deliveries: the app
    counts those (`webhook_deliveries_total`), and at hundreds a second the line was a third of
    a delivery's CPU. Refused deliveries are still logged, by the app and here."""

    def access(self, resp, req, environ, request_time):
        if resp.status_code == 200 and req.method == "POST" and req.path == "/webhooks":
            return
        super().access(resp, req, environ, request_time)


logger_class = AccessLogWithoutAcceptedDeliveries
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Prometheus counters from every worker process (and `flask worker` processes given the same
# folder) are summed through files in this folder; it must be set before any worker imports
# prometheus_client.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                      str(Path(__file__).resolve().parent / "instance" / "prometheus"))


def on_starting(server):
    from app.metrics import prepare_multiprocess_directory

    prepare_multiprocess_directory()
    refuse_a_fatal_configuration(server)


def refuse_a_fatal_configuration(server):
    """In production the web process does not start when `flask doctor` finds a fatal problem
    (create_app refuses the static ones; this adds the database, Redis, migration and webhook
    checks)."""
    if os.environ.get("APP_ENV", "").lower() != "production":
        return
    from app import create_app
    from app.diagnostics import collect_findings

    fatal = [f for f in collect_findings(create_app()) if f.fatal]
    for finding in fatal:
        server.log.error("doctor: %s: %s", finding.check, finding.message)
    if fatal:
        raise SystemExit(f"{len(fatal)} fatal configuration problem(s); run `flask doctor`.")


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
