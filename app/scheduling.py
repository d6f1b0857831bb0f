"""Periodic work on many workers: every `flask worker` runs Huey's scheduler, but only the one
holding the scheduler lease enqueues periodic tasks, so starting several workers (on several
machines) never runs a periodic task twice, and when the holder dies another worker takes over
once the lease expires.

Delayed tasks (an `eta`) are moved to the queue by every worker's scheduler as Huey does: reading
the schedule is atomic in Huey's storages, so that is safe without the lease.

The lease lives in Redis (`SET NX PX`, renewed by its holder) when REDIS_URL is set, which is the
production set-up; with the embedded SQLite queue all workers share one machine, so an exclusive
lock on a file in instance/ does the same job.
"""
from __future__ import annotations

import fcntl
import logging
import os
import socket
import uuid
from pathlib import Path

from huey.consumer import Consumer, Scheduler
from redis import Redis

from app.config import Settings

log = logging.getLogger(__name__)

# Huey checks periodic tasks every 60 s; a holder that misses two checks loses the lease.
LEASE_MILLISECONDS = 150_000
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class RedisLease:
    """A lease in Redis: the first to `SET NX` holds it and renews it while it lives."""

    def __init__(self, url: str, key: str, holder: str, milliseconds: int = LEASE_MILLISECONDS):
        self.redis = Redis.from_url(url)
        self.key, self.holder, self.milliseconds = key, holder, milliseconds
        self._renew = self.redis.register_script(_RENEW)

    def hold(self) -> bool:
        if self.redis.set(self.key, self.holder, nx=True, px=self.milliseconds):
            return True
        return bool(self._renew(keys=[self.key], args=[self.holder, self.milliseconds]))

    def release(self) -> None:
        if self.redis.get(self.key) == self.holder.encode():
            self.redis.delete(self.key)


class FileLease:
    """An exclusive lock on a file: held until the process exits or releases it."""

    def __init__(self, path: Path):
        self.path = path
        self._handle = None

    def hold(self) -> bool:
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def scheduler_lease(settings: Settings, holder: str | None = None):
    """The lease every worker of this deployment competes for."""
    if settings.redis_url:
        return RedisLease(settings.redis_url, f"{settings.queue_name}:scheduler-lease",
                          holder or holder_name())
    return FileLease(settings.instance_path / f"{settings.queue_name}.scheduler.lock")


class LeasedScheduler(Scheduler):
    """Huey's scheduler, enqueueing periodic tasks only while it holds the lease."""

    lease = None  # set on the subclass built by leased_consumer()

    def enqueue_periodic_tasks(self, now):
        try:
            holding = self.lease.hold()
        except Exception:  # Redis briefly away: skip this minute rather than risk a double run
            log.warning("scheduler lease unavailable; periodic tasks skipped this minute")
            return
        if holding:
            super().enqueue_periodic_tasks(now)
        else:
            self._logger.debug("another worker holds the scheduler lease")


def leased_consumer(huey, lease, **options) -> Consumer:
    """A Huey consumer whose scheduler competes for `lease` before enqueueing periodic work."""
    scheduler_class = type("LeasedScheduler", (LeasedScheduler,), {"lease": lease})
    consumer_class = type("LeasedConsumer", (Consumer,), {"scheduler_class": scheduler_class})
    return consumer_class(huey, **options)
