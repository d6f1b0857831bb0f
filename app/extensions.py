"""Extensions, created unbound and wired to the app in create_app()."""
from __future__ import annotations

import sqlite3

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from htmx_flask import Htmx
from huey import Huey
from huey.storage import MemoryStorage, PriorityRedisStorage, SqliteStorage
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
htmx = Htmx()
babel = Babel()
# Short-lived cache shared by every process (Redis when REDIS_URL is set, else files in instance/).
cache = Cache()

# The queue starts on in-memory storage so importing this module touches nothing;
# configure_queue() points it at SQLite (embedded default) or Redis (REDIS_URL).
# Rate limits (the agent endpoints, per agent key): Redis storage when REDIS_URL is set, memory
# otherwise (RATELIMIT_STORAGE_URI in Settings.flask_config). No default limit: routes opt in.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

queue = Huey("connector", storage_class=MemoryStorage, utc=True)


def configure_queue(settings) -> Huey:
    """Point the shared Huey instance at the storage the settings ask for."""
    if settings.queue_immediate:
        queue.immediate = True
        return queue
    queue.immediate = False
    queue.name = settings.queue_name
    if settings.redis_url:
        queue.storage_class = PriorityRedisStorage
        queue.storage_kwargs = {"url": settings.redis_url}
    else:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        queue.storage_class = SqliteStorage
        queue.storage_kwargs = {"filename": str(settings.instance_path / "queue.sqlite3")}
    queue.storage = queue.create_storage()
    return queue


@event.listens_for(Engine, "connect")
def _enable_sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores ON DELETE CASCADE unless foreign keys are switched on per connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def cache_config(settings) -> dict:
    """Flask-Caching settings: Redis for many machines, a file cache for the embedded default."""
    if settings.redis_url:
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": settings.redis_url,
            "CACHE_KEY_PREFIX": f"{settings.queue_name}:cache:",
            "CACHE_DEFAULT_TIMEOUT": 60,
        }
    return {
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(settings.instance_path / "cache"),
        "CACHE_DEFAULT_TIMEOUT": 60,
        "CACHE_THRESHOLD": 5000,
    }
