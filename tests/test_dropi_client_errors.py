"""DropiClient failures, rate limits, request budget and token handling."""
from __future__ import annotations

import logging
import threading

import pytest
import requests
import responses

from app.clients.dropi import (
    DropiAuthError,
    DropiClient,
    DropiError,
    DropiNotFound,
    DropiRateLimited,
    DropiTokenInvalid,
    DropiUnavailable,
    RequestBudget,
    decode_integration_token,
    integration_token_info,
    shared_budget,
)
from tests.test_dropi_client import APP_URL, TOKEN, make_client, make_token

LIST_URL = "https://api.dropi.co/integrations/products/index"
OK = {"isSuccess": True, "objects": [], "count": 0}
TOO_MANY = {"message": "Too Many Attempts."}


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@responses.activate
def test_429_waits_the_retry_after_seconds_then_succeeds():
    responses.post(LIST_URL, status=429, json=TOO_MANY, headers={"Retry-After": "3"})
    responses.post(LIST_URL, json=OK)
    sleeps = Sleeps()

    page = make_client(sleep=sleeps).list_products()

    assert page.total == 0 and len(responses.calls) == 2
    assert len(sleeps) == 1 and 3 <= sleeps[0] <= 3.3


@responses.activate
def test_429_without_retry_after_backs_off_and_eventually_gives_up():
    responses.post(LIST_URL, status=429, json=TOO_MANY)
    sleeps = Sleeps()

    with pytest.raises(DropiRateLimited) as caught:
        make_client(sleep=sleeps, max_attempts=3).list_products()

    assert len(responses.calls) == 3 and len(sleeps) == 2 and all(s >= 2 for s in sleeps)
    assert "limiting requests for this integration token" in caught.value.merchant_message
    assert "Colombia (CO)" in caught.value.merchant_message


@responses.activate
def test_exhausted_rate_limit_tells_when_to_come_back():
    responses.post(LIST_URL, status=429, json=TOO_MANY, headers={"Retry-After": "7"})
    with pytest.raises(DropiRateLimited, match="Try again in 7 seconds") as caught:
        make_client(sleep=Sleeps(), max_attempts=2).list_products()
    assert caught.value.retry_after == 7 and len(responses.calls) == 2


@responses.activate
def test_retry_after_beyond_the_allowed_wait_fails_at_once():
    responses.post(LIST_URL, status=429, json=TOO_MANY, headers={"Retry-After": "3600"})
    sleeps = Sleeps()
    with pytest.raises(DropiRateLimited, match="Try again in 3600 seconds"):
        make_client(sleep=sleeps).list_products()
    assert len(responses.calls) == 1 and sleeps == []


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_rejected_token_names_the_country(status):
    responses.post(LIST_URL, status=status, json={"isSuccess": False, "message": "Token invalido"})
    with pytest.raises(DropiAuthError) as caught:
        make_client().list_products()
    message = caught.value.merchant_message
    assert message.startswith("Dropi rejected the integration token for Colombia (CO)")
    assert "Token invalido" in message and caught.value.status == status


@responses.activate
def test_failure_envelope_with_http_200_carries_dropi_message():
    responses.post(LIST_URL, json={"isSuccess": False, "status": 422,
                                   "message": "El campo pageSize es obligatorio"})
    with pytest.raises(DropiError, match="El campo pageSize es obligatorio") as caught:
        make_client().list_products()
    assert type(caught.value) is DropiError


@responses.activate
def test_failure_envelope_saying_401_is_an_auth_error():
    responses.get("https://api.dropi.co/integrations/helpers/validateToken",
                  json={"isSuccess": False, "status": 401, "message": "Unauthorized"})
    with pytest.raises(DropiAuthError):
        make_client().validate_token()


@responses.activate
def test_valid_token_check_returns_dropi_details():
    responses.get("https://api.dropi.co/integrations/helpers/validateToken",
                  json={"isSuccess": True, "objects": {"store_name": "Tienda Ana"}})
    assert make_client().validate_token() == {"store_name": "Tienda Ana"}


@responses.activate
def test_missing_product_is_not_found():
    responses.get("https://api.dropi.co/integrations/products/v2/99", status=404,
                  json={"isSuccess": False, "message": "Producto no encontrado"})
    with pytest.raises(DropiNotFound, match="could not find product 99"):
        make_client().get_product(99)


