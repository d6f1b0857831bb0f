"""`flask rotate-keys`: every EncryptedText column re-encrypted under the first key, in batches,
with counts; running it again changes nothing; unreadable values are reported, not lost."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from app import create_app
from app.crypto import secret_box
from app.extensions import db
from app.models import Session, ShopConfiguration
from app.services.key_rotation import encrypted_columns, rotate_encryption_keys
from tests.conftest import create_shop
from tests.support import make_settings

SECRETS = {"dropi_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNlY3JldA",
           "ecomdrop_api_key": "ecd_live_1234567890abcdWXYZ"}


@pytest.fixture
def old_key(app):
    key = app.config["SETTINGS"].encryption_keys[0]
    yield key
    secret_box.configure([key])


@pytest.fixture
def new_key():
    return Fernet.generate_key().decode()


@pytest.fixture
def secrets_stored(app, old_key):
    """Two shops with tokens, sessions and integration secrets, all under the old key."""
    for domain in ("test-shop.myshopify.com", "other-shop.myshopify.com"):
        shop = create_shop(domain)
        db.session.add(ShopConfiguration(shop_id=shop.id, **SECRETS))
        db.session.add(Session(id=Session.online_id(domain, 7), shop_id=shop.id,
                               access_token=f"shpua_{shop.id}_online_token"))
    db.session.commit()
    db.session.expunge_all()


def raw_values() -> dict[str, list[str]]:
    values = {}
    for table, column in encrypted_columns():
        rows = db.session.execute(
            text(f"SELECT {column.name} FROM {table.name} WHERE {column.name} IS NOT NULL")
        ).scalars().all()
        values[f"{table.name}.{column.name}"] = rows
    return values


def readable_with(key: str, values: dict[str, list[str]]) -> bool:
    fernet = Fernet(key.encode())
    try:
        for rows in values.values():
            for value in rows:
                fernet.decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def test_every_encrypted_column_is_found():
    names = {f"{table.name}.{column.name}" for table, column in encrypted_columns()}
    assert {"shops.access_token", "shops.refresh_token", "sessions.access_token",
            "shop_configurations.ecomdrop_api_key", "shop_configurations.dropi_token"} <= names


def test_rotation_re_encrypts_everything_under_the_new_key(secrets_stored, old_key, new_key):
    before = raw_values()
    assert readable_with(old_key, before) and not readable_with(new_key, before)
    secret_box.configure([new_key, old_key])

    report = rotate_encryption_keys(new_key, batch_size=1)

    counts = {c.name: (c.rotated, c.current, c.failed) for c in report.columns}
    assert counts["shops.access_token"] == (2, 0, 0)
    assert counts["shop_configurations.dropi_token"] == (2, 0, 0)
    assert counts["sessions.access_token"] == (2, 0, 0)
    assert report.rotated == sum(len(rows) for rows in before.values()) == 10
    assert readable_with(new_key, raw_values())
    secret_box.configure([new_key])  # the old key can now be dropped
    config = db.session.query(ShopConfiguration).first()
    assert (config.dropi_token, config.ecomdrop_api_key) == (
        SECRETS["dropi_token"], SECRETS["ecomdrop_api_key"])


def test_running_it_again_changes_nothing(secrets_stored, old_key, new_key):
    secret_box.configure([new_key, old_key])
    rotate_encryption_keys(new_key)
    after_first = raw_values()

    again = rotate_encryption_keys(new_key)

    assert again.rotated == 0 and again.failed == 0
    assert sum(c.current for c in again.columns) == 10
    assert raw_values() == after_first


def test_an_unreadable_value_is_counted_and_left_alone(secrets_stored, old_key, new_key):
    stranger = Fernet(Fernet.generate_key()).encrypt(b"lost").decode()
    db.session.execute(text("UPDATE shops SET refresh_token = :value WHERE domain = :domain"),
                       {"value": stranger, "domain": "other-shop.myshopify.com"})
    db.session.commit()
    secret_box.configure([new_key, old_key])

    report = rotate_encryption_keys(new_key)

    refresh = next(c for c in report.columns if c.name == "shops.refresh_token")
    assert (refresh.rotated, refresh.failed) == (1, 1)
    assert report.failed == 1
    stored = db.session.execute(text("SELECT refresh_token FROM shops WHERE domain = :d"),
                                {"d": "other-shop.myshopify.com"}).scalar()
    assert stored == stranger


def test_the_cli_reports_counts(secrets_stored, old_key, new_key, instance_dir):
    rotating = create_app(make_settings(instance_dir, encryption_keys=f"{new_key},{old_key}"))

    result = rotating.test_cli_runner().invoke(args=["rotate-keys", "--batch-size", "3"])

    assert result.exit_code == 0, result.output
    assert "shop_configurations.ecomdrop_api_key: 2 re-encrypted, 0 already current" in result.output
    assert "Total: 10 re-encrypted, 0 unreadable." in result.output
    with rotating.app_context():
        assert readable_with(new_key, raw_values())
        again = rotating.test_cli_runner().invoke(args=["rotate-keys"])
    assert "Total: 0 re-encrypted, 0 unreadable." in again.output


def test_the_cli_fails_when_a_secret_cannot_be_read(secrets_stored, old_key, new_key,
                                                    instance_dir):
    rotating = create_app(make_settings(instance_dir, encryption_keys=new_key))

    result = rotating.test_cli_runner().invoke(args=["rotate-keys"])

    assert result.exit_code != 0
    assert "10 unreadable" in result.output and "keep the old keys configured" in result.output
