"""Pricing rules: a small, safe language for turning a Dropi cost into a Shopify price.

A rule starts from a number or a base and applies steps left to right:

    29.99            a fixed price
    cost*1.5         a multiplier of the Dropi cost (sale_price)
    +10              a markup on the cost (same as cost+10)
    cost+30%         a percentage markup
    suggested-5%     based on Dropi's suggested retail price
    cost*1.2+5000    steps chain, evaluated left to right
    price*1.3        (compare-at rules only) based on the final price

Spanish merchants may write `costo`, `sugerido` and `precio`. Nothing is evaluated as Python:
the text is tokenized and interpreted here. Every amount is a Decimal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _

MAX_RULE_LENGTH = 50
# Bounds that keep every amount far inside Decimal's precision and Shopify's price field:
# a number in a rule, and a price or compare-at price a rule may give.
MAX_RULE_NUMBER = Decimal("1000000000")
MAX_RULE_DECIMALS = 4
MAX_PRICE = Decimal("1000000000000")
# A margin of 100 % (or one that rounds to it) would need an infinite price.
MAX_MARGIN_PERCENT = Decimal("99")
# The cost check_prices_realistic_costs prices, by the currency's decimal places.
TYPICAL_COST = {0: Decimal(45000), 2: Decimal("12.90")}
BASE_ALIASES = {
    "cost": "cost", "costo": "cost",
    "suggested": "suggested", "sugerido": "suggested",
    "price": "price", "precio": "price",
}
# ISO 4217 minor units, except where merchants price in whole units (COP, CLP, PYG).
ZERO_DECIMAL_CURRENCIES = {"COP", "CLP", "PYG", "JPY", "KRW", "VND", "ISK", "HUF"}
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<word>[A-Za-z_]+)|(?P<op>[*+\-%]))")


class PriceRuleError(ValueError):
    """A rule that cannot be parsed; `position` is the 1-based character where it goes wrong."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        where = _(" (at character %(position)s)", position=position) if position else ""
        super().__init__(f"{message}{where}")


class PricingError(ValueError):
    """A valid rule that cannot price this product (e.g. no suggested price)."""


@dataclass(frozen=True)
class Step:
    operator: str  # "*", "+", "-"
    amount: Decimal
    percent: bool = False


@dataclass(frozen=True)
class PriceRule:
    text: str
    base: str | None  # "cost", "suggested", "price" or None for a fixed price
    start: Decimal | None = None
    steps: tuple[Step, ...] = ()

    @property
    def is_fixed(self) -> bool:
        return self.base is None


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def _tokenize(text: str) -> list[Token]:
    tokens, index = [], 0
    while index < len(text):
        if text[index:].strip() == "":
            break
        match = _TOKEN.match(text, index)
        if not match:
            offender = text[index:].lstrip()[0]
            position = len(text) - len(text[index:].lstrip()) + 1
            if offender == ",":
                raise PriceRuleError(
                    _("'%(char)s' is not allowed in a price rule: use a dot for decimals",
                      char=offender), position)
            raise PriceRuleError(
                _("'%(char)s' is not allowed in a price rule", char=offender), position)
        kind = match.lastgroup
        start = match.start(kind)
        tokens.append(Token(kind, match.group(kind), start + 1))
        index = match.end()
    return tokens


def _number(token: Token) -> Decimal:
    try:
        value = Decimal(token.text)
    except InvalidOperation as exc:  # pragma: no cover - the regex only lets digits through
        raise PriceRuleError(
            _("'%(text)s' is not a number", text=token.text), token.position) from exc
    if value > MAX_RULE_NUMBER:
        raise PriceRuleError(_("%(text)s is too large: a number in a rule is at most "
                               "%(limit)s", text=token.text,
                               limit=format_decimal(MAX_RULE_NUMBER)), token.position)
    if -value.as_tuple().exponent > MAX_RULE_DECIMALS:
        raise PriceRuleError(_("A number in a rule has at most %(count)s decimals",
                               count=MAX_RULE_DECIMALS), token.position)
    return value


def parse_price_rule(text: str, *, allow_price_base: bool = False) -> PriceRule:
    """Parse a rule; raise PriceRuleError pointing at the problem."""
    text = (text or "").strip()
    if not text:
        raise PriceRuleError(_("Write a rule, for example cost*1.5, cost+30% or 29.99"))
    if len(text) > MAX_RULE_LENGTH:
        raise PriceRuleError(
            _("A rule has at most %(count)s characters", count=MAX_RULE_LENGTH))
    tokens = _tokenize(text)
    base, start, rest = _parse_start(tokens, allow_price_base)
    steps = _parse_steps(rest)
    if base is None and steps:
        raise PriceRuleError(
            _("A fixed price takes no operations; start with cost or suggested"),
            rest[0].position,
        )
    return PriceRule(text=text, base=base, start=start, steps=tuple(steps))


