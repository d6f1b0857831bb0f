"""Runs the configuration checks of `app.services.doctor` against a live app: its database,
Redis, migration state and registered webhook handlers. Used by `flask doctor`, by the web
process at start-up in production (gunicorn.conf.py) and by /readyz."""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.config import Config as AlembicConfig
from flask import Flask
from redis import Redis
from sqlalchemy import text

from app.config import PROJECT_ROOT, Settings
from app.extensions import db
from app.services.doctor import Finding, diagnose
from app.services.webhooks import registered_topics

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def head_revisions() -> set[str]:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(config).get_heads())


def applied_revisions() -> set[str]:
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def connect_database() -> None:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def ping_redis(url: str) -> None:
    client = Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    finally:
        client.close()


def collect_findings(app: Flask) -> list[Finding]:
    settings: Settings = app.config["SETTINGS"]
    with app.app_context():
        return diagnose(settings, connect_database=connect_database, ping_redis=ping_redis,
                        applied_revisions=applied_revisions, head_revisions=head_revisions(),
                        handled_topics=registered_topics(),
                        webhook_endpoint=webhook_endpoint(app))


def webhook_endpoint(app: Flask) -> str:
    """The path Shopify's deliveries must reach (the webhook blueprint's route)."""
    return next(rule.rule for rule in app.url_map.iter_rules()
                if rule.endpoint == "webhooks.receive")
