"""Flask CLI commands: the job worker (migrations come from Flask-Migrate's `flask db`)."""
from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Worker threads.")
    def worker(workers: int) -> None:
        """Run the background job consumer on the configured queue (SQLite or Redis)."""
        from app.extensions import queue

        consumer = queue.create_consumer(workers=workers, worker_type="thread", periodic=True)
        consumer.run()

    from app.webhooks.cli import register as register_webhook_commands

    register_webhook_commands(app)
