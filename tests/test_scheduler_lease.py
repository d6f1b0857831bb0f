"""Several workers may run Huey's scheduler; only the lease holder enqueues periodic work, and
another worker takes over when the holder goes away."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

from huey import Huey, crontab
from huey.storage import MemoryStorage

from app.scheduling import LeasedScheduler, leased_consumer, scheduler_lease
from tests.support import make_settings


def test_only_one_of_two_workers_holds_the_lease_until_it_lets_go(tmp_path):
    settings = make_settings(tmp_path)
    first, second = scheduler_lease(settings), scheduler_lease(settings)
    try:
        assert first.hold() is True
        assert second.hold() is False
        assert first.hold() is True  # renewing
        first.release()
        assert second.hold() is True
        assert first.hold() is False
    finally:
        first.release()
        second.release()


def test_two_schedulers_at_the_same_minute_enqueue_a_periodic_task_once(tmp_path):
    settings = make_settings(tmp_path)
    huey = Huey("lease-test", storage_class=MemoryStorage, utc=True)

    @huey.periodic_task(crontab(minute="*"), name="every_minute")
    def every_minute():
        return None

    leases = [scheduler_lease(settings), scheduler_lease(settings)]
    schedulers = [leased_consumer(huey, lease, workers=1, periodic=True)._create_scheduler()
                  for lease in leases]
    assert all(isinstance(s, LeasedScheduler) for s in schedulers)
    minute = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc).replace(tzinfo=None)
    try:
        barrier = threading.Barrier(2)

        def tick(scheduler):
            barrier.wait()
            scheduler.enqueue_periodic_tasks(minute)

        threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert huey.pending_count() == 1

        # The holder stops; the next minute the other worker enqueues instead.
        holder = next(lease for lease in leases if lease.hold())
        holder.release()
        other = schedulers[leases.index(holder) ^ 1]
        other.enqueue_periodic_tasks(minute.replace(minute=1))
        assert huey.pending_count() == 2
    finally:
        for lease in leases:
            lease.release()
