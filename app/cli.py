"""Flask CLI commands: the job worker (migrations come from Flask-Migrate's `flask db`)."""
from __future__ import annotations

import click
from flask import Flask
from prometheus_client import start_http_server

from app.diagnostics import collect_findings
from app.extensions import queue
from app.metrics import prepare_multiprocess_directory
from app.scheduling import leased_consumer, scheduler_lease
from app.services.key_rotation import rotate_encryption_keys
from app.webhooks.cli import register as register_webhook_commands


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Worker threads.")
    @click.option("--metrics-port", type=click.IntRange(1, 65535), default=None,
                  help="Serve this worker's Prometheus metrics on this port (for a machine "
                       "without a web process; PROMETHEUS_MULTIPROC_DIR shares them otherwise).")
    @click.option("--metrics-address", default="127.0.0.1", show_default=True,
                  help="Address of the metrics port: keep it internal.")
    def worker(workers: int, metrics_port: int | None, metrics_address: str) -> None:
        """Run the background job consumer on the configured queue (SQLite or Redis). Start as
        many as you like, on any machines: only the one holding the scheduler lease enqueues
        periodic work."""
        settings = app.config["SETTINGS"]
        prepare_multiprocess_directory()
        if metrics_port:
            start_http_server(metrics_port, addr=metrics_address)
        # SIGTERM (what process managers send) lets running jobs finish; SIGINT stops at once.
        # A worker killed anyway loses nothing: leases and the periodic sweeps hand its
        # unfinished jobs to another worker.
        consumer = leased_consumer(queue, scheduler_lease(settings), workers=workers,
                                   worker_type="thread", periodic=True, graceful_signal="TERM")
        consumer.run()

    register_webhook_commands(app)

    @app.cli.command("doctor")
    def doctor() -> None:
        """Check this configuration before it serves merchants; exit 1 on a fatal problem."""
        findings = collect_findings(app)
        for finding in findings:
            click.echo(f"{finding.level.upper():8} {finding.check}: {finding.message}")
        fatal = [f for f in findings if f.fatal]
        if fatal:
            click.echo(f"{len(fatal)} fatal problem(s): fix them before serving merchants.")
            raise SystemExit(1)
        click.echo("Configuration OK" + (f" ({len(findings)} warning(s))" if findings else "."))

    @app.cli.command("rotate-keys")
    @click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1),
                  help="Rows read and committed at a time.")
    def rotate_keys(batch_size: int) -> None:
        """Re-encrypt every stored secret with the first key of ENCRYPTION_KEYS."""
        settings = app.config["SETTINGS"]
        report = rotate_encryption_keys(settings.encryption_keys[0], batch_size=batch_size)
        for column in report.columns:
            click.echo(f"{column.name}: {column.rotated} re-encrypted, {column.current} already "
                       f"current, {column.failed} unreadable, {column.skipped} changed meanwhile")
        click.echo(f"Total: {report.rotated} re-encrypted, {report.failed} unreadable.")
        if report.failed:
            raise click.ClickException(
                "Some secrets could not be decrypted with any key in ENCRYPTION_KEYS; keep the "
                "old keys configured and check the rows named in the log.")