@responses.activate
def test_timeout_is_reported_as_unavailable_without_retrying():
    responses.post(LIST_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(DropiUnavailable, match="did not answer within 4 seconds"):
        make_client(timeout=4).list_products()
    assert len(responses.calls) == 1


@responses.activate
def test_server_errors_on_reads_are_retried_then_reported():
    responses.get("https://api.dropi.co/integrations/warehouses/", status=503, body="down")
    sleeps = Sleeps()
    with pytest.raises(DropiUnavailable, match=r"having problems \(HTTP 503\)"):
        make_client(sleep=sleeps).warehouses()
    assert len(responses.calls) == 3 and len(sleeps) == 2


@responses.activate
def test_order_creation_is_never_repeated_after_a_server_error():
    responses.post("https://api.dropi.co/integrations/orders/myorders", status=502, body="bad")
    from tests.test_dropi_client import mexican_order

    with pytest.raises(DropiUnavailable):
        make_client(sleep=Sleeps()).create_order(mexican_order(zip_code=None))
    assert len(responses.calls) == 1


@responses.activate
def test_maintenance_page_instead_of_json_is_unavailable():
    responses.post(LIST_URL, body="<html>Mantenimiento</html>", content_type="text/html")
    with pytest.raises(DropiUnavailable, match="not data"):
        make_client().list_products()


def test_budget_makes_callers_wait_once_the_burst_is_spent():
    clock = FakeClock()
    budget = RequestBudget(per_minute=60, burst=2, clock=clock)
    waits = [budget.acquire(clock.sleep) for _ in range(4)]
    assert waits == [0, 0, 1.0, 1.0] and clock.now == 2.0
    clock.now += 30  # refills, but never above the burst
    assert [budget.acquire(clock.sleep) for _ in range(3)] == [0, 0, 1.0]


@responses.activate
def test_client_waits_for_the_budget_before_calling():
    responses.post(LIST_URL, json=OK)
    clock = FakeClock()
    client = make_client(budget=RequestBudget(per_minute=30, burst=1, clock=clock),
                         sleep=clock.sleep)
    client.list_products()
    client.list_products()
    assert clock.slept == [2.0] and len(responses.calls) == 2


def test_budget_is_fair_and_exact_across_threads():
    budget = RequestBudget(per_minute=60, burst=5, clock=lambda: 100.0)
    waits: list[float] = []
    lock = threading.Lock()

    def take():
        wait = budget.reserve()
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [0.0] * 5 + [float(n) for n in range(1, 36)]


def test_one_budget_per_token_in_the_process():
    first = DropiClient(TOKEN, "CO", requests_per_minute=45)
    second = DropiClient(TOKEN, "MX", requests_per_minute=45)
    other = DropiClient(make_token(sub="other"), "CO", requests_per_minute=45)
    assert first._budget is second._budget is shared_budget(TOKEN, 45)
    assert other._budget is not first._budget


@pytest.fixture
def unredacted_records():
    """The app redacts tokens when records are made; switch that off so the test sees exactly
    what the client logs."""
    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)
    yield
    logging.setLogRecordFactory(previous)


@responses.activate
def test_token_never_reaches_logs_errors_or_repr(caplog, unredacted_records):
    caplog.set_level(logging.DEBUG)
    responses.post(LIST_URL, json=OK)
    responses.post(LIST_URL, status=401, json={"message": "bad"})
    responses.post(LIST_URL, status=429, json=TOO_MANY, headers={"Retry-After": "1"})
    responses.post(LIST_URL, body=requests.exceptions.ConnectionError("refused"))
    client = make_client(sleep=Sleeps(), max_attempts=1)
    failures = []
    for _ in range(4):
        try:
            client.list_products()
        except DropiError as exc:
            failures.append(exc)
    assert [type(f) for f in failures] == [DropiAuthError, DropiRateLimited, DropiUnavailable]
    assert caplog.text and TOKEN not in caplog.text
    assert all(TOKEN not in str(f) for f in failures) and TOKEN not in repr(client)


def test_token_claims_and_allowed_origins_are_read_without_the_signing_key():
    token = make_token(integration_type="SHOPIFY", exp=4102444800,
                       integration_url="https://other.example/app")
    assert decode_integration_token(token)["token_type"] == "INTEGRATIONS"
    info = integration_token_info(token)
    assert info.integration_type == "SHOPIFY" and info.allowed_ips == ("203.0.113.7",)
    assert info.allowed_urls == (APP_URL, "https://other.example/app")
    assert info.allows_origin(APP_URL + "/app?x=1") and not info.allows_origin("https://evil.test")
    assert info.expires_at.year == 2100 and not info.expired
    assert info.country == "CO"
    assert integration_token_info(make_token(iss="http://app.dropi.com.py:80")).country == "PY"
    assert integration_token_info(make_token(iss="https://example.com")).country is None


@pytest.mark.parametrize("text", ["", "not-a-token", "abc.def.ghi", "shpat_123"])
def test_text_that_is_not_a_jwt_gets_a_clear_error(text):
    with pytest.raises(DropiTokenInvalid, match="not a Dropi integration token"):
        decode_integration_token(text)


def test_empty_token_is_refused_before_any_call():
    with pytest.raises(DropiAuthError, match="Add the Dropi integration token for México"):
        DropiClient("  ", "MX")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