def _parse_start(tokens: list[Token], allow_price_base: bool):
    first = tokens[0]
    if first.kind == "number":
        return None, _number(first), tokens[1:]
    if first.kind == "word":
        base = BASE_ALIASES.get(first.text.lower())
        if base is None or (base == "price" and not allow_price_base):
            message = (
                _("Unknown word '%(word)s': use cost, suggested or price", word=first.text)
                if allow_price_base
                else _("Unknown word '%(word)s': use cost or suggested", word=first.text)
            )
            raise PriceRuleError(message, first.position)
        return base, None, tokens[1:]
    if first.text in "+-*":
        return "cost", None, tokens  # "+10" means cost+10
    raise PriceRuleError(_("A rule cannot start with '%(text)s'", text=first.text), first.position)


def _parse_steps(tokens: list[Token]) -> list[Step]:
    steps, index = [], 0
    while index < len(tokens):
        op = tokens[index]
        if op.kind != "op" or op.text == "%":
            raise PriceRuleError(_("Expected *, + or - before '%(text)s'", text=op.text),
                                 op.position)
        if index + 1 >= len(tokens) or tokens[index + 1].kind != "number":
            raise PriceRuleError(_("Expected a number after '%(text)s'", text=op.text),
                                 op.position)
        amount = _number(tokens[index + 1])
        index += 2
        percent = index < len(tokens) and tokens[index].text == "%"
        if percent:
            if op.text == "*":
                raise PriceRuleError(_("Use + or - with a percentage, e.g. cost+30%"),
                                     op.position)
            index += 1
        steps.append(Step(op.text, amount, percent))
    return steps


def evaluate_rule(rule: PriceRule, *, cost: Decimal, suggested: Decimal | None = None,
                  price: Decimal | None = None) -> Decimal:
    """The raw (unrounded) amount a rule gives for these inputs."""
    if rule.is_fixed:
        return rule.start
    bases = {"cost": cost, "suggested": suggested, "price": price}
    amount = bases[rule.base]
    if amount is None:
        raise PricingError(_missing_base_message(rule))
    for step in rule.steps:
        operand = amount * step.amount / 100 if step.percent else step.amount
        if step.operator == "*":
            amount = amount * operand
        elif step.operator == "+":
            amount = amount + operand
        else:
            amount = amount - operand
    return amount


def _missing_base_message(rule: PriceRule) -> str:
    if rule.base == "suggested":
        return _("The rule '%(rule)s' needs a suggested price, which is missing", rule=rule.text)
    if rule.base == "price":
        return _("The rule '%(rule)s' needs a price, which is missing", rule=rule.text)
    return _("The rule '%(rule)s' needs a cost, which is missing", rule=rule.text)


def minor_units(currency: str) -> int:
    """Decimal places a price has in this currency."""
    return 0 if (currency or "").upper() in ZERO_DECIMAL_CURRENCIES else 2


@dataclass(frozen=True)
class Ending:
    """A price ending such as '.99' (step 1) or '900' (step 1000)."""

    remainder: Decimal
    step: Decimal


