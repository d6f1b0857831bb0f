"""The merchant's import choices (seed 000 ProductAssociation preferences plus the pricing
policy), parsed from a form, stored on the association and carried by bulk jobs."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from app.services.html_sanitizer import sanitize_description
from app.services.plain_text import without_control_characters
from app.services.pricing import (
    MAX_MARGIN_PERCENT,
    PriceRuleError,
    PricingError,
    PricingPolicy,
    build_policy,
    check_prices_realistic_costs,
    parse_ending,
    parse_price_rule,
)
from app.services.product_import.errors import ImportValidationError

SOURCES = ("dropi", "custom")
STATUSES = ("DRAFT", "ACTIVE")
DEFAULT_PRICE_RULE = "cost*2"
TITLE_LIMIT = 255
ENDING_LIMIT = 10
TRUE_VALUES = frozenset({"1", "true", "on", "yes"})
PRICING_FIELDS = ("price_rule", "compare_at_rule", "price_ending", "min_margin_percent")


@dataclass(frozen=True)
class ImportPreferences:
    """How a Dropi product becomes a Shopify product. Form field names are these attributes."""

    title_source: str = "dropi"
    custom_title: str | None = None
    description_source: str = "dropi"
    custom_description: str | None = None
    price_rule: str = DEFAULT_PRICE_RULE
    compare_at_rule: str | None = None
    price_ending: str | None = None
    min_margin_percent: Decimal | None = None
    use_dropi_barcode: bool = False
    import_images: bool = True
    status: str = "DRAFT"

    def __post_init__(self) -> None:
        # However they were built (a form, a stored job, a script), no control character
        # reaches Shopify or our row: a product must never be written but not recorded.
        for name, value in vars(self).items():
            if isinstance(value, str):
                object.__setattr__(self, name, without_control_characters(value))

    def policy(self, currency: str) -> PricingPolicy:
        """The pricing policy these preferences describe, for the shop's currency."""
        return build_policy(self.price_rule, currency, compare_at_rule=self.compare_at_rule,
                            ending=self.price_ending, min_margin_percent=self.min_margin_percent)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (money and percentages as strings), for ImportJob.preferences."""
        data = asdict(self)
        if self.min_margin_percent is not None:
            data["min_margin_percent"] = str(self.min_margin_percent)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportPreferences:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if known.get("min_margin_percent") not in (None, ""):
            known["min_margin_percent"] = Decimal(str(known["min_margin_percent"]))
        else:
            known["min_margin_percent"] = None
        return cls(**known)

    @classmethod
    def from_association(cls, association) -> ImportPreferences:
        """The preferences an association was imported (or last re-priced) with."""
        return cls(
            title_source="dropi" if association.save_dropi_name else "custom",
            custom_title=association.custom_title,
            description_source="dropi" if association.save_dropi_description else "custom",
            custom_description=association.custom_description,
            price_rule=association.custom_pricing or DEFAULT_PRICE_RULE,
            compare_at_rule=association.compare_at_rule,
            price_ending=association.price_ending,
            min_margin_percent=association.min_margin_percent,
            use_dropi_barcode=bool(association.use_suggested_barcode),
            import_images=bool(association.save_dropi_images),
            status=association.product_status or "DRAFT",
        )

    def store_on(self, association) -> None:
        """Copy these preferences onto a ProductAssociation row."""
        association.save_dropi_name = self.title_source == "dropi"
        association.custom_title = self.custom_title
        association.save_dropi_description = self.description_source == "dropi"
        association.custom_description = self.custom_description
        self.store_pricing_on(association)
        association.use_suggested_barcode = self.use_dropi_barcode
        association.save_dropi_images = self.import_images
        association.product_status = self.status

    def store_pricing_on(self, association) -> None:
        association.custom_pricing = self.price_rule
        association.compare_at_rule = self.compare_at_rule
        association.price_ending = self.price_ending
        association.min_margin_percent = self.min_margin_percent

    def with_pricing(self, pricing: Mapping[str, Any], currency: str) -> ImportPreferences:
        """These preferences with a new pricing policy (validated like the import form)."""
        errors: dict[str, str] = {}
        values = _pricing_values(pricing, currency, errors)
        if errors:
            raise ImportValidationError(errors)
        return replace(self, **values)


def parse_preferences(form: Mapping[str, str], currency: str) -> ImportPreferences:
    """Preferences from the import form; raises ImportValidationError naming every bad field."""
    errors: dict[str, str] = {}
    title_source = _choice(form, "title_source", SOURCES, "dropi", errors)
    description_source = _choice(form, "description_source", SOURCES, "dropi", errors)
    status = _choice(form, "status", STATUSES, "DRAFT", errors, upper=True)
    custom_title = _text(form.get("custom_title"))
    if title_source == "custom" and not custom_title:
        errors["custom_title"] = _("Write the title the product should have in Shopify.")
    elif custom_title and len(custom_title) > TITLE_LIMIT:
        errors["custom_title"] = _("A Shopify title has at most %(limit)s characters.",
                                   limit=TITLE_LIMIT)
    custom_description = _text(form.get("custom_description"))
    if description_source == "custom":
        custom_description = sanitize_description(custom_description) or None
        if not custom_description:
            errors["custom_description"] = _("Write the description, or use Dropi's.")
    pricing = _pricing_values(form, currency, errors)
    if errors:
        raise ImportValidationError(errors)
    return ImportPreferences(
        title_source=title_source, custom_title=custom_title if title_source == "custom" else None,
        description_source=description_source,
        custom_description=custom_description if description_source == "custom" else None,
        use_dropi_barcode=_flag(form, "use_dropi_barcode"),
        import_images=_flag(form, "import_images"), status=status, **pricing)


def _pricing_values(form: Mapping[str, Any], currency: str, errors: dict[str, str]) -> dict:
    price_rule = _text(form.get("price_rule")) or DEFAULT_PRICE_RULE
    compare_at_rule = _text(form.get("compare_at_rule"))
    ending = _text(form.get("price_ending"))
    _check(errors, "price_rule", lambda: parse_price_rule(price_rule))
    if compare_at_rule:
        _check(errors, "compare_at_rule",
               lambda: parse_price_rule(compare_at_rule, allow_price_base=True))
    if ending:
        if len(ending) > ENDING_LIMIT:
            errors["price_ending"] = _("A price ending has at most %(limit)s characters.",
                                       limit=ENDING_LIMIT)
        else:
            _check(errors, "price_ending", lambda: parse_ending(ending, currency))
    margin = _margin(form.get("min_margin_percent"), errors)
    if not errors:
        _check_realistic(errors, currency, price_rule, compare_at_rule, ending, margin)
    return {"price_rule": price_rule, "compare_at_rule": compare_at_rule,
            "price_ending": ending, "min_margin_percent": margin}


def _check_realistic(errors: dict[str, str], currency: str, price_rule, compare_at_rule,
                     ending, margin) -> None:
    full = build_policy(price_rule, currency, compare_at_rule=compare_at_rule, ending=ending,
                        min_margin_percent=margin)
    for field, policy in (("price_rule", replace(full, compare_at_rule=None)),
                          ("compare_at_rule", full)):
        try:
            check_prices_realistic_costs(policy)
        except PricingError as exc:
            errors[field] = str(exc)
            return


def _margin(raw: Any, errors: dict[str, str]) -> Decimal | None:
    text = _text(None if raw is None else str(raw))
    if not text:
        return None
    try:
        margin = Decimal(text.replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        margin = None
    if margin is not None and margin.is_finite() and Decimal(0) <= margin <= MAX_MARGIN_PERCENT:
        return margin.quantize(Decimal("0.01"))
    errors["min_margin_percent"] = _("The minimum margin is a percentage from 0 to 99.")
    return None


def _check(errors: dict[str, str], field: str, parse) -> None:
    try:
        parse()
    except PriceRuleError as exc:
        errors[field] = str(exc)


def _choice(form, field, choices, default, errors, *, upper=False) -> str:
    value = _text(form.get(field)) or default
    value = value.upper() if upper else value.lower()
    if value not in choices:
        errors[field] = _("Choose one of: %(choices)s.", choices=", ".join(choices))
        return default
    return value


def _flag(form: Mapping[str, str], field: str) -> bool:
    return str(form.get(field) or "").strip().lower() in TRUE_VALUES


def _text(value: str | None) -> str | None:
    text = without_control_characters(value or "").strip()
    return text or None
