"""Secrets are encrypted at rest; times come back aware UTC; money stays Decimal."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import Refund, ShopConfiguration
from tests.conftest import create_shop


def test_secrets_are_stored_encrypted_and_read_back_in_clear(app, shop):
    config = ShopConfiguration(shop_id=shop.id, dropi_token="dropi-secret-1234", ecomdrop_api_key="eco-key-5678")
    db.session.add(config)
    db.session.commit()
    raw = db.session.execute(
        text("SELECT dropi_token, ecomdrop_api_key FROM shop_configurations")
    ).one()
    assert "dropi-secret-1234" not in raw[0] and "eco-key-5678" not in raw[1]
    raw_shop = db.session.execute(text("SELECT access_token FROM shops")).scalar_one()
    assert not raw_shop.startswith("shpat_")
    db.session.expire_all()
    assert db.session.get(ShopConfiguration, config.id).dropi_token == "dropi-secret-1234"


def test_times_are_timezone_aware_utc(app, shop):
    db.session.expire_all()
    assert shop.installed_at.tzinfo is not None
    assert shop.installed_at.utcoffset().total_seconds() == 0


def test_naive_datetimes_are_refused(app, shop):
    shop.installed_at = datetime(2026, 1, 1)
    with pytest.raises(Exception, match="naive"):
        db.session.commit()
    db.session.rollback()


def test_money_round_trips_as_decimal(app, shop):
    db.session.add(Refund(shop_id=shop.id, shopify_refund_id="gid://shopify/Refund/1",
                          shopify_order_id="gid://shopify/Order/1", amount=Decimal("19900.50"),
                          currency="COP", refunded_at=datetime.now(timezone.utc)))
    db.session.commit()
    db.session.expire_all()
    refund = db.session.execute(db.select(Refund)).scalar_one()
    assert refund.amount == Decimal("19900.50") and isinstance(refund.amount, Decimal)


def test_deleting_a_shop_removes_its_rows_but_not_another_shops(app, shop, other_shop):
    for owner in (shop, other_shop):
        db.session.add(ShopConfiguration(shop_id=owner.id, dropi_store_name=owner.domain))
    db.session.commit()
    db.session.delete(shop)
    db.session.commit()
    remaining = db.session.execute(db.select(ShopConfiguration)).scalars().all()
    assert [c.dropi_store_name for c in remaining] == ["other-shop.myshopify.com"]


def test_inventory_behaviour_defaults_to_bypass_and_rejects_unknown_values(app, shop):
    config = ShopConfiguration(shop_id=shop.id)
    db.session.add(config)
    db.session.commit()
    assert config.inventory_behaviour.value == "bypass"
    with pytest.raises(Exception):
        db.session.execute(text("UPDATE shop_configurations SET inventory_behaviour = 'explode'"))
        db.session.commit()
        db.session.expire_all()
        db.session.get(ShopConfiguration, config.id).inventory_behaviour
    db.session.rollback()
