"""Settings come only from the environment, with working local defaults."""
from __future__ import annotations

from datetime import date

import pytest
from cryptography.fernet import Fernet

from app.config import ConfigError, Settings, check_api_version, toml_scopes


def test_default_api_version_is_2026_10_and_scopes_come_from_the_toml(tmp_path):
    settings = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})
    assert settings.shopify_api_version == "2026-10"
    assert settings.shopify_scopes == toml_scopes()
    assert "write_products" in settings.shopify_scopes.split(",")


def test_a_version_older_than_twelve_months_is_refused_with_a_clear_message():
    with pytest.raises(ConfigError, match="no longer supported"):
        check_api_version("2025-07", today=date(2026, 11, 22))


def test_a_version_within_twelve_months_is_accepted():
    assert check_api_version("2025-10", today=date(2026, 10, 15)) == "2025-10"
    assert check_api_version("2026-01", today=date(2026, 11, 22)) == "2026-01"


@pytest.mark.parametrize("bad", ["2026-02", "latest", "", "26-10"])
def test_malformed_versions_are_refused(bad):
    with pytest.raises(ConfigError, match="not a Shopify API version"):
        check_api_version(bad)


def test_environment_refuses_an_old_version(tmp_path):
    with pytest.raises(ConfigError):
        Settings.from_env({"INSTANCE_PATH": str(tmp_path), "SHOPIFY_API_VERSION": "2024-10"})


def test_development_encryption_key_is_generated_once_and_reused(tmp_path):
    first = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})
    second = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})
    assert first.encryption_keys == second.encryption_keys
    Fernet(first.encryption_keys[0].encode())
    assert (tmp_path / "encryption.key").stat().st_mode & 0o077 == 0


def test_encryption_keys_rotate_first_encrypts_all_decrypt(tmp_path):
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = Settings.from_env({"INSTANCE_PATH": str(tmp_path), "ENCRYPTION_KEYS": f"{new},{old}"})
    assert settings.encryption_keys == [new, old]


def test_an_invalid_encryption_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not a Fernet key"):
        Settings.from_env({"INSTANCE_PATH": str(tmp_path), "ENCRYPTION_KEYS": "not-a-key"})


def test_shop_base_url_can_point_at_a_local_stand_in(tmp_path):
    real = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})
    local = Settings.from_env(
        {"INSTANCE_PATH": str(tmp_path), "SHOPIFY_SHOP_URL_TEMPLATE": "http://127.0.0.1:5001/{shop}"}
    )
    assert real.shop_base_url("a.myshopify.com") == "https://a.myshopify.com"
    assert local.shop_base_url("a.myshopify.com") == "http://127.0.0.1:5001/a.myshopify.com"


def test_the_dropi_pace_defaults_to_60_a_minute_and_refuses_a_non_number(tmp_path):
    assert Settings.from_env({"INSTANCE_PATH": str(tmp_path)}).dropi_requests_per_minute == 60
    assert Settings.from_env({"INSTANCE_PATH": str(tmp_path),
                              "DROPI_REQUESTS_PER_MINUTE": "120"}).dropi_requests_per_minute == 120
    for bad in ("0", "-5", "sixty", "²"):
        with pytest.raises(ConfigError, match="DROPI_REQUESTS_PER_MINUTE"):
            Settings.from_env({"INSTANCE_PATH": str(tmp_path), "DROPI_REQUESTS_PER_MINUTE": bad})


@pytest.mark.parametrize("value, expected", [(None, 120.0), ("", 120.0), ("30", 30.0)])
def test_the_webhook_lease_defaults_to_two_minutes(tmp_path, value, expected):
    env = {"INSTANCE_PATH": str(tmp_path)}
    if value is not None:
        env["WEBHOOK_LEASE_SECONDS"] = value
    assert Settings.from_env(env).webhook_lease_seconds == expected


@pytest.mark.parametrize("bad", ["0", "-5", "soon"])
def test_a_webhook_lease_that_is_no_positive_number_is_refused(tmp_path, bad):
    with pytest.raises(ConfigError, match="WEBHOOK_LEASE_SECONDS=.* is not a positive number"):
        Settings.from_env({"INSTANCE_PATH": str(tmp_path), "WEBHOOK_LEASE_SECONDS": bad})
