"""The agent tools' plain functions, without Flask: ids, money, dates, phones, masking."""
from __future__ import annotations

import pytest

from app.services.agent_tools.audit import mask_arguments, mask_text
from app.services.agent_tools.confirmation import arguments_digest
from app.services.agent_tools.registry import ToolInputInvalid
from app.services.agent_tools.shaping import (compact, e164, gid_for, money, order_reference,
                                              utc)


@pytest.mark.parametrize("raw,expected", [
    ("#1001", ("name", "#1001")), ("# 1001", ("name", "#1001")),
    ("1001", ("gid", "gid://shopify/Order/1001")),
    ("gid://shopify/Order/5550001", ("gid", "gid://shopify/Order/5550001")),
])
def test_order_references(raw, expected):
    assert order_reference(raw) == expected


@pytest.mark.parametrize("raw", ["gid://shopify/Product/1", "abc", "#", "1; drop"])
def test_bad_order_references_are_input_errors(raw):
    with pytest.raises(ToolInputInvalid):
        order_reference(raw)


def test_gid_for_accepts_numbers_and_its_own_kind_only():
    assert gid_for("Customer", " 42 ") == "gid://shopify/Customer/42"
    with pytest.raises(ToolInputInvalid):
        gid_for("Customer", "gid://shopify/Order/42")


def test_money_is_an_exact_string_with_its_currency():
    assert money({"amount": "89900.0", "currencyCode": "COP"}) == {"amount": "89900.00",
                                                                   "currencyCode": "COP"}
    assert money({"amount": "0.1", "currencyCode": "USD"})["amount"] == "0.10"


def test_dates_are_utc_with_a_z():
    assert utc("2026-12-03T08:00:00-05:00") == "2026-12-03T13:00:00Z"
    assert utc(None) is None


def test_compact_drops_nulls_at_every_depth():
    assert compact({"a": None, "b": {"c": None, "d": 1}, "e": [None, {"f": None}]}) == {
        "b": {"d": 1}, "e": [{}]}


@pytest.mark.parametrize("raw,expected", [
    ("+57 300 123 4567", "+573001234567"), ("573001234567", "+573001234567"),
    ("whatsapp:+573001234567", "+573001234567"), ("12", None), ("", None), (None, None)])
def test_whatsapp_phones_become_e164(raw, expected):
    assert e164(raw) == expected


def test_masking_hides_emails_and_phones_but_keeps_ids():
    masked = mask_arguments({"orderId": "#1001", "customerEmail": "laura.gomez@example.com",
                             "query": "phone:+573001234567 OR email:andres@example.com",
                             "trackingNumber": "789456123", "confirmationToken": "cfm_abcdefgh"})

    assert masked["orderId"] == "#1001"
    assert masked["customerEmail"] == "l***@example.com"
    assert masked["query"] == "phone:***4567 OR email:a***@example.com"
    assert masked["trackingNumber"] == "***6123"
    assert masked["confirmationToken"] == "cfm_ab…"
    assert mask_text("call 300 123 4567") == "call ***4567"


def test_the_confirmation_digest_ignores_the_token_and_key_order():
    one = arguments_digest("fulfill_order", {"orderId": "1", "trackingNumber": "9"})
    two = arguments_digest("fulfill_order", {"trackingNumber": "9", "orderId": "1",
                                             "confirmationToken": "cfm_x"})

    assert one == two
    assert one != arguments_digest("fulfill_order", {"orderId": "1", "trackingNumber": "8"})
    assert one != arguments_digest("cancel_order", {"orderId": "1", "trackingNumber": "9"})
