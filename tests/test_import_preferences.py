"""The import form: every choice of seed 000 plus the pricing policy, validated field by field."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.models import ProductAssociation
from app.services.product_import import (
    DEFAULT_PRICE_RULE,
    ImportPreferences,
    ImportValidationError,
    parse_preferences,
)


def test_an_empty_form_gives_the_defaults_a_merchant_expects():
    prefs = parse_preferences({}, "COP")
    assert prefs == ImportPreferences(import_images=False)
    assert prefs.price_rule == DEFAULT_PRICE_RULE == "cost*2"
    assert prefs.status == "DRAFT" and prefs.title_source == "dropi"


def test_every_field_is_read():
    prefs = parse_preferences({
        "title_source": "custom", "custom_title": "  Lámpara para mesa de noche ",
        "description_source": "custom",
        "custom_description": "<p onclick='x()'>Hola</p><script>alert(1)</script>",
        "price_rule": "suggested-5%", "compare_at_rule": "price*1.3", "price_ending": "900",
        "min_margin_percent": "25", "use_dropi_barcode": "on", "import_images": "true",
        "status": "active"}, "COP")
    assert prefs.custom_title == "Lámpara para mesa de noche"
    assert prefs.custom_description == "<p>Hola</p>"
    assert (prefs.price_rule, prefs.compare_at_rule, prefs.price_ending) == (
        "suggested-5%", "price*1.3", "900")
    assert prefs.min_margin_percent == Decimal("25.00")
    assert prefs.use_dropi_barcode and prefs.import_images and prefs.status == "ACTIVE"


def test_a_bad_price_rule_says_where_it_goes_wrong():
    with pytest.raises(ImportValidationError) as raised:
        parse_preferences({"price_rule": "cost*1,5"}, "COP")
    assert "character 7" in raised.value.errors["price_rule"]
    assert "dot for decimals" in raised.value.errors["price_rule"]


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ImportValidationError) as raised:
        parse_preferences({"title_source": "custom", "price_rule": "price*2",
                           "compare_at_rule": "cost*", "price_ending": ".99",
                           "min_margin_percent": "120", "status": "archived"}, "COP")
    errors = raised.value.errors
    assert set(errors) == {"custom_title", "price_rule", "compare_at_rule", "price_ending",
                           "min_margin_percent", "status"}
    assert "COP prices have no room" in errors["price_ending"]
    assert "from 0 to 99" in errors["min_margin_percent"]


def test_cents_endings_are_fine_where_the_currency_has_cents():
    assert parse_preferences({"price_ending": ".99"}, "MXN").price_ending == ".99"


def test_a_custom_description_that_is_only_a_script_is_empty():
    with pytest.raises(ImportValidationError) as raised:
        parse_preferences({"description_source": "custom",
                           "custom_description": "<script>steal()</script>"}, "COP")
    assert "custom_description" in raised.value.errors


def test_preferences_survive_a_job_and_an_association():
    prefs = ImportPreferences(title_source="custom", custom_title="Mi título",
                              price_rule="cost+30%", compare_at_rule="price*1.2",
                              price_ending="900", min_margin_percent=Decimal("20.00"),
                              use_dropi_barcode=True, import_images=False, status="ACTIVE")
    assert ImportPreferences.from_dict(prefs.to_dict()) == prefs
    association = ProductAssociation()
    prefs.store_on(association)
    assert association.custom_pricing == "cost+30%" and association.save_dropi_name is False
    assert ImportPreferences.from_association(association) == prefs


def test_a_new_pricing_replaces_only_the_price_fields():
    prefs = ImportPreferences(custom_title="X", title_source="custom")
    priced = prefs.with_pricing({"price_rule": "cost*3", "min_margin_percent": "10"}, "COP")
    assert priced.price_rule == "cost*3" and priced.min_margin_percent == Decimal("10.00")
    assert priced.custom_title == "X" and priced.compare_at_rule is None
    with pytest.raises(ImportValidationError):
        prefs.with_pricing({"price_rule": "cost**2"}, "COP")
