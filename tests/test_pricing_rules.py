"""The pricing language: what merchants write, what price it gives, and what it refuses."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.services.pricing import (
    PriceRuleError,
    PricingError,
    build_policy,
    parse_ending,
    parse_price_rule,
    quote_price,
    round_price,
)


@pytest.mark.parametrize(
    "rule, cost, suggested, expected",
    [
        ("29.99", D("10"), None, D("29.99")),
        ("cost*1.5", D("20.00"), None, D("30.00")),
        ("+10", D("20.00"), None, D("30.00")),
        ("cost+30%", D("100.00"), None, D("130.00")),
        ("suggested", D("40.00"), D("79.90"), D("79.90")),
        ("suggested-10%", D("40.00"), D("80.00"), D("72.00")),
        ("cost*1.2+5", D("10.00"), None, D("17.00")),
        ("  COSTO * 2 ", D("12.34"), None, D("24.68")),
        ("sugerido+5%", D("1"), D("100"), D("105.00")),
    ],
)
def test_valid_rules_price_a_variant(rule, cost, suggested, expected):
    policy = build_policy(rule, "MXN")
    assert quote_price(policy, cost=cost, suggested=suggested).price == expected


@pytest.mark.parametrize(
    "rule, fragment, position",
    [
        ("__import__('os')", "'(' is not allowed", 11),
        ("cost**2", "Expected a number after '*'", 5),
        ("cost*1.5%", "Use + or - with a percentage", 5),
        ("price*2", "Unknown word 'price'", 1),
        ("cost+", "Expected a number after '+'", 5),
        ("29.99+1", "A fixed price takes no operations", 6),
        ("cost 2", "Expected *, + or - before '2'", 6),
        ("cost*1,5", "use a dot for decimals", 7),
        ("os.system('x')", "'.' is not allowed", 3),
        ("cost/2", "'/' is not allowed", 5),
        ("%5", "A rule cannot start with '%'", 1),
    ],
)
def test_invalid_rules_are_refused_with_the_position_of_the_problem(rule, fragment, position):
    with pytest.raises(PriceRuleError) as caught:
        parse_price_rule(rule)
    assert fragment in str(caught.value)
    assert caught.value.position == position


@pytest.mark.parametrize("rule", ["", "   ", "cost*1.1" + "+1" * 30])
def test_empty_or_overlong_rules_are_refused(rule):
    with pytest.raises(PriceRuleError):
        parse_price_rule(rule)


def test_a_suggested_rule_on_a_product_without_suggested_price_explains_why():
    policy = build_policy("suggested*1.1", "COP")
    with pytest.raises(PricingError, match="needs a suggested price"):
        quote_price(policy, cost=D("10000"), suggested=None)


def test_a_rule_that_gives_no_positive_price_is_refused():
    with pytest.raises(PricingError):
        quote_price(build_policy("cost-100", "MXN"), cost=D("50"))


@pytest.mark.parametrize(
    "amount, currency, ending, expected",
    [
        (D("45123.4"), "COP", None, D("45123")),
        (D("45123.5"), "COP", None, D("45124")),
        (D("45123"), "COP", "900", D("45900")),
        (D("45900"), "COP", "900", D("45900")),
        (D("45901"), "COP", "900", D("46900")),
        (D("12345"), "CLP", "990", D("12990")),
        (D("89000"), "PYG", "000", D("89000")),
        (D("19.20"), "MXN", ".99", D("19.99")),
        (D("19.995"), "MXN", ".99", D("20.99")),
        (D("19.994"), "MXN", None, D("19.99")),
        (D("123.45"), "USD", "9.99", D("129.99")),
    ],
)
def test_rounding_follows_the_currency_and_the_ending(amount, currency, ending, expected):
    rounded = round_price(amount, currency, parse_ending(ending, currency))
    assert rounded == expected
    assert rounded.as_tuple().exponent == (0 if currency in {"COP", "CLP", "PYG"} else -2)


@pytest.mark.parametrize("currency", ["COP", "CLP", "PYG"])
def test_cents_endings_are_refused_for_currencies_without_cents(currency):
    with pytest.raises(PriceRuleError, match="no room for the ending"):
        parse_ending(".99", currency)


def test_minimum_margin_raises_a_price_that_would_fall_below_it():
    policy = build_policy("cost+10%", "MXN", min_margin_percent="30")
    quote = quote_price(policy, cost=D("70.00"))
    assert quote.price == D("100.00")
    assert quote.margin_percent == D("30.0")
    assert any("30% margin" in note for note in quote.notes)


def test_compare_at_rule_can_follow_the_final_price_and_is_dropped_when_not_higher():
    policy = build_policy("cost*2", "COP", compare_at_rule="precio+30%", ending="900")
    quote = quote_price(policy, cost=D("24000"))
    assert quote.price == D("48900")
    assert quote.compare_at_price == D("63900")
    lower = build_policy("cost*2", "COP", compare_at_rule="cost*1.5")
    assert quote_price(lower, cost=D("24000")).compare_at_price is None


def test_everything_stays_decimal():
    quote = quote_price(build_policy("cost*1.37", "MXN", ending=".90"), cost=D("33.33"))
    for value in (quote.cost, quote.price, quote.margin_percent):
        assert isinstance(value, D)
    assert quote.price == D("45.90")


@pytest.mark.parametrize("margin", ["-1", "100", "abc"])
def test_an_impossible_minimum_margin_is_refused(margin):
    with pytest.raises(PriceRuleError):
        build_policy("cost*2", "MXN", min_margin_percent=margin)
