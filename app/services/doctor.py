"""`flask doctor`: is this configuration fit to serve merchants?

Each check is a small function that returns findings in plain words. A finding is *fatal* when
the app must not serve merchants with it (in production the web process refuses to start), or a
*warning* when it works but someone should look. Checks that need the network (database, Redis,
migrations) take the connection factories as arguments, so tests run them without Flask.
"""
from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit

from app.config import APP_TOML, ConfigError, Settings, check_api_version

FATAL = "fatal"
WARNING = "warning"
DEMO_API_KEY = Settings.shopify_api_key
DEMO_API_SECRET = Settings.shopify_api_secret
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Topics Shopify delivers without a subscription line of the usual kind: the privacy topics are
# declared under `compliance_topics` and are checked there.
COMPLIANCE_TOPICS = {"customers/data_request", "customers/redact", "shop/redact"}


@dataclass(frozen=True)
class Finding:
    check: str
    level: str
    message: str

    @property
    def fatal(self) -> bool:
        return self.level == FATAL


def check_app_url(settings: Settings) -> list[Finding]:
    parts = urlsplit(settings.shopify_app_url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return []
    if parts.scheme == "http" and host in LOCAL_HOSTS:
        if settings.is_production:
            return [Finding("app_url", FATAL, f"SHOPIFY_APP_URL is {settings.shopify_app_url}: "
                            "production needs the public https address Shopify loads the app "
                            "from.")]
        return []
    return [Finding("app_url", FATAL, f"SHOPIFY_APP_URL must be an https URL (http is only for "
                    f"localhost); it is {settings.shopify_app_url!r}.")]


def check_shopify_credentials(settings: Settings) -> list[Finding]:
    if settings.shopify_api_key == DEMO_API_KEY or settings.shopify_api_secret == DEMO_API_SECRET:
        level = FATAL if settings.is_production else WARNING
        return [Finding("shopify_credentials", level, "SHOPIFY_API_KEY and SHOPIFY_API_SECRET "
                        "still hold the demo values: set the client id and secret of the app "
                        "from the Partner Dashboard.")]
    return []


def check_secrets(settings: Settings) -> list[Finding]:
    level = FATAL if settings.is_production else WARNING
    findings = []
    if not settings.secret_key_from_env:
        findings.append(Finding("secret_key", level, "SECRET_KEY is not set: a key generated into "
                                "instance/ is used, which every web process must share and "
                                "which is lost with the machine."))
    if not settings.encryption_keys_from_env:
        findings.append(Finding("encryption_keys", level, "ENCRYPTION_KEYS is not set: stored "
                                "tokens are encrypted with a key generated into instance/; "
                                "losing it makes every stored token unreadable."))
    return findings


def check_api_version_supported(settings: Settings, today: date | None = None) -> list[Finding]:
    try:
        check_api_version(settings.shopify_api_version, today=today)
    except ConfigError as exc:
        return [Finding("api_version", FATAL, str(exc))]
    return []


def check_outgoing_ip(settings: Settings) -> list[Finding]:
    """Dropi answers 'Access denied' to a server whose IP its IT team has not registered."""
    if not settings.outgoing_ip:
        level = FATAL if settings.is_production else WARNING
        return [Finding("outgoing_ip", level, "OUTGOING_IP is not set: Dropi only accepts calls "
                        "from the fixed IP it registered for this app; set it to that address so "
                        "the app can tell merchants which IP Dropi must allow.")]
    try:
        address = ipaddress.ip_address(settings.outgoing_ip)
    except ValueError:
        return [Finding("outgoing_ip", FATAL, f"OUTGOING_IP={settings.outgoing_ip!r} is not an "
                        "IP address.")]
    if settings.is_production and (address.is_private or address.is_loopback):
        return [Finding("outgoing_ip", FATAL, f"OUTGOING_IP={address} is not a public address; "
                        "Dropi sees the public IP this server calls from.")]
    return []


def check_database_url(settings: Settings) -> list[Finding]:
    if settings.database_url.startswith("postgresql"):
        return []
    if settings.is_production:
        return [Finding("database", FATAL, "DATABASE_URL must point at PostgreSQL in production "
                        "(SQLite is the embedded default for the demo and tests).")]
    return []


def check_redis_url(settings: Settings) -> list[Finding]:
    if settings.redis_url:
        return []
    if settings.is_production:
        return [Finding("redis", FATAL, "REDIS_URL is not set: production needs Redis for the "
                        "job queue so workers on several machines share it.")]
    return []


def check_database_reachable(connect: Callable[[], object]) -> list[Finding]:
    try:
        connect()
    except Exception as exc:  # any driver error means the same thing to the operator
        return [Finding("database", FATAL, f"The database cannot be reached "
                        f"({exc.__class__.__name__}).")]
    return []


def check_redis_reachable(settings: Settings, ping: Callable[[str], object]) -> list[Finding]:
    if not settings.redis_url:
        return []
    try:
        ping(settings.redis_url)
    except Exception as exc:  # connection refused, auth, DNS: all "unreachable" to the operator
        return [Finding("redis", FATAL, f"Redis at REDIS_URL cannot be reached "
                        f"({exc.__class__.__name__}).")]
    return []


def check_migrations(current: Callable[[], set[str]], heads: set[str]) -> list[Finding]:
    try:
        applied = current()
    except Exception as exc:  # no table yet, or no connection: both mean "not migrated"
        return [Finding("migrations", FATAL, f"The migration state cannot be read "
                        f"({exc.__class__.__name__}); run `flask db upgrade`.")]
    if applied != heads:
        return [Finding("migrations", FATAL, f"The database is at revision "
                        f"{', '.join(sorted(applied)) or 'none'} but the code needs "
                        f"{', '.join(sorted(heads))}: run `flask db upgrade`.")]
    return []


def _webhooks_section(toml_path: Path) -> dict:
    with toml_path.open("rb") as handle:
        return tomllib.load(handle).get("webhooks", {})


def subscribed_topics(toml_path: Path = APP_TOML) -> tuple[set[str], set[str]]:
    """(topics, compliance topics) that shopify.app.toml subscribes to."""
    topics, compliance = set(), set()
    for subscription in _webhooks_section(toml_path).get("subscriptions", []):
        topics.update(subscription.get("topics", []))
        compliance.update(subscription.get("compliance_topics", []))
    return topics, compliance


def check_webhook_delivery(settings: Settings, endpoint: str,
                           toml_path: Path = APP_TOML) -> list[Finding]:
    """Every subscription must send to the app's webhook endpoint (a path Shopify puts after
    the app's URL, or the full https URL), and in the API version the app speaks."""
    section = _webhooks_section(toml_path)
    findings = []
    app_host = urlsplit(settings.shopify_app_url).hostname
    for subscription in section.get("subscriptions", []):
        uri = str(subscription.get("uri", ""))
        parts = urlsplit(uri)
        relative = not parts.scheme and not parts.netloc
        if parts.path.rstrip("/") == endpoint and (relative or (
                parts.scheme == "https" and parts.hostname == app_host)):
            continue
        topics = ", ".join(subscription.get("topics", []) +
                           subscription.get("compliance_topics", [])) or "a subscription"
        findings.append(Finding("webhooks", FATAL, f"shopify.app.toml sends {topics} to "
                                f"{uri or 'no uri'}, but this app receives webhooks at {endpoint} "
                                f"of {settings.shopify_app_url}."))
    version = section.get("api_version")
    if version and version != settings.shopify_api_version:
        findings.append(Finding("webhooks", WARNING, f"shopify.app.toml asks for webhook "
                                f"payloads in API version {version} but the app speaks "
                                f"{settings.shopify_api_version}: make them the same."))
    return findings


def check_webhook_subscriptions(handled: Iterable[str],
                                toml_path: Path = APP_TOML) -> list[Finding]:
    """A topic handled but not subscribed never arrives; one subscribed but not handled is
    stored and ignored on every delivery. Both are configuration errors."""
    topics, compliance = subscribed_topics(toml_path)
    handled = set(handled)
    findings = []
    for topic in sorted(handled - topics - compliance):
        findings.append(Finding("webhooks", FATAL, f"The code handles {topic} but shopify.app.toml "
                                "does not subscribe to it, so it never arrives."))
    for topic in sorted(topics - handled):
        findings.append(Finding("webhooks", FATAL, f"shopify.app.toml subscribes to {topic} but no "
                                "handler processes it."))
    for topic in sorted(COMPLIANCE_TOPICS - compliance):
        findings.append(Finding("webhooks", FATAL, f"shopify.app.toml does not declare the "
                                f"mandatory privacy topic {topic}."))
    return findings


def static_findings(settings: Settings) -> list[Finding]:
    """The checks that need no network: run when the app starts."""
    findings: list[Finding] = []
    for check in (check_app_url, check_shopify_credentials, check_secrets,
                  check_api_version_supported, check_outgoing_ip, check_database_url,
                  check_redis_url):
        findings += check(settings)
    return findings


def diagnose(settings: Settings, *, connect_database: Callable[[], object],
             ping_redis: Callable[[str], object], applied_revisions: Callable[[], set[str]],
             head_revisions: set[str], handled_topics: Iterable[str],
             webhook_endpoint: str = "/webhooks", toml_path: Path = APP_TOML) -> list[Finding]:
    """Every check, the network ones included."""
    findings = static_findings(settings)
    database_down = check_database_reachable(connect_database)
    findings += database_down
    if not database_down:
        findings += check_migrations(applied_revisions, head_revisions)
    findings += check_redis_reachable(settings, ping_redis)
    findings += check_webhook_subscriptions(handled_topics, toml_path)
    findings += check_webhook_delivery(settings, webhook_endpoint, toml_path)
    return findings
