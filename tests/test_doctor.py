"""`flask doctor`: a good production configuration passes; each bad one fails with its message."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from app import create_app
from app.config import ConfigError, Settings
from app.extensions import db
from app.services.doctor import diagnose
from tests.support import make_settings

GOOD_TOML = """
[webhooks]
api_version = "2026-10"
  [[webhooks.subscriptions]]
  topics = ["app/uninstalled", "orders/create"]
  uri = "/webhooks"
  [[webhooks.subscriptions]]
  compliance_topics = ["customers/data_request", "customers/redact", "shop/redact"]
  uri = "/webhooks"
"""
HANDLED = {"app/uninstalled", "orders/create", "customers/data_request", "customers/redact",
           "shop/redact"}


def production_env(**changes) -> dict[str, str]:
    env = {
        "APP_ENV": "production",
        "SHOPIFY_API_KEY": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "SHOPIFY_API_SECRET": "shpss_realsecretvalue",
        "SHOPIFY_APP_URL": "https://connector.example.com",
        "SECRET_KEY": "a-long-random-secret-key-from-the-vault",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgresql://connector@db.internal/connector",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "OUTGOING_IP": "190.85.44.12",
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v is not None}


@pytest.fixture
def toml_file(tmp_path) -> Path:
    path = tmp_path / "shopify.app.toml"
    path.write_text(GOOD_TOML)
    return path


def run_doctor(env: dict[str, str], toml_path: Path, *, database_up=True, redis_up=True,
               applied=("0003",), heads=("0003",), handled=HANDLED, api_version=None):
    settings = Settings.from_env({**env, "INSTANCE_PATH": str(toml_path.parent / "instance")})
    if api_version:  # Settings.from_env already refuses an old version; the doctor says so too
        settings.shopify_api_version = api_version

    def connect():
        if not database_up:
            raise ConnectionRefusedError("db down")

    def ping(url):
        if not redis_up:
            raise ConnectionRefusedError("redis down")

    return diagnose(settings, connect_database=connect, ping_redis=ping,
                    applied_revisions=lambda: set(applied), head_revisions=set(heads),
                    handled_topics=handled, toml_path=toml_path)


def fatal_messages(findings) -> list[str]:
    return [f.message for f in findings if f.fatal]


def test_a_good_production_configuration_passes(toml_file):
    assert run_doctor(production_env(), toml_file) == []


@pytest.mark.parametrize("url, expected", [
    ("http://connector.example.com", "must be an https URL"),
    ("ftp://connector.example.com", "must be an https URL"),
    ("http://127.0.0.1:5000", "production needs the public https address"),
])
def test_the_app_url_must_be_https(toml_file, url, expected):
    messages = fatal_messages(run_doctor(production_env(SHOPIFY_APP_URL=url), toml_file))
    assert any(expected in m for m in messages)


def test_http_on_localhost_is_fine_for_development(toml_file):
    env = production_env(APP_ENV="development", SHOPIFY_APP_URL="http://127.0.0.1:5000")
    assert fatal_messages(run_doctor(env, toml_file)) == []


def test_demo_shopify_credentials_are_fatal_in_production(toml_file):
    env = production_env(SHOPIFY_API_KEY=None, SHOPIFY_API_SECRET=None)
    assert any("demo values" in m for m in fatal_messages(run_doctor(env, toml_file)))


@pytest.mark.parametrize("missing, expected", [
    ("SECRET_KEY", "SECRET_KEY is not set"),
    ("ENCRYPTION_KEYS", "ENCRYPTION_KEYS is not set"),
])
def test_generated_secrets_are_fatal_in_production(toml_file, missing, expected):
    messages = fatal_messages(run_doctor(production_env(**{missing: None}), toml_file))
    assert any(expected in m for m in messages)


def test_sqlite_and_a_missing_redis_are_fatal_in_production(toml_file):
    env = production_env(DATABASE_URL="sqlite:////tmp/x.sqlite3", REDIS_URL=None)
    messages = fatal_messages(run_doctor(env, toml_file))
    assert any("PostgreSQL" in m for m in messages)
    assert any("REDIS_URL is not set" in m for m in messages)


def test_unreachable_database_and_redis_are_named(toml_file):
    messages = fatal_messages(run_doctor(production_env(), toml_file, database_up=False,
                                         redis_up=False))
    assert any("database cannot be reached" in m for m in messages)
    assert any("Redis at REDIS_URL cannot be reached" in m for m in messages)


def test_migrations_behind_head_say_to_upgrade(toml_file):
    messages = fatal_messages(run_doctor(production_env(), toml_file, applied=("0002",)))
    assert messages == ["The database is at revision 0002 but the code needs 0003: run "
                        "`flask db upgrade`."]


def test_an_unsupported_api_version_is_fatal(toml_file):
    findings = run_doctor(production_env(), toml_file, api_version="2024-01")
    assert any("no longer supported" in m for m in fatal_messages(findings))


@pytest.mark.parametrize("ip, expected", [
    (None, "OUTGOING_IP is not set"),
    ("10.0.0.5", "is not a public address"),
])
def test_the_dropi_allow_list_needs_a_known_public_outgoing_ip(toml_file, ip, expected):
    messages = fatal_messages(run_doctor(production_env(OUTGOING_IP=ip), toml_file))
    assert any(expected in m for m in messages)


def test_an_outgoing_ip_that_is_no_address_is_refused_when_the_settings_load(tmp_path):
    with pytest.raises(ConfigError, match="is not an IP address"):
        Settings.from_env(production_env(OUTGOING_IP="not-an-ip", INSTANCE_PATH=str(tmp_path)))


def test_a_topic_handled_but_not_subscribed_or_the_reverse_is_an_error(toml_file):
    handled = (HANDLED - {"orders/create"}) | {"refunds/create"}
    messages = fatal_messages(run_doctor(production_env(), toml_file, handled=handled))
    assert sorted(messages) == sorted([
        "The code handles refunds/create but shopify.app.toml does not subscribe to it, so it "
        "never arrives.",
        "shopify.app.toml subscribes to orders/create but no handler processes it.",
    ])


@pytest.mark.parametrize("uri, fine", [
    ("/webhooks", True),
    ("https://connector.example.com/webhooks", True),
    ("/webhooks/orders", False),
    ("https://elsewhere.example.com/webhooks", False),
    ("http://connector.example.com/webhooks", False),
])
def test_every_subscription_must_reach_the_apps_webhook_endpoint(toml_file, uri, fine):
    toml_file.write_text(GOOD_TOML.replace('uri = "/webhooks"', f'uri = "{uri}"', 1))
    messages = fatal_messages(run_doctor(production_env(), toml_file))
    assert messages == ([] if fine else [
        f"shopify.app.toml sends app/uninstalled, orders/create to {uri}, but this app receives "
        "webhooks at /webhooks of https://connector.example.com."])


def test_webhook_payloads_in_another_api_version_are_a_warning(toml_file):
    toml_file.write_text(GOOD_TOML.replace('api_version = "2026-10"', 'api_version = "2026-07"'))
    findings = run_doctor(production_env(), toml_file)
    assert fatal_messages(findings) == []
    assert [f.message for f in findings if f.check == "webhooks"] == [
        "shopify.app.toml asks for webhook payloads in API version 2026-07 but the app speaks "
        "2026-10: make them the same."]


def test_the_project_toml_matches_the_handlers_the_code_registers(app):
    from app.diagnostics import webhook_endpoint
    from app.services.doctor import check_webhook_delivery, check_webhook_subscriptions
    from app.services.webhooks import registered_topics

    assert check_webhook_subscriptions(registered_topics()) == []
    assert check_webhook_delivery(app.config["SETTINGS"], webhook_endpoint(app)) == []


def test_the_web_process_refuses_to_start_in_production_with_a_fatal_problem(tmp_path):
    env = production_env(SHOPIFY_APP_URL="http://connector.example.com",
                         INSTANCE_PATH=str(tmp_path))
    with pytest.raises(ConfigError, match="must be an https URL"):
        create_app(Settings.from_env(env))


def test_flask_doctor_exits_non_zero_and_says_why(tmp_path):
    settings = make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'bare.sqlite3'}",
                             redis_url="")
    app = create_app(settings)
    with app.app_context():
        db.create_all()  # tables without a recorded migration: `flask db upgrade` never ran
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "migrations: The database is at revision none" in result.output
    assert "fatal problem(s)" in result.output


def test_flask_doctor_passes_a_migrated_development_database(tmp_path):
    from flask_migrate import upgrade

    settings = make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'doctor.sqlite3'}",
                             redis_url="", outgoing_ip="190.85.44.12",
                             encryption_keys=Fernet.generate_key().decode())
    app = create_app(settings)
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "Configuration OK" in result.output


def test_the_api_version_check_uses_todays_date():
    from app.services.doctor import check_api_version_supported

    settings = Settings(shopify_api_version="2026-10")
    assert check_api_version_supported(settings, today=date(2027, 6, 1)) == []
    assert check_api_version_supported(settings, today=date(2028, 1, 1))[0].fatal