def parse_ending(text: str | None, currency: str) -> Ending | None:
    """'' or None: no ending. Refuse endings the currency cannot show (.99 in COP)."""
    text = (text or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d*(?:\.\d+)?", text) or text in {".", ""}:
        raise PriceRuleError(_("'%(text)s' is not a price ending such as .99 or 900", text=text))
    integer_part, _dot, decimals = text.partition(".")
    if len(decimals) > minor_units(currency):
        raise PriceRuleError(
            _("%(currency)s prices have no room for the ending '%(text)s'",
              currency=currency, text=text))
    step = Decimal(10) ** len(integer_part)
    return Ending(remainder=Decimal(text if not text.startswith(".") else "0" + text), step=step)


def round_price(amount: Decimal, currency: str, ending: Ending | None = None) -> Decimal:
    """Round to the currency's minor units, then up to the next price with the ending."""
    quantum = Decimal(1).scaleb(-minor_units(currency))
    amount = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    if ending is None:
        return amount
    blocks = ((amount - ending.remainder) / ending.step).to_integral_value(rounding=ROUND_CEILING)
    return (blocks * ending.step + ending.remainder).quantize(quantum)


@dataclass(frozen=True)
class PricingPolicy:
    """Everything that decides a variant's price and compare-at price."""

    price_rule: PriceRule
    currency: str
    compare_at_rule: PriceRule | None = None
    ending: Ending | None = None
    min_margin_percent: Decimal | None = None


@dataclass(frozen=True)
class PriceQuote:
    cost: Decimal
    price: Decimal
    compare_at_price: Decimal | None
    margin_percent: Decimal | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def build_policy(price_rule: str, currency: str, *, compare_at_rule: str | None = None,
                 ending: str | None = None, min_margin_percent=None) -> PricingPolicy:
    """Parse every part of a pricing policy, raising PriceRuleError on the first bad one."""
    margin = None
    if min_margin_percent not in (None, ""):
        try:
            margin = Decimal(str(min_margin_percent))
        except InvalidOperation as exc:
            raise PriceRuleError(_("The minimum margin must be a number of percent")) from exc
        if not margin.is_finite() or not Decimal(0) <= margin <= MAX_MARGIN_PERCENT:
            raise PriceRuleError(_("The minimum margin must be between 0 and 99 percent"))
    return PricingPolicy(
        price_rule=parse_price_rule(price_rule),
        currency=(currency or "").upper(),
        compare_at_rule=parse_price_rule(compare_at_rule, allow_price_base=True)
        if (compare_at_rule or "").strip() else None,
        ending=parse_ending(ending, currency),
        min_margin_percent=margin,
    )


def quote_price(policy: PricingPolicy, *, cost: Decimal,
                suggested: Decimal | None = None) -> PriceQuote:
    """Price one variant: rule, minimum margin, rounding, then the compare-at price."""
    notes = []
    raw = evaluate_rule(policy.price_rule, cost=cost, suggested=suggested)
    floor = _margin_floor(cost, policy.min_margin_percent)
    if floor is not None and raw < floor:
        raw = floor
        notes.append(_("raised to keep a %(margin)s%% margin", margin=policy.min_margin_percent))
    if raw <= 0:
        raise PricingError(_("The rule '%(rule)s' gives a price of %(price)s",
                             rule=policy.price_rule.text, price=raw))
    _refuse_too_large(policy.price_rule, raw)
    price = round_price(raw, policy.currency, policy.ending)
    compare_at = _compare_at(policy, cost, suggested, price, notes)
    return PriceQuote(cost=cost, price=price, compare_at_price=compare_at,
                      margin_percent=margin_percent(cost, price), notes=tuple(notes))


def _refuse_too_large(rule: PriceRule, raw: Decimal) -> None:
    if raw > MAX_PRICE:
        raise PricingError(_("The rule '%(rule)s' gives a price above %(limit)s, more than a "
                             "store can charge", rule=rule.text, limit=format_decimal(MAX_PRICE)))


def _margin_floor(cost: Decimal, min_margin: Decimal | None) -> Decimal | None:
    if min_margin is None or cost <= 0:
        return None
    if min_margin > MAX_MARGIN_PERCENT:
        raise PricingError(_("A minimum margin of %(margin)s%% cannot be kept at any price: "
                             "choose one from 0 to 99", margin=min_margin))
    return cost / (1 - min_margin / 100)


def _compare_at(policy, cost, suggested, price, notes) -> Decimal | None:
    if policy.compare_at_rule is None:
        return None
    raw = evaluate_rule(policy.compare_at_rule, cost=cost, suggested=suggested, price=price)
    _refuse_too_large(policy.compare_at_rule, raw)
    compare_at = round_price(raw, policy.currency, policy.ending)
    if compare_at <= price:
        notes.append(_("no compare-at price: it would not be above the price"))
        return None
    return compare_at


def check_prices_realistic_costs(policy: PricingPolicy) -> None:
    """Raise PricingError when the policy cannot price an ordinary product of its currency
    (suggested price twice the cost), so a rule is refused when the merchant writes it rather
    than product by product later."""
    cost = TYPICAL_COST[minor_units(policy.currency)]
    try:
        quote_price(policy, cost=cost, suggested=cost * 2)
    except PricingError as exc:
        raise PricingError(_("For a product that costs %(cost)s: %(problem)s",
                             cost=format_decimal(cost), problem=exc)) from exc


def margin_percent(cost: Decimal, price: Decimal) -> Decimal | None:
    """Gross margin as a percentage of the price, one decimal."""
    if price <= 0:
        return None
    return ((price - cost) / price * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
