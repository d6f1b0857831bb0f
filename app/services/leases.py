"""Keeping a claim on work alive: a background thread renews it while the work runs, so a slow
but living worker keeps its job and only a dead one's claim runs out."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


@contextmanager
def renewed_every(seconds: float, renew: Callable[[], object], *, name: str) -> Iterator[None]:
    """Call `renew()` every `seconds` in a daemon thread while the block runs. A renewal that
    fails is logged and tried again at the next beat: the work itself goes on."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(seconds):
            try:
                renew()
            except Exception:
                log.warning("%s: renewing the claim failed; trying again in %.0f s", name,
                            seconds, exc_info=True)

    thread = threading.Thread(target=beat, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)
