"""Small helpers shared by every outbound HTTP client: Retry-After parsing and backoff."""
from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 30.0
# Extra wait added on top of a server-given Retry-After, as a fraction of it, so many
# workers told to wait the same time do not all come back in the same instant.
RETRY_AFTER_JITTER = 0.1


def retry_after_seconds(
    response: requests.Response | None, *, now: datetime | None = None
) -> float | None:
    """Seconds the server asked us to wait (Retry-After as seconds or an HTTP-date), or None.

    Negative or unparseable values give None; an HTTP-date in the past gives 0.0.
    """
    if response is None:
        return None
    raw = (response.headers.get("Retry-After") or "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        return _seconds_until_http_date(raw, now)
    if math.isnan(seconds) or seconds < 0:
        return None
    return seconds


def _seconds_until_http_date(raw: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(
    attempt: int,
    *,
    base: float = DEFAULT_BASE_DELAY,
    cap: float = DEFAULT_MAX_DELAY,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number ``attempt`` (1 = first retry), never above ``cap``.

    With a server-given ``retry_after`` the wait is that value plus up to 10% jitter.
    Otherwise it is "full jitter" exponential backoff: uniform in [base, base * 2**(attempt-1)].
    """
    rand = rng or random
    if retry_after is not None:
        return min(cap, retry_after + rand.uniform(0, retry_after * RETRY_AFTER_JITTER))
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return min(cap, rand.uniform(min(base, ceiling), ceiling))
