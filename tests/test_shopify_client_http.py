"""Shared HTTP helpers (Retry-After, backoff) and the process-wide Shopify cost bucket."""
from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import pytest
import requests

from app.clients.http import backoff_delay, retry_after_seconds
from app.clients.shopify_throttle import ThrottleState, throttle_wait


def response_with(retry_after: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2", 2.0), ("0.5", 0.5), (" 120 ", 120.0), (None, None), ("", None), ("soon", None),
     ("-3", None)],
)
def test_retry_after_is_read_as_seconds(header, seconds):
    assert retry_after_seconds(response_with(header)) == seconds


def test_retry_after_http_date_counts_down_from_now():
    now = datetime(2026, 11, 2, 10, 0, 0, tzinfo=UTC)
    header = "Mon, 02 Nov 2026 10:00:30 GMT"
    assert retry_after_seconds(response_with(header), now=now) == 30.0
    assert retry_after_seconds(response_with("Mon, 02 Nov 2026 09:00:00 GMT"), now=now) == 0.0


def test_no_response_means_no_retry_after():
    assert retry_after_seconds(None) is None


def test_backoff_grows_with_attempts_and_never_passes_the_cap():
    rng = random.Random(7)
    for attempt in range(1, 12):
        ceiling = min(30.0, 0.5 * 2 ** (attempt - 1))
        waits = [backoff_delay(attempt, rng=rng) for _ in range(200)]
        assert all(min(0.5, ceiling) <= wait <= ceiling for wait in waits)
    assert backoff_delay(40, cap=5.0, rng=rng) <= 5.0


def test_backoff_with_retry_after_adds_at_most_ten_percent_jitter():
    rng = random.Random(3)
    waits = [backoff_delay(1, retry_after=2.0, rng=rng) for _ in range(500)]
    assert all(2.0 <= wait <= 2.2 for wait in waits)
    assert len({round(wait, 6) for wait in waits}) > 100  # really jittered
    assert backoff_delay(1, retry_after=300.0, cap=30.0) == 30.0


def test_throttle_wait_from_a_throttled_cost():
    cost = {"requestedQueryCost": 752, "throttleStatus": {
        "maximumAvailable": 1000.0, "currentlyAvailable": 666, "restoreRate": 50.0}}
    assert throttle_wait(cost) == pytest.approx((752 - 666) / 50)
    assert throttle_wait({"requestedQueryCost": 10}) is None
    assert throttle_wait(None) is None


def test_bucket_refills_by_the_restore_rate_up_to_the_maximum():
    now = [0.0]
    state = ThrottleState(clock=lambda: now[0])
    state.record("a.myshopify.com", "products", {"requestedQueryCost": 400, "throttleStatus": {
        "maximumAvailable": 1000.0, "currentlyAvailable": 100.0, "restoreRate": 100.0}})
    assert state.expected_cost("products") == 400
    assert state.reserve("a.myshopify.com", "products").wait == pytest.approx(3.0)
    now[0] = 3.0
    assert state.reserve("a.myshopify.com", "products").wait == pytest.approx(4.0)  # queued
    assert state.reserve("b.myshopify.com", "products").wait == 0.0  # no reading, no guess


def test_concurrent_threads_queue_behind_each_other():
    state = ThrottleState(clock=lambda: 0.0)
    state.record("a.myshopify.com", "orders", {"requestedQueryCost": 50, "throttleStatus": {
        "maximumAvailable": 1000.0, "currentlyAvailable": 100.0, "restoreRate": 50.0}})
    waits: list[float] = []
    lock = threading.Lock()

    def reserve() -> None:
        wait = state.reserve("a.myshopify.com", "orders").wait
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def test_a_reading_counts_the_points_requests_in_flight_have_reserved():
    state = ThrottleState(clock=lambda: 0.0)
    cost = {"requestedQueryCost": 100, "throttleStatus": {
        "maximumAvailable": 1000.0, "currentlyAvailable": 1000.0, "restoreRate": 50.0}}
    state.record("a.myshopify.com", "products", cost)
    first = state.reserve("a.myshopify.com", "products")
    second = state.reserve("a.myshopify.com", "products")
    answered = dict(cost, throttleStatus=dict(cost["throttleStatus"], currentlyAvailable=900.0))
    state.record("a.myshopify.com", "products", answered, first)
    # Shopify saw only the first request; the second one's 100 points are still on their way.
    assert state.reading("a.myshopify.com").available == pytest.approx(800.0)
    state.release(second)
    state.record("a.myshopify.com", "products", answered)
    assert state.reading("a.myshopify.com").available == pytest.approx(900.0)
